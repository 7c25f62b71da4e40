"""`pmoctl transition` on real repositories: every allowed move, every refusal, and the
transaction (hooks, signing, interruption, concurrency, all-or-none)."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import Unprivileged, git, run_cli
from lifecycle_support import (
    ANALYST,
    DIRECTOR,
    OWNER,
    cli_move,
    commit_count,
    make_repo,
    move,
    snapshot,
)
from pmoctl import runtime
from pmoctl.catalogue import lifecycle
from pmoctl.errors import GitCommandError, RepoStateError, UserError
from pmoctl.gitrepo import parse_trailers
from pmoctl.lifecycle.record import RecordRefusedError
from pmoctl.lifecycle.transaction import JOURNAL
from pmoctl.yaml.loader import parse

#: the readiness assessment of a sign-off (pilot -> transition)
READY = {
    "governance": "The board reviews the service monthly.",
    "resources": "Analyst time agreed.",
    "training": "Project managers briefed.",
    "communication": "Announced at the portfolio review.",
}
READY_OPTIONS = tuple(
    option for area, text in READY.items() for option in ("--readiness", f"{area}={text}")
)

# The moves that walk "alpha" over every edge of the stage graph, with their evidence.
WALK: list[tuple[str, str, dict[str, object]]] = [
    ("design", DIRECTOR, {"note": "Fits the strategy; capacity agreed."}),
    ("pilot", OWNER, {}),
    ("design", OWNER, {"note": "The pilot showed the template is too long."}),
    ("pilot", OWNER, {}),
    (
        "transition",
        OWNER,
        {"readiness": READY, "rollout": "phased"},
    ),
    ("running", OWNER, {}),
    ("closing", OWNER, {"reason": "objective-achieved", "communication": "Told at the forum."}),
    (
        "closed",
        OWNER,
        {
            "kept": ("Report template=PMO SharePoint, Reporting",),
            "archived": ("Board papers=Records centre PMO/31",),
            "discarded": ("Old dashboards",),
        },
    ),
    ("proposed", DIRECTOR, {"note": "Asked for again by the board."}),
    ("closing", DIRECTOR, {"reason": "resources-needed-elsewhere"}),
    ("closed", OWNER, {"kept": ("Lessons",)}),
    ("proposed", DIRECTOR, {"note": "Third time."}),
    ("design", DIRECTOR, {"note": "Go."}),
    ("closing", OWNER, {"reason": "requested-by-stakeholders"}),
    ("closed", OWNER, {"discarded": ("Drafts",)}),
    ("proposed", DIRECTOR, {"note": "Again."}),
    ("design", DIRECTOR, {"note": "Go."}),
    ("pilot", OWNER, {}),
    ("closing", OWNER, {"reason": "requested-by-owner"}),
    ("closed", OWNER, {"kept": ("Notes",)}),
    ("proposed", DIRECTOR, {"note": "Again."}),
    ("rejected", DIRECTOR, {"reason": "no-capacity", "note": "Not this year."}),
    ("proposed", DIRECTOR, {"note": "Capacity freed."}),
    ("design", DIRECTOR, {"note": "Go."}),
    ("pilot", OWNER, {}),
    (
        "transition",
        OWNER,
        {"readiness": READY, "rollout": "big-bang"},
    ),
    ("closing", OWNER, {"reason": "pmo-change-of-focus", "communication": "E-mail to users."}),
]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path)[0]


def _stage(root: Path, ident: str) -> str:
    data = parse((root / "services" / f"{ident}.yaml").read_text(encoding="utf-8"))
    return str(data["lifecycle"]["stage"])


@pytest.mark.slow
def test_every_allowed_move_is_one_commit_with_its_evidence(repo: Path) -> None:
    covered = set()
    stage = "proposed"
    for index, (target, approver, evidence) in enumerate(WALK):
        before = commit_count(repo)
        outcome = move(repo, "alpha", to=target, by=approver, date=None, **evidence)
        assert outcome.commit == git(repo, "rev-parse", "HEAD").strip()
        assert commit_count(repo) == before + 1
        assert git(repo, "show", "--name-only", "--format=", "HEAD").split() == [
            "services/alpha.yaml"
        ]
        trailers = parse_trailers(git(repo, "log", "-1", "--format=%B"))
        assert trailers is not None
        assert [(m.service, m.source, m.target) for m in trailers.moves] == [
            ("alpha", stage, target)
        ]
        assert trailers.approver_id == approver
        assert trailers.reason == evidence.get("reason")
        data = parse((repo / "services" / "alpha.yaml").read_text(encoding="utf-8"))
        recorded = data["lifecycle"]["moves"][index]
        assert (recorded["from"], recorded["to"], recorded["approved_by"]) == (
            stage, target, approver,
        )  # fmt: skip
        if target == "closed":
            assert recorded["artefact_review"]["reviewed_by"] == approver
        covered.add((stage, target))
        stage = target
    assert covered == {(spec.source.value, spec.target.value) for spec in lifecycle.MOVES}
    assert git(repo, "status", "--porcelain") == ""
    assert run_cli("validate", cwd=repo).returncode == 0


def test_cli_move_commits_with_trailers_and_author(repo: Path) -> None:
    result = cli_move(repo, "alpha", "--to", "design", "--approved-by", DIRECTOR, "--note",
                      "Decided at the Q1 round.", "--date", "2026-01-15")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "alpha: proposed -> design" in result.stdout
    message = git(repo, "log", "-1", "--format=%B")
    assert message.splitlines()[0] == "transition(alpha): proposed -> design"
    assert "Decided at the Q1 round." in message
    assert "Service-Transition: alpha proposed -> design" in message
    assert "Approved-by: Helen Achebe <helen.achebe@harbourside-water.example>" in message
    assert "Approver-Id: helen-achebe" in message
    assert (
        git(repo, "log", "-1", "--format=%an <%ae>").strip() == "Test Analyst <analyst@example.org>"
    )
    diff = git(repo, "show", "--format=", "-U0", "HEAD")
    changed = [
        line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]
    assert changed[0] == "-  stage: proposed"
    assert "+  stage: design" in changed
    assert "+      date: 2026-01-15" in changed


def test_a_date_after_today_is_a_usage_error(repo: Path) -> None:
    before = snapshot(repo)
    tomorrow = (runtime.today() + dt.timedelta(days=1)).isoformat()  # PMOCTL_TODAY in tests
    result = cli_move(repo, *ALPHA_TO_DESIGN, "--date", tomorrow)
    assert result.returncode == 2, result.stderr
    assert f"--date {tomorrow} is after today" in result.stderr
    assert snapshot(repo) == before
    today = cli_move(repo, *ALPHA_TO_DESIGN, "--date", runtime.today().isoformat())
    assert today.returncode == 0, today.stderr


def test_a_date_before_the_previous_move_is_refused_with_a_hint_on_date(repo: Path) -> None:
    first = cli_move(repo, *ALPHA_TO_DESIGN, "--date", "2026-03-10")
    assert first.returncode == 0, first.stderr
    before = snapshot(repo)
    result = cli_move(repo, "alpha", "--to", "pilot", "--approved-by", OWNER,
                      "--date", "2026-03-09")  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert "2026-03-09" in result.stderr and "2026-03-10" in result.stderr
    hint = result.stderr.split("hint:")[-1]
    assert "--date" in hint and "2026-03-10" in hint
    assert snapshot(repo) == before
    same_day = cli_move(repo, "alpha", "--to", "pilot", "--approved-by", OWNER,
                        "--date", "2026-03-10")  # fmt: skip
    assert same_day.returncode == 0, same_day.stderr


def test_dry_run_prints_the_diff_and_changes_nothing(repo: Path) -> None:
    before = snapshot(repo)
    result = cli_move(repo, "alpha", "--to", "design", "--approved-by", DIRECTOR,
                      "--note", "ok", "--dry-run")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "--- a/services/alpha.yaml" in result.stdout
    assert "-  stage: proposed" in result.stdout and "+  stage: design" in result.stdout
    assert "nothing was changed" in result.stderr
    assert snapshot(repo) == before


# --- refused by the catalogue (exit 1) ------------------------------------------------


@pytest.mark.parametrize(
    ("ident", "target", "approver", "evidence", "message"),
    [
        ("alpha", "design", ANALYST, {"note": "x"}, "approved by a PMO Director"),
        ("alpha", "design", OWNER, {"note": "x"}, "tom-okafor" if False else "pmo-manager"),
        ("alpha", "running", DIRECTOR, {}, "cannot move to running"),
        ("alpha", "pilot", OWNER, {}, "cannot move to pilot"),
        ("alpha", "design", DIRECTOR, {}, "needs evidence: --note TEXT"),
        ("alpha", "closing", DIRECTOR, {}, "--reason CODE"),
    ],
)
def test_refused_moves_change_nothing(
    repo: Path, ident: str, target: str, approver: str, evidence: dict[str, object], message: str
) -> None:
    before = snapshot(repo)
    with pytest.raises(RecordRefusedError) as refused:
        move(repo, ident, to=target, by=approver, **evidence)
    assert message in refused.value.message
    assert refused.value.exit_code == 1
    assert snapshot(repo) == before


@pytest.mark.parametrize(
    ("args", "says", "suggests"),
    [
        (("alpha", "--to", "closing", "--approved-by", DIRECTOR, "--reason", "supersceded"),
         "--reason 'supersceded' is not a known reason", "did you mean 'superseded'?"),
        (("alpha", "--to", "closing", "--approved-by", DIRECTOR, "--reason", "bored"),
         "--reason 'bored' is not a known reason", "objective-achieved"),
        (("alpah", "--to", "design", "--approved-by", DIRECTOR, "--note", "x"),
         "no service 'alpah'", "did you mean 'alpha'?"),
        (("alpha", "--to", "design", "--approved-by", "helen-acheb", "--note", "x"),
         "--approved-by 'helen-acheb' is not a person", f"did you mean {DIRECTOR!r}?"),
        (("alpha", "--to", "design", "--approved-by", "nobody-here", "--note", "x"),
         "--approved-by 'nobody-here' is not a person", "people: daniel-reyes"),
    ],
)  # fmt: skip
def test_unknown_names_are_usage_errors_with_a_suggestion(
    repo: Path, args: tuple[str, ...], says: str, suggests: str
) -> None:
    before = snapshot(repo)
    result = cli_move(repo, *args)
    assert result.returncode == 2, result.stderr
    assert says in result.stderr
    assert suggests in result.stderr.split("hint:")[-1]
    assert snapshot(repo) == before


def test_a_misspelt_reason_lists_the_valid_ones(repo: Path) -> None:
    result = cli_move(repo, "alpha", "--to", "closing", "--approved-by", DIRECTOR,
                      "--reason", "supersceded")  # fmt: skip
    hint = result.stderr.split("hint:")[-1]
    for reason in lifecycle.CLOSURE_REASONS:
        assert reason in hint


def test_wrong_owner_and_missing_sign_off_evidence(repo: Path) -> None:
    move(repo, "alpha", to="design", by=DIRECTOR, note="go")
    with pytest.raises(RecordRefusedError, match="approved by the Service Owner, marcus-lindqvist"):
        move(repo, "alpha", to="pilot", by=DIRECTOR)
    move(repo, "alpha", to="pilot", by=OWNER)
    before = snapshot(repo)
    with pytest.raises(RecordRefusedError) as refused:
        move(repo, "alpha", to="transition", by=OWNER, readiness=READY)
    assert "--rollout" in refused.value.message
    with pytest.raises(RecordRefusedError) as refused:
        move(repo, "alpha", to="transition", by=OWNER, rollout="phased")
    assert "--readiness AREA=TEXT" in refused.value.message
    assert snapshot(repo) == before


# --- the set-up decision: capacity, what it closes, rejection -------------------------------


def _commit_edit(repo: Path, rel: str, old: str, new: str) -> None:
    path = repo / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    git(repo, "commit", "-q", "-am", f"edit {rel}")


def _short_of_capacity(repo: Path) -> None:
    """The corporate PMO keeps 6 FTE: its 5.1 committed and alpha's 1.2 do not fit."""
    _commit_edit(repo, "organisation.yaml", "capacity_fte: 7.5", "capacity_fte: 6")


def test_a_set_up_beyond_a_pmos_capacity_is_refused(repo: Path) -> None:
    _short_of_capacity(repo)
    before = snapshot(repo)
    with pytest.raises(RecordRefusedError) as refused:
        move(repo, "alpha", to="design", by=DIRECTOR, note="go")
    assert "PMO corporate-pmo would commit 6.3 FTE of its 6" in refused.value.message
    assert "--closes SERVICE" in refused.value.hint
    assert "--waive-capacity" in refused.value.hint
    assert snapshot(repo) == before


def test_a_set_up_that_closes_a_service_frees_its_capacity(repo: Path) -> None:
    _short_of_capacity(repo)
    result = cli_move(repo, "alpha", "--to", "design", "--approved-by", DIRECTOR, "--note",
                      "Replaces project assurance.", "--closes", "project-assurance")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "project-assurance is running: move it to closing in the same pull request" in (
        result.stderr
    )
    recorded = parse((repo / "services" / "alpha.yaml").read_text("utf-8"))["lifecycle"]
    assert recorded["moves"][-1]["closes"] == "project-assurance"


def test_a_set_up_over_capacity_waived_by_the_director_is_recorded(repo: Path) -> None:
    _short_of_capacity(repo)
    move(repo, "alpha", to="design", by=DIRECTOR, note="Board priority.", waive_capacity=True)
    recorded = parse((repo / "services" / "alpha.yaml").read_text("utf-8"))["lifecycle"]
    assert recorded["moves"][-1]["capacity_waived"] is True
    result = run_cli("validate", cwd=repo)
    assert result.returncode == 0, result.stdout
    assert "warning [CAPACITY-FTE]" in result.stdout
    assert "waiver: alpha" in result.stdout


@pytest.mark.parametrize(
    ("closes", "error", "words"),
    [
        ("no-such-service", UserError, "no service 'no-such-service'"),
        ("weekly-status-digest", RecordRefusedError, "it is closed; the service closed to free"),
        ("alpha", RecordRefusedError, "cannot close itself"),
        ("Bad/Id", UserError, "invalid service id"),
    ],
)
def test_the_service_a_set_up_closes_must_be_one_to_close(
    repo: Path, closes: str, error: type[Exception], words: str
) -> None:
    before = snapshot(repo)
    with pytest.raises(error, match=re.escape(words)):
        move(repo, "alpha", to="design", by=DIRECTOR, note="go", closes=closes)
    assert snapshot(repo) == before


def test_set_up_evidence_on_another_move_is_a_usage_error(repo: Path) -> None:
    move(repo, "alpha", to="design", by=DIRECTOR, note="go")
    with pytest.raises(UserError, match="--closes SERVICE, --waive-capacity is not evidence"):
        move(repo, "alpha", to="pilot", by=OWNER, closes="beta", waive_capacity=True)


def test_a_rejection_is_the_directors_for_a_stated_reason(repo: Path) -> None:
    before = snapshot(repo)
    with pytest.raises(UserError, match="not a known reason for proposed -> rejected"):
        move(repo, "alpha", to="rejected", by=DIRECTOR, reason="objective-achieved")
    with pytest.raises(RecordRefusedError, match="needs evidence: --reason CODE"):
        move(repo, "alpha", to="rejected", by=DIRECTOR)
    with pytest.raises(RecordRefusedError, match="approved by a PMO Director"):
        move(repo, "alpha", to="rejected", by=OWNER, reason="no-capacity")
    assert snapshot(repo) == before
    move(repo, "alpha", to="rejected", by=DIRECTOR, reason="duplicate", note="Same as beta.")
    assert _stage(repo, "alpha") == "rejected"
    status = run_cli("status", "--format", "json", cwd=repo)
    rows = {row["id"]: row for row in json.loads(status.stdout)}
    assert rows["alpha"]["group"] == "retired"
    with pytest.raises(RecordRefusedError, match="is rejected: it cannot move to design") as no:
        move(repo, "alpha", to="design", by=DIRECTOR, note="go")
    assert no.value.hint == "from rejected a service moves to: proposed"
    move(repo, "alpha", to="proposed", by=DIRECTOR, note="Beta was closed.")


# --- testing and sign-off -------------------------------------------------------------------


def test_a_pilot_needs_success_criteria_agreed_at_design(repo: Path) -> None:
    text = (repo / "services" / "alpha.yaml").read_text("utf-8")
    start, end = text.index("\ntesting:\n"), text.index("\n\nlifecycle:")
    (repo / "services" / "alpha.yaml").write_text(text[:start] + text[end:], "utf-8")
    git(repo, "commit", "-q", "-am", "alpha without testing")
    move(repo, "alpha", to="design", by=DIRECTOR, note="go")
    before = snapshot(repo)
    with pytest.raises(RecordRefusedError, match="no success criteria are agreed") as refused:
        move(repo, "alpha", to="pilot", by=OWNER)
    assert "testing.success_criteria" in refused.value.hint
    assert snapshot(repo) == before


def _in_pilot_with_one_criterion_not_met(repo: Path) -> None:
    move(repo, "alpha", to="design", by=DIRECTOR, note="go")
    move(repo, "alpha", to="pilot", by=OWNER)
    _commit_edit(repo, "services/alpha.yaml",
                 "    - criterion: decisions-found-fast\n      met: true",
                 "    - criterion: decisions-found-fast\n      met: false")  # fmt: skip


def test_a_sign_off_needs_every_criterion_met_or_waived_with_a_note(repo: Path) -> None:
    _in_pilot_with_one_criterion_not_met(repo)
    before = snapshot(repo)
    sign_off = {"readiness": READY, "rollout": "phased"}
    with pytest.raises(RecordRefusedError, match="not shown met in testing.results: "
                       "decisions-found-fast") as refused:  # fmt: skip
        move(repo, "alpha", to="transition", by=OWNER, **sign_off)
    assert "--waive CRITERION" in refused.value.hint
    with pytest.raises(RecordRefusedError, match="needs a note saying why"):
        move(repo, "alpha", to="transition", by=OWNER, waived_criteria=("decisions-found-fast",),
             **sign_off)  # fmt: skip
    both = ("decisions-found-fast", "published-by-day-5")
    with pytest.raises(RecordRefusedError, match="'published-by-day-5' is met: it needs no waiver"):
        move(repo, "alpha", to="transition", by=OWNER, note="n", waived_criteria=both,
             **sign_off)  # fmt: skip
    with pytest.raises(RecordRefusedError, match="'on-budget' is not one of its success criteria"):
        move(repo, "alpha", to="transition", by=OWNER, note="n",
             waived_criteria=("decisions-found-fast", "on-budget"), **sign_off)  # fmt: skip
    assert snapshot(repo) == before
    move(repo, "alpha", to="transition", by=OWNER, note="The board accepts it for now.",
         waived_criteria=("decisions-found-fast",), **sign_off)  # fmt: skip
    recorded = parse((repo / "services" / "alpha.yaml").read_text("utf-8"))["lifecycle"]
    last = recorded["moves"][-1]
    assert last["waived_criteria"] == ["decisions-found-fast"]
    assert last["readiness"] == READY
    assert "success_criteria_met" not in last
    assert run_cli("validate", cwd=repo).returncode == 0


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (("--readiness", "Ready."), "names no area"),
        (("--readiness", "governance=ok"), "says nothing about how ready"),
        (("--readiness", "staffing=Two analysts."), "did you mean 'training'?"),
        (("--readiness", "governance=A.", "--readiness", "governance=B."), "given twice"),
        (("--success-criteria-met",), "no longer how a sign-off is recorded"),
    ],
)
def test_a_readiness_that_is_no_checklist_is_a_usage_error(
    repo: Path, options: tuple[str, ...], words: str
) -> None:
    move(repo, "alpha", to="design", by=DIRECTOR, note="go")
    move(repo, "alpha", to="pilot", by=OWNER)
    before = snapshot(repo)
    result = cli_move(repo, "alpha", "--to", "transition", "--approved-by", OWNER,
                      "--rollout", "phased", *options)  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert words in result.stderr
    assert snapshot(repo) == before


def test_a_readiness_checklist_missing_an_area_is_refused(repo: Path) -> None:
    move(repo, "alpha", to="design", by=DIRECTOR, note="go")
    move(repo, "alpha", to="pilot", by=OWNER)
    partial = {area: text for area, text in READY.items() if area != "communication"}
    with pytest.raises(RecordRefusedError, match="lacks --readiness communication=TEXT"):
        move(repo, "alpha", to="transition", by=OWNER, readiness=partial, rollout="phased")


def test_closure_needs_an_artefact_review(repo: Path) -> None:
    move(repo, "alpha", to="closing", by=DIRECTOR, reason="requested-by-stakeholders")
    options = "--kept/--archived NAME=WHERE or --discarded NAME"
    with pytest.raises(RecordRefusedError, match=options):
        move(repo, "alpha", to="closed", by=OWNER)
    move(repo, "alpha", to="closed", by=OWNER, discarded=("Draft plan",))


def _to_running(repo: Path, ident: str = "alpha") -> None:
    for target, approver, evidence in WALK[:2] + WALK[4:6]:
        move(repo, ident, to=target, by=approver, **evidence)


def test_closing_a_running_service_needs_its_communication(repo: Path) -> None:
    _to_running(repo)
    before = snapshot(repo)
    with pytest.raises(RecordRefusedError) as refused:
        move(repo, "alpha", to="closing", by=OWNER, reason="objective-achieved")
    assert "needs evidence: --communication TEXT" in refused.value.message
    assert snapshot(repo) == before
    result = cli_move(repo, "alpha", "--to", "closing", "--approved-by", OWNER, "--reason",
                      "objective-achieved", "--communication", "Told\x1b[2J")  # fmt: skip
    assert result.returncode == 2 and "--communication is empty or holds control" in result.stderr
    assert snapshot(repo) == before
    told = "Customers told at the October forum; the last report goes out in November."
    move(repo, "alpha", to="closing", by=OWNER, reason="objective-achieved", communication=told)
    recorded = parse((repo / "services" / "alpha.yaml").read_text(encoding="utf-8"))
    assert recorded["lifecycle"]["moves"][-1]["communication"] == told


def test_communication_belongs_to_a_closure(repo: Path) -> None:
    before = snapshot(repo)
    result = cli_move(repo, *ALPHA_TO_DESIGN, "--communication", "Told everyone.")
    assert result.returncode == 2, result.stderr
    assert "--communication TEXT is not evidence of the move proposed -> design" in result.stderr
    assert snapshot(repo) == before


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--reason", "objective-achieved", "--superseded-by", "beta"),
         "--superseded-by names the successor of a service closed as superseded"),
        (("--reason", "superseded", "--superseded-by", "alpha"),
         "a service cannot supersede itself"),
        (("--reason", "superseded", "--superseded-by", "betta"),
         "--superseded-by 'betta': there is no services/betta.yaml"),
        (("--reason", "superseded", "--superseded-by", "Beta!"), "invalid service id 'Beta!'"),
    ],
)  # fmt: skip
def test_a_wrong_successor_is_a_usage_error(repo: Path, args: tuple[str, ...], says: str) -> None:
    before = snapshot(repo)
    result = cli_move(repo, "alpha", "--to", "closing", "--approved-by", DIRECTOR, *args)
    assert result.returncode == 2, result.stderr
    assert says in result.stderr
    if "betta" in args:
        assert "did you mean 'beta'?" in result.stderr
    assert snapshot(repo) == before


def test_a_superseded_closure_names_a_successor_that_lists_it(repo: Path) -> None:
    before = snapshot(repo)
    with pytest.raises(RecordRefusedError) as refused:
        move(repo, "alpha", to="closing", by=DIRECTOR, reason="superseded")
    assert "needs evidence: --superseded-by SERVICE" in refused.value.message
    # beta does not list alpha in supersedes yet: the guard refuses, at the new record
    result = cli_move(repo, "alpha", "--to", "closing", "--approved-by", DIRECTOR,
                      "--reason", "superseded", "--superseded-by", "beta")  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert "superseded by beta, which does not list it in supersedes" in result.stderr
    assert "add alpha to supersedes in services/beta.yaml" in result.stderr
    assert snapshot(repo) == before
    beta = repo / "services" / "beta.yaml"
    beta.write_text(
        beta.read_text(encoding="utf-8").replace(
            "\nlifecycle:", "\nsupersedes: [alpha]\n\nlifecycle:"
        ),
        encoding="utf-8",
    )
    git(repo, "commit", "-q", "-am", "beta replaces alpha")
    move(repo, "alpha", to="closing", by=DIRECTOR, reason="superseded", superseded_by="beta")
    recorded = parse((repo / "services" / "alpha.yaml").read_text(encoding="utf-8"))
    assert recorded["lifecycle"]["moves"][-1]["superseded_by"] == "beta"
    assert run_cli("validate", cwd=repo).returncode == 0


def test_the_artefact_inventory_says_where_each_artefact_is_kept(repo: Path) -> None:
    move(repo, "alpha", to="closing", by=DIRECTOR, reason="requested-by-stakeholders")
    before = snapshot(repo)
    for option, value in (("--kept", "Templates="), ("--archived", "=Records centre")):
        result = cli_move(repo, "alpha", "--to", "closed", "--approved-by", OWNER, option, value)
        assert result.returncode == 2, result.stderr
        assert "does not name the artefact and where it is kept" in result.stderr
        assert f"write {option} 'NAME=WHERE'" in result.stderr
    assert snapshot(repo) == before
    result = cli_move(repo, "alpha", "--to", "closed", "--approved-by", OWNER,
                      "--kept", "Report template = PMO SharePoint, Reporting",
                      "--archived", "Board papers=Records centre PMO/2026/31",
                      "--kept", "Distribution list", "--discarded", "Draft a=b")  # fmt: skip
    assert result.returncode == 0, result.stderr
    text = (repo / "services" / "alpha.yaml").read_text(encoding="utf-8")
    assert text.endswith(
        "      artefact_review:\n"
        "        reviewed_by: marcus-lindqvist\n"
        "        artefacts:\n"
        "          - name: Report template\n"
        "            fate: kept\n"
        "            location: PMO SharePoint, Reporting\n"
        "          - name: Distribution list\n"
        "            fate: kept\n"
        "          - name: Board papers\n"
        "            fate: archived\n"
        "            location: Records centre PMO/2026/31\n"
        "          - name: Draft a=b\n"
        "            fate: discarded\n"
    )
    # an artefact kept without saying where is recorded, and validate asks where
    validated = run_cli("validate", cwd=repo)
    assert validated.returncode == 0
    assert "does not say where 'Distribution list' is kept" in validated.stdout


def test_incomplete_service_is_refused_with_positions(repo: Path) -> None:
    before = snapshot(repo)
    result = cli_move(repo, "dependency-mapping", "--to", "design", "--approved-by", DIRECTOR,
                      "--note", "go")  # fmt: skip
    assert result.returncode == 1
    assert "services/dependency-mapping.yaml:" in result.stderr
    assert "[STAGE-COMPLETE] a design service needs a Service Owner" in result.stderr
    line = next(x for x in result.stderr.splitlines() if "Service Owner" in x)
    path, line_no, column = line.split(":")[:3]
    assert int(line_no) > 0 and int(column) > 0
    assert "Traceback" not in result.stderr
    assert snapshot(repo) == before


def test_invalid_service_file_is_refused(repo: Path) -> None:
    path = repo / "services" / "alpha.yaml"
    path.write_text(path.read_text("utf-8").replace("scope: portfolio", "scope: galaxy"), "utf-8")
    git(repo, "commit", "-qam", "break alpha")
    with pytest.raises(RecordRefusedError) as refused:
        move(repo, "alpha", to="design", by=DIRECTOR, note="go")
    assert any(f.rule.startswith("SCHEMA") for f in refused.value.findings)


@pytest.mark.parametrize(
    "bad", ["../../etc/passwd", "*", "-rf", "services/alpha", "Alpha", "a" * 65]
)
def test_hostile_ids_are_usage_errors(repo: Path, bad: str) -> None:
    before = snapshot(repo)
    result = cli_move(repo, "--approved-by", DIRECTOR, "--note", "x", "--to", "design", "--", bad)
    assert result.returncode == 2, result.stderr
    assert snapshot(repo) == before


def test_nul_and_control_characters_are_usage_errors(repo: Path) -> None:
    with pytest.raises(UserError):
        move(repo, "alp\x00ha", to="design", by=DIRECTOR, note="x")
    with pytest.raises(UserError):
        move(repo, "alpha", to="design", by=DIRECTOR, note="x\x1b[31m")


# --- refused by the repository's state (exit 3) ----------------------------------------


def test_uncommitted_changes_to_the_service_file(repo: Path) -> None:
    path = repo / "services" / "alpha.yaml"
    path.write_text(path.read_text("utf-8") + "# wip\n", "utf-8")
    before = snapshot(repo)
    with pytest.raises(RepoStateError, match="uncommitted changes"):
        move(repo, "alpha", to="design", by=DIRECTOR, note="go")
    assert snapshot(repo) == before
    git(repo, "add", "services/alpha.yaml")
    with pytest.raises(RepoStateError, match="uncommitted changes"):
        move(repo, "alpha", to="design", by=DIRECTOR, note="go")


def test_untracked_service_file(repo: Path) -> None:
    (repo / "services" / "gamma.yaml").write_text(
        (repo / "services" / "alpha.yaml").read_text("utf-8").replace("id: alpha", "id: gamma"),
        "utf-8",
    )
    with pytest.raises(RepoStateError, match="not tracked"):
        move(repo, "gamma", to="design", by=DIRECTOR, note="go")


def test_other_staged_file_stays_staged_and_uncommitted(repo: Path) -> None:
    other = repo / "services" / "beta.yaml"
    other.write_text(other.read_text("utf-8") + "# staged edit\n", "utf-8")
    git(repo, "add", "services/beta.yaml")
    move(repo, "alpha", to="design", by=DIRECTOR, note="go")
    assert git(repo, "show", "--name-only", "--format=", "HEAD").split() == ["services/alpha.yaml"]
    assert git(repo, "diff", "--cached", "--name-only").split() == ["services/beta.yaml"]


def test_merge_in_progress(repo: Path) -> None:
    git(repo, "switch", "-q", "-c", "other")
    (repo / "README.txt").write_text("theirs\n")
    git(repo, "add", "README.txt")
    git(repo, "commit", "-qm", "theirs")
    git(repo, "switch", "-q", "main")
    (repo / "README.txt").write_text("ours\n")
    git(repo, "add", "README.txt")
    git(repo, "commit", "-qm", "ours")
    git(repo, "merge", "other", check=False)
    assert (repo / ".git" / "MERGE_HEAD").exists()
    result = cli_move(repo, "alpha", "--to", "design", "--approved-by", DIRECTOR, "--note", "go")
    assert result.returncode == 3
    assert "a merge is in progress" in result.stderr


@pytest.mark.parametrize(
    "marker", ["CHERRY_PICK_HEAD", "REVERT_HEAD", "rebase-merge", "BISECT_LOG"]
)
def test_other_operations_in_progress(repo: Path, marker: str) -> None:
    target = repo / ".git" / marker
    if marker == "rebase-merge":
        target.mkdir()
    else:
        target.write_text(git(repo, "rev-parse", "HEAD"))
    with pytest.raises(RepoStateError, match="in progress"):
        move(repo, "alpha", to="design", by=DIRECTOR, note="go")


def test_index_lock_held(repo: Path) -> None:
    (repo / ".git" / "index.lock").write_text("")
    before = snapshot(repo)
    result = cli_move(repo, "alpha", "--to", "design", "--approved-by", DIRECTOR, "--note", "go")
    assert result.returncode == 3
    assert "index.lock" in result.stderr
    assert snapshot(repo) == before


def test_no_git_identity(repo: Path, tmp_path: Path) -> None:
    config = tmp_path / "no-identity.gitconfig"
    config.write_text("[init]\n\tdefaultBranch = main\n[user]\n\tuseConfigOnly = true\n")
    env = {"GIT_CONFIG_GLOBAL": str(config), "EMAIL": ""}
    before = snapshot(repo)
    result = cli_move(repo, "alpha", "--to", "design", "--approved-by", DIRECTOR, "--note", "go",
                      env=env)  # fmt: skip
    assert result.returncode == 3, result.stderr
    assert "no git identity" in result.stderr
    assert snapshot(repo) == before


def test_not_a_git_repository(example_catalogue: Path) -> None:
    result = cli_move(example_catalogue, "dependency-mapping", "--to", "closing",
                      "--approved-by", DIRECTOR, "--reason", "superseded")  # fmt: skip
    assert result.returncode == 3
    assert "not in a git repository" in result.stderr


def test_detached_head_refused_unless_allowed(repo: Path) -> None:
    git(repo, "checkout", "-q", "--detach")
    with pytest.raises(RepoStateError, match="detached"):
        move(repo, "alpha", to="design", by=DIRECTOR, note="go")
    outcome = move(repo, "alpha", to="design", by=DIRECTOR, note="go", allow_detached=True)
    assert outcome.commit == git(repo, "rev-parse", "HEAD").strip()


def test_catalogue_in_a_subfolder(tmp_path: Path) -> None:
    top, root = make_repo(tmp_path, subfolder="pmo/catalogue")
    result = cli_move(root, "alpha", "--to", "design", "--approved-by", DIRECTOR, "--note", "go")
    assert result.returncode == 0, result.stderr
    assert git(top, "show", "--name-only", "--format=", "HEAD").split() == [
        "pmo/catalogue/services/alpha.yaml"
    ]


# --- git refuses the commit (exit 4, everything restored) -------------------------------


def _hook(repo: Path, name: str, body: str) -> None:
    hook = repo / ".git" / "hooks" / name
    hook.write_text("#!/bin/sh\n" + body)
    hook.chmod(0o755)


@pytest.mark.parametrize("hook", ["pre-commit", "commit-msg"])
def test_failing_hook_restores_file_and_index(repo: Path, hook: str) -> None:
    _hook(repo, hook, "echo 'REJECTED by policy' >&2\nexit 1\n")
    before = snapshot(repo)
    result = cli_move(repo, "alpha", "--to", "design", "--approved-by", DIRECTOR, "--note", "go")
    assert result.returncode == 4
    assert "REJECTED by policy" in result.stderr
    assert snapshot(repo) == before


def test_hooks_run_as_for_git_commit(repo: Path) -> None:
    log = repo / ".git" / "hooks-ran"
    for name in ("pre-commit", "prepare-commit-msg", "commit-msg", "post-commit"):
        _hook(repo, name, f"echo {name} >> '{log}'\n")
    move(repo, "alpha", to="design", by=DIRECTOR, note="go")
    assert log.read_text().split() == [
        "pre-commit",
        "prepare-commit-msg",
        "commit-msg",
        "post-commit",
    ]


# --- hooks that change the commit: accepted only when they reformat the moved file -------


def _head_facts(repo: Path) -> tuple[str, list[str], str]:
    """HEAD's parent, the files HEAD changes, and its message."""
    parent = git(repo, "rev-parse", "HEAD^").strip()
    files = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    return parent, files, git(repo, "log", "-1", "--format=%B")


def test_a_hook_that_reformats_the_moved_file_is_accepted_and_said(repo: Path) -> None:
    # the lint-staged pattern: rewrite the staged file, stage it again
    _hook(repo, "pre-commit", "sed -i 's/^name: /name:   /' services/alpha.yaml\n"
          "git add services/alpha.yaml\n")  # fmt: skip
    head = git(repo, "rev-parse", "HEAD").strip()
    result = cli_move(repo, *ALPHA_TO_DESIGN)
    assert result.returncode == 0, result.stderr
    assert "a hook reformatted services/alpha.yaml" in result.stdout + result.stderr
    parent, files, message = _head_facts(repo)
    assert (parent, files) == (head, ["services/alpha.yaml"])
    assert "Service-Transition: alpha proposed -> design" in message
    assert "name:   Service alpha" in git(repo, "show", "HEAD:services/alpha.yaml")
    assert git(repo, "status", "--porcelain") == ""
    assert _stage(repo, "alpha") == "design"


def test_a_hook_that_adds_a_trailer_is_accepted(repo: Path) -> None:
    trailer = "'Signed-off-by: A <a@example.org>'"
    _hook(repo, "commit-msg", f'git interpret-trailers --in-place --trailer {trailer} "$1"\n')
    result = cli_move(repo, *ALPHA_TO_DESIGN)
    assert result.returncode == 0, result.stderr
    assert "Signed-off-by: A <a@example.org>" in _head_facts(repo)[2]


def _user_changes(repo: Path) -> None:
    """A staged change and an unstaged one in other files: both must survive an undo."""
    (repo / "strategy.yaml").write_text(
        (repo / "strategy.yaml").read_text("utf-8") + "# staged by the user\n", "utf-8"
    )
    git(repo, "add", "strategy.yaml")
    (repo / "pmoctl.yaml").write_text(
        (repo / "pmoctl.yaml").read_text("utf-8") + "# not staged\n", "utf-8"
    )


@pytest.mark.parametrize(
    ("hook", "body", "named"),
    [
        # edits the move itself, not only its layout
        ("pre-commit", "sed -i 's/note: go/note: changed by a hook/' services/alpha.yaml\n"
         "git add services/alpha.yaml\n", "pre-commit or post-commit"),
        # stages other files into the transition's commit
        ("pre-commit", "git add -u\n", "pre-commit or post-commit"),
        # changes another key of the moved file (its owner), not only its layout
        ("pre-commit", "sed -i 's/^  owner: .*/  owner: somebody-else/' services/alpha.yaml\n"
         "git add services/alpha.yaml\n", "pre-commit or post-commit"),
        # rewrites the message: the trailers are gone
        ("commit-msg", "echo 'tidied message' > \"$1\"\n", "commit-msg"),
    ],
)  # fmt: skip
def test_a_hook_that_changes_the_move_is_undone(
    repo: Path, hook: str, body: str, named: str
) -> None:
    _user_changes(repo)
    before = snapshot(repo)
    _hook(repo, hook, body)
    result = cli_move(repo, *ALPHA_TO_DESIGN)
    assert result.returncode == 4, result.stdout + result.stderr
    assert f"{named} hook" in result.stderr
    assert "undone" in result.stderr
    assert "Traceback" not in result.stderr
    (repo / ".git" / "hooks" / hook).unlink()
    assert snapshot(repo) == before
    assert git(repo, "diff", "--cached", "--name-only").split() == ["strategy.yaml"]
    assert git(repo, "diff", "--name-only").split() == ["pmoctl.yaml"]


def test_broken_gpg_signing_restores(repo: Path) -> None:
    git(repo, "config", "commit.gpgsign", "true")
    git(repo, "config", "gpg.program", "/bin/false")
    before = snapshot(repo)
    with pytest.raises(GitCommandError) as failed:
        move(repo, "alpha", to="design", by=DIRECTOR, note="go")
    assert failed.value.exit_code == 4
    assert "gpg" in failed.value.stderr
    assert snapshot(repo) == before


def test_index_version_4_works(repo: Path) -> None:
    git(repo, "update-index", "--index-version", "4")
    move(repo, "alpha", to="design", by=DIRECTOR, note="go")
    assert git(repo, "status", "--porcelain") == ""
    assert (repo / ".git" / "index").read_bytes()[4:8] == b"\x00\x00\x00\x04"


def test_file_mode_is_kept(repo: Path) -> None:
    path = repo / "services" / "alpha.yaml"
    path.chmod(0o640)
    move(repo, "alpha", to="design", by=DIRECTOR, note="go")
    assert path.stat().st_mode & 0o777 == 0o640


# --- several services: one commit or none -----------------------------------------------


def test_several_services_are_one_commit(repo: Path) -> None:
    before = commit_count(repo)
    move(repo, "alpha", "beta", to="design", by=DIRECTOR, note="Both decided.")
    assert commit_count(repo) == before + 1
    message = git(repo, "log", "-1", "--format=%B")
    assert message.startswith("transition(2 services): -> design")
    trailers = parse_trailers(message)
    assert trailers is not None and [m.service for m in trailers.moves] == ["alpha", "beta"]
    assert sorted(git(repo, "show", "--name-only", "--format=", "HEAD").split()) == [
        "services/alpha.yaml", "services/beta.yaml",
    ]  # fmt: skip


def test_several_services_none_when_one_is_refused(repo: Path) -> None:
    before = snapshot(repo)
    with pytest.raises(RecordRefusedError, match="dependency-mapping"):
        move(repo, "alpha", "dependency-mapping", "beta", to="design", by=DIRECTOR, note="go")
    assert snapshot(repo) == before


def test_same_service_twice_is_a_usage_error(repo: Path) -> None:
    with pytest.raises(UserError):
        move(repo, "alpha", "alpha", to="design", by=DIRECTOR, note="go")


# --- interruption, recovery, concurrency ---------------------------------------------------


def _start_paused(root: Path, step: str, *args: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "pmoctl", "transition", *args, "-C", str(root)],
        cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PMOCTL_TEST_PAUSE_AT": step},
    )  # fmt: skip
    assert process.stderr is not None
    line = process.stderr.readline()
    assert line.strip() == f"pmoctl: paused at {step}", line
    return process


ALPHA_TO_DESIGN = ("alpha", "--to", "design", "--approved-by", DIRECTOR, "--note", "go")


@pytest.mark.slow
@pytest.mark.parametrize("step", ["locked", "journal", "written", "committed"])
def test_killed_at_each_step_leaves_before_or_committed(repo: Path, step: str) -> None:
    before = snapshot(repo)
    process = _start_paused(repo, step, *ALPHA_TO_DESIGN)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    recovered = run_cli("recover", cwd=repo)
    assert recovered.returncode == 0, recovered.stderr
    after = snapshot(repo)
    if after["head"] == before["head"]:
        assert after == before
    else:
        assert step == "committed"
        assert (
            git(repo, "log", "-1", "--format=%s").strip() == "transition(alpha): proposed -> design"
        )
        assert git(repo, "status", "--porcelain") == ""
        assert not after["journal"]


@pytest.mark.slow
@pytest.mark.parametrize("step", ["journal", "written"])
def test_terminated_at_a_step_rolls_back_itself(repo: Path, step: str) -> None:
    before = snapshot(repo)
    process = _start_paused(repo, step, *ALPHA_TO_DESIGN)
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    assert process.returncode == 130
    assert snapshot(repo) == before


def test_half_done_state_is_restored_by_the_next_transition(repo: Path) -> None:
    before = snapshot(repo)
    process = _start_paused(repo, "written", *ALPHA_TO_DESIGN)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert (repo / ".git" / JOURNAL).exists()
    assert (repo / "services" / "alpha.yaml").read_bytes() != before["files"]["services/alpha.yaml"]  # type: ignore[index]
    outcome = move(repo, "beta", to="design", by=DIRECTOR, note="go")
    assert any("restored" in line for line in outcome.recovered)
    assert _stage(repo, "alpha") == "proposed"
    assert git(repo, "status", "--porcelain") == ""


def test_recover_reports_the_index_lock_a_killed_commit_left(repo: Path) -> None:
    before = snapshot(repo)
    started = repo / ".git" / "hook-started"
    _hook(repo, "pre-commit", f"touch '{started}'\nsleep 60\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "pmoctl", "transition", *ALPHA_TO_DESIGN, "-C", str(repo)],
        cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    for _ in range(600):
        if started.exists() or process.poll() is not None:
            break
        time.sleep(0.05)
    assert started.exists()
    os.killpg(process.pid, signal.SIGKILL)  # pmoctl, git and the hook: as a crash would
    process.wait(timeout=30)
    lock = repo / ".git" / "index.lock"
    assert lock.exists()
    (repo / ".git" / "hooks" / "pre-commit").unlink()
    started.unlink()
    recovered = run_cli("recover", cwd=repo)
    assert recovered.returncode == 3, recovered.stderr
    assert "restored" in recovered.stdout
    assert str(lock) in recovered.stderr
    assert "no git process is running" in recovered.stderr
    assert f"rm -- {lock}" in recovered.stderr
    lock.unlink()  # as the hint says
    assert snapshot(repo) == before
    again = run_cli("recover", cwd=repo)
    assert (again.returncode, again.stdout.strip()) == (0, "nothing to recover")
    move(repo, "alpha", to="design", by=DIRECTOR, note="go")


def test_second_transition_waits_for_the_lock(repo: Path) -> None:
    first = _start_paused(repo, "locked", *ALPHA_TO_DESIGN)
    second = subprocess.Popen(
        [sys.executable, "-m", "pmoctl", "transition", "beta", "--to", "design",
         "--approved-by", DIRECTOR, "--note", "go", "-C", str(repo)],
        cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            second.wait(timeout=1.5)  # blocked on the lock held by the first
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(timeout=30)
    assert second.wait(timeout=60) == 0
    assert _stage(repo, "beta") == "design" and _stage(repo, "alpha") == "proposed"


@pytest.mark.slow
def test_concurrent_transitions_on_different_services_both_land(repo: Path) -> None:
    before = commit_count(repo)
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pmoctl",
                "transition",
                ident,
                "--to",
                "design",
                "--approved-by",
                DIRECTOR,
                "--note",
                "go",
                "-C",
                str(repo),
            ],
            cwd=repo,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for ident in ("alpha", "beta")
    ]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    assert commit_count(repo) == before + 2
    assert _stage(repo, "alpha") == "design" and _stage(repo, "beta") == "design"
    assert git(repo, "status", "--porcelain") == ""
    assert git(repo, "fsck", "--no-progress", check=False) is not None


def test_recover_with_nothing_to_do(repo: Path) -> None:
    result = run_cli("recover", cwd=repo)
    assert result.returncode == 0
    assert "nothing to recover" in result.stdout


@pytest.mark.slow
def test_concurrent_transitions_of_the_same_service_never_both_apply(repo: Path) -> None:
    before = commit_count(repo)
    argv = [sys.executable, "-m", "pmoctl", "transition", *ALPHA_TO_DESIGN, "-C", str(repo)]
    processes = [
        subprocess.Popen(argv, cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = [(process.wait(timeout=120), process.communicate()[1]) for process in processes]
    assert sorted(code for code, _ in results) == [0, 1], results
    refused = next(err for code, err in results if code == 1)
    assert "alpha is design: it cannot move to design" in refused
    assert commit_count(repo) == before + 1
    data = parse((repo / "services" / "alpha.yaml").read_text(encoding="utf-8"))
    assert len(data["lifecycle"]["moves"]) == 1


def test_an_unreadable_journal_is_removed(repo: Path) -> None:
    (repo / ".git" / JOURNAL).write_text("{not json")
    result = run_cli("recover", cwd=repo)
    assert result.returncode == 0
    assert "unreadable" in result.stdout
    assert not (repo / ".git" / JOURNAL).exists()


def test_byte_order_mark_and_crlf_survive_a_move(repo: Path) -> None:
    path = repo / "services" / "alpha.yaml"
    original = path.read_bytes()
    path.write_bytes(b"\xef\xbb\xbf" + original.replace(b"\n", b"\r\n"))
    git(repo, "commit", "-q", "-am", "alpha: BOM and CRLF, as a Windows editor saves it")
    before = path.read_bytes()
    move(repo, "alpha", to="design", by=DIRECTOR, note="Go.")
    after = path.read_bytes()
    assert after.startswith(b"\xef\xbb\xbf")
    assert after.count(b"\n") == after.count(b"\r\n")  # no bare LF sneaked in
    old_lines, new_lines = before.split(b"\r\n"), after.split(b"\r\n")
    assert [line for line in old_lines if line not in new_lines] == [b"  stage: proposed"]


def test_hooks_get_the_users_environment(repo: Path) -> None:
    """pmoctl skips pydantic's plugin scan for itself; a hook must not inherit that setting."""
    seen = repo / ".git" / "hook-env.txt"
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\nenv > '{seen}'\n", encoding="utf-8")
    hook.chmod(0o755)
    result = cli_move(repo, "alpha", "--to", "design", "--approved-by", DIRECTOR, "--note", "Go.")
    assert result.returncode == 0, result.stderr
    hook_env = seen.read_text(encoding="utf-8")
    assert "GIT_INDEX_FILE" in hook_env  # the hook really ran inside the commit
    assert "PYDANTIC_DISABLE_PLUGINS" not in hook_env
    chosen = cli_move(repo, "alpha", "--to", "pilot", "--approved-by", OWNER,
                      env={"PYDANTIC_DISABLE_PLUGINS": "logfire"})  # fmt: skip
    assert chosen.returncode == 0, chosen.stderr
    assert "PYDANTIC_DISABLE_PLUGINS=logfire" in seen.read_text(encoding="utf-8")


# --- folders the user may not write -------------------------------------------------------


def _stray_temporaries(top: Path) -> list[str]:
    return [path.name for path in top.rglob("*.tmp")]


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    "read_only", ["services", ".git", ".git with its lock file"], ids=lambda name: name
)
def test_a_read_only_folder_refuses_the_move_and_changes_nothing(
    unprivileged: Unprivileged, read_only: str
) -> None:
    top, _ = make_repo(unprivileged.workspace)
    if read_only.endswith("lock file"):  # made by an earlier transition: the journal fails
        (top / ".git" / "pmoctl.lock").touch()
    unprivileged.hand_over()
    git(top, "update-index", "-q", "--refresh")  # the new owner changed every file's ctime
    folder = top / read_only.split(maxsplit=1)[0]
    before = snapshot(top)
    folder.chmod(0o555)
    result = unprivileged.run(
        "transition", "alpha", "--to", "design", "--approved-by", DIRECTOR, "--note", "go",
        cwd=top,
    )  # fmt: skip
    folder.chmod(0o755)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "Permission denied" in result.stderr and "nothing was changed" in result.stderr
    assert "internal error" not in result.stderr
    assert snapshot(top) == before
    assert _stray_temporaries(top) == []


def test_the_rollout_and_stage_choices_are_the_formats_own() -> None:
    """The command line offers the enums the models validate with: one declaration each."""
    import re
    import typing

    from pmoctl.catalogue.models import ID_PATTERN, Move, Service, Stage
    from pmoctl.catalogue.vocabulary import Rollout

    rollout = Move.model_fields["rollout"].annotation
    literal = next(arg for arg in typing.get_args(rollout) if arg is not type(None))
    assert typing.get_args(literal) == tuple(Rollout)
    assert Service.model_fields["lifecycle"].annotation.model_fields["stage"].annotation is Stage
    # a stage is written in commit trailers, which read back names shaped like ids
    assert all(re.match(ID_PATTERN, stage) for stage in Stage)


# --- line endings as git converts them (Git for Windows' autocrlf, .gitattributes) ----------

#: alpha from proposed to closed through every stage, with the evidence each move needs
TO_CLOSED: list[tuple[str, str, tuple[str, ...]]] = [
    ("design", DIRECTOR, ("--note", "Fits the strategy.")),
    ("pilot", OWNER, ()),
    ("transition", OWNER,
     (*READY_OPTIONS, "--rollout", "phased")),
    ("running", OWNER, ()),
    ("closing", OWNER, ("--reason", "objective-achieved", "--communication", "Told.")),
    ("closed", OWNER, ("--kept", "Report template")),
]  # fmt: skip

#: how the clone is configured, and what its origin holds: LF blobs (turned into CRLF in the
#: work tree by git), or CRLF committed as it is (``-text``)
LINE_ENDINGS = {
    "autocrlf": (["core.autocrlf=true"], None),
    "autocrlf-safecrlf": (["core.autocrlf=true", "core.safecrlf=true"], None),
    "eol-crlf": ([], "* text eol=crlf\n"),
    "eol-crlf-safecrlf": (["core.safecrlf=true"], "* text eol=crlf\n"),
    "crlf-committed": (["core.safecrlf=true"], "* -text\n"),
}


def _git_bytes(repo: Path, *args: str) -> bytes:
    """git's output as bytes (``git()`` reads text, which hides carriage returns)."""
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, check=True).stdout


def _crlf_clone(tmp_path: Path, setup: str) -> Path:
    """A fresh clone whose work tree holds CRLF service files, on a branch ``moves``."""
    config, attributes = LINE_ENDINGS[setup]
    origin, _ = make_repo(tmp_path)
    if attributes is not None:
        (origin / ".gitattributes").write_text(attributes, encoding="utf-8")
        if "-text" in attributes:
            for path in origin.rglob("*.yaml"):
                if ".git" not in path.parts:
                    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
        git(origin, "add", "-A")
        git(origin, "commit", "-q", "-m", "line endings")
    clone = tmp_path / "clone"
    options = [arg for item in config for arg in ("-c", item)]
    git(tmp_path, "clone", "-q", *options, str(origin), str(clone))
    git(clone, "switch", "-q", "-c", "moves")
    data = (clone / "services" / "alpha.yaml").read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n") > 0  # git gave the work tree CRLF
    assert git(clone, "status", "--porcelain") == ""
    return clone


@pytest.mark.slow
@pytest.mark.parametrize("setup", sorted(LINE_ENDINGS))
def test_a_crlf_work_tree_goes_from_proposed_to_closed(tmp_path: Path, setup: str) -> None:
    clone = _crlf_clone(tmp_path, setup)
    path = clone / "services" / "alpha.yaml"
    lf_blobs = "-text" not in (LINE_ENDINGS[setup][1] or "")
    assert run_cli("validate", cwd=clone).returncode == 0
    stage = "proposed"
    for target, approver, evidence in TO_CLOSED:
        result = cli_move(clone, "alpha", "--to", target, "--approved-by", approver, *evidence)
        assert result.returncode == 0, result.stderr
        assert "reformatted" not in result.stdout + result.stderr  # git's conversion is no hook
        assert git(clone, "show", "--name-only", "--format=", "HEAD").split() == [
            "services/alpha.yaml"
        ]
        diff = _git_bytes(clone, "show", "--format=", "-U0", "HEAD").decode()
        lines = [
            line for line in diff.split("\n")
            if line[:1] in ("+", "-") and line[:3] not in ("+++", "---")
        ]  # fmt: skip
        removed = [line[1:].rstrip("\r") for line in lines if line[0] == "-"]
        added = [line[1:].rstrip("\r") for line in lines if line[0] == "+"]
        assert removed == [f"  stage: {stage}"], diff
        assert added[0] == f"  stage: {target}", diff
        move_lines = added[1:] if stage != "proposed" else added[2:]
        assert move_lines[0] == f"    - from: {stage}", diff
        assert all(line.startswith("      ") for line in move_lines[1:]), diff
        # the blob holds what git records for the work tree: LF, or CRLF kept as it is
        blob = _git_bytes(clone, "show", "HEAD:services/alpha.yaml")
        data = path.read_bytes()
        assert blob == (data.replace(b"\r\n", b"\n") if lf_blobs else data)
        assert data.count(b"\n") == data.count(b"\r\n")  # the work tree keeps its CRLF
        assert git(clone, "status", "--porcelain") == ""
        stage = target
    assert _stage(clone, "alpha") == "closed"
    checked = run_cli("check", "--base", "main", cwd=clone)
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.slow
@pytest.mark.parametrize("setup", ["autocrlf", "eol-crlf"])
@pytest.mark.parametrize("step", ["written", "committed"])
def test_recover_in_a_crlf_work_tree(tmp_path: Path, setup: str, step: str) -> None:
    clone = _crlf_clone(tmp_path, setup)
    before = snapshot(clone)
    process = _start_paused(clone, step, *ALPHA_TO_DESIGN)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    written = (clone / "services" / "alpha.yaml").read_bytes()
    assert written != before["files"]["services/alpha.yaml"]  # type: ignore[index]
    recovered = run_cli("recover", cwd=clone)
    assert recovered.returncode == 0, recovered.stderr
    after = snapshot(clone)
    if step == "written":
        assert "restored" in recovered.stdout
        assert after["head"] == before["head"]
        assert after["files"] == before["files"]
    else:
        assert "was committed" in recovered.stdout
        assert after["head"] != before["head"]
        assert (clone / "services" / "alpha.yaml").read_bytes() == written
    assert not after["journal"]
    assert git(clone, "status", "--porcelain") == ""


def test_a_hook_that_reformats_only_the_index_leaves_crlf_in_the_work_tree(
    tmp_path: Path,
) -> None:
    clone = _crlf_clone(tmp_path, "autocrlf")
    # a formatter that rewrites the staged blob only (LF, as git stores it)
    _hook(clone, "pre-commit",
          "blob=$(git show :services/alpha.yaml | sed 's/^name: /name:   /' "
          "| git hash-object -w --stdin)\n"
          'git update-index --cacheinfo "100644,$blob,services/alpha.yaml"\n')  # fmt: skip
    result = cli_move(clone, *ALPHA_TO_DESIGN)
    assert result.returncode == 0, result.stderr
    assert "a hook reformatted services/alpha.yaml" in result.stdout + result.stderr
    data = (clone / "services" / "alpha.yaml").read_bytes()
    assert b"name:   Service alpha\r\n" in data
    assert data.count(b"\n") == data.count(b"\r\n")  # the work tree keeps its CRLF
    assert git(clone, "status", "--porcelain") == ""


def test_safecrlf_refusing_an_lf_file_is_a_git_failure_with_nothing_changed(
    tmp_path: Path,
) -> None:
    """With autocrlf and safecrlf, git refuses to commit a file that has LF in the work
    tree (as it would refuse ``git commit``): pmoctl says so, and restores everything.
    Such a work tree: autocrlf was set after the checkout."""
    clone, _ = make_repo(tmp_path)
    git(clone, "config", "core.autocrlf", "true")
    git(clone, "config", "core.safecrlf", "true")
    assert git(clone, "status", "--porcelain") == ""
    before = snapshot(clone)
    result = cli_move(clone, *ALPHA_TO_DESIGN)
    assert result.returncode == 4, result.stdout + result.stderr
    assert "LF would be replaced by CRLF" in result.stderr
    assert snapshot(clone) == before


def test_dry_run_in_a_crlf_work_tree_prints_no_carriage_returns(tmp_path: Path) -> None:
    clone = _crlf_clone(tmp_path, "autocrlf")
    before = snapshot(clone)
    result = cli_move(clone, *ALPHA_TO_DESIGN, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "\n-  stage: proposed\n+  stage: design\n" in result.stdout
    assert "\r" not in result.stdout
    assert snapshot(clone) == before


@pytest.mark.parametrize(
    "journal",
    ["{}", "[]", '{"files": 1, "head_before": "x"}',
     '{"files": [{"path": "../outside", "old": "", "new_sha256": "", "mode": 420}],'
     ' "head_before": "x"}'],
)  # fmt: skip
def test_a_journal_pmoctl_did_not_write_is_removed_not_followed(repo: Path, journal: str) -> None:
    before = snapshot(repo)
    (repo / ".git" / JOURNAL).write_text(journal, encoding="utf-8")
    result = run_cli("recover", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert "removed an unreadable transition journal" in result.stdout
    assert not (repo / ".git" / JOURNAL).exists() and snapshot(repo) == before


def test_evidence_of_another_move_is_refused(repo: Path) -> None:
    before = snapshot(repo)
    result = cli_move(repo, *ALPHA_TO_DESIGN, "--rollout", "phased", "--kept", "a checklist")
    assert result.returncode == 2, result.stderr
    assert (
        "--rollout phased|big-bang, --kept/--archived NAME=WHERE or --discarded NAME is not "
        "evidence" in result.stderr
    )
    assert snapshot(repo) == before
