"""The history of appointments to a service's roles, and whether the roles agree with it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

from pmoctl.catalogue import appointments
from pmoctl.catalogue.appointments import FIELD, ROLES, TITLE, RoleName
from pmoctl.findings import DocPath, Pending, Severity
from pmoctl.rules import Partial, Rule
from pmoctl.rules._common import closest, finding, people, services
from pmoctl.runtime import today

if TYPE_CHECKING:
    from pmoctl.catalogue.files import Catalogue
    from pmoctl.catalogue.models import Person, Service
    from pmoctl.catalogue.models.organisation import Organisation
    from pmoctl.catalogue.models.service import Appointment

RULE_ID = "APPOINTMENTS"
_PEOPLE_FIELDS = ("person", "approved_by", "agreed_with", "replaces")


def _check(catalogue: Catalogue) -> Iterator[Pending]:
    known = people(catalogue)
    day = today()
    for path, service in services(catalogue):
        if not service.roles.appointments:
            continue  # a file without a recorded history (format 1 as first written)
        yield from _records(catalogue, path, service, known, day)
        if known is not None:
            yield from _agreement(path, service, known)


def _records(
    catalogue: Catalogue,
    path: str,
    service: Service,
    known: dict[str, Person] | None,
    day: dt.date,
) -> Iterator[Pending]:
    for index, record, before in appointments.replay(service.roles):
        at: DocPath = ("roles", "appointments", index)
        if record.date > day:
            yield finding(
                path, (*at, "date"), RULE_ID,
                f"the appointment is dated {record.date.isoformat()}, after today",
                "record an appointment once it is decided, with the day it was decided",
            )  # fmt: skip
        if record.role != "manager":
            for name in ("pmo", "agreed_with"):
                if getattr(record, name) is not None:
                    yield finding(
                        path, (*at, name), RULE_ID,
                        f"only a Service Manager's appointment names {name}",
                        f"remove {name} from this {record.role} appointment",
                    )  # fmt: skip
        if known is None:
            continue  # organisation.yaml does not load: people cannot be judged
        unknown = False
        for name in _PEOPLE_FIELDS:
            ident = getattr(record, name)
            if ident is not None and ident not in known:
                unknown = True
                yield finding(
                    path, (*at, name), RULE_ID, f"no person {ident!r} in organisation.yaml",
                    closest(ident, known, "people", "or add the person to organisation.yaml"),
                )  # fmt: skip
        if record.role == "manager" and catalogue.organisation is not None:
            yield from _manager(
                catalogue.organisation, service, record, path=path, at=at, known=known
            )
        approver = known.get(record.approved_by)
        if approver is not None:
            problem = appointments.approver_problem(record, approver, before)
            if problem is not None:
                yield finding(
                    path, (*at, "approved_by"), RULE_ID, problem,
                    _approver_hint(record.role, before),
                )  # fmt: skip
        if record.removed and not unknown and not before.holds(record.role, record.person):
            yield finding(
                path, (*at, "person"), RULE_ID,
                f"the appointment ends {record.person}'s role as {TITLE[record.role]}, "
                "which they did not hold at that point",
                "remove the record, or correct the person",
            )  # fmt: skip


def _manager(
    organisation: Organisation,
    service: Service,
    record: Appointment,
    *,
    path: str,
    at: DocPath,
    known: dict[str, Person],
) -> Iterator[Pending]:
    pmo = appointments.manager_pmo(record, known)
    pmos = {office.id for office in organisation.pmos}
    where: DocPath = (*at, "pmo") if record.pmo is not None else (*at, "person")
    if pmo is None:
        yield finding(
            path, (*at, "person"), RULE_ID,
            f"the appointment of {record.person} as Service Manager names no PMO",
            "add pmo: with one of delivery.pmos: " + ", ".join(service.delivery.pmos),
        )  # fmt: skip
        return
    if pmo not in pmos:
        yield finding(path, where, RULE_ID, f"no PMO {pmo!r} in organisation.yaml",
                      closest(pmo, pmos, "PMOs"))  # fmt: skip
        return
    if pmo not in service.delivery.pmos:
        yield finding(
            path, where, RULE_ID,
            f"{record.person} is appointed Service Manager for PMO {pmo!r}, which does not "
            "deliver this service",
            "delivering PMOs (delivery.pmos): " + ", ".join(service.delivery.pmos),
        )  # fmt: skip
    agreeing = appointments.pmo_managers(organisation, pmo)
    if record.agreed_with is None and agreeing:
        yield finding(
            path, at, RULE_ID,
            f"the appointment of a Service Manager for {pmo} does not say which of its PMO "
            "Managers agreed it",
            "add agreed_with: with one of " + ", ".join(agreeing),
        )  # fmt: skip
    elif record.agreed_with in known and record.agreed_with not in agreeing:
        yield finding(
            path, (*at, "agreed_with"), RULE_ID,
            f"{record.agreed_with} is not a PMO Manager of {pmo}",
            "the PMO Managers of " + pmo + ": " + (", ".join(agreeing) or "none"),
        )  # fmt: skip


def _approver_hint(role: RoleName, before: appointments.Holders) -> str:
    if role != "operative":
        return f"a PMO Director appoints the {TITLE[role]}"
    holders = sorted(before.people("owner") | before.people("manager"))
    return "the Service Owner or a Service Manager of the time appoints operatives" + (
        f" ({', '.join(holders)})" if holders else ""
    )


def _agreement(path: str, service: Service, known: dict[str, Person]) -> Iterator[Pending]:
    """The roles the file names now agree with the history it records."""
    roles = service.roles
    history = appointments.final(roles)
    now = appointments.current(roles)
    named: dict[tuple[RoleName, str], int] = {}
    appointed: set[tuple[RoleName, str]] = set()
    for index, record in enumerate(roles.appointments):
        named[(record.role, record.person)] = index
        if record.replaces is not None:
            named[(record.role, record.replaces)] = index
        if not record.removed:
            appointed.add((record.role, record.person))
    for role in ROLES:
        for person, doc_path in _held_at(service, role):
            if not history.holds(role, person):
                ended = (role, person) in named
                yield finding(
                    path, doc_path, RULE_ID,
                    f"{person} is in {FIELD[role]}, but "
                    + (f"the appointments end their appointment as {TITLE[role]}" if ended
                       else f"no appointment makes them {TITLE[role]}"),
                    f"remove {person} from {FIELD[role]}, or record their appointment with "
                    "pmoctl appoint",
                )  # fmt: skip
            elif (role, person) not in appointed:
                yield finding(
                    path, doc_path, RULE_ID,
                    f"{person} is in {FIELD[role]} without a recorded appointment",
                    f"record it: pmoctl appoint {service.id} --{role} {person} --approved-by "
                    "PERSON (or waive this if it was decided before appointments were recorded)",
                    severity=Severity.WARNING,
                )  # fmt: skip
            elif role == "manager":
                appointed_for = history.managers.get(person)
                held_for = now.managers.get(person)
                if appointed_for and held_for and appointed_for != held_for:
                    yield finding(
                        path, (*doc_path[:-1], "pmo"), RULE_ID,
                        f"{person} manages it for {held_for}, but was appointed for "
                        f"{appointed_for}",
                        "record the appointment for that PMO with pmoctl appoint",
                    )  # fmt: skip
        for person in sorted(history.people(role) - now.people(role) & known.keys()):
            index = named.get((role, person), 0)
            yield finding(
                path, ("roles", "appointments", index, "person"), RULE_ID,
                f"{person} is appointed {TITLE[role]} here, but is not in {FIELD[role]}",
                f"add {person} to {FIELD[role]}, or record the end of the appointment "
                "(removed: true)",
            )  # fmt: skip


def _held_at(service: Service, role: RoleName) -> Iterator[tuple[str, DocPath]]:
    roles = service.roles
    if role == "owner":
        if roles.owner is not None:
            yield roles.owner, ("roles", "owner")
    elif role == "manager":
        for index, manager in enumerate(roles.managers):
            yield manager.person, ("roles", "managers", index, "person")
    else:
        for index, operative in enumerate(roles.operatives):
            yield operative, ("roles", "operatives", index)


RULES = [
    Rule(
        RULE_ID,
        Severity.ERROR,
        "An appointment is not properly approved, or the roles disagree with the appointments",
        "`roles.appointments` is the history of the service's roles, as `pmoctl appoint` "
        "records it: each record names people of organisation.yaml, a day not after today, "
        "and an approver who may take the decision: a PMO Director appoints the Service Owner, "
        "and the Service Managers with the agreement of the PMO Manager of the PMO they manage "
        "it for (`agreed_with`, when that PMO has a PMO Manager); the Service Owner or a "
        "Service Manager of the time appoints operatives. The roles the file names must be "
        "the ones the history leads to. A file that records no appointments is not judged "
        "(format 1 as first written); in a file that does, a role holder without an "
        "appointment is a warning.",
        _check,
        partial=Partial.YES,
    ),
]
