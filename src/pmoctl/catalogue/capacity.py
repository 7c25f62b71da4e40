"""Capacity across the catalogue: what each PMO has committed, and what a set-up decision adds.

A service takes the capacity it needs (``needs.capacity``) from the decision to set it up
(proposed -> design) until it is closed. A set-up decision may name a service it closes
(``closes`` on the move): once that service is closing, its capacity counts as handed over
to the new one. The PMO Director may set a service up beyond capacity with a waiver
(``capacity_waived`` and a note on the move). The same sums serve the validation rule
(CAPACITY-FTE), ``pmoctl transition`` and ``pmoctl check``. No I/O.

Funding is not weighed: the catalogue records each service's budget but no budget of the
PMOs or of the strategy to weigh it against.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pmoctl.catalogue.lifecycle import CLOSABLE, COMMITTED
from pmoctl.catalogue.models.common import Stage

if TYPE_CHECKING:
    from pmoctl.catalogue.models.organisation import Organisation
    from pmoctl.catalogue.models.service import Move, Service


@dataclass
class Load:
    """What one PMO has committed."""

    pmo: str
    capacity: float
    #: (service id, FTE), largest first
    commitments: list[tuple[str, float]] = field(default_factory=list)
    #: services set up over capacity by a waiver of the PMO Director
    waived: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(fte for _, fte in self.commitments)

    @property
    def over(self) -> bool:
        return self.total > self.capacity + 1e-9


def set_up_move(service: Service) -> Move | None:
    """The last decision to set the service up (proposed -> design), if any."""
    for move in reversed(service.lifecycle.moves):
        if move.from_ is Stage.PROPOSED and move.to is Stage.DESIGN:
            return move
    return None


def handed_over(services: Iterable[Service]) -> set[str]:
    """Closing services whose capacity a committed service's set-up decision took over."""
    by_id = {service.id: service for service in services}
    result = set()
    for service in by_id.values():
        move = set_up_move(service) if service.lifecycle.stage in COMMITTED else None
        if move is None or move.closes is None:
            continue
        closed = by_id.get(move.closes)
        if closed is not None and closed.lifecycle.stage is Stage.CLOSING:
            result.add(closed.id)
    return result


def loads(organisation: Organisation, services: Iterable[Service]) -> list[Load]:
    """Every PMO's committed capacity, in the order of organisation.yaml."""
    services = list(services)
    skipped = handed_over(services)
    committed: dict[str, list[tuple[str, float]]] = defaultdict(list)
    waived: dict[str, list[str]] = defaultdict(list)
    for service in services:
        if service.lifecycle.stage not in COMMITTED or service.id in skipped:
            continue
        move = set_up_move(service)
        for need in service.needs.capacity:
            committed[need.pmo].append((service.id, need.fte))
            if move is not None and move.capacity_waived:
                waived[need.pmo].append(service.id)
    return [
        Load(
            pmo.id,
            pmo.capacity_fte,
            sorted(committed.get(pmo.id, []), key=lambda item: (-item[1], item[0])),
            sorted(waived.get(pmo.id, [])),
        )
        for pmo in organisation.pmos
    ]


def set_up_problems(
    organisation: Organisation, others: Iterable[Service], service: Service, move: Move
) -> list[str]:
    """Why the decision to set ``service`` up (``move``, proposed -> design) does not fit.

    ``others``: every other service of the catalogue as it is. The service named in
    ``move.closes`` must be running or being set up (or closing already); its capacity
    counts as freed. A PMO the service needs capacity from must not end up over its
    capacity, unless the move waives capacity.
    """
    by_id = {other.id: other for other in others if other.id != service.id}
    problems: list[str] = []
    freed = set()
    if move.closes is not None:
        closed = by_id.get(move.closes)
        if move.closes == service.id:
            problems.append("a service cannot close itself to make room for itself")
        elif closed is None:
            problems.append(f"--closes {move.closes}: there is no such service")
        elif closed.lifecycle.stage not in CLOSABLE:
            problems.append(
                f"--closes {move.closes}: it is {closed.lifecycle.stage.value}; the service "
                "closed to free capacity is running or being set up (or already closing)"
            )
        else:
            freed.add(closed.id)
    needed = {need.pmo for need in service.needs.capacity}
    after = [other for ident, other in by_id.items() if ident not in freed]
    for load in loads(organisation, [*after, service]):
        if load.pmo not in needed or not load.over or move.capacity_waived:
            continue
        largest = ", ".join(f"{ident} ({fte:g})" for ident, fte in load.commitments[:5])
        problems.append(
            f"PMO {load.pmo} would commit {load.total:g} FTE of its {load.capacity:g} "
            f"(largest: {largest})"
        )
    return problems
