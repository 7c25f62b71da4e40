"""A decision recorded as one commit (lifecycle.record): the engine under every command that
records a decision, on real repositories; and the decision trailers read back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conftest import git
from lifecycle_support import DIRECTOR, commit_count, make_repo, snapshot
from pmoctl import gitrepo
from pmoctl.errors import RepoStateError, UserError
from pmoctl.lifecycle import record
from pmoctl.yaml import edit
from pmoctl.yaml.loader import parse

SERVICE = "benefits-tracking"


def _reading_plan(root: Path, value: object, person: str = DIRECTOR):  # type: ignore[no-untyped-def]
    def plan(repo: gitrepo.Repo) -> tuple[list[record.FileEdit], record.Decision]:
        organisation = record.load_organisation(root)
        approver = record.find_person(organisation, person)
        service = record.read_service(root, repo, SERVICE)
        reading = {"date": dt.date(2026, 12, 31), "value": value}
        change = record.edited(service, [edit.Append(("kpis", 0, "readings"), reading)])
        decision = record.Decision("record-reading", SERVICE, "benefits-with-owner 99", approver)
        return [change], decision

    return plan


def test_a_decision_is_one_commit_with_its_trailers(tmp_path: Path) -> None:
    top, root = make_repo(tmp_path)
    before = commit_count(top)
    outcome = record.record(root, [SERVICE], _reading_plan(root, 99.0))
    assert commit_count(top) == before + 1
    message = git(top, "log", "-1", "--format=%B")
    trailers = gitrepo.parse_decision(message)
    assert trailers is not None
    assert (trailers.kind, trailers.services, trailers.approver_id) == (
        "record-reading",
        [SERVICE],
        DIRECTOR,
    )
    assert message.startswith(f"record-reading({SERVICE}): benefits-with-owner 99\n")
    assert git(top, "show", "--name-only", "--format=", "HEAD").split() == [
        f"services/{SERVICE}.yaml"
    ]
    data = parse((root / "services" / f"{SERVICE}.yaml").read_text("utf-8"))
    assert data["kpis"][0]["readings"][-1] == {"date": dt.date(2026, 12, 31), "value": 99.0}
    assert outcome.commit == git(top, "rev-parse", "HEAD").strip()
    assert git(top, "status", "--porcelain") == ""


def test_a_dry_run_shows_the_diff_and_changes_nothing(tmp_path: Path) -> None:
    top, root = make_repo(tmp_path)
    before = snapshot(top)
    outcome = record.record(root, [SERVICE], _reading_plan(root, 99.0), dry_run=True)
    added = [line for line in outcome.diff.splitlines() if line.startswith("+ ")]
    assert added == ["+      - {date: 2026-12-31, value: 99.0}"]
    assert outcome.commit is None
    assert snapshot(top) == before


def test_a_decision_that_would_leave_errors_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    top, root = make_repo(tmp_path)
    before = snapshot(top)

    def plan(repo: gitrepo.Repo) -> tuple[list[record.FileEdit], record.Decision]:
        service = record.read_service(root, repo, SERVICE)
        change = record.edited(service, [edit.Set(("roles", "owner"), "nobody-known")])
        return [change], record.Decision("appoint-owner", SERVICE, "owner nobody-known", None)

    with pytest.raises(record.RecordRefusedError) as refused:
        record.record(root, [SERVICE], plan)
    assert refused.value.findings
    assert all(finding.path == f"services/{SERVICE}.yaml" for finding in refused.value.findings)
    assert snapshot(top) == before


def test_a_changed_file_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    top, root = make_repo(tmp_path)
    path = root / "services" / f"{SERVICE}.yaml"
    path.write_text(path.read_text("utf-8") + "# an edit not committed\n", "utf-8")
    before = snapshot(top)
    with pytest.raises(RepoStateError):
        record.record(root, [SERVICE], _reading_plan(root, 99.0))
    assert snapshot(top) == before


def test_an_unknown_person_is_a_usage_error_with_a_suggestion(tmp_path: Path) -> None:
    _, root = make_repo(tmp_path)
    with pytest.raises(UserError) as refused:
        record.record(root, [SERVICE], _reading_plan(root, 99.0, person="helen-achebee"))
    assert "helen-achebe" in refused.value.hint


def test_an_unknown_service_is_a_usage_error(tmp_path: Path) -> None:
    _, root = make_repo(tmp_path)

    def plan(repo: gitrepo.Repo) -> tuple[list[record.FileEdit], record.Decision]:
        record.read_service(root, repo, "benefits-trackin")
        raise AssertionError("not reached")

    with pytest.raises(UserError, match="benefits-trackin"):
        record.record(root, ["benefits-trackin"], plan)


def test_decision_trailers_are_read_from_the_last_paragraph_only() -> None:
    message = gitrepo.decision_message(
        "appoint-owner", ["alpha"], "owner x", approved_by="A <a@b>", approver_id="a",
        note="Service-Decision: appoint-owner beta",
    )  # fmt: skip
    trailers = gitrepo.parse_decision(message)
    assert trailers is not None
    assert trailers.services == ["alpha"]
    assert trailers.note == "Service-Decision: appoint-owner beta"
    two_kinds = "subject\n\nService-Decision: a x\nService-Decision: b y\n"
    assert gitrepo.parse_decision(two_kinds) is None
    assert gitrepo.parse_decision("just a subject\n") is None
    assert gitrepo.parse_trailers(message) is None  # not a transition
