"""Service reviews: the cadence and when a review is due, `pmoctl review` on real
repositories, and what `pmoctl due` lists of them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from conftest import DUE_DAY, git, run_cli
from pmoctl.catalogue.reviews import add_months
from pmoctl.gitrepo import parse_decision
from pmoctl.yaml.loader import parse

ASSURANCE = "services/project-assurance.yaml"
REVIEW = (
    "review", "project-assurance", "--attendee", "marcus-lindqvist", "--attendee", "tom-okafor",
    "--summary", "Reviews on time reached 93% in the third quarter.",
    "--approved-by", "helen-achebe",
)  # fmt: skip


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> Any:
    return run_cli(*args, cwd=cwd, env={"PMOCTL_TODAY": DUE_DAY, "NO_COLOR": "1", **(env or {})})


def _state(repo: Path) -> tuple[str, str, dict[str, bytes]]:
    files = {path.name: path.read_bytes() for path in sorted((repo / "services").glob("*"))}
    return git(repo, "rev-parse", "HEAD"), git(repo, "status", "--porcelain"), files


def _reviews(repo: Path, service: str = "project-assurance") -> list[dict[str, Any]]:
    data = parse((repo / "services" / f"{service}.yaml").read_text("utf-8"))
    return list(data.get("reviews", []))  # type: ignore[union-attr]


def _due_ids(repo: Path, *args: str, env: dict[str, str] | None = None) -> list[str]:
    result = _run("due", "--format", "json", *args, cwd=repo, env=env)
    assert result.returncode == 0, result.stderr
    return [item["id"] for item in json.loads(result.stdout)["items"]]


def _findings(repo: Path, env: dict[str, str] | None = None) -> list[tuple[str, str]]:
    result = _run("validate", "--format", "json", "--no-cache", ".", cwd=repo, env=env)
    return [
        (finding["path"], finding["message"])
        for finding in json.loads(result.stdout)["findings"]
        if finding["rule"] == "REVIEW-DUE"
    ]


# --- the cadence ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        ("2026-03-15", 3, "2026-06-15"),
        ("2026-01-31", 1, "2026-02-28"),
        ("2028-01-31", 1, "2028-02-29"),
        ("2026-11-30", 3, "2027-02-28"),
        ("2026-08-31", 6, "2027-02-28"),
        ("2026-12-01", 12, "2027-12-01"),
    ],
)
def test_the_next_review_is_the_same_day_cadence_months_later(
    day: str, months: int, expected: str
) -> None:
    assert add_months(dt.date.fromisoformat(day), months) == dt.date.fromisoformat(expected)


def _set_cadence(catalogue: Path, cadence: str) -> None:
    config = catalogue / "pmoctl.yaml"
    config.write_text(config.read_text("utf-8") + f"reviews:\n  cadence: {cadence}\n", "utf-8")


def test_a_catalogue_cadence_counts_from_the_go_live_and_a_service_may_override_it(
    example_catalogue: Path,
) -> None:
    # the example sets a cadence on two services only: nothing is due on the day tests run
    assert _findings(example_catalogue, {"PMOCTL_TODAY": "2026-11-20"}) == []
    _set_cadence(example_catalogue, "annually")
    # lessons-learned-library went live on 2025-02-10: its first annual review was due on
    # 2026-02-10; a service with its own cadence keeps it
    found = dict(_findings(example_catalogue, {"PMOCTL_TODAY": "2026-11-20"}))
    assert found["services/lessons-learned-library.yaml"] == (
        "the annually service review was due on 2026-02-10: no review since it went live on "
        "2025-02-10"
    )
    assert "services/project-assurance.yaml" not in found
    assert "services/dependency-mapping.yaml" not in found  # not running
    # review_cadence: none exempts a service
    path = example_catalogue / "services" / "lessons-learned-library.yaml"
    path.write_text(
        path.read_text("utf-8").replace("\nlifecycle:", "\nreview_cadence: none\nlifecycle:"),
        "utf-8",
    )
    found = dict(_findings(example_catalogue, {"PMOCTL_TODAY": "2026-11-20"}))
    assert "services/lessons-learned-library.yaml" not in found


def test_a_review_is_due_the_day_after_the_cadence_has_passed(example_catalogue: Path) -> None:
    # project-assurance was last reviewed on 2026-08-27, quarterly: due on 2026-11-27
    assert _findings(example_catalogue, {"PMOCTL_TODAY": "2026-11-27"}) == []
    assert _findings(example_catalogue, {"PMOCTL_TODAY": "2026-11-28"}) == [
        (
            ASSURANCE,
            "the quarterly service review was due on 2026-11-27: no review since 2026-08-27",
        )
    ]


# --- pmoctl due -----------------------------------------------------------------------


def test_due_lists_reviews_and_actions_with_ids_that_stay(example_catalogue: Path) -> None:
    ids = _due_ids(example_catalogue, "--within", "60d")
    assert "review:project-assurance:2026-11-27" in ids
    assert "review-action:portfolio-reporting:2026-10-08:2" in ids
    # the action done is not listed; the next review of portfolio-reporting is in January
    assert "review-action:portfolio-reporting:2026-10-08:1" not in ids
    assert "review:portfolio-reporting:2027-01-08" in ids
    # months on, the same review and action are still owed, under the same ids
    later = _due_ids(example_catalogue, env={"PMOCTL_TODAY": "2027-03-01"})
    assert {"review:project-assurance:2026-11-27",
            "review-action:portfolio-reporting:2026-10-08:2"} <= set(later)  # fmt: skip
    # a closing service's actions are no longer chased
    path = example_catalogue / "services" / "portfolio-reporting.yaml"
    path.write_text(path.read_text("utf-8").replace("  stage: running", "  stage: closing"))
    assert not any(item.startswith("review-action:") for item in _due_ids(example_catalogue))


# --- pmoctl review, on a real repository ----------------------------------------------


def test_review_is_recorded_as_one_commit(example_repo: Path) -> None:
    before = int(git(example_repo, "rev-list", "--count", "HEAD"))
    result = _run(
        *REVIEW, "--decision", "Light-touch reviews stay", "--decision", "Report to the board",
        "--action", "Publish the criteria; both versions;tom-okafor;2026-12-18",
        cwd=example_repo,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "project-assurance: record-review review of 2026-12-01" in result.stdout
    assert int(git(example_repo, "rev-list", "--count", "HEAD")) == before + 1
    assert git(example_repo, "status", "--porcelain") == ""
    assert _reviews(example_repo)[-1] == {
        "date": dt.date(2026, 12, 1),
        # the approver is counted among the attendees
        "attendees": ["marcus-lindqvist", "tom-okafor", "helen-achebe"],
        "approved_by": "helen-achebe",
        "kpi_summary": "Reviews on time reached 93% in the third quarter.",
        "decisions": ["Light-touch reviews stay", "Report to the board"],
        "actions": [
            {"action": "Publish the criteria; both versions", "owner": "tom-okafor",
             "due": dt.date(2026, 12, 18)},
        ],
    }  # fmt: skip
    message = git(example_repo, "log", "-1", "--format=%B")
    assert "Reviews on time reached 93% in the third quarter." in message
    trailers = parse_decision(message)
    assert trailers is not None
    assert (trailers.kind, trailers.services, trailers.approver_id) == (
        "record-review", ["project-assurance"], "helen-achebe",
    )  # fmt: skip
    # the review owed is done; the next is due a quarter later, and its action is listed
    ids = _due_ids(example_repo, "--within", "120d")
    assert "review:project-assurance:2026-11-27" not in ids
    assert "review:project-assurance:2027-03-01" in ids
    assert "review-action:project-assurance:2026-12-01:1" in ids
    assert _findings(example_repo) == []


def test_review_dry_run_shows_the_diff_and_writes_nothing(example_repo: Path) -> None:
    before = _state(example_repo)
    result = _run(*REVIEW, "--date", "2026-11-30", "--dry-run", cwd=example_repo)
    assert result.returncode == 0, result.stderr
    assert "+  - date: 2026-11-30" in result.stdout
    assert _state(example_repo) == before


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        ({1: "project-asurance"}, 2, "no service 'project-asurance'"),
        ({1: "weekly-status-digest"}, 1,
         "weekly-status-digest is closed: reviews are held while a service is delivered"),
        ({9: "tom-okafor"}, 1,
         "project-assurance: to hold a service review is for the Service Owner or Service "
         "Manager; tom-okafor is not"),
        ({9: "helen-achbe"}, 2, "--approved-by 'helen-achbe' is not a person"),
        ({3: "marcus-lindqvst"}, 2, "--attendee 'marcus-lindqvst' is not a person"),
        ({7: " "}, 2, "--summary is empty or holds control characters"),
        ({7: "a\x1b[2Jb"}, 2, "--summary is empty or holds control characters"),
    ],
)  # fmt: skip
def test_review_refuses_and_leaves_the_repository_as_it_was(
    example_repo: Path, change: dict[int, str], code: int, message: str
) -> None:
    args = list(REVIEW)
    for index, value in change.items():
        args[index] = value
    before = _state(example_repo)
    result = _run(*args, cwd=example_repo)
    assert result.returncode == code, (result.stdout, result.stderr)
    assert message in result.stderr
    assert "Traceback" not in result.stderr and "\x1b" not in result.stderr
    assert _state(example_repo) == before


@pytest.mark.parametrize(
    ("extra", "code", "message"),
    [
        (("--action", "Publish;tom-okafor"), 2,
         "--action 'Publish;tom-okafor' is not TEXT;OWNER;YYYY-MM-DD"),
        (("--action", "Publish;tom-okafor;next week"), 2, "'next week' is not a date"),
        (("--action", ";tom-okafor;2026-12-18"), 2, "is not TEXT;OWNER;YYYY-MM-DD"),
        (("--action", "Publish;tom-okafr;2026-12-18"), 2,
         "--action 'tom-okafr' is not a person in organisation.yaml"),
        (("--action", "Publish;tom-okafor;2026-11-01"), 2,
         "--action 'Publish' is due on 2026-11-01, before the review (2026-12-01)"),
        (("--decision", "x" * 301), 2, "is longer than 300 characters"),
        (("--decision", "a\nb"), 2, "--decision 'a\\nb' is more than one line"),
        (("--action", "a\nb;tom-okafor;2026-12-18"), 2, "--action 'a\\nb' is more than one line"),
        (("--date", "2026-12-02"), 2, "--date 2026-12-02 is after today"),
        (("--date", "2026-13-01"), 2, "--date '2026-13-01' is not a date"),
        (("--date", "2026-08-27"), 1, "project-assurance already has a review on 2026-08-27"),
        (("--date", "2026-08-01"), 1,
         "project-assurance: the review's date, 2026-08-01 (given with --date), is before its "
         "last recorded review (2026-08-27)"),
    ],
)  # fmt: skip
def test_review_refuses_bad_actions_decisions_and_dates(
    example_repo: Path, extra: tuple[str, ...], code: int, message: str
) -> None:
    before = _state(example_repo)
    result = _run(*REVIEW, *extra, cwd=example_repo)
    assert result.returncode == code, (result.stdout, result.stderr)
    assert message in result.stderr
    assert _state(example_repo) == before


def test_review_refuses_a_changed_file(example_repo: Path) -> None:
    path = example_repo / ASSURANCE
    path.write_text(path.read_text("utf-8") + "# not committed\n", "utf-8")
    before = _state(example_repo)
    result = _run(*REVIEW, cwd=example_repo)
    assert result.returncode == 3, result.stderr
    assert _state(example_repo) == before


def test_the_api_records_a_review_with_actions_as_tuples(
    example_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pmoctl import api
    from pmoctl.errors import UserError

    monkeypatch.setenv("PMOCTL_TODAY", DUE_DAY)
    outcome = api.review(
        example_repo, "project-assurance", attendees=["marcus-lindqvist"], summary="Fine.",
        approved_by="marcus-lindqvist",
        actions=[("Tidy the tracker", "tom-okafor", dt.date(2026, 12, 31)),
                 "A;tom-okafor;2027-01-05"],
    )  # fmt: skip
    assert outcome.commit is not None
    assert [action["due"] for action in _reviews(example_repo)[-1]["actions"]] == [
        dt.date(2026, 12, 31), dt.date(2027, 1, 5),
    ]  # fmt: skip
    for call in (
        lambda: api.review(example_repo, "project-assurance", attendees="marcus-lindqvist",
                           summary="x", approved_by="marcus-lindqvist"),
        lambda: api.review(example_repo, "project-assurance", attendees=["marcus-lindqvist"],
                           summary="x", approved_by="marcus-lindqvist", date="2026-11-01"),  # type: ignore[arg-type]
    ):  # fmt: skip
        with pytest.raises(UserError):
            call()
