"""The signatures of the decisions a commit recorded, for `pmoctl check` and `pmoctl verify`.

For each move a commit appended to a service's ``lifecycle.moves``, the statement is rebuilt
from the record and from the service file's blob in the commit's parent, and judged by
:func:`pmoctl.signing.decisions.judge` against the people registry of that commit. To make
another kind of record signable (an appointment, a change-request decision, a KPI reading):
declare it in :data:`pmoctl.signing.statement.KINDS`, let its command sign it as
:mod:`.signatures` signs a move, and add the records it appends here, each with its
document path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from pmoctl import gitrepo
from pmoctl.catalogue.models import Config, Person
from pmoctl.findings import DocPath
from pmoctl.lifecycle.check_moves import appended, lifecycle_of
from pmoctl.signing.decisions import Problem, judge
from pmoctl.signing.statement import Statement
from pmoctl.yaml.loader import LoadError, decode, parse


@dataclass(frozen=True)
class SignedRecord:
    """One decision record a commit added, judged: where it is, and what is wrong (if any)."""

    kind: str
    at: DocPath
    signed: bool
    problem: Problem | None


def judge_commit(
    repo: gitrepo.Repo, ident: str, before_raw: bytes | None, after: dict[str, Any], *,
    people: list[Person], required: bool, still_valid_on: dt.date | None = None,
) -> Iterator[SignedRecord]:  # fmt: skip
    """The moves of ``ident`` that one commit added (its file before: ``before_raw``;
    after: ``after``), each judged."""
    before = _data(before_raw)
    if before is None or before_raw is None:
        return  # a new (or unreadable) file records no move: check_moves says so
    old_moves, new_moves = lifecycle_of(before)[1], lifecycle_of(after)[1]
    added = appended(old_moves, new_moves) or []
    blob = gitrepo.blob_id(repo, before_raw)
    for offset, record in enumerate(added):
        if not isinstance(record, dict):
            continue  # validate reports the broken record
        signature = record.get("signature")
        if signature is not None and not isinstance(signature, str):
            continue
        at: DocPath = ("lifecycle", "moves", len(old_moves) + offset)
        statement = Statement.of("move", ident, blob, record)
        problem = judge(
            statement, signature, people, required=required, still_valid_on=still_valid_on
        )
        yield SignedRecord(
            "move", (*at, "signature") if signature else at, signature is not None, problem
        )


def people_of(raw: bytes | None) -> list[Person]:
    """The people of an organisation.yaml's bytes (those that validate)."""
    data = _data(raw)
    found = []
    for item in data.get("people") or [] if data else []:
        try:
            found.append(Person.model_validate(item))
        except ValidationError:
            continue
    return found


def config_of(raw: bytes | None) -> Config | None:
    data = _data(raw)
    try:
        return Config.model_validate(data) if data is not None else None
    except ValidationError:
        return None


def _data(raw: bytes | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    try:
        return parse(decode(raw))
    except LoadError:
        return None
