"""Appointments to a service's roles: who held which role at each point of the history. No I/O.

``roles.appointments`` records each decision on a role, oldest first: someone appointed
(perhaps in place of someone, ``replaces``) or an appointment ended (``removed``). Replaying
them gives the holders at every point, which is what decides whether an operative's
appointment was approved by the Service Owner or a Service Manager of the time, and
whether the roles the file holds now agree with the history. Holders the history never
names (a file written before appointments were recorded) are taken to have held their
role from the start. The command (:mod:`pmoctl.lifecycle.appointments`), the rule
(:mod:`pmoctl.rules.appointments`) and ``pmoctl check`` all read this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from pmoctl.catalogue import decisions
from pmoctl.catalogue.models.common import JobRole
from pmoctl.catalogue.models.service import Manager

if TYPE_CHECKING:
    from pmoctl.catalogue.models.organisation import Organisation, Person
    from pmoctl.catalogue.models.service import Appointment, Roles, Service

RoleName = Literal["owner", "manager", "operative"]
ROLES: tuple[RoleName, ...] = ("owner", "manager", "operative")

#: the decision (catalogue.decisions) that appoints to each role
DECISION: dict[RoleName, str] = {
    "owner": "appoint-owner",
    "manager": "appoint-manager",
    "operative": "appoint-operative",
}
TITLE: dict[RoleName, str] = {
    "owner": "Service Owner",
    "manager": "Service Manager",
    "operative": "Service Operative",
}
#: where each role is held in a service file
FIELD: dict[RoleName, str] = {
    "owner": "roles.owner",
    "manager": "roles.managers",
    "operative": "roles.operatives",
}


@dataclass
class Holders:
    """Who holds the service's roles at one point: the owner, managers (with their PMO),
    operatives."""

    owner: str | None = None
    managers: dict[str, str | None] = field(default_factory=dict)
    operatives: set[str] = field(default_factory=set)

    def holds(self, role: RoleName, person: str) -> bool:
        if role == "owner":
            return self.owner == person
        if role == "manager":
            return person in self.managers
        return person in self.operatives

    def people(self, role: RoleName) -> set[str]:
        if role == "owner":
            return {self.owner} if self.owner is not None else set()
        return set(self.managers) if role == "manager" else set(self.operatives)

    def apply(self, record: Appointment) -> None:
        """The holders after ``record``."""
        if record.role == "owner":
            if record.removed:
                self.owner = None if self.owner == record.person else self.owner
            else:
                self.owner = record.person
        elif record.role == "manager":
            self.managers.pop(record.replaces or "", None)
            if record.removed:
                self.managers.pop(record.person, None)
            else:
                self.managers[record.person] = record.pmo
        else:
            self.operatives.discard(record.replaces or "")
            if record.removed:
                self.operatives.discard(record.person)
            else:
                self.operatives.add(record.person)

    def copy(self) -> Holders:
        return Holders(self.owner, dict(self.managers), set(self.operatives))


def current(roles: Roles) -> Holders:
    """The holders as the file names them now."""
    return Holders(
        roles.owner,
        {manager.person: manager.pmo for manager in roles.managers},
        set(roles.operatives),
    )


def _first_holders(roles: Roles) -> Holders:
    """Who held each role before the first recorded appointment.

    Someone the history ends (replaced or removed) before appointing them held the role
    from the start; so did a current holder the history never appoints.
    """
    start = Holders()
    appointed: dict[RoleName, set[str]] = {role: set() for role in ROLES}
    now = current(roles)
    for record in roles.appointments:
        ended = [record.person] if record.removed else []
        ended += [record.replaces] if record.replaces else []
        for person in ended:
            if person not in appointed[record.role]:
                _seed(start, record.role, person, None)
        if not record.removed:
            appointed[record.role].add(record.person)
    for role in ROLES:
        for person in now.people(role) - appointed[role]:
            pmo = now.managers.get(person) if role == "manager" else None
            _seed(start, role, person, pmo)
    return start


def _seed(holders: Holders, role: RoleName, person: str, pmo: str | None) -> None:
    if role == "owner":
        holders.owner = holders.owner or person
    elif role == "manager":
        holders.managers.setdefault(person, pmo)
    else:
        holders.operatives.add(person)


def replay(roles: Roles) -> Iterator[tuple[int, Appointment, Holders]]:
    """Each recorded appointment with the holders just before it, oldest first."""
    holders = _first_holders(roles)
    for index, record in enumerate(roles.appointments):
        yield index, record, holders.copy()
        holders.apply(record)


def final(roles: Roles) -> Holders:
    """The holders the recorded history leads to."""
    holders = _first_holders(roles)
    for record in roles.appointments:
        holders.apply(record)
    return holders


def as_of(service: Service, day: dt.date) -> Service:
    """``service`` with the roles its appointments give it on ``day`` (appointments made that
    day included): a past decision is judged by who held the role then. A service without
    recorded appointments is returned as it is."""
    roles = service.roles
    if not roles.appointments:
        return service
    holders = _first_holders(roles)
    for record in roles.appointments:
        if record.date > day:
            break
        holders.apply(record)
    if holders.owner == roles.owner and set(holders.managers) == {m.person for m in roles.managers}:
        return service
    managers = [Manager(person=person, pmo=pmo) for person, pmo in holders.managers.items()]
    then = roles.model_copy(update={"owner": holders.owner, "managers": managers})
    return service.model_copy(update={"roles": then})


def approver_problem(record: Appointment, approver: Person, before: Holders) -> str | None:
    """Why ``approver`` could not take the decision ``record`` records, given the holders
    ``before`` it (a Service Owner or Manager is judged as of then), or None."""
    spec = decisions.decision(DECISION[record.role])
    if any(_held(role, approver, before) for role in spec.decided_by):
        return None
    then = "was not at the time" if DECISION[record.role] == "appoint-operative" else "is not"
    return f"to {spec.what} is for the {decisions.who(spec.decided_by)}; {approver.id} {then}"


def _held(role: decisions.DecidedBy, person: Person, before: Holders) -> bool:
    if role == "service-owner":
        return before.owner == person.id
    if role == "service-manager":
        return person.id in before.managers
    return decisions.holds(role, person, None)


def pmo_managers(organisation: Organisation, pmo: str) -> list[str]:
    """The PMO Managers of ``pmo``: whoever agrees the appointment of its Service Managers."""
    return [
        person.id
        for person in organisation.people
        if person.role is JobRole.PMO_MANAGER and person.pmo == pmo
    ]


def manager_pmo(record: Appointment, people: dict[str, Person]) -> str | None:
    """The PMO a manager's appointment is for: the one it names, or the person's own."""
    if record.pmo is not None:
        return record.pmo
    person = people.get(record.person)
    return person.pmo if person is not None else None
