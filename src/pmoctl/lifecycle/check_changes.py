"""Judging how a pull request changed the change requests and the definition of a service.

Two questions, for each service file the pull request changed:

* Is every decision it records legal at its commit? Approving or rejecting a request is
  the Service Owner's decision (``decide-change``) as the service stood before that commit,
  recorded with its date (and a rejection with its reason); marking it implemented follows
  an approval made in an earlier commit and is recorded by the Service Owner or a Service
  Manager (``implement-change``). Decisions on the base branch are not rewritten.
* Was the definition of a service that was running at the merge-base changed? Then the pull
  request marks at least one approved change request of that service implemented, and those
  requests cover every definition edit of the service in it. What the definition is, is
  declared once: :data:`pmoctl.catalogue.decisions.RUNNING_RECORDS` lists what is not.

Works on parsed data (the merge-base, HEAD, and each commit's before and after); positions
are looked up by the caller from the document paths given to ``report``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from pmoctl.catalogue.decisions import approver_problem, decision, definition, who
from pmoctl.catalogue.models import Service, Stage
from pmoctl.catalogue.models.common import ChangeStatus
from pmoctl.findings import DocPath
from pmoctl.lifecycle.check_moves import Change, PersonAt, Report, lifecycle_of

RULE_ID = "CHECK-CHANGE"
_DECIDED = {ChangeStatus.APPROVED.value, ChangeStatus.REJECTED.value}
_IMPLEMENTED = ChangeStatus.IMPLEMENTED.value
_HOW = (
    "record the request with pmoctl change new, have the Service Owner approve it "
    "(pmoctl change approve) and mark it implemented in this pull request "
    "(pmoctl change implement)"
)


def concerns(base: dict[str, Any] | None, head: dict[str, Any] | None) -> bool:
    """Whether the change of a service file from ``base`` to ``head`` needs judging here."""
    if base is None or head is None:
        return head is not None and bool(_requests(head))
    return _requests(base) != _requests(head) or (
        _running(base) and definition(base) != definition(head)
    )


def judge(
    ident: str,
    base: dict[str, Any] | None,
    head: dict[str, Any],
    *,
    steps: Sequence[Change],
    person_at: PersonAt,
    report: Report,
) -> None:
    """Report what is wrong with how the pull request changed service ``ident``.

    ``steps`` are the pull request's commits that changed the file, oldest first.
    """
    at_head = {key: index for index, key in enumerate(_requests(head))}
    seen: set[str] = set()
    for step in steps:
        seen |= _step(step, at_head, person_at, report)
    before = _requests(base) if base is not None else {}
    after = _requests(head)
    for key, old in before.items():
        if _outcome(old) is not None and _outcome(after.get(key)) != _outcome(old):
            report(RULE_ID, f"{ident}: the decision recorded on {key} was changed or removed",
                   "decisions are records: restore it, and raise a new request to revisit it",
                   _where(at_head, key) if key in after else ("change_requests",))  # fmt: skip
    for key, new in after.items():
        if key not in seen and _outcome(new) != _outcome(before.get(key)):
            report(RULE_ID, f"{ident}: the decision on {key} was recorded outside its commits "
                   "(in a merge, or a commit git could not follow)",
                   "record each decision with pmoctl change, in its own commit",
                   _where(at_head, key, "status"))  # fmt: skip
    if base is not None and _running(base):
        _definition(ident, base, head, report)


def _step(step: Change, at_head: dict[str, int], person_at: PersonAt, report: Report) -> set[str]:
    """Judge the decisions one commit records; return the requests it decided."""
    before = _requests(step.before) if step.before is not None else {}
    judge = _StepJudge(step, _service(step.before) or _service(step.after), person_at, report)
    decided: set[str] = set()
    for key, request in _requests(step.after).items():
        old = before.get(key)
        where = f"{step.ident}: {key} ({step.where})"
        at = _where(at_head, key)
        outcome = _outcome(request)
        if outcome is not None and (outcome, _decision(request)) != (_outcome(old), _decision(old)):
            decided.add(key)
            judge.decided(request, where, at)
        if request.get("status") == _IMPLEMENTED and _status(old) != _IMPLEMENTED:
            decided.add(key)
            if _status(old) != ChangeStatus.APPROVED.value:
                report(RULE_ID, f"{where} is marked implemented without having been approved "
                       "in an earlier commit", "approve it first (pmoctl change approve), then "
                       "mark it implemented (pmoctl change implement)",
                       (*at, "status"))  # fmt: skip
            judge.implemented(request, where, at)
    return decided


@dataclass(frozen=True)
class _StepJudge:
    """The decisions of one commit, judged against the service as it stood before it."""

    step: Change
    service: Service | None
    person_at: PersonAt
    report: Report

    def decided(self, request: dict[str, Any], where: str, at: DocPath) -> None:
        decider = request.get("decided_by") or request.get("approved_by")
        if not isinstance(decider, str):
            self.report(RULE_ID, f"{where} is decided without naming who decided it",
                        "record the Service Owner's decision with pmoctl change approve or "
                        "reject", (*at, "status"))  # fmt: skip
            return
        field = "decided_by" if request.get("decided_by") else "approved_by"
        if request.get("decided") is None:
            self.report(RULE_ID, f"{where} is decided without the date of the decision",
                        "pmoctl change approve and reject record decided: YYYY-MM-DD",
                        (*at, field))  # fmt: skip
        rejected = request.get("status") == ChangeStatus.REJECTED.value
        if rejected and not request.get("decision_note"):
            self.report(RULE_ID, f"{where} is rejected without a decision_note saying why",
                        "pmoctl change reject --note records the reason", (*at, field))  # fmt: skip
        self.approver("decide-change", decider, where, (*at, field))

    def implemented(self, request: dict[str, Any], where: str, at: DocPath) -> None:
        implementer = request.get("implemented_by")
        if not isinstance(implementer, str) or request.get("implemented") is None:
            self.report(RULE_ID, f"{where} is marked implemented without implemented_by and "
                        "implemented", "pmoctl change implement records who made the change "
                        "and when", (*at, "status"))  # fmt: skip
        if isinstance(implementer, str):
            self.approver("implement-change", implementer, where, (*at, "implemented_by"))

    def approver(self, kind: str, ident: str, where: str, at: DocPath) -> None:
        spec = decision(kind)
        person = self.person_at(self.step.commit.sha, ident)
        if person is None:
            self.report(RULE_ID, f"{where} names {ident}, who is not in organisation.yaml at "
                        "that commit", "the decider must be a person of the organisation",
                        at)  # fmt: skip
            return
        # the roles as the service stood before the commit: a decision cannot appoint its
        # own decider
        problem = approver_problem(spec, person, self.service) if self.service else None
        if problem is not None:
            self.report(RULE_ID, f"{where}: {problem} at that commit",
                        f"ask the {who(spec.decided_by)} to decide it", at)  # fmt: skip


def _definition(ident: str, base: dict[str, Any], head: dict[str, Any], report: Report) -> None:
    old, new = definition(base), definition(head)
    if old == new:
        return
    before, after = _requests(base), _requests(head)
    covering = [
        key
        for key, request in after.items()
        if _status(request) == _IMPLEMENTED
        and _status(before.get(key)) != _IMPLEMENTED
        and (request.get("decided_by") or request.get("approved_by"))
    ]
    if covering:
        return
    changed = [
        key for key in (*new, *(k for k in old if k not in new)) if old.get(key) != new.get(key)
    ]
    shown = ", ".join(changed[:5]) + (", ..." if len(changed) > 5 else "")
    at: DocPath = (changed[0],) if changed and changed[0] in new else ("lifecycle", "stage")
    report(RULE_ID, f"{ident} is running and this pull request changes its definition ({shown}) "
           "without marking an approved change request implemented", _HOW, at)  # fmt: skip


def _running(data: dict[str, Any]) -> bool:
    return lifecycle_of(data)[0] == Stage.RUNNING.value


def _requests(data: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """The change requests of a service file's data, by id (unreadable ones left out)."""
    raw = data.get("change_requests") if data else None
    result: dict[str, dict[str, Any]] = {}
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            result.setdefault(item["id"], item)
    return result


def _status(request: dict[str, Any] | None) -> str | None:
    status = request.get("status") if request else None
    return status if isinstance(status, str) else None


def _outcome(request: dict[str, Any] | None) -> str | None:
    """approved (also once implemented), rejected, or None while undecided."""
    status = _status(request)
    if status in _DECIDED:
        return status
    return ChangeStatus.APPROVED.value if status == _IMPLEMENTED else None


def _decision(request: dict[str, Any] | None) -> tuple[object, ...]:
    if request is None:
        return ()
    return tuple(request.get(key) for key in ("decided_by", "approved_by", "decided"))


def _where(at_head: dict[str, int], key: str, *rest: str) -> DocPath:
    index = at_head.get(key)
    return ("change_requests", index, *rest) if index is not None else ("change_requests",)


def _service(data: dict[str, Any] | None) -> Service | None:
    try:
        return Service.model_validate(data) if data is not None else None
    except ValidationError:
        return None
