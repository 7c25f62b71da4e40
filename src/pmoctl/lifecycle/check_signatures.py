"""The signatures of the decisions a commit recorded, for `pmoctl check` and `pmoctl verify`.

For each decision a commit recorded in a service file (a move, an appointment, a change
request's decision or implementation, a KPI reading, a service review:
:func:`pmoctl.signing.records.added`), the statement is rebuilt from the record and from the
service file's blob in the commit's parent, and judged by
:func:`pmoctl.signing.decisions.judge` against the people registry of that commit. Another
kind of record is made signable in :mod:`pmoctl.signing.statement` (``KINDS``) and
:mod:`pmoctl.signing.records` (where it is, what of it is signed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from pmoctl import gitrepo
from pmoctl.catalogue.models import Config, Person
from pmoctl.findings import DocPath
from pmoctl.lifecycle.check_moves import data_of
from pmoctl.signing.decisions import Problem, judge
from pmoctl.signing.records import added
from pmoctl.signing.statement import KINDS, Statement
from pmoctl.yaml.loader import LoadError, decode, parse


@dataclass(frozen=True)
class SignedRecord:
    """One decision record a commit added, judged: where it is, and what is wrong (if any)."""

    kind: str
    at: DocPath
    signed: bool
    problem: Problem | None


def signed_kinds(config: Config | None) -> frozenset[str]:
    """The kinds of decision ``config`` (a pmoctl.yaml) asks to be signed."""
    if config is None:
        return frozenset()
    return frozenset(kind for kind in KINDS if config.signs(kind))


def judge_commit(
    repo: gitrepo.Repo, ident: str, before_raw: bytes | None, after: dict[str, Any], *,
    people: list[Person], required: Collection[str], still_valid_on: dt.date | None = None,
) -> Iterator[SignedRecord]:  # fmt: skip
    """The decisions of ``ident`` that one commit recorded (its file before: ``before_raw``;
    after: ``after``), each judged; ``required``: the kinds that must be signed."""
    before = data_of(before_raw)
    if before is None or before_raw is None:
        return  # a new (or unreadable) file records no decision: check_moves says so
    blob = gitrepo.blob_id(repo, before_raw)
    for found in added(before, after):
        signature = found.signature
        if signature is not None and not isinstance(signature, str):
            continue  # validate reports the broken record
        statement = Statement.of(found.kind, ident, blob, found.record)
        problem = judge(
            statement, signature, people, required=found.kind in required,
            still_valid_on=still_valid_on,
        )  # fmt: skip
        at = (*found.at, KINDS[found.kind].signature_field) if signature else found.at
        yield SignedRecord(found.kind, at, signature is not None, problem)


def people_of(raw: bytes | None) -> list[Person]:
    """The people of an organisation.yaml's bytes (those that validate)."""
    data = data_of(raw)
    found = []
    for item in data.get("people") or [] if data else []:
        try:
            found.append(Person.model_validate(item))
        except ValidationError:
            continue
    return found

    try:
        return parse(decode(raw))
    except LoadError:
        return None
