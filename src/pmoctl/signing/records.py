"""Where each kind of signable decision is recorded in a service file, and what of it is signed.

A move, an appointment, a KPI reading and a service review are records appended to a list
(``lifecycle.moves``, ``roles.appointments``, ``kpis[].readings``, ``reviews``): the whole
record is signed. A reading is signed with the id of its KPI (``kpi``), so that its
signature cannot pass for a reading of another KPI of the same service. A change request's
decision and its implementation are fields set on an item that exists already: what is
signed is the request's ``id`` and ``status`` with the decision's own fields
(:data:`CHANGE_FIELDS`); an implemented request's decision is signed as ``approved``, as it
was when it was decided.

:func:`decision_record` makes the signed record from a record as written (the command that
signs, and ``check`` that verifies, call it alike); :func:`added` finds the decisions one
commit recorded by comparing a service file's data before and after it. No I/O.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pmoctl.catalogue.appointments import DECISION
from pmoctl.findings import DocPath
from pmoctl.signing.statement import KINDS

#: the fields of a change request signed with each of its decisions (with its ``id``)
CHANGE_FIELDS: dict[str, tuple[str, ...]] = {
    "decide-change": ("status", "decided_by", "decided", "decision_note"),
    "implement-change": ("status", "implemented_by", "implemented"),
}


@dataclass(frozen=True)
class Recorded:
    """A decision a commit recorded: its kind, where it is, and its signed record (with
    the signature, if any, under the kind's signature field)."""

    kind: str
    at: DocPath
    record: dict[str, Any]

    @property
    def signature(self) -> object:
        return self.record.get(KINDS[self.kind].signature_field)


def decision_record(
    kind: str, item: Mapping[str, Any], *, kpi: str | None = None
) -> dict[str, Any]:
    """The record signed for a decision of ``kind`` recorded as ``item`` (a change request
    for its decisions; a reading with the id of its ``kpi``). Fields without a value are
    left out, as the commands leave them out of the file (a move's record is signed as it
    is written)."""
    if kind == "move":
        return dict(item)
    item = {name: value for name, value in item.items() if value is not None}
    if kind in CHANGE_FIELDS:
        fields = (*CHANGE_FIELDS[kind], KINDS[kind].signature_field)
        record = {"id": item.get("id")} | {name: item[name] for name in fields if name in item}
        if kind == "decide-change" and record.get("status") == "implemented":
            record["status"] = "approved"
        return record
    if kind == "record-reading":
        return {"kpi": kpi, **item}
    return dict(item)


def added(before: Mapping[str, Any], after: Mapping[str, Any]) -> Iterator[Recorded]:
    """The signable decisions recorded in ``after`` that ``before`` did not hold."""
    yield from _appended("move", ("lifecycle", "moves"), before, after)
    for record in _appended(None, ("roles", "appointments"), before, after):
        role = record.record.get("role")
        kind = next((name for held, name in DECISION.items() if held == role), None)
        if kind is not None:
            yield Recorded(kind, record.at, decision_record(kind, record.record))
    for record in _appended("record-review", ("reviews",), before, after):
        yield Recorded(record.kind, record.at, decision_record(record.kind, record.record))
    yield from _readings(before, after)
    yield from _changes(before, after)


def _list(data: Any, path: tuple[str, ...]) -> list[Any]:
    for name in path:
        data = data.get(name) if isinstance(data, Mapping) else None
    return data if isinstance(data, list) else []


def _appended(
    kind: str | None, path: tuple[str, ...], before: Mapping[str, Any], after: Mapping[str, Any]
) -> Iterator[Recorded]:
    """The records added at the end of the list at ``path`` (none when earlier ones were
    changed: ``check`` reports that as a changed history)."""
    old, new = _list(before, path), _list(after, path)
    if new[: len(old)] != old:
        return
    for offset, item in enumerate(new[len(old) :]):
        if isinstance(item, dict):
            yield Recorded(kind or "", (*path, len(old) + offset), dict(item))


def _by_id(items: list[Any]) -> dict[str, Mapping[str, Any]]:
    return {
        item["id"]: item
        for item in items
        if isinstance(item, Mapping) and isinstance(item.get("id"), str)
    }


def _readings(before: Mapping[str, Any], after: Mapping[str, Any]) -> Iterator[Recorded]:
    old_kpis = _by_id(_list(before, ("kpis",)))
    for index, kpi in enumerate(_list(after, ("kpis",))):
        if not isinstance(kpi, Mapping) or not isinstance(kpi.get("id"), str):
            continue
        ident = kpi["id"]
        was = {"readings": _list(old_kpis.get(ident, {}), ("readings",))}
        for found in _appended("record-reading", ("readings",), was, kpi):
            record = decision_record("record-reading", found.record, kpi=ident)
            reporter = kpi.get("reported_by")
            if found.signature is None and "reported_by" not in record and reporter:
                record["reported_by"] = reporter  # who reported it, for the message only
            yield Recorded("record-reading", ("kpis", index, *found.at), record)


def _changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> Iterator[Recorded]:
    old_requests = _by_id(_list(before, ("change_requests",)))
    for index, item in enumerate(_list(after, ("change_requests",))):
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
            continue
        was = old_requests.get(item["id"])
        for kind in CHANGE_FIELDS:
            if KINDS[kind].approver_field not in item:
                continue
            record = decision_record(kind, item)
            if was is None or decision_record(kind, was) != record:
                yield Recorded(kind, ("change_requests", index), record)


def concerns(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> bool:
    """Whether the signable records of a service differ between ``before`` and ``after``
    (so that ``check`` follows its commits to judge their signatures)."""
    return after is not None and _signable(before) != _signable(after)


def _signable(data: Mapping[str, Any] | None) -> list[Any]:
    data = data or {}
    kpis = [_list(kpi, ("readings",)) for kpi in _list(data, ("kpis",))]
    requests = [
        [decision_record(kind, item) for kind in CHANGE_FIELDS]
        for item in _list(data, ("change_requests",))
        if isinstance(item, Mapping)
    ]
    paths = (("lifecycle", "moves"), ("roles", "appointments"), ("reviews",))
    return [*(_list(data, path) for path in paths), kpis, requests]
