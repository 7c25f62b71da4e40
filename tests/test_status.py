"""`pmoctl status` and `pmoctl show` on the example catalogue."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest

from conftest import DUE_DAY, run_cli
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
    assert status_rows(example_catalogue, owner="tom-okafor") == []  # a person who owns none


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


#: a name that opens an OSC 8 hyperlink, colours the terminal and breaks the line
HOSTILE_NAME = "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\ \x1b[31mred\r\nx\x07"
SHOWN_NAME = r"\x1b]8;;https://evil.example\x1b\click\x1b]8;;\x1b\ \x1b[31mred\r\nx\x07"
RAW_CONTROLS = ("\x1b", "\x07", "\r")


def test_a_catalogue_value_cannot_hold_a_control_character(example_catalogue: Path) -> None:
    """An escape that writes one is refused where it stands (YAML-CHARACTER), and show
    prints no control either way."""
    path = example_catalogue / "services" / "portfolio-reporting.yaml"
    text = path.read_text("utf-8")
    escaped = 'name: "\\e]8;;https://evil\\e\\\\x\\a"'
    path.write_text(text.replace("name: Portfolio reporting", escaped), "utf-8")
    result = run_cli("show", "portfolio-reporting", cwd=example_catalogue)
    assert result.returncode == 1 and "YAML-CHARACTER" in result.stderr
    assert not any(raw in result.stdout + result.stderr for raw in RAW_CONTROLS)


def _rendered(renderable: Any) -> str:
    from rich.console import Console

    out = io.StringIO()
    Console(file=out, width=300, color_system=None).print(renderable)
    return out.getvalue()


def test_show_and_the_status_table_escape_control_characters(example_catalogue: Path) -> None:
    """Defence in depth: whatever reaches the views is printed as escapes."""
    from pmoctl.lifecycle.status import service_view, status_table

    details = service_details(example_catalogue, "portfolio-reporting")
    details["service"]["name"] = HOSTILE_NAME
    shown = _rendered(service_view(details))
    assert not any(raw in shown for raw in RAW_CONTROLS)
    assert "\\x1b]8;;https://evil.example" in shown
    rows = status_rows(example_catalogue)
    rows[0]["owner_name"] = HOSTILE_NAME
    table = _rendered(status_table(rows))
    assert not any(raw in table for raw in RAW_CONTROLS) and "\\x1b]8;;" in table


def test_csv_escapes_control_characters_but_keeps_tabs() -> None:
    from pmoctl.output import report

    out = io.StringIO()
    report.write_csv(
        [{"id": "a", "name": HOSTILE_NAME}, {"id": "b", "name": "-1+1\tcell"}], stream=out
    )
    text = out.getvalue()
    assert not any(raw in text for raw in RAW_CONTROLS)
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(text))}
    assert len(text.splitlines()) == len(rows) + 1  # one line per row: no newline in a cell
    assert rows["a"]["name"] == SHOWN_NAME
    assert rows["b"]["name"] == "'-1+1\tcell"


#: a service with every field of the format set (validated against the schema only)
EVERY_FIELD = """\
format: 1
kind: service
id: every-field
name: Every field
category: Test category
summary: A service that records every field.
description: |
  First line of the description.
  Second line of the description.
outputs: [Output one, Output two]
outcome: The outcome it serves.
customers: [customer-one]
stakeholders: [stakeholder-one]
scope: portfolio
delivery:
  pmos: [corporate-pmo]
  sourcing: {model: partly-outsourced, supplier: Acme Analytics Ltd, outsourced_part: Data entry}
roles:
  owner: marcus-lindqvist
  managers: [{person: tom-okafor, pmo: corporate-pmo}]
  operatives: [grace-mensah]
  appointments:
    - {role: manager, person: tom-okafor, pmo: corporate-pmo, date: 2026-01-05,
       approved_by: helen-achebe, agreed_with: marcus-lindqvist, replaces: sara-novak,
       removed: false, note: Appointment note,
       signature: U1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAppointSg==}
needs:
  competence: [Competence one]
  governance: [Governance one]
  infrastructure: [Infrastructure one]
  capacity: [{pmo: capacity-pmo, fte: 0.75}]
funding:
  model: recharged
  annual_budget: 120000
  currency: EUR
  recharge_basis: Per project
  recharge: {volume: kpi-one, rate: 150, share: 60, split: {customer-one: 70, customer-two: 30}}
  actuals: [{period: 2026-09, amount: 9876.5}]
temporary: {supports: supported-service, end_date: 2027-06-30}
strategy:
  objectives: [objective-one]
  scores: {criterion-one: 4}
request: Ask at the service desk.
links: [https://intranet.example/every-field]
service_levels: [{name: Level name, target: Level target}]
processes:
  - id: process-one
    name: Process name
    suppliers: [Supplier one]
    inputs:
      - name: Input one
        quality: [Input quality]
        trigger: true
        source: {service: source-service, output: Source output}
    steps: [Step one, Step two]
    outputs: [{name: Process output, quality: [Output quality]}]
    customers: [Process customer]
kpis:
  - id: kpi-one
    name: KPI name
    measure: KPI measure.
    unit: days
    target: 5
    direction: lower-is-better
    frequency: quarterly
    thresholds: {green: 5, amber: 8}
    reported_by: grace-mensah
    readings:
      - {date: 2026-09-30, value: 6.5, note: Reading note, reported_by: tom-okafor,
         signature: U1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAReadingSg==}
risks:
  - id: risk-one
    title: Risk title
    likelihood: low
    impact: high
    status: open
    owner: tom-okafor
    mitigation: Risk mitigation.
    escalated_to: management
    review_by: 2026-12-01
issues:
  - id: issue-one
    title: Issue title
    raised: 2026-10-01
    status: open
    owner: grace-mensah
    escalated_to: operations
    kpi: kpi-one
    actions: [{action: Issue action, owner: tom-okafor, due: 2026-10-20, done: true}]
change_requests:
  - id: change-one
    title: Change title
    kind: improvement
    reason: business-context
    description: Change description.
    requested_by: tom-okafor
    date: 2026-10-02
    impact:
      strategy: Strategy impact.
      catalogue: Catalogue impact.
      handbook: Handbook impact.
    status: implemented
    decided_by: marcus-lindqvist
    decided: 2026-10-03
    decision_note: Decision note.
    decision_signature: U1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkADecisionS==
    implemented: 2026-10-04
    implemented_by: tom-okafor
    implementation_signature: U1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAImplementS==
    approved_by: marcus-lindqvist
review_cadence: quarterly
reviews:
  - date: 2026-04-20
    attendees: [marcus-lindqvist, tom-okafor]
    approved_by: marcus-lindqvist
    kpi_summary: Review summary.
    decisions: [Review decision]
    actions: [{action: Review action, owner: grace-mensah, due: 2026-05-15, done: false}]
    signature: U1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAReviewSig==
supersedes: [older-service]
demand:
  requested_by: executive-board
  requested: 2025-12-01
  customer: executive-board
  expected_outcome: Expected outcome text.
testing:
  success_criteria:
    - {id: criterion-a, criterion: Criterion text, agreed_with: [executive-board]}
  participants:
    suppliers: [Pilot supplier]
    customers: [investment-committee]
    operatives: [grace-mensah]
  results:
    - {criterion: criterion-a, met: true, date: 2026-02-20, note: Result note}
lifecycle:
  stage: closing
  moves:
    - from: proposed
      to: design
      date: 2026-01-05
      approved_by: helen-achebe
      note: Move note
      closes: closed-service
      capacity_waived: true
    - {from: design, to: pilot, date: 2026-02-02, approved_by: marcus-lindqvist}
    - from: pilot
      to: design
      date: 2026-02-09
      approved_by: marcus-lindqvist
      note: Back to design
    - from: design
      to: pilot
      date: 2026-02-10
      approved_by: marcus-lindqvist
    - from: pilot
      to: transition
      date: 2026-02-23
      approved_by: marcus-lindqvist
      rollout: big-bang
      readiness:
        governance: Governance statement.
        resources: Resources statement.
        training: Training statement.
        communication: Communication statement.
      waived_criteria: [criterion-b]
    - from: transition
      to: pilot
      date: 2026-02-24
      approved_by: marcus-lindqvist
    - from: pilot
      to: transition
      date: 2026-03-02
      approved_by: marcus-lindqvist
      rollout: phased
      readiness: Readiness assessment.
      success_criteria_met: true
    - {from: transition, to: running, date: 2026-04-06, approved_by: marcus-lindqvist}
    - from: running
      to: closing
      date: 2026-05-04
      approved_by: marcus-lindqvist
      reason: superseded
      superseded_by: newer-service
      communication: Customers told at the May forum.
      artefact_review:
        reviewed_by: grace-mensah
        kept: [Kept artefact]
        discarded: [Old file]
        artefacts: [{name: Report template, fate: archived, location: Records archive}]
      signature: U1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAMoveSign==
"""


def _leaves(value: object, where: str = "") -> list[tuple[str, object]]:
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in _leaves(item, f"{where}.{key}")]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item, where)]
    return [(where, value)]


def _fields(model: type, where: str = "") -> set[str]:
    """Every field path of a model (lists and dicts of models followed)."""
    from typing import get_args

    from pydantic import BaseModel

    found = set()
    for name, info in model.model_fields.items():  # type: ignore[attr-defined]
        path = f"{where}.{info.alias or name}"
        found.add(path)
        for arg in (info.annotation, *get_args(info.annotation)):
            for inner in (arg, *get_args(arg)):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    found |= _fields(inner, path)
    return found


def test_show_prints_every_field_the_service_records(example_catalogue: Path) -> None:
    from pmoctl.catalogue.models import Service

    (example_catalogue / "services" / "every-field.yaml").write_text(EVERY_FIELD, "utf-8")
    data = json.loads(run_cli("show", "every-field", "-f", "json", cwd=example_catalogue).stdout)
    leaves = _leaves(data["service"])
    recorded = {where for where, _ in leaves}
    uncovered = {
        field for field in _fields(Service)
        if not any(leaf == field or leaf.startswith(field + ".") for leaf in recorded)
    }  # fmt: skip
    assert uncovered == set()  # the service above sets every field of the format
    result = run_cli("show", "every-field", cwd=example_catalogue, env={"COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    shown = " ".join(result.stdout.split())
    missing = []
    for where, value in leaves:
        if where in (".format", ".kind") or isinstance(value, bool):
            continue
        text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        if where.endswith("signature"):  # shown shortened, as `show` documents
            text = f"signed ({text[:8]}...{text[-8:]})"
        if " ".join(text.split()) not in shown:
            missing.append((where, value))
    assert missing == []
    for label in (
        "(trigger)",
        "success criteria met yes",
        "supplier Acme Analytics Ltd",
        "criterion-one: 4",
    ):
        assert label in shown


# --- pmoctl kpi report and pmoctl due, as of conftest.DUE_DAY unless said otherwise -------


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> Any:
    return run_cli(*args, cwd=cwd, env={"PMOCTL_TODAY": DUE_DAY, **(env or {})})


def _json(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> object:
    result = _run(*args, "--format", "json", cwd=cwd, env=env)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return json.loads(result.stdout)


def test_kpi_report_gives_latest_rag_trend_and_overdue(example_catalogue: Path) -> None:
    rows = _json("kpi", "report", cwd=example_catalogue)
    assert isinstance(rows, list)
    by_id = {(row["service"], row["kpi"]): row for row in rows}
    # only running services: the pipeline's KPIs are not reported yet
    assert {row["service"] for row in rows} == {
        "benefits-tracking", "gate-reviews", "lessons-learned-library", "pmo-tooling-admin",
        "portfolio-reporting", "ppm-adoption-support", "project-assurance",
        "resource-capacity-planning",
    }  # fmt: skip
    returns = by_id[("portfolio-reporting", "returns-complete")]
    assert returns["latest"] == 72 and returns["latest_date"] == "2026-11-30"
    assert (returns["rag"], returns["trend"], returns["recent"]) == ("red", "down", [78, 86, 72])
    assert (returns["overdue"], returns["missed"], returns["last_due"]) == (False, 0, "2026-11")
    onboarded = by_id[("ppm-adoption-support", "directorates-onboarded")]
    assert (onboarded["rag"], onboarded["trend"]) == ("amber", "up")
    assert (onboarded["overdue"], onboarded["missed"]) == (True, 1)
    # lower-is-better: 24 -> 12 goes down, which is better (amber against green 10)
    forecast = by_id[("resource-capacity-planning", "forecast-accuracy")]
    assert (forecast["rag"], forecast["trend"]) == ("amber", "down")
    # a single reading has no trend
    assert by_id[("gate-reviews", "decision-turnaround")]["trend"] is None


def test_kpi_report_filters_and_formats(example_catalogue: Path) -> None:
    one = _json("kpi", "report", "--service", "portfolio-reporting", cwd=example_catalogue)
    assert [row["kpi"] for row in one] == ["report-on-time", "returns-complete"]  # type: ignore[union-attr]
    it = _json("kpi", "report", "--pmo", "it-smo", cwd=example_catalogue)
    assert {row["service"] for row in it} == {"pmo-tooling-admin", "ppm-adoption-support"}  # type: ignore[union-attr]
    owned = _json("kpi", "report", "--owner", "nobody-here", cwd=example_catalogue)
    assert owned == []
    text = _run("kpi", "report", cwd=example_catalogue)
    assert text.returncode == 0
    assert "KPIs of running services on 2026-12-01" in text.stdout
    assert "returns-complete" in text.stdout and "overdue" in text.stdout
    empty = _run("kpi", "report", "--service", "nobody", cwd=example_catalogue)
    assert empty.stdout == "no KPIs of running services match\n"
    rows = list(csv.DictReader(io.StringIO(_run("kpi", "report", "-f", "csv",
                                                   cwd=example_catalogue).stdout)))  # fmt: skip
    returns = next(row for row in rows if row["kpi"] == "returns-complete")
    assert (returns["rag"], returns["recent"]) == ("red", "78.0;86.0;72.0")


def test_kpi_report_csv_and_json_escape_what_they_write() -> None:
    from pmoctl.output import report

    row = {"kpi": "k", "name": f"=cmd{HOSTILE_NAME}"}
    out = io.StringIO()
    report.write_csv([row], stream=out)
    assert not any(raw in out.getvalue() for raw in RAW_CONTROLS)
    assert f"'=cmd{SHOWN_NAME}" in out.getvalue()
    data = io.StringIO()
    report.write_json([row], stream=data)
    assert "\x1b" not in data.getvalue() and "\\u001b]8;;" in data.getvalue()


def test_due_lists_what_needs_doing_with_stable_ids(example_catalogue: Path) -> None:
    data = _json("due", "--within", "120d", cwd=example_catalogue)
    assert isinstance(data, dict)
    assert (data["today"], data["within_days"]) == ("2026-12-01", 120)
    assert [(item["id"], item["due"], item["overdue"]) for item in data["items"]] == [
        ("change-request:portfolio-reporting:cr-benefits-section", "2026-09-02", False),
        ("issue-action:pmo-tooling-admin:duplicate-resources:1", "2026-11-27", True),
        ("review-action:portfolio-reporting:2026-10-08:2", "2026-11-27", True),
        ("review:project-assurance:2026-11-27", "2026-11-27", True),
        ("kpi-reading:ppm-adoption-support:directorates-onboarded:2026-11", "2026-11-30", True),
        ("risk-review:portfolio-reporting:single-analyst:2026-12-15", "2026-12-15", False),
        ("issue-action:portfolio-reporting:missing-returns:1", "2026-12-18", False),
        ("review:portfolio-reporting:2027-01-08", "2027-01-08", False),
        ("end-date:ppm-adoption-support:2027-03-31", "2027-03-31", False),
    ]
    # the default window (30 days) does not reach the end date
    default = _json("due", cwd=example_catalogue)
    assert "end-date:ppm-adoption-support:2027-03-31" not in {
        item["id"]
        for item in default["items"]  # type: ignore[index]
    }
    # two months on, the same reading is still owed (with the next one): the same id
    later = _json("due", "--within", "6w", cwd=example_catalogue,
                  env={"PMOCTL_TODAY": "2027-02-01"})  # fmt: skip
    items = {item["id"]: item for item in later["items"]}  # type: ignore[index]
    owed = items["kpi-reading:ppm-adoption-support:directorates-onboarded:2026-11"]
    assert owed["what"] == "no reading for 2026-11 to 2027-01 (3 months)"
    # an end date within the window (and one passed) is listed, and the text shows the ids
    text = _run("due", "--within", "6w", cwd=example_catalogue,
                   env={"PMOCTL_TODAY": "2027-04-02"})  # fmt: skip
    assert "end-date:ppm-adoption-support:2027-03-31" in text.stdout
    assert "2027-03-31 overdue" in text.stdout


def test_due_lists_open_actions_and_risk_reviews_only(example_catalogue: Path) -> None:
    path = example_catalogue / "services" / "portfolio-reporting.yaml"
    text = path.read_text(encoding="utf-8")
    # the first action done, and a closed risk past its review date: nothing is owed
    due = "        due: 2026-12-18\n"
    text = text.replace(due, due + "        done: true\n")
    path.write_text(text.replace("    status: mitigating\n", "    status: closed\n"), "utf-8")
    tooling = example_catalogue / "services" / "pmo-tooling-admin.yaml"
    # a resolved issue's open action is not owed either
    raised = "    raised: 2026-09-14\n"
    resolved = tooling.read_text(encoding="utf-8").replace(
        raised + "    status: open\n", raised + "    status: resolved\n"
    )
    tooling.write_text(resolved, encoding="utf-8")
    data = _json("due", "--within", "120d", cwd=example_catalogue)
    ids = [item["id"] for item in data["items"]]  # type: ignore[index]
    assert not [ident for ident in ids if ident.startswith(("issue-action", "risk-review"))]
    # with no action done, each is owed under its number in the list
    path.write_text(text.replace("        done: true\n", ""), encoding="utf-8")
    data = _json("due", "--within", "120d", cwd=example_catalogue)
    ids = [item["id"] for item in data["items"]]  # type: ignore[index]
    assert "issue-action:portfolio-reporting:missing-returns:2" in ids


def test_due_escapes_titles_and_refuses_a_bad_window_or_day(example_catalogue: Path) -> None:
    path = example_catalogue / "services" / "portfolio-reporting.yaml"
    text = path.read_text("utf-8")
    path.write_text(
        text.replace(
            "title: Add a benefits section fed by benefits tracking", f'title: "{HOSTILE_NAME}"'
        ),
        "utf-8",
    )
    out = _run("due", cwd=example_catalogue)
    assert out.returncode == 0 and "\x1b" not in out.stdout and "\a" not in out.stdout
    for args, env in (
        (("due", "--within", "soon"), None),
        (("due", "--within", "-3d"), None),
        (("due",), {"PMOCTL_TODAY": "2026-02-30"}),
        (("kpi", "report"), {"PMOCTL_TODAY": "1st of May"}),
        (("validate", "."), {"PMOCTL_TODAY": "2026-W48-1"}),
    ):
        result = _run(*args, cwd=example_catalogue, env=env)
        assert result.returncode == 2, (args, result.stdout)
        assert "Traceback" not in result.stderr and "hint:" in result.stderr


def test_pmoctl_today_is_the_day_of_transition_status_and_history(example_repo: Path) -> None:
    """One day for every command: a reproducible run gives the same dates and durations."""
    moved = run_cli(
        "transition", "gate-reviews", "--to", "closing", "--approved-by", "helen-achebe",
        "--reason", "objective-achieved", "--note", "done", "--communication", "told", "--dry-run",
        cwd=example_repo, env={"PMOCTL_TODAY": "2026-12-01"},
    )  # fmt: skip
    assert moved.returncode == 0, moved.stderr
    assert "+      date: 2026-12-01" in moved.stdout
    later = run_cli(
        "transition", "gate-reviews", "--to", "closing", "--approved-by", "helen-achebe",
        "--reason", "objective-achieved", "--note", "done", "--date", "2026-12-02", "--dry-run",
        cwd=example_repo, env={"PMOCTL_TODAY": "2026-12-01"},
    )  # fmt: skip
    assert later.returncode == 2 and "2026-12-02" in later.stderr

    def days(today: str) -> tuple[int, int]:
        env = {"PMOCTL_TODAY": today}
        rows = json.loads(run_cli("status", "-f", "json", cwd=example_repo, env=env).stdout)
        row = next(row for row in rows if row["id"] == "gate-reviews")
        story = json.loads(
            run_cli("history", "gate-reviews", "-f", "json", cwd=example_repo, env=env).stdout
        )
        return int(row["days_in_stage"]), int(story["stages"][-1]["days"])

    first, second = days("2026-12-01"), days("2026-12-11")
    assert (second[0] - first[0], second[1] - first[1]) == (10, 10)


@pytest.mark.parametrize(
    ("option", "typo", "suggestion"),
    [("--owner", "helen-achebee", "helen-achebe"), ("--pmo", "corporate-pm", "corporate-pmo")],
)
def test_a_status_filter_that_names_nothing_is_a_typo_not_an_empty_list(
    example_catalogue: Path, option: str, typo: str, suggestion: str
) -> None:
    result = run_cli("status", option, typo, cwd=example_catalogue)
    assert result.returncode == 2
    assert f"did you mean '{suggestion}'" in result.stderr
    assert result.stdout == ""
