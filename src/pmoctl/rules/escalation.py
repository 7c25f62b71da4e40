"""Escalation: what must reach service ownership, with an owner and an action.

Risks and issues escalate from service operations to service management to service
ownership (the levels are declared in :mod:`pmoctl.catalogue.escalation`). Three things
must reach the Service Owner: a high-impact risk that is not closed, a KPI whose latest
reading is red, and an issue open longer than pmoctl.yaml allows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

from pmoctl.catalogue.escalation import DEFAULT_ISSUE_DAYS, OWNERSHIP, reached
from pmoctl.catalogue.models.common import Stage
from pmoctl.catalogue.rag import latest_rag
from pmoctl.findings import Pending, Severity
from pmoctl.rules import Partial, Rule
from pmoctl.rules._common import closest, finding, services
from pmoctl.runtime import today

if TYPE_CHECKING:
    from pmoctl.catalogue.files import Catalogue
    from pmoctl.catalogue.models.service import Issue, Risk

#: a service in these stages is used by customers: an unowned risk that is both likely and
#: of high impact is an error there (the transition's guard refuses to move it on)
_IN_USE = (Stage.TRANSITION, Stage.RUNNING)


def _risk_gaps(risk: Risk) -> list[str]:
    gaps = []
    if not reached(risk.escalated_to, OWNERSHIP):
        gaps.append(f"escalated_to: {OWNERSHIP}")
    if risk.owner is None:
        gaps.append("an owner")
    if risk.mitigation is None:
        gaps.append("a mitigation")
    return gaps


def _issue_gaps(issue: Issue) -> list[str]:
    gaps = []
    if not reached(issue.escalated_to, OWNERSHIP):
        gaps.append(f"escalated_to: {OWNERSHIP}")
    if issue.owner is None:
        gaps.append("an owner")
    if not issue.actions:
        gaps.append("an action (actions: [{action, owner, due}])")
    return gaps


def _high_impact_risks(catalogue: Catalogue) -> Iterator[Pending]:
    for path, service in services(catalogue):
        stage = service.lifecycle.stage
        if stage is Stage.CLOSED:
            continue
        for index, risk in enumerate(service.risks):
            if risk.status == "closed" or risk.impact.value != "high":
                continue
            gaps = _risk_gaps(risk)
            if not gaps:
                continue
            unowned = risk.owner is None and risk.likelihood.value == "high" and stage in _IN_USE
            yield finding(
                path,
                ("risks", index),
                "ESCALATION-RISK",
                f"risk {risk.id!r} has a high impact and is {risk.status}; it needs "
                + ", ".join(gaps),
                "a high-impact risk goes to the Service Owner: set escalated_to: ownership, "
                "name its owner and say what is done about it (mitigation)",
                severity=Severity.ERROR if unowned else None,
            )


def _red_kpis(catalogue: Catalogue) -> Iterator[Pending]:
    for path, service in services(catalogue):
        kpis = {kpi.id for kpi in service.kpis}
        for index, issue in enumerate(service.issues):
            if issue.kpi is not None and issue.kpi not in kpis:
                yield finding(
                    path,
                    ("issues", index, "kpi"),
                    "ESCALATION-KPI",
                    f"issue {issue.id!r} is about KPI {issue.kpi!r}, which the service does "
                    "not have",
                    closest(issue.kpi, kpis, "KPIs of this service"),
                    severity=Severity.ERROR,
                )
        if service.lifecycle.stage is not Stage.RUNNING:
            continue
        for index, kpi in enumerate(service.kpis):
            if latest_rag(kpi) != "red":
                continue
            recorded = [
                (number, issue)
                for number, issue in enumerate(service.issues)
                if issue.kpi == kpi.id and issue.status == "open"
            ]
            if not recorded:
                latest = max(kpi.readings, key=lambda reading: reading.date)
                yield finding(
                    path,
                    ("kpis", index, "readings"),
                    "ESCALATION-KPI",
                    f"KPI {kpi.id!r} is red ({latest.value:g} on {latest.date.isoformat()}) "
                    "and no open issue escalates it to the Service Owner",
                    f"add an issue with kpi: {kpi.id}, escalated_to: ownership, an owner and "
                    "an action",
                )
                continue
            number, issue = recorded[0]
            gaps = _issue_gaps(issue)
            if gaps:
                yield finding(
                    path,
                    ("issues", number),
                    "ESCALATION-KPI",
                    f"issue {issue.id!r} records the red KPI {kpi.id!r}; it needs "
                    + ", ".join(gaps),
                    "a red KPI goes to the Service Owner, with an owner and an action",
                )


def _issue_days(catalogue: Catalogue) -> int:
    config = catalogue.config
    return config.escalation.issue_days if config is not None else DEFAULT_ISSUE_DAYS


def _old_issues(catalogue: Catalogue) -> Iterator[Pending]:
    limit = _issue_days(catalogue)
    cutoff = today() - dt.timedelta(days=limit)
    for path, service in services(catalogue):
        if service.lifecycle.stage is Stage.CLOSED:
            continue
        for index, issue in enumerate(service.issues):
            if issue.status != "open" or issue.raised >= cutoff:
                continue
            gaps = _issue_gaps(issue)
            if not gaps:
                continue
            days = (cutoff - issue.raised).days + limit
            yield finding(
                path,
                ("issues", index),
                "ESCALATION-ISSUE",
                f"issue {issue.id!r} has been open {days} days (raised "
                f"{issue.raised.isoformat()}, limit {limit}); it needs " + ", ".join(gaps),
                "resolve it, or take it to the Service Owner with an owner and an action "
                "(the limit is escalation.issue_days in pmoctl.yaml)",
            )


RULES = [
    Rule(
        "ESCALATION-RISK",
        Severity.WARNING,
        "A high-impact risk has not reached the Service Owner, or has no owner or mitigation",
        "Risks escalate from service operations to service management to service ownership "
        "(`escalated_to`). A risk of high impact that is open or being mitigated belongs to "
        "the Service Owner: `escalated_to: ownership`, an `owner` who manages it and a "
        "`mitigation` saying what is done. Closed services are not checked. Short of that it "
        "is a warning; it is an error when the risk is also highly likely, has no owner, and "
        "the service is in transition or running, because nobody then answers for the likeliest "
        "damage to a service customers use (the transition refuses to move such a service on).",
        _high_impact_risks,
        partial=Partial.YES,
    ),
    Rule(
        "ESCALATION-KPI",
        Severity.WARNING,
        "A red KPI has not been escalated to the Service Owner",
        "When the latest reading of a running service's KPI is red (beyond its amber "
        "threshold; see `pmoctl kpi report`), an open issue records it: `kpi: KPI-ID`, "
        "`escalated_to: ownership`, an `owner` and at least one action with its owner and due "
        "date. An issue that names a KPI the service does not have is an error.",
        _red_kpis,
        partial=Partial.YES,
    ),
    Rule(
        "ESCALATION-ISSUE",
        Severity.WARNING,
        "An issue open too long has not reached the Service Owner",
        "An issue still open more than `escalation.issue_days` days after it was raised "
        f"(pmoctl.yaml; {DEFAULT_ISSUE_DAYS} by default) is taken to the Service Owner: "
        "`escalated_to: ownership`, an `owner` and at least one action with its owner and due "
        "date. The day is today's date, or `PMOCTL_TODAY=YYYY-MM-DD` for a reproducible run. "
        "Closed services are not checked.",
        _old_issues,
        partial=Partial.YES,
    ),
]
