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
    #: a proposal the PMO Director decided not to set up (it can be proposed again)
    REJECTED = "rejected"


class ReadinessArea(StrEnum):
    """What the organisation readiness assessment at sign-off (pilot -> transition) covers."""

    GOVERNANCE = "governance"
    RESOURCES = "resources"
    TRAINING = "training"
    COMMUNICATION = "communication"


class Rollout(StrEnum):
    """How a service goes live at the move from pilot to transition."""

    PHASED = "phased"
    BIG_BANG = "big-bang"


class ChangeKind(StrEnum):
    """Where a change to a running service comes from."""

    #: asked for by a customer, a stakeholder or the PMO
    CHANGE_REQUEST = "change-request"
    #: a continuous improvement proposed by the Service Manager
    IMPROVEMENT = "improvement"


class ChangeReason(StrEnum):
    """Why a running service changes."""

    BUSINESS_CONTEXT = "business-context"
    FEEDBACK = "feedback"
    POLICY = "policy"
    TOOLS = "tools"


class ChangeStatus(StrEnum):
    """Where a change request stands: proposed, then approved or rejected; approved, then
    implemented."""

    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"
    IMPLEMENTED = "implemented"
