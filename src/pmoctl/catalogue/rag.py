"""Red, amber or green: where a KPI's value stands against its thresholds or target. No I/O.

Decided here once for every reader: the KPI report, the rendered site and the escalation rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from pmoctl.catalogue.models import Kpi

Rag = Literal["red", "amber", "green"]


def rag_of(kpi: Kpi, value: float) -> Rag | None:
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


def latest_rag(kpi: Kpi) -> Rag | None:
    """The colour of the KPI's latest reading (by date), None without readings or limits."""
    if not kpi.readings:
        return None
    latest = max(kpi.readings, key=lambda reading: reading.date)
    return rag_of(kpi, latest.value)
