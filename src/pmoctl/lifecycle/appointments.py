"""`pmoctl appoint`: appoint a Service Owner, Manager or Operative as one approved commit.

The PMO Director appoints the Service Owner, and the Service Managers with the agreement of
the PMO Manager of the PMO each manages the service for; the Service Owner or a Service
Manager appoints operatives (``catalogue.decisions``). The command sets the role
(``roles.owner``, or one more entry of ``roles.managers`` or ``roles.operatives``) and
appends the appointment to ``roles.appointments``, and :func:`pmoctl.lifecycle.record.record`
commits it with the guarantees of a move: lock, git preflight, guard, verified edit, one
commit with trailers, dry run. A new owner replaces the old one, and the record says so
(``replaces``). Ending a manager's or an operative's appointment is an edit of the lists
plus a record with ``replaces`` or ``removed: true``, judged by ``pmoctl check``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from pmoctl import gitrepo, runtime
from pmoctl.catalogue import decisions
from pmoctl.catalogue.appointments import (
    DECISION,
    TITLE,
    Holders,
    RoleName,
    current,
    pmo_managers,
)
from pmoctl.catalogue.models import Organisation, Person
from pmoctl.catalogue.suggest import did_you_mean
from pmoctl.errors import UserError
from pmoctl.lifecycle import record
from pmoctl.lifecycle.record import (
    Decision,
    FileEdit,
    RecordOutcome,
    RecordRefusedError,
    ServiceFile,
)
from pmoctl.signing.records import decision_record
from pmoctl.yaml import edit


@dataclass(frozen=True)
class Appointing:
    """What the person recording the appointment tells pmoctl."""

    role: RoleName
    person: str
    approved_by: str
    #: for a manager: the PMO they manage the service for (default: the only delivering
    #: PMO, or the person's own when it delivers the service)
    pmo: str | None = None
    #: for a manager: the PMO Manager of that PMO who agreed it
    agreed_with: str | None = None
    note: str | None = None
    date: dt.date | None = None
    #: the approver's SSH key: the appointment is recorded with their signature
    key: Path | None = None


def appoint(
    root: Path, service_id: str, request: Appointing, *, dry_run: bool = False,
    allow_detached: bool = False,
) -> RecordOutcome:  # fmt: skip
    """Check, write and commit the appointment (or, with ``dry_run``, only show it)."""
    gitrepo.check_ids([service_id])
    record.check_text("--note", request.note)
    if request.role != "manager":
        for option, value in (("--pmo", request.pmo), ("--agreed-with", request.agreed_with)):
            if value is not None:
                raise UserError(
                    f"{option} is for --manager only",
                    hint=f"the {TITLE[request.role]} is appointed for the service as a whole",
                )
    if request.date is not None and request.date > runtime.today():
        raise UserError(
            f"--date {request.date.isoformat()} is after today",
            hint="give the day the appointment was decided (today or earlier), or leave --date "
            "out to record today",
        )

    def plan(repo: gitrepo.Repo) -> tuple[list[FileEdit], Decision]:
        service = record.read_service(root, repo, service_id)
        organisation = record.load_organisation(root)
        return _plan(root, repo, service, organisation, request)

    return record.record(root, [service_id], plan, dry_run=dry_run, allow_detached=allow_detached)


def _plan(
    root: Path, repo: gitrepo.Repo, service: ServiceFile, organisation: Organisation,
    request: Appointing,
) -> tuple[list[FileEdit], Decision]:  # fmt: skip
    role, ident = request.role, service.ident
    person = record.find_person(organisation, request.person, f"--{role}")
    approver = record.find_person(organisation, request.approved_by)
    agreed = (
        record.find_person(organisation, request.agreed_with, "--agreed-with")
        if request.agreed_with is not None
        else None
    )
    model = service.model
    holders = current(model.roles)
    if holders.holds(role, person.id):
        raise RecordRefusedError(
            f"{person.id} is already {_a(role)} of {ident}",
            hint=f"{ident}'s {TITLE[role]}s: " + ", ".join(sorted(holders.people(role))),
        )
    pmo = _pmo(service, organisation, person, request.pmo) if role == "manager" else None
    if pmo is not None:
        _agreement(organisation, pmo, agreed)
    spec = decisions.decision(DECISION[role])
    problem = decisions.approver_problem(spec, approver, model)
    if problem is not None:
        raise RecordRefusedError(f"{ident}: {problem}", hint=_who_hint(role, holders))
    when = request.date or runtime.today()
    if model.roles.appointments and when < model.roles.appointments[-1].date:
        last = model.roles.appointments[-1].date.isoformat()
        raise RecordRefusedError(
            f"{ident}: the appointment's date, {when.isoformat()}, is before its last recorded "
            f"appointment ({last})",
            hint=f"pass --date {last} or a later day (appointments are recorded in date order)",
        )
    entry: dict[str, object] = {
        "role": role,
        "person": person.id,
        "pmo": pmo,
        "date": when,
        "approved_by": approver.id,
        "agreed_with": agreed.id if agreed is not None else None,
        "replaces": model.roles.owner if role == "owner" else None,
        "note": request.note,
    }
    signature = record.signature(
        root, repo, service, spec.id, decision_record(spec.id, entry),
        people=organisation.people, key=request.key,
    )  # fmt: skip
    entry["signature"] = signature
    changes: list[edit.Set | edit.Append] = [_role_change(role, person.id, pmo)]
    changes.append(edit.Append(("roles", "appointments"), entry))
    decision = Decision(spec.id, ident, f"{role} {person.id}", approver, request.note)
    return [record.edited(service, changes)], decision


def _role_change(role: RoleName, person: str, pmo: str | None) -> edit.Set | edit.Append:
    if role == "owner":
        return edit.Set(("roles", "owner"), person)
    if role == "manager":
        return edit.Append(("roles", "managers"), {"person": person, "pmo": pmo})
    return edit.Append(("roles", "operatives"), person)


def _pmo(
    service: ServiceFile, organisation: Organisation, person: Person, given: str | None
) -> str:
    """The PMO the manager is appointed for; it must deliver the service."""
    delivering = service.model.delivery.pmos
    known = {office.id for office in organisation.pmos}
    if given is not None and given not in known:
        gitrepo.check_ids([given], what="PMO")
        raise UserError(
            f"--pmo {given!r} is not a PMO in organisation.yaml",
            hint=did_you_mean(given, known, "PMOs"),
        )
    if given is None:
        if len(delivering) == 1:
            return delivering[0]
        if person.pmo in delivering:
            return person.pmo
        raise UserError(
            f"{service.ident} is delivered by {', '.join(delivering)}: name the PMO {person.id} "
            "manages it for with --pmo",
            hint="one Service Manager per delivering PMO",
        )
    if given not in delivering:
        raise RecordRefusedError(
            f"PMO {given} does not deliver {service.ident}",
            hint="delivering PMOs (delivery.pmos): " + ", ".join(delivering) + "; choosing "
            "another PMO to deliver it is an edit of delivery.pmos, committed first",
        )
    return given


def _agreement(organisation: Organisation, pmo: str, agreed: Person | None) -> None:
    """A manager's appointment is agreed with the PMO Manager of their PMO, if it has one."""
    agreeing = pmo_managers(organisation, pmo)
    if agreed is None and agreeing:
        raise RecordRefusedError(
            f"a Service Manager for {pmo} is appointed with the agreement of its PMO Manager",
            hint="name who agreed: --agreed-with " + " or ".join(agreeing),
        )
    if agreed is not None and agreed.id not in agreeing:
        raise RecordRefusedError(
            f"{agreed.id} is not a PMO Manager of {pmo}",
            hint=f"the PMO Managers of {pmo}: " + (", ".join(agreeing) or "none (leave it out)"),
        )


def _who_hint(role: RoleName, holders: Holders) -> str:
    if role != "operative":
        return f"a PMO Director appoints the {TITLE[role]}"
    deciding = sorted(holders.people("owner") | holders.people("manager"))
    return "the Service Owner or a Service Manager appoints operatives" + (
        f": {', '.join(deciding)}" if deciding else ""
    )


def _a(role: RoleName) -> str:
    return ("the " if role == "owner" else "a ") + TITLE[role]
