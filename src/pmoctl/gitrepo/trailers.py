"""The commit message of a transition: written by ``transition``, read back by ``history``
and ``check``. Pure text, no git run: the trailers follow git's own trailer format.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_TRAILER = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]*):[ \t]*(.*?)[ \t]*$")
#: a stage is named like an id (lower-case letters, digits, inner hyphens), whatever the
#: stages are: a name the format allows is never dropped from a move
_STAGE = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_MOVE_VALUE = re.compile(rf"^([a-z0-9][a-z0-9-]*) ({_STAGE}) -> ({_STAGE})$")


@dataclass(frozen=True)
class ServiceMove:
    service: str
    source: str
    target: str


@dataclass
class TransitionTrailers:
    """What a transition commit records, read back from its message."""

    moves: list[ServiceMove]
    approved_by: str | None = None
    approver_id: str | None = None
    reason: str | None = None
    #: the body between the subject and the trailers (the move's note)
    note: str | None = None
    subject: str = ""


def transition_message(
    moves: Sequence[ServiceMove],
    *,
    approved_by: str,
    approver_id: str,
    reason: str | None = None,
    note: str | None = None,
) -> str:
    """The commit message of a transition (ids and stages are validated by the caller)."""
    target = moves[0].target
    if len(moves) == 1:
        subject = f"transition({moves[0].service}): {moves[0].source} -> {target}"
    else:
        subject = f"transition({len(moves)} services): -> {target}"
    trailers = [f"Service-Transition: {m.service} {m.source} -> {m.target}" for m in moves]
    trailers += [f"Approved-by: {approved_by}", f"Approver-Id: {approver_id}"]
    if reason:
        trailers.append(f"Reason: {reason}")
    body = [subject]
    if note and note.strip():
        body.append(note.strip())
    body.append("\n".join(trailers))
    return "\n\n".join(body) + "\n"


def parse_trailers(message: str) -> TransitionTrailers | None:
    """The moves, approver and reason of a transition commit; None for any other commit.

    Only the last paragraph is read as trailers (as git does), so a note cannot forge one.
    """
    paragraphs = [p.strip("\n") for p in re.split(r"\n[ \t]*\n", message.strip()) if p.strip()]
    if len(paragraphs) < 2:
        return None
    found = TransitionTrailers(moves=[], subject=paragraphs[0].splitlines()[0])
    for line in paragraphs[-1].splitlines():
        match = _TRAILER.match(line)
        if match is None:
            continue
        key, value = match.group(1).lower(), match.group(2)
        if key == "service-transition" and (move := _MOVE_VALUE.match(value)):
            found.moves.append(ServiceMove(*move.groups()))
        elif key == "approved-by":
            found.approved_by = value
        elif key == "approver-id":
            found.approver_id = value
        elif key == "reason":
            found.reason = value
    if not found.moves:
        return None
    note = "\n\n".join(paragraphs[1:-1]).strip()
    found.note = note or None
    return found


_KIND = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_DECISION_VALUE = re.compile(rf"^({_KIND}) ([a-z0-9][a-z0-9-]*)$")


@dataclass
class DecisionTrailers:
    """What the commit of a decision other than a move records, read back from its message."""

    kind: str
    services: list[str]
    approved_by: str | None = None
    approver_id: str | None = None
    note: str | None = None
    subject: str = ""


def decision_message(
    kind: str,
    services: Sequence[str],
    subject: str,
    *,
    approved_by: str | None,
    approver_id: str | None,
    note: str | None = None,
) -> str:
    """The commit message of a decision (``kind`` and ids are validated by the caller)."""
    scope = services[0] if len(services) == 1 else f"{len(services)} services"
    trailers = [f"Service-Decision: {kind} {service}" for service in services]
    if approved_by and approver_id:
        trailers += [f"Approved-by: {approved_by}", f"Approver-Id: {approver_id}"]
    body = [f"{kind}({scope}): {subject}"]
    if note and note.strip():
        body.append(note.strip())
    body.append("\n".join(trailers))
    return "\n\n".join(body) + "\n"


def parse_decision(message: str) -> DecisionTrailers | None:
    """The kind, services and approver of a decision commit; None for any other commit.

    As for a transition, only the last paragraph is read as trailers, and every
    ``Service-Decision`` trailer must name the same kind.
    """
    paragraphs = [p.strip("\n") for p in re.split(r"\n[ \t]*\n", message.strip()) if p.strip()]
    if len(paragraphs) < 2:
        return None
    kinds: set[str] = set()
    found = DecisionTrailers(kind="", services=[], subject=paragraphs[0].splitlines()[0])
    for line in paragraphs[-1].splitlines():
        match = _TRAILER.match(line)
        if match is None:
            continue
        key, value = match.group(1).lower(), match.group(2)
        if key == "service-decision" and (decision := _DECISION_VALUE.match(value)):
            kinds.add(decision.group(1))
            found.services.append(decision.group(2))
        elif key == "approved-by":
            found.approved_by = value
        elif key == "approver-id":
            found.approver_id = value
    if len(kinds) != 1:
        return None
    found.kind = kinds.pop()
    note = "\n\n".join(paragraphs[1:-1]).strip()
    found.note = note or None
    return found
