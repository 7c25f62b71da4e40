"""Numbers that must agree with each other: KPI thresholds and targets, strategy scores."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pmoctl.findings import Pending, Severity
from pmoctl.rules import Partial, Rule
from pmoctl.rules._common import finding, services

if TYPE_CHECKING:
    from pmoctl.catalogue.files import Catalogue


def _kpi_thresholds(catalogue: Catalogue) -> Iterator[Pending]:
    for path, service in services(catalogue):
        for index, kpi in enumerate(service.kpis):
            higher = kpi.direction == "higher-is-better"
            better = ">=" if higher else "<="
            thresholds = kpi.thresholds
            green, amber = (thresholds.green, thresholds.amber) if thresholds else (0.0, 0.0)
            if thresholds is not None and (green < amber if higher else green > amber):
                yield finding(
                    path,
                    ("kpis", index, "thresholds"),
                    "KPI-THRESHOLDS",
                    f"KPI {kpi.id!r} is {kpi.direction}, but its green threshold "
                    f"{thresholds.green:g} is worse than amber {thresholds.amber:g}",
                    f"for {kpi.direction}, green {better} amber; swap them or change direction",
                )
            elif (
                thresholds is not None
                and kpi.target is not None
                and (kpi.target < thresholds.green if higher else kpi.target > thresholds.green)
            ):
                yield finding(
                    path,
                    ("kpis", index, "target"),
                    "KPI-THRESHOLDS",
                    f"KPI {kpi.id!r} has target {kpi.target:g}, which is not green "
                    f"(green {better} {thresholds.green:g})",
                    "meeting the target should show green: adjust the target or the threshold",
                )


def _strategy_scores(catalogue: Catalogue) -> Iterator[Pending]:
    if catalogue.strategy is None:
        return
    scale = catalogue.strategy.prioritisation.scale
    for path, service in services(catalogue):
        for criterion, score in service.strategy.scores.items():
            if not 1 <= score <= scale:
                yield finding(
                    path,
                    ("strategy", "scores", criterion),
                    "STRATEGY-SCORES",
                    f"score {score} for {criterion!r} is outside the strategy's scale",
                    f"scores run from 1 to {scale} (prioritisation.scale in strategy.yaml)",
                )


RULES = [
    Rule(
        "KPI-THRESHOLDS",
        Severity.ERROR,
        "KPI thresholds or target contradict the KPI's direction",
        "A KPI's red/amber/green thresholds follow its direction: for higher-is-better, a "
        "reading at or above `green` is green and at or above `amber` amber, so green must be "
        "at least amber; for lower-is-better it is the other way round. The target lies on the "
        "green side, otherwise a service meeting its target would be reported amber or red.",
        _kpi_thresholds,
        partial=Partial.YES,
    ),
    Rule(
        "STRATEGY-SCORES",
        Severity.ERROR,
        "A service's prioritisation score is outside the strategy's scale",
        "A service is scored against each prioritisation criterion of the strategy, from 1 to "
        "the strategy's `prioritisation.scale` (5 unless set). A score outside the scale would "
        "distort the weighted ranking of services. Unknown criteria are REF-STRATEGY.",
        _strategy_scores,
        partial=Partial.YES,
    ),
]
