"""`pmoctl transition`: move services to a new stage as one checked, approved git commit.

The move is checked (allowed, approved by the right person, its evidence present), then
the service files are edited surgically (:mod:`pmoctl.yaml.edit`) and the catalogue around
them is validated as it would be after the move. Only then is anything written, by
:func:`pmoctl.lifecycle.transaction.commit_files`: under a lock, with a journal, atomically, as one
``git commit --only`` of exactly those files, restored on any failure.
"""

from __future__ import annotations

import codecs
import datetime as dt
import difflib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pmoctl import gitrepo, runtime
from pmoctl.catalogue import lifecycle
from pmoctl.catalogue.loading import load_file
from pmoctl.catalogue.models import Move, Organisation, Service
from pmoctl.catalogue.models.common import Stage
from pmoctl.catalogue.suggest import did_you_mean, unknown_service
from pmoctl.errors import RefusedError, RepoStateError, UserError
from pmoctl.findings import Finding
from pmoctl.gitrepo import check_ids
from pmoctl.lifecycle import transaction
from pmoctl.lifecycle.guard import guard
from pmoctl.yaml import edit
from pmoctl.yaml.loader import LoadError, decode, parse, read_bytes

if TYPE_CHECKING:
    from pmoctl.catalogue import lifecycle
    from pmoctl.catalogue.loading import LoadedFile
    from pmoctl.catalogue.models import Person, Service
    from pmoctl.catalogue.models.common import Stage

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_OPTION_OF = {
    "note": "--note TEXT",
    "reason": "--reason CODE",
    "rollout": "--rollout phased|big-bang",
    "readiness": "--readiness TEXT",
    "success_criteria_met": "--success-criteria-met",
    "artefact_review": "--kept/--discarded ARTEFACT",
}


class MoveRefusedError(RefusedError):
    """The move is not allowed as asked; ``findings`` say where (exit 1)."""

    def __init__(self, message: str, *, hint: str = "", findings: Sequence[Finding] = ()) -> None:
        super().__init__(message, hint=hint)
        self.findings = list(findings)


@dataclass(frozen=True)
class Evidence:
    """What the person moving the service tells pmoctl about the move."""

    reason: str | None = None
    note: str | None = None
    rollout: str | None = None
    readiness: str | None = None
    success_criteria_met: bool = False
    kept: tuple[str, ...] = ()
    discarded: tuple[str, ...] = ()
    date: dt.date | None = None


@dataclass
class PlannedMove:
    service: str
    rel: str  # relative to the catalogue root
    repo_rel: str  # relative to the top of the work tree
    source: Stage
    old: bytes
    new: bytes
    mode: int


@dataclass
class Outcome:
    moves: list[PlannedMove]
    target: Stage
    diff: str
    commit: str | None = None
    recovered: list[str] = field(default_factory=list)
    #: what a hook changed in the commit that pmoctl accepted (a reformatted file)
    notes: list[str] = field(default_factory=list)


def _check_text(name: str, value: str | None) -> None:
    if value is not None and (_CONTROL.search(value) or "\r" in value or not value.strip()):
        raise UserError(f"{name} is empty or holds control characters")


def _refuse_unknown_reason(spec: lifecycle.MoveSpec, reason: str | None) -> None:
    """A reason the move does not know is a misspelt name (exit 2), not missing evidence."""
    if reason is None or spec.reasons is None or reason in spec.reasons:
        return
    move = f"{spec.source.value} -> {spec.target.value}"
    raise UserError(
        f"--reason {reason!r} is not a known reason for {move}",
        hint=did_you_mean(reason, spec.reasons, "reasons"),
    )


def _check_date(date: dt.date | None) -> None:
    """A move records the day it was approved: it cannot be approved after today."""
    if date is not None and date > runtime.today():
        raise UserError(
            f"--date {date.isoformat()} is after today",
            hint="give the day the move was approved (today or earlier), or leave --date out "
            "to record today",
        )


def _refuse_earlier_date(ident: str, service: Service, date: dt.date | None) -> None:
    """Moves are recorded in date order: refuse one dated before the last recorded move."""
    if not service.lifecycle.moves:
        return
    last = service.lifecycle.moves[-1].date
    when = date or runtime.today()
    if when < last:
        given = "given with --date" if date is not None else "today"
        raise MoveRefusedError(
            f"{ident}: the move's date, {when.isoformat()} ({given}), is before its last "
            f"recorded move ({last.isoformat()})",
            hint=f"pass --date {last.isoformat()} or a later day (moves are recorded in "
            "date order); if the last move's date is wrong, correct it and commit first",
        )


# --- the plan: check the move and compute the new files, without writing -------------


def plan(
    root: Path, repo: gitrepo.Repo, ids: Sequence[str], *, target: Stage | str,
    approver_id: str, evidence: Evidence,
) -> tuple[list[PlannedMove], Person]:  # fmt: skip
    """Check every move; return the files to write and the approver, or raise
    :class:`MoveRefusedError`."""
    target = _stage(target)
    from pydantic import ValidationError

    organisation_file = _load_singleton(root, "organisation.yaml")
    organisation: Organisation = organisation_file.model  # type: ignore[assignment]
    people = {person.id: person for person in organisation.people}
    approver = people.get(approver_id)
    if approver is None:
        raise UserError(
            f"--approved-by {approver_id!r} is not a person in organisation.yaml",
            hint=did_you_mean(approver_id, people, "people"),
        )
    moves: list[PlannedMove] = []
    services: dict[str, Service] = {}
    for ident in ids:
        rel = f"services/{ident}.yaml"
        path = root / rel
        old = _read_service(root, ident, rel)
        info = _single_link(path, rel)
        service = _load_service(root, rel)
        source = service.lifecycle.stage
        spec = lifecycle.move_spec(source, target)
        if spec is not None:
            _refuse_unknown_reason(spec, evidence.reason)
        if spec is None:
            allowed = ", ".join(stage.value for stage in lifecycle.targets(source)) or "nowhere"
            raise MoveRefusedError(
                f"{ident} is {source.value}: it cannot move to {target.value}",
                hint=f"from {source.value} a service moves to: {allowed}",
            )
        problem = lifecycle.approver_problem(spec, approver, service)
        if problem is not None:
            raise MoveRefusedError(f"{ident}: {problem}")
        _refuse_earlier_date(ident, service, evidence.date)
        record = move_record(source.value, target.value, approver.id, evidence)
        try:
            move = Move.model_validate(record)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(map(str, item['loc']))}: {item['msg']}" for item in error.errors()
            )
            raise UserError(f"the move's evidence is not valid: {problems}") from None
        extra = lifecycle.unexpected_evidence(spec, move)
        if extra:
            options = ", ".join(_OPTION_OF.get(name, name) for name in extra)
            raise UserError(
                f"{ident}: {options} is not evidence of the move {source.value} -> {target.value}",
                hint="leave it out: each piece of evidence belongs to the move that needs it "
                "(docs/lifecycle.md lists them)",
            )
        absent = lifecycle.missing_evidence(spec, move)
        if absent:
            options = ", ".join(_OPTION_OF.get(name, name) for name in absent)
            reasons = f"; reasons: {', '.join(spec.reasons)}" if spec.reasons else ""
            raise MoveRefusedError(
                f"{ident}: the move {source.value} -> {target.value} needs evidence: {options}",
                hint=f"{spec.summary}{reasons}",
            )
        text = decode(old)
        try:
            new_text = edit.apply_move(text, stage=target.value, move=record)
        except (edit.EditError, LoadError) as error:
            raise MoveRefusedError(f"{rel} cannot be edited safely: {error}") from None
        # decode() drops a byte-order mark; the file keeps the one it had
        bom = codecs.BOM_UTF8 if old.startswith(codecs.BOM_UTF8) else b""
        new = bom + new_text.encode("utf-8")
        services[ident] = _service_from_text(new_text)
        moves.append(PlannedMove(ident, rel, repo.rel(path), source, old, new, info.st_mode))
    findings = guard(
        root,
        services,
        {m.rel: m.new.decode("utf-8") for m in moves},
        positions={m.rel: decode(m.old) for m in moves},
        preloaded=[organisation_file],
    )
    if findings:
        names = ", ".join(sorted({Path(finding.path).stem for finding in findings}))
        raise MoveRefusedError(
            f"the move would leave errors in {names} (listed above)",
            hint="fix them (or record what is missing), commit, and run the transition again",
            findings=findings,
        )
    return moves, approver


def move_record(
    source: str, target: str, approver_id: str, evidence: Evidence
) -> dict[str, object]:
    """The move as it is written into the service file."""
    record: dict[str, object] = {
        "from": source,
        "to": target,
        "date": evidence.date or runtime.today(),
        "approved_by": approver_id,
        "reason": evidence.reason,
        "note": evidence.note,
        "rollout": evidence.rollout,
        "readiness": evidence.readiness,
        "success_criteria_met": True if evidence.success_criteria_met else None,
    }
    if evidence.kept or evidence.discarded:  # a review that names no artefact is no review
        review: dict[str, object] = {"reviewed_by": approver_id}
        if evidence.kept:
            review["kept"] = list(evidence.kept)
        if evidence.discarded:
            review["discarded"] = list(evidence.discarded)
        record["artefact_review"] = review
    return {key: value for key, value in record.items() if value is not None}


def _read_service(root: Path, ident: str, rel: str) -> bytes:
    """The service file's bytes, read as every catalogue file is (no link, no pipe)."""
    try:
        return read_bytes(root, rel)
    except LoadError as error:
        if error.rule == "FILE-MISSING":
            raise unknown_service(root, ident) from None
        raise MoveRefusedError(f"{rel}: {error.message}", hint=error.hint) from None


def _single_link(path: Path, rel: str) -> os.stat_result:
    """The file's status; refused if it has other hard links (a write would reach them)."""
    try:
        info = os.lstat(path)
    except OSError as error:  # gone since it was read
        raise RepoStateError(f"{rel} changed while being read: {error.strerror}") from None
    if info.st_nlink > 1:
        raise RepoStateError(f"{rel} has other hard links; pmoctl will not write through them")
    return info


def _load_singleton(root: Path, rel: str) -> LoadedFile:
    loaded = load_file(root, rel, rel.removesuffix(".yaml"))
    if loaded.model is None:
        raise MoveRefusedError(
            f"{rel} does not validate", hint="run `pmoctl validate`", findings=loaded.findings
        )
    return loaded


def _load_service(root: Path, rel: str) -> Service:
    loaded = load_file(root, rel, "service")
    if loaded.model is None:
        raise MoveRefusedError(
            f"{rel} does not validate", hint="fix it first", findings=loaded.findings
        )
    return loaded.model  # type: ignore[return-value]


def _service_from_text(text: str) -> Service:
    return Service.model_validate(parse(text))  # verified by yamledit: this cannot fail


# --- the transaction ---------------------------------------------------------------------


def diff(moves: Sequence[PlannedMove]) -> str:
    chunks: list[str] = []
    for move in moves:
        old = move.old.decode("utf-8").splitlines(keepends=True)
        new = move.new.decode("utf-8").splitlines(keepends=True)
        lines = difflib.unified_diff(old, new, f"a/{move.repo_rel}", f"b/{move.repo_rel}")
        # shown as git shows it: a CRLF file's carriage returns are not printed
        chunks.extend(line.rstrip("\r\n") + "\n" for line in lines)
    return "".join(chunks)


def approver_identity(person: Person) -> str:
    """``Name <email>`` from the person's git identity, falling back to their name and e-mail."""
    if person.git is not None:
        return f"{person.git.name} <{person.git.email}>"
    return f"{person.name} <{person.email}>" if person.email else person.name


def _stage(value: Stage | str) -> Stage:
    return Stage(value)


def transition(
    root: Path, ids: Sequence[str], *, target: Stage | str, approver_id: str, evidence: Evidence,
    dry_run: bool = False, allow_detached: bool = False,
) -> Outcome:  # fmt: skip
    """Check, write and commit the moves (or, with ``dry_run``, only show them)."""
    check_ids(ids)
    check_ids([approver_id], what="person")
    _check_date(evidence.date)
    _check_text("--note", evidence.note)
    _check_text("--readiness", evidence.readiness)
    for artefact in (*evidence.kept, *evidence.discarded):
        _check_text("an artefact name", artefact)
    repo = gitrepo.require(root)
    with gitrepo.exclusive_lock(repo):
        transaction.pause_point("locked")
        recovered = (
            transaction.recover(repo) if not dry_run else transaction.refuse_pending_journal(repo)
        )
        # git's preflight reads run in the background while the catalogue is loaded and
        # checked; their refusals still come first, as when they ran before the plan
        rels = _repo_rels(repo, root, ids)
        with gitrepo.start_checks(repo, rels, allow_detached=allow_detached) as checks:
            try:
                moves, approver = plan(
                    root, repo, ids, target=target, approver_id=approver_id,
                    evidence=evidence,
                )  # fmt: skip
            except Exception:
                checks.head_before()
                raise
            head_before = checks.head_before()
            checks.require_clean([m.repo_rel for m in moves], [m.old for m in moves])
        stage = _stage(target)
        outcome = Outcome(moves, stage, diff(moves), recovered=recovered)
        if dry_run:
            return outcome
        message = gitrepo.transition_message(
            [gitrepo.ServiceMove(m.service, m.source.value, stage.value) for m in moves],
            approved_by=approver_identity(approver),
            approver_id=approver_id,
            reason=evidence.reason,
            note=evidence.note,
        )
        changes = [transaction.FileChange(m.repo_rel, m.old, m.new, m.mode) for m in moves]
        committed = transaction.commit_files(repo, changes, message, head_before)
        outcome.commit, outcome.notes = committed.commit, committed.notes
    return outcome


def _repo_rels(repo: gitrepo.Repo, root: Path, ids: Sequence[str]) -> list[str]:
    """The service files' paths from the top of the work tree, as the plan will name them
    ([] if that fails here: git status then runs after the plan, as it used to)."""
    try:
        return [repo.rel(root / f"services/{ident}.yaml") for ident in ids]
    except (ValueError, OSError):
        return []
