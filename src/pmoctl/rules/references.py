"""References between documents: every id named somewhere must exist where it is looked up.

A reference to a service whose file exists but does not load is not reported here: the
broken file has its own findings, and reporting its references too would only add noise.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pmoctl.findings import DocPath, Pending, Severity
from pmoctl.rules import Partial, Rule
from pmoctl.rules._common import (
    closest,
    finding,
    people,
    pmo_ids,
    procedures,
    service_known,
    services,
)

if TYPE_CHECKING:
    from pmoctl.catalogue.files import Catalogue

#: (path, document path, the id written there)
Reference = tuple[str, DocPath, str]


def _person_references(catalogue: Catalogue) -> Iterator[Reference]:
    if catalogue.strategy is not None:
        yield catalogue.path_of("strategy"), ("owner",), catalogue.strategy.owner
    if catalogue.handbook is not None:
        yield catalogue.path_of("handbook"), ("owner",), catalogue.handbook.owner
    for path, service in services(catalogue):
        roles = service.roles
        if roles.owner is not None:
            yield path, ("roles", "owner"), roles.owner
        for index, manager in enumerate(roles.managers):
            yield path, ("roles", "managers", index, "person"), manager.person
        for index, operative in enumerate(roles.operatives):
            yield path, ("roles", "operatives", index), operative
        for index, kpi in enumerate(service.kpis):
            if kpi.reported_by is not None:
                yield path, ("kpis", index, "reported_by"), kpi.reported_by
        for index, risk in enumerate(service.risks):
            if risk.owner is not None:
                yield path, ("risks", index, "owner"), risk.owner
        for index, issue in enumerate(service.issues):
            if issue.owner is not None:
                yield path, ("issues", index, "owner"), issue.owner
            for number, action in enumerate(issue.actions):
                yield path, ("issues", index, "actions", number, "owner"), action.owner
        for index, change in enumerate(service.change_requests):
            yield path, ("change_requests", index, "requested_by"), change.requested_by
            deciders = {
                "approved_by": change.approved_by,
                "decided_by": change.decided_by,
                "implemented_by": change.implemented_by,
            }
            for key, ident in deciders.items():
                if ident is not None:
                    yield path, ("change_requests", index, key), ident
        for index, review in enumerate(service.reviews):
            held: DocPath = ("reviews", index)
            for number, attendee in enumerate(review.attendees):
                yield path, (*held, "attendees", number), attendee
            if review.approved_by is not None:
                yield path, (*held, "approved_by"), review.approved_by
            for number, action in enumerate(review.actions):
                yield path, (*held, "actions", number, "owner"), action.owner
        for index, move in enumerate(service.lifecycle.moves):
            where: DocPath = ("lifecycle", "moves", index)
            yield path, (*where, "approved_by"), move.approved_by
            if move.artefact_review is not None:
                reviewer = move.artefact_review.reviewed_by
                yield path, (*where, "artefact_review", "reviewed_by"), reviewer


def _ref_person(catalogue: Catalogue) -> Iterator[Pending]:
    known = people(catalogue)
    if known is None:
        return
    for path, doc_path, ident in _person_references(catalogue):
        if ident not in known:
            yield finding(
                path,
                doc_path,
                "REF-PERSON",
                f"no person {ident!r} in organisation.yaml",
                closest(ident, known, "people", "or add the person to organisation.yaml"),
            )


def _pmo_references(catalogue: Catalogue) -> Iterator[Reference]:
    if catalogue.organisation is not None:
        path = catalogue.path_of("organisation")
        for index, pmo in enumerate(catalogue.organisation.pmos):
            if pmo.parent is not None:
                yield path, ("pmos", index, "parent"), pmo.parent
        for index, person in enumerate(catalogue.organisation.people):
            if person.pmo is not None:
                yield path, ("people", index, "pmo"), person.pmo
    for path, service in services(catalogue):
        for index, pmo_id in enumerate(service.delivery.pmos):
            yield path, ("delivery", "pmos", index), pmo_id
        for index, manager in enumerate(service.roles.managers):
            if manager.pmo is not None:
                yield path, ("roles", "managers", index, "pmo"), manager.pmo
        for index, need in enumerate(service.needs.capacity):
            yield path, ("needs", "capacity", index, "pmo"), need.pmo


def _ref_pmo(catalogue: Catalogue) -> Iterator[Pending]:
    known = pmo_ids(catalogue)
    if known is None:
        return
    for path, doc_path, ident in _pmo_references(catalogue):
        if ident not in known:
            yield finding(
                path,
                doc_path,
                "REF-PMO",
                f"no PMO {ident!r} in organisation.yaml",
                closest(ident, known, "PMOs"),
            )


def _ref_group(catalogue: Catalogue) -> Iterator[Pending]:
    if catalogue.organisation is None:
        return
    groups = {group.id: group for group in catalogue.organisation.groups}
    fields = {"customers": "customer", "stakeholders": "stakeholder"}
    for path, service in services(catalogue):
        for field, wanted in fields.items():
            other = next(name for name in fields if name != field)
            for index, ident in enumerate(getattr(service, field)):
                group = groups.get(ident)
                if group is None:
                    yield finding(
                        path,
                        (field, index),
                        "REF-GROUP",
                        f"no group {ident!r} in organisation.yaml",
                        closest(ident, groups, "groups", "or add the group to organisation.yaml"),
                    )
                elif group.kind not in (wanted, "both"):
                    yield finding(
                        path,
                        (field, index),
                        "REF-GROUP",
                        f"group {ident!r} is a {group.kind} group, listed as a {wanted}",
                        _wrong_kind_hint(ident in getattr(service, other), field, other),
                    )


def _wrong_kind_hint(listed_in_other: bool, field: str, other: str) -> str:
    if listed_in_other:
        return (
            f"it is already listed in {other}: remove it from {field}, "
            "or set kind: both on the group in organisation.yaml"
        )
    return f"set kind: both on the group in organisation.yaml, or move it to {other}"


def _service_references(catalogue: Catalogue) -> Iterator[Reference]:
    for path, service in services(catalogue):
        if service.temporary is not None and service.temporary.supports is not None:
            yield path, ("temporary", "supports"), service.temporary.supports
        for index, ident in enumerate(service.supersedes):
            yield path, ("supersedes", index), ident
        for index, move in enumerate(service.lifecycle.moves):
            if move.superseded_by is not None:
                yield path, ("lifecycle", "moves", index, "superseded_by"), move.superseded_by
    for path, procedure in procedures(catalogue):
        for index, ident in enumerate(procedure.services):
            yield path, ("services", index), ident
        for index, monitored in enumerate(procedure.monitors):
            yield path, ("monitors", index, "service"), monitored.service


def _ref_service(catalogue: Catalogue) -> Iterator[Pending]:
    for path, doc_path, ident in _service_references(catalogue):
        if not service_known(catalogue, ident):
            yield finding(
                path,
                doc_path,
                "REF-SERVICE",
                f"no service {ident!r} (no file services/{ident}.yaml)",
                closest(ident, catalogue.service_ids, "services"),
            )


def _ref_kpi(catalogue: Catalogue) -> Iterator[Pending]:
    for path, procedure in procedures(catalogue):
        for index, monitored in enumerate(procedure.monitors):
            service = catalogue.services.get(monitored.service)
            if service is None:
                continue  # REF-SERVICE, or a broken service file
            kpis = {kpi.id for kpi in service.kpis}
            if monitored.kpi not in kpis:
                yield finding(
                    path,
                    ("monitors", index, "kpi"),
                    "REF-KPI",
                    f"service {monitored.service!r} has no KPI {monitored.kpi!r}",
                    closest(monitored.kpi, kpis, "KPIs of that service"),
                )


def _ref_strategy(catalogue: Catalogue) -> Iterator[Pending]:
    if catalogue.strategy is None:
        return
    objectives = {objective.id for objective in catalogue.strategy.objectives}
    criteria = {criterion.id for criterion in catalogue.strategy.prioritisation.criteria}
    for path, service in services(catalogue):
        for index, ident in enumerate(service.strategy.objectives):
            if ident not in objectives:
                yield finding(
                    path,
                    ("strategy", "objectives", index),
                    "REF-STRATEGY",
                    f"no objective {ident!r} in strategy.yaml",
                    closest(ident, objectives, "objectives"),
                )
        for ident in service.strategy.scores:
            if ident not in criteria:
                yield finding(
                    path,
                    ("strategy", "scores", ident),
                    "REF-STRATEGY",
                    f"no prioritisation criterion {ident!r} in strategy.yaml",
                    closest(ident, criteria, "criteria"),
                    at_key=True,
                )


RULES = [
    Rule(
        "REF-PERSON",
        Severity.ERROR,
        "A person id does not exist",
        "Owners, managers, operatives, KPI reporters, risk and issue owners, the owners of "
        "issue actions, change requesters and approvers, service review attendees and action "
        "owners, and the approvers recorded on lifecycle moves and reviews are people listed in "
        "organisation.yaml under `people:`, named by id. An unknown id usually is a typo (the "
        "hint names the closest id) or someone not yet added to the organisation. Not checked "
        "while organisation.yaml is missing or broken.",
        _ref_person,
        partial=Partial.YES,
    ),
    Rule(
        "REF-PMO",
        Severity.ERROR,
        "A PMO id does not exist",
        "The PMOs delivering a service, a manager's PMO, the PMO whose capacity a service "
        "needs, a person's PMO and a PMO's parent are PMO ids from organisation.yaml "
        "`pmos:`. Capacity and manager checks rely on them, so an unknown id is an error.",
        _ref_pmo,
        partial=Partial.YES,
    ),
    Rule(
        "REF-GROUP",
        Severity.ERROR,
        "A customer or stakeholder group does not exist or has the wrong kind",
        "A service's `customers:` and `stakeholders:` are group ids from organisation.yaml "
        "`groups:`. A group listed as a customer must be of kind `customer` or `both`, and a "
        "stakeholder of kind `stakeholder` or `both`, so that the rendered catalogue tells each "
        "group what it can request.",
        _ref_group,
        partial=Partial.YES,
    ),
    Rule(
        "REF-SERVICE",
        Severity.ERROR,
        "A service id does not exist",
        "The service a temporary service supports, the services one supersedes, the service "
        "named as its successor on a closure (`superseded_by`), and the services a handbook "
        "procedure supports or monitors are service ids: there must be a "
        "file services/<id>.yaml. A reference to a file that exists but has errors of its own "
        "is not reported again.",
        _ref_service,
        # a service known by its file name only exists: it is not reported
        partial=Partial.YES,
    ),
    Rule(
        "REF-KPI",
        Severity.ERROR,
        "A procedure monitors a KPI the service does not have",
        "A procedure's `monitors:` names a service and one of that service's KPI ids. If the "
        "KPI was renamed or removed, the procedure would report on nothing; the hint names the "
        "closest KPI id of that service.",
        _ref_kpi,
        # a procedure's monitored services may be known by name only; and it
        # reports in procedures, which a move does not change
        partial=Partial.NO,
    ),
    Rule(
        "REF-STRATEGY",
        Severity.ERROR,
        "A service names an objective or criterion the strategy does not have",
        "A service's strategic fit lists objectives and scores prioritisation criteria by id, "
        "both from strategy.yaml. An unknown id would leave the service's alignment to the "
        "strategy unaccounted for. Not checked while strategy.yaml is missing or broken.",
        _ref_strategy,
        partial=Partial.YES,
    ),
]
