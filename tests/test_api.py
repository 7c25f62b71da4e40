"""The public Python API (docs/api.md) on a real repository: each function does what its
command does."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from conftest import git
from pmoctl import api
from pmoctl.errors import NotACatalogueError, RefusedError, UserError
from pmoctl.findings import Severity


def test_load_gives_every_service_of_the_example(example_repo: Path) -> None:
    catalogue, findings = api.load(example_repo / "services")
    assert "gate-reviews" in catalogue.services
    assert [f for f in findings if f.severity is Severity.ERROR] == []


def test_validate_reports_a_broken_file_at_its_position(example_repo: Path) -> None:
    service = example_repo / "services" / "gate-reviews.yaml"
    service.write_text(service.read_text(encoding="utf-8") + "colour: blue\n", encoding="utf-8")
    result = api.validate(example_repo, files=[service])
    assert [(f.path, f.rule) for f in result.findings] == [
        ("services/gate-reviews.yaml", "SCHEMA-UNKNOWN-KEY")
    ]


def test_transition_commits_one_move_and_refuses_the_wrong_approver(example_repo: Path) -> None:
    head = git(example_repo, "rev-parse", "HEAD").strip()
    with pytest.raises(RefusedError):
        api.transition(
            example_repo, ["gate-reviews"], to="closing", approved_by="marcus-lindqvist",
            reason="superseded", note="The new board process replaces it.",
        )  # fmt: skip
    assert git(example_repo, "rev-parse", "HEAD").strip() == head
    outcome = api.transition(
        example_repo, ["gate-reviews"], to="closing", approved_by="helen-achebe",
        reason="objective-achieved", note="Gate reviews are now part of the board's cycle.",
        communication="Project managers told at the PM forum; the gate guide points to the board.",
    )  # fmt: skip
    assert outcome.commit == git(example_repo, "rev-parse", "HEAD").strip()
    assert git(example_repo, "show", "--name-only", "--format=", "HEAD").split() == [
        "services/gate-reviews.yaml"
    ]
    checked = api.check(example_repo, base=head)
    assert [f.rule for f in checked.findings if f.severity is Severity.ERROR] == []
    assert {f.rule for f in checked.findings} == {"SIPOC-CLOSED-SOURCE"}  # its customers


def test_render_writes_the_site(example_repo: Path, tmp_path: Path) -> None:
    result = api.render(example_repo, tmp_path / "site", with_history=False)
    assert "index.html" in result.written
    assert (tmp_path / "site" / "index.html").is_file()


def test_a_folder_outside_any_catalogue_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(NotACatalogueError):
        api.validate(tmp_path)


def test_kpi_report_and_due_as_of_a_given_day(example_repo: Path) -> None:
    rows = api.kpi_report(example_repo, today=dt.date(2026, 12, 1), service="ppm-adoption-support")
    assert [(row["kpi"], row["overdue"]) for row in rows] == [("directorates-onboarded", True)]
    # the day before November ends, no reading is owed yet (a review, actions and a risk
    # review are, within the default 30 days)
    items = api.due(example_repo / "services", today=dt.date(2026, 11, 30))
    assert [item["kind"] for item in items] == [
        "change-request",
        "issue-action",
        "review-action",
        "review",
        "risk-review",
        "issue-action",
    ]


@pytest.mark.parametrize(
    "call",
    [
        lambda root: api.transition(root, ["gate-reviews"], to="desing", approved_by="x"),
        lambda root: api.transition(root, "gate-reviews", to="closing", approved_by="x"),
        lambda root: api.due(root, within_days=-3),
        lambda root: api.due(root, within_days=10**9),
        lambda root: api.due(root, today="2026-12-01"),  # type: ignore[arg-type]
        lambda root: api.kpi_report(root, today=dt.datetime(2026, 12, 1)),
    ],
)
def test_arguments_a_caller_can_fix_are_user_errors(example_repo: Path, call: Any) -> None:
    before = git(example_repo, "rev-parse", "HEAD")
    with pytest.raises(UserError):
        call(example_repo)
    assert git(example_repo, "rev-parse", "HEAD") == before
