"""`pmoctl kpi record` and `pmoctl kpi import`: KPI readings appended to the service files
as one commit each, through :func:`pmoctl.lifecycle.record.record` (the same guarantees as
a transition).

A reading is for one period of its KPI's ``frequency`` (see :mod:`pmoctl.catalogue.periods`)
and is written dated the period's last day, as the format has it. It is refused when the
KPI already has a reading in that period, when the period is not over, when the value is
not a finite number, or when the service is not delivered yet or any more (readings are
taken from the pilot on, until the service closes). Reporting a reading is the Service
Manager's decision (``record-reading`` in :mod:`pmoctl.catalogue.decisions`): the
reporter, the KPI's ``reported_by`` unless another is named, must manage the service.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pmoctl import runtime
from pmoctl.catalogue.decisions import approver_problem, decision
from pmoctl.catalogue.models.common import ID_PATTERN, Stage
from pmoctl.catalogue.periods import PERIOD_NAME, Period, last_due, parse_period, period_of
from pmoctl.catalogue.suggest import did_you_mean, service_ids
from pmoctl.errors import RefusedError, UserError
from pmoctl.lifecycle import record as recording
from pmoctl.operations.reading_files import Cell, Problem, Table, cell_text, read_table
from pmoctl.signing.records import decision_record
from pmoctl.yaml import edit

if TYPE_CHECKING:
    from pmoctl import gitrepo
    from pmoctl.catalogue.models import Kpi, Organisation, Person, Service

#: the stages in which a service is delivered, and so measured
MEASURED = (Stage.PILOT, Stage.TRANSITION, Stage.RUNNING)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_ID = re.compile(ID_PATTERN)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
#: the longest note (the format's short text)
_NOTE_LENGTH = 300


class ImportRefusedError(RefusedError):
    """The file has problems (``problems``, each at its row and column): nothing imported."""

    def __init__(self, table: Table) -> None:
        count = len(table.problems)
        super().__init__(
            f"{count} problem{'s' * (count != 1)} in {table.name}: nothing was imported",
            hint="correct them (each is listed at its row and column) and import the file again",
        )
        self.name = table.name
        self.problems = list(table.problems)

    def lines(self) -> list[str]:
        return [f"{problem.where(self.name)}: {problem.reason}" for problem in self.problems]


# --- one reading, checked -------------------------------------------------------------


def parse_value(raw: object, unit: str, *, percent: bool = False) -> float:
    """A reading's value: a finite number, written with a decimal point; ``95%`` (or a
    workbook cell formatted as a percentage) for a KPI in ``%``. ValueError says why not."""
    if isinstance(raw, bool):
        raise ValueError(f"{raw!r} is not a number")
    if isinstance(raw, (int, float)):
        value = float(raw)
        if percent and unit.strip() == "%":
            value = round(value * 100, 9)
    else:
        text = cell_text(raw).strip()
        if unit.strip() == "%" and text.endswith("%"):
            text = text[:-1].rstrip()
        if _NUMBER.fullmatch(text) is None:
            hint = " (write the decimal point as '.')" if re.fullmatch(r"-?\d+,\d+", text) else ""
            raise ValueError(f"{text!r} is not a number in the KPI's unit ({unit}){hint}")
        value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{raw!r} is not a finite number")
    return value


def written_value(value: float) -> int | float:
    """The value as the file shows it: 95, not 95.0."""
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def find_kpi(service: Service, kpi_id: str) -> int | None:
    return next((index for index, kpi in enumerate(service.kpis) if kpi.id == kpi_id), None)


def unknown_kpi(service: Service, kpi_id: str) -> str:
    known = [kpi.id for kpi in service.kpis]
    return f"{service.id} has no KPI {kpi_id!r}; " + did_you_mean(kpi_id, known, "KPIs")


def reading_period(kpi: Kpi, raw: str | None, today: dt.date) -> Period:
    """The period a reading is for: ``raw`` (a label, or a day in it) or, without one, the
    last period that is over. ValueError when it names another frequency's period or one
    that is not over: a reading is taken once its period is over, as it is due then."""
    if raw is None:
        return last_due(kpi.frequency, today)
    period = parse_period(kpi.frequency, raw)
    if period.end >= today:
        raise ValueError(
            f"{period.label} is not over until {period.end.isoformat()}: a reading is "
            f"recorded once its {PERIOD_NAME[kpi.frequency]} is over"
        )
    return period


def taken(kpi: Kpi) -> set[Period]:
    """The periods the KPI already has a reading for."""
    return {period_of(kpi.frequency, reading.date) for reading in kpi.readings}


def stage_problem(service: Service, what: str = "readings are recorded") -> str | None:
    """Why nothing is recorded for the service in its stage, or None."""
    stage = service.lifecycle.stage
    if stage in MEASURED:
        return None
    return (
        f"{service.id} is {stage.value}: {what} while a service is delivered "
        f"({', '.join(stage.value for stage in MEASURED)})"
    )


def reporter(
    service: Service, kpi: Kpi, reported_by: str | None, organisation: Organisation
) -> tuple[Person | None, str | None]:
    """Who reports the reading (``reported_by``, else the KPI's reporter) and, when no one
    can or they may not, why."""
    ident = reported_by or kpi.reported_by
    if ident is None:
        return None, f"KPI {kpi.id!r} names no reporter (reported_by): give --reported-by"
    person = next((p for p in organisation.people if p.id == ident), None)
    if person is None:
        known = [p.id for p in organisation.people]
        named = "--reported-by" if reported_by else f"KPI {kpi.id!r} is reported by"
        return None, (
            f"{named} {ident!r}, who is not in organisation.yaml; "
            + did_you_mean(ident, known, "people")
        )
    return person, approver_problem(decision("record-reading"), person, service)


def reading_item(period: Period, value: float, note: str | None) -> dict[str, object]:
    item: dict[str, object] = {"date": period.end, "value": written_value(value)}
    if note is not None:
        item["note"] = note
    return item


def signed_item(
    root: Path, repo: gitrepo.Repo, service: recording.ServiceFile, *, kpi: Kpi,
    item: dict[str, object], reporter: Person, people: Sequence[Person], key: Path | None,
) -> dict[str, object]:  # fmt: skip
    """The reading ``item`` with its reporter and their signature made with ``key`` (a
    signed reading names who signed it); as it is without a key (refused when pmoctl.yaml
    asks for signed readings)."""
    signed = {**item, "reported_by": reporter.id}
    record = decision_record("record-reading", signed, kpi=kpi.id)
    signature = recording.signature(
        root, repo, service, "record-reading", record, people=people, key=key
    )
    return item if signature is None else {**signed, "signature": signature}


# --- pmoctl kpi record ----------------------------------------------------------------


@dataclass(frozen=True)
class ReadingRequest:
    service: str
    kpi: str
    value: str
    period: str | None = None
    note: str | None = None
    reported_by: str | None = None
    #: the reporter's SSH key: the reading is recorded with their signature
    key: Path | None = None


def record_reading(
    root: Path, request: ReadingRequest, *, dry_run: bool = False, allow_detached: bool = False
) -> recording.RecordOutcome:
    """Append one reading to its KPI as one commit."""
    recording.check_text("--note", request.note)
    if request.note is not None and "\n" in request.note:
        raise UserError("--note is more than one line")
    if request.note is not None and len(request.note) > _NOTE_LENGTH:
        raise UserError(f"--note is longer than {_NOTE_LENGTH} characters")
    today = runtime.today()

    def plan(repo: gitrepo.Repo) -> tuple[list[recording.FileEdit], recording.Decision]:
        service = recording.read_service(root, repo, request.service)
        model = service.model
        problem = stage_problem(model)
        if problem is not None:
            raise recording.RecordRefusedError(problem)
        index = find_kpi(model, request.kpi)
        if index is None:
            known = [kpi.id for kpi in model.kpis]
            raise UserError(
                f"{model.id} has no KPI {request.kpi!r}",
                hint=did_you_mean(request.kpi, known, "KPIs"),
            )
        kpi = model.kpis[index]
        try:
            period = reading_period(kpi, request.period, today)
        except ValueError as error:
            raise UserError(f"--period: {error}") from None
        try:
            value = parse_value(request.value, kpi.unit)
        except ValueError as error:
            raise UserError(f"VALUE: {error}") from None
        if period in taken(kpi):
            raise recording.RecordRefusedError(
                f"KPI {kpi.id!r} of {model.id} already has a reading for {period.label}",
                hint="a reading is recorded once; to correct it, edit the file and commit",
            )
        organisation = recording.load_organisation(root)
        if request.reported_by is not None:
            recording.find_person(organisation, request.reported_by, "--reported-by")
        person, problem = reporter(model, kpi, request.reported_by, organisation)
        if person is None:
            raise recording.RecordRefusedError(
                f"{model.id}: {problem}", hint="name the reporter with --reported-by"
            )
        if problem is not None:
            raise recording.RecordRefusedError(
                f"{model.id}: {problem}",
                hint="the Service Manager reports the KPIs: name one with --reported-by",
            )
        item = reading_item(period, value, request.note)
        item = signed_item(
            root, repo, service, kpi=kpi, item=item, reporter=person,
            people=organisation.people, key=request.key,
        )  # fmt: skip
        changes = [edit.Append(("kpis", index, "readings"), item)]
        subject = f"{kpi.id} {period.label} = {written_value(value)}"
        made = recording.Decision("record-reading", model.id, subject, person, request.note)
        return [recording.edited(service, changes)], made

    return recording.record(
        root, [request.service], plan, dry_run=dry_run, allow_detached=allow_detached
    )


# --- pmoctl kpi import ----------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    number: int
    service: str
    kpi_index: int
    period: Period
    value: float
    note: str | None
    reporter: Person


def _text(cells: dict[str, Cell], name: str) -> str:
    return cell_text(cells[name].value).strip() if name in cells else ""


def _check_row(
    number: int,
    cells: dict[str, Cell],
    models: dict[str, Service],
    context: tuple[Organisation, str | None, dt.date, Sequence[str]],
    table: Table,
) -> _Row | None:
    organisation, reported_by, today, known_services = context
    problems = table.problems

    def refuse(column: str, reason: str) -> None:
        where = cells[column].column if column in cells else ""
        problems.append(Problem(number, where, f"{column}: {reason}"))

    service_id, kpi_id = _text(cells, "service"), _text(cells, "kpi")
    if not service_id:
        refuse("service", "no service")
        return None
    model = models.get(service_id)
    if model is None:
        if _ID.fullmatch(service_id) and service_id in known_services:
            return None  # its file could not be read: the import was refused already
        refuse(
            "service",
            f"no service {service_id!r}; " + did_you_mean(service_id, known_services, "services"),
        )
        return None
    problem = stage_problem(model)
    if problem is not None:
        refuse("service", problem)
        return None
    index = find_kpi(model, kpi_id) if kpi_id else None
    if index is None:
        refuse("kpi", unknown_kpi(model, kpi_id) if kpi_id else "no KPI")
        return None
    kpi = model.kpis[index]
    good = True
    period: Period | None = None
    raw_period = _text(cells, "period")
    try:
        if not raw_period:
            raise ValueError(f"no period: name the {PERIOD_NAME[kpi.frequency]} the reading is for")
        period = reading_period(kpi, raw_period, today)
    except ValueError as error:
        refuse("period", str(error))
        good = False
    value = 0.0
    cell = cells.get("value")
    try:
        if cell is None or (isinstance(cell.value, str) and not cell.value.strip()):
            raise ValueError("no value")
        if cell.value is None:
            raise ValueError("no value (a formula that was never calculated reads as none)")
        value = parse_value(cell.value, kpi.unit, percent=cell.percent)
    except ValueError as error:
        refuse("value", str(error))
        good = False
    note = _text(cells, "note") or None
    if note is not None and (_CONTROL.search(note) or len(note) > _NOTE_LENGTH):
        refuse("note", f"a note is one line of at most {_NOTE_LENGTH} characters")
        good = False
    person, why = reporter(model, kpi, reported_by, organisation)
    if why is not None:
        refuse("kpi", why)
        good = False
    if not good or period is None or person is None:
        return None
    return _Row(number, service_id, index, period, value, note, person)


def _duplicates(rows: list[_Row], models: dict[str, Service], table: Table) -> None:
    seen: dict[tuple[str, int, Period], int] = {}
    column = {number: cells["period"].column for number, cells in table.rows}
    for row in rows:
        kpi = models[row.service].kpis[row.kpi_index]
        key = (row.service, row.kpi_index, row.period)
        where = f"{row.service} {kpi.id} {row.period.label}"
        if row.period in taken(kpi):
            table.problems.append(
                Problem(row.number, column[row.number], f"period: {where} is already recorded")
            )
        elif key in seen:
            table.problems.append(
                Problem(row.number, column[row.number],
                        f"period: {where} is also on row {seen[key]}")
            )  # fmt: skip
        else:
            seen[key] = row.number


def import_readings(
    root: Path,
    path: Path,
    *,
    reported_by: str | None = None,
    dry_run: bool = False,
    allow_detached: bool = False,
    key: Path | None = None,
) -> recording.RecordOutcome:
    """Every reading of the file, or none: one commit touching each service they are for.
    Raises :class:`ImportRefusedError` listing every problem, at its row and column. With
    ``key``, each reading is signed with it (each reporter must be the key's holder)."""
    table = read_table(path)
    if table.problems:
        raise ImportRefusedError(table)
    if not table.rows:
        raise UserError(f"{path.name!r} has a header but no readings")
    known = service_ids(root)
    named = {_text(cells, "service") for _, cells in table.rows}
    wanted = sorted(ident for ident in named & set(known) if _ID.fullmatch(ident))
    today = runtime.today()

    def plan(repo: gitrepo.Repo) -> tuple[list[recording.FileEdit], recording.Decision]:
        files = {ident: recording.read_service(root, repo, ident) for ident in wanted}
        models = {ident: service.model for ident, service in files.items()}
        organisation = recording.load_organisation(root)
        if reported_by is not None:
            recording.find_person(organisation, reported_by, "--reported-by")
        context = (organisation, reported_by, today, known)
        rows = [
            row
            for number, cells in table.rows
            if (row := _check_row(number, cells, models, context, table)) is not None
        ]
        _duplicates(rows, models, table)
        if table.problems:
            table.problems.sort(key=lambda problem: problem.row)
            raise ImportRefusedError(table)
        signer = _Signer(root, repo, organisation.people, key)
        return _import_plan(rows, files, path.name, signer)

    return recording.record(root, wanted, plan, dry_run=dry_run, allow_detached=allow_detached)


@dataclass(frozen=True)
class _Signer:
    root: Path
    repo: gitrepo.Repo
    people: Sequence[Person]
    key: Path | None


def _import_plan(
    rows: list[_Row], files: dict[str, recording.ServiceFile], name: str, signer: _Signer
) -> tuple[list[recording.FileEdit], recording.Decision]:
    by_service: dict[str, list[_Row]] = {}
    for row in rows:
        by_service.setdefault(row.service, []).append(row)
    edits = []
    for ident, service_rows in sorted(by_service.items()):
        ordered = sorted(service_rows, key=lambda row: (row.kpi_index, row.period))
        changes = [
            edit.Append(("kpis", row.kpi_index, "readings"), signed_item(
                signer.root, signer.repo, files[ident],
                kpi=files[ident].model.kpis[row.kpi_index],
                item=reading_item(row.period, row.value, row.note), reporter=row.reporter,
                people=signer.people, key=signer.key,
            ))
            for row in ordered
        ]  # fmt: skip
        edits.append(recording.edited(files[ident], changes))
    reporters = {row.reporter.id: row.reporter for row in rows}
    approver = next(iter(reporters.values())) if len(reporters) == 1 else None
    services = sorted(by_service)
    count = f"{len(rows)} reading{'s' * (len(rows) != 1)}"
    subject = f"{count} from {name}"
    lines = [
        f"{row.service} {files[row.service].model.kpis[row.kpi_index].id} {row.period.label} "
        f"= {written_value(row.value)} (reported by {row.reporter.id})"
        for row in sorted(rows, key=lambda row: (row.service, row.kpi_index, row.period))
    ]
    made = recording.Decision(
        "record-reading",
        services[0] if len(services) == 1 else f"{len(services)} services",
        subject,
        approver,
        "\n".join(lines),
    )
    return edits, made
