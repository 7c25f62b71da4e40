"""The lifecycle recorded in each service: what its stage requires, and how it got there.

The stage graph, the evidence each move needs and what each stage requires are declared
in :mod:`pmoctl.catalogue.lifecycle`; these rules apply them to the files.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING

from pmoctl.catalogue import appointments, lifecycle
from pmoctl.catalogue.models import Stage
from pmoctl.catalogue.models.common import ClosureReason
from pmoctl.findings import DocPath, Pending, Severity
from pmoctl.rules import Partial, Rule
from pmoctl.rules._common import any_broken, finding, people, procedures, services
from pmoctl.runtime import today as runtime_today
from pmoctl.yaml.loader import LoadError, read_bytes

if TYPE_CHECKING:
    from pmoctl.catalogue.files import Catalogue
    from pmoctl.catalogue.models import Move, Person, Service

#: requirements that are evidence on a move: LIFECYCLE-MOVES checks them once a move exists
_MOVE_EVIDENCE = {Stage.CLOSING: "closure-reason", Stage.CLOSED: "artefact-review"}

_SUPERSEDED = ClosureReason.SUPERSEDED.value

_HOW_TO_ADD = {
    "owner": "appoint one: pmoctl appoint SERVICE --owner PERSON --approved-by PMO-DIRECTOR",
    "managers": "appoint one: pmoctl appoint SERVICE --manager PERSON --approved-by PMO-DIRECTOR",
    "processes": "describe each process of the service as a SIPOC row in its processes list",
    "procedures": "list this service's id in the services of a procedure in procedures/",
    "kpis": "add a KPI to the service's kpis list, with its measure, unit, direction and frequency",
    "kpi-targets": "give every KPI a target value, in the KPI's unit",
    "closure-reason": "record the move into closing with a reason: "
    + ", ".join(lifecycle.CLOSURE_REASONS),
    "artefact-review": "record the move into closed with an artefact_review",
}


def _stage_complete(catalogue: Catalogue) -> Iterator[Pending]:
    supporting: Counter[str] = Counter()
    for _, procedure in procedures(catalogue):
        supporting.update(set(procedure.services))
    broken = _broken_procedures(catalogue)
    for path, service in services(catalogue):
        stage = service.lifecycle.stage
        stem = path.rsplit("/", 1)[-1].removesuffix(".yaml")
        listed = supporting[service.id] + (supporting[stem] if stem != service.id else 0)
        # a broken procedure file that names this service may be the one supporting it:
        # do not guess (the transition's guard loads the same files, by the same search)
        names = {service.id.encode(), stem.encode()}
        unknown = any(data is None or any(n in data for n in names) for data in broken)
        count = 1 if unknown else listed
        for requirement in lifecycle.missing(service, stage, count):
            if requirement.id == _MOVE_EVIDENCE.get(stage) and _moved_into(service, stage):
                continue
            yield finding(
                path,
                _where(service, requirement),
                "STAGE-COMPLETE",
                f"a {stage.value} service needs {requirement.description}",
                _HOW_TO_ADD.get(requirement.id, "").replace("SERVICE", service.id),
            )
    yield from _superseded_without_successor(catalogue)


def _broken_procedures(catalogue: Catalogue) -> list[bytes | None]:
    """The bytes of every procedure file that did not load (None: it cannot be read)."""
    result: list[bytes | None] = []
    for rel in sorted(catalogue.broken):
        if rel.startswith("procedures/"):
            try:
                result.append(read_bytes(catalogue.root, rel))
            except LoadError:
                result.append(None)
    return result


def _superseded_without_successor(catalogue: Catalogue) -> Iterator[Pending]:
    """A service closed as superseded must be named by its successor's ``supersedes``: the
    successor its closure names (``superseded_by``), or, on a closure recorded without one,
    any service."""
    loaded = {path.rsplit("/", 1)[-1].removesuffix(".yaml") for path, _ in services(catalogue)}
    # a service file that is not loaded (broken, or not read by the transition's guard)
    # may be the unnamed successor: do not guess
    everything = not (catalogue.service_ids - loaded or any_broken(catalogue, "services"))
    named = {old for _, service in services(catalogue) for old in service.supersedes}
    for path, service in services(catalogue):
        if service.lifecycle.stage not in lifecycle.RETIRED:
            continue
        index = _last_move_index(service, Stage.CLOSING)
        if index is None or service.lifecycle.moves[index].reason != _SUPERSEDED:
            continue
        successor = service.lifecycle.moves[index].superseded_by
        if successor is not None:
            yield from _named_successor(catalogue, path, service, index, successor)
            continue
        if not everything or service.id in named:
            continue
        yield finding(
            path,
            ("lifecycle", "moves", index, "reason"),
            "STAGE-COMPLETE",
            "this service was closed as superseded, but no service lists it in supersedes",
            f"add {service.id} to supersedes in the service that replaced it, or record the "
            "closure reason that applies",
        )


def _named_successor(
    catalogue: Catalogue, path: str, service: Service, index: int, successor: str
) -> Iterator[Pending]:
    at: DocPath = ("lifecycle", "moves", index, "superseded_by")
    if successor == service.id:
        yield finding(
            path, at, "STAGE-COMPLETE", "a service cannot be superseded by itself",
            "name the service that replaces it",
        )  # fmt: skip
        return
    # the guard loads the services a moved file names, so the successor is here if it loads
    replacement = catalogue.services.get(successor)
    if replacement is None or service.id in replacement.supersedes:
        return  # REF-SERVICE, or the successor's file has errors of its own
    yield finding(
        path,
        at,
        "STAGE-COMPLETE",
        f"this service was closed as superseded by {successor}, which does not list it in "
        "supersedes",
        f"add {service.id} to supersedes in services/{successor}.yaml",
    )


def _last_move_index(service: Service, stage: Stage) -> int | None:
    moves = service.lifecycle.moves
    return next((i for i in reversed(range(len(moves))) if moves[i].to is stage), None)


def _where(service: Service, requirement: lifecycle.Requirement) -> DocPath:
    doc_path = requirement.doc_path
    if requirement.id == "kpi-targets":
        first = next(i for i, kpi in enumerate(service.kpis) if kpi.target is None)
        return ("kpis", first)
    # point at the stage when the part is absent from the file altogether
    if doc_path[0] in service.model_fields_set:
        return doc_path
    return ("lifecycle", "stage")


def _moved_into(service: Service, stage: Stage) -> bool:
    return any(move.to is stage for move in service.lifecycle.moves)


def _temporary_service(catalogue: Catalogue) -> Iterator[Pending]:
    today = runtime_today()
    for path, service in services(catalogue):
        temporary = service.temporary
        if temporary is None:
            continue
        if temporary.supports is None:
            yield finding(
                path,
                ("temporary",),
                "TEMPORARY-SERVICE",
                "a temporary service must name the service it supports",
                "add temporary.supports: SERVICE-ID",
                at_key=True,
            )
        elif temporary.supports == service.id:
            yield finding(
                path,
                ("temporary", "supports"),
                "TEMPORARY-SERVICE",
                "a temporary service cannot support itself",
                "name the service whose change this one supports",
            )
        elif service.lifecycle.stage in (Stage.TRANSITION, Stage.RUNNING) and (
            (supported := _stage_of(catalogue, temporary.supports)) in lifecycle.RETIRED
        ):
            assert supported is not None
            yield finding(
                path,
                ("temporary", "supports"),
                "TEMPORARY-SERVICE",
                f"this temporary service is {service.lifecycle.stage.value}, but the service "
                f"it supports, {temporary.supports!r}, is {supported.value}",
                "close this service with it (it closes by the time the service it supports "
                "does), or name the service it supports now",
                severity=Severity.WARNING,
            )
        if temporary.end_date is None:
            yield finding(
                path,
                ("temporary",),
                "TEMPORARY-SERVICE",
                "a temporary service must have an end date",
                "add temporary.end_date: YYYY-MM-DD",
                at_key=True,
            )
        elif service.lifecycle.stage in (Stage.TRANSITION, Stage.RUNNING) and (
            temporary.end_date < today
        ):
            yield finding(
                path,
                ("temporary", "end_date"),
                "TEMPORARY-SERVICE",
                f"this temporary service is {service.lifecycle.stage.value} past its end date "
                f"{temporary.end_date.isoformat()}",
                "close it (reason end-date-reached) or agree a later end date",
                severity=Severity.WARNING,
            )


def _stage_of(catalogue: Catalogue, ident: str) -> Stage | None:
    supported = catalogue.services.get(ident)
    return supported.lifecycle.stage if supported is not None else None


def _lifecycle_moves(catalogue: Catalogue) -> Iterator[Pending]:
    known = people(catalogue)
    for path, service in services(catalogue):
        yield from _moves_of(path, service, known)


def _moves_of(path: str, service: Service, known: dict[str, Person] | None) -> Iterator[Pending]:
    moves = service.lifecycle.moves
    stage = service.lifecycle.stage
    if not moves:
        if stage is not Stage.PROPOSED:
            yield finding(
                path,
                ("lifecycle", "stage"),
                "LIFECYCLE-MOVES",
                f"the service is {stage.value} but no move into that stage is recorded",
                "move it with `pmoctl transition`, which records each move and its approval",
            )
        return
    previous = None
    for index, move in enumerate(moves):
        where: DocPath = ("lifecycle", "moves", index)
        if previous is not None and move.from_ is not previous.to:
            yield finding(
                path,
                (*where, "from"),
                "LIFECYCLE-MOVES",
                f"move {index + 1} starts from {move.from_.value}, but the move before it "
                f"ended in {previous.to.value}",
                "moves are recorded in order, each starting where the previous one ended",
            )
        if previous is not None and move.date < previous.date:
            yield finding(
                path,
                (*where, "date"),
                "LIFECYCLE-MOVES",
                f"move {index + 1} is dated {move.date.isoformat()}, before the move "
                f"before it ({previous.date.isoformat()})",
                "moves are recorded in date order",
            )
        previous = move
        spec = lifecycle.move_spec(move.from_, move.to)
        if spec is None:
            allowed = ", ".join(target.value for target in lifecycle.targets(move.from_))
            yield finding(
                path,
                (*where, "to"),
                "LIFECYCLE-MOVES",
                f"a service cannot move from {move.from_.value} to {move.to.value}",
                f"from {move.from_.value} it can move to: {allowed}",
            )
            continue
        yield from _evidence_findings(path, where, spec, move)
        approver = known.get(move.approved_by) if known is not None else None
        # the owner of the time, where appointments record who it was
        then = appointments.as_of(service, move.date)
        owner_unknown = known is not None and then.roles.owner not in (None, *known)
        if approver is not None and not (spec.approver == "service-owner" and owner_unknown):
            problem = lifecycle.approver_problem(spec, approver, then)
            if problem is not None:
                yield finding(
                    path, (*where, "approved_by"), "LIFECYCLE-MOVES", problem, _approver_hint(spec)
                )
    if moves[-1].to is not stage:
        yield finding(
            path,
            ("lifecycle", "stage"),
            "LIFECYCLE-MOVES",
            f"the stage is {stage.value}, but the last recorded move ends in {moves[-1].to.value}",
            "change the stage only with `pmoctl transition`, which records the move",
        )


def _evidence_findings(
    path: str, where: DocPath, spec: lifecycle.MoveSpec, move: Move
) -> Iterator[Pending]:
    """Missing evidence: an error, but a warning for the evidence asked only of moves made
    since the record (:attr:`pmoctl.catalogue.lifecycle.MoveSpec.later`)."""
    now = lifecycle.missing_evidence(spec, move)
    later = lifecycle.later_gaps(spec, move)
    step = f"{move.from_.value} -> {move.to.value}"
    if now:
        yield finding(
            path,
            where,
            "LIFECYCLE-MOVES",
            f"the move {step} lacks its evidence: " + ", ".join(now),
            _evidence_hint(spec, now),
        )
    if later:
        yield finding(
            path,
            where,
            "LIFECYCLE-MOVES",
            f"the move {step} was recorded without " + ", ".join(later) + ", which a move "
            "made now records",
            _evidence_hint(spec, later),
            severity=Severity.WARNING,
        )
    unplaced = lifecycle.unplaced_artefacts(move)
    if unplaced:
        shown = ", ".join(repr(name) for name in unplaced[:3])
        more = f" and {len(unplaced) - 3} more" if len(unplaced) > 3 else ""
        yield finding(
            path,
            (*where, "artefact_review"),
            "LIFECYCLE-MOVES",
            f"the artefact review does not say where {shown}{more} is kept",
            "list each artefact under artefacts: with fate kept or archived and its location",
            severity=Severity.WARNING,
        )


_LATER_HINTS = {
    "communication": "add communication: how the closure is told to customers and stakeholders",
    "superseded_by": "add superseded_by: the id of the service that replaces it",
    "artefact_inventory": "add artefacts: [{name, fate: kept|archived|discarded, location}] "
    "to the artefact_review",
}


def _evidence_hint(spec: lifecycle.MoveSpec, absent: list[str]) -> str:
    parts = []
    if "reason" in absent and spec.reasons is not None:
        parts.append("set reason: to one of " + ", ".join(spec.reasons))
    if "success_criteria_met" in absent:
        parts.append("set success_criteria_met: true once the success criteria are met")
    parts.extend(_LATER_HINTS[name] for name in absent if name in _LATER_HINTS)
    others = [
        name
        for name in absent
        if name not in ("reason", "success_criteria_met") and name not in _LATER_HINTS
    ]
    if others:
        parts.append("add " + ", ".join(others))
    return "; ".join(parts)


def _approver_hint(spec: lifecycle.MoveSpec) -> str:
    if spec.approver == "pmo-director":
        return "a PMO Director approves this move"
    return "the Service Owner (roles.owner) approves this move"


RULES = [
    Rule(
        "STAGE-COMPLETE",
        Severity.ERROR,
        "A service lacks what its lifecycle stage requires",
        "Each stage requires more of a service. In design it has an owner and at least one "
        "manager; in pilot also its processes (SIPOC) and a handbook procedure that lists it; "
        "in transition also KPIs; running, KPIs with targets. A closing service names the "
        "closure reason on its move into closing, and a closed one records the artefact "
        "review. The requirements are declared once, in pmoctl's lifecycle, and `pmoctl "
        "transition` refuses a move that would leave the service short of them. A service "
        "closed as superseded must also be listed in its successor's `supersedes`, so that "
        "the catalogue leads from the old service to the new one. A closure recorded with "
        "`superseded_by` names the successor, which must list it (the transition checks this: "
        "add the old service to the successor's `supersedes` first); on a closure recorded "
        "without it, any service listing it will do, which validate checks on the whole "
        "catalogue.",
        _stage_complete,
        # the guard loads every procedure that names the service; whether a
        # successor lists a superseded service needs every file, and is left to validate
        partial=Partial.YES,
    ),
    Rule(
        "TEMPORARY-SERVICE",
        Severity.ERROR,
        "A temporary service lacks its end date or the service it supports",
        "A temporary supporting service (for instance training or coaching while a new "
        "service is rolled out) exists for a while and for another service: `temporary:` "
        "gives its `end_date` and the service it `supports`. A temporary service still in "
        "transition or running after its end date is a warning: close it or agree a new date. "
        "So is one still in transition or running when the service it supports is closing "
        "or closed: a temporary service closes by the time the service it supports does.",
        _temporary_service,
        # the supported service is named, so the guard loads it
        partial=Partial.YES,
    ),
    Rule(
        "LIFECYCLE-MOVES",
        Severity.ERROR,
        "The recorded lifecycle moves are not a legal, approved chain",
        "`lifecycle.moves` records how the service reached its stage. Each move starts where "
        "the previous one ended, is dated no earlier than it, is an allowed move (no stage "
        "skipped), carries the evidence the move needs (a note, a closure reason, a readiness "
        "assessment...) and is approved by the right person: the PMO Director for the "
        "decision to set a service up, the Service Owner otherwise (the owner on the move's "
        "date, where `roles.appointments` records who that was). The last move ends in the "
        "current stage, and a service past `proposed` has at least one move. `pmoctl "
        "transition` writes moves that pass; this rule catches hand edits.",
        _lifecycle_moves,
        partial=Partial.YES,
    ),
]
