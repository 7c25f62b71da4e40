"""The canonical statement of a decision: the exact text an approver signs.

A statement is plain ASCII text, one field per line, built from the decision's record as the
catalogue holds it, so that anyone can rebuild it from the file and git and check the
signature with ssh-keygen alone::

    pmoctl decision statement 1
    kind: "move"
    subject: "alpha"
    blob: "6b0c8a2f..."
    record.approved_by: "helen-achebe"
    record.date: "2026-11-20"
    record.from: "design"
    record.to: "pilot"

The first line names the form and its version. ``kind`` is the kind of decision (one of
:data:`KINDS`); ``subject`` the id of the service whose file records it; ``blob`` the git
object id of that file as it was before the decision was recorded, which ties the signature
to one moment of one service (a signature copied onto another service, another move or a
later version of the file no longer matches). Then every field of the record but its
signature, sorted by name, each value as compact JSON (``ensure_ascii``: escapes, never raw
control characters; keys of nested mappings sorted; dates as ``YYYY-MM-DD`` text). Every
line ends with a line feed, the last one included.

The signature is made in the namespace :data:`NAMESPACE` (``ssh-keygen -Y sign -n
pmoctl-decision``), so that it cannot pass for a signature of a commit or of a file.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pmoctl.yaml.yaml12 import day_of

NAMESPACE = "pmoctl-decision"
FIRST_LINE = "pmoctl decision statement 1"
BEGIN = "-----BEGIN SSH SIGNATURE-----"
END = "-----END SSH SIGNATURE-----"


@dataclass(frozen=True)
class SignableKind:
    """A kind of decision record that can carry its approver's signature."""

    #: its name in statements and in pmoctl.yaml's ``approvals``
    name: str
    #: what it is, for messages
    what: str
    #: the record's field naming the approver (a person id), and the one holding its date
    approver_field: str
    date_field: str
    #: the command that records it signed, for hints
    command: str
    #: the record's field holding the signature (left out of the statement)
    signature_field: str = "signature"


def _kinds(*kinds: SignableKind) -> dict[str, SignableKind]:
    return {kind.name: kind for kind in kinds}


#: every kind of decision that can be signed (pmoctl.yaml's ``approvals`` names them): a
#: lifecycle move, and the decisions of :data:`pmoctl.catalogue.decisions.DECISIONS`, named
#: by their ids there
KINDS: dict[str, SignableKind] = _kinds(
    SignableKind("move", "lifecycle move", "approved_by", "date", "pmoctl approve"),
    SignableKind("appoint-owner", "appointment of the Service Owner", "approved_by", "date",
                 "pmoctl appoint --key KEY"),
    SignableKind("appoint-manager", "appointment of a Service Manager", "approved_by", "date",
                 "pmoctl appoint --key KEY"),
    SignableKind("appoint-operative", "appointment of a Service Operative", "approved_by",
                 "date", "pmoctl appoint --key KEY"),
    SignableKind("decide-change", "decision on a change request", "decided_by", "decided",
                 "pmoctl change approve (or reject) --key KEY", "decision_signature"),
    SignableKind("implement-change", "implementation of a change request", "implemented_by",
                 "implemented", "pmoctl change implement --key KEY", "implementation_signature"),
    SignableKind("record-reading", "KPI reading", "reported_by", "date",
                 "pmoctl kpi record --key KEY"),
    SignableKind("record-review", "service review", "approved_by", "date",
                 "pmoctl review --key KEY"),
)  # fmt: skip


class StatementError(ValueError):
    """A text that is not a statement in the canonical form."""


@dataclass(frozen=True)
class Statement:
    """A decision as it is signed: its kind, the service, the file's blob before it, and
    the record's fields (without the signature)."""

    kind: str
    subject: str
    blob: str
    record: Mapping[str, Any]

    @classmethod
    def of(cls, kind: str, subject: str, blob: str, record: Mapping[str, Any]) -> Statement:
        """The statement of ``record`` (its signature field, if any, left out)."""
        spec = KINDS[kind]
        fields = {key: value for key, value in record.items() if key != spec.signature_field}
        return cls(kind, subject, blob, fields)

    @property
    def spec(self) -> SignableKind:
        return KINDS[self.kind]

    @property
    def approver(self) -> str:
        return str(self.record.get(self.spec.approver_field, ""))

    @property
    def date(self) -> dt.date | None:
        return day_of(self.record.get(self.spec.date_field))

    def text(self) -> str:
        lines = [
            FIRST_LINE,
            f"kind: {_json(self.kind)}",
            f"subject: {_json(self.subject)}",
            f"blob: {_json(self.blob)}",
        ]
        lines += [f"record.{key}: {_json(self.record[key])}" for key in sorted(self.record)]
        return "\n".join(lines) + "\n"

    def data(self) -> bytes:
        """What is signed: :meth:`text` as ASCII."""
        return self.text().encode("ascii")


def parse(text: str) -> Statement:
    """The statement written as ``text`` (refused unless it is in the canonical form)."""
    lines = text.split("\n")
    if not lines or lines[0] != FIRST_LINE or lines[-1] != "":
        raise StatementError(f"a statement starts with {FIRST_LINE!r} and ends with a newline")
    header: dict[str, str] = {}
    record: dict[str, Any] = {}
    for line in lines[1:-1]:
        name, sep, value = line.partition(": ")
        try:
            decoded = json.loads(value) if sep else None
        except json.JSONDecodeError:
            decoded = None
        if decoded is None:
            raise StatementError(f"not a field of a statement: {line[:80]!r}")
        if name.startswith("record."):
            record[name.removeprefix("record.")] = decoded
        elif name in ("kind", "subject", "blob") and isinstance(decoded, str):
            header[name] = decoded
        else:
            raise StatementError(f"not a field of a statement: {name[:40]!r}")
    if set(header) != {"kind", "subject", "blob"} or header["kind"] not in KINDS:
        raise StatementError("a statement names its kind, subject and blob")
    statement = Statement(header["kind"], header["subject"], header["blob"], record)
    if statement.text() != text:
        raise StatementError("the statement is not in the canonical form (order, spacing)")
    return statement


def body(armoured: str) -> str:
    """The base64 body of ssh-keygen's armoured signature, on one line (what a record keeps)."""
    inside = armoured.strip().removeprefix(BEGIN).removesuffix(END)
    return "".join(inside.split())


def armour(signature: str) -> str:
    """The armoured signature ssh-keygen reads, from the one-line body a record keeps."""
    return "\n".join([BEGIN, *textwrap.wrap(signature, 70), END]) + "\n"


def _json(value: Any) -> str:
    return json.dumps(
        value, ensure_ascii=True, sort_keys=True, separators=(",", ":"), default=_plain
    )


def _plain(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"a statement cannot hold a {type(value).__name__}")
