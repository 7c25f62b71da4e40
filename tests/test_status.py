"""`pmoctl status` and `pmoctl show` on the example catalogue."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from conftest import run_cli
from pmoctl.lifecycle.status import GROUPS, service_details, status_rows

TODAY = dt.date(2026, 11, 23)


def test_rows_are_grouped_in_stage_order(example_catalogue: Path) -> None:
    rows = status_rows(example_catalogue, today=TODAY)
    stages = [row["stage"] for row in rows]
    order = [stage for group in GROUPS.values() for stage in group]
    assert stages == sorted(stages, key=order.index)
    ids = {row["id"] for row in rows}
    files = {path.stem for path in (example_catalogue / "services").glob("*.yaml")}
    assert ids == files
    reporting = next(row for row in rows if row["id"] == "portfolio-reporting")
    assert reporting["group"] == "catalogue"
    assert (
        reporting["owner"] == "marcus-lindqvist" and reporting["owner_name"] == "Marcus Lindqvist"
    )
    assert reporting["since"] == "2024-09-02"
    assert reporting["days_in_stage"] == (TODAY - dt.date(2024, 9, 2)).days
    assert reporting["open_risks"] == 1  # one risk, being mitigated


def test_filters(example_catalogue: Path) -> None:
    running = status_rows(example_catalogue, stages=["running"])
    assert running and all(row["stage"] == "running" for row in running)
    smo = status_rows(example_catalogue, pmo="it-smo")
    assert smo and all("it-smo" in row["pmos"] for row in smo)
    owned = status_rows(example_catalogue, owner="priya-raman")
    assert owned and all(row["owner"] == "priya-raman" for row in owned)
    assert status_rows(example_catalogue, owner="nobody") == []


def test_a_broken_service_file_is_listed_not_hidden(example_catalogue: Path) -> None:
    (example_catalogue / "services" / "broken.yaml").write_text("format: 1\nkind: service\n")
    rows = status_rows(example_catalogue)
    assert rows[-1]["id"] == "broken" and rows[-1]["group"] == "invalid"
    result = run_cli("status", cwd=example_catalogue)
    assert result.returncode == 0
    assert "invalid files" in result.stdout and "broken" in result.stdout


@pytest.mark.slow
def test_cli_formats(example_catalogue: Path) -> None:
    text = run_cli("status", cwd=example_catalogue)
    assert text.returncode == 0, text.stderr
    for heading in ("pipeline", "catalogue", "retired", "portfolio-reporting", "days in stage"):
        assert heading in text.stdout
    data = json.loads(run_cli("status", "--format", "json", cwd=example_catalogue).stdout)
    assert {row["id"] for row in data} == {row["id"] for row in status_rows(example_catalogue)}
    table = list(
        csv.DictReader(io.StringIO(run_cli("status", "-f", "csv", cwd=example_catalogue).stdout))
    )
    assert table[0].keys() >= {"id", "stage", "owner", "pmos", "days_in_stage", "open_risks"}
    filtered = run_cli("status", "--stage", "running", "--stage", "closed", "-f", "json",
                       cwd=example_catalogue)  # fmt: skip
    assert {row["stage"] for row in json.loads(filtered.stdout)} == {"running", "closed"}


def test_csv_cells_cannot_become_formulas(example_catalogue: Path) -> None:
    path = example_catalogue / "services" / "portfolio-reporting.yaml"
    text = path.read_text("utf-8")
    path.write_text(text.replace("name: Portfolio reporting", "name: '=HYPERLINK(\"x\")'"), "utf-8")
    out = run_cli("status", "-f", "csv", cwd=example_catalogue).stdout
    assert "'=HYPERLINK" in out


@pytest.mark.slow
def test_show_one_service(example_catalogue: Path) -> None:
    details = service_details(example_catalogue, "portfolio-reporting")
    assert details["service"]["id"] == "portfolio-reporting"
    assert details["people"]["marcus-lindqvist"] == "Marcus Lindqvist"
    assert {
        "id": "produce-portfolio-report",
        "name": "Produce the monthly portfolio report",
    } in details["procedures"]
    text = run_cli("show", "portfolio-reporting", cwd=example_catalogue)
    assert text.returncode == 0, text.stderr
    for part in ("Portfolio reporting", "Roles", "Marcus Lindqvist", "KPIs", "report-on-time",
                 "Lifecycle", "proposed -> design"):  # fmt: skip
        assert part in text.stdout
    data = json.loads(
        run_cli("show", "portfolio-reporting", "-f", "json", cwd=example_catalogue).stdout
    )
    assert data["service"]["lifecycle"]["stage"] == "running"


def test_show_refuses_unknown_and_hostile_ids(example_catalogue: Path) -> None:
    assert run_cli("show", "no-such-service", cwd=example_catalogue).returncode == 2
    assert run_cli("show", "../organisation", cwd=example_catalogue).returncode == 2


def test_show_does_not_interpret_markup(example_catalogue: Path) -> None:
    path = example_catalogue / "services" / "portfolio-reporting.yaml"
    text = path.read_text("utf-8")
    path.write_text(text.replace("name: Portfolio reporting", "name: '[bold red]x[/] ok'"), "utf-8")
    out = run_cli("show", "portfolio-reporting", cwd=example_catalogue).stdout
    assert "[bold red]x[/] ok" in out
