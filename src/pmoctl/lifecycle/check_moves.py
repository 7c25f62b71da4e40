"""Judging one commit of a pull request that changed a service's stage or recorded a move.

A legal commit is what ``pmoctl transition`` makes: one move appended to
``lifecycle.moves`` that leads from the old stage to the new one, an allowed step with its
evidence, trailers that describe the same move and approver, and an approver who held the
right role at that commit (organisation.yaml and the service as they were then). Works on
the parsed data of the file before and after the commit; positions are looked up by the
caller from the document paths given to ``report``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from pmoctl.catalogue.lifecycle import (
    MoveSpec,
    approver_problem,
    condition_problems,
    missing_evidence,
    move_spec,
    targets,
    unexpected_evidence,
)
from pmoctl.catalogue.models import Config, Move, Person, Service, Stage
from pmoctl.findings import DocPath
from pmoctl.gitrepo import PullCommit, parse_trailers
from pmoctl.yaml.loader import LoadError, decode, parse

STAGE_AT: DocPath = ("lifecycle", "stage")
_ORDER = [stage.value for stage in Stage]
_REDO = "make moves with pmoctl transition (and merge without squashing)"

#: (rule, message, hint, where in the service file at HEAD)
Report = Callable[[str, str, str, DocPath], None]
#: the person of that id in organisation.yaml at that commit
PersonAt = Callable[[str, str], Person | None]


def data_of(raw: bytes | None) -> dict[str, Any] | None:
    """A file's parsed content as git holds it, or None when it is absent or unreadable
    (validate says why)."""
    if raw is None:
        return None
    try:
        return parse(decode(raw))
    except LoadError:
        return None


def config_of(raw: bytes | None) -> Config | None:
    """pmoctl.yaml as git holds it, or None when it is absent, unreadable or invalid."""
    data = data_of(raw)
    try:
        return Config.model_validate(data) if data is not None else None
    except ValidationError:
        return None


def lifecycle_of(data: dict[str, Any] | None) -> tuple[str | None, list[Any]]:
    """The stage and the recorded moves of a service file's data (None, [] when unreadable)."""
    life = data.get("lifecycle") if data else None
    if not isinstance(life, dict):
        return None, []
    stage, moves = life.get("stage"), life.get("moves")
    return (stage if isinstance(stage, str) else None), (moves if isinstance(moves, list) else [])


def appended(before: list[Any], after: list[Any]) -> list[Any] | None:
    """The moves added at the end, or None when earlier ones were changed or removed."""
    if after[: len(before)] != before:
        return None
    return after[len(before) :]


@dataclass(frozen=True)
class Change:
    """A commit's change to one service file: its data before (None if added) and after."""

    ident: str
    commit: PullCommit
    before: dict[str, Any] | None
    after: dict[str, Any]

    @property
    def where(self) -> str:
        return f"commit {self.commit.sha[:10]}"


def judge(change: Change, current: str | None, person_at: PersonAt, report: Report) -> str | None:
    """Report what is wrong with ``change``; return the stage the service is in after it.

    ``current`` is the stage the earlier commits left the service in: a commit starting
    from another stage means the stage changed somewhere git cannot show (a merge).
    """
    ident = change.ident
    stage_before, moves_before = lifecycle_of(change.before)
    stage_after, moves_after = lifecycle_of(change.after)
    if change.before is None:
        if stage_after != Stage.PROPOSED.value or moves_after:
            report("CHECK-NEW-STAGE",
                   f"{ident} was added in {change.where} as {stage_after}, not proposed",
                   "add it as proposed; reach later stages with pmoctl transition",
                   STAGE_AT)  # fmt: skip
        return stage_after
    new_moves = appended(moves_before, moves_after) or []
    if stage_before == stage_after and not new_moves:
        return current
    if stage_before != current:
        report("CHECK-STAGE-EDIT",
               f"the stage of {ident} became {stage_before} outside its commits",
               "make every stage change with pmoctl transition", STAGE_AT)  # fmt: skip
    if not new_moves:
        report("CHECK-STAGE-EDIT",
               f"stage of {ident} changed from {stage_before} to {stage_after} by hand in "
               f"{change.where} (no move recorded)",
               f"undo the edit and run: pmoctl transition {ident} --to {stage_after} "
               "--approved-by PERSON", STAGE_AT)  # fmt: skip
        return stage_after
    first = len(moves_before)
    _trailers(change, new_moves, first, person_at, report)
    expected = stage_before
    for offset, raw in enumerate(new_moves):
        try:
            move = Move.model_validate(raw)
        except ValidationError:
            return stage_after  # validate reports the broken record
        at: DocPath = ("lifecycle", "moves", first + offset)
        if move.from_.value != expected:
            report("CHECK-STAGE-EDIT",
                   f"the move recorded in {change.where} starts at {move.from_.value}, but "
                   f"{ident} was {expected}", _REDO, at)  # fmt: skip
        expected = move.to.value
        _move(change, move, at, person_at, report)
    if expected != stage_after:
        report("CHECK-STAGE-EDIT",
               f"{change.where} sets stage {stage_after}, but its move leads to {expected}",
               _REDO, STAGE_AT)  # fmt: skip
    return stage_after


def _move(change: Change, move: Move, at: DocPath, person_at: PersonAt, report: Report) -> None:
    spec = move_spec(move.from_, move.to)
    step = f"{change.ident}: {move.from_.value} -> {move.to.value}"
    if spec is None:
        report("CHECK-SKIPPED-STAGE", f"{step} {_why_not(move.from_, move.to)}",
               f"from {move.from_.value} a service can move to: "
               + (", ".join(stage.value for stage in targets(move.from_)) or "nothing"),
               STAGE_AT)  # fmt: skip
        return
    # a move a pull request adds is new: it is judged in the current form of its evidence
    absent = missing_evidence(spec, move, new=True)
    if absent:
        report("CHECK-EVIDENCE", f"{step} lacks its evidence: {', '.join(absent)}",
               "pmoctl transition asks for it; see `pmoctl explain CHECK-EVIDENCE`",
               at)  # fmt: skip
    extra = unexpected_evidence(spec, move, new=True)
    if extra:
        report("CHECK-EVIDENCE", f"{step} carries evidence of another move or of an earlier "
               f"form: {', '.join(extra)}",
               "pmoctl transition records the evidence each move needs; see `pmoctl explain "
               "CHECK-EVIDENCE`", at)  # fmt: skip
    # the service as the commit left it: the results the owner signed off
    service = _service(change.after)
    problems = condition_problems(spec, service, move) if service is not None else []
    if problems:
        report("CHECK-EVIDENCE", f"{step}: " + "; ".join(problems),
               "see `pmoctl explain CHECK-EVIDENCE`", at)  # fmt: skip
    _approver(change, spec, move, (*at, "approved_by"), person_at=person_at, report=report)


def _why_not(source: Stage, target: Stage) -> str:
    low, high = _ORDER.index(source.value), _ORDER.index(target.value)
    if high > low + 1:
        return "skips " + ", ".join(_ORDER[low + 1 : high])
    return "is not an allowed move"


def _approver(
    change: Change, spec: MoveSpec, move: Move, at: DocPath, *, person_at: PersonAt, report: Report
) -> None:
    person = person_at(change.commit.sha, move.approved_by)
    if person is None:
        report("CHECK-APPROVER",
               f"{change.ident}: {move.from_.value} -> {move.to.value} is approved by "
               f"{move.approved_by}, who is not in organisation.yaml at {change.where}",
               "the approver must be a person of the organisation", at)  # fmt: skip
        return
    # the owner as the service stood before the commit: a move cannot appoint its own approver
    service = _service(change.before) or _service(change.after)
    problem = approver_problem(spec, person, service) if service else None
    if problem:
        report("CHECK-APPROVER", f"{change.ident}: {problem}",
               "ask the person who may approve this move to approve it", at)  # fmt: skip


def _trailers(
    change: Change, new_moves: list[Any], first: int, person_at: PersonAt, report: Report
) -> None:
    at: DocPath = ("lifecycle", "moves", first)
    trailers = parse_trailers(change.commit.message)
    mine = [m for m in trailers.moves if m.service == change.ident] if trailers else []
    if len(new_moves) > 1:
        report("CHECK-TRAILERS",
               f"{change.where} records {len(new_moves)} moves of {change.ident} at once "
               "(squashed?); each move is its own commit", _REDO, at)  # fmt: skip
        return
    if trailers is None or not mine:
        report("CHECK-TRAILERS",
               f"{change.where} moves {change.ident} but has no Service-Transition trailer "
               "(squashed, amended or written by hand)", _REDO, at)  # fmt: skip
        return
    moved = {m.service for m in trailers.moves}
    others = [path for path in change.commit.paths if not _service_file_of(path, moved)]
    if others:
        shown = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
        report("CHECK-TRAILERS",
               f"{change.where} moves {change.ident} and also changes {shown}; a move "
               "commit changes only the moved service files", _REDO, at)  # fmt: skip
    record = new_moves[0] if isinstance(new_moves[0], dict) else {}
    recorded = (record.get("from"), record.get("to"))
    if (mine[0].source, mine[0].target) != recorded:
        report("CHECK-TRAILERS",
               f"{change.where} says {mine[0].source} -> {mine[0].target} in its trailer, but "
               f"the file records {recorded[0]} -> {recorded[1]}",
               "the trailers and the file must describe the same move", at)  # fmt: skip
    approver = record.get("approved_by")
    approver_at: DocPath = (*at, "approved_by")
    if trailers.approver_id != approver:
        report("CHECK-TRAILERS",
               f"{change.where} names approver {trailers.approver_id or 'nobody'} in its "
               f"trailers, but the file records {approver}",
               "the Approver-Id trailer must match approved_by", approver_at)  # fmt: skip
        return
    person = person_at(change.commit.sha, str(approver))
    email = (person.git.email if person.git else person.email) if person else None
    named = (trailers.approved_by or "").rpartition("<")[2].rstrip(">")
    if email and named.lower() != email.lower():
        report("CHECK-TRAILERS",
               f"{change.where}: the Approved-by trailer does not carry {approver}'s e-mail "
               "from organisation.yaml",
               "the trailer must name the approver as in the people registry",
               approver_at)  # fmt: skip


def _service_file_of(path: str, services: set[str]) -> bool:
    """``path`` is the file of one of ``services`` (``.../services/<id>.yaml``)."""
    parts = path.rsplit("/", 2)
    return (
        len(parts) >= 2 and parts[-2] == "services" and parts[-1].removesuffix(".yaml") in services
        and parts[-1].endswith(".yaml")
    )  # fmt: skip


def _service(data: dict[str, Any] | None) -> Service | None:
    try:
        return Service.model_validate(data) if data is not None else None
    except ValidationError:
        return None
