"""`pmoctl recharge`: the statement per customer group from each service's funding, budget
against actual per PMO, what cannot be charged, and the refusals."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from conftest import DUE_DAY, EXAMPLE, run_cli
from pmoctl import api
from pmoctl.errors import UserError

DAY = {"PMOCTL_TODAY": DUE_DAY}


def _recharge(root: Path, *args: str):  # type: ignore[no-untyped-def]
    return run_cli("recharge", "-C", str(root), *args, env=DAY)


def test_the_example_statement() -> None:
    result = _recharge(EXAMPLE, "--period", "2026-11", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["recharge_enabled"] is True and data["problems"] == []
    charges = {(c["group"], c["service"]): c for c in data["charges"]}
    # 12 delegate days at 420, split 70/30
    assert charges["capital-delivery", "pm-training"]["amount"] == 3528.0
    assert charges["project-managers", "pm-training"]["amount"] == 1512.0
    assert charges["capital-delivery", "pm-training"]["volume"] == 12
    # 40% of 52,000 a year, a twelfth of it, all to capital delivery
    assert charges["capital-delivery", "resource-capacity-planning"]["amount"] == 1733.33
    # 11 sessions at 380, one customer group
    assert charges["project-managers", "methodology-coaching"]["amount"] == 4180.0
    # central and project-funded services are never charged
    assert {service for _, service in charges} == {
        "pm-training", "resource-capacity-planning", "methodology-coaching",
    }  # fmt: skip
    totals = {(t["group"], t["currency"]): t["amount"] for t in data["totals"]}
    assert totals == {("capital-delivery", "GBP"): 5261.33, ("project-managers", "GBP"): 5692.0}
    budgets = {line["pmo"]: line for line in data["budget_against_actual"]}
    it = budgets["it-smo"]  # pmo-tooling-admin: 84,000 a year, 7,640 in November
    assert (it["budget"], it["actual"], it["variance"]) == (7000.0, 7640.0, 640.0)
    assert (it["budget_to_date"], it["actual_to_date"]) == (14000.0, 14540.0)
    assert budgets["pmo-coe"]["missing"] == []


def test_the_text_statement_names_the_groups() -> None:
    result = _recharge(EXAMPLE, "--period", "2026-11")
    assert result.returncode == 0, result.stderr
    for expected in ("Recharges for 2026-11", "Capital delivery", "GBP 5,261.33",
                     "Budget against actual, 2026-11", "IT Service Management"):  # fmt: skip
        assert expected in result.stdout, expected


def test_csv_lists_the_charges() -> None:
    result = _recharge(EXAMPLE, "--period", "2026-11", "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 4 and rows[0]["group"] == "capital-delivery"
    assert {row["currency"] for row in rows} == {"GBP"}


def test_a_month_without_volume_charges_nothing_for_it() -> None:
    statement = api.recharge(EXAMPLE, period="2026-08", today=dt.date(2026, 12, 1))
    amounts = {(c.group, c.service): c.amount for c in statement.charges}
    assert amounts["capital-delivery", "pm-training"] == 0.0
    assert amounts["capital-delivery", "resource-capacity-planning"] == 1733.33
    assert statement.budgets and all(line.actual == 0 for line in statement.budgets)
    assert {line.pmo: line.missing for line in statement.budgets}["it-smo"] == (
        "pmo-tooling-admin",
    )


def test_a_strategy_that_does_not_recharge(example_catalogue: Path) -> None:
    path = example_catalogue / "strategy.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("enabled: true", "enabled: false"), "utf-8"
    )
    result = _recharge(example_catalogue, "--period", "2026-11")
    assert result.returncode == 0, result.stderr
    assert "does not recharge" in result.stdout
    data = json.loads(_recharge(example_catalogue, "--period", "2026-11", "-f", "json").stdout)
    assert data["charges"] == [] and data["budget_against_actual"]


def _edit(root: Path, service: str, old: str, new: str) -> None:
    path = root / "services" / f"{service}.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_what_cannot_be_charged_is_a_problem_not_a_guess(example_catalogue: Path) -> None:
    _edit(example_catalogue, "methodology-coaching", "volume: coaching-sessions, rate: 380",
          "volume: no-such-kpi, rate: 380")  # fmt: skip
    _edit(example_catalogue, "pm-training", "    rate: 420\n", "")
    _edit(example_catalogue, "resource-capacity-planning", "split: {capital-delivery: 100}",
          "split: {capital-delivery: 60}")  # fmt: skip
    result = _recharge(example_catalogue, "--period", "2026-11", "-f", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["problems"] == [
        "methodology-coaching: funding.recharge.volume names no KPI 'no-such-kpi'",
        "pm-training: funding.recharge has a volume but no rate",
        "resource-capacity-planning: funding.recharge.split adds up to 60%, not 100%",
    ]
    assert [(c["service"], c["amount"]) for c in data["charges"]] == [
        ("resource-capacity-planning", 1040.0)
    ]
    text = _recharge(example_catalogue, "--period", "2026-11")
    assert "problem: pm-training" in text.stdout


def test_recharge_text_from_the_catalogue_is_shown_as_written(example_catalogue: Path) -> None:
    """Rich markup in a name is text, not styling (and nothing is coloured with NO_COLOR)."""
    path = example_catalogue / "organisation.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("name: Capital delivery directorate", 'name: "[red]Capital[/red]"', 1),
        "utf-8",
    )
    result = run_cli(
        "recharge", "-C", str(example_catalogue), "--period", "2026-11",
        env={**DAY, "NO_COLOR": "1"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout
    assert "[red]Capital[/red]" in result.stdout


def test_files_without_the_new_fields_keep_validating(example_catalogue: Path) -> None:
    for name in ("pm-training", "resource-capacity-planning", "methodology-coaching"):
        path = example_catalogue / "services" / f"{name}.yaml"
        text = path.read_text(encoding="utf-8")
        start = text.index("  recharge:") if "  recharge:" in text else None
        if start is not None:
            end = text.index("\n\n", start)
            text = text[:start] + text[end + 1 :]
        path.write_text(text, encoding="utf-8")
    result = run_cli("validate", str(example_catalogue))
    assert result.returncode == 0, result.stdout
    statement = api.recharge(example_catalogue, period="2026-11", today=dt.date(2026, 12, 1))
    amounts = {(c.group, c.service): c.amount for c in statement.charges}
    # without terms: the whole budget, a twelfth a month, equally between the customers
    assert amounts["capital-delivery", "resource-capacity-planning"] == 2166.67
    assert amounts["capital-delivery", "pm-training"] == 2541.67


@pytest.mark.parametrize("period", ["2026-00", "2026/11", "last month", "2099-01"])
def test_a_bad_period_is_refused(period: str) -> None:
    result = _recharge(EXAMPLE, "--period", period)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "--period" in result.stderr and "Traceback" not in result.stderr


def test_a_bad_actual_period_is_a_finding(example_catalogue: Path) -> None:
    _edit(example_catalogue, "pmo-tooling-admin", "{period: 2026-10,", "{period: 2026-13,")
    result = run_cli("validate", str(example_catalogue))
    assert result.returncode == 1
    assert "a month" in result.stdout and "YYYY-MM" in result.stdout
    with pytest.raises(UserError):
        api.recharge(EXAMPLE, period="2026-11", today=dt.datetime(2026, 12, 1))  # type: ignore[arg-type]
