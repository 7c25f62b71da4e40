"""Judging a signed decision record: is the signature the approver's, for this very record?

A record passes when ssh-keygen verifies its signature over the statement rebuilt from the
record and the file's blob before it (:mod:`.statement`), by a key the registry lists for
the person the record names as approver, valid on the decision's date. When it fails, two
more questions to ssh-keygen say why: does the signature match the statement at all (else
the record was changed, or the signature was made for another decision), and whose key
made it (another person's: the record names the wrong approver).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from pmoctl.catalogue.models import Person
from pmoctl.signing import signers, sshkeygen
from pmoctl.signing.statement import NAMESPACE, Statement, armour

SIGNATURE_RULE = "CHECK-SIGNATURE"
UNSIGNED_RULE = "CHECK-UNSIGNED"
REGISTER_HINT = (
    "register the key under the approver's `keys` in organisation.yaml (with `since`, and "
    "`approved_by` a PMO Director), or sign with a key registered for the day of the decision"
)


@dataclass(frozen=True)
class Problem:
    """Why a decision record's signature is not accepted."""

    rule: str
    message: str
    hint: str


def judge(
    statement: Statement, signature: str | None, people: Sequence[Person], *,
    required: bool, still_valid_on: dt.date | None = None,
) -> Problem | None:  # fmt: skip
    """Why the record of ``statement`` and its ``signature`` are not accepted, or None.

    ``people``: the registry as it stood when the decision was recorded. ``required``: the
    catalogue asks for a signature (else a missing one is fine, but a present one must
    verify). ``still_valid_on``: a day on which the key must also be registered (``check``
    passes today: a retired key cannot sign decisions dated before its retirement).
    """
    spec = statement.spec
    who = statement.approver or "nobody named"
    what = f"{statement.subject}: the {spec.what} approved by {who}"
    if signature is None:
        if not required:
            return None
        return Problem(
            UNSIGNED_RULE,
            f"{what} carries no signature, and pmoctl.yaml asks for signed approvals",
            "have the approver make the decision with `pmoctl approve` (or sign it with "
            "`pmoctl approve --sign-only` for `pmoctl transition --signature FILE`)"
            if spec.name == "move"
            else f"have the approver record it with their own key: `{spec.command}`",
        )
    day = statement.date
    if day is None:
        return Problem(SIGNATURE_RULE, f"{what} has no valid date to verify it on", "")
    allowed = signers.text(people)
    armoured = armour(signature)
    data = statement.data()
    verdict = sshkeygen.verify(
        data, armoured, allowed, statement.approver, namespace=NAMESPACE, at=day
    )
    if verdict.ok and still_valid_on is not None:
        later = sshkeygen.verify(
            data, armoured, allowed, statement.approver, namespace=NAMESPACE, at=still_valid_on
        )
        if not later.ok:
            return Problem(
                SIGNATURE_RULE,
                f"{what} is signed with a key retired by {still_valid_on.isoformat()}",
                "a retired key signs no new decision: sign it again with a current key",
            )
    if verdict.ok:
        return None
    if not sshkeygen.matches(data, armoured, NAMESPACE):
        return Problem(
            SIGNATURE_RULE,
            f"{what}: the signature does not match the record (the record was changed after "
            "it was signed, or the signature was made for another decision, service or "
            "version of the file)",
            f"make the decision again with `{spec.command}`; a signature cannot be copied",
        )
    owners = [
        name
        for name in sshkeygen.principals(armoured, allowed, day)
        if name != statement.approver and "@" not in name
    ]
    if owners:
        return Problem(
            SIGNATURE_RULE,
            f"{what} is signed with the key of {', '.join(owners)}, not of {statement.approver}",
            "the approver named in the record must sign it with their own key",
        )
    return Problem(
        SIGNATURE_RULE,
        f"{what} is signed with a key that is not registered for {statement.approver} on "
        f"{day.isoformat()}",
        REGISTER_HINT,
    )
