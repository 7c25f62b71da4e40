"""How risks and issues escalate, as data: from service operations to service management to
service ownership, and what must reach ownership. No I/O.

The models' ``escalated_to`` fields, the escalation rules (:mod:`pmoctl.rules.escalation`),
pmoctl.yaml's ``escalation`` settings and docs/lifecycle.md all read these declarations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

#: how far a risk or an issue has been escalated, lowest first
EscalationLevel = Literal["operations", "management", "ownership"]
LEVELS: tuple[EscalationLevel, ...] = get_args(EscalationLevel)
#: the level at which the Service Owner deals with it
OWNERSHIP: EscalationLevel = "ownership"

#: days an issue may stay open before it must be escalated to ownership, unless pmoctl.yaml
#: sets `escalation: {issue_days: N}`
DEFAULT_ISSUE_DAYS = 30


@dataclass(frozen=True)
class Level:
    level: EscalationLevel
    #: who deals with a risk or issue at this level
    handled_by: str
    meaning: str


LEVEL_TABLE: tuple[Level, ...] = (
    Level("operations", "Service Operatives", "dealt with where the service's work is done"),
    Level("management", "Service Managers", "beyond what the operatives can settle"),
    Level(
        "ownership",
        "the Service Owner",
        "a high-impact risk, a red KPI or an issue open too long: the owner decides",
    ),
)
assert tuple(level.level for level in LEVEL_TABLE) == LEVELS


def reached(level: EscalationLevel | None, wanted: EscalationLevel) -> bool:
    """Whether ``level`` is ``wanted`` or higher (None: not escalated at all)."""
    return level is not None and LEVELS.index(level) >= LEVELS.index(wanted)


def levels_table() -> str:
    """The levels as a Markdown table (docs/lifecycle.md; a test keeps the two in step)."""
    rows = ["| Level (`escalated_to`) | Dealt with by | Meaning |", "|---|---|---|"]
    rows.extend(f"| {item.level} | {item.handled_by} | {item.meaning} |" for item in LEVEL_TABLE)
    return "\n".join(rows) + "\n"
