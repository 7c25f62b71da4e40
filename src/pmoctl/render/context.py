"""The template context: what the rendered pages show, computed once from the Catalogue.

Templates only display; every derived fact is made before rendering, by area:
:mod:`pmoctl.render.service` (service views, KPI status, the dependency graph between
services, git timelines), :mod:`pmoctl.render.handbook` (RACI matrices and each person's
RACI overview) and :mod:`pmoctl.render.strategy` (the strategy's ranking of services and
each PMO's committed capacity). This module puts them together as the :class:`SiteContext`.
``docs/render.md`` documents every name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pmoctl.catalogue.files import Catalogue
from pmoctl.catalogue.models.common import Stage
from pmoctl.render.directory import Directory
from pmoctl.render.handbook import PersonRaci, ProcedureView, person_raci, procedure_view
from pmoctl.render.service import ServiceView, link_services, service_view, timeline_events
from pmoctl.render.strategy import CapacityRow, capacity, ranking


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
