"""Signing a move as it is made (`pmoctl approve`), or taking a signature made before
(`pmoctl transition --signature FILE`), and the signature file that carries one.

The signature is made over the move's canonical statement (:mod:`pmoctl.signing.statement`):
the record as it will be written, the service, and the git blob of the service file before
the move. It is verified, as ``check`` will verify it, before anything is written.

A signature file holds one block per service, each the statement followed by ssh-keygen's
armoured signature; lines starting with ``#`` before a block are comments. Whoever holds the
file can commit the move, but only as it was signed: the statement is rebuilt from the
catalogue and must be the same text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pmoctl import gitrepo, runtime
from pmoctl.errors import RefusedError, UserError
from pmoctl.signing import decisions, sshkeygen
from pmoctl.signing.statement import (
    BEGIN,
    END,
    KINDS,
    NAMESPACE,
    Statement,
    StatementError,
    armour,
    body,
    parse,
)

if TYPE_CHECKING:
    from pmoctl.catalogue.models import Person

_PUBLIC_KEY_STARTS = (b"ssh-", b"ecdsa-", b"sk-")
_MAX_FILE = 1 << 20


@dataclass(frozen=True)
class SignedDecision:
    """A statement and the one-line body of its signature."""

    statement: Statement
    signature: str


@dataclass
class Signing:
    """How the moves get their approver's signature: made now with ``key``, or made before
    and given in ``signed`` (by service id). ``made`` collects what was signed."""

    key: Path | None = None
    signed: dict[str, SignedDecision] = field(default_factory=dict)
    made: list[SignedDecision] = field(default_factory=list)


def sign_move(
    repo: gitrepo.Repo, ident: str, repo_rel: str, old: bytes, record: dict[str, object], *,
    people: Sequence[Person], signing: Signing | None, required: bool,
) -> str | None:  # fmt: skip
    """The signature to record with the move of ``ident`` (None when unsigned)."""
    if signing is None and required:
        raise RefusedError(
            f"{ident}: this catalogue asks for signed approvals (`approvals` in "
            "pmoctl.yaml): the move needs its approver's signature",
            hint=f"the approver runs `pmoctl approve {ident} --to {record.get('to')} --key "
            "KEY`, or "
            "signs it with `--sign-only --out FILE` for `pmoctl transition --signature FILE`",
        )
    return sign_record(
        repo, ident, repo_rel, old, kind="move", record=record, people=people,
        signing=signing, required=required,
    )  # fmt: skip


def sign_record(
    repo: gitrepo.Repo, ident: str, repo_rel: str, old: bytes, *, kind: str,
    record: Mapping[str, object], people: Sequence[Person], signing: Signing | None,
    required: bool,
) -> str | None:  # fmt: skip
    """The signature to record with the decision ``record`` of ``kind`` (a name of
    :data:`~pmoctl.signing.statement.KINDS`) in the service file of ``ident``, whose bytes
    before the decision are ``old``: made now, or taken from the signature file, and
    verified as ``check`` will verify it. None when unsigned (refused when ``required``)."""
    if signing is None:
        if required:
            spec = KINDS[kind]
            raise RefusedError(
                f"{ident}: this catalogue asks for signed approvals (`approvals` in "
                f"pmoctl.yaml): the {spec.what} needs its approver's signature",
                hint=f"the approver records it with their own key: `{spec.command}`",
            )
        return None
    blob = gitrepo.stored_blob_id(repo, repo_rel, old)
    statement = Statement.of(kind, ident, blob, record)
    if signing.key is not None:
        armoured = sshkeygen.sign(
            statement.data(), signing.key, NAMESPACE, agent=_is_public(signing.key)
        )
        signature = body(armoured)
    else:
        given = signing.signed.get(ident)
        if given is None:
            raise UserError(f"the signature file holds no signed decision for {ident}")
        _same_statement(ident, given.statement, statement)
        signature = given.signature
    problem = decisions.judge(
        statement, signature, people, required=True, still_valid_on=runtime.today()
    )
    if problem is not None:
        raise RefusedError(problem.message, hint=problem.hint)
    signing.made.append(SignedDecision(statement, signature))
    return signature


def _same_statement(ident: str, signed: Statement, now: Statement) -> None:
    if signed.text() == now.text():
        return
    if signed.blob != now.blob:
        raise RefusedError(
            f"{ident}: the signature was made for another version of services/{ident}.yaml",
            hint="the file changed since it was signed: have the approver sign the move again",
        )
    theirs, ours = signed.text().splitlines(), now.text().splitlines()
    differ = [f"{a} (signed) / {b} (now)" for a, b in zip(theirs, ours, strict=False) if a != b]
    if len(theirs) != len(ours):
        differ.append("the signed record has other fields")
    raise RefusedError(
        f"{ident}: the signed decision is not this move: {'; '.join(differ)[:400]}",
        hint="give the move exactly as it was signed (leave --approved-by, --date and the "
        "evidence out: they come from the signature file)",
    )


def key_path(root: Path, given: Path | None) -> Path:
    """The key to sign with: ``--key``, else git's ``user.signingKey`` (a path)."""
    if given is None:
        repo = gitrepo.discover(root)
        found = gitrepo.run(
            repo.top if repo else root, "config", "--get", "user.signingKey", check=False
        )
        configured = found.stdout.decode("utf-8", "replace").strip()
        if not configured or configured.startswith("key::"):
            raise UserError(
                "no key to sign with",
                hint="give your SSH key with --key PATH (a private key, or a public key whose "
                "private half your ssh-agent holds), or set git's user.signingKey to its path",
            )
        given = Path(configured).expanduser()
    if not given.is_file():
        raise UserError(f"--key {given}: no such file", hint="give the path of your SSH key")
    return given


def _is_public(key: Path) -> bool:
    try:
        with key.open("rb") as handle:
            return handle.read(16).startswith(_PUBLIC_KEY_STARTS)
    except OSError as error:
        raise UserError(f"--key {key}: {error.strerror}") from None


# --- the signature file -----------------------------------------------------------------


def file_text(made: Sequence[SignedDecision]) -> str:
    """The signature file of the decisions ``made``."""
    first = made[0].statement if made else None
    target = first.record.get("to", "STAGE") if first else "STAGE"
    ids = " ".join(item.statement.subject for item in made)
    lines = [
        "# Signed decisions made with `pmoctl approve --sign-only`; commit them with",
        f"#   pmoctl transition {ids} --to {target} --signature THIS-FILE",
    ]
    blocks = [statement_block(item) for item in made]
    return "\n".join(lines) + "\n" + "".join(blocks)


def statement_block(item: SignedDecision) -> str:
    return item.statement.text() + armour(item.signature)


def read_file(path: Path) -> list[SignedDecision]:
    """The signed decisions in the signature file at ``path``."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(_MAX_FILE + 1)
        text = raw.decode("ascii")
    except OSError as error:
        raise UserError(f"--signature {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise UserError(f"--signature {path}: not a signature file (not ASCII text)") from None
    if len(raw) > _MAX_FILE:
        raise UserError(f"--signature {path}: too large for a signature file")
    found: list[SignedDecision] = []
    statement: list[str] = []
    signature: list[str] | None = None
    for line in text.replace("\r\n", "\n").split("\n"):
        if signature is not None:
            signature.append(line)
            if line == END:
                found.append(_decision(path, statement, signature))
                statement, signature = [], None
        elif line == BEGIN:
            signature = [line]
        elif line.startswith("#") and not statement or not line and not statement:
            continue
        else:
            statement.append(line)
    if signature is not None or statement or not found:
        raise UserError(
            f"--signature {path}: not a signature file made by `pmoctl approve --sign-only`"
        )
    return found


def _decision(path: Path, statement: list[str], signature: list[str]) -> SignedDecision:
    try:
        parsed = parse("\n".join(statement) + "\n")
    except StatementError as error:
        raise UserError(f"--signature {path}: {error}") from None
    if parsed.kind != "move":
        raise UserError(f"--signature {path}: a {parsed.kind} is not a move")
    return SignedDecision(parsed, body("\n".join(signature)))


def approver_and_evidence(signed: Sequence[SignedDecision]) -> tuple[str, dict[str, Any]]:
    """The approver and the evidence (as `Evidence` fields) of the signed moves; all
    the blocks must record the same decision (one commit records one decision)."""
    records = [dict(item.statement.record) for item in signed]
    first = records[0]
    if any(record != first for record in records[1:]):
        raise UserError("the signature file holds different decisions; give one at a time")
    review = first.get("artefact_review")
    review = review if isinstance(review, dict) else {}
    readiness, waived = first.get("readiness"), first.get("waived_criteria")
    try:
        date = dt.date.fromisoformat(str(first.get("date")))
    except ValueError:
        raise UserError("the signed decision has no valid date") from None
    fates: dict[str, list[str]] = {"kept": list(review.get("kept") or ()), "archived": [],
                                   "discarded": list(review.get("discarded") or ())}  # fmt: skip
    for item in review.get("artefacts") or ():
        if isinstance(item, dict) and item.get("fate") in fates:
            where = f"={item['location']}" if item.get("location") else ""
            fates[str(item["fate"])].append(f"{item.get('name')}{where}")
    evidence = {
        "reason": first.get("reason"),
        "superseded_by": first.get("superseded_by"),
        "note": first.get("note"),
        "communication": first.get("communication"),
        "rollout": first.get("rollout"),
        # one text is the earlier form, which a new move does not take: left out, so that
        # the move is refused for its readiness checklist
        "readiness": readiness if isinstance(readiness, dict) else None,
        "waived_criteria": tuple(waived) if isinstance(waived, list) else (),
        "closes": first.get("closes"),
        "waive_capacity": first.get("capacity_waived") is True,
        **{fate: tuple(names) for fate, names in fates.items()},
        "date": date,
    }
    return str(first.get("approved_by", "")), evidence
