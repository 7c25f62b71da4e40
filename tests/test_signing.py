"""Signed approvals: real keys made with ssh-keygen in tmp_path, real git repositories, the
real command line. Nothing here touches ~/.ssh (HOME is a fresh folder, keys use -f)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import git, run_cli
from pmoctl.lifecycle.check import check
from pmoctl.signing import sshkeygen
from pmoctl.signing.statement import NAMESPACE, Statement, body, parse
from test_check import branch, commit_all, hand_move, line_of

DIRECTOR = "helen-achebe"  # PMO Director, owner of gate-reviews
MANAGER = "marcus-lindqvist"  # PMO Manager, owner of portfolio-risk-review
CLOSE = (
    "--reason",
    "objective-achieved",
    "--note",
    "The committee moved to the portal.",
    "--communication",
    "Told at the forum.",
)


def make_key(folder: Path, name: str) -> Path:
    key = folder / "keys" / name
    key.parent.mkdir(exist_ok=True)
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True
    )
    return key


def register(repo: Path, person: str, key: Path, *, since: str = "2026-01-01",
             until: str | None = None, approved_by: str = DIRECTOR) -> None:  # fmt: skip
    """Add ``key`` under ``person``'s keys in organisation.yaml (not committed)."""
    path = repo / "organisation.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index(f"  - id: {person}\n")
    end = text.index("\n\n", start)
    public = key.with_suffix(".pub").read_text(encoding="utf-8").strip()
    entry = f"      - key: {public}\n        since: {since}\n        approved_by: {approved_by}\n"
    if until:
        entry += f"        until: {until}\n"
    block = text[start:end]
    block += (
        ("\n" + entry.rstrip("\n"))
        if "    keys:\n" in block
        else "\n    keys:\n" + entry.rstrip("\n")
    )
    path.write_text(text[:start] + block + text[end:], encoding="utf-8")


def signed_repo(repo: Path, tmp_path: Path, *, policy: bool = True) -> dict[str, Path]:
    """The example repository with keys for the director and a manager (and a stranger's key,
    registered for nobody), the policy set when asked; committed on main."""
    keys = {name: make_key(tmp_path, name) for name in ("helen", "marcus", "stranger")}
    register(repo, DIRECTOR, keys["helen"])
    register(repo, MANAGER, keys["marcus"])
    if policy:
        config = repo / "pmoctl.yaml"
        config.write_text(
            config.read_text(encoding="utf-8") + "approvals: signed\n", encoding="utf-8"
        )
    commit_all(repo, "signing keys and policy")
    return keys


def approve(repo: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return run_cli("approve", *args, cwd=repo)


def findings(repo: Path, rule: str) -> list[str]:
    return [f"{f.line}:{f.message}" for f in check(repo, "main").findings if f.rule == rule]


def blob_before(repo: Path, ident: str) -> str:
    return git(repo, "rev-parse", f"HEAD:services/{ident}.yaml").strip()


def forged_move(repo: Path, ident: str, source: str, target: str, approver: str, *,
                key: Path, statement: Statement | None = None, extra: dict[str, str] | None = None,
                written_extra: dict[str, str] | None = None) -> str:  # fmt: skip
    """A move committed by hand with a signature made by ``key`` (over ``statement``, by
    default the honest statement of the record written)."""
    extra = extra or {}
    record: dict[str, object] = {
        "from": source, "to": target, "date": dt.date(2026, 11, 20), "approved_by": approver,
        **extra,
    }  # fmt: skip
    statement = statement or Statement.of("move", ident, blob_before(repo, ident), record)
    signature = body(sshkeygen.sign(statement.data(), key, NAMESPACE))
    lines = "".join(f"      {k}: {v}\n" for k, v in (written_extra or extra).items())
    return hand_move(repo, ident, source, target, approver,
                     extra=lines + f"      signature: {signature}\n")  # fmt: skip


# --- approve and check -------------------------------------------------------------------


def test_an_owner_approves_with_a_signature_and_check_accepts_it(
    example_repo: Path, tmp_path: Path
) -> None:
    keys = signed_repo(example_repo, tmp_path)
    branch(example_repo)
    moved = approve(example_repo, "gate-reviews", "--to", "closing", "--approved-by", DIRECTOR,
                    "--key", keys["helen"], *CLOSE)  # fmt: skip
    assert moved.returncode == 0, moved.stderr
    assert "gate-reviews: running -> closing (signed)" in moved.stdout
    text = (example_repo / "services" / "gate-reviews.yaml").read_text(encoding="utf-8")
    assert "      signature: U1NIU0lH" in text
    result = run_cli("check", "--base", "main", cwd=example_repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[CHECK-" not in result.stdout


def test_an_unsigned_move_is_refused_when_the_catalogue_asks_for_signatures(
    example_repo: Path, tmp_path: Path
) -> None:
    signed_repo(example_repo, tmp_path)
    head = git(example_repo, "rev-parse", "HEAD")
    moved = run_cli("transition", "gate-reviews", "--to", "closing", "--approved-by", DIRECTOR,
                    *CLOSE, cwd=example_repo)  # fmt: skip
    assert moved.returncode == 1
    assert "asks for signed approvals" in moved.stderr and "pmoctl approve" in moved.stderr
    assert git(example_repo, "rev-parse", "HEAD") == head
    branch(example_repo)
    hand_move(example_repo, "gate-reviews", "running", "closing", DIRECTOR,
              extra="      reason: objective-achieved\n      note: Done.\n"
                    "      communication: Told at the forum.\n")  # fmt: skip
    line = line_of(example_repo / "services" / "gate-reviews.yaml", r"    - from: running", True)
    assert findings(example_repo, "CHECK-UNSIGNED") == [
        f"{line[0]}:gate-reviews: the lifecycle move approved by helen-achebe carries no "
        "signature, and pmoctl.yaml asks for signed approvals"
    ]


def test_a_forged_approved_by_is_refused(example_repo: Path, tmp_path: Path) -> None:
    """The owner of another service signs with their own key a record naming the director."""
    keys = signed_repo(example_repo, tmp_path)
    refused = approve(example_repo, "gate-reviews", "--to", "closing", "--approved-by", DIRECTOR,
                      "--key", keys["marcus"], *CLOSE)  # fmt: skip
    assert refused.returncode == 1
    assert "signed with the key of marcus-lindqvist, not of helen-achebe" in refused.stderr
    branch(example_repo)
    forged_move(example_repo, "gate-reviews", "running", "closing", DIRECTOR, key=keys["marcus"],
                extra={"reason": "objective-achieved", "note": "Done.",
                       "communication": "Told at the forum."})  # fmt: skip
    signature = line_of(example_repo / "services" / "gate-reviews.yaml", r"      signature: ")
    assert findings(example_repo, "CHECK-SIGNATURE") == [
        f"{signature[0]}:gate-reviews: the lifecycle move approved by helen-achebe is signed "
        "with the key of marcus-lindqvist, not of helen-achebe"
    ]


def test_a_key_registered_for_nobody_is_refused(example_repo: Path, tmp_path: Path) -> None:
    keys = signed_repo(example_repo, tmp_path)
    refused = approve(example_repo, "gate-reviews", "--to", "closing", "--approved-by", DIRECTOR,
                      "--key", keys["stranger"], *CLOSE)  # fmt: skip
    assert refused.returncode == 1
    assert "not registered for helen-achebe on 2026-11-20" in refused.stderr
    branch(example_repo)
    forged_move(
        example_repo,
        "gate-reviews",
        "running",
        "closing",
        DIRECTOR,
        key=keys["stranger"],
        extra={
            "reason": "objective-achieved",
            "note": "Done.",
            "communication": "Told at the forum.",
        },
    )
    (found,) = findings(example_repo, "CHECK-SIGNATURE")
    assert "is signed with a key that is not registered for helen-achebe on 2026-11-20" in found


def test_a_key_registered_after_the_decision_is_refused(example_repo: Path, tmp_path: Path) -> None:
    helen = make_key(tmp_path, "helen")
    register(example_repo, DIRECTOR, helen, since="2026-11-21")
    commit_all(example_repo, "a key from tomorrow")
    branch(example_repo)
    forged_move(example_repo, "gate-reviews", "running", "closing", DIRECTOR, key=helen,
                extra={"reason": "objective-achieved", "note": "Done.",
                       "communication": "Told at the forum."})  # fmt: skip
    (found,) = findings(example_repo, "CHECK-SIGNATURE")
    assert "not registered for helen-achebe on 2026-11-20" in found


def test_a_key_retired_since_signs_no_new_decision(example_repo: Path, tmp_path: Path) -> None:
    """Dated before the key's retirement, but recorded after it: check refuses it."""
    helen = make_key(tmp_path, "helen")
    register(example_repo, DIRECTOR, helen, until="2026-11-01")
    commit_all(example_repo, "a retired key")
    branch(example_repo)
    record = {"from": "running", "to": "closing", "date": dt.date(2026, 10, 20),
              "approved_by": DIRECTOR, "reason": "objective-achieved", "note": "Done.",
                       "communication": "Told at the forum."}  # fmt: skip
    statement = Statement.of("move", "gate-reviews", blob_before(example_repo, "gate-reviews"),
                             record)  # fmt: skip
    path = example_repo / "services" / "gate-reviews.yaml"
    forged_move(
        example_repo,
        "gate-reviews",
        "running",
        "closing",
        DIRECTOR,
        key=helen,
        statement=statement,
        extra={
            "reason": "objective-achieved",
            "note": "Done.",
            "communication": "Told at the forum.",
        },
    )
    path.write_text(
        path.read_text(encoding="utf-8").replace("date: 2026-11-20", "date: 2026-10-20")
    )
    git(example_repo, "commit", "-q", "--amend", "-a", "--no-edit")
    (found,) = findings(example_repo, "CHECK-SIGNATURE")
    assert "signed with a key retired by 2026-11-20" in found


def test_a_signature_copied_from_another_service_is_refused(
    example_repo: Path, tmp_path: Path
) -> None:
    keys = signed_repo(example_repo, tmp_path)
    branch(example_repo)
    moved = approve(example_repo, "gate-reviews", "--to", "closing", "--approved-by", DIRECTOR,
                    "--key", keys["helen"], *CLOSE)  # fmt: skip
    assert moved.returncode == 0, moved.stderr
    signed = (example_repo / "services" / "gate-reviews.yaml").read_text(encoding="utf-8")
    signature = signed.rsplit("signature: ", 1)[1].strip()
    # the same decision, word for word, recorded on another service the director owns
    other = "project-assurance"
    owner = git(example_repo, "show", f"HEAD:services/{other}.yaml")
    assert f"owner: {DIRECTOR}" in owner
    hand_move(example_repo, other, "running", "closing", DIRECTOR,
              extra="      reason: objective-achieved\n      note: The committee moved to the "
              "portal.\n      communication: Told at the forum.\n"
              f"      signature: {signature}\n")  # fmt: skip
    (found,) = findings(example_repo, "CHECK-SIGNATURE")
    assert (
        "project-assurance: the lifecycle move approved by helen-achebe: the signature "
        "does not match the record" in found.split(":", 1)[1]
    )


def test_a_record_changed_after_signing_is_refused(example_repo: Path, tmp_path: Path) -> None:
    keys = signed_repo(example_repo, tmp_path)
    branch(example_repo)
    forged_move(example_repo, "gate-reviews", "running", "closing", DIRECTOR, key=keys["helen"],
                extra={"reason": "objective-achieved", "note": "Done.",
                       "communication": "Told at the forum."},
                written_extra={"reason": "superseded", "note": "Done."})  # fmt: skip
    (found,) = findings(example_repo, "CHECK-SIGNATURE")
    assert "the signature does not match the record" in found


def test_a_signature_is_verified_even_where_none_is_required(
    example_repo: Path, tmp_path: Path
) -> None:
    keys = signed_repo(example_repo, tmp_path, policy=False)
    branch(example_repo)
    forged_move(example_repo, "gate-reviews", "running", "closing", DIRECTOR, key=keys["marcus"],
                extra={"reason": "objective-achieved", "note": "Done.",
                       "communication": "Told at the forum."})  # fmt: skip
    assert len(findings(example_repo, "CHECK-SIGNATURE")) == 1
    assert findings(example_repo, "CHECK-UNSIGNED") == []


# --- signing elsewhere: --sign-only and transition --signature ------------------------------


def test_a_move_signed_elsewhere_is_committed_with_transition_signature(
    example_repo: Path, tmp_path: Path
) -> None:
    keys = signed_repo(example_repo, tmp_path)
    branch(example_repo)
    head = git(example_repo, "rev-parse", "HEAD")
    out = tmp_path / "decision.sig"
    signed = approve(example_repo, "gate-reviews", "--to", "closing", "--approved-by", DIRECTOR,
                     "--key", keys["helen"], *CLOSE, "--sign-only", "--out", out)  # fmt: skip
    assert signed.returncode == 0, signed.stderr
    assert git(example_repo, "rev-parse", "HEAD") == head  # nothing committed
    text = out.read_text(encoding="ascii")
    assert "pmoctl transition gate-reviews --to closing --signature" in text
    block = text[text.index("pmoctl decision statement 1") : text.index("-----BEGIN")]
    assert parse(block).record["approved_by"] == DIRECTOR
    wrong = run_cli("transition", "gate-reviews", "--to", "closing", "--signature", out,
                    "--note", "Another note.", cwd=example_repo)  # fmt: skip
    assert wrong.returncode == 2 and "come from its signature file" in wrong.stderr
    moved = run_cli("transition", "gate-reviews", "--to", "closing", "--signature", out,
                    cwd=example_repo)  # fmt: skip
    assert moved.returncode == 0, moved.stderr
    assert "(signed)" in moved.stdout
    assert run_cli("check", "--base", "main", cwd=example_repo).returncode == 0
    git(example_repo, "reset", "-q", "--hard", "HEAD~1")
    (example_repo / "services" / "gate-reviews.yaml").write_text(
        (example_repo / "services" / "gate-reviews.yaml").read_text(encoding="utf-8")
        .replace("name: Stage gate reviews", "name: Gate reviews"), encoding="utf-8")  # fmt: skip
    commit_all(example_repo, "rename")
    stale = run_cli("transition", "gate-reviews", "--to", "closing", "--signature", out,
                    cwd=example_repo)  # fmt: skip
    assert stale.returncode == 1
    assert "the signature was made for another version of services/gate-reviews.yaml" in (
        stale.stderr
    )


def test_a_file_that_is_not_a_signature_file_is_a_usage_error(
    example_repo: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.sig"
    bad.write_text('pmoctl decision statement 1\nkind: "move"\n', encoding="ascii")
    result = run_cli("transition", "gate-reviews", "--to", "closing", "--signature", bad,
                     cwd=example_repo)  # fmt: skip
    assert result.returncode == 2
    assert "not a signature file" in result.stderr
    assert "Traceback" not in result.stderr


# --- verify ------------------------------------------------------------------------------


def test_verify_checks_the_whole_history(example_repo: Path, tmp_path: Path) -> None:
    keys = signed_repo(example_repo, tmp_path)
    for ident, by, key, args in (
        ("gate-reviews", DIRECTOR, keys["helen"], CLOSE),
        ("portfolio-reporting", MANAGER, keys["marcus"], CLOSE),
    ):
        moved = approve(example_repo, ident, "--to", "closing", "--approved-by", by, "--key", key,
                        *args)  # fmt: skip
        assert moved.returncode == 0, moved.stderr
    result = run_cli("verify", cwd=example_repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        "move: 2 signed, 0 unsigned\n"
        "2 signed decision(s) and 0 unsigned in 2 service(s): all verified"
    ) in result.stdout
    forged_move(example_repo, "gate-reviews", "closing", "closed", DIRECTOR, key=keys["marcus"])
    result = run_cli("verify", "--format", "json", cwd=example_repo)
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["signed_moves"] == 3
    (finding,) = data["findings"]
    assert finding["rule"] == "CHECK-SIGNATURE"
    assert finding["path"] == "services/gate-reviews.yaml"
    assert "key of marcus-lindqvist" in finding["message"]


def test_verify_does_not_count_unsigned_moves_made_before_the_policy(
    example_repo: Path, tmp_path: Path
) -> None:
    moved = run_cli("transition", "gate-reviews", "--to", "closing", "--approved-by", DIRECTOR,
                    *CLOSE, cwd=example_repo)  # fmt: skip
    assert moved.returncode == 0, moved.stderr
    signed_repo(example_repo, tmp_path)
    result = run_cli("verify", cwd=example_repo)
    assert result.returncode == 0, result.stdout
    assert "move: 0 signed, 1 unsigned" in result.stdout


# --- signers -----------------------------------------------------------------------------


def test_signers_writes_the_allowed_signers_file_and_check_says_when_it_is_stale(
    example_repo: Path, tmp_path: Path
) -> None:
    keys = signed_repo(example_repo, tmp_path, policy=False)
    stale = run_cli("signers", "--check", cwd=example_repo)
    assert stale.returncode == 1
    assert "out of date" in stale.stderr and "run `pmoctl signers`" in stale.stderr
    assert run_cli("signers", cwd=example_repo).returncode == 0
    text = (example_repo / ".github" / "allowed_signers").read_text(encoding="utf-8")
    public = keys["helen"].with_suffix(".pub").read_text(encoding="utf-8").split()[:2]
    assert (
        'helen-achebe,helen.achebe@harbourside-water.example namespaces="git,pmoctl-decision",'
        f'valid-after="20260101" {" ".join(public)}\n'
    ) in text
    assert run_cli("signers", "--check", cwd=example_repo).returncode == 0
    register(example_repo, MANAGER, make_key(tmp_path, "marcus2"), until="2027-01-01")
    again = run_cli("signers", "--check", cwd=example_repo)
    assert again.returncode == 1
    assert 'valid-before="20270101"' in again.stdout


def test_the_allowed_signers_file_verifies_a_decision_by_hand(
    example_repo: Path, tmp_path: Path
) -> None:
    """What the README shows: ssh-keygen alone, with the generated file, checks a record."""
    keys = signed_repo(example_repo, tmp_path)
    moved = approve(
        example_repo,
        "gate-reviews",
        "--to",
        "closing",
        "--approved-by",
        DIRECTOR,
        "--key",
        keys["helen"],
        *CLOSE,
        "--sign-only",
        "--out",
        tmp_path / "d.sig",
    )
    assert moved.returncode == 0, moved.stderr
    assert run_cli("signers", "--out", tmp_path / "allowed", cwd=example_repo).returncode == 0
    text = (tmp_path / "d.sig").read_text(encoding="ascii")
    statement, signature = text.split("-----BEGIN", 1)
    statement = statement[statement.index("pmoctl decision") :]
    (tmp_path / "s.sig").write_text("-----BEGIN" + signature, encoding="ascii")
    result = subprocess.run(
        ["ssh-keygen", "-Y", "verify", "-f", str(tmp_path / "allowed"), "-I", DIRECTOR,
         "-n", "pmoctl-decision", "-s", str(tmp_path / "s.sig")],
        input=statement.encode("ascii"), capture_output=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


# --- the registry's rules, the tool's absence --------------------------------------------


def test_a_key_approved_by_someone_not_a_director_is_reported(
    example_repo: Path, tmp_path: Path
) -> None:
    register(example_repo, MANAGER, make_key(tmp_path, "marcus"), approved_by=MANAGER)
    register(example_repo, DIRECTOR, make_key(tmp_path, "helen"), since="2026-05-01",
             until="2026-04-01")  # fmt: skip
    result = run_cli("validate", cwd=example_repo)
    assert result.returncode == 1
    assert "[KEY-APPROVER] the key of marcus-lindqvist is approved by marcus-lindqvist" in (
        result.stdout
    )
    assert "[KEY-PERIOD] a key of helen-achebe is retired (2026-04-01)" in result.stdout


def test_missing_ssh_keygen_is_a_clear_error(example_repo: Path, tmp_path: Path) -> None:
    keys = signed_repo(example_repo, tmp_path)
    tools = tmp_path / "bin"
    tools.mkdir()
    for name in ("git",):
        found = next(
            Path(folder) / name for folder in os.environ["PATH"].split(os.pathsep)
            if (Path(folder) / name).is_file()
        )  # fmt: skip
        (tools / name).symlink_to(found)
    head = git(example_repo, "rev-parse", "HEAD")
    result = run_cli("approve", "gate-reviews", "--to", "closing", "--approved-by", DIRECTOR,
                     "--key", keys["helen"], *CLOSE, cwd=example_repo,
                     env={"PATH": str(tools)})  # fmt: skip
    assert result.returncode == 3, result.stderr
    assert "ssh-keygen is not installed" in result.stderr
    assert "openssh-client" in result.stderr
    assert git(example_repo, "rev-parse", "HEAD") == head


@pytest.mark.parametrize("key", ["missing", None])
def test_no_key_to_sign_with_is_a_usage_error(
    example_repo: Path, tmp_path: Path, key: str | None
) -> None:
    signed_repo(example_repo, tmp_path)
    extra = ["--key", str(tmp_path / key)] if key else []
    result = approve(example_repo, "gate-reviews", "--to", "closing", "--approved-by", DIRECTOR,
                     *extra, *CLOSE)  # fmt: skip
    assert result.returncode == 2
    assert ("no such file" if key else "no key to sign with") in result.stderr
