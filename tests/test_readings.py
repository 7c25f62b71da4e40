"""KPI readings: `pmoctl kpi record` and `pmoctl kpi import` on real repositories, and the
periods, values and files they read."""

from __future__ import annotations

import codecs
import datetime as dt
import zipfile
from pathlib import Path

import pytest

from pmoctl.catalogue.periods import parse_period
from pmoctl.operations.reading_files import MAX_ROWS, read_table
from pmoctl.operations.readings import parse_value

# --- periods and values ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("frequency", "text", "label", "end"),
    [
        ("monthly", "2026-11", "2026-11", "2026-11-30"),
        ("monthly", " 2026-02 ", "2026-02", "2026-02-28"),
        ("quarterly", "2026-Q4", "2026-Q4", "2026-12-31"),
        ("weekly", "2026-W48", "2026-W48", "2026-11-29"),
        ("weekly", "2020-W53", "2020-W53", "2021-01-03"),
        ("annually", "2026", "2026", "2026-12-31"),
        # a day names the period it falls in, whatever the frequency
        ("monthly", "2026-11-01", "2026-11", "2026-11-30"),
        ("weekly", "2026-11-30", "2026-W49", "2026-12-06"),
        ("quarterly", "2026-08-15", "2026-Q3", "2026-09-30"),
    ],
)
def test_a_period_is_its_label_or_a_day_in_it(
    frequency: str, text: str, label: str, end: str
) -> None:
    period = parse_period(frequency, text)  # type: ignore[arg-type]
    assert (period.label, period.end.isoformat()) == (label, end)


@pytest.mark.parametrize(
    ("frequency", "text", "reason"),
    [
        ("monthly", "2026-Q4", "'2026-Q4' is a quarter, but the KPI is reported monthly"),
        ("quarterly", "2026-11", "'2026-11' is a month, but the KPI is reported quarterly"),
        ("weekly", "2026", "'2026' is a year, but the KPI is reported weekly"),
        ("annually", "2026-W02", "'2026-W02' is a week, but the KPI is reported annually"),
        ("monthly", "2026-13", "'2026-13' is not a month"),
        ("weekly", "2025-W53", "'2025-W53' is not a week of 2025"),
        ("monthly", "2026-02-30", "'2026-02-30' is not a day that exists"),
        ("monthly", "November", "'November' is not a period: write it as 2026-11"),
        ("monthly", "0000-01", "'0000-01' is not a period from 1900 to 2999"),
    ],
)
def test_a_period_of_another_frequency_or_none_is_refused_with_the_form(
    frequency: str, text: str, reason: str
) -> None:
    with pytest.raises(ValueError, match="^" + reason.replace("(", r"\(")):
        parse_period(frequency, text)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "unit", "percent", "value"),
    [
        ("95", "%", False, 95.0),
        ("95%", "%", False, 95.0),
        (" 0.8 ", "working days", False, 0.8),
        ("-3.5e2", "GBP", False, -350.0),
        (72, "%", False, 72.0),
        (0.955, "%", True, 95.5),  # a workbook cell formatted as a percentage
        (12.5, "days", True, 12.5),  # the format is not the unit's
    ],
)
def test_a_value_is_a_finite_number_in_the_unit(
    raw: object, unit: str, percent: bool, value: float
) -> None:
    assert parse_value(raw, unit, percent=percent) == value


@pytest.mark.parametrize(
    ("raw", "unit", "reason"),
    [
        ("95%", "working days", "'95%' is not a number in the KPI's unit (working days)"),
        ("0,8", "days", "'0,8' is not a number in the KPI's unit (days) (write the decimal"),
        ("nan", "%", "'nan' is not a number"),
        ("inf", "%", "'inf' is not a number"),
        ("1e999", "%", "'1e999' is not a finite number"),
        ("1_000", "%", "'1_000' is not a number"),
        ("", "%", "'' is not a number"),
        (True, "%", "True is not a number"),
        (float("nan"), "%", "nan is not a finite number"),
    ],
)
def test_a_value_that_is_not_a_finite_number_is_refused(
    raw: object, unit: str, reason: str
) -> None:
    with pytest.raises(ValueError, match="^" + reason.replace("(", r"\(").replace(")", r"\)")):
        parse_value(raw, unit)


# --- the files import reads -----------------------------------------------------------


def _problems(path: Path) -> list[str]:
    table = read_table(path)
    return [f"{problem.where(path.name)}: {problem.reason}" for problem in table.problems]


def test_a_csv_with_a_byte_order_mark_semicolons_and_quoted_lines_is_read(tmp_path: Path) -> None:
    path = tmp_path / "readings.csv"
    text = (
        'Service;KPI;Period;Value;Note\r\na;b;2026-11;"95";"two\nlines"\r\n\r\nc;d;2026-Q4;1;\r\n'
    )
    path.write_bytes(codecs.BOM_UTF8 + text.encode())
    table = read_table(path)
    assert table.problems == []
    assert [(number, {k: c.value for k, c in cells.items()}) for number, cells in table.rows] == [
        (2, {"service": "a", "kpi": "b", "period": "2026-11", "value": "95", "note": "two\nlines"}),
        (5, {"service": "c", "kpi": "d", "period": "2026-Q4", "value": "1", "note": ""}),
    ]
    assert table.rows[1][1]["value"].column == "4"
    utf16 = tmp_path / "unicode.csv"
    utf16.write_bytes("service\tkpi\tperiod\tvalue\nä\tb\t2026\t1\n".encode("utf-16"))
    assert read_table(utf16).rows[0][1]["service"].value == "ä"


@pytest.mark.parametrize(
    ("content", "problems"),
    [
        (b"service,kpi,period,value\nab,\xe9,2026-11,1\n",
         ["x.csv:2: not UTF-8 text: save the file as CSV UTF-8 (Excel: 'CSV UTF-8')"]),
        (b"service,kpi,period,value\na,b\x00,2026,1\n",
         ["x.csv: holds NUL characters: it is not a text file"]),
        (b"service,kpi,period,vaule\n",
         ["x.csv:1:4: unknown column 'vaule'; did you mean 'value'? the columns: kpi, note, "
          "period, service, value",
          "x.csv:1: no column 'value' in the header row: the columns are service, kpi, period, "
          "value, note"]),
        (b"service,kpi,period,value,kpi\n", ["x.csv:1:5: column 'kpi' twice"]),
        (b"service,kpi,value\n",
         ["x.csv:1: no column 'period' in the header row: the columns are service, kpi, "
          "period, value, note"]),
        (b"\n\n", ["x.csv: holds no readings (not even a header row)"]),
        (b'service,kpi,period,value\na,b,"2026,1\n',
         ["x.csv:2: not valid CSV: unexpected end of data"]),
        (b"service,kpi,period,value\na,b,2026,1,extra\n",
         ["x.csv:2:5: a value in a column without a header"]),
    ],
)  # fmt: skip
def test_a_csv_file_that_is_not_a_table_of_readings_is_reported_where(
    tmp_path: Path, content: bytes, problems: list[str]
) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    assert _problems(path) == problems


def test_a_file_with_too_many_rows_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("service,kpi,period,value\n" + "a,b,2026,1\n" * (MAX_ROWS + 5), "utf-8")
    assert _problems(path) == [
        f"big.csv:{MAX_ROWS + 2}: a file holds at most {MAX_ROWS} readings: split it; nothing read"
    ]


def test_only_csv_and_xlsx_files_are_read(tmp_path: Path) -> None:
    from pmoctl.errors import UserError

    path = tmp_path / "readings.ods"
    path.write_bytes(b"x")
    with pytest.raises(UserError, match="neither a .csv nor an .xlsx"):
        read_table(path)


def test_a_workbook_is_read_as_values_from_its_first_sheet(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["service", "kpi", "period", "value", "note"])
    sheet.append(["a", "b", dt.datetime(2026, 11, 1), 0.955, None])
    sheet["D2"].number_format = "0.0%"
    sheet.append(["a", "b", "2026-10", "=1+1", "formula"])  # never calculated: no value
    sheet.append([])
    sheet.append(["a", "b", 2026, 3, None])
    book.create_sheet("other").append(["ignored"])
    path = tmp_path / "readings.xlsx"
    book.save(path)
    table = read_table(path)
    assert table.problems == []
    rows = dict(table.rows)
    assert sorted(rows) == [2, 3, 5]
    assert rows[2]["period"].value == dt.datetime(2026, 11, 1)
    assert (rows[2]["value"].value, rows[2]["value"].percent, rows[2]["value"].column) == (
        0.955, True, "D",
    )  # fmt: skip
    assert rows[3]["value"].value is None  # the formula's text is never taken as a value
    assert rows[5]["period"].value == 2026


def test_a_file_that_is_no_workbook_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "readings.xlsx"
    path.write_text("service,kpi,period,value\n", "utf-8")
    assert _problems(path) == ["readings.xlsx: not an .xlsx workbook (it is not a zip archive)"]
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<nothing/>")
    assert _problems(path)[0].startswith("readings.xlsx: not a readable .xlsx workbook (")


def test_a_workbook_that_unpacks_to_too_much_is_not_opened(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"\x00" * (65 * 1024 * 1024))
    assert path.stat().st_size < 1024 * 1024
    assert _problems(path) == ["bomb.xlsx: unpacks to more than 64 MiB: split it"]
