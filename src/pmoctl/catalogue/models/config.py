"""pmoctl.yaml: the catalogue's own settings. Its presence marks the catalogue root."""

from typing import Annotated, Literal

from pydantic import Field, StrictInt, StringConstraints

from pmoctl.catalogue.escalation import DEFAULT_ISSUE_DAYS
from pmoctl.catalogue.models.common import (
    FORMAT_HELP,
    KIND_HELP,
    FormatVersion,
    Model,
    ReviewCadence,
    ShortText,
)

RuleId = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9-]{1,40}$")]


class RuleSetting(Model):
    severity: Literal["error", "warning", "off"] = Field(
        description="The severity of that rule's findings in this catalogue."
    )


class RenderSettings(Model):
    templates: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9._-][A-Za-z0-9._/-]*$",
        description=(
            "A folder, relative to the catalogue, whose templates replace the built-in ones of "
            "the same name."
        ),
    )
    title: ShortText | None = Field(
        default=None, description="The title of the rendered site (default: `name`)."
    )


#: the decisions whose records can carry a signature (docs/signing.md): a stage move, and
#: the decisions of ``catalogue.decisions.DECISIONS`` by their ids
SignedKind = Literal[
    "move",
    "appoint-owner",
    "appoint-manager",
    "appoint-operative",
    "decide-change",
    "implement-change",
    "record-reading",
    "record-review",
]


class ApprovalPolicy(Model):
    signed: list[SignedKind] = Field(
        default=[],
        description=(
            "The kinds of decision that must be signed: `move`, `appoint-owner`, "
            "`appoint-manager`, `appoint-operative`, `decide-change`, `implement-change`, "
            "`record-reading`, `record-review`."
        ),
    )


class ReviewSettings(Model):
    cadence: ReviewCadence | None = Field(
        default=None,
        description=(
            "How often each running service is reviewed (a service's `review_cadence` "
            "overrides it); without it, only services with a `review_cadence` are "
            "checked (rule REVIEW-DUE)."
        ),
    )


class EscalationSettings(Model):
    issue_days: StrictInt = Field(
        default=DEFAULT_ISSUE_DAYS,
        ge=1,
        le=3650,
        description=(
            "Days an issue may stay open before it must be escalated to service ownership "
            f"(finding ESCALATION-ISSUE; default {DEFAULT_ISSUE_DAYS})."
        ),
    )


class Config(Model):
    format: FormatVersion = Field(description=FORMAT_HELP)
    kind: Literal["config"] = Field(description=KIND_HELP)
    name: ShortText = Field(
        description="The catalogue's name, shown in reports and on the rendered site."
    )
    rules: dict[RuleId, Literal["off", "error", "warning"] | RuleSetting] = Field(
        default={},
        description=(
            "Severity overrides by rule id (`pmoctl rules` lists them): `error`, `warning` or "
            "`off`, or a mapping with `severity`."
        ),
    )
    render: RenderSettings = Field(
        default=RenderSettings(), description="Settings of `pmoctl render`."
    )
    approvals: Literal["signed", "unsigned"] | ApprovalPolicy = Field(
        default="unsigned",
        description=(
            "Whether decisions must carry their approver's signature: `signed` (every kind "
            "that can be signed), `unsigned` (none), or `{signed: [move]}` for some kinds. "
            "`pmoctl check` reads it from the base branch."
        ),
    )
    reviews: ReviewSettings = Field(
        default=ReviewSettings(), description="Service reviews: how often they are due."
    )
    escalation: EscalationSettings = Field(
        default=EscalationSettings(), description="When risks and issues must reach ownership."
    )
    max_file_bytes: StrictInt = Field(
        default=262_144,
        ge=1024,
        le=4_194_304,
        description="The largest file pmoctl reads, in bytes (finding FILE-SIZE).",
    )

    def signs(self, kind: str) -> bool:
        """Whether decisions of ``kind`` must be signed in this catalogue."""
        if isinstance(self.approvals, ApprovalPolicy):
            return kind in self.approvals.signed
        return self.approvals == "signed"
