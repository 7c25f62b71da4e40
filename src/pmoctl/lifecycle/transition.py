"""`pmoctl transition`: move services to a new stage as one checked, approved git commit.

The move is checked (allowed, approved by the right person, its evidence present), then
the service files are edited surgically (:mod:`pmoctl.yaml.edit`) and the catalogue around
them is validated as it would be after the move. Only then is anything written, by
:func:`pmoctl.lifecycle.transaction.commit_files`: under a lock, with a journal, atomically, as one
``git commit --only`` of exactly those files, restored on any failure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pmoctl import gitrepo, runtime
from pmoctl.catalogue import capacity, lifecycle
from pmoctl.catalogue.files import kind_of, list_files
from pmoctl.catalogue.loading import load_file
from pmoctl.catalogue.models import Config, Move, Organisation, Service
from pmoctl.catalogue.models.common import Stage
from pmoctl.catalogue.suggest import did_you_mean, service_ids, unknown_service
from pmoctl.catalogue.vocabulary import ReadinessArea
from pmoctl.errors import UserError
from pmoctl.gitrepo import check_ids
from pmoctl.lifecycle.record import (
    FileEdit,
    RecordRefusedError,
    approver_identity,
    check_text,
    commit_planned,
    diff,
    find_person,
    guard_edits,
    load_singleton,
    moved,
    read_service,
)
from pmoctl.lifecycle.signatures import SignedDecision, Signing, sign_move

if TYPE_CHECKING:
    from pmoctl.catalogue import lifecycle
    from pmoctl.catalogue.models import Person, Service
    from pmoctl.catalogue.models.common import Stage

_OPTION_OF = {
    "note": "--note TEXT",
    "reason": "--reason CODE",
    "rollout": "--rollout phased|big-bang",
    "readiness": "--readiness AREA=TEXT (governance, resources, training, communication)",
    "success_criteria_met": "--success-criteria-met",
    "artefact_review": "--kept/--archived NAME=WHERE or --discarded NAME",
    "artefact_inventory": "--kept/--archived NAME=WHERE or --discarded NAME",
    "waived_criteria": "--waive CRITERION",
    "closes": "--closes SERVICE",
    "capacity_waived": "--waive-capacity",
    "communication": "--communication TEXT",
    "superseded_by": "--superseded-by SERVICE",
}
READINESS_AREAS = tuple(area.value for area in ReadinessArea)


@dataclass(frozen=True)
class Evidence:
    """What the person moving the service tells pmoctl about the move."""

    reason: str | None = None
    note: str | None = None
    rollout: str | None = None
    #: the readiness assessment: a statement for each area (:data:`READINESS_AREAS`)
    readiness: Mapping[str, str] | None = None
    #: success criteria not met that the Service Owner waives (pilot -> transition)
    waived_criteria: tuple[str, ...] = ()
    #: the service a set-up decision closes to free capacity (proposed -> design)
    closes: str | None = None
    #: the PMO Director sets the service up although a PMO lacks the capacity
    waive_capacity: bool = False
    #: artefacts of the review on closing: ``NAME=WHERE`` (or ``NAME``) kept or archived,
    #: ``NAME`` discarded
    kept: tuple[str, ...] = ()
    discarded: tuple[str, ...] = ()
    archived: tuple[str, ...] = ()
    communication: str | None = None
    superseded_by: str | None = None
    date: dt.date | None = None

    def artefacts(self) -> list[dict[str, str]]:
        """The inventory of the artefact review, in the order kept, archived, discarded."""
        inventory = []
        for fate, given in (("kept", self.kept), ("archived", self.archived)):
            for text in given:
                name, _, location = text.partition("=")
                item = {"name": name.strip(), "fate": fate}
                if location.strip():
                    item["location"] = location.strip()
                inventory.append(item)
        inventory.extend({"name": name, "fate": "discarded"} for name in self.discarded)
        return inventory


@dataclass
class PlannedMove:
    service: str
    rel: str  # relative to the catalogue root
    repo_rel: str  # relative to the top of the work tree
    source: Stage
    old: bytes
    new: bytes
    mode: int
    #: what the person moving it should know (a service still to be moved to closing)
    notes: list[str] = field(default_factory=list)


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


def _check_readiness(readiness: Mapping[str, str] | None) -> None:
    """Each area of the assessment is known and holds a statement (not "ok")."""
    for area, text in (readiness or {}).items():
        if area not in READINESS_AREAS:
            raise UserError(
                f"--readiness {area!r} is not an area of the readiness assessment",
                hint=did_you_mean(area, READINESS_AREAS, "areas"),
            )
        check_text(f"--readiness {area}", text)
        if text.strip().strip(".!").lower() in _NO_STATEMENT:
            raise UserError(
                f"--readiness {area}={text!r} says nothing about how ready the {area} is",
                hint="state what was assessed, e.g. --readiness training='service desk trained "
                "on the new reports'",
            )


def _refuse_partial_readiness(
    ident: str, spec: lifecycle.MoveSpec, readiness: Mapping[str, str] | None
) -> None:
    if not readiness or "readiness" not in spec.requires:
        return
    absent = [area for area in READINESS_AREAS if area not in readiness]
    if absent:
        raise RecordRefusedError(
            f"{ident}: the readiness assessment lacks "
            + ", ".join(f"--readiness {area}=TEXT" for area in absent),
            hint="the assessment covers governance, resources, training and communication",
        )


#: answers that are no assessment
_NO_STATEMENT = {"ok", "okay", "yes", "y", "done", "ready", "fine", "n/a", "na", "-", "tbd", "todo"}


def _check_artefacts(evidence: Evidence) -> None:
    """Each artefact named, and a discarded one not said to be kept somewhere."""
    for option, given in (("--kept", evidence.kept), ("--archived", evidence.archived)):
        for text in given:
            check_text(option, text)
            name, equals, location = text.partition("=")
            if not name.strip() or (equals and not location.strip()):
                raise UserError(
                    f"{option} {text!r} does not name the artefact and where it is kept",
                    hint=f"write {option} 'NAME=WHERE', e.g. {option} 'Templates=PMO "
                    "SharePoint, Reporting'",
                )
    for name in evidence.discarded:
        check_text("--discarded", name)


def _refuse_successor(ident: str, evidence: Evidence, root: Path) -> None:
    """``--superseded-by`` names another service of the catalogue, on a superseded closure."""
    successor = evidence.superseded_by
    if successor is None:
        return
    if evidence.reason != lifecycle.SUPERSEDED:
        raise UserError(
            "--superseded-by names the successor of a service closed as superseded",
            hint=f"add --reason {lifecycle.SUPERSEDED}, or leave --superseded-by out",
        )
    if successor == ident:
        raise UserError(f"--superseded-by {successor}: a service cannot supersede itself")
    if not (root / "services" / f"{successor}.yaml").is_file():
        raise UserError(
            f"--superseded-by {successor!r}: there is no services/{successor}.yaml",
            hint=did_you_mean(successor, service_ids(root), "services"),
        )


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
    approver = find_person(organisation, approver_id)
    moves: list[PlannedMove] = []
    for ident in ids:
        service_file = read_service(root, repo, ident)
        service = service_file.model
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
        _refuse_partial_readiness(ident, spec, evidence.readiness)
        _refuse_successor(ident, evidence, root)
        record = move_record(source.value, target.value, approver.id, evidence)
        try:
            move = Move.model_validate(record)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(map(str, item['loc']))}: {item['msg']}" for item in error.errors()
            )
            raise UserError(f"the move's evidence is not valid: {problems}") from None
        extra = lifecycle.unexpected_evidence(spec, move, new=True)
        if extra:
            options = ", ".join(_OPTION_OF.get(name, name) for name in extra)
            raise UserError(
                f"{ident}: {options} is not evidence of the move {source.value} -> {target.value}",
                hint="leave it out: each piece of evidence belongs to the move that needs it "
                "(docs/lifecycle.md lists them)",
            )
        absent = lifecycle.missing_evidence(spec, move, new=True)
        if absent:
            options = ", ".join(_OPTION_OF.get(name, name) for name in absent)
            reasons = f"; reasons: {', '.join(spec.reasons)}" if spec.reasons else ""
            raise RecordRefusedError(
                f"{ident}: the move {source.value} -> {target.value} needs evidence: {options}",
                hint=f"{spec.summary}{reasons}",
            )
        lacking = lifecycle.condition_problems(spec, service, move)
        if lacking:
            raise RecordRefusedError(
                f"{ident}: {source.value} -> {target.value} refused: " + "; ".join(lacking),
                hint=_CONDITION_HINT[spec.target],
            )
        signature = sign_move(
            repo, ident, service_file.repo_rel, service_file.old, record,
            people=organisation.people, signing=signing, required=config.signs("move"),
        )  # fmt: skip
        if signature is not None:
            record["signature"] = signature
        change = moved(service_file, target.value, record)
        moves.append(
            PlannedMove(ident, change.rel, change.repo_rel, source, change.old, change.new,
                        change.mode)
        )  # fmt: skip
    services = guard_edits(
        root,
        [FileEdit(m.rel, m.repo_rel, m.old, m.new, m.mode) for m in moves],
        [organisation_file],
        what="move",
        again="the transition",
    )
    if target is Stage.DESIGN and any(m.source is Stage.PROPOSED for m in moves):
        _weigh_capacity(root, organisation, services, moves)
    return moves, approver


_CONDITION_HINT = {
    Stage.PILOT: "agree the success criteria with the service's customers at design: "
    "testing.success_criteria, each with the groups it is agreed_with",
    Stage.TRANSITION: "record what testing showed in testing.results (criterion, met, note); "
    "the Service Owner may waive a criterion not met with --waive CRITERION and a --note",
}


def _weigh_capacity(
    root: Path, organisation: Organisation, moved: dict[str, Service], moves: list[PlannedMove]
) -> None:
    """Refuse a set-up decision that takes a PMO over its capacity (the whole catalogue is
    read: the decision weighs every service's commitment, not the moved file's alone)."""
    others: list[Service] = []
    unknown: list[str] = []
    for rel in list_files(root):
        if kind_of(rel) != "service" or rel.rpartition("/")[2].removesuffix(".yaml") in moved:
            continue
        loaded = load_file(root, rel, "service")
        if loaded.model is None:
            unknown.append(rel)  # validate reports it; the decision is weighed without it
        else:
            others.append(loaded.model)  # type: ignore[arg-type]
    if unknown:
        moves[0].notes.append(
            f"{', '.join(unknown)} did not load: the capacity they commit is not counted"
        )
    for planned in moves:
        service = moved[planned.service]
        move = service.lifecycle.moves[-1]
        if planned.source is not Stage.PROPOSED:
            continue
        if move.closes is not None and not (root / "services" / f"{move.closes}.yaml").is_file():
            raise unknown_service(root, move.closes)
        rest = [*others, *(s for ident, s in moved.items() if ident != planned.service)]
        problems = capacity.set_up_problems(organisation, rest, service, move)
        if problems:
            raise RecordRefusedError(
                f"{planned.service}: the decision to set it up does not fit: "
                + "; ".join(problems),
                hint="name a service it closes to free the capacity (--closes SERVICE), or, as "
                "PMO Director, set it up over capacity with --waive-capacity and a --note "
                "saying why",
            )
        closed = next((s for s in rest if s.id == move.closes), None)
        if closed is not None and closed.lifecycle.stage is not Stage.CLOSING:
            planned.notes.append(
                f"{move.closes} is {closed.lifecycle.stage.value}: move it to closing in the same "
                "pull request, or its capacity still counts (pmoctl check reports it)"
            )


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
        "closes": evidence.closes,
        "capacity_waived": True if evidence.waive_capacity else None,
        "rollout": evidence.rollout,
        "readiness": dict(evidence.readiness) if evidence.readiness else None,
        "waived_criteria": list(evidence.waived_criteria) or None,
    }
    record["communication"] = evidence.communication
    record["superseded_by"] = evidence.superseded_by
    artefacts = evidence.artefacts()
    if artefacts:  # a review that names no artefact is no review
        record["artefact_review"] = {"reviewed_by": approver_id, "artefacts": artefacts}
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
    _check_readiness(evidence.readiness)
    if evidence.waived_criteria:
        check_ids(list(evidence.waived_criteria), what="success criterion")
    if evidence.closes is not None:
        check_ids([evidence.closes])
    check_text("--communication", evidence.communication)
    _check_artefacts(evidence)
    if evidence.superseded_by is not None:
        check_ids([evidence.superseded_by])
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
    notes = [note for m in planned for note in m.notes] + list(done.notes)
    return Outcome(planned, stage, diff(edits), done.commit, done.recovered, notes, signed)
