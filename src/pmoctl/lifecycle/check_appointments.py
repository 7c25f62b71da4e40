"""Judging how a pull request changed a service's roles (CHECK-APPOINTMENT).

Between the merge-base and HEAD, every change of ``roles.owner``, ``roles.managers`` or
``roles.operatives`` must come with a record appended to ``roles.appointments`` that makes
it: an appointment of the new holder, or one that ends the old holder's (``replaces``,
``removed``). Then each appended record is followed to the commit that appended it, and its
approver must have held the deciding role there: a PMO Director in organisation.yaml at
that commit, or for an operative the Service Owner or a Service Manager as the service
stood before the commit (an appointment cannot make its own approver). Works on the parsed
data of the files; positions are looked up by the caller from the document paths given to
``report``.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from pmoctl.catalogue import appointments
from pmoctl.catalogue.appointments import FIELD, RoleName
from pmoctl.catalogue.models.service import Appointment, Roles
from pmoctl.findings import DocPath
from pmoctl.lifecycle.check_moves import Change, PersonAt, Report

RULE = "CHECK-APPOINTMENT"


def _roles(data: dict[str, Any] | None) -> Roles | None:
    """The roles of a service file's data; None when absent or broken (validate says why)."""
    roles = data.get("roles", {}) if data is not None else None
    try:
        return Roles.model_validate(roles) if roles is not None else None
    except ValidationError:
        return None


def _records(data: dict[str, Any] | None) -> list[Any]:
    roles = data.get("roles") if data is not None else None
    records = roles.get("appointments") if isinstance(roles, dict) else None
    return records if isinstance(records, list) else []


def _kept(before: list[Any], after: list[Any]) -> int:
    """How many of the records ``before`` are still there, unchanged, at the start of ``after``."""
    kept = 0
    while kept < min(len(before), len(after)) and before[kept] == after[kept]:
        kept += 1
    return kept


def compare(ident: str, base: dict[str, Any] | None, head: dict[str, Any] | None,
            report: Report) -> bool:  # fmt: skip
    """Report role changes from ``base`` to ``head`` without their record, and rewritten
    records; True when records were appended (their commits must be followed)."""
    head_roles = _roles(head)
    if head_roles is None:
        return False
    before, after = _records(base), _records(head)
    kept = _kept(before, after)
    if kept < len(before):
        report(RULE,
               f"appointment {kept + 1} recorded in roles.appointments of {ident} was changed "
               "or removed", "restore the recorded appointments; they are only appended",
               ("roles", "appointments", kept))  # fmt: skip
    base_roles = _roles(base)
    if base_roles is not None:  # a service the pull request adds is judged by its records
        made = head_roles.appointments[kept:]
        for role, person, ended, at in _changes(base_roles, head_roles):
            if not any(_makes(record, role, person, ended=ended) for record in made):
                report(RULE, _unrecorded(ident, role, person, ended=ended),
                       _hint(ident, role, person, ended=ended), at)  # fmt: skip
    return len(after) > kept


def judge(change: Change, person_at: PersonAt, report: Report) -> None:
    """Report the records ``change`` appends whose approver did not hold the deciding role."""
    before, after = _records(change.before), _records(change.after)
    roles = _roles(change.after)
    kept = _kept(before, after)
    if roles is None or len(roles.appointments) != len(after) or kept == len(after):
        return
    # the roles as the service stood before the commit: a commit cannot appoint its approver
    holders = appointments.current(_roles(change.before) or roles)
    for index in range(kept, len(after)):
        record = roles.appointments[index]
        at: DocPath = ("roles", "appointments", index, "approved_by")
        person = person_at(change.commit.sha, record.approved_by)
        if person is None:
            report(RULE,
                   f"{change.ident}: the appointment of {record.person} is approved by "
                   f"{record.approved_by}, who is not in organisation.yaml at {change.where}",
                   "the approver must be a person of the organisation", at)  # fmt: skip
            continue
        problem = appointments.approver_problem(record, person, holders)
        if problem:
            report(RULE, f"{change.ident}: {problem} (in {change.where})",
                   "ask the person who may take this decision to approve it", at)  # fmt: skip


#: (role, person, whether their appointment ended, where the change shows at HEAD)
_RoleChange = tuple[RoleName, str, bool, DocPath]


def _changes(base: Roles, head: Roles) -> list[_RoleChange]:
    """Every holder who came or went between ``base`` and ``head`` (a manager who changed
    PMO comes again)."""
    old, new = appointments.current(base), appointments.current(head)
    found: list[_RoleChange] = []
    if old.owner != new.owner:
        if new.owner is not None:
            found.append(("owner", new.owner, False, ("roles", "owner")))
        elif old.owner is not None:
            found.append(("owner", old.owner, True, ("roles",)))
    for index, manager in enumerate(head.managers):
        if manager.person not in old.managers or old.managers[manager.person] != manager.pmo:
            found.append(("manager", manager.person, False, ("roles", "managers", index)))
    for person in sorted(set(old.managers) - set(new.managers)):
        found.append(("manager", person, True, ("roles", "managers")))
    for index, person in enumerate(head.operatives):
        if person not in old.operatives:
            found.append(("operative", person, False, ("roles", "operatives", index)))
    for person in sorted(old.operatives - new.operatives):
        found.append(("operative", person, True, ("roles", "operatives")))
    return found


def _makes(record: Appointment, role: RoleName, person: str, *, ended: bool) -> bool:
    """Whether ``record`` makes the change: appoints ``person``, or ends their appointment."""
    if record.role != role:
        return False
    if not ended:
        return record.person == person and not record.removed
    # a new owner ends the old one's appointment whether or not it says so
    replaced = record.replaces == person or (role == "owner" and not record.removed)
    return (record.person == person and record.removed) or replaced


def _unrecorded(ident: str, role: RoleName, person: str, *, ended: bool) -> str:
    if ended:
        return (
            f"{person} was taken out of {FIELD[role]} of {ident} without a record that ends "
            "the appointment"
        )
    return f"{person} was put in {FIELD[role]} of {ident} without an appointment record"


def _hint(ident: str, role: RoleName, person: str, *, ended: bool) -> str:
    if ended:
        return (
            "append the decision to roles.appointments (replaces: or removed: true), approved "
            f"by whoever appoints the {appointments.TITLE[role]}"
        )
    return f"record it: pmoctl appoint {ident} --{role} {person} --approved-by PERSON"
