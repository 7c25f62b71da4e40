"""Who holds which role: eligible job roles, document owners, one manager per PMO."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pmoctl.catalogue.models import JobRole
from pmoctl.findings import DocPath, Pending, Severity
from pmoctl.rules import Partial, Rule
from pmoctl.rules._common import finding, people, pmo_ids, services

if TYPE_CHECKING:
    from pmoctl.catalogue.files import Catalogue
    from pmoctl.catalogue.models import Person

#: service role -> (its name, the job roles that typically hold it)
TYPICAL: dict[str, tuple[str, frozenset[JobRole]]] = {
    "owner": ("Service Owner", frozenset({JobRole.PMO_DIRECTOR, JobRole.PMO_MANAGER})),
    "manager": ("Service Manager", frozenset({JobRole.PMO_MANAGER, JobRole.PMO_ANALYST})),
    "operative": (
        "Service Operative",
        frozenset(
            {
                JobRole.PMO_ANALYST,
                JobRole.PMO_ADMINISTRATOR,
                JobRole.PMO_SPECIALIST,
                JobRole.EXTERNAL,
            }
        ),
    ),
}


def _names(roles: frozenset[JobRole]) -> str:
    return ", ".join(sorted(role.value for role in roles))


def _role_eligible(catalogue: Catalogue) -> Iterator[Pending]:
    known = people(catalogue)
    if known is None:
        return
    for path, service in services(catalogue):
        holders: list[tuple[str, DocPath, str]] = []
        if service.roles.owner is not None:
            holders.append(("owner", ("roles", "owner"), service.roles.owner))
        for index, manager in enumerate(service.roles.managers):
            holders.append(("manager", ("roles", "managers", index, "person"), manager.person))
        for index, operative in enumerate(service.roles.operatives):
            holders.append(("operative", ("roles", "operatives", index), operative))
        for role, doc_path, ident in holders:
            person = known.get(ident)
            if person is None or _eligible(role, person):
                continue  # an unknown person is REF-PERSON
            name, typical = TYPICAL[role]
            yield finding(
                path,
                doc_path,
                "ROLE-ELIGIBLE",
                f"{ident} ({person.role.value}) is an unusual {name}",
                f"a {name} is typically {_names(typical)}"
                + (" or someone outside the PMO" if role == "operative" else "")
                + "; waive the finding if this is deliberate",
            )


def _eligible(role: str, person: Person) -> bool:
    if person.role in TYPICAL[role][1]:
        return True
    # people outside the PMO may act for it as operatives
    return role == "operative" and person.pmo is None


def _owner_role(catalogue: Catalogue) -> Iterator[Pending]:
    known = people(catalogue)
    if known is None:
        return
    documents = (
        ("strategy", catalogue.strategy, JobRole.PMO_DIRECTOR, "PMO Service Strategy"),
        ("handbook", catalogue.handbook, JobRole.PMO_MANAGER, "PMO Operations Handbook"),
    )
    for kind, document, wanted, title in documents:
        if document is None:
            continue
        person = known.get(document.owner)
        if person is not None and person.role is not wanted:
            yield finding(
                catalogue.path_of(kind),
                ("owner",),
                "OWNER-ROLE",
                f"the {title} is owned by a {wanted.value}; {person.id} is {person.role.value}",
                "owners who hold that role: "
                + (", ".join(p.id for p in known.values() if p.role is wanted) or "none yet"),
            )


def _manager_pmo(catalogue: Catalogue) -> Iterator[Pending]:
    known = people(catalogue) or {}
    pmos = pmo_ids(catalogue)
    for path, service in services(catalogue):
        delivering = service.delivery.pmos
        if pmos is not None and not pmos.issuperset(delivering):
            continue  # REF-PMO reports the unknown PMO; the managers cannot be judged
        covered: set[str] = set()
        for index, manager in enumerate(service.roles.managers):
            pmo = manager.pmo
            if pmo is None:
                person = known.get(manager.person)
                pmo = person.pmo if person is not None else None
            elif pmo not in delivering:
                yield finding(
                    path,
                    ("roles", "managers", index, "pmo"),
                    "MANAGER-PMO",
                    f"manager {manager.person} is assigned to PMO {pmo!r}, which does not "
                    "deliver this service",
                    "delivering PMOs (delivery.pmos): " + ", ".join(delivering),
                )
            if pmo is not None:
                covered.add(pmo)
        if len(delivering) < 2 or not service.roles.managers:
            continue
        for index, pmo in enumerate(delivering):
            if pmo not in covered:
                yield finding(
                    path,
                    ("delivery", "pmos", index),
                    "MANAGER-PMO",
                    f"PMO {pmo!r} delivers this service but none of its managers is for {pmo!r}",
                    f"add a manager with pmo: {pmo} under roles.managers",
                    severity=Severity.WARNING,
                )


RULES = [
    Rule(
        "ROLE-ELIGIBLE",
        Severity.WARNING,
        "A service role is held by someone of an unusual job role",
        "A Service Owner is typically a PMO Director or PMO Manager (appointed by the PMO "
        "Director); a Service Manager a PMO Manager or PMO Analyst; a Service Operative a PMO "
        "Analyst, Administrator or Specialist, or someone outside the PMO acting for it. Other "
        "holders are allowed but unusual, so this is a warning: check the appointment, and "
        "waive the finding inline with the reason if it is deliberate.",
        _role_eligible,
        partial=Partial.YES,
    ),
    Rule(
        "OWNER-ROLE",
        Severity.ERROR,
        "The strategy or handbook owner does not hold the right job role",
        "The PMO Service Strategy is owned by a PMO Director and the PMO Operations Handbook "
        "by a PMO Manager. The owner approves changes to the document, so the owner's job "
        "role in organisation.yaml must match.",
        _owner_role,
        partial=Partial.YES,
    ),
    Rule(
        "MANAGER-PMO",
        Severity.ERROR,
        "A Service Manager's PMO does not deliver the service",
        "A service delivered by several PMOs may have one Service Manager per PMO, each "
        "naming the PMO they manage it for (`pmo:`, or the manager's own PMO). A manager "
        "assigned to a PMO that is not in `delivery.pmos` is an error; a delivering PMO "
        "without a manager of its own is a warning, because nobody runs the service there "
        "day to day.",
        _manager_pmo,
        partial=Partial.YES,
    ),
]
