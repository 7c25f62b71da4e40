"""`pmoctl check`: real two-branch repositories, real commits, the real CLI for the contract."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from conftest import EXAMPLE, git, run_cli
from pmoctl.errors import RepoStateError, UserError
from pmoctl.findings import Finding
from pmoctl.lifecycle.check import check

OWNER = "helen-achebe"  # owner of gate-reviews and the PMO Director
MANAGER = "marcus-lindqvist"  # manages gate-reviews; owns portfolio-risk-review
PEOPLE = {
    OWNER: "Helen Achebe <helen.achebe@harbourside-water.example>",
    MANAGER: "Marcus Lindqvist <marcus.lindqvist@harbourside-water.example>",
}
#: how a closure is told to customers, and the evidence of a hand-made move to closing
TOLD = "Project managers told at the PM forum."
CLOSURE = f"      reason: objective-achieved\n      communication: {TOLD}\n"


def branch(repo: Path, name: str = "change") -> None:
    git(repo, "switch", "-q", "-c", name)


def commit_all(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def line_of(path: Path, pattern: str, last: bool = False) -> tuple[int, int]:
    """1-based line and the column of the value after ``pattern`` (a regex ending in ': ')."""
    hits = [
        (number, match.end() + 1)
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if (match := re.match(pattern, text))
    ]
    assert hits, f"{pattern!r} not in {path}"
    return hits[-1] if last else hits[0]


def stage_line(repo: Path, ident: str) -> tuple[int, int]:
    return line_of(repo / "services" / f"{ident}.yaml", r"  stage: ")


def hand_move(
    repo: Path,
    ident: str,
    source: str,
    target: str,
    approver: str,
    *,
    extra: str = "",
    trailers: bool = True,
    approver_trailer: str | None = None,
) -> str:
    """A commit that looks like a transition (move appended, stage set, trailers), made by hand.

    ``pmoctl transition`` refuses bad moves, so a pull request carrying one was made like this.
    """
    path = repo / "services" / f"{ident}.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.rstrip().splitlines()[-1].startswith("      "), "moves must end the file"
    text = text.replace(f"  stage: {source}\n", f"  stage: {target}\n", 1)
    text = text.rstrip("\n") + (
        f"\n    - from: {source}\n      to: {target}\n      date: 2026-11-20\n"
        f"      approved_by: {approver}\n{extra}"
    )
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")
    message = f"transition({ident}): {source} -> {target}"
    if trailers:
        named = approver_trailer or approver
        message += (
            f"\n\nService-Transition: {ident} {source} -> {target}\n"
            f"Approved-by: {PEOPLE[named]}\nApprover-Id: {named}"
        )
    return commit_all(repo, message)


def checks_of(root: Path, base: str = "main") -> list[Finding]:
    return [f for f in check(root, base).findings if f.rule.startswith("CHECK-")]


def only(findings: list[Finding], rule: str) -> Finding:
    matching = [f for f in findings if f.rule == rule]
    assert len(matching) == 1, findings
    return matching[0]


# --- legal moves ------------------------------------------------------------------------


def test_a_move_made_by_transition_passes(example_repo: Path) -> None:
    branch(example_repo)
    moved = run_cli(
        "transition", "gate-reviews", "--to", "closing", "--approved-by", OWNER,
        "--reason", "objective-achieved", "--communication", TOLD,
        "--note", "The committee moved to the new portal.",
        cwd=example_repo,
    )  # fmt: skip
    assert moved.returncode == 0, moved.stderr
    result = run_cli("check", "--base", "main", cwd=example_repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[CHECK-" not in result.stdout
    assert "0 services added, 1 changed stage, 0 edited" in result.stdout
    assert "changed stage: gate-reviews running -> closing" in result.stdout


def test_a_new_service_as_proposed_and_an_edit_pass(example_repo: Path) -> None:
    branch(example_repo)
    new = example_repo / "services" / "dependency-mapping-two.yaml"
    text = (example_repo / "services" / "dependency-mapping.yaml").read_text(encoding="utf-8")
    new.write_text(
        text.replace("id: dependency-mapping\n", "id: dependency-mapping-two\n"), "utf-8"
    )
    # a service being designed is edited freely (a running one needs a change request:
    # tests/test_changes.py)
    edited = example_repo / "services" / "portfolio-risk-review.yaml"
    edited.write_text(
        edited.read_text(encoding="utf-8").replace(
            "name: Portfolio risk review", "name: Portfolio risk reviews"
        ),
        encoding="utf-8",
    )
    commit_all(example_repo, "add a service, rename one's title")
    result = check(example_repo, "main")
    assert [f for f in result.findings if f.rule.startswith("CHECK-")] == []
    assert result.added == ["dependency-mapping-two"]
    assert result.edited == ["portfolio-risk-review"]
    assert result.moved == []


# --- what a pull request must not do -----------------------------------------------------


def test_a_hand_edited_stage_is_reported_at_its_line(example_repo: Path) -> None:
    branch(example_repo)
    path = example_repo / "services" / "gate-reviews.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("  stage: running\n", "  stage: closing\n"),
        encoding="utf-8",
    )
    commit_all(example_repo, "close it")
    result = run_cli("check", "--base", "main", cwd=example_repo)
    assert result.returncode == 1
    line, column = stage_line(example_repo, "gate-reviews")
    assert re.search(
        rf"^services/gate-reviews\.yaml:{line}:{column}: error \[CHECK-STAGE-EDIT\] .*by hand",
        result.stdout,
        re.MULTILINE,
    ), result.stdout


def test_a_skipped_stage_is_reported(example_repo: Path) -> None:
    branch(example_repo)
    hand_move(example_repo, "portfolio-risk-review", "design", "transition", MANAGER,
              extra="      success_criteria_met: true\n      readiness: Ready.\n"
                    "      rollout: phased\n")  # fmt: skip
    finding = only(checks_of(example_repo), "CHECK-SKIPPED-STAGE")
    assert (finding.path, (finding.line, finding.column)) == (
        "services/portfolio-risk-review.yaml",
        stage_line(example_repo, "portfolio-risk-review"),
    )
    assert "design -> transition skips pilot" in finding.message


def test_a_move_approved_by_someone_not_the_owner_is_reported(example_repo: Path) -> None:
    branch(example_repo)
    hand_move(example_repo, "gate-reviews", "running", "closing", MANAGER,
              extra=CLOSURE)  # fmt: skip
    findings = checks_of(example_repo)
    finding = only(findings, "CHECK-APPROVER")
    path = example_repo / "services" / "gate-reviews.yaml"
    assert (finding.line, finding.column) == line_of(path, r"      approved_by: ", last=True)
    assert f"Service Owner, {OWNER}; not {MANAGER}" in finding.message
    assert [f.rule for f in findings] == ["CHECK-APPROVER"]


def test_an_approver_missing_from_the_registry_at_that_commit_is_reported(
    example_repo: Path,
) -> None:
    branch(example_repo)
    hand_move(example_repo, "gate-reviews", "running", "closing", "nobody-known",
              extra=CLOSURE, trailers=False)  # fmt: skip
    finding = only(checks_of(example_repo), "CHECK-APPROVER")
    assert "not in organisation.yaml at commit" in finding.message


def test_missing_evidence_is_reported(example_repo: Path) -> None:
    branch(example_repo)
    hand_move(example_repo, "gate-reviews", "running", "closing", OWNER)  # no reason
    finding = only(checks_of(example_repo), "CHECK-EVIDENCE")
    assert "lacks its evidence: reason" in finding.message


def test_a_closure_without_its_communication_is_reported(example_repo: Path) -> None:
    branch(example_repo)
    hand_move(example_repo, "gate-reviews", "running", "closing", OWNER,
              extra="      reason: objective-achieved\n")  # fmt: skip
    finding = only(checks_of(example_repo), "CHECK-EVIDENCE")
    assert finding.message.endswith("lacks its evidence: communication")
    path = example_repo / "services" / "gate-reviews.yaml"
    assert finding.line == line_of(path, r"    - from: ", last=True)[0]


def test_a_superseded_closure_names_its_successor_which_lists_it(example_repo: Path) -> None:
    branch(example_repo)
    hand_move(example_repo, "gate-reviews", "running", "closing", OWNER,
              extra=f"      reason: superseded\n      communication: {TOLD}\n")  # fmt: skip
    finding = only(checks_of(example_repo), "CHECK-EVIDENCE")
    assert finding.message.endswith("lacks its evidence: superseded_by")
    # named, but the successor does not list it: validate's finding, reported by check too
    git(example_repo, "reset", "-q", "--hard", "main")
    hand_move(example_repo, "gate-reviews", "running", "closing", OWNER,
              extra=f"      reason: superseded\n      superseded_by: project-assurance\n"
                    f"      communication: {TOLD}\n")  # fmt: skip
    result = check(example_repo, "main")
    assert [f.rule for f in result.findings if f.rule.startswith("CHECK-")] == []
    finding = only(result.findings, "STAGE-COMPLETE")
    assert "superseded by project-assurance, which does not list it" in finding.message
    assert (finding.path, finding.line) == (
        "services/gate-reviews.yaml",
        line_of(example_repo / "services" / "gate-reviews.yaml", r"      superseded_by: ")[0],
    )


def test_a_closed_move_needs_an_artefact_inventory(example_repo: Path) -> None:
    branch(example_repo)
    hand_move(example_repo, "schedule-health-checks", "closing", "closed", MANAGER,
              extra="      artefact_review:\n        reviewed_by: tom-okafor\n"
                    "        kept: [Scorecard template]\n")  # fmt: skip
    finding = only(checks_of(example_repo), "CHECK-EVIDENCE")
    assert finding.message.endswith("lacks its evidence: artefact_inventory")
    git(example_repo, "reset", "-q", "--hard", "main")
    moved = run_cli("transition", "schedule-health-checks", "--to", "closed",
                    "--approved-by", MANAGER, "--kept", "Scorecard template=PMO SharePoint",
                    "--archived", "Check rules=Records centre PMO/2026/12",
                    "--discarded", "Scorecard mailing list", cwd=example_repo)  # fmt: skip
    assert moved.returncode == 0, moved.stderr
    result = run_cli("check", "--base", "main", cwd=example_repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[CHECK-" not in result.stdout and "warning" not in result.stdout


def test_a_deleted_service_is_reported(example_repo: Path) -> None:
    branch(example_repo)
    git(example_repo, "rm", "-q", "services/weekly-status-digest.yaml")
    commit_all(example_repo, "remove a closed service")
    result = check(example_repo, "main")
    finding = only(result.findings, "CHECK-DELETED")
    assert (finding.path, finding.line) == ("services/weekly-status-digest.yaml", 0)
    assert result.deleted == ["weekly-status-digest"]


def test_a_renamed_service_is_reported_at_its_id(example_repo: Path) -> None:
    branch(example_repo)
    old, new = (
        example_repo / "services" / "gate-reviews.yaml",
        example_repo / "services" / "gates.yaml",
    )
    new.write_text(
        old.read_text(encoding="utf-8").replace("id: gate-reviews\n", "id: gates\n"), "utf-8"
    )
    old.unlink()
    commit_all(example_repo, "shorter id")
    result = check(example_repo, "main")
    finding = only(result.findings, "CHECK-RENAMED")
    assert (finding.path, (finding.line, finding.column)) == (
        "services/gates.yaml",
        line_of(new, r"id: "),
    )
    assert result.renamed == [("gate-reviews", "gates")]


def test_a_move_in_a_commit_without_trailers_is_reported(example_repo: Path) -> None:
    branch(example_repo)
    moved = run_cli(
        "transition", "gate-reviews", "--to", "closing", "--approved-by", OWNER,
        "--reason", "objective-achieved", "--communication", TOLD, cwd=example_repo,
    )  # fmt: skip
    assert moved.returncode == 0, moved.stderr
    git(example_repo, "commit", "-q", "--amend", "-m", "Close gate reviews (#12)")
    finding = only(checks_of(example_repo), "CHECK-TRAILERS")
    path = example_repo / "services" / "gate-reviews.yaml"
    assert finding.line == line_of(path, r"    - from: ", last=True)[0]
    assert "no Service-Transition trailer" in finding.message


def test_two_moves_squashed_into_one_commit_are_reported(example_repo: Path) -> None:
    branch(example_repo)
    for stage, extra in (("design", ["--note", "Shorter sessions."]), ("pilot", [])):
        moved = run_cli("transition", "methodology-coaching", "--to", stage,
                        "--approved-by", "priya-raman", *extra, cwd=example_repo)  # fmt: skip
        assert moved.returncode == 0, moved.stderr
    git(example_repo, "reset", "-q", "--soft", "main")
    commit_all(example_repo, "Methodology coaching: second pilot (#7)")
    finding = only(checks_of(example_repo), "CHECK-TRAILERS")
    assert "records 2 moves of methodology-coaching at once" in finding.message


def test_a_move_commit_that_changes_other_files_is_reported(example_repo: Path) -> None:
    branch(example_repo)
    (example_repo / "notes.md").write_text("unrelated\n", encoding="utf-8")
    other = example_repo / "services" / "methodology-coaching.yaml"
    other.write_text(other.read_text("utf-8") + "# touched\n", "utf-8")
    hand_move(example_repo, "gate-reviews", "running", "closing", OWNER,
              extra=CLOSURE)  # fmt: skip
    finding = only(checks_of(example_repo), "CHECK-TRAILERS")
    assert "also changes" in finding.message
    assert "notes.md" in finding.message
    assert "services/methodology-coaching.yaml" in finding.message


def test_a_move_of_two_services_in_one_commit_passes(example_repo: Path) -> None:
    branch(example_repo)
    moved = run_cli("transition", "gate-reviews", "benefits-tracking", "--to", "closing",
                    "--approved-by", OWNER, "--reason", "objective-achieved",
                    "--communication", TOLD, cwd=example_repo)  # fmt: skip
    assert moved.returncode == 0, moved.stderr
    assert checks_of(example_repo) == []


def test_trailers_that_disagree_with_the_file_are_reported(example_repo: Path) -> None:
    branch(example_repo)
    hand_move(example_repo, "gate-reviews", "running", "closing", OWNER,
              extra=CLOSURE, approver_trailer=MANAGER)  # fmt: skip
    finding = only(checks_of(example_repo), "CHECK-TRAILERS")
    assert f"names approver {MANAGER}" in finding.message


def test_rewriting_a_recorded_move_is_reported(example_repo: Path) -> None:
    branch(example_repo)
    path = example_repo / "services" / "gate-reviews.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("      date: 2024-05-07\n", "      date: 2024-05-01\n"), "utf-8")
    commit_all(example_repo, "fix a date")
    finding = only(checks_of(example_repo), "CHECK-HISTORY")
    assert finding.line == line_of(path, r"    - from: transition")[0]


def test_a_new_service_that_skips_proposed_is_reported(example_repo: Path) -> None:
    branch(example_repo)
    source = (example_repo / "services" / "gate-reviews.yaml").read_text(encoding="utf-8")
    (example_repo / "services" / "gate-reviews-two.yaml").write_text(
        source.replace("id: gate-reviews\n", "id: gate-reviews-two\n"), "utf-8"
    )
    commit_all(example_repo, "copy a running service")
    finding = only(checks_of(example_repo), "CHECK-NEW-STAGE")
    assert finding.path == "services/gate-reviews-two.yaml"


def test_merging_the_base_branch_in_is_not_a_finding(example_repo: Path) -> None:
    branch(example_repo)
    hand_edit = example_repo / "services" / "pm-training.yaml"
    hand_edit.write_text(hand_edit.read_text(encoding="utf-8") + "# reviewed\n", encoding="utf-8")
    commit_all(example_repo, "a comment")
    git(example_repo, "switch", "-q", "main")
    moved = run_cli("transition", "gate-reviews", "--to", "closing", "--approved-by", OWNER,
                    "--reason", "objective-achieved", "--communication", TOLD,
                    cwd=example_repo)  # fmt: skip
    assert moved.returncode == 0, moved.stderr
    git(example_repo, "switch", "-q", "change")
    git(example_repo, "merge", "-q", "--no-edit", "main")
    result = check(example_repo, "main")
    assert [f for f in result.findings if f.rule.startswith("CHECK-")] == []
    assert (result.moved, result.edited) == ([], ["pm-training"])


def test_a_stage_changed_in_a_merge_commit_is_reported(example_repo: Path) -> None:
    git(example_repo, "switch", "-q", "-c", "side")
    (example_repo / "notes.txt").write_text("side\n", encoding="utf-8")
    commit_all(example_repo, "side work")
    git(example_repo, "switch", "-q", "main")
    branch(example_repo)
    (example_repo / "other.txt").write_text("main\n", encoding="utf-8")
    commit_all(example_repo, "change work")
    git(example_repo, "merge", "-q", "--no-commit", "side")
    path = example_repo / "services" / "gate-reviews.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("  stage: running\n", "  stage: closing\n"),
        encoding="utf-8",
    )
    git(example_repo, "add", "-A")
    git(example_repo, "commit", "-q", "--no-edit")
    finding = only(checks_of(example_repo), "CHECK-STAGE-EDIT")
    assert "outside its commits" in finding.message
    assert (finding.line, finding.column) == stage_line(example_repo, "gate-reviews")


# --- the pull request cannot switch its own checks off -----------------------------------


def test_only_the_base_branch_settings_apply_and_waivers_do_not(example_repo: Path) -> None:
    branch(example_repo)
    config = example_repo / "pmoctl.yaml"
    settings = config.read_text(encoding="utf-8")
    assert settings.rstrip().endswith("rules:\n  KPI-READING-DUE: warning")
    config.write_text(settings + "  CHECK-STAGE-EDIT: 'off'\n", encoding="utf-8")
    path = example_repo / "services" / "gate-reviews.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "  stage: running\n",
            "  # pmoctl: waive CHECK-STAGE-EDIT -- trust me\n  stage: closing\n",
        ),
        encoding="utf-8",
    )
    commit_all(example_repo, "close it and switch the check off")
    assert only(checks_of(example_repo), "CHECK-STAGE-EDIT")

    git(example_repo, "switch", "-q", "main")  # the base branch itself may switch a rule off
    git(example_repo, "checkout", "-q", "change", "--", "pmoctl.yaml")
    commit_all(example_repo, "import: stage edits are expected in this one pull request")
    git(example_repo, "switch", "-q", "change")
    assert [f for f in checks_of(example_repo) if f.rule == "CHECK-STAGE-EDIT"] == []


# --- where the base comes from, and when the clone cannot answer -------------------------


def test_a_shallow_clone_says_to_fetch_the_history(example_repo: Path, tmp_path: Path) -> None:
    branch(example_repo)
    hand_move(example_repo, "gate-reviews", "running", "closing", OWNER,
              extra=CLOSURE)  # fmt: skip
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "change",
        f"file://{example_repo}", str(clone))  # fmt: skip
    result = run_cli("check", cwd=clone)
    assert result.returncode == 3
    assert "shallow clone" in result.stderr
    assert "fetch-depth: 0" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_ci_target_branch_is_the_default_base(example_repo: Path, tmp_path: Path) -> None:
    git(example_repo, "branch", "release")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", f"file://{example_repo}", str(clone))
    branch(clone, "feature")
    git(clone, "rm", "-q", "services/weekly-status-digest.yaml")
    commit_all(clone, "remove")
    result = run_cli("check", "-f", "json", cwd=clone, env={"GITHUB_BASE_REF": "release"})
    document = json.loads(result.stdout)
    assert result.returncode == 1
    assert document["changes"]["base_ref"] == "origin/release"
    assert [f["rule"] for f in document["findings"] if f["rule"].startswith("CHECK-")] == [
        "CHECK-DELETED"
    ]
    gitlab = run_cli("check", "-f", "json", cwd=clone,
                     env={"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "release"})  # fmt: skip
    assert json.loads(gitlab.stdout)["changes"]["base_ref"] == "origin/release"
    local = run_cli("check", "-f", "json", cwd=clone)
    assert json.loads(local.stdout)["changes"]["base_ref"] == "origin/main"


@pytest.mark.parametrize("ref", ["-x", "--output=/tmp/x", "main..HEAD", "main...HEAD", ""])
def test_a_base_that_cannot_name_a_commit_is_a_usage_error(example_repo: Path, ref: str) -> None:
    with pytest.raises(UserError):
        check(example_repo, ref or " ")


@pytest.mark.parametrize("ref", ["HEAD~1", "HEAD^", "change@{1}", "main~0", ":/initial"])
def test_any_revision_naming_a_commit_is_a_base(example_repo: Path, ref: str) -> None:
    branch(example_repo)
    hand_move(example_repo, "gate-reviews", "running", "closing", OWNER, trailers=False,
              extra=CLOSURE)  # fmt: skip
    result = run_cli("check", "--base", ref, "-f", "json", cwd=example_repo)
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert document["changes"]["base_ref"] == ref
    assert document["changes"]["base"] == git(example_repo, "rev-parse", "main").strip()
    assert "CHECK-TRAILERS" in {f["rule"] for f in document["findings"]}


def test_a_base_that_names_no_commit_here_is_a_repository_error(example_repo: Path) -> None:
    for ref in ("a b", "HEAD~99", "main^{tree}"):
        result = run_cli("check", "--base", ref, cwd=example_repo)
        assert result.returncode == 3, (ref, result.stderr)
        assert "Traceback" not in result.stderr


def test_no_default_base_names_the_branches_tried_and_the_option(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    subprocess.run(["cp", "-r", str(EXAMPLE), str(repo)], check=True)
    git(repo, "init", "-q", "-b", "master")
    commit_all(repo, "initial catalogue")
    branch(repo, "feature")
    result = run_cli("check", cwd=repo)
    assert result.returncode == 3
    assert "origin/main" in result.stderr and "main" in result.stderr
    assert "--base" in result.stderr
    assert "master" in result.stderr  # the branches this clone has
    assert run_cli("check", "--base", "master", cwd=repo).returncode == 0


def test_a_missing_base_or_a_folder_outside_git_is_a_repository_error(
    example_repo: Path, example_catalogue: Path
) -> None:
    with pytest.raises(RepoStateError, match="names no commit in this clone"):
        check(example_repo, "no-such-branch")
    result = run_cli("check", "--base", "main", cwd=example_catalogue)
    assert result.returncode == 3
    assert "not in a git repository" in result.stderr


def test_a_catalogue_in_a_subfolder_of_the_repository(
    example_catalogue: Path, tmp_path: Path
) -> None:
    repo = tmp_path / "mono"
    (repo / "pmo").mkdir(parents=True)
    example_catalogue.rename(repo / "pmo" / "catalogue")
    (repo / "README.md").write_text("other things\n", encoding="utf-8")
    git(repo, "init", "-q", "-b", "main")
    commit_all(repo, "initial")
    branch(repo)
    root = repo / "pmo" / "catalogue"
    hand_move(root, "gate-reviews", "running", "closing", MANAGER,
              extra=CLOSURE)  # fmt: skip
    (repo / "README.md").write_text("other things, changed\n", encoding="utf-8")
    commit_all(repo, "unrelated")
    result = check(root, "main")
    finding = only(result.findings, "CHECK-APPROVER")
    assert finding.path == "services/gate-reviews.yaml"
    assert result.moved == [("gate-reviews", "running", "closing")]
    assert result.other_files == 0  # README.md is outside the catalogue
    github = run_cli("check", "--base", "main", "-f", "github", cwd=root)
    assert "::error file=pmo/catalogue/services/gate-reviews.yaml,line=" in github.stdout


# --- output ------------------------------------------------------------------------------


def test_github_format_annotates_and_writes_the_step_summary(
    example_repo: Path, tmp_path: Path
) -> None:
    branch(example_repo)
    forged = "a%0A::error::x\n::warning::y"  # a line feed a value may hold
    path = example_repo / "services" / "gate-reviews.yaml"
    text = path.read_text(encoding="utf-8").replace("  stage: running\n", "  stage: closing\n")
    path.write_text(
        text.replace("kind: service\n", f"kind: service\n{json.dumps(forged)}: 1\n"), "utf-8"
    )
    commit_all(example_repo, "forge")
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    result = run_cli("check", "--base", "main", "--format", "github", cwd=example_repo,
                     env={"GITHUB_STEP_SUMMARY": str(summary)})  # fmt: skip
    assert result.returncode == 1
    commands = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert commands and all(re.match(r"^::(error|warning) file=[^:,]+,", line) for line in commands)
    assert "a%250A::error::x" in result.stdout  # the YAML's '%' is escaped: no forged command
    line, column = stage_line(example_repo, "gate-reviews")
    where = f"file=services/gate-reviews.yaml,line={line},col={column}"
    assert any(
        line_text.startswith(f"::error {where},title=CHECK-STAGE-EDIT::") for line_text in commands
    )
    page = summary.read_text(encoding="utf-8")
    assert page.startswith("earlier step\n## pmoctl check")
    assert "| Changed stage | gate-reviews (running → closing) |" in page
    assert "| CHECK-STAGE-EDIT |" in page
    assert "\n::" not in page and "\r" not in page


def test_sarif_and_junit_carry_the_check_findings(example_repo: Path) -> None:
    branch(example_repo)
    git(example_repo, "rm", "-q", "services/weekly-status-digest.yaml")
    commit_all(example_repo, "remove")
    sarif = json.loads(run_cli("check", "--base", "main", "-f", "sarif", cwd=example_repo).stdout)
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    deleted = next(rule for rule in rules if rule["id"] == "CHECK-DELETED")
    assert "closed, not deleted" in deleted["fullDescription"]["text"]
    junit = run_cli("check", "--base", "main", "-f", "junit", cwd=example_repo).stdout
    assert 'testsuite name="pmoctl check"' in junit and "CHECK-DELETED" in junit


def test_the_rules_are_listed_and_explained() -> None:
    listing = run_cli("rules").stdout
    for rule in ("CHECK-STAGE-EDIT", "CHECK-SKIPPED-STAGE", "CHECK-APPROVER", "CHECK-TRAILERS",
                 "CHECK-EVIDENCE", "CHECK-DELETED", "CHECK-RENAMED", "CHECK-HISTORY"):  # fmt: skip
        assert rule in listing
    assert "squash" in run_cli("explain", "CHECK-TRAILERS").stdout


def test_a_branch_without_changes_reports_nothing_changed(example_repo: Path) -> None:
    branch(example_repo)
    result = check(example_repo, "main")
    assert (result.added, result.moved, result.edited, result.deleted) == ([], [], [], [])
    assert (
        result.merge_base
        == result.base
        == subprocess.run(
            ["git", "rev-parse", "main"],
            cwd=example_repo,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )


def test_an_empty_base_is_a_usage_error(example_repo: Path) -> None:
    result = run_cli("check", "--base", "", cwd=example_repo)
    assert result.returncode == 2 and "is not a valid base: it is empty" in result.stderr


# --- the set-up decision and the sign-off, as a pull request makes them ----------------------

PILOT_OWNER = "priya-raman"  # owns methodology-coaching, in pilot
READINESS = (
    "      readiness:\n        governance: Steering group agreed.\n"
    "        resources: Coaches booked.\n        training: Coaches certified.\n"
    "        communication: Announced to project managers.\n"
)


def _sign_off(repo: Path, extra: str) -> list[Finding]:
    PEOPLE.setdefault(PILOT_OWNER, "Priya Raman <priya.raman@harbourside-water.example>")
    branch(repo)
    hand_move(repo, "methodology-coaching", "pilot", "transition", PILOT_OWNER,
              extra="      rollout: phased\n" + extra)  # fmt: skip
    return checks_of(repo)


def test_a_sign_off_in_the_earlier_form_is_refused_on_a_new_move(example_repo: Path) -> None:
    findings = _sign_off(example_repo, "      readiness: ok\n      success_criteria_met: true\n")
    messages = [f.message for f in findings if f.rule == "CHECK-EVIDENCE"]
    assert any("lacks its evidence: readiness" in m for m in messages), findings
    assert any("earlier form: success_criteria_met" in m for m in messages), findings


def test_a_sign_off_with_a_criterion_not_met_is_refused(example_repo: Path) -> None:
    findings = _sign_off(example_repo, READINESS)
    finding = only(findings, "CHECK-EVIDENCE")
    assert "not shown met in testing.results: applies-method-alone" in finding.message


def test_a_sign_off_waiving_the_criterion_not_met_with_a_note_passes(example_repo: Path) -> None:
    findings = _sign_off(
        example_repo,
        "      note: The self-assessment comes with the roll-out.\n"
        + READINESS
        + "      waived_criteria: [applies-method-alone]\n",
    )
    assert findings == []


def _proposal_with_roles(repo: Path) -> None:
    """dependency-mapping gets its owner and manager on the base branch, ready to set up."""
    for role in (["--owner", MANAGER], ["--manager", "tom-okafor", "--agreed-with", MANAGER]):
        appointed = run_cli("appoint", "dependency-mapping", *role, "--approved-by", OWNER,
                            cwd=repo)  # fmt: skip
        assert appointed.returncode == 0, appointed.stderr
    branch(repo)
    moved = run_cli("transition", "dependency-mapping", "--to", "design", "--approved-by", OWNER,
                    "--note", "Takes over from project assurance.", "--closes",
                    "project-assurance", cwd=repo)  # fmt: skip
    assert moved.returncode == 0, moved.stderr
    assert "project-assurance is running: move it to closing" in moved.stderr


def test_a_set_up_closing_a_service_that_stays_running_is_reported(example_repo: Path) -> None:
    _proposal_with_roles(example_repo)
    finding = only(checks_of(example_repo), "CHECK-CAPACITY")
    path = example_repo / "services" / "dependency-mapping.yaml"
    assert (finding.line, finding.column) == line_of(path, r"      closes: ")
    assert "project-assurance, which is running at the end of the pull request" in (finding.message)


def test_a_set_up_closing_a_service_moved_to_closing_in_the_same_pull_request_passes(
    example_repo: Path,
) -> None:
    _proposal_with_roles(example_repo)
    closed = run_cli("transition", "project-assurance", "--to", "closing", "--approved-by",
                     OWNER, "--reason", "resources-needed-elsewhere", "--communication",
                     "Told at the PMO board.", cwd=example_repo)  # fmt: skip
    assert closed.returncode == 0, closed.stderr
    assert checks_of(example_repo) == []
