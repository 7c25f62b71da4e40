"""services/<id>.yaml: one PMO service."""

import datetime as dt
from enum import StrEnum
from typing import Literal

from pydantic import Field, StrictBool, StrictFloat, StrictInt

from pmoctl.catalogue.escalation import EscalationLevel
from pmoctl.catalogue.models.common import (
    FORMAT_HELP,
    KIND_HELP,
    MONTH_PATTERN,
    ChangeKind,
    ChangeReason,
    ChangeStatus,
    ClosureReason,
    FormatVersion,
    Fte,
    Id,
    Model,
    ReviewCadence,
    ShortText,
    Signature,
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
    model: Literal["internal", "partly-outsourced", "outsourced"] = Field(
        description="Internal, partly or wholly outsourced."
    )
    supplier: ShortText | None = Field(
        default=None, description="Who it is outsourced to (required unless internal)."
    )
    outsourced_part: Text | None = Field(default=None, description="Which part is outsourced.")


class Delivery(Model):
    pmos: list[Id] = Field(min_length=1, description="The PMOs that deliver it (ids).")
    sourcing: Sourcing = Field(
        default=Sourcing(model="internal"), description="Whether any of it is outsourced."
    )


class Manager(Model):
    person: Id = Field(
        description="The manager (person id); typically a PMO Manager or PMO Analyst."
    )
    pmo: Id | None = Field(
        default=None, description="The PMO this manager manages it for (one of `delivery.pmos`)."
    )


class Appointment(Model):
    """One decision on a service role, as `pmoctl appoint` records it."""

    role: Literal["owner", "manager", "operative"] = Field(
        description="The role: Service Owner, Service Manager or Service Operative."
    )
    person: Id = Field(description="Who is appointed (or, with `removed`, who leaves the role).")
    pmo: Id | None = Field(
        default=None,
        description="For a manager: the PMO they manage the service for (one of `delivery.pmos`).",
    )
    date: dt.date = Field(description="When it was decided.")
    approved_by: Id = Field(
        description=(
            "Who decided (person id): a PMO Director for owners and managers, the Service Owner or"
            " a Service Manager for operatives."
        )
    )
    agreed_with: Id | None = Field(
        default=None,
        description=(
            "For a manager: the PMO Manager of that PMO who agreed the appointment (required when"
            " the PMO has a PMO Manager)."
        ),
    )
    replaces: Id | None = Field(
        default=None,
        description="The holder of the same role whose appointment this one ends (person id).",
    )
    removed: StrictBool = Field(
        default=False,
        description="`true`: the decision ends `person`'s appointment, with nobody in their place.",
    )
    note: Text | None = Field(default=None, description="Why, or anything agreed with it.")
    signature: Signature | None = Field(
        default=None,
        description=(
            "The approver's SSH signature of the appointment (`pmoctl appoint --key`): "
            "proof that `approved_by` agreed to it (docs/signing.md)."
        ),
    )


class Roles(Model):
    owner: Id | None = Field(
        default=None,
        description=(
            "Service Owner (person id): accountable for setting up, running and closing it; "
            "typically a PMO Director or PMO Manager. Approves most lifecycle moves."
        ),
    )
    managers: list[Manager] = Field(
        default=[],
        description=(
            "Service Managers: run it day to day and report its KPIs; one per delivering PMO when"
            " several deliver it."
        ),
    )
    operatives: list[Id] = Field(
        default=[], description="Service Operatives (person ids): carry out its processes."
    )
    appointments: list[Appointment] = Field(
        default=[],
        description=(
            "The history of appointments to the roles above, oldest first, as `pmoctl appoint` "
            "records them; where there is one, the roles must agree with it."
        ),
    )


class CapacityNeed(Model):
    pmo: Id = Field(description="The PMO (id).")
    fte: Fte = Field(description="Full-time equivalents committed by that PMO.")


class Needs(Model):
    competence: list[ShortText] = Field(default=[], description="Competences needed.")
    governance: list[ShortText] = Field(default=[], description="Governance needed.")
    infrastructure: list[ShortText] = Field(
        default=[], description="Tools and infrastructure needed."
    )
    capacity: list[CapacityNeed] = Field(default=[], description="Capacity needed from each PMO.")


class RechargeTerms(Model):
    """How a recharged or mixed-funded service's charge is worked out, for `pmoctl recharge`."""

    volume: Id | None = Field(
        default=None,
        description=(
            "The KPI (its id in this service) whose readings are the volume charged for, e.g."
            " delegate days; a month is charged for the readings dated in it. Without it, the"
            " recharged `share` of `annual_budget` is charged evenly over the twelve months."
        ),
    )
    rate: StrictFloat | None = Field(
        default=None, ge=0, description="The charge per unit of `volume`, in `currency`."
    )
    share: StrictFloat = Field(
        default=100.0,
        gt=0,
        le=100,
        description="The percentage of the cost that is recharged (for mixed funding).",
    )
    split: dict[Id, StrictFloat] = Field(
        default={},
        description=(
            "Customer group (id) to its percentage of the charge; without it, the service's"
            " `customers` share it equally."
        ),
    )


class Actual(Model):
    period: str = Field(pattern=MONTH_PATTERN, description="The month, `YYYY-MM`.")
    amount: StrictFloat = Field(ge=0, description="What the service cost in that month.")


class Funding(Model):
    model: Literal["central", "recharged", "project-funded", "mixed"] = Field(
        description="Central, recharged, funded by projects, or a mix."
    )
    annual_budget: StrictFloat | None = Field(
        default=None, ge=0, description="Annual budget, in `currency`."
    )
    currency: str | None = Field(
        default=None, pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. `GBP`."
    )
    recharge_basis: Text | None = Field(default=None, description="How recharges are worked out.")
    recharge: RechargeTerms | None = Field(
        default=None,
        description=(
            "The terms `pmoctl recharge` charges by (recharged and mixed funding); optional."
        ),
    )
    actuals: list[Actual] = Field(
        default=[],
        description="What the service actually cost, month by month, against `annual_budget`.",
    )


class Temporary(Model):
    supports: Id | None = Field(default=None, description="The service it supports (id).")
    end_date: dt.date | None = Field(default=None, description="When it is agreed to stop.")


class StrategyFit(Model):
    objectives: list[Id] = Field(
        default=[], description="Objectives it serves (ids from strategy.yaml)."
    )
    scores: dict[Id, StrictInt] = Field(
        default={}, description="Criterion id to a score from 1 to the strategy's `scale`."
    )


class ServiceLevel(Model):
    name: ShortText = Field(description="What is promised.")
    target: ShortText = Field(description="The level, in words.")


class InputSource(Model):
    service: Id = Field(description="The service that produces it (id).")
    output: ShortText = Field(
        description="The `name` of an output of one of that service's processes."
    )


class ProcessInput(Model):
    name: ShortText = Field(description="The input.")
    quality: list[ShortText] = Field(default=[], description="Quality criteria of the input.")
    trigger: StrictBool = Field(default=False, description="Whether this input starts the process.")
    source: InputSource | None = Field(
        default=None,
        description=(
            "Another service's output that is this input; these links form the dependency graph, "
            "which must have no cycles."
        ),
    )


class ProcessOutput(Model):
    name: ShortText = Field(
        description="The output; other services' inputs refer to it by this name."
    )
    quality: list[ShortText] = Field(default=[], description="Quality criteria of the output.")


class Process(Model):
    """One SIPOC row."""

    id: Id = Field(description="The process's id, unique in the service.")
    name: ShortText = Field(description="The process.")
    suppliers: list[ShortText] = Field(
        min_length=1, description="Roles or systems that provide its inputs."
    )
    inputs: list[ProcessInput] = Field(
        min_length=1, description="What it transforms, consumes or uses."
    )
    steps: list[ShortText] = Field(min_length=1, description="The steps, in order.")
    outputs: list[ProcessOutput] = Field(min_length=1, description="What the process creates.")
    customers: list[ShortText] = Field(
        min_length=1, description="Roles or systems that receive its outputs."
    )


class Thresholds(Model):
    """Red/amber/green: at or beyond ``green`` is green, at or beyond ``amber`` amber."""

    green: StrictFloat = Field(description="At or beyond this value the KPI is green.")
    amber: StrictFloat = Field(
        description="At or beyond this value (and short of green) it is amber; otherwise red."
    )


class Reading(Model):
    date: dt.date = Field(description="The end of the period the value is for.")
    value: StrictFloat = Field(description="The value, in `unit`.")
    note: ShortText | None = Field(default=None, description="A short comment.")
    reported_by: Id | None = Field(
        default=None,
        description=(
            "Who reported it (person id), written with its signature (else the KPI's "
            "`reported_by` is taken as the reporter)."
        ),
    )
    signature: Signature | None = Field(
        default=None,
        description=(
            "The approver's SSH signature of the reading (`pmoctl kpi record --key`): "
            "proof that `reported_by` agreed to it (docs/signing.md)."
        ),
    )


class Kpi(Model):
    id: Id = Field(description="The KPI's id, unique in the service.")
    name: ShortText = Field(description="The KPI.")
    measure: Text = Field(description="What is measured and how.")
    unit: ShortText = Field(
        description="The unit of the values, e.g. `%` (quote it) or `working days`."
    )
    target: StrictFloat | None = Field(
        default=None, description="The target value; required for every KPI of a running service."
    )
    direction: Literal["higher-is-better", "lower-is-better"] = Field(
        description="Whether higher or lower values are better."
    )
    frequency: Literal["weekly", "monthly", "quarterly", "annually"] = Field(
        description="How often it is reported."
    )
    thresholds: Thresholds | None = Field(
        default=None,
        description=(
            "Where green and amber start: for higher-is-better, `green` >= `amber`; for "
            "lower-is-better, `green` <= `amber`."
        ),
    )
    reported_by: Id | None = Field(
        default=None, description="Who reports it (person id), usually a Service Manager."
    )
    readings: list[Reading] = Field(default=[], description="Reported values over time.")


class Level(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Risk(Model):
    id: Id = Field(description="The risk's id, unique in the service.")
    title: ShortText = Field(description="The risk.")
    likelihood: Level = Field(description="How likely it is.")
    impact: Level = Field(description="How bad it would be.")
    status: Literal["open", "mitigating", "closed"] = Field(description="Where it stands.")
    owner: Id | None = Field(default=None, description="Who manages it (person id).")
    mitigation: Text | None = Field(default=None, description="What is being done about it.")
    escalated_to: EscalationLevel | None = Field(
        default=None,
        description=(
            "How far it has been escalated: service operations, service management, service "
            "ownership. A high-impact risk that is not closed must reach ownership."
        ),
    )
    review_by: dt.date | None = Field(
        default=None,
        description="When it is next reviewed (`pmoctl due` lists it from then until closed).",
    )


class Action(Model):
    action: ShortText = Field(description="What is to be done.")
    owner: Id = Field(description="Who does it (person id).")
    due: dt.date = Field(description="When it is due (`pmoctl due` lists it until done).")
    done: StrictBool = Field(default=False, description="Whether it has been done.")


class Issue(Model):
    id: Id = Field(description="The issue's id, unique in the service.")
    title: ShortText = Field(description="The issue.")
    raised: dt.date = Field(description="When it was raised.")
    status: Literal["open", "resolved"] = Field(description="Open or resolved.")
    owner: Id | None = Field(default=None, description="Who deals with it (person id).")
    escalated_to: EscalationLevel | None = Field(
        default=None,
        description=(
            "How far it has been escalated. An issue open longer than pmoctl.yaml's "
            "`escalation.issue_days`, or about a red KPI, must reach ownership."
        ),
    )
    kpi: Id | None = Field(
        default=None,
        description="The KPI (id) whose red reading this issue records, escalated to ownership.",
    )
    actions: list[Action] = Field(
        default=[], description="What is being done about it, each with an owner and a due date."
    )


class ChangeImpact(Model):
    """How an agreed change is reflected in the PMO's documents (absent: not affected)."""

    strategy: Text | None = Field(default=None, description="What changes in the strategy.")
    catalogue: Text | None = Field(
        default=None, description="What changes in the catalogue (this service's definition)."
    )
    handbook: Text | None = Field(
        default=None, description="What changes in the handbook's procedures."
    )


class ChangeRequest(Model):
    id: Id = Field(description="The request's id, unique in the service.")
    title: ShortText = Field(description="The change asked for.")
    kind: ChangeKind = Field(
        default=ChangeKind.CHANGE_REQUEST,
        description=(
            "A change request from a customer or stakeholder, or a continuous `improvement`"
            " proposed by the Service Manager."
        ),
    )
    reason: ChangeReason | None = Field(
        default=None,
        description=(
            "Why: a change in the business context, feedback on the service, a new policy, or"
            " new tools."
        ),
    )
    description: Text | None = Field(default=None, description="What changes, in more detail.")
    requested_by: Id = Field(description="Who asked (person id).")
    date: dt.date = Field(description="When it was asked.")
    impact: ChangeImpact | None = Field(
        default=None, description="How it is reflected in the strategy, catalogue and handbook."
    )
    status: ChangeStatus = Field(
        description=(
            "Where it stands: proposed, then approved or rejected; approved, then implemented."
        )
    )
    decided_by: Id | None = Field(
        default=None,
        description="Who approved or rejected it (person id): the Service Owner.",
    )
    decided: dt.date | None = Field(default=None, description="When it was approved or rejected.")
    decision_note: Text | None = Field(
        default=None, description="Why it was approved or rejected; required on a rejection."
    )
    implemented: dt.date | None = Field(
        default=None, description="When the change was made in the catalogue."
    )
    implemented_by: Id | None = Field(
        default=None,
        description="Who recorded it as made (person id): the Service Owner or a Service Manager.",
    )
    approved_by: Id | None = Field(
        default=None,
        description=(
            "Format 1's name for who agreed it; read as `decided_by`. New records use"
            " `decided_by` and `decided`."
        ),
    )
    decision_signature: Signature | None = Field(
        default=None,
        description=(
            "The Service Owner's SSH signature of the decision (`pmoctl change approve|reject "
            "--key`): proof that `decided_by` agreed to it (docs/signing.md)."
        ),
    )
    implementation_signature: Signature | None = Field(
        default=None,
        description=(
            "The SSH signature of who recorded it as made (`pmoctl change implement --key`): "
            "proof that `implemented_by` agreed to it (docs/signing.md)."
        ),
    )

    @property
    def decider(self) -> str | None:
        """Who decided it: ``decided_by``, else the format 1 ``approved_by``."""
        return self.decided_by or self.approved_by


class Review(Model):
    """One service review, written by `pmoctl review`."""

    date: dt.date = Field(description="When the review was held.")
    attendees: list[Id] = Field(min_length=1, description="Who took part (person ids).")
    approved_by: Id | None = Field(
        default=None,
        description="Who approved the record (person id): the Service Owner or a Service Manager.",
    )
    kpi_summary: Text = Field(description="How the KPIs stood, in a few sentences.")
    decisions: list[ShortText] = Field(default=[], description="What was decided.")
    actions: list[Action] = Field(
        default=[], description="What is to be done, by whom and when (`pmoctl due` lists them)."
    )
    signature: Signature | None = Field(
        default=None,
        description=(
            "The approver's SSH signature of the review (`pmoctl review --key`): "
            "proof that `approved_by` agreed to it (docs/signing.md)."
        ),
    )


class Demand(Model):
    """Who asked for the service, when, for whom and for what: what the set-up decision weighs."""

    requested_by: Id | None = Field(
        default=None, description="Who asked for it (a person id, or a group id)."
    )
    requested: dt.date | None = Field(default=None, description="When it was asked for.")
    customer: Id | None = Field(
        default=None, description="The customer group it is for (a group id)."
    )
    expected_outcome: Text | None = Field(
        default=None, description="What the requester expects the organisation to get from it."
    )


class SuccessCriterion(Model):
    id: Id = Field(description="The criterion's id, unique in the service; results name it.")
    criterion: ShortText = Field(description="What the pilot must show.")
    agreed_with: list[Id] = Field(
        min_length=1,
        description="The customer groups it was agreed with (ids; customers of the service).",
    )


class Participants(Model):
    suppliers: list[ShortText] = Field(
        default=[], description="Suppliers taking part in the pilot (roles, teams or systems)."
    )
    customers: list[Id] = Field(default=[], description="Customer groups taking part (ids).")
    operatives: list[Id] = Field(default=[], description="People operating it (person ids).")


class TestResult(Model):
    criterion: Id = Field(description="The success criterion (its id).")
    met: StrictBool = Field(description="Whether testing showed the criterion is met.")
    date: dt.date | None = Field(default=None, description="When it was assessed.")
    note: ShortText | None = Field(default=None, description="What the test showed.")


class Testing(Model):
    """Testing and pilot: the criteria agreed with customers at design, and what testing showed."""

    success_criteria: list[SuccessCriterion] = Field(
        default=[],
        description=(
            "Success criteria agreed with customers at design; the sign-off (pilot -> "
            "transition) needs each met or waived."
        ),
    )
    participants: Participants = Field(
        default=Participants(), description="Who takes part in the pilot."
    )
    results: list[TestResult] = Field(
        default=[],
        description="Results per criterion, oldest first; the last result of a criterion counts.",
    )


class Readiness(Model):
    """The organisation readiness assessment at sign-off: one statement per area."""

    governance: ShortText = Field(description="Governance: decisions, reporting, escalation.")
    resources: ShortText = Field(description="Resources: people, capacity, tools in place.")
    training: ShortText = Field(description="Training: who has been trained or will be.")
    communication: ShortText = Field(
        description="Communication: who has been told about the change, and how."
    )


#: the fates of an artefact reviewed at closure that is kept somewhere, so says where
KEPT_SOMEWHERE = frozenset({"kept", "archived"})


class Artefact(Model):
    name: ShortText = Field(description="The artefact: a template, a guide, a data set...")
    fate: Literal["kept", "archived", "discarded"] = Field(
        description=(
            "Kept for future use (the service may be reintroduced or taken on by another PMO),"
            " archived as a record, or discarded."
        )
    )
    location: ShortText | None = Field(
        default=None, description="Where a kept or archived artefact is kept."
    )


class ArtefactReview(Model):
    reviewed_by: Id = Field(description="Who reviewed them (person id).")
    kept: list[ShortText] = Field(
        default=[], description="Artefacts kept for future use (the earlier form of `artefacts`)."
    )
    discarded: list[ShortText] = Field(
        default=[], description="Artefacts discarded (the earlier form of `artefacts`)."
    )
    artefacts: list[Artefact] = Field(
        default=[],
        description="The inventory: each artefact kept, archived or discarded, and where.",
    )

    def inventory(self) -> list[Artefact]:
        """Every artefact reviewed: the earlier ``kept`` and ``discarded`` lists, then
        ``artefacts``."""
        earlier = [Artefact(name=name, fate="kept") for name in self.kept]
        earlier += [Artefact(name=name, fate="discarded") for name in self.discarded]
        return earlier + self.artefacts


class Move(Model):
    """One lifecycle move, written by `pmoctl transition`."""

    from_: Stage = Field(alias="from", description="The stage moved from.")
    to: Stage = Field(description="The stage moved to.")
    date: dt.date = Field(description="When the move was approved.")
    approved_by: Id = Field(
        description=(
            "Who approved it (person id): the PMO Director or the Service Owner, depending on the"
            " move."
        )
    )
    reason: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9-]{1,64}$",
        description=(
            "Why: on a move to closing, one of the closure reasons; on a move to rejected, one of"
            " the rejection reasons."
        ),
    )
    note: Text | None = Field(default=None, description="The decision, or what the pilot showed.")
    rollout: Literal["phased", "big-bang"] | None = Field(
        default=None, description="How the service goes into business as usual."
    )
    readiness: Readiness | Text | None = Field(
        default=None,
        description=(
            "The organisation readiness assessment on pilot -> transition: a statement for each"
            " of governance, resources, training and communication (earlier records: one text)."
        ),
    )
    success_criteria_met: StrictBool | None = Field(
        default=None,
        description=(
            "Earlier records of pilot -> transition: `true` when testing confirmed the success"
            " criteria; moves now record results in `testing.results` instead."
        ),
    )
    waived_criteria: list[Id] | None = Field(
        default=None,
        description=(
            "On pilot -> transition: success criteria not met that the Service Owner waives"
            " (ids; the note says why)."
        ),
    )
    closes: Id | None = Field(
        default=None,
        description=(
            "On proposed -> design: the service closed to free the capacity this one needs (id)."
        ),
    )
    capacity_waived: StrictBool | None = Field(
        default=None,
        description=(
            "On proposed -> design: `true` when the PMO Director set the service up although a"
            " delivering PMO has not the capacity (the note says why)."
        ),
    )
    artefact_review: ArtefactReview | None = Field(
        default=None, description="The review of the service's artefacts on closing."
    )
    communication: Text | None = Field(
        default=None,
        description=(
            "How the closure is communicated to customers and stakeholders (closure is "
            "organisational change); on the move to closing."
        ),
    )
    superseded_by: Id | None = Field(
        default=None,
        description=(
            "The service that replaces it (id), on a closure for the reason `superseded`; that "
            "service lists this one in `supersedes`."
        ),
    )
    signature: Signature | None = Field(
        default=None,
        description=(
            "The approver's SSH signature of the decision, written by `pmoctl approve`: it "
            "proves that the person in `approved_by` agreed to this very move (docs/signing.md)."
        ),
    )


class Lifecycle(Model):
    stage: Stage = Field(description="The current stage.")
    moves: list[Move] = Field(
        default=[],
        description="Every move so far, oldest first, as `pmoctl transition` records them.",
    )


class Service(Model):
    format: FormatVersion = Field(description=FORMAT_HELP)
    kind: Literal["service"] = Field(description=KIND_HELP)
    id: Id = Field(description="The service's id; the file is `services/<id>.yaml`.")
    name: ShortText = Field(description="The service's name.")
    category: ShortText = Field(description="A category to group services in the catalogue.")
    summary: ShortText = Field(description="What the service gives its customers, in a sentence.")
    description: Text | None = Field(default=None, description="More about it.")
    outputs: list[ShortText] = Field(default=[], description="What the service produces.")
    outcome: Text | None = Field(default=None, description="What the organisation gets from it.")
    customers: list[Id] = Field(
        default=[], description="Customer groups (ids from organisation.yaml)."
    )
    stakeholders: list[Id] = Field(default=[], description="Stakeholder groups (ids).")
    scope: Scope = Field(description="What the service covers.")
    delivery: Delivery = Field(description="Who delivers the service.")
    roles: Roles = Field(default=Roles(), description="The service roles.")
    needs: Needs = Field(default=Needs(), description="What the service needs to be delivered.")
    funding: Funding | None = Field(default=None, description="How the service is paid for.")
    temporary: Temporary | None = Field(
        default=None, description="Present only on a temporary supporting service."
    )
    strategy: StrategyFit = Field(
        default=StrategyFit(), description="How the service fits the strategy, for decisions on it."
    )
    request: Text | None = Field(default=None, description="How a customer requests the service.")
    links: list[Url] = Field(default=[], description="Further reading (`https://` or `mailto:`).")
    service_levels: list[ServiceLevel] = Field(
        default=[], description="The service levels customers can expect."
    )
    processes: list[Process] = Field(
        default=[], description="The processes that underpin the service, each a SIPOC row."
    )
    kpis: list[Kpi] = Field(default=[], description="Key performance indicators.")
    risks: list[Risk] = Field(default=[], description="Risks to the service.")
    issues: list[Issue] = Field(default=[], description="Issues affecting the service.")
    change_requests: list[ChangeRequest] = Field(
        default=[], description="Formal requests to change the service."
    )
    review_cadence: ReviewCadence | Literal["none"] | None = Field(
        default=None,
        description=(
            "How often this service is reviewed, instead of `reviews.cadence` in pmoctl.yaml; "
            "`none`: not on a cadence."
        ),
    )
    reviews: list[Review] = Field(
        default=[],
        description="Service reviews held, oldest first, as `pmoctl review` records them.",
    )
    supersedes: list[Id] = Field(default=[], description="Services this one replaces (ids).")
    demand: Demand | None = Field(
        default=None, description="The request for the service, recorded while it is proposed."
    )
    testing: Testing | None = Field(
        default=None,
        description="Success criteria agreed at design, pilot participants and results.",
    )
    lifecycle: Lifecycle = Field(
        description="Where the service is in its lifecycle, and how it got there."
    )


ClosureReasons = frozenset(reason.value for reason in ClosureReason)
