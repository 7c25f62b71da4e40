"""Running a service: KPI readings on time, reported by the people who manage it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pmoctl.catalogue.models.common import Stage
from pmoctl.catalogue.periods import PERIOD_NAME, Missed, missed_readings, running_since
from pmoctl.findings import Pending, Severity
from pmoctl.rules import Rule
from pmoctl.rules._common import finding, people, services
from pmoctl.runtime import today

if TYPE_CHECKING:
    from pmoctl.catalogue.files import Catalogue

#: missed periods from which an overdue reading is an error rather than a warning
ERROR_FROM = 2
#: the stages in which a KPI is reported, so it names who reports it
_REPORTED = (Stage.TRANSITION, Stage.RUNNING)


def _reading_due(catalogue: Catalogue) -> Iterator[Pending]:
    day = today()
    for path, service in services(catalogue):
        if service.lifecycle.stage is not Stage.RUNNING:
            continue
        since = running_since(service)
        for index, kpi in enumerate(service.kpis):
            missed = missed_readings(kpi, since, day)
            if missed is None:
                continue
            last = missed.last
            if missed.count == 1:
                what = f"no reading for {last.label}"
            else:
                name = PERIOD_NAME[kpi.frequency]
                what = (
                    f"no reading for {missed.count} {name}s, {missed.first.label} to {last.label}"
                )
            yield finding(
                path,
                ("kpis", index, "readings") if kpi.readings else ("kpis", index),
                "KPI-READING-DUE",
                f"KPI {kpi.id!r} ({kpi.frequency}) has {what}",
                _hint(missed),
                at_key=not kpi.readings,
                severity=Severity.ERROR if missed.count >= ERROR_FROM else None,
            )


def _hint(missed: Missed) -> str:
    last = missed.last
    example = f"{{date: {last.end.isoformat()}, value: ...}}"
    if missed.count == 1:
        return (
            f"add the reading for {last.label} to readings, dated {last.start.isoformat()} "
            f"to {last.end.isoformat()}: {example}"
        )
    return (
        f"add a reading per {PERIOD_NAME[last.frequency]} from {missed.first.label} to "
        f"{last.label} to readings, the last one dated {last.start.isoformat()} to "
        f"{last.end.isoformat()}: {example}"
    )


def _reporter(catalogue: Catalogue) -> Iterator[Pending]:
    known = people(catalogue) or {}
    for path, service in services(catalogue):
        managers = [manager.person for manager in service.roles.managers]
        if not managers:
            continue  # not appointed yet; STAGE-COMPLETE asks for them when they are due
        reported = service.lifecycle.stage in _REPORTED
        for index, kpi in enumerate(service.kpis):
            reporter = kpi.reported_by
            if reporter is None and reported:
                yield finding(
                    path,
                    ("kpis", index),
                    "KPI-REPORTER",
                    f"KPI {kpi.id!r} names nobody to report it",
                    "add reported_by: one of its managers (roles.managers): " + ", ".join(managers),
                    at_key=True,
                )
            if reporter is None or reporter in managers or (known and reporter not in known):
                continue  # an unknown person is REF-PERSON
            yield finding(
                path,
                ("kpis", index, "reported_by"),
                "KPI-REPORTER",
                f"KPI {kpi.id!r} is reported by {reporter}, who is not a Service Manager "
                "of this service",
                "name one of its managers (roles.managers): " + ", ".join(managers),
            )


RULES = [
    Rule(
        "KPI-READING-DUE",
        Severity.WARNING,
        "A running service's KPI has no reading for its last due period",
        "Each KPI is read once per period of its `frequency` (an ISO week, a calendar month, "
        "quarter or year); a reading covers the period its date falls in, and a period is "
        "due once it is over. Readings are owed from the first full period after the service "
        "went live (its last recorded move to running). One missed period is a warning; two "
        "or more in a row are an error, because the service is then run without knowing how "
        "it performs. The day is today's date, or `PMOCTL_TODAY=YYYY-MM-DD` for a reproducible "
        "run. `pmoctl due` lists the readings owed. Time alone can make this an error, in any "
        "pull request's check: a catalogue that does not want that sets "
        "`rules: {KPI-READING-DUE: warning}` in pmoctl.yaml.",
        _reading_due,
    ),
    Rule(
        "KPI-REPORTER",
        Severity.WARNING,
        "A KPI is reported by someone who does not manage the service",
        "The Service Manager runs the service day to day and reports its KPIs, so "
        "`kpis[].reported_by` names one of the service's `roles.managers`; a KPI of a service "
        "in transition or running names its reporter. Someone else reporting is allowed but "
        "unusual: check it, or waive the finding with the reason. A service without managers "
        "yet is not checked.",
        _reporter,
    ),
]
