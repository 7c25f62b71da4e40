"""services/<id>.yaml: one PMO service."""

import datetime as dt
from enum import StrEnum
from typing import Literal

from pydantic import Field, StrictBool

from pmoctl.catalogue.models.common import (
    ClosureReason,
    FormatVersion,
    Fte,
    Id,
    Model,
    ShortText,
    Stage,
    Text,
    Url,
)


class Scope(StrEnum):
    PROJECT = "project"
    PROGRAMME = "programme"
    MULTIPLE = "multiple-projects-or-programmes"
    PORTFOLIO = "portfolio"
    ORGANISATION = "organisation"


class Sourcing(Model):
    model: Literal["internal", "partly-outsourced", "outsourced"]
    supplier: ShortText | None = Field(default=None, description="Who the work is outsourced to.")
    outsourced_part: Text | None = None


class Delivery(Model):
    pmos: list[Id] = Field(min_length=1, description="The PMOs that deliver the service.")
    sourcing: Sourcing = Sourcing(model="internal")


class Manager(Model):
    person: Id
    pmo: Id | None = None


class Roles(Model):
    owner: Id | None = None
    managers: list[Manager] = []
    operatives: list[Id] = []


class CapacityNeed(Model):
    pmo: Id
    fte: Fte


class Needs(Model):
    competence: list[ShortText] = []
    governance: list[ShortText] = []
    infrastructure: list[ShortText] = []
    capacity: list[CapacityNeed] = []


class Funding(Model):
    model: Literal["central", "recharged", "project-funded", "mixed"]
    annual_budget: float | None = Field(default=None, ge=0)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    recharge_basis: Text | None = None


class Temporary(Model):
    supports: Id | None = Field(default=None, description="The service this one supports.")
    end_date: dt.date | None = None


class StrategyFit(Model):
    objectives: list[Id] = []
    scores: dict[Id, int] = Field(default={}, description="Criterion id to a score from 1.")


class ServiceLevel(Model):
    name: ShortText
    target: ShortText


class InputSource(Model):
    service: Id
    output: ShortText


class ProcessInput(Model):
    name: ShortText
    quality: list[ShortText] = []
    trigger: StrictBool = False
    source: InputSource | None = Field(
        default=None, description="Another service's process output that feeds this input."
    )


class ProcessOutput(Model):
    name: ShortText
    quality: list[ShortText] = []


class Process(Model):
    """One SIPOC row."""

    id: Id
    name: ShortText
    suppliers: list[ShortText] = Field(min_length=1)
    inputs: list[ProcessInput] = Field(min_length=1)
    steps: list[ShortText] = Field(min_length=1)
    outputs: list[ProcessOutput] = Field(min_length=1)
    customers: list[ShortText] = Field(min_length=1)


class Thresholds(Model):
    """Red/amber/green: at or beyond ``green`` is green, at or beyond ``amber`` amber."""

    green: float
    amber: float


class Reading(Model):
    date: dt.date
    value: float
    note: ShortText | None = None


class Kpi(Model):
    id: Id
    name: ShortText
    measure: Text
    unit: ShortText
    target: float | None = None
    direction: Literal["higher-is-better", "lower-is-better"]
    frequency: Literal["weekly", "monthly", "quarterly", "annually"]
    thresholds: Thresholds | None = None
    reported_by: Id | None = None
    readings: list[Reading] = []


class Level(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Risk(Model):
    id: Id
    title: ShortText
    likelihood: Level
    impact: Level
    status: Literal["open", "mitigating", "closed"]
    owner: Id | None = None
    mitigation: Text | None = None
    escalated_to: Literal["operations", "management", "ownership"] | None = None


class Issue(Model):
    id: Id
    title: ShortText
    raised: dt.date
    status: Literal["open", "resolved"]
    owner: Id | None = None
    escalated_to: Literal["operations", "management", "ownership"] | None = None


class ChangeRequest(Model):
    id: Id
    title: ShortText
    requested_by: Id
    date: dt.date
    status: Literal["proposed", "approved", "rejected", "implemented"]
    approved_by: Id | None = None


class ArtefactReview(Model):
    reviewed_by: Id
    kept: list[ShortText] = []
    discarded: list[ShortText] = []


class Move(Model):
    """One lifecycle move, written by `pmoctl transition`."""

    from_: Stage = Field(alias="from")
    to: Stage
    date: dt.date
    approved_by: Id
    reason: str | None = Field(default=None, pattern=r"^[a-z0-9-]{1,64}$")
    note: Text | None = None
    rollout: Literal["phased", "big-bang"] | None = None
    readiness: Text | None = Field(default=None, description="Organisation readiness assessment.")
    success_criteria_met: StrictBool | None = None
    artefact_review: ArtefactReview | None = None


class Lifecycle(Model):
    stage: Stage
    moves: list[Move] = []


class Service(Model):
    format: FormatVersion
    kind: Literal["service"]
    id: Id
    name: ShortText
    category: ShortText
    summary: ShortText
    description: Text | None = None
    outputs: list[ShortText] = []
    outcome: Text | None = None
    customers: list[Id] = []
    stakeholders: list[Id] = []
    scope: Scope
    delivery: Delivery
    roles: Roles = Roles()
    needs: Needs = Needs()
    funding: Funding | None = None
    temporary: Temporary | None = Field(
        default=None, description="Present when this is a temporary supporting service."
    )
    strategy: StrategyFit = StrategyFit()
    request: Text | None = Field(default=None, description="How a customer requests the service.")
    links: list[Url] = []
    service_levels: list[ServiceLevel] = []
    processes: list[Process] = []
    kpis: list[Kpi] = []
    risks: list[Risk] = []
    issues: list[Issue] = []
    change_requests: list[ChangeRequest] = []
    supersedes: list[Id] = []
    lifecycle: Lifecycle


ClosureReasons = frozenset(reason.value for reason in ClosureReason)
