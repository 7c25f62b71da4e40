"""The template context: what the rendered pages show, computed once from the Catalogue.

Templates only display; every derived fact is made here: the dependency graph between
services, KPI status (red/amber/green of the latest reading against the thresholds),
RACI matrices and each person's RACI overview, the strategy's ranking of services and
each PMO's committed capacity. ``docs/render.md`` documents every name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from pmoctl.catalogue import Catalogue
from pmoctl.lifecycle import CATALOGUE, PIPELINE, RETIRED
from pmoctl.models import Kpi, Procedure, Service
from pmoctl.models.common import JobRole, Stage
from pmoctl.models.service import Reading

#: stages whose services hold capacity (decided and not yet closed)
COMMITTED = (Stage.DESIGN, Stage.PILOT, Stage.TRANSITION, Stage.RUNNING, Stage.CLOSING)
RAG_ORDER = {"red": 0, "amber": 1, "green": 2}
#: readings a service page lists per KPI (the file keeps them all)
RECENT_READINGS = 6


def role_label(value: str) -> str:
    """``pmo-analyst`` -> ``PMO Analyst``."""
    return " ".join("PMO" if word == "pmo" else word.capitalize() for word in value.split("-"))


@dataclass(frozen=True)
class Party:
    """A person, a job role, or an id nobody defined (shown as such)."""

    id: str
    name: str
    kind: str  # "person" | "role" | "unknown"
    role: str = ""
    pmo: str = ""
    email: str = ""


@dataclass(frozen=True)
class ServiceRef:
    id: str
    name: str
    page: str
    stage: str
    #: the outputs that flow along this dependency
    via: tuple[str, ...] = ()


@dataclass(frozen=True)
class KpiView:
    kpi: Kpi
    readings: tuple[Reading, ...]
    latest: Reading | None
    #: "green" | "amber" | "red" | None (no reading, or nothing to compare it with)
    rag: str | None
    #: every reading with its own status, oldest first
    history: tuple[tuple[Reading, str | None], ...] = ()
    #: the latest readings (at most RECENT_READINGS), newest first, and how many are older
    recent: tuple[tuple[Reading, str | None], ...] = ()
    earlier: int = 0


@dataclass(frozen=True)
class TimelineEvent:
    commit: str
    date: str
    author: str
    subject: str
    kind: str  # "move" | "edit"
    source: str
    target: str
    approved_by: str
    reason: str
    note: str


@dataclass
class ServiceView:
    id: str
    name: str
    model: Service
    path: str
    page: str
    stage: str
    group: str  # "catalogue" | "pipeline" | "retired"
    owner: Party | None
    managers: list[tuple[Party, str]]
    operatives: list[Party]
    pmos: list[str]
    customers: list[str]
    stakeholders: list[str]
    kpis: list[KpiView]
    rag: str | None
    search: str
    depends_on: list[ServiceRef] = field(default_factory=list)
    used_by: list[ServiceRef] = field(default_factory=list)
    supersedes: list[ServiceRef] = field(default_factory=list)
    replaced_by: list[ServiceRef] = field(default_factory=list)
    closure_reason: str = ""
    closure_note: str = ""
    timeline: list[TimelineEvent] = field(default_factory=list)
    score: float | None = None
    rank: int | None = None
    procedures: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class RaciRow:
    activity_id: str
    name: str
    description: str
    tools: tuple[str, ...]
    cells: tuple[str, ...]  # one per party, "" when not involved


@dataclass(frozen=True)
class ProcedureView:
    id: str
    model: Procedure
    parties: tuple[Party, ...]
    rows: tuple[RaciRow, ...]
    services: tuple[ServiceRef, ...]
    tools: tuple[str, ...]


@dataclass(frozen=True)
class Assignment:
    procedure: str
    procedure_name: str
    activity: str
    activity_name: str
    letters: str
    via: str  # "" when named directly, else the job role it comes from


@dataclass(frozen=True)
class PersonRaci:
    person: Party
    accountable: tuple[Assignment, ...]
    responsible: tuple[Assignment, ...]
    consulted: tuple[Assignment, ...]
    informed: tuple[Assignment, ...]
    owns: tuple[ServiceRef, ...]
    manages: tuple[ServiceRef, ...]
    operates: tuple[ServiceRef, ...]


@dataclass(frozen=True)
class CapacityRow:
    pmo_id: str
    name: str
    capacity: float
    committed: float
    requested: float
    share: float  # committed / capacity, 0 when there is no capacity
    over: bool
    services: tuple[tuple[ServiceRef, float], ...]


def rag_of(kpi: Kpi, value: float) -> str | None:
    """Red/amber/green of a value: the thresholds first, else met-or-not against the target."""
    higher = kpi.direction == "higher-is-better"

    def at_least(limit: float) -> bool:
        return value >= limit if higher else value <= limit

    if kpi.thresholds is not None:
        if at_least(kpi.thresholds.green):
            return "green"
        return "amber" if at_least(kpi.thresholds.amber) else "red"
    if kpi.target is not None:
        return "green" if at_least(kpi.target) else "amber"
    return None


def kpi_view(kpi: Kpi) -> KpiView:
    readings = tuple(sorted(kpi.readings, key=lambda reading: reading.date))
    history = tuple((reading, rag_of(kpi, reading.value)) for reading in readings)
    recent = tuple(reversed(history[-RECENT_READINGS:]))
    return KpiView(
        kpi,
        readings,
        history[-1][0] if history else None,
        history[-1][1] if history else None,
        history,
        recent,
        len(history) - len(recent),
    )


def worst_rag(kpis: Sequence[KpiView]) -> str | None:
    known = [view.rag for view in kpis if view.rag]
    return min(known, key=RAG_ORDER.__getitem__) if known else None


class Directory:
    """Names for ids: people, job roles, PMOs, customer and stakeholder groups."""

    def __init__(self, catalogue: Catalogue) -> None:
        organisation = catalogue.organisation
        self.people = {p.id: p for p in organisation.people} if organisation else {}
        self.pmos = {p.id: p for p in organisation.pmos} if organisation else {}
        self.groups = {g.id: g for g in organisation.groups} if organisation else {}
        self.roles = {role.value for role in JobRole}

    def party(self, ident: str) -> Party:
        person = self.people.get(ident)
        if person is not None:
            pmo = self.pmos[person.pmo].name if person.pmo in self.pmos else ""
            return Party(
                ident, person.name, "person", role_label(person.role.value), pmo, person.email or ""
            )
        if ident in self.roles:
            return Party(ident, role_label(ident), "role")
        return Party(ident, ident, "unknown")

    def pmo_name(self, ident: str) -> str:
        return self.pmos[ident].name if ident in self.pmos else ident

    def group_name(self, ident: str) -> str:
        return self.groups[ident].name if ident in self.groups else ident


def group_of(stage: Stage) -> str:
    if stage in CATALOGUE:
        return "catalogue"
    return "pipeline" if stage in PIPELINE else "retired"


def service_view(service: Service, path: str, page: str, names: Directory) -> ServiceView:
    kpis = [kpi_view(kpi) for kpi in service.kpis]
    roles = service.roles
    view = ServiceView(
        id=service.id,
        name=service.name,
        model=service,
        path=path,
        page=page,
        stage=service.lifecycle.stage.value,
        group=group_of(service.lifecycle.stage),
        owner=names.party(roles.owner) if roles.owner else None,
        managers=[
            (names.party(m.person), names.pmo_name(m.pmo) if m.pmo else "") for m in roles.managers
        ],
        operatives=[names.party(ident) for ident in roles.operatives],
        pmos=[names.pmo_name(ident) for ident in service.delivery.pmos],
        customers=[names.group_name(ident) for ident in service.customers],
        stakeholders=[names.group_name(ident) for ident in service.stakeholders],
        kpis=kpis,
        rag=worst_rag(kpis),
        search=" ".join([service.id, service.name, service.category, service.summary]).lower(),
    )
    closing = [move for move in service.lifecycle.moves if move.to in RETIRED and move.reason]
    if closing:
        view.closure_reason = role_label(closing[-1].reason or "").replace("Pmo", "PMO")
        view.closure_note = closing[-1].note or ""
    return view


def ref(view: ServiceView, via: Sequence[str] = ()) -> ServiceRef:
    return ServiceRef(view.id, view.name, view.page, view.stage, tuple(via))


def link_services(views: Mapping[str, ServiceView]) -> list[tuple[str, str, tuple[str, ...]]]:
    """Fill depends_on, used_by, supersedes and replaced_by.

    Returns the edges as (supplier, consumer, outputs that flow).
    """
    flows: dict[tuple[str, str], set[str]] = defaultdict(set)
    for view in views.values():
        for process in view.model.processes:
            for item in process.inputs:
                if item.source and item.source.service in views and item.source.service != view.id:
                    flows[(item.source.service, view.id)].add(item.source.output)
        for old in view.model.supersedes:
            if old in views:
                view.supersedes.append(ref(views[old]))
                views[old].replaced_by.append(ref(view))
    edges = []
    for (supplier, consumer), outputs in sorted(flows.items()):
        via = tuple(sorted(outputs))
        views[consumer].depends_on.append(ref(views[supplier], via))
        views[supplier].used_by.append(ref(views[consumer], via))
        edges.append((supplier, consumer, via))
    return edges


def ranking(catalogue: Catalogue, views: Mapping[str, ServiceView]) -> list[ServiceView]:
    """Services not retired, best weighted score first (those without scores last)."""
    strategy = catalogue.strategy
    if strategy is None:
        return []
    criteria = strategy.prioritisation.criteria
    total = sum(criterion.weight for criterion in criteria)
    ranked = []
    for view in views.values():
        if view.group == "retired":
            continue
        scores = view.model.strategy.scores
        if scores:
            view.score = round(sum(c.weight * scores.get(c.id, 0) for c in criteria) / total, 2)
        ranked.append(view)
    ranked.sort(key=lambda v: (v.score is None, -(v.score or 0.0), v.id))
    for place, view in enumerate(ranked, start=1):
        view.rank = place
    return ranked


def capacity(
    catalogue: Catalogue, views: Mapping[str, ServiceView], names: Directory
) -> list[CapacityRow]:
    committed: dict[str, list[tuple[ServiceRef, float]]] = defaultdict(list)
    requested: dict[str, float] = defaultdict(float)
    for view in views.values():
        stage = view.model.lifecycle.stage
        for need in view.model.needs.capacity:
            if stage in COMMITTED:
                committed[need.pmo].append((ref(view), need.fte))
            elif stage is Stage.PROPOSED:
                requested[need.pmo] += need.fte
    rows = []
    for pmo in names.pmos.values():
        services = tuple(sorted(committed.get(pmo.id, []), key=lambda item: (-item[1], item[0].id)))
        used = round(sum(fte for _, fte in services), 2)
        share = used / pmo.capacity_fte if pmo.capacity_fte else 0.0
        rows.append(
            CapacityRow(
                pmo.id,
                pmo.name,
                pmo.capacity_fte,
                used,
                round(requested.get(pmo.id, 0.0), 2),
                round(share, 3),
                used > pmo.capacity_fte,
                services,
            )
        )
    return rows


def procedure_view(
    procedure: Procedure, views: Mapping[str, ServiceView], names: Directory
) -> ProcedureView:
    order: list[str] = []
    for activity in procedure.activities:
        order.extend(party for party in activity.raci if party not in order)
    rows = tuple(
        RaciRow(
            a.id,
            a.name,
            a.description or "",
            tuple(a.tools),
            tuple(a.raci.get(p, "") for p in order),
        )
        for a in procedure.activities
    )
    tools = tuple(
        dict.fromkeys(tool for activity in procedure.activities for tool in activity.tools)
    )
    services = tuple(ref(views[s]) for s in procedure.services if s in views)
    return ProcedureView(
        procedure.id, procedure, tuple(names.party(p) for p in order), rows, services, tools
    )


def person_raci(
    procedures: Sequence[ProcedureView], views: Mapping[str, ServiceView], names: Directory
) -> list[PersonRaci]:
    """For every person: what they are accountable, responsible, consulted and informed for.

    One pass over the activities and one over the services, indexed by party, so that the
    overview stays linear in the size of the catalogue.
    """
    by_party: dict[str, list[tuple[int, str, Assignment]]] = defaultdict(list)
    order = 0
    for view in procedures:
        for activity in view.model.activities:
            for party, letters in activity.raci.items():
                for letter in dict.fromkeys(letters):
                    item = Assignment(
                        view.id, view.model.name, activity.id, activity.name, letters, ""
                    )
                    order += 1
                    by_party[party].append((order, letter, item))
    roles: dict[str, dict[str, list[ServiceRef]]] = defaultdict(lambda: defaultdict(list))
    for service in sorted(views.values(), key=lambda v: v.id):
        held = service.model.roles
        if held.owner:
            roles[held.owner]["owns"].append(ref(service))
        for manager in dict.fromkeys(m.person for m in held.managers):
            roles[manager]["manages"].append(ref(service))
        for operative in dict.fromkeys(held.operatives):
            roles[operative]["operates"].append(ref(service))
    overview = []
    for person in sorted(names.people.values(), key=lambda p: (p.name, p.id)):
        found: dict[str, list[Assignment]] = {"A": [], "R": [], "C": [], "I": []}
        role = person.role.value
        direct = by_party.get(person.id, [])
        via_role = [
            (seq, letter, replace(item, via=role_label(role)))
            for seq, letter, item in by_party.get(role, [])
        ]
        for _, letter, item in sorted([*direct, *via_role], key=lambda entry: entry[0]):
            found[letter].append(item)
        held_roles = roles.get(person.id, {})
        overview.append(
            PersonRaci(
                names.party(person.id),
                tuple(found["A"]),
                tuple(found["R"]),
                tuple(found["C"]),
                tuple(found["I"]),
                tuple(held_roles.get("owns", [])),
                tuple(held_roles.get("manages", [])),
                tuple(held_roles.get("operates", [])),
            )
        )
    return overview


def timeline_events(raw: Sequence[Mapping[str, Any]], names: Directory) -> list[TimelineEvent]:
    events = []
    for item in raw:
        approver = str(item.get("approved_by") or "")
        events.append(
            TimelineEvent(
                commit=str(item.get("commit") or ""),
                date=str(item.get("date") or ""),
                author=str(item.get("author") or ""),
                subject=str(item.get("subject") or ""),
                kind=str(item.get("kind") or "edit"),
                source=str(item.get("from") or ""),
                target=str(item.get("to") or ""),
                approved_by=names.party(approver).name if approver else "",
                reason=str(item.get("reason") or ""),
                note=str(item.get("note") or ""),
            )
        )
    return events


@dataclass
class SiteContext:
    """Everything the templates see besides the per-page variables (see docs/render.md)."""

    title: str
    catalogue: Catalogue
    names: Directory
    services: list[ServiceView]
    by_id: dict[str, ServiceView]
    categories: list[tuple[str, list[ServiceView]]]
    pipeline: list[ServiceView]
    retired: list[ServiceView]
    edges: list[tuple[str, str, tuple[str, ...]]]
    ranked: list[ServiceView]
    capacity: list[CapacityRow]
    procedures: list[ProcedureView]
    people_raci: list[PersonRaci]
    objectives: dict[str, Any]


def build(
    catalogue: Catalogue, ext: str, history: Mapping[str, Sequence[Mapping[str, Any]]]
) -> SiteContext:
    """The site context; ``ext`` is the page extension (``html`` or ``md``) used in links."""
    names = Directory(catalogue)
    views = {
        ident: service_view(
            catalogue.services[ident],
            catalogue.path_of("service", ident),
            f"services/{ident}.{ext}",
            names,
        )
        for ident in sorted(catalogue.services)
    }
    edges = link_services(views)
    for ident, raw in history.items():
        if ident in views:
            views[ident].timeline = timeline_events(raw, names)
    procedures = [
        procedure_view(catalogue.procedures[p], views, names) for p in sorted(catalogue.procedures)
    ]
    for procedure in procedures:
        for service in procedure.services:
            views[service.id].procedures.append((procedure.id, procedure.model.name))
    running = [v for v in views.values() if v.group == "catalogue"]
    categories: dict[str, list[ServiceView]] = defaultdict(list)
    for view in running:
        categories[view.model.category].append(view)
    config = catalogue.config
    title = (config.render.title or config.name) if config else "PMO service catalogue"
    stage_order = {stage.value: index for index, stage in enumerate(Stage)}
    return SiteContext(
        title=title,
        catalogue=catalogue,
        names=names,
        services=list(views.values()),
        by_id=views,
        categories=sorted(categories.items()),
        pipeline=sorted(
            (v for v in views.values() if v.group == "pipeline"),
            key=lambda v: (-stage_order[v.stage], v.id),
        ),
        retired=[v for v in views.values() if v.group == "retired"],
        edges=edges,
        ranked=ranking(catalogue, views),
        capacity=capacity(catalogue, views, names),
        procedures=procedures,
        people_raci=person_raci(procedures, views, names),
        objectives={o.id: o for o in catalogue.strategy.objectives} if catalogue.strategy else {},
    )
