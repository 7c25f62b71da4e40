"""What the Service Strategy shows: the ranking of services and each PMO's capacity.

Part of the template context (see :mod:`pmoctl.render.context`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from pmoctl.catalogue.files import Catalogue
from pmoctl.catalogue.lifecycle import COMMITTED
from pmoctl.catalogue.models.common import Stage
from pmoctl.render.directory import Directory, ServiceRef
from pmoctl.render.service import ServiceView, ref

#: stages whose services hold capacity (decided and not yet closed)


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
