"""Funding: the recharge terms and the actuals `pmoctl recharge` reads.

Both are optional (``funding.recharge``, ``funding.actuals``); a service that gives them
gives them whole, so that a statement is never worked out from a guess.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pmoctl.findings import Pending, Severity
from pmoctl.rules import Partial, Rule
from pmoctl.rules._common import finding, services

if TYPE_CHECKING:
    from pmoctl.catalogue.files import Catalogue

#: how far a split may be from 100% (percentages written with decimals)
TOLERANCE = 1e-6


def _recharge_terms(catalogue: Catalogue) -> Iterator[Pending]:
    organisation = catalogue.organisation
    groups = {group.id for group in organisation.groups} if organisation else None
    for path, service in services(catalogue):
        funding = service.funding
        terms = funding.recharge if funding else None
        if funding is None or terms is None:
            continue
        where = ("funding", "recharge")
        if funding.model not in ("recharged", "mixed"):
            yield finding(
                path, ("funding", "model"), "FUNDING-RECHARGE",
                f"recharge terms on a {funding.model} service, which is not recharged",
                "set funding.model: recharged or mixed, or remove funding.recharge",
            )  # fmt: skip
        if terms.volume is not None:
            kpis = [kpi.id for kpi in service.kpis]
            if terms.volume not in kpis:
                yield finding(
                    path, (*where, "volume"), "FUNDING-RECHARGE",
                    f"funding.recharge.volume names no KPI of this service: {terms.volume!r}",
                    "name one of its kpis: " + (", ".join(kpis) or "(it has none; add one)"),
                )  # fmt: skip
            if terms.rate is None:
                yield finding(
                    path, (*where,), "FUNDING-RECHARGE",
                    "a recharge by volume needs a rate",
                    "add funding.recharge.rate: the charge per unit, in funding.currency",
                    at_key=True,
                )  # fmt: skip
        elif funding.annual_budget is None:
            yield finding(
                path, (*where,), "FUNDING-RECHARGE",
                "a recharge without a volume is a share of annual_budget, which is not given",
                "add funding.annual_budget, or funding.recharge.volume and rate",
                at_key=True,
            )  # fmt: skip
        if terms.split:
            total = sum(terms.split.values())
            if abs(total - 100) > TOLERANCE:
                yield finding(
                    path, (*where, "split"), "FUNDING-RECHARGE",
                    f"funding.recharge.split adds up to {total:g}%, not 100%",
                    "give each customer group its percentage of the charge",
                    at_key=True,
                )  # fmt: skip
            for group in terms.split:
                if groups is not None and group not in groups:
                    yield finding(
                        path, (*where, "split", group), "FUNDING-RECHARGE",
                        f"funding.recharge.split names {group!r}, which is no group of "
                        "organisation.yaml",
                        "name customer groups (organisation.yaml groups)",
                        at_key=True,
                    )  # fmt: skip


def _actuals(catalogue: Catalogue) -> Iterator[Pending]:
    for path, service in services(catalogue):
        funding = service.funding
        if funding is None or not funding.actuals:
            continue
        seen: set[str] = set()
        for index, actual in enumerate(funding.actuals):
            if actual.period in seen:
                yield finding(
                    path, ("funding", "actuals", index, "period"), "FUNDING-ACTUALS",
                    f"a second actual for {actual.period}",
                    "give each month once: add the amounts up",
                )  # fmt: skip
            seen.add(actual.period)
        if funding.annual_budget is None:
            yield finding(
                path, ("funding", "actuals"), "FUNDING-ACTUALS",
                "actuals without an annual_budget to hold them against",
                "add funding.annual_budget (and currency)",
                at_key=True,
            )  # fmt: skip


RULES = [
    Rule(
        "FUNDING-RECHARGE",
        Severity.ERROR,
        "Recharge terms that cannot be worked out",
        "`funding.recharge` says how `pmoctl recharge` charges a recharged or mixed-funded "
        "service: the readings of one of its KPIs (`volume`) times a `rate`, or a `share` of "
        "its `annual_budget`, split between customer groups (`split`, percentages adding up "
        "to 100). Terms that name no KPI, lack the rate or the budget, split into groups the "
        "organisation does not have or do not add up, or sit on a service that is not "
        "recharged, would make a statement from a guess.",
        _recharge_terms,
        partial=Partial.YES,
    ),
    Rule(
        "FUNDING-ACTUALS",
        Severity.ERROR,
        "Actuals that cannot be held against the budget",
        "`funding.actuals` records what a service cost, one amount per month, for budget "
        "against actual in `pmoctl recharge`: each month is given once, and the service "
        "gives the `annual_budget` the actuals are held against.",
        _actuals,
        partial=Partial.YES,
    ),
]
