"""Signed decisions other than moves: appointments, change request decisions, KPI readings
and reviews, signed with real keys made in tmp_path and judged by the real `check` and
`verify` on real repositories made from examples/catalogue."""

from __future__ import annotations

import datetime as dt
import json
import typing
from pathlib import Path
from typing import Any

from conftest import DUE_DAY, git, run_cli
from pmoctl.catalogue.decisions import DECISIONS
from pmoctl.catalogue.models.config import SignedKind
from pmoctl.signing import sshkeygen
from pmoctl.signing.records import decision_record
from pmoctl.signing.statement import KINDS, NAMESPACE, Statement, body
from pmoctl.yaml import edit
from pmoctl.yaml.loader import parse
from test_check import branch, commit_all, line_of
from test_signing import DIRECTOR, MANAGER, blob_before, findings, make_key, register, signed_repo

OWNED = "dependency-mapping"  # proposed, no roles yet
REPORTER = "wei-chen"  # reports the KPIs of ppm-adoption-support
TODAY = {"PMOCTL_TODAY": DUE_DAY}


def data(repo: Path, ident: str) -> dict[str, Any]:
    return parse((repo / "services" / f"{ident}.yaml").read_text(encoding="utf-8"))


def append_by_hand(repo: Path, ident: str, path: tuple[str | int, ...], item: object) -> None:
    """Append ``item`` at ``path`` of the service file and commit it (no pmoctl command)."""
    file = repo / "services" / f"{ident}.yaml"
    text = file.read_text(encoding="utf-8")
    file.write_text(edit.apply(text, [edit.Append(path, item)]), encoding="utf-8")
    commit_all(repo, f"{ident}: recorded by hand")


def test_every_decision_of_the_guidance_is_a_signable_kind_the_policy_names() -> None:
    names = {spec.id for spec in DECISIONS} | {"move"}
    assert set(KINDS) == names
    assert set(typing.get_args(SignedKind)) == names


def test_a_signed_appointment_is_accepted_and_a_forged_one_refused(
    example_repo: Path, tmp_path: Path
) -> None:
    keys = signed_repo(example_repo, tmp_path)
    branch(example_repo)
    head = git(example_repo, "rev-parse", "HEAD")
    forged = run_cli("appoint", OWNED, "--owner", MANAGER, "--approved-by", DIRECTOR,
                     "--key", keys["marcus"], cwd=example_repo)  # fmt: skip
    assert forged.returncode == 1
    assert "signed with the key of marcus-lindqvist, not of helen-achebe" in forged.stderr
    assert git(example_repo, "rev-parse", "HEAD") == head
    assert git(example_repo, "status", "--porcelain") == ""
    appointed = run_cli("appoint", OWNED, "--owner", MANAGER, "--approved-by", DIRECTOR,
                        "--key", keys["helen"], cwd=example_repo)  # fmt: skip
    assert appointed.returncode == 0, appointed.stderr
    (record,) = data(example_repo, OWNED)["roles"]["appointments"]
    assert record["signature"].startswith("U1NIU0lH")
    checked = run_cli("check", "--base", "main", cwd=example_repo)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "[CHECK-" not in checked.stdout

    # by hand: an operative appointment naming the director, signed with marcus's key
    entry = {"role": "operative", "person": "tom-okafor", "date": dt.date(2026, 11, 20),
             "approved_by": DIRECTOR}  # fmt: skip
    statement = Statement.of("appoint-operative", OWNED, blob_before(example_repo, OWNED),
                             decision_record("appoint-operative", entry))  # fmt: skip
    signature = body(sshkeygen.sign(statement.data(), keys["marcus"], NAMESPACE))
    append_by_hand(example_repo, OWNED, ("roles", "appointments"),
                   {**entry, "signature": signature})  # fmt: skip
    file = example_repo / "services" / f"{OWNED}.yaml"
    line = line_of(file, r"      signature: ", last=True)[0]
    assert findings(example_repo, "CHECK-SIGNATURE") == [
        f"{line}:{OWNED}: the appointment of a Service Operative approved by helen-achebe is "
        "signed with the key of marcus-lindqvist, not of helen-achebe"
    ]


def test_an_unsigned_appointment_is_refused_where_the_policy_asks_for_signatures(
    example_repo: Path, tmp_path: Path
) -> None:
    signed_repo(example_repo, tmp_path)
    head = git(example_repo, "rev-parse", "HEAD")
    refused = run_cli("appoint", OWNED, "--owner", MANAGER, "--approved-by", DIRECTOR,
                      cwd=example_repo)  # fmt: skip
    assert refused.returncode == 1
    assert "asks for signed approvals" in refused.stderr
    assert "pmoctl appoint --key KEY" in refused.stderr
    assert git(example_repo, "rev-parse", "HEAD") == head
    assert git(example_repo, "status", "--porcelain") == ""
    branch(example_repo)
    append_by_hand(example_repo, OWNED, ("roles", "appointments"),
                   {"role": "owner", "person": MANAGER, "date": dt.date(2026, 11, 20),
                    "approved_by": DIRECTOR})  # fmt: skip
    line = line_of(example_repo / "services" / f"{OWNED}.yaml", r"    - role: ", last=True)[0]
    assert findings(example_repo, "CHECK-UNSIGNED") == [
        f"{line}:{OWNED}: the appointment of the Service Owner approved by helen-achebe carries "
        "no signature, and pmoctl.yaml asks for signed approvals"
    ]


def test_a_signed_kpi_reading_is_verified_by_check_and_verify(
    example_repo: Path, tmp_path: Path
) -> None:
    keys = signed_repo(example_repo, tmp_path, policy=False)
    wei = make_key(tmp_path, "wei")
    register(example_repo, REPORTER, wei)
    commit_all(example_repo, "wei's key")
    branch(example_repo)
    refused = run_cli("kpi", "record", "ppm-adoption-support", "directorates-onboarded", "6",
                      "--key", keys["helen"], cwd=example_repo, env=TODAY)  # fmt: skip
    assert refused.returncode == 1
    assert "signed with the key of helen-achebe, not of wei-chen" in refused.stderr
    recorded = run_cli("kpi", "record", "ppm-adoption-support", "directorates-onboarded", "6.5",
                       "--note", "Customer services moved on", "--key", wei,
                       cwd=example_repo, env=TODAY)  # fmt: skip
    assert recorded.returncode == 0, recorded.stderr
    kpi = next(k for k in data(example_repo, "ppm-adoption-support")["kpis"]
               if k["id"] == "directorates-onboarded")  # fmt: skip
    reading = kpi["readings"][-1]
    assert reading["reported_by"] == REPORTER
    assert reading["signature"].startswith("U1NIU0lH")
    checked = run_cli("check", "--base", "main", cwd=example_repo, env=TODAY)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "[CHECK-" not in checked.stdout
    verified = run_cli("verify", "--format", "json", cwd=example_repo, env=TODAY)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert json.loads(verified.stdout)["kinds"]["record-reading"] == {"signed": 1, "unsigned": 0}


def test_a_change_decision_is_signed_and_an_edit_after_signing_is_refused(
    example_repo: Path, tmp_path: Path
) -> None:
    keys = signed_repo(example_repo, tmp_path)  # marcus owns portfolio-reporting
    branch(example_repo)
    service, ident = "portfolio-reporting", "show-slippage"
    made = run_cli("change", "new", service, "--title", "Show slippage", "--id", ident,
                   "--requested-by", "james-fairley", cwd=example_repo)  # fmt: skip
    assert made.returncode == 0, made.stderr
    approved = run_cli("change", "approve", service, ident, "--approved-by", MANAGER,
                       "--note", "Agreed.", "--key", keys["marcus"], cwd=example_repo)  # fmt: skip
    assert approved.returncode == 0, approved.stderr
    request = next(r for r in data(example_repo, service)["change_requests"] if r["id"] == ident)
    assert request["decision_signature"].startswith("U1NIU0lH")
    implemented = run_cli("change", "implement", service, ident, "--approved-by", MANAGER,
                          "--key", keys["marcus"], cwd=example_repo)  # fmt: skip
    assert implemented.returncode == 0, implemented.stderr
    checked = run_cli("check", "--base", "main", cwd=example_repo)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "[CHECK-" not in checked.stdout

    file = example_repo / "services" / f"{service}.yaml"
    file.write_text(
        file.read_text(encoding="utf-8").replace(
            "decision_note: Agreed.", "decision_note: Agreed for all projects."
        ),
        encoding="utf-8",
    )
    commit_all(example_repo, "the decision's note, edited by hand")
    line = line_of(file, r"    decision_signature: ")[0]
    (problem,) = findings(example_repo, "CHECK-SIGNATURE")
    assert problem.startswith(
        f"{line}:{service}: the decision on a change request approved by marcus-lindqvist: "
        "the signature does not match the record"
    )


def test_a_signed_review_and_a_key_that_is_not_there(example_repo: Path, tmp_path: Path) -> None:
    keys = signed_repo(example_repo, tmp_path)
    review = ("review", "project-assurance", "--attendee", "tom-okafor", "--summary",
              "Reviews on time reached 93%.", "--approved-by", DIRECTOR)  # fmt: skip
    head = git(example_repo, "rev-parse", "HEAD")
    missing = run_cli(*review, "--key", tmp_path / "no-such-key", cwd=example_repo, env=TODAY)
    assert missing.returncode == 2
    assert "no such file" in missing.stderr and "Traceback" not in missing.stderr
    assert git(example_repo, "rev-parse", "HEAD") == head
    assert git(example_repo, "status", "--porcelain") == ""
    signed = run_cli(*review, "--key", keys["helen"], cwd=example_repo, env=TODAY)
    assert signed.returncode == 0, signed.stderr
    assert data(example_repo, "project-assurance")["reviews"][-1]["signature"].startswith(
        "U1NIU0lH"
    )
    verified = run_cli("verify", cwd=example_repo, env=TODAY)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "record-review: 1 signed, 0 unsigned" in verified.stdout
