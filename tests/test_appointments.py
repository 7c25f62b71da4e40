"""Appointments: `pmoctl appoint`, the APPOINTMENTS rule and `check`'s CHECK-APPOINTMENT,
on real repositories made from examples/catalogue (PMOCTL_TODAY is 2026-11-20).

Who is who there: helen-achebe is the PMO Director; marcus-lindqvist the PMO Manager of
corporate-pmo, priya-raman of pmo-coe; tom-okafor and sara-novak analysts. portfolio-reporting
(owner marcus-lindqvist, manager tom-okafor, operative grace-mensah) records its appointments;
gate-reviews records none (a format 1 file as first written); dependency-mapping is proposed,
with no roles, delivered by corporate-pmo.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import EXAMPLE, git, run_cli
from lifecycle_support import commit_count, snapshot
from pmoctl import api
from pmoctl.catalogue.models import Service
from pmoctl.errors import RefusedError, UserError
from pmoctl.findings import Finding
from pmoctl.lifecycle.check import check
from pmoctl.yaml.loader import parse

DIRECTOR = "helen-achebe"
CORPORATE_MANAGER = "marcus-lindqvist"  # PMO Manager of corporate-pmo; owns portfolio-reporting
ANALYST = "tom-okafor"  # manages portfolio-reporting


def appoint(repo: Path, *args: str):  # type: ignore[no-untyped-def]
    return run_cli("appoint", *args, cwd=repo)


def service(repo: Path, ident: str) -> Service:
    text = (repo / "services" / f"{ident}.yaml").read_text(encoding="utf-8")
    return Service.model_validate(parse(text))


def rule_findings(repo: Path, rule: str) -> list[Finding]:
    return [f for f in api.validate(repo, use_cache=False).findings if f.rule == rule]


def check_findings(repo: Path) -> list[Finding]:
    return [f for f in check(repo, "main", use_cache=False).findings if f.rule.startswith("CHECK-")]


def line_of(repo: Path, ident: str, text: str, *, last: bool = False) -> int:
    lines = (repo / "services" / f"{ident}.yaml").read_text(encoding="utf-8").splitlines()
    hits = [number for number, line in enumerate(lines, start=1) if text in line]
    assert hits, text
    return hits[-1] if last else hits[0]


def edit(repo: Path, ident: str, *replacements: tuple[str, str]) -> None:
    path = repo / "services" / f"{ident}.yaml"
    text = path.read_text(encoding="utf-8")
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


LAST_RECORD = "      note: The platform migration is finished.\n"


# --- the command -----------------------------------------------------------------------


def test_an_owner_is_appointed_in_one_commit_that_records_the_appointment(
    example_repo: Path,
) -> None:
    before = commit_count(example_repo)
    result = appoint(example_repo, "dependency-mapping", "--owner", CORPORATE_MANAGER,
                     "--approved-by", DIRECTOR, "--note", "Owns the portfolio view.")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "dependency-mapping: appoint-owner owner marcus-lindqvist" in result.stdout
    assert commit_count(example_repo) == before + 1
    assert git(example_repo, "status", "--porcelain") == ""
    message = git(example_repo, "log", "-1", "--format=%B")
    assert message.startswith("appoint-owner(dependency-mapping): owner marcus-lindqvist\n")
    assert "Service-Decision: appoint-owner dependency-mapping" in message
    assert "Approver-Id: helen-achebe" in message
    roles = service(example_repo, "dependency-mapping").roles
    assert roles.owner == CORPORATE_MANAGER
    [record] = roles.appointments
    assert (record.role, record.person, record.approved_by) == (
        "owner",
        CORPORATE_MANAGER,
        DIRECTOR,
    )
    assert (record.date.isoformat(), record.note) == ("2026-11-20", "Owns the portfolio view.")
    assert record.replaces is None
    assert rule_findings(example_repo, "APPOINTMENTS") == []


def test_a_new_owner_replaces_the_old_one_and_earlier_moves_keep_their_approver(
    example_repo: Path,
) -> None:
    result = appoint(example_repo, "portfolio-reporting", "--owner", "priya-raman",
                     "--approved-by", DIRECTOR)  # fmt: skip
    assert result.returncode == 0, result.stderr
    roles = service(example_repo, "portfolio-reporting").roles
    assert roles.owner == "priya-raman"
    assert roles.appointments[-1].replaces == CORPORATE_MANAGER
    # the moves marcus-lindqvist approved were approved by the owner of the time
    findings = api.validate(example_repo, use_cache=False).findings
    assert [f for f in findings if f.rule in ("LIFECYCLE-MOVES", "APPOINTMENTS")] == []


def test_a_manager_is_appointed_for_the_delivering_pmo_with_its_pmo_managers_agreement(
    example_repo: Path,
) -> None:
    args = ("dependency-mapping", "--manager", ANALYST, "--approved-by", DIRECTOR)
    refused = appoint(example_repo, *args)
    assert refused.returncode == 1
    assert "appointed with the agreement of its PMO Manager" in refused.stderr
    assert "--agreed-with marcus-lindqvist" in refused.stderr
    result = appoint(example_repo, *args, "--agreed-with", CORPORATE_MANAGER)
    assert result.returncode == 0, result.stderr
    roles = service(example_repo, "dependency-mapping").roles
    assert [(m.person, m.pmo) for m in roles.managers] == [(ANALYST, "corporate-pmo")]
    record = roles.appointments[-1]
    assert (record.pmo, record.agreed_with) == ("corporate-pmo", CORPORATE_MANAGER)


def test_an_operative_appointed_by_the_manager_passes_check(example_repo: Path) -> None:
    git(example_repo, "switch", "-q", "-c", "change")
    result = appoint(example_repo, "portfolio-reporting", "--operative", "sara-novak",
                     "--approved-by", ANALYST)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert service(example_repo, "portfolio-reporting").roles.operatives == [
        "grace-mensah", "sara-novak",
    ]  # fmt: skip
    checked = run_cli("check", "--base", "main", cwd=example_repo)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "APPOINT" not in checked.stdout


def test_the_first_appointment_in_an_old_file_leaves_warnings_only(example_repo: Path) -> None:
    result = appoint(example_repo, "gate-reviews", "--operative", "sara-novak",
                     "--approved-by", DIRECTOR)  # fmt: skip  # helen-achebe owns gate-reviews
    assert result.returncode == 0, result.stderr
    findings = rule_findings(example_repo, "APPOINTMENTS")
    assert {f.severity.value for f in findings} == {"warning"}
    assert sorted(f.message.split()[0] for f in findings) == [
        "grace-mensah", "helen-achebe", "marcus-lindqvist", "tom-okafor",
    ]  # fmt: skip


def test_a_dry_run_shows_the_change_and_writes_nothing(example_repo: Path) -> None:
    before = snapshot(example_repo)
    result = appoint(example_repo, "dependency-mapping", "--owner", CORPORATE_MANAGER,
                     "--approved-by", DIRECTOR, "--dry-run")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "+  owner: marcus-lindqvist" in result.stdout
    assert "+    - role: owner" in result.stdout
    assert "dry run: nothing was changed" in result.stderr
    assert snapshot(example_repo) == before


REFUSALS = [
    # (arguments, exit code, what the error says)
    (["portfolio-reportin", "--owner", "priya-raman", "--approved-by", DIRECTOR], 2,
     "did you mean 'portfolio-reporting'"),
    (["portfolio-reporting", "--owner", "priya-ramen", "--approved-by", DIRECTOR], 2,
     "--owner 'priya-ramen' is not a person"),
    (["portfolio-reporting", "--owner", "priya-raman", "--approved-by", "helen-acheb"], 2,
     "did you mean 'helen-achebe'"),
    (["dependency-mapping", "--manager", ANALYST, "--pmo", "corporate-pm", "--agreed-with",
      CORPORATE_MANAGER, "--approved-by", DIRECTOR], 2, "did you mean 'corporate-pmo'"),
    (["portfolio-reporting", "--owner", "priya-raman", "--approved-by", CORPORATE_MANAGER], 1,
     "to appoint the Service Owner is for the PMO Director; marcus-lindqvist is not"),
    (["portfolio-reporting", "--operative", "grace-mensah", "--approved-by", ANALYST], 1,
     "grace-mensah is already a Service Operative of portfolio-reporting"),
    (["portfolio-reporting", "--owner", CORPORATE_MANAGER, "--approved-by", DIRECTOR], 1,
     "marcus-lindqvist is already the Service Owner"),
    (["dependency-mapping", "--manager", "sara-novak", "--pmo", "pmo-coe", "--agreed-with",
      "priya-raman", "--approved-by", DIRECTOR], 1, "PMO pmo-coe does not deliver"),
    (["portfolio-reporting", "--operative", "sara-novak", "--approved-by", DIRECTOR], 1,
     "is for the Service Owner or Service Manager; helen-achebe is not"),
    (["dependency-mapping", "--manager", ANALYST, "--agreed-with", "priya-raman",
      "--approved-by", DIRECTOR], 1, "priya-raman is not a PMO Manager of corporate-pmo"),
    (["methodology-coaching", "--manager", "wei-chen", "--approved-by", DIRECTOR], 2,
     "name the PMO wei-chen manages it for with --pmo"),
    (["portfolio-reporting", "--owner", "priya-raman", "--pmo", "corporate-pmo",
      "--approved-by", DIRECTOR], 2, "--pmo is for --manager only"),
    (["portfolio-reporting", "--approved-by", DIRECTOR], 2, "name one person to appoint"),
    (["portfolio-reporting", "--owner", "priya-raman", "--operative", "sara-novak",
      "--approved-by", DIRECTOR], 2, "name one person to appoint"),
    (["portfolio-reporting", "--owner", "priya-raman", "--approved-by", DIRECTOR, "--date",
      "2026-11-21"], 2, "--date 2026-11-21 is after today"),
    (["portfolio-reporting", "--owner", "priya-raman", "--approved-by", DIRECTOR, "--date",
      "2025-12-31"], 1, "before its last recorded appointment (2026-01-12)"),
    (["portfolio-reporting", "--owner", "priya-raman", "--approved-by", DIRECTOR, "--note",
      "two\x1b[31mlines"], 2, "--note is empty or holds control characters"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "code", "says"), REFUSALS)
def test_refused_appointments_leave_the_repository_as_it_was(
    example_repo: Path, args: list[str], code: int, says: str
) -> None:
    before = snapshot(example_repo)
    result = appoint(example_repo, *args)
    assert result.returncode == code, result.stdout + result.stderr
    assert says in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(example_repo) == before


def test_a_service_file_with_uncommitted_changes_is_refused(example_repo: Path) -> None:
    path = example_repo / "services" / "portfolio-reporting.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# work in progress\n", encoding="utf-8")
    before = snapshot(example_repo)
    result = appoint(example_repo, "portfolio-reporting", "--owner", "priya-raman",
                     "--approved-by", DIRECTOR)  # fmt: skip
    assert result.returncode == 3
    assert "uncommitted changes" in result.stderr
    assert snapshot(example_repo) == before


def test_the_api_appoints_and_refuses_like_the_command(example_repo: Path) -> None:
    with pytest.raises(UserError, match="name one person"):
        api.appoint(example_repo, "portfolio-reporting", approved_by=DIRECTOR)
    with pytest.raises(UserError, match="text"):
        api.appoint(example_repo, "portfolio-reporting", owner=7, approved_by=DIRECTOR)  # type: ignore[arg-type]
    with pytest.raises(RefusedError, match="PMO Director"):
        api.appoint(example_repo, "portfolio-reporting", owner="priya-raman", approved_by=ANALYST)
    outcome = api.appoint(
        example_repo, "portfolio-reporting", operative="sara-novak", approved_by=ANALYST,
        dry_run=True,
    )  # fmt: skip
    assert outcome.commit is None and "+      person: sara-novak" in outcome.diff
    outcome = api.appoint(
        example_repo, "portfolio-reporting", operative="sara-novak", approved_by=ANALYST
    )
    assert outcome.commit and outcome.decision.kind == "appoint-operative"


# --- the rule ---------------------------------------------------------------------------


def test_the_example_histories_validate_and_files_without_one_are_not_judged() -> None:
    assert rule_findings(EXAMPLE, "APPOINTMENTS") == []
    recorded = {
        path.stem
        for path in (EXAMPLE / "services").glob("*.yaml")
        if service(EXAMPLE, path.stem).roles.appointments
    }
    assert {"benefits-tracking", "portfolio-reporting", "methodology-coaching"} <= recorded
    assert "gate-reviews" not in recorded  # no appointments, no findings: format 1 as written


# --- check --------------------------------------------------------------------------------


def test_a_role_changed_by_hand_is_refused_by_check(example_repo: Path) -> None:
    git(example_repo, "switch", "-q", "-c", "change")
    edit(example_repo, "gate-reviews", ("  owner: helen-achebe\n", "  owner: priya-raman\n"))
    edit(example_repo, "portfolio-reporting",
         ("  operatives: [grace-mensah]\n", "  operatives: []\n"))  # fmt: skip
    commit_all(example_repo, "new owner; no operatives")
    findings = [f for f in check_findings(example_repo) if f.rule == "CHECK-APPOINTMENT"]
    assert [(f.path, f.line, f.message) for f in findings] == [
        ("services/gate-reviews.yaml", line_of(example_repo, "gate-reviews", "  owner:"),
         "priya-raman was put in roles.owner of gate-reviews without an appointment record"),
        ("services/portfolio-reporting.yaml",
         line_of(example_repo, "portfolio-reporting", "  operatives:"),
         "grace-mensah was taken out of roles.operatives of portfolio-reporting without a "
         "record that ends the appointment"),
    ]  # fmt: skip
    assert "pmoctl appoint gate-reviews --owner priya-raman" in findings[0].hint
    result = run_cli("check", "--base", "main", cwd=example_repo)
    assert result.returncode == 1


def test_a_removal_with_its_record_passes_check(example_repo: Path) -> None:
    git(example_repo, "switch", "-q", "-c", "change")
    edit(example_repo, "portfolio-reporting",
         ("  operatives: [grace-mensah]\n", "  operatives: []\n"),
         (LAST_RECORD, LAST_RECORD + "    - role: operative\n      person: grace-mensah\n"
          "      removed: true\n      date: 2026-11-02\n      approved_by: tom-okafor\n"),
         )  # fmt: skip
    commit_all(example_repo, "grace-mensah leaves the report")
    assert check_findings(example_repo) == []
    assert [
        f for f in rule_findings(example_repo, "APPOINTMENTS") if f.severity.value == "error"
    ] == []


def test_a_hand_record_approved_by_someone_without_the_role_is_refused(
    example_repo: Path,
) -> None:
    git(example_repo, "switch", "-q", "-c", "change")
    edit(example_repo, "portfolio-reporting",
         ("  operatives: [grace-mensah]\n", "  operatives: [grace-mensah, sara-novak]\n"),
         (LAST_RECORD, LAST_RECORD + "    - role: operative\n      person: sara-novak\n"
          "      date: 2026-11-02\n      approved_by: helen-achebe\n"))  # fmt: skip
    commit_all(example_repo, "sara-novak helps with the report")
    finding = next(f for f in check_findings(example_repo) if f.rule == "CHECK-APPOINTMENT")
    assert finding.line == line_of(example_repo, "portfolio-reporting", "person: sara-novak") + 2
    assert "helen-achebe was not at the time (in commit " in finding.message
    assert any("helen-achebe was not at the time" in f.message
               for f in rule_findings(example_repo, "APPOINTMENTS"))  # fmt: skip


def test_the_approver_must_hold_the_role_at_the_commit_not_only_at_head(
    example_repo: Path,
) -> None:
    """ruth-kowalski appoints an owner while a PMO Manager and is made a Director after:
    validate (today's roles) accepts the record, check (the roles of the time) does not."""
    git(example_repo, "switch", "-q", "-c", "change")
    edit(example_repo, "portfolio-reporting",
         ("  owner: marcus-lindqvist\n", "  owner: priya-raman\n"),
         (LAST_RECORD, LAST_RECORD + "    - role: owner\n      person: priya-raman\n"
          "      replaces: marcus-lindqvist\n      date: 2026-11-02\n"
          "      approved_by: ruth-kowalski\n"))  # fmt: skip
    commit_all(example_repo, "priya-raman owns the report")
    organisation = example_repo / "organisation.yaml"
    text = organisation.read_text(encoding="utf-8")
    old = "  - id: ruth-kowalski\n    name: Ruth Kowalski\n    role: pmo-manager\n"
    assert old in text
    organisation.write_text(text.replace(old, old.replace("pmo-manager", "pmo-director")),
                            encoding="utf-8")  # fmt: skip
    commit_all(example_repo, "ruth-kowalski is a director now")
    assert [
        f for f in rule_findings(example_repo, "APPOINTMENTS") if f.severity.value == "error"
    ] == []
    [finding] = [f for f in check_findings(example_repo) if f.rule == "CHECK-APPOINTMENT"]
    assert "is for the PMO Director; ruth-kowalski is not" in finding.message


def test_a_recorded_appointment_rewritten_is_refused(example_repo: Path) -> None:
    git(example_repo, "switch", "-q", "-c", "change")
    edit(
        example_repo,
        "portfolio-reporting",
        ("      date: 2024-03-11\n", "      date: 2024-03-12\n"),
    )
    commit_all(example_repo, "fix a date")
    [finding] = check_findings(example_repo)
    assert finding.rule == "CHECK-APPOINTMENT"
    assert "appointment 2 recorded in roles.appointments of portfolio-reporting" in finding.message
