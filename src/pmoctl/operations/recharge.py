"""`pmoctl recharge`: the month's recharge statement per customer group, and budget
against actual per PMO.

A service is charged when the strategy recharges (``funding.recharge.enabled`` in
strategy.yaml), its funding model is ``recharged`` or ``mixed``, and it serves customers
in the month (pilot, transition, running or closing). Its charge for the month is:

- with ``funding.recharge.volume``: the readings of that KPI dated in the month, times
  ``funding.recharge.rate``;
- otherwise: ``share`` percent of ``annual_budget``, a twelfth a month.

The charge is split between customer groups by ``funding.recharge.split`` (percentages),
or equally between the service's ``customers``. What cannot be charged (no rate, no
budget, no customer) is listed as a problem with the statement, never guessed.

Budget against actual: each service with ``funding.actuals`` counts for its delivering
PMOs, shared between them as their ``needs.capacity`` is (equally without it): the
month's twelfth of ``annual_budget`` against the month's actual, and the same over the
months of the year up to it that record an actual.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pmoctl.catalogue.models.common import Stage
from pmoctl.output.report import printable

if TYPE_CHECKING:
    from rich.console import RenderableType

    from pmoctl.catalogue.files import Catalogue
    from pmoctl.catalogue.models import Service
    from pmoctl.operations.pack import Month

#: the stages in which a service serves customers, and so is charged for
CHARGED = (Stage.PILOT, Stage.TRANSITION, Stage.RUNNING, Stage.CLOSING)
RECHARGED_MODELS = ("recharged", "mixed")


@dataclass(frozen=True)
class Charge:
    group: str
    service: str
    basis: str
    volume: float | None
    rate: float | None
    share: float
    amount: float
    currency: str


@dataclass(frozen=True)
class BudgetLine:
    pmo: str
    currency: str
    budget: float
    actual: float
    budget_to_date: float
    actual_to_date: float
    #: services whose actual for the month is not recorded
    missing: tuple[str, ...]

    @property
    def variance(self) -> float:
        return round(self.actual - self.budget, 2)


@dataclass
class Statement:
    period: str
    enabled: bool
    charges: list[Charge] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    budgets: list[BudgetLine] = field(default_factory=list)
    #: the names of the PMOs and customer groups, by id (for the text statement)
    names: dict[str, str] = field(default_factory=dict)

    def totals(self) -> list[tuple[str, str, float]]:
        """(group, currency, total), by group."""
        sums: dict[tuple[str, str], float] = defaultdict(float)
        for charge in self.charges:
            sums[charge.group, charge.currency] += charge.amount
        return [(group, cur, round(total, 2)) for (group, cur), total in sorted(sums.items())]

    def as_json(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "recharge_enabled": self.enabled,
            "charges": [vars(charge) for charge in self.charges],
            "totals": [
                {"group": group, "currency": cur, "amount": amount}
                for group, cur, amount in self.totals()
            ],
            "problems": self.problems,
            "budget_against_actual": [
                {**vars(line), "missing": list(line.missing), "variance": line.variance}
                for line in self.budgets
            ],
        }


def _charge(
    service: Service, month: Month, problems: list[str]
) -> tuple[str, float, float | None] | None:
    """(basis, amount, volume) of a service in the month; None with a problem noted."""
    funding = service.funding
    assert funding is not None
    terms = funding.recharge
    share = terms.share if terms else 100.0
    if terms is not None and terms.volume is not None:
        kpi = next((k for k in service.kpis if k.id == terms.volume), None)
        if kpi is None:
            problems.append(f"{service.id}: funding.recharge.volume names no KPI {terms.volume!r}")
            return None
        if terms.rate is None:
            problems.append(f"{service.id}: funding.recharge has a volume but no rate")
            return None
        volume = sum(r.value for r in kpi.readings if r.date in month)
        return f"{kpi.unit} at {terms.rate:g}", volume * terms.rate * share / 100, volume
    if funding.annual_budget is None:
        problems.append(
            f"{service.id}: {funding.model} funding without funding.recharge.volume "
            "or annual_budget: nothing to charge by"
        )
        return None
    return f"{share:g}% of budget / 12", funding.annual_budget * share / 100 / 12, None


def _split(service: Service, problems: list[str]) -> dict[str, float]:
    terms = service.funding.recharge if service.funding else None
    if terms is not None and terms.split:
        total = sum(terms.split.values())
        if abs(total - 100) > 1e-6:
            problems.append(f"{service.id}: funding.recharge.split adds up to {total:g}%, not 100%")
        return dict(terms.split)
    if not service.customers:
        problems.append(f"{service.id}: recharged, but it names no customers to charge")
        return {}
    return {group: 100 / len(service.customers) for group in service.customers}


def _pmo_shares(service: Service) -> dict[str, float]:
    needs = {need.pmo: need.fte for need in service.needs.capacity if need.pmo}
    total = sum(needs.get(pmo, 0.0) for pmo in service.delivery.pmos)
    if total > 0:
        return {pmo: needs.get(pmo, 0.0) / total for pmo in service.delivery.pmos}
    return {pmo: 1 / len(service.delivery.pmos) for pmo in service.delivery.pmos}


def _budgets(catalogue: Catalogue, month: Month) -> list[BudgetLine]:
    label, year = month.label, month.label[:4]
    sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    missing: dict[tuple[str, str], list[str]] = defaultdict(list)
    for ident in sorted(catalogue.services):
        service = catalogue.services[ident]
        funding = service.funding
        if funding is None or not funding.actuals or funding.annual_budget is None:
            continue
        actual = [a.amount for a in funding.actuals if a.period == label]
        to_date = {a.period: a.amount for a in funding.actuals if year <= a.period <= label}
        currency = funding.currency or ""
        for pmo, part in _pmo_shares(service).items():
            line = sums[pmo, currency]
            line[0] += funding.annual_budget / 12 * part
            line[1] += sum(actual) * part
            line[2] += funding.annual_budget * len(to_date) / 12 * part
            line[3] += sum(to_date.values()) * part
            if not actual:
                missing[pmo, currency].append(ident)
    order = [pmo.id for pmo in catalogue.organisation.pmos] if catalogue.organisation else []
    keys = sorted(sums, key=lambda key: (order.index(key[0]) if key[0] in order else 1e9, key))
    lines = []
    for pmo, currency in keys:
        budget, spent, budget_to_date, spent_to_date = (round(v, 2) for v in sums[pmo, currency])
        lines.append(
            BudgetLine(pmo, currency, budget, spent, budget_to_date, spent_to_date,
                       tuple(missing[pmo, currency]))
        )  # fmt: skip
    return lines


def statement(catalogue: Catalogue, month: Month) -> Statement:
    strategy = catalogue.strategy
    enabled = bool(strategy and strategy.funding.recharge.enabled)
    result = Statement(month.label, enabled)
    if catalogue.organisation is not None:
        organisation = catalogue.organisation
        result.names = {pmo.id: pmo.name for pmo in organisation.pmos}
        result.names.update((group.id, group.name) for group in organisation.groups)
    if enabled:
        for ident in sorted(catalogue.services):
            service = catalogue.services[ident]
            funding = service.funding
            if funding is None or funding.model not in RECHARGED_MODELS:
                continue
            if service.lifecycle.stage not in CHARGED:
                continue
            charged = _charge(service, month, result.problems)
            if charged is None:
                continue
            basis, amount, volume = charged
            terms = funding.recharge
            for group, percent in _split(service, result.problems).items():
                result.charges.append(
                    Charge(group, ident, basis, volume, terms.rate if terms else None,
                           percent, round(amount * percent / 100, 2), funding.currency or "")
                )  # fmt: skip
        result.charges.sort(key=lambda charge: (charge.group, charge.service))
    result.budgets = _budgets(catalogue, month)
    return result


def _money(amount: float) -> str:
    return f"{amount:,.2f}"


def statement_table(result: Statement) -> RenderableType:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    names = result.names
    parts: list[RenderableType] = []
    if not result.enabled:
        parts.append(Text("the strategy does not recharge (funding.recharge.enabled: false)"))
    elif not result.charges:
        parts.append(Text(f"no recharged service to charge for {result.period}"))
    else:
        table = Table(title=f"Recharges for {result.period}", title_justify="left")
        for header, justify in (
            ("customer group", "left"), ("service", "left"), ("basis", "left"),
            ("volume", "right"), ("share", "right"), ("amount", "right"),
        ):  # fmt: skip
            table.add_column(header, justify=justify)  # type: ignore[arg-type]
        totals = {(group, cur): total for group, cur, total in result.totals()}
        previous = None
        for charge in result.charges:
            if previous is not None and previous != charge.group:
                _total_row(table, previous, totals)
            table.add_row(
                Text(printable(names.get(charge.group, charge.group))),
                Text(printable(charge.service)),
                Text(printable(charge.basis)),
                Text("" if charge.volume is None else f"{charge.volume:g}"),
                Text(f"{charge.share:g}%"),
                Text(f"{charge.currency} {_money(charge.amount)}".strip()),
            )
            previous = charge.group
        if previous is not None:
            _total_row(table, previous, totals)
        parts.append(table)
    for problem in result.problems:
        parts.append(Text("problem: " + printable(problem), style="bold red"))
    if result.budgets:
        table = Table(title=f"Budget against actual, {result.period}", title_justify="left")
        for header in ("PMO", "budget", "actual", "variance", "budget to date", "actual to date",
                       "not recorded"):  # fmt: skip
            table.add_column(
                header, justify="left" if header in ("PMO", "not recorded") else "right"
            )
        for line in result.budgets:
            cur = f"{line.currency} " if line.currency else ""
            table.add_row(
                Text(printable(names.get(line.pmo, line.pmo))),
                Text(cur + _money(line.budget)),
                Text(cur + _money(line.actual)),
                Text(cur + _money(line.variance), style="bold red" if line.variance > 0 else ""),
                Text(cur + _money(line.budget_to_date)),
                Text(cur + _money(line.actual_to_date)),
                Text(printable(", ".join(line.missing)) or "-"),
            )
        parts.append(table)
    return Group(*parts)


def _total_row(table: Any, group: str, totals: dict[tuple[str, str], float]) -> None:
    from rich.text import Text

    for (name, currency), total in totals.items():
        if name == group:
            table.add_row(
                Text(""), Text("total", style="bold"), Text(""), Text(""), Text(""),
                Text(f"{currency} {_money(total)}".strip(), style="bold"), end_section=True,
            )  # fmt: skip
