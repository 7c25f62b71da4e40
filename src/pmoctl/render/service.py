"""What a service's page shows: its view, KPI status, dependencies and git timeline.

Part of the template context (see :mod:`pmoctl.render.context`). KPI status is the
red/amber/green of the latest reading against the thresholds (decided by
:func:`pmoctl.catalogue.rag.rag_of`, as in `pmoctl kpi report`); the dependency graph
links a service that takes another's output as an input to that service, both ways.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pmoctl.catalogue.lifecycle import CATALOGUE, PIPELINE, RETIRED
from pmoctl.catalogue.models import Kpi, Service
from pmoctl.catalogue.models.common import Stage
from pmoctl.catalogue.models.service import Reading
from pmoctl.catalogue.rag import rag_of
from pmoctl.output.wording import closure_label, readable_time
from pmoctl.render.directory import Directory, Party, ServiceRef

RAG_ORDER = {"red": 0, "amber": 1, "green": 2}
#: readings a service page lists per KPI (the file keeps them all)
RECENT_READINGS = 6


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
    #: the commit's timestamp as git gives it (ISO 8601), and as a page shows it
    date: str
    when: str
    author: str
    subject: str
    kind: str  # "move" | "decision" | "edit"
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
        view.closure_reason = closure_label(closing[-1].reason)
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


def timeline_events(raw: Sequence[Mapping[str, Any]], names: Directory) -> list[TimelineEvent]:
    events = []
    for item in raw:
        approver = str(item.get("approved_by") or "")
        events.append(
            TimelineEvent(
                commit=str(item.get("commit") or ""),
                date=str(item.get("date") or ""),
                when=readable_time(str(item.get("date") or "")),
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
