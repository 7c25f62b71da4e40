"""The table `pmoctl kpi import` reads: a CSV file or the first sheet of an .xlsx workbook,
with a header row naming the columns ``service``, ``kpi``, ``period``, ``value`` and
optionally ``note``.

Everything here reads untrusted files: sizes and rows are capped before anything is
parsed, a workbook's cells are read as values (a formula gives the value it was last
calculated to, never runs), and nothing read is printed unescaped (the caller escapes the
problems' text). Each problem names its place as the file's own addressing does: a CSV
line and column number, a workbook row and column letter.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from pmoctl.catalogue.suggest import did_you_mean
from pmoctl.errors import UserError

#: the columns of an import, the required ones first
COLUMNS = ("service", "kpi", "period", "value", "note")
REQUIRED = COLUMNS[:4]
#: the readings one file may hold: a month of weekly KPIs of a large catalogue fits many times
MAX_ROWS = 10_000
#: the largest file read, in bytes (CSV, or the workbook as stored)
MAX_BYTES = 8 * 1024 * 1024
#: the most a workbook may unpack to, in bytes, as its own table of contents declares it
MAX_UNPACKED = 64 * 1024 * 1024
#: the columns of a workbook row that are read (more than the import has, to name extras)
_MAX_COLUMNS = 26


@dataclass(frozen=True)
class Problem:
    """What is wrong at one place of the file: ``row`` 0 is the file as a whole, an empty
    ``column`` the row as a whole."""

    row: int
    column: str
    reason: str

    def where(self, name: str) -> str:
        place = [name] + ([str(self.row)] if self.row else []) + ([self.column] * bool(self.column))
        return ":".join(place)


@dataclass(frozen=True)
class Cell:
    value: object
    #: where the cell is, as the file's problems name it (a column number or letter)
    column: str
    #: a workbook cell formatted as a percentage (its value is a fraction: 0.95 for 95%)
    percent: bool = False


@dataclass
class Table:
    name: str
    rows: list[tuple[int, dict[str, Cell]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def read_table(path: Path) -> Table:
    """The readings' rows of ``path`` (``.csv`` or ``.xlsx``), by row number, each a mapping
    of column name to cell; with the problems of the file's layout. A file that cannot be
    opened at all is a :class:`UserError`."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise UserError(
            f"{path.name!r} is neither a .csv nor an .xlsx file",
            hint="save the readings as CSV (UTF-8) or as an Excel workbook (.xlsx)",
        )
    with path.open("rb") as stream:
        data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise UserError(
            f"{path.name!r} is larger than {MAX_BYTES // (1024 * 1024)} MiB",
            hint=f"split it: one file holds at most {MAX_ROWS} readings",
        )
    table = Table(path.name)
    raw_rows = _csv_rows(data, table) if suffix == ".csv" else _xlsx_rows(data, table)
    _by_header(raw_rows, table)
    return table


# --- CSV ------------------------------------------------------------------------------


def _decode(data: bytes, table: Table) -> str | None:
    """UTF-8 (with or without a byte-order mark), or UTF-16 with one; else a problem."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            table.problems.append(Problem(0, "", "not UTF-16 text, although it starts as such"))
            return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        table.problems.append(
            Problem(line, "", "not UTF-8 text: save the file as CSV UTF-8 (Excel: 'CSV UTF-8')")
        )
        return None


def _csv_rows(data: bytes, table: Table) -> list[tuple[int, list[Cell]]]:
    text = _decode(data, table)
    if text is None:
        return []
    if "\x00" in text:
        table.problems.append(Problem(0, "", "holds NUL characters: it is not a text file"))
        return []
    first = text.split("\n", 1)[0]
    # Excel writes ';' (or a tab) where the decimal separator is a comma
    delimiter = next((mark for mark in (",", ";", "\t") if mark in first), ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[Cell]]] = []
    line = 1
    try:
        for record in reader:
            if not _too_many(line, table):
                cells = [Cell(value, str(number)) for number, value in enumerate(record, 1)]
                rows.append((line, cells))
            else:
                break
            line = reader.line_num + 1
    except csv.Error as error:
        table.problems.append(Problem(line, "", f"not valid CSV: {error}"))
    return rows


def _too_many(row: int, table: Table) -> bool:
    if row <= MAX_ROWS + 1:
        return False
    table.problems.append(
        Problem(row, "", f"a file holds at most {MAX_ROWS} readings: split it; nothing read")
    )
    return True


# --- xlsx -----------------------------------------------------------------------------


def _xlsx_rows(data: bytes, table: Table) -> list[tuple[int, list[Cell]]]:
    import openpyxl
    from openpyxl.utils import get_column_letter

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        table.problems.append(Problem(0, "", "not an .xlsx workbook (it is not a zip archive)"))
        return []
    if unpacked > MAX_UNPACKED:
        table.problems.append(
            Problem(0, "", f"unpacks to more than {MAX_UNPACKED // (1024 * 1024)} MiB: split it")
        )
        return []
    try:
        book = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=True, keep_links=False
        )
    except Exception as error:  # openpyxl raises many kinds on a damaged workbook
        reason = type(error).__name__
        table.problems.append(Problem(0, "", f"not a readable .xlsx workbook ({reason})"))
        return []
    rows: list[tuple[int, list[Cell]]] = []
    try:
        if not book.worksheets:
            table.problems.append(Problem(0, "", "the workbook has no worksheet"))
            return []
        sheet = book.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(min_row=1, max_col=_MAX_COLUMNS), 1):
            if _too_many(number, table):
                break
            cells = [
                Cell(
                    getattr(cell, "value", None),
                    get_column_letter(index),
                    "%" in str(getattr(cell, "number_format", "") or ""),
                )
                for index, cell in enumerate(row, 1)
            ]
            rows.append((number, cells))
    except Exception as error:  # a damaged sheet fails while it is read
        table.problems.append(
            Problem(0, "", f"not a readable .xlsx workbook ({type(error).__name__})")
        )
        return []
    finally:
        book.close()
    return rows


# --- the header -----------------------------------------------------------------------


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _by_header(rows: list[tuple[int, list[Cell]]], table: Table) -> None:
    """Name each row's cells by the header (the first row that is not blank)."""
    filled = [(number, cells) for number, cells in rows if not all(_blank(c.value) for c in cells)]
    if not filled:
        if not table.problems:
            table.problems.append(Problem(0, "", "holds no readings (not even a header row)"))
        return
    (header_row, header), body = filled[0], filled[1:]
    names: dict[int, str] = {}
    for index, cell in enumerate(header):
        if _blank(cell.value):
            continue
        name = str(cell.value).strip().lower()
        if name not in COLUMNS:
            table.problems.append(
                Problem(header_row, cell.column,
                        f"unknown column {str(cell.value)!r}; "
                        + did_you_mean(name, COLUMNS, "the columns"))
            )  # fmt: skip
        elif name in names.values():
            table.problems.append(Problem(header_row, cell.column, f"column {name!r} twice"))
        else:
            names[index] = name
    missing = [name for name in REQUIRED if name not in names.values()]
    if missing:
        table.problems.append(
            Problem(header_row, "", "no column " + ", ".join(repr(name) for name in missing)
                    + " in the header row: the columns are " + ", ".join(COLUMNS))
        )  # fmt: skip
    if table.problems:
        return
    for number, cells in body:
        named = {}
        for index, cell in enumerate(cells):
            if index in names:
                named[names[index]] = cell
            elif not _blank(cell.value):
                table.problems.append(
                    Problem(number, cell.column, "a value in a column without a header")
                )
        table.rows.append((number, named))


def cell_text(value: object) -> str:
    """A cell as text: a workbook's dates as YYYY-MM-DD."""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)
