"""Setting a service up: the demand a proposal records, and the testing its sign-off rests on."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from pmoctl.catalogue.models import Stage
from pmoctl.findings import Pending, Severity
from pmoctl.rules import Partial, Rule
from pmoctl.rules._common import closest, finding, people, services
from pmoctl.runtime import today as runtime_today

if TYPE_CHECKING:
    from pmoctl.catalogue.files import Catalogue
    from pmoctl.catalogue.models import Service

#: the parts of a request the set-up decision weighs, and what each is
_DEMAND_PARTS = {
    "requested_by": "who asked for it",
    "requested": "when",
    "customer": "for which customer group",
    "expected_outcome": "the outcome expected",
}


def _groups(catalogue: Catalogue) -> dict[str, str] | None:
    """Group id -> kind (customer, stakeholder, both), or None without organisation.yaml."""
    if catalogue.organisation is None:
        return None
    return {group.id: group.kind for group in catalogue.organisation.groups}


def _demand(catalogue: Catalogue) -> Iterator[Pending]:
    known, groups = people(catalogue), _groups(catalogue)
    today = runtime_today()
    for path, service in services(catalogue):
        demand = service.demand
        if demand is None:
            continue
        if (
            demand.requested_by is not None
            and known is not None
            and groups is not None
            and demand.requested_by not in known
            and demand.requested_by not in groups
        ):
            yield finding(
                path,
                ("demand", "requested_by"),
                "DEMAND",
                f"{demand.requested_by!r} is neither a person nor a group in organisation.yaml",
                closest(demand.requested_by, {*known, *groups}, "people and groups"),
            )
        if demand.customer is not None and groups is not None:
            kind = groups.get(demand.customer)
            if kind is None:
                yield finding(
                    path,
                    ("demand", "customer"),
                    "DEMAND",
                    f"{demand.customer!r} is not a group in organisation.yaml",
                    closest(demand.customer, groups, "groups"),
                )
            elif kind == "stakeholder":
                yield finding(
                    path,
                    ("demand", "customer"),
                    "DEMAND",
                    f"{demand.customer!r} is a stakeholder group, not a customer group",
                    "name the customer group the service is for, or make the group's kind "
                    "customer or both",
                )
        if demand.requested is not None and demand.requested > today:
            yield finding(
                path,
                ("demand", "requested"),
                "DEMAND",
                f"the request is dated {demand.requested.isoformat()}, after today",
                "give the day the service was asked for",
                severity=Severity.WARNING,  # a slip of the date; the decision need not wait
            )


def _demand_recorded(catalogue: Catalogue) -> Iterator[Pending]:
    for path, service in services(catalogue):
        if service.lifecycle.stage is not Stage.PROPOSED:
            continue
        demand = service.demand
        absent = [part for part in _DEMAND_PARTS if demand is None or getattr(demand, part) is None]
        if not absent:
            continue
        yield finding(
            path,
            ("demand",) if demand is not None else ("lifecycle", "stage"),
            "DEMAND-RECORDED",
            "the proposal does not record "
            + ", ".join(_DEMAND_PARTS[part] for part in absent)
            + " (demand: "
            + ", ".join(absent)
            + ")",
            "record the request under demand: requested_by (a person or group), requested "
            "(a date), customer (a customer group) and expected_outcome",
        )


def _testing(catalogue: Catalogue) -> Iterator[Pending]:
    known, groups = people(catalogue), _groups(catalogue)
    for path, service in services(catalogue):
        if service.testing is not None:
            yield from _testing_of(path, service, known, groups)


def _testing_of(
    path: str, service: Service, known: Mapping[str, object] | None, groups: dict[str, str] | None
) -> Iterator[Pending]:
    testing = service.testing
    assert testing is not None
    seen: set[str] = set()
    for index, criterion in enumerate(testing.success_criteria):
        where = ("testing", "success_criteria", index)
        if criterion.id in seen:
            yield finding(
                path,
                (*where, "id"),
                "TESTING",
                f"success criterion {criterion.id!r} is listed twice",
                "give each criterion its own id",
            )
        seen.add(criterion.id)
        for position, group in enumerate(criterion.agreed_with):
            if group not in service.customers:
                yield finding(
                    path,
                    (*where, "agreed_with", position),
                    "TESTING",
                    f"criterion {criterion.id!r} is agreed with {group!r}, which is not a "
                    "customer of the service",
                    closest(group, service.customers, "customers of the service",
                            "success criteria are agreed with the service's customers"),
                )  # fmt: skip
    participants = testing.participants
    for position, group in enumerate(participants.customers):
        if groups is not None and group not in groups:
            yield finding(
                path,
                ("testing", "participants", "customers", position),
                "TESTING",
                f"{group!r} is not a group in organisation.yaml",
                closest(group, groups, "groups"),
            )
    for position, person in enumerate(participants.operatives):
        if known is not None and person not in known:
            yield finding(
                path,
                ("testing", "participants", "operatives", position),
                "TESTING",
                f"{person!r} is not a person in organisation.yaml",
                closest(person, known, "people"),
            )
    today = runtime_today()
    for index, result in enumerate(testing.results):
        where = ("testing", "results", index)
        if result.criterion not in seen:
            yield finding(
                path,
                (*where, "criterion"),
                "TESTING",
                f"the result names {result.criterion!r}, which is not a success criterion",
                closest(result.criterion, seen, "success criteria"),
            )
        if result.date is not None and result.date > today:
            yield finding(
                path,
                (*where, "date"),
                "TESTING",
                f"the result is dated {result.date.isoformat()}, after today",
                "give the day the criterion was assessed",
                severity=Severity.WARNING,
            )


def _testing_criteria(catalogue: Catalogue) -> Iterator[Pending]:
    for path, service in services(catalogue):
        if service.lifecycle.stage is not Stage.PILOT:
            continue
        if service.testing is None or not service.testing.success_criteria:
            yield finding(
                path,
                ("testing",) if service.testing is not None else ("lifecycle", "stage"),
                "TESTING-CRITERIA",
                "the service is in pilot but records no success criteria agreed with customers",
                "add testing.success_criteria (id, criterion, agreed_with); the sign-off to "
                "transition needs each of them met or waived",
            )


RULES = [
    Rule(
        "DEMAND",
        Severity.ERROR,
        "The recorded request names an unknown requester or customer",
        "A proposal records its demand: who asked (`demand.requested_by`, a person or a "
        "group of organisation.yaml), when (`requested`, not after today), the customer group "
        "it is for (`customer`, a group of kind customer or both) and the `expected_outcome`. "
        "A date after today is a warning. The decision to set a service up, or to reject "
        "it, weighs that request.",
        _demand,
        partial=Partial.YES,
    ),
    Rule(
        "DEMAND-RECORDED",
        Severity.WARNING,
        "A proposal does not record its demand",
        "A proposed service records who asked for it, when, for which customer group and the "
        "outcome expected (`demand:`), so that the PMO Director can weigh it against the "
        "strategy and capacity. A warning, so that a proposal can be written down before "
        "everything is known; services past proposed are not judged (the request was "
        "weighed when they were set up).",
        _demand_recorded,
        partial=Partial.YES,
    ),
    Rule(
        "TESTING",
        Severity.ERROR,
        "The testing record names an unknown criterion, customer or person",
        "`testing.success_criteria` are the criteria agreed at design with the service's "
        "customers: each has its own id and is `agreed_with` customer groups the service "
        "lists in `customers`. The pilot's `participants` name groups and people of "
        "organisation.yaml (suppliers are free text), and each of the `results` names a "
        "success criterion (a result dated after today is a warning). The last result of a "
        "criterion counts; the sign-off (pilot -> transition) needs every criterion met or waived.",
        _testing,
        partial=Partial.YES,
    ),
    Rule(
        "TESTING-CRITERIA",
        Severity.WARNING,
        "A service in pilot records no success criteria",
        "The pilot confirms that the success criteria agreed with customers are met, and "
        "the sign-off to transition needs each of them met or waived. `pmoctl transition` "
        "refuses design -> pilot without them; a service that reached pilot before they were "
        "recorded is a warning until they are added to `testing.success_criteria`.",
        _testing_criteria,
        partial=Partial.YES,
    ),
]
