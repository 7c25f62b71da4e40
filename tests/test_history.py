"""`pmoctl history` and `timelines()`: the lifecycle read back from git."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from conftest import git, run_cli
from lifecycle_support import DIRECTOR, OWNER, make_repo, move
from pmoctl import runtime
from pmoctl.errors import RepoStateError, UserError
from pmoctl.lifecycle.history import service_history, stage_periods, timelines


@pytest.fixture
def moved_repo(tmp_path: Path) -> Path:
    """alpha: proposed -> design -> pilot, with an edit in between; beta moved with alpha."""
    top, _ = make_repo(tmp_path)
    move(top, "alpha", "beta", to="design", by=DIRECTOR, note="Both decided\n\nat the Q1 round.")
    path = top / "services" / "alpha.yaml"
    path.write_text(path.read_text("utf-8").replace("Service alpha", "Alpha reporting"), "utf-8")
    git(top, "commit", "-q", "-am", "alpha: better name")
    move(top, "alpha", to="pilot", by=OWNER)
    return top


def test_history_lists_moves_and_edits_oldest_first(moved_repo: Path) -> None:
    result = service_history(moved_repo, "alpha")
    kinds = [(e["kind"], e["subject"]) for e in result["events"]]
    assert kinds == [
        ("edit", "initial catalogue"),
        ("move", "transition(2 services): -> design"),
        ("edit", "alpha: better name"),
        ("move", "transition(alpha): design -> pilot"),
    ]
    decided = result["events"][1]
    assert decided["from"] == "proposed" and decided["to"] == "design"
    assert decided["approver_id"] == DIRECTOR
    assert decided["approved_by"] == "Helen Achebe <helen.achebe@harbourside-water.example>"
    assert decided["note"] == "Both decided\n\nat the Q1 round."
    assert decided["author"] == "Test Analyst <analyst@example.org>"
    assert result["stage"] == "pilot"
    assert [p["stage"] for p in result["stages"]] == ["proposed", "design", "pilot"]
    assert result["stages"][-1]["until"] is None
    assert result["truncated"] is False


def test_timelines_cover_every_service_in_one_pass(moved_repo: Path) -> None:
    every = timelines(moved_repo)
    assert set(every) >= {"alpha", "beta", "portfolio-reporting"}
    assert [e["kind"] for e in every["beta"]] == ["edit", "move"]
    alone = service_history(moved_repo, "alpha")["events"]
    # only `history` reads the file for the recorded moves' dates
    assert every["alpha"] == [{k: v for k, v in e.items() if k != "move_date"} for e in alone]
    event = every["beta"][1]
    assert set(event) >= {"commit", "date", "author", "subject", "kind", "from", "to",
                          "approved_by", "reason", "note"}  # fmt: skip
    dt.datetime.fromisoformat(str(event["date"]))


def test_timelines_outside_git_is_empty(example_catalogue: Path) -> None:
    assert timelines(example_catalogue) == {}


def test_catalogue_in_a_subfolder(tmp_path: Path) -> None:
    top, root = make_repo(tmp_path, subfolder="pmo/catalogue")
    move(root, "alpha", to="design", by=DIRECTOR, note="go")
    (top / "services").mkdir()
    (top / "services" / "alpha.yaml").write_text("not: ours\n")  # outside the catalogue
    git(top, "add", "-A")
    git(top, "commit", "-qm", "unrelated")
    assert [e["kind"] for e in timelines(root)["alpha"]] == ["edit", "move"]
    assert service_history(root, "alpha")["path"] == "pmo/catalogue/services/alpha.yaml"


def test_stage_periods_count_days() -> None:
    events: list[dict[str, object]] = [
        {"kind": "edit", "date": "2026-01-01T10:00:00+00:00"},
        {"kind": "move", "date": "2026-01-11T10:00:00+00:00", "from": "proposed", "to": "design"},
        {"kind": "move", "date": "2026-02-10T10:00:00+00:00", "from": "design", "to": "pilot"},
    ]
    now = dt.datetime(2026, 2, 15, 10, tzinfo=dt.UTC)
    periods = stage_periods(events, "pilot", now)
    assert [(p["stage"], p["days"]) for p in periods] == [
        ("proposed", 10),
        ("design", 30),
        ("pilot", 5),
    ]


def test_time_in_stage_counts_from_the_recorded_move_dates(tmp_path: Path) -> None:
    """A move recorded as 2024-09-02 but committed today (imported, or --date) began then."""
    top, _ = make_repo(tmp_path)
    move(top, "alpha", to="design", by=DIRECTOR, note="go", date=dt.date(2024, 9, 2))
    # a move written by hand (no trailers), as an import would record it
    path = top / "services" / "alpha.yaml"
    text = path.read_text("utf-8").replace("  stage: design\n", "  stage: pilot\n", 1)
    text = text.rstrip("\n") + (
        "\n    - from: design\n      to: pilot\n      date: 2024-10-01\n"
        f"      approved_by: {OWNER}\n"
    )
    path.write_text(text, "utf-8")
    git(top, "commit", "-q", "-am", "import the pilot move")
    result = service_history(top, "alpha")
    today = runtime.today()  # PMOCTL_TODAY, which the tests set
    periods = [(p["stage"], str(p["since"])[:10], p["days"]) for p in result["stages"]]
    first = dt.date.fromisoformat(periods[0][1])
    assert periods == [
        ("proposed", first.isoformat(), max(0, (dt.date(2024, 9, 2) - first).days)),
        ("design", "2024-09-02", (dt.date(2024, 10, 1) - dt.date(2024, 9, 2)).days),
        ("pilot", "2024-10-01", (today - dt.date(2024, 10, 1)).days),
    ]
    status = json.loads(run_cli("status", "-f", "json", cwd=top).stdout)
    alpha = next(row for row in status if row["id"] == "alpha")
    assert alpha["days_in_stage"] == periods[-1][2]
    text_out = run_cli("history", "alpha", cwd=top).stdout
    assert "2024-09-02" in text_out  # the move's own date in the timeline
    assert f"pilot      {periods[-1][2]:>5} days  (2024-10-01 to now)" in text_out


def test_shallow_clone_says_history_is_truncated(moved_repo: Path, tmp_path: Path) -> None:
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{moved_repo}", str(clone))
    result = run_cli("history", "alpha", cwd=clone)
    assert result.returncode == 0, result.stderr
    assert "history is truncated" in result.stdout
    data = json.loads(run_cli("history", "alpha", "--format", "json", cwd=clone).stdout)
    assert data["truncated"] is True
    assert len(data["events"]) == 1


def test_cli_text_and_json(moved_repo: Path) -> None:
    text = run_cli("history", "alpha", cwd=moved_repo)
    assert text.returncode == 0, text.stderr
    assert "move  proposed -> design" in text.stdout
    assert "approved by Helen Achebe" in text.stdout
    assert "edit  alpha: better name" in text.stdout
    assert "time in each stage:" in text.stdout
    data = json.loads(run_cli("history", "alpha", "-f", "json", cwd=moved_repo).stdout)
    assert data["service"] == "alpha" and len(data["events"]) == 4


def test_unknown_and_hostile_ids(moved_repo: Path) -> None:
    with pytest.raises(UserError, match="no service"):
        service_history(moved_repo, "nothing-here")
    assert run_cli("history", "../../etc/passwd", cwd=moved_repo).returncode == 2


@pytest.mark.parametrize("command", ["history", "show", "transition"])
def test_an_unknown_service_is_exit_2_with_did_you_mean(moved_repo: Path, command: str) -> None:
    extra = ("--to", "design", "--approved-by", "helen-achebe") if command == "transition" else ()
    result = run_cli(command, "alpah", *extra, cwd=moved_repo)
    assert result.returncode == 2, result.stderr
    assert "no service 'alpah'" in result.stderr
    assert "did you mean 'alpha'?" in result.stderr


def test_history_needs_git(example_catalogue: Path) -> None:
    with pytest.raises(RepoStateError):
        service_history(example_catalogue, "portfolio-reporting")


def test_text_escapes_the_folder_and_a_stage_read_from_the_file(tmp_path: Path) -> None:
    top, root = make_repo(tmp_path, subfolder="pmo\x1b[31m\n::error::x/catalogue")
    path = root / "services" / "alpha.yaml"
    text = path.read_text("utf-8")
    path.write_text(text.replace("stage: proposed", 'stage: "\\e[2Jgone"'), "utf-8")
    git(top, "commit", "-qam", "a stage typed by hand")
    result = run_cli("history", "alpha", cwd=root)
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout
    assert not any(line.startswith("::") for line in result.stdout.splitlines())
    assert "alpha (pmo\\x1b[31m\\n::error::x/catalogue/services/alpha.yaml): 2 commits" in (
        result.stdout
    )


def test_a_recorded_decision_is_a_decision_in_the_history(example_repo: Path) -> None:
    appointed = run_cli(
        "appoint", "dependency-mapping", "--owner", "marcus-lindqvist",
        "--approved-by", DIRECTOR, cwd=example_repo,
    )  # fmt: skip
    assert appointed.returncode == 0, appointed.stderr
    events = service_history(example_repo, "dependency-mapping")["events"]
    last = events[-1]
    assert (last["kind"], last["decision"], last["approver_id"]) == (
        "decision",
        "appoint-owner",
        DIRECTOR,
    )
    text = run_cli("history", "dependency-mapping", cwd=example_repo).stdout
    assert "decision  appoint-owner(dependency-mapping): owner marcus-lindqvist" in text
    assert "approved by Helen Achebe" in text
