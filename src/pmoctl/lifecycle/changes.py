"""`pmoctl change`: change requests and improvements of a service, each step one commit.

A request is recorded (``new``), decided by the Service Owner (``approve`` or ``reject``,
the ``decide-change`` decision) and, once approved, recorded as made (``implement``, the
``implement-change`` decision, by the Service Owner or a Service Manager). Each step is
written by :func:`pmoctl.lifecycle.record.record`: the lock, the git preflight, the guard
(the service must validate afterwards, ``CHANGE-REQUESTS`` included), the verified edit and
one commit with its trailers, or nothing at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pmoctl.catalogue.decisions import approver_problem, decision, who
from pmoctl.catalogue.models.common import ID_PATTERN, ChangeKind, ChangeReason, ChangeStatus
from pmoctl.catalogue.suggest import did_you_mean
from pmoctl.catalogue.vocabulary import Stage
from pmoctl.errors import UserError
from pmoctl.lifecycle.record import (
    Decision,
    FileEdit,
    RecordOutcome,
    RecordRefusedError,
    ServiceFile,
    check_text,
    edited,
    find_person,
    load_organisation,
    read_service,
    record,
)
from pmoctl.lifecycle.record import signature as sign
from pmoctl.runtime import today
from pmoctl.signing.records import decision_record
from pmoctl.signing.statement import KINDS
from pmoctl.yaml.edit import Append, Set
from pmoctl.yaml.loader import parse

if TYPE_CHECKING:
    from pmoctl import gitrepo
    from pmoctl.catalogue.models import Organisation, Person
    from pmoctl.catalogue.models.service import ChangeRequest

#: the documents a change's impact is stated for, in the order they are written
IMPACT_DOCUMENTS = ("strategy", "catalogue", "handbook")
#: the decision kind of a new request: anyone may ask, so no approver is judged
REQUEST_KIND = "request-change"


@dataclass(frozen=True)
class NewChange:
    """What ``pmoctl change new`` records."""

    title: str
    requested_by: str
    ident: str | None = None
    kind: ChangeKind = ChangeKind.CHANGE_REQUEST
    reason: ChangeReason | None = None
    description: str | None = None
    #: document (one of :data:`IMPACT_DOCUMENTS`) -> how the change is reflected in it
    impact: Mapping[str, str] = field(default_factory=dict)


def new(
    root: Path, service: str, request: NewChange, *, dry_run: bool = False,
    allow_detached: bool = False,
) -> RecordOutcome:  # fmt: skip
    """Record a proposed change request (or improvement) of ``service`` as one commit."""
    check_text("--title", request.title)
    for option, value in (("--description", request.description), *_impact_options(request)):
        if value is not None:
            check_text(option, value)
    unknown = sorted(set(request.impact) - set(IMPACT_DOCUMENTS))
    if unknown:
        listed = ", ".join(IMPACT_DOCUMENTS)
        raise UserError(f"no document {unknown[0]!r} to state an impact on",
                        hint=f"the impact is stated for: {listed}")  # fmt: skip
    if request.ident is not None and not re.match(ID_PATTERN, request.ident):
        raise UserError(f"--id {request.ident!r} is not an id",
                        hint="lower-case letters, digits and inner hyphens, up to 64 "
                        "characters, e.g. benefits-section")  # fmt: skip

    def plan(repo: gitrepo.Repo) -> tuple[list[FileEdit], Decision]:
        target = read_service(root, repo, service)
        requester = find_person(load_organisation(root), request.requested_by, "--requested-by")
        if target.model.lifecycle.stage is Stage.CLOSED:
            raise RecordRefusedError(f"{service} is closed: it is not changed",
                                     hint="a closed service is proposed again (pmoctl transition "
                                     f"{service} --to proposed), then changed")  # fmt: skip
        if request.kind is ChangeKind.IMPROVEMENT:
            managers = {manager.person for manager in target.model.roles.managers}
            if requester.id not in managers | {target.model.roles.owner}:
                raise RecordRefusedError(
                    f"{requester.id} is not a Service Manager of {service}: improvements are "
                    "proposed by the Service Manager",
                    hint="record a request from anyone else without --kind improvement",
                )
        taken = {existing.id for existing in target.model.change_requests}
        ident = request.ident or _unique(_id_from(request.title), taken)
        if ident in taken:
            raise UserError(f"{service} already has a change request {ident!r}",
                            hint="give the new request another --id")  # fmt: skip
        item: dict[str, object] = {"id": ident, "title": request.title}
        if request.kind is not ChangeKind.CHANGE_REQUEST:
            item["kind"] = request.kind.value
        if request.reason is not None:
            item["reason"] = request.reason.value
        if request.description is not None:
            item["description"] = request.description
        item |= {"requested_by": requester.id, "date": today()}
        impact = {name: request.impact[name] for name in IMPACT_DOCUMENTS if name in request.impact}
        if impact:
            item["impact"] = impact
        item["status"] = ChangeStatus.PROPOSED.value
        edit = edited(target, [Append(("change_requests",), item)])
        subject = f"{ident} ({request.kind.value})"
        return [edit], Decision(REQUEST_KIND, service, subject, None, request.description)

    return record(root, [service], plan, dry_run=dry_run, allow_detached=allow_detached)


def decide(
    root: Path, service: str, change: str, *, approve: bool, approved_by: str,
    note: str | None = None, dry_run: bool = False, allow_detached: bool = False,
    key: Path | None = None,
) -> RecordOutcome:  # fmt: skip
    """Record the Service Owner's approval or rejection of a proposed request (signed
    with ``key``, the approver's SSH key, when given)."""
    if note is not None:
        check_text("--note", note)
    elif not approve:
        raise UserError("a rejection needs --note: the reason, for the requester",
                        hint='add --note "why it is rejected"')  # fmt: skip
    outcome = ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED
    verb = "approved" if approve else "rejected"

    def plan(repo: gitrepo.Repo) -> tuple[list[FileEdit], Decision]:
        target = read_service(root, repo, service)
        organisation = load_organisation(root)
        person = find_person(organisation, approved_by)
        index, request = _request(target, change)
        if request.status is not ChangeStatus.PROPOSED:
            raise RecordRefusedError(
                f"{change} is {request.status.value}: only a proposed request is approved or "
                "rejected", hint=_after(request.status, service, change))  # fmt: skip
        _may(target, "decide-change", person)
        at = ("change_requests", index)
        changes = [
            Set((*at, "status"), outcome.value),
            Set((*at, "decided_by"), person.id),
            Set((*at, "decided"), today()),
        ]
        if note is not None:
            changes.append(Set((*at, "decision_note"), note))
        changes += _signed(root, repo, target, index=index, kind="decide-change",
                           changes=changes, organisation=organisation, key=key)  # fmt: skip
        edit = edited(target, changes)
        return [edit], Decision("decide-change", service, f"{verb} {change}", person, note)

    return record(root, [service], plan, dry_run=dry_run, allow_detached=allow_detached)


def implement(
    root: Path, service: str, change: str, *, approved_by: str, dry_run: bool = False,
    allow_detached: bool = False, key: Path | None = None,
) -> RecordOutcome:  # fmt: skip
    """Record an approved request as made: by the Service Owner or a Service Manager
    (signed with ``key``, their SSH key, when given)."""

    def plan(repo: gitrepo.Repo) -> tuple[list[FileEdit], Decision]:
        target = read_service(root, repo, service)
        organisation = load_organisation(root)
        person = find_person(organisation, approved_by)
        index, request = _request(target, change)
        if request.status is not ChangeStatus.APPROVED:
            raise RecordRefusedError(
                f"{change} is {request.status.value}: only an approved request is implemented",
                hint=_after(request.status, service, change))  # fmt: skip
        _may(target, "implement-change", person)
        at = ("change_requests", index)
        changes = [
            Set((*at, "status"), ChangeStatus.IMPLEMENTED.value),
            Set((*at, "implemented"), today()),
            Set((*at, "implemented_by"), person.id),
        ]
        changes += _signed(root, repo, target, index=index, kind="implement-change",
                           changes=changes, organisation=organisation, key=key)  # fmt: skip
        edit = edited(target, changes)
        return [edit], Decision("implement-change", service, f"implemented {change}", person)

    return record(root, [service], plan, dry_run=dry_run, allow_detached=allow_detached)


def _signed(
    root: Path, repo: gitrepo.Repo, target: ServiceFile, *, index: int, kind: str,
    changes: list[Set], organisation: Organisation, key: Path | None,
) -> list[Set]:  # fmt: skip
    """The signature of the decision ``changes`` record on request ``index`` (none without
    ``key``): the request's fields as they will be, signed as :mod:`pmoctl.signing.records`
    says."""
    requests = parse(target.text).get("change_requests")
    item = dict(requests[index]) if isinstance(requests, list) else {}
    item |= {str(change.path[-1]): change.value for change in changes}
    record = decision_record(kind, item)
    signature = sign(root, repo, target, kind, record, people=organisation.people, key=key)
    if signature is None:
        return []
    return [Set(("change_requests", index, KINDS[kind].signature_field), signature)]


def _impact_options(request: NewChange) -> list[tuple[str, str | None]]:
    return [(f"--impact-{name}", value) for name, value in request.impact.items()]


def _request(target: ServiceFile, change: str) -> tuple[int, ChangeRequest]:
    for index, request in enumerate(target.model.change_requests):
        if request.id == change:
            return index, request
    known = [request.id for request in target.model.change_requests]
    raise UserError(f"{target.ident} has no change request {change!r}",
                    hint=did_you_mean(change, known, "its change requests"))  # fmt: skip


def _may(target: ServiceFile, kind: str, person: Person) -> None:
    spec = decision(kind)
    problem = approver_problem(spec, person, target.model)
    if problem is not None:
        raise RecordRefusedError(f"{target.ident}: {problem}",
                                 hint=f"the {who(spec.decided_by)} of {target.ident} records "
                                 "this decision")  # fmt: skip


def _after(status: ChangeStatus, service: str, change: str) -> str:
    """What can still be done with a request in ``status``."""
    if status is ChangeStatus.PROPOSED:
        return f"the Service Owner approves it first: pmoctl change approve {service} {change}"
    if status is ChangeStatus.APPROVED:
        return f"it is approved; once made, record it: pmoctl change implement {service} {change}"
    if status is ChangeStatus.REJECTED:
        return "it was rejected; to revisit it, record a new request (pmoctl change new)"
    return "it is implemented already; a further change is a new request (pmoctl change new)"


def _id_from(title: str) -> str:
    """An id made from a title: ``Add a benefits section`` -> ``add-a-benefits-section``."""
    words = re.findall(r"[a-z0-9]+", title.lower())
    ident = ""
    for word in words:
        longer = f"{ident}-{word}" if ident else word
        if len(longer) > 48:
            break
        ident = longer
    return ident or (words[0][:48] if words else "change")


def _unique(ident: str, taken: set[str]) -> str:
    candidate, number = ident, 2
    while candidate in taken:
        candidate, number = f"{ident}-{number}", number + 1
    return candidate
