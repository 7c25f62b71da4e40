"""The report pack as one Excel workbook, for PMOs who work in spreadsheets.

One sheet per table: the scorecards, the catalogue, KPIs and their readings, RACI per
procedure, SIPOC, risks and issues, capacity, what changed and what is due. Each sheet
has its header row frozen, a filter over its columns and widths fitted to its text.

Written with XlsxWriter, which streams a large catalogue's tens of thousands of readings
several times faster than openpyxl (the tests read the workbook back with openpyxl).
Every value from the catalogue is written as a value, never as a formula or a link: text
that starts with ``=`` is stored as text, and characters a workbook cannot hold (control
characters) are dropped.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pmoctl.catalogue.rag import rag_of

if TYPE_CHECKING:
    from pmoctl.operations.pack import Pack, Scorecard

__all__ = ["SHEETS", "workbook_bytes", "write_workbook"]

#: widest a column is made, in characters (longer text wraps in the cell)
MAX_WIDTH = 60
#: the sheets, in order (the tests and docs/cli.md name them)
SHEETS = (
    "Scorecard",
    "Catalogue",
    "KPIs",
    "Readings",  # the last twelve months
    "RACI",
    "SIPOC",
    "Risks and issues",
    "Capacity",
    "Changes",
    "Due",
)

Cell = str | int | float | bool | dt.date | None


def _text(value: object) -> Cell:
    if value is None or isinstance(value, (bool, int, float, dt.date)):
        return value
    # characters a workbook cannot hold (XML 1.0 has no place for them)
    return _ILLEGAL.sub("", str(value))


_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _sheet(
    workbook: Any,
    title: str,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    formats: dict[int, str] | None = None,
) -> None:
    """One sheet. ``formats``: column index to a number format (dates, percentages)."""
    table = [[_text(value) for value in row] for row in rows]
    widths = [len(name) for name in header]
    for values in table:
        for index, value in enumerate(values):
            shown = value.isoformat() if isinstance(value, dt.date) else str(value or "")
            widths[index] = max(widths[index], min(MAX_WIDTH, len(shown)))
    sheet = workbook.add_worksheet(title)
    bold = workbook.add_format({"bold": True, "bg_color": "#DDE5EE", "border": 1})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    styles = {
        index: workbook.add_format({"num_format": text}) for index, text in (formats or {}).items()
    }
    for index, width in enumerate(widths):
        sheet.set_column(index, index, width + 2, wrap if width >= MAX_WIDTH else None)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(table), len(header) - 1)
    sheet.write_row(0, 0, list(header), bold)
    for number, values in enumerate(table, start=1):
        for index, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(number, index, value)  # a value, never a formula
            elif isinstance(value, bool):
                sheet.write_boolean(number, index, value)
            elif isinstance(value, dt.date):
                sheet.write_datetime(number, index, value, styles.get(index))
            else:
                sheet.write_number(number, index, value, styles.get(index))


def _joined(values: Iterable[object]) -> str:
    return ", ".join(str(value) for value in values)


def _cards(pack: Pack) -> Iterable[Sequence[object]]:
    def row(by: str, card: Scorecard) -> Sequence[object]:
        return (
            by, card.key, card.name, len(card.services), card.rag or "", card.red, card.amber,
            card.green, card.unrated, card.overdue, card.improving, card.worsening, card.trend,
        )  # fmt: skip

    yield from (row("PMO", card) for card in pack.by_pmo)
    yield from (row("owner", card) for card in pack.by_owner)


def _catalogue(pack: Pack) -> Iterable[Sequence[object]]:
    services = pack.catalogue.services
    for ident in sorted(services):
        s = services[ident]
        funding = s.funding
        yield (
            s.id, s.name, s.category, s.lifecycle.stage.value, s.scope.value,
            _joined(s.delivery.pmos), s.roles.owner or "", _joined(s.customers),
            funding.model if funding else "", funding.annual_budget if funding else None,
            funding.currency if funding else "", s.summary,
        )  # fmt: skip


def _kpis(pack: Pack) -> Iterable[Sequence[object]]:
    services = pack.catalogue.services
    for row in pack.kpis:
        kpi = next(k for k in services[row["service"]].kpis if k.id == row["kpi"])
        thresholds = kpi.thresholds
        yield (
            row["service"], row["kpi"], row["name"], row["unit"], row["direction"],
            row["frequency"], row["target"], thresholds.green if thresholds else None,
            thresholds.amber if thresholds else None,
            dt.date.fromisoformat(row["latest_date"]) if row["latest_date"] else None,
            row["latest"], row["rag"] or "", row["trend"] or "", row["last_due"],
            "yes" if row["overdue"] else "no",
        )  # fmt: skip


def _readings(pack: Pack) -> Iterable[Sequence[object]]:
    """The readings of the twelve months up to the month's end (the files keep them all)."""
    end = pack.month.end
    first = dt.date(end.year - 1, end.month, 1) + dt.timedelta(days=31)
    first = first.replace(day=1)
    services = pack.catalogue.services
    for ident in sorted(services):
        for kpi in services[ident].kpis:
            for reading in sorted(kpi.readings, key=lambda r: r.date):
                if first <= reading.date <= end:
                    rag = rag_of(kpi, reading.value) or ""
                    yield ident, kpi.id, reading.date, reading.value, kpi.unit, rag, reading.note


def _raci(pack: Pack) -> Iterable[Sequence[object]]:
    procedures = pack.catalogue.procedures
    for ident in sorted(procedures):
        procedure = procedures[ident]
        for activity in procedure.activities:
            for party, letters in activity.raci.items():
                yield procedure.id, procedure.name, activity.id, activity.name, party, letters


def _sipoc(pack: Pack) -> Iterable[Sequence[object]]:
    services = pack.catalogue.services
    for ident in sorted(services):
        for process in services[ident].processes:
            yield (
                ident, process.id, process.name, _joined(process.suppliers),
                _joined(item.name for item in process.inputs), " > ".join(process.steps),
                _joined(item.name for item in process.outputs), _joined(process.customers),
            )  # fmt: skip


def _risks_and_issues(pack: Pack) -> Iterable[Sequence[object]]:
    services = pack.catalogue.services
    for ident in sorted(services):
        service = services[ident]
        for risk in service.risks:
            yield (
                ident, "risk", risk.id, risk.title, risk.status, risk.likelihood.value,
                risk.impact.value, risk.owner, risk.escalated_to, None, risk.mitigation,
            )  # fmt: skip
        for issue in service.issues:
            yield (
                ident, "issue", issue.id, issue.title, issue.status, None, None, issue.owner,
                issue.escalated_to, issue.raised, None,
            )  # fmt: skip


def _capacity(pack: Pack) -> Iterable[Sequence[object]]:
    for line in pack.capacity:
        yield (
            line.pmo, line.name, line.capacity_fte, line.committed_fte, line.free_fte,
            line.utilisation, line.proposed_fte, _joined(line.services),
        )  # fmt: skip


def workbook_bytes(pack: Pack) -> bytes:
    """The workbook as the bytes of an .xlsx file."""
    import io

    import xlsxwriter

    buffer = io.BytesIO()
    # nothing from the catalogue becomes a formula or a link, whatever it starts with
    workbook = xlsxwriter.Workbook(
        buffer,
        {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
         "strings_to_numbers": False},
    )  # fmt: skip
    tables: dict[str, tuple[Sequence[str], Iterable[Sequence[object]]]] = {
        "Scorecard": (
            ("By", "Id", "Name", "Running services", "Overall", "Red", "Amber", "Green",
             "Not rated", "Readings overdue", "Improving", "Worsening", "Trend"),
            _cards(pack),
        ),
        "Catalogue": (
            ("Service", "Name", "Category", "Stage", "Scope", "PMOs", "Owner", "Customers",
             "Funding", "Annual budget", "Currency", "Summary"),
            _catalogue(pack),
        ),
        "KPIs": (
            ("Service", "KPI", "Name", "Unit", "Direction", "Frequency", "Target", "Green from",
             "Amber from", "Latest date", "Latest", "Status", "Trend", "Last due period",
             "Overdue"),
            _kpis(pack),
        ),
        "Readings": (
            ("Service", "KPI", "Date", "Value", "Unit", "Status", "Note"), _readings(pack)
        ),
        "RACI": (
            ("Procedure", "Procedure name", "Activity", "Activity name", "Party", "RACI"),
            _raci(pack),
        ),
        "SIPOC": (
            ("Service", "Process", "Name", "Suppliers", "Inputs", "Steps", "Outputs",
             "Customers"),
            _sipoc(pack),
        ),
        "Risks and issues": (
            ("Service", "Type", "Id", "Title", "Status", "Likelihood", "Impact", "Owner",
             "Escalated to", "Raised", "Mitigation"),
            _risks_and_issues(pack),
        ),
        "Capacity": (
            ("PMO", "Name", "Capacity FTE", "Committed FTE", "Free FTE", "Used",
             "Proposed FTE", "Committed services"),
            _capacity(pack),
        ),
        "Changes": (
            ("Date", "Service", "Change", "What", "By", "Commit"),
            ((dt.date.fromisoformat(c.date), c.service, c.kind, c.what, c.by, c.commit)
             for c in pack.changes),
        ),
        "Due": (
            ("Due", "Overdue", "Service", "Kind", "What", "Id"),
            ((dt.date.fromisoformat(i["due"]), "yes" if i["overdue"] else "no", i["service"],
              i["kind"], i["what"], i["id"]) for i in pack.due),
        ),
    }  # fmt: skip
    day, percent = "yyyy-mm-dd", "0%"
    formats = {
        "KPIs": {9: day}, "Readings": {2: day}, "Capacity": {5: percent},
        "Changes": {0: day}, "Due": {0: day}, "Risks and issues": {9: day},
    }  # fmt: skip
    for title in SHEETS:
        header, rows = tables[title]
        _sheet(workbook, title, header, rows, formats.get(title))
    # a fixed time: the same pack gives the same workbook, whenever it is made
    stamp = dt.datetime.combine(pack.as_of, dt.time())
    workbook.set_properties({"title": pack.title, "author": "pmoctl", "created": stamp})
    workbook.close()
    return buffer.getvalue()


def write_workbook(pack: Pack, target: Path) -> None:
    target.write_bytes(workbook_bytes(pack))
