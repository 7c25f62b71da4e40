"""Change requests and improvements: the record, `pmoctl change`, CHANGE-REQUESTS and
CHECK-CHANGE, on real files and real git repositories."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import REPO_ROOT, git, run_cli
from docblocks import between, check_block
from lifecycle_support import commit_count, snapshot
from pmoctl import api
from pmoctl.catalogue import decisions
from pmoctl.errors import UserError
from pmoctl.findings import Finding
from pmoctl.lifecycle.check import check

LIFECYCLE_DOC = REPO_ROOT / "docs" / "lifecycle.md"


def test_doc_lists_the_running_records_from_their_declaration() -> None:
    check_block(LIFECYCLE_DOC, "running-records", "\n" + decisions.running_records_list())


# --- shared -------------------------------------------------------------------------------

OWNER = "marcus-lindqvist"  # owns portfolio-reporting
MANAGER = "tom-okafor"  # manages portfolio-reporting
OPERATIVE = "grace-mensah"  # an operative of portfolio-reporting
REQUESTER = "james-fairley"
SERVICE = "portfolio-reporting"
TITLE = "Show milestone slippage per project"
NEW_ID = "show-milestone-slippage-per-project"


def change(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("change", *args, cwd=repo)


def service_file(repo: Path, ident: str = SERVICE) -> Path:
    return repo / "services" / f"{ident}.yaml"


def request_of(repo: Path, ident: str, service: str = SERVICE) -> dict[str, Any]:
    data = yaml.safe_load(service_file(repo, service).read_text(encoding="utf-8"))
    return next(item for item in data["change_requests"] if item["id"] == ident)


def new_request(repo: Path, *extra: str) -> None:
    made = change(repo, "new", SERVICE, "--title", TITLE, "--requested-by", REQUESTER, *extra)
    assert made.returncode == 0, made.stderr


def add_output(repo: Path, output: str = "Milestone slippage by project") -> None:
    """Edit the running service's definition (a new output) and commit it by hand."""
    path = service_file(repo)
    text = path.read_text(encoding="utf-8")
    marker = "  - Portfolio RAG dashboard\n"
    path.write_text(text.replace(marker, f"{marker}  - {output}\n", 1), encoding="utf-8")
    commit_all(repo, "portfolio-reporting: a new output")


def commit_all(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, findings
    return findings[0]


def change_findings(repo: Path) -> list[Finding]:
    return [f for f in check(repo, "main").findings if f.rule == "CHECK-CHANGE"]


# --- the commands -------------------------------------------------------------------------


def test_new_records_a_proposed_request_as_one_commit(example_repo: Path) -> None:
    before = commit_count(example_repo)
    new_request(
        example_repo, "--reason", "feedback", "--description", "Boards ask which projects slip.",
        "--impact-catalogue", "A new output", "--impact-handbook", "A step to compute it",
    )  # fmt: skip
    assert commit_count(example_repo) == before + 1
    assert request_of(example_repo, NEW_ID) == {
        "id": NEW_ID, "title": TITLE, "reason": "feedback",
        "description": "Boards ask which projects slip.", "requested_by": REQUESTER,
        "date": dt.date(2026, 11, 20),
        "impact": {"catalogue": "A new output", "handbook": "A step to compute it"},
        "status": "proposed",
    }  # fmt: skip
    message = git(example_repo, "log", "-1", "--format=%B")
    assert message.startswith(f"request-change({SERVICE}): {NEW_ID} (change-request)\n")
    assert f"Service-Decision: request-change {SERVICE}" in message
    assert git(example_repo, "status", "--porcelain") == ""


def test_new_makes_a_unique_id_from_the_title_or_takes_the_one_given(example_repo: Path) -> None:
    new_request(example_repo)
    new_request(example_repo)
    assert request_of(example_repo, f"{NEW_ID}-2")["title"] == TITLE
    new_request(example_repo, "--id", "slippage")
    assert request_of(example_repo, "slippage")["title"] == TITLE


def test_an_improvement_is_proposed_by_a_service_manager(example_repo: Path) -> None:
    made = change(
        example_repo,
        "new",
        SERVICE,
        "--title",
        "Automate the chasers",
        "--requested-by",
        MANAGER,
        "--kind",
        "improvement",
        "--reason",
        "tools",
    )
    assert made.returncode == 0, made.stderr
    assert request_of(example_repo, "automate-the-chasers")["kind"] == "improvement"
    head = git(example_repo, "rev-parse", "HEAD")
    refused = change(example_repo, "new", SERVICE, "--title", "Automate more",
                     "--requested-by", REQUESTER, "--kind", "improvement")  # fmt: skip
    assert refused.returncode == 1
    assert "improvements are proposed by the Service Manager" in refused.stderr
    assert git(example_repo, "rev-parse", "HEAD") == head


def test_approve_reject_and_implement_record_each_decision(example_repo: Path) -> None:
    new_request(example_repo)
    approved = change(example_repo, "approve", SERVICE, NEW_ID, "--approved-by", OWNER,
                      "--note", "Agreed for January.")  # fmt: skip
    assert approved.returncode == 0, approved.stderr
    assert f"{SERVICE}: decide-change approved {NEW_ID}" in approved.stdout
    message = git(example_repo, "log", "-1", "--format=%B")
    assert "Agreed for January." in message
    assert f"Approver-Id: {OWNER}" in message
    done = change(example_repo, "implement", SERVICE, NEW_ID, "--approved-by", MANAGER)
    assert done.returncode == 0, done.stderr
    record = request_of(example_repo, NEW_ID)
    assert record["status"] == "implemented"
    assert (record["decided_by"], record["decided"]) == (OWNER, dt.date(2026, 11, 20))
    assert record["decision_note"] == "Agreed for January."
    assert (record["implemented_by"], record["implemented"]) == (MANAGER, dt.date(2026, 11, 20))
    rejected = change(
        example_repo,
        "reject",
        SERVICE,
        "cr-benefits-section",
        "--approved-by",
        OWNER,
        "--note",
        "Benefits are reported quarterly.",
    )
    assert rejected.returncode == 0, rejected.stderr
    assert request_of(example_repo, "cr-benefits-section")["status"] == "rejected"
    assert run_cli("validate", cwd=example_repo).returncode == 0


def test_dry_run_shows_the_diff_and_writes_nothing(example_repo: Path) -> None:
    before = snapshot(example_repo)
    shown = change(example_repo, "approve", SERVICE, "cr-benefits-section",
                   "--approved-by", OWNER, "--dry-run")  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert f"+    decided_by: {OWNER}" in shown.stdout
    assert "dry run: nothing was changed" in shown.stderr
    assert snapshot(example_repo) == before


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (("approve", "portfolio-reportin", "cr-benefits-section", "--approved-by", OWNER), 2,
         "did you mean 'portfolio-reporting'?"),
        (("approve", SERVICE, "cr-benefit-section", "--approved-by", OWNER), 2,
         "did you mean 'cr-benefits-section'?"),
        (("approve", SERVICE, "cr-benefits-section", "--approved-by", "marcus-lindqvst"), 2,
         "did you mean 'marcus-lindqvist'?"),
        (("new", SERVICE, "--title", TITLE, "--requested-by", "james-fairly"), 2,
         "did you mean 'james-fairley'?"),
        (("new", SERVICE, "--title", TITLE, "--requested-by", REQUESTER,
          "--id", "cr-benefits-section"), 2, "already has a change request 'cr-benefits-section'"),
        (("new", SERVICE, "--title", TITLE, "--requested-by", REQUESTER, "--id", "Bad Id"), 2,
         "is not an id"),
        (("new", SERVICE, "--title", " ", "--requested-by", REQUESTER), 2, "--title is empty"),
        (("new", "weekly-status-digest", "--title", TITLE, "--requested-by", REQUESTER), 1,
         "weekly-status-digest is closed"),
        (("approve", SERVICE, "cr-benefits-section", "--approved-by", MANAGER), 1,
         f"is for the Service Owner; {MANAGER} is not"),
        (("reject", SERVICE, "cr-benefits-section", "--approved-by", "helen-achebe",
          "--note", "No."), 1, "helen-achebe is not"),
        (("reject", SERVICE, "cr-benefits-section", "--approved-by", OWNER), 2,
         "Missing option '--note'"),
        (("approve", SERVICE, "auto-rag-status", "--approved-by", OWNER), 1,
         "auto-rag-status is approved: only a proposed request is approved or rejected"),
        (("approve", "pmo-tooling-admin", "cr-benefits-fields", "--approved-by", "ruth-kowalski"),
         1, "cr-benefits-fields is implemented: only a proposed request"),
        (("implement", SERVICE, "cr-benefits-section", "--approved-by", OWNER), 1,
         "cr-benefits-section is proposed: only an approved request is implemented"),
        (("implement", SERVICE, "weekly-edition", "--approved-by", OWNER), 1,
         "weekly-edition is rejected"),
        (("implement", SERVICE, "auto-rag-status", "--approved-by", OPERATIVE), 1,
         f"Service Owner or Service Manager; {OPERATIVE} is not"),
    ],
)  # fmt: skip
def test_refusals_change_nothing(
    example_repo: Path, args: tuple[str, ...], code: int, says: str
) -> None:
    before = snapshot(example_repo)
    refused = change(example_repo, *args)
    assert refused.returncode == code, refused.stdout + refused.stderr
    assert says in refused.stderr
    assert "Traceback" not in refused.stderr
    assert snapshot(example_repo) == before


def test_a_dirty_service_file_is_refused(example_repo: Path) -> None:
    path = service_file(example_repo)
    path.write_text(path.read_text(encoding="utf-8") + "# unsaved\n", encoding="utf-8")
    before = snapshot(example_repo)
    refused = change(example_repo, "approve", SERVICE, "cr-benefits-section",
                     "--approved-by", OWNER)  # fmt: skip
    assert refused.returncode == 3, refused.stderr
    assert snapshot(example_repo) == before


def test_the_api_refuses_an_unknown_kind(example_repo: Path) -> None:
    with pytest.raises(UserError, match="no kind 'idea'"):
        api.request_change(example_repo, SERVICE, title=TITLE, requested_by=REQUESTER,
                           kind="idea")  # fmt: skip


# --- pmoctl check: CHECK-CHANGE -----------------------------------------------------------


def test_an_edit_of_a_running_service_without_a_change_request_is_reported(
    example_repo: Path,
) -> None:
    git(example_repo, "switch", "-q", "-c", "pr")
    add_output(example_repo)
    finding = only(change_findings(example_repo))
    assert finding.path == "services/portfolio-reporting.yaml"
    assert finding.line == 15  # the changed `outputs`
    assert "changes its definition (outputs)" in finding.message


def test_an_approved_request_marked_implemented_in_the_pull_request_covers_the_edit(
    example_repo: Path,
) -> None:
    git(example_repo, "switch", "-q", "-c", "pr")
    new_request(example_repo)
    assert change(example_repo, "approve", SERVICE, NEW_ID, "--approved-by", OWNER).returncode == 0
    add_output(example_repo)
    assert (
        change(example_repo, "implement", SERVICE, NEW_ID, "--approved-by", MANAGER).returncode == 0
    )
    checked = run_cli("check", "--base", "main", cwd=example_repo)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "[CHECK-" not in checked.stdout


def test_a_request_approved_on_the_base_branch_covers_the_edit_too(example_repo: Path) -> None:
    git(example_repo, "switch", "-q", "-c", "pr")
    add_output(example_repo)
    made = change(example_repo, "implement", SERVICE, "auto-rag-status", "--approved-by", OWNER)
    assert made.returncode == 0, made.stderr
    assert change_findings(example_repo) == []


def test_the_same_pull_request_without_the_approval_is_refused(example_repo: Path) -> None:
    git(example_repo, "switch", "-q", "-c", "pr")
    new_request(example_repo)
    add_output(example_repo)
    refused = change(example_repo, "implement", SERVICE, NEW_ID, "--approved-by", MANAGER)
    assert refused.returncode == 1
    checked = run_cli("check", "--base", "main", cwd=example_repo)
    assert checked.returncode == 1
    assert "[CHECK-CHANGE] portfolio-reporting is running" in checked.stdout


def test_running_records_are_edited_without_a_change_request(example_repo: Path) -> None:
    git(example_repo, "switch", "-q", "-c", "pr")
    path = service_file(example_repo)
    text = path.read_text(encoding="utf-8")
    text = text.replace("    status: mitigating\n", "    status: closed\n", 1)  # a risk
    text = text.replace(
        "      - {date: 2026-11-30, value: 72, note: Two directorates sent no return}\n",
        "      - {date: 2026-11-30, value: 74, note: Two directorates sent no return}\n",
    )  # a reading
    path.write_text(text, encoding="utf-8")
    commit_all(example_repo, "risk closed, reading corrected")
    assert git(example_repo, "diff", "--stat", "main") != ""
    assert change_findings(example_repo) == []


def test_a_service_not_running_at_the_base_is_edited_freely(example_repo: Path) -> None:
    git(example_repo, "switch", "-q", "-c", "pr")
    path = service_file(example_repo, "portfolio-risk-review")  # in design
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("name: Portfolio risk review", "name: Portfolio risk reviews"))
    commit_all(example_repo, "rename")
    assert change_findings(example_repo) == []


def test_a_decision_is_judged_against_the_owner_at_its_commit(example_repo: Path) -> None:
    """Approved by the manager, who is then made owner: valid at HEAD, not at its commit."""
    git(example_repo, "switch", "-q", "-c", "pr")
    path = service_file(example_repo, "gate-reviews")  # owner helen-achebe, manager marcus
    text = path.read_text(encoding="utf-8")
    request = (
        "change_requests:\n  - id: faster-minutes\n    title: Minutes within a day\n"
        f"    requested_by: {REQUESTER}\n    date: 2026-11-02\n    status: approved\n"
        f"    decided_by: {OWNER}\n    decided: 2026-11-20\n\nlifecycle:\n"
    )
    path.write_text(text.replace("\nlifecycle:\n", "\n" + request, 1), encoding="utf-8")
    commit_all(example_repo, "approved by the manager")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  owner: helen-achebe\n", f"  owner: {OWNER}\n", 1), "utf-8")
    commit_all(example_repo, "the manager becomes owner")
    result = check(example_repo, "main")
    assert [f for f in result.findings if f.rule == "CHANGE-REQUESTS"] == []
    finding = only(change_findings(example_repo))
    assert finding.message.startswith("gate-reviews: faster-minutes (commit ")
    assert f"is for the Service Owner; {OWNER} is not at that commit" in finding.message
    assert finding.doc_path == ("change_requests", 0, "decided_by")


def test_implementing_in_the_commit_that_approves_is_reported(example_repo: Path) -> None:
    git(example_repo, "switch", "-q", "-c", "pr")
    path = service_file(example_repo)
    path.write_text(path.read_text(encoding="utf-8").replace(
        "    status: proposed\n",
        f"    status: implemented\n    decided_by: {OWNER}\n    decided: 2026-11-20\n"
        f"    implemented: 2026-11-20\n    implemented_by: {OWNER}\n", 1), "utf-8")  # fmt: skip
    commit_all(example_repo, "approved and made at once")
    messages = [f.message for f in change_findings(example_repo)]
    assert messages == [
        "portfolio-reporting: cr-benefits-section (commit "
        f"{git(example_repo, 'rev-parse', 'HEAD')[:10]}) is marked implemented without having "
        "been approved in an earlier commit"
    ]


def test_a_hand_made_rejection_without_reason_or_date_is_reported(example_repo: Path) -> None:
    git(example_repo, "switch", "-q", "-c", "pr")
    path = service_file(example_repo)
    path.write_text(path.read_text(encoding="utf-8").replace(
        "    status: proposed\n", f"    status: rejected\n    approved_by: {OWNER}\n", 1),
        "utf-8")  # fmt: skip
    commit_all(example_repo, "rejected")
    messages = " | ".join(f.message for f in change_findings(example_repo))
    assert "is decided without the date of the decision" in messages
    assert "is rejected without a decision_note saying why" in messages


def test_a_recorded_decision_is_not_rewritten(example_repo: Path) -> None:
    git(example_repo, "switch", "-q", "-c", "pr")
    path = service_file(example_repo)
    path.write_text(path.read_text(encoding="utf-8").replace(
        "    status: rejected\n", "    status: approved\n", 1), "utf-8")  # fmt: skip
    commit_all(example_repo, "approved after all")
    messages = [f.message for f in change_findings(example_repo)]
    assert (
        "portfolio-reporting: the decision recorded on weekly-edition was changed or removed"
        in messages
    )


# --- the README's session -----------------------------------------------------------------

README = REPO_ROOT / "README.md"
_COMMIT = re.compile(r"\b[0-9a-f]{10,40}\b")
_SLIPPAGE = "Milestone slippage by project"


def _readme_session(repo: Path) -> str:
    """A change request carried through a pull request, and the same one without approval."""
    lines: list[str] = []

    def pmoctl(*args: str) -> None:
        shown = " ".join(f'"{a}"' if " " in a else a for a in args)
        lines.append(f"$ pmoctl {shown}")
        result = run_cli(*args, cwd=repo, env={"NO_COLOR": "1"})
        lines.extend((result.stdout + result.stderr).rstrip("\n").splitlines())

    def shell(shown: str, *commands: tuple[str, ...]) -> None:
        lines.append(f"$ {shown}")
        for command in commands:
            git(repo, *command)

    def edit() -> None:
        lines.append(f"$ $EDITOR services/{SERVICE}.yaml    # outputs: + {_SLIPPAGE}")
        path = service_file(repo)
        marker = "  - Portfolio RAG dashboard\n"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(marker, f"{marker}  - {_SLIPPAGE}\n", 1), encoding="utf-8")

    request = ("--title", TITLE, "--requested-by", REQUESTER, "--reason", "feedback",
               "--impact-catalogue", "a new output, milestone slippage by project")  # fmt: skip
    shell("git switch -c slippage", ("switch", "-q", "-c", "slippage"))
    pmoctl("change", "new", SERVICE, *request)
    pmoctl("change", "approve", SERVICE, NEW_ID, "--approved-by", MANAGER)
    pmoctl("change", "approve", SERVICE, NEW_ID, "--approved-by", OWNER,
           "--note", "Agreed: from the January report.")  # fmt: skip
    edit()
    shell('git commit -qam "portfolio-reporting: milestone slippage"',
          ("commit", "-qam", "portfolio-reporting: milestone slippage"))  # fmt: skip
    pmoctl("change", "implement", SERVICE, NEW_ID, "--approved-by", MANAGER)
    pmoctl("check", "--base", "main")
    lines.append("")
    shell("git switch -c slippage-unapproved main",
          ("switch", "-q", "-c", "slippage-unapproved", "main"))  # fmt: skip
    pmoctl("change", "new", SERVICE, *request)
    edit()
    shell('git commit -qam "portfolio-reporting: milestone slippage"',
          ("commit", "-qam", "portfolio-reporting: milestone slippage"))  # fmt: skip
    pmoctl("change", "implement", SERVICE, NEW_ID, "--approved-by", MANAGER)
    pmoctl("check", "--base", "main")
    return "\n```console\n" + "\n".join(lines) + "\n```\n"


def test_readme_shows_a_change_request_through_a_pull_request(example_repo: Path) -> None:
    session = _readme_session(example_repo)
    assert "[CHECK-CHANGE]" in session.split("slippage-unapproved")[1]
    assert "[CHECK-CHANGE]" not in session.split("slippage-unapproved")[0]
    found = between(README.read_text(encoding="utf-8"), "change-request-session")
    assert found is not None, "README.md has no change-request-session block"
    if _COMMIT.sub("<commit>", found) != _COMMIT.sub("<commit>", session):
        check_block(README, "change-request-session", session)
