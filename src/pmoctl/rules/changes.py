"""Change requests and improvements of a service: a legal, complete record of each decision.

Who may decide is declared in :mod:`pmoctl.catalogue.decisions` (``decide-change``,
``implement-change``). Validation judges the file as it stands, so the Service Owner it
compares with is ``roles.owner`` on the day of the decision (from the appointments, when
the service records them); ``pmoctl check`` judges each decision of a
pull request against the owner at the commit that recorded it.

A request that records ``decided_by`` is in the current form, as ``pmoctl change`` writes
it, and must be complete. A request in format 1's form (``approved_by``, or no decider at
all) keeps validating: what it lacks is a warning, and ``approved_by`` is read as
``decided_by``. A decider who is not the Service Owner is an error in either form.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pmoctl.catalogue.appointments import as_of
from pmoctl.catalogue.decisions import approver_problem, decision
from pmoctl.catalogue.models.common import ChangeKind, ChangeStatus
from pmoctl.findings import DocPath, Pending, Severity
from pmoctl.rules import Partial, Rule
from pmoctl.rules._common import finding, people, services

if TYPE_CHECKING:
    from pmoctl.catalogue.files import Catalogue
    from pmoctl.catalogue.models import Person, Service
    from pmoctl.catalogue.models.service import ChangeRequest

RULE_ID = "CHANGE-REQUESTS"

#: the fields that record a decision, and those that record the implementation
_DECISION_FIELDS = ("decided_by", "approved_by", "decided", "decision_note")
_IMPLEMENTATION_FIELDS = ("implemented", "implemented_by")


def _change_requests(catalogue: Catalogue) -> Iterator[Pending]:
    known = people(catalogue)
    for path, service in services(catalogue):
        for index, request in enumerate(service.change_requests):
            where: DocPath = ("change_requests", index)
            for doc_path, message, hint, severity in _problems(service, request, known):
                yield finding(path, (*where, *doc_path), RULE_ID, message, hint, severity=severity)


Problem = tuple[DocPath, str, str, Severity]


def _problems(
    service: Service, request: ChangeRequest, known: dict[str, Person] | None
) -> Iterator[Problem]:
    status = request.status
    error, warning = Severity.ERROR, Severity.WARNING
    if request.kind is ChangeKind.IMPROVEMENT and known is not None:
        managers = {manager.person for manager in service.roles.managers}
        requester = request.requested_by
        if requester in known and requester not in managers and requester != service.roles.owner:
            yield (("requested_by",),
                   f"{request.id} is an improvement, but {requester} is not a Service Manager "
                   "of this service", "improvements are proposed by the Service Manager; "
                   "record a request from anyone else as kind: change-request",
                   warning)  # fmt: skip
    if status is ChangeStatus.PROPOSED:
        for name in (*_DECISION_FIELDS, *_IMPLEMENTATION_FIELDS):
            if getattr(request, name) is not None:
                yield ((name,), f"{request.id} is proposed, but records {name}",
                       "set the status it reached (pmoctl change approve or reject records "
                       f"the decision), or remove {name}", error)  # fmt: skip
                return
        return
    if status is not ChangeStatus.IMPLEMENTED:
        for name in _IMPLEMENTATION_FIELDS:
            if getattr(request, name) is not None:
                hint = (
                    "a rejected request is not implemented"
                    if status is ChangeStatus.REJECTED
                    else "pmoctl change implement sets the status and records who made the "
                    "change and when, together"
                )
                yield ((name,), f"{request.id} is {status.value}, but records {name}", hint,
                       error)  # fmt: skip
    yield from _decision(service, request, known)
    if status is ChangeStatus.IMPLEMENTED:
        yield from _implementation(service, request, known)


def _decision(
    service: Service, request: ChangeRequest, known: dict[str, Person] | None
) -> Iterator[Problem]:
    error, warning = Severity.ERROR, Severity.WARNING
    decider = request.decider
    new_form = request.decided_by is not None
    if decider is None:
        what = "approved" if request.status is not ChangeStatus.REJECTED else "rejected"
        if request.status is ChangeStatus.IMPLEMENTED:
            what = "approved before it was implemented"
        yield (("status",), f"{request.id} is {request.status.value}, but nobody is recorded "
               f"as having {what} it", "record the Service Owner's decision in decided_by and "
               "decided (pmoctl change approve or reject writes them)", warning)  # fmt: skip
        return
    field = "decided_by" if new_form else "approved_by"
    if new_form and request.approved_by not in (None, request.decided_by):
        yield (("approved_by",), f"{request.id} is decided by {request.decided_by}, but "
               f"approved_by names {request.approved_by}", "keep decided_by only; approved_by "
               "is format 1's name for it", error)  # fmt: skip
    person = known.get(decider) if known is not None else None
    # judged by who owned the service on the day of the decision (its appointments say)
    then = as_of(service, request.decided) if request.decided is not None else service
    owner = then.roles.owner
    if person is not None and known is not None and (owner is None or owner in known):
        problem = approver_problem(decision("decide-change"), person, then)
        if problem is not None:
            yield ((field,), f"{request.id}: {problem}", "the Service Owner (roles.owner"
                   + (f": {owner}" if owner else "") + ") decides change requests; "
                   "ask them to approve or reject it", error)  # fmt: skip
    if request.decided is None:
        if new_form:
            yield (("decided_by",), f"{request.id} records who decided it but not when",
                   "add decided: YYYY-MM-DD", error)  # fmt: skip
    elif request.decided < request.date:
        yield (("decided",), f"{request.id} is decided on {request.decided.isoformat()}, "
               f"before it was requested ({request.date.isoformat()})",
               "a request is decided on or after its date", error)  # fmt: skip
    if request.status is ChangeStatus.REJECTED and request.decision_note is None:
        yield (("status",), f"{request.id} is rejected without a decision_note saying why",
               "add decision_note: the reason, for the requester and the next reader",
               error if new_form else warning)  # fmt: skip


def _implementation(
    service: Service, request: ChangeRequest, known: dict[str, Person] | None
) -> Iterator[Problem]:
    error = Severity.ERROR
    implementer = request.implemented_by
    if implementer is not None:
        person = known.get(implementer) if known is not None else None
        if person is not None:
            problem = approver_problem(decision("implement-change"), person, service)
            if problem is not None:
                yield (("implemented_by",), f"{request.id}: {problem}",
                       "the Service Owner or a Service Manager records the change as made",
                       error)  # fmt: skip
        if request.implemented is None:
            yield (("implemented_by",), f"{request.id} records who implemented it but not when",
                   "add implemented: YYYY-MM-DD", error)  # fmt: skip
    if request.implemented is not None:
        earliest = request.decided or request.date
        if request.implemented < earliest:
            yield (("implemented",), f"{request.id} is implemented on "
                   f"{request.implemented.isoformat()}, before it was "
                   + ("approved" if request.decided else "requested")
                   + f" ({earliest.isoformat()})", "a change is made after it is approved",
                   error)  # fmt: skip


RULES = [
    Rule(
        RULE_ID,
        Severity.ERROR,
        "A change request's decision is not a legal, complete record",
        "A running service changes by change request, or by an improvement proposed by its "
        "Service Manager: proposed, then approved or rejected by the Service Owner, then, once "
        "approved, implemented (recorded by the Service Owner or a Service Manager). "
        "`pmoctl change` records each step. A request names who decided it (`decided_by`, the "
        "Service Owner: validate compares with the owner on the day of the decision (from the "
        "appointments, else the current `roles.owner`), `pmoctl check` with "
        "the owner at the commit that recorded the decision) and when (`decided`, not before "
        "the request's `date`); a rejection says why (`decision_note`); an implemented "
        "request was approved first and is dated no earlier than its approval. A proposed "
        "request records no decision. Files written for format 1 keep validating: "
        "`approved_by` is read as `decided_by`, and what such a request lacks (a decider, a "
        "rejection's note) is a warning. An improvement whose requester is not a Service "
        "Manager of the service is a warning.",
        _change_requests,
        # it reads the service and organisation.yaml, both loaded by the guard
        partial=Partial.YES,
    ),
]
