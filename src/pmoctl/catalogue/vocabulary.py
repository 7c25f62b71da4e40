"""Closed lists of values the catalogue format and the command line share.

Declared here, without pydantic, so that the command line can offer them as choices
without loading the models (``pmoctl --help`` stays light); the models use the same enums.
"""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    """The lifecycle stages of a service, in order."""

    PROPOSED = "proposed"
    DESIGN = "design"
    PILOT = "pilot"
    TRANSITION = "transition"
    RUNNING = "running"
    CLOSING = "closing"
    CLOSED = "closed"


class Rollout(StrEnum):
    """How a service goes live at the move from pilot to transition."""

    PHASED = "phased"
    BIG_BANG = "big-bang"
