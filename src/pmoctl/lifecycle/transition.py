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
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pmoctl import gitrepo, runtime
from pmoctl.catalogue import lifecycle
from pmoctl.catalogue.models import Config, Move, Organisation, Service
from pmoctl.catalogue.models.common import Stage
from pmoctl.catalogue.suggest import did_you_mean
from pmoctl.errors import UserError
from pmoctl.gitrepo import check_ids
from pmoctl.lifecycle.guard import guard
from pmoctl.lifecycle.record import (
    FileEdit,
    RecordRefusedError,
    approver_identity,
    check_text,
    commit_planned,
    diff,
    load_service,
    load_singleton,
    read_bytes_of,
    single_link,
)
from pmoctl.lifecycle.signatures import SignedDecision, Signing, sign_move
from pmoctl.yaml import edit
from pmoctl.yaml.loader import LoadError, decode, parse

if TYPE_CHECKING:
    from pmoctl.catalogue import lifecycle
    from pmoctl.catalogue.models import Person, Service
    from pmoctl.catalogue.models.common import Stage

_OPTION_OF = {
    "note": "--note TEXT",
    "reason": "--reason CODE",
    "rollout": "--rollout phased|big-bang",
    "readiness": "--readiness TEXT",
    "success_criteria_met": "--success-criteria-met",
    "artefact_review": "--kept/--discarded ARTEFACT",
}


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
    #: the signed decisions the moves record (empty when they are unsigned)
    signed: list[SignedDecision] = field(default_factory=list)


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
        raise RecordRefusedError(
            f"{ident}: the move's date, {when.isoformat()} ({given}), is before its last "
            f"recorded move ({last.isoformat()})",
            hint=f"pass --date {last.isoformat()} or a later day (moves are recorded in "
            "date order); if the last move's date is wrong, correct it and commit first",
        )


# --- the plan: check the move and compute the new files, without writing -------------


def plan(
    root: Path, repo: gitrepo.Repo, ids: Sequence[str], *, target: Stage | str,
    approver_id: str, evidence: Evidence, signing: Signing | None = None,
) -> tuple[list[PlannedMove], Person]:  # fmt: skip
    """Check every move; return the files to write and the approver, or raise
    :class:`RecordRefusedError`.

    With ``signing``, each move's record carries its approver's signature (made now, or
    made before and given as a file), verified before anything is written; without it, a
    catalogue whose pmoctl.yaml asks for signed moves refuses the move.
    """
    target = _stage(target)
    from pydantic import ValidationError

    config: Config = load_singleton(root, "pmoctl.yaml", "config").model  # type: ignore[assignment]

    organisation_file = load_singleton(root, "organisation.yaml")
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
        old = read_bytes_of(root, ident, rel)
        info = single_link(path, rel)
        service = load_service(root, rel)
        source = service.lifecycle.stage
        spec = lifecycle.move_spec(source, target)
        if spec is not None:
            _refuse_unknown_reason(spec, evidence.reason)
        if spec is None:
            allowed = ", ".join(stage.value for stage in lifecycle.targets(source)) or "nowhere"
            raise RecordRefusedError(
                f"{ident} is {source.value}: it cannot move to {target.value}",
                hint=f"from {source.value} a service moves to: {allowed}",
            )
        problem = lifecycle.approver_problem(spec, approver, service)
        if problem is not None:
            raise RecordRefusedError(f"{ident}: {problem}")
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
            raise RecordRefusedError(
                f"{ident}: the move {source.value} -> {target.value} needs evidence: {options}",
                hint=f"{spec.summary}{reasons}",
            )
        signature = sign_move(
            repo, ident, repo.rel(path), old, record, people=organisation.people,
            signing=signing, required=config.signs("move"),
        )  # fmt: skip
        if signature is not None:
            record["signature"] = signature
        text = decode(old)
        try:
            new_text = edit.apply_move(text, stage=target.value, move=record)
        except (edit.EditError, LoadError) as error:
            raise RecordRefusedError(f"{rel} cannot be edited safely: {error}") from None
        # decode() drops a byte-order mark; the file keeps the one it had
        bom = codecs.BOM_UTF8 if old.startswith(codecs.BOM_UTF8) else b""
        new = bom + new_text.encode("utf-8")
        services[ident] = Service.model_validate(
            parse(new_text)
        )  # verified by the edit: cannot fail
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
        raise RecordRefusedError(
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


# --- the transaction ---------------------------------------------------------------------


def _stage(value: Stage | str) -> Stage:
    return Stage(value)


def transition(
    root: Path, ids: Sequence[str], *, target: Stage | str, approver_id: str, evidence: Evidence,
    dry_run: bool = False, allow_detached: bool = False, signing: Signing | None = None,
) -> Outcome:  # fmt: skip
    """Check, write and commit the moves (or, with ``dry_run``, only show them); with
    ``signing``, each move's record carries its approver's signature."""
    check_ids(ids)
    check_ids([approver_id], what="person")
    _check_date(evidence.date)
    check_text("--note", evidence.note)
    check_text("--readiness", evidence.readiness)
    for artefact in (*evidence.kept, *evidence.discarded):
        check_text("an artefact name", artefact)
    stage = _stage(target)
    planned: list[PlannedMove] = []

    def plan_moves(repo: gitrepo.Repo) -> tuple[list[FileEdit], str]:
        moves, approver = plan(
            root, repo, ids, target=target, approver_id=approver_id, evidence=evidence,
            signing=signing,
        )  # fmt: skip
        planned.extend(moves)
        message = gitrepo.transition_message(
            [gitrepo.ServiceMove(m.service, m.source.value, stage.value) for m in moves],
            approved_by=approver_identity(approver),
            approver_id=approver_id,
            reason=evidence.reason,
            note=evidence.note,
        )
        return [FileEdit(m.rel, m.repo_rel, m.old, m.new, m.mode) for m in moves], message

    edits, done = commit_planned(
        root, ids, plan_moves, dry_run=dry_run, allow_detached=allow_detached
    )
    signed = list(signing.made) if signing else []
    return Outcome(planned, stage, diff(edits), done.commit, done.recovered, done.notes, signed)
