"""KPI readings: `pmoctl kpi record` and `pmoctl kpi import` on real repositories, and the
periods, values and files they read."""

from __future__ import annotations

import codecs
import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import pytest

from conftest import DUE_DAY, git, run_cli
from pmoctl.catalogue.periods import parse_period
from pmoctl.gitrepo import parse_decision
from pmoctl.operations.reading_files import MAX_ROWS, read_table
from pmoctl.operations.readings import parse_value
from pmoctl.yaml.loader import parse

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


# --- pmoctl kpi record, on a real repository (as of conftest.DUE_DAY) ----------------

SUPPORT = "services/ppm-adoption-support.yaml"


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> Any:
    return run_cli(*args, cwd=cwd, env={"PMOCTL_TODAY": DUE_DAY, "NO_COLOR": "1", **(env or {})})


def _state(repo: Path) -> tuple[str, str, dict[str, bytes]]:
    """HEAD, git status and every service file's bytes: what a refusal must leave as it was."""
    files = {path.name: path.read_bytes() for path in sorted((repo / "services").glob("*"))}
    return git(repo, "rev-parse", "HEAD"), git(repo, "status", "--porcelain"), files


def _readings(repo: Path, service: str, kpi: str) -> list[dict[str, object]]:
    data = parse((repo / "services" / f"{service}.yaml").read_text("utf-8"))
    found = next(item for item in data["kpis"] if item["id"] == kpi)  # type: ignore[index]
    return list(found.get("readings", []))


def test_kpi_record_appends_the_reading_as_one_commit(example_repo: Path) -> None:
    before = git(example_repo, "rev-list", "--count", "HEAD")
    result = _run(
        "kpi", "record", "ppm-adoption-support", "directorates-onboarded", "6",
        "--note", "Customer services moved on", cwd=example_repo,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "ppm-adoption-support: record-reading directorates-onboarded 2026-11 = 6" in (
        result.stdout
    )
    assert int(git(example_repo, "rev-list", "--count", "HEAD")) == int(before) + 1
    assert git(example_repo, "status", "--porcelain") == ""
    assert _readings(example_repo, "ppm-adoption-support", "directorates-onboarded")[-1] == {
        "date": dt.date(2026, 11, 30), "value": 6, "note": "Customer services moved on",
    }  # fmt: skip
    assert git(example_repo, "show", "--name-only", "--format=", "HEAD").split() == [SUPPORT]
    trailers = parse_decision(git(example_repo, "log", "-1", "--format=%B"))
    assert trailers is not None
    assert (trailers.kind, trailers.services, trailers.approver_id) == (
        "record-reading", ["ppm-adoption-support"], "wei-chen",
    )  # fmt: skip
    # the reading owed is no longer owed
    due = _run("due", "--format", "json", cwd=example_repo)
    assert "kpi-reading:ppm-adoption-support" not in due.stdout


def test_kpi_record_takes_a_period_as_a_label_or_a_day_and_a_value_in_percent(
    example_repo: Path,
) -> None:
    result = _run(
        "kpi", "record", "portfolio-reporting", "returns-complete", "81.5%", "--period",
        "2026-06-15", "--reported-by", "tom-okafor", cwd=example_repo,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert _readings(example_repo, "portfolio-reporting", "returns-complete")[-1] == {
        "date": dt.date(2026, 6, 30), "value": 81.5,
    }  # fmt: skip
    quarterly = _run(
        "kpi", "record", "gate-reviews", "decision-turnaround", "2", "--period", "2026-Q2",
        cwd=example_repo,
    )  # fmt: skip
    assert quarterly.returncode == 0, quarterly.stderr
    assert _readings(example_repo, "gate-reviews", "decision-turnaround")[-1]["date"] == (
        dt.date(2026, 6, 30)
    )


def test_kpi_record_dry_run_shows_the_diff_and_writes_nothing(example_repo: Path) -> None:
    before = _state(example_repo)
    result = _run(
        "kpi", "record", "ppm-adoption-support", "directorates-onboarded", "6", "--dry-run",
        cwd=example_repo,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "+      - {date: 2026-11-30, value: 6}" in result.stdout
    assert "dry run: nothing was changed" in result.stderr
    assert _state(example_repo) == before


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("ppm-adoption-suport", "directorates-onboarded", "6"), 2,
         "no service 'ppm-adoption-suport'"),
        (("ppm-adoption-support", "directorates-onbarded", "6"), 2,
         "ppm-adoption-support has no KPI 'directorates-onbarded'"),
        (("weekly-status-digest", "digest-on-time", "6"), 1,
         "weekly-status-digest is closed: readings are recorded while a service is delivered"),
        (("dependency-mapping", "x", "6"), 1, "dependency-mapping is "),
        (("ppm-adoption-support", "directorates-onboarded", "6", "--period", "2026-Q4"), 2,
         "--period: '2026-Q4' is a quarter, but the KPI is reported monthly"),
        (("ppm-adoption-support", "directorates-onboarded", "6", "--period", "2026-12"), 2,
         "--period: 2026-12 is not over until 2026-12-31"),
        (("ppm-adoption-support", "directorates-onboarded", "6", "--period", "2027-01"), 2,
         "--period: 2027-01 is not over"),
        (("ppm-adoption-support", "directorates-onboarded", "6", "--period", "2026-10"), 1,
         "KPI 'directorates-onboarded' of ppm-adoption-support already has a reading for "
         "2026-10"),
        (("ppm-adoption-support", "directorates-onboarded", "six"), 2,
         "VALUE: 'six' is not a number in the KPI's unit (directorates)"),
        (("ppm-adoption-support", "directorates-onboarded", "nan"), 2, "VALUE: 'nan' is not"),
        (("ppm-adoption-support", "directorates-onboarded", "1e400"), 2,
         "VALUE: '1e400' is not a finite number"),
        (("ppm-adoption-support", "directorates-onboarded", "6%"), 2,
         "VALUE: '6%' is not a number in the KPI's unit (directorates)"),
        (("ppm-adoption-support", "directorates-onboarded", "6", "--reported-by",
          "grace-mensah"), 1,
         "ppm-adoption-support: to report a KPI reading is for the Service Manager; "
         "grace-mensah is not"),
        (("ppm-adoption-support", "directorates-onboarded", "6", "--reported-by", "wei-chn"),
         2, "--reported-by 'wei-chn' is not a person in organisation.yaml"),
        (("ppm-adoption-support", "directorates-onboarded", "6", "--note", "a\x1b[2Jb"), 2,
         "--note is empty or holds control characters"),
        (("ppm-adoption-support", "directorates-onboarded", "6", "--note", "a\nb"), 2,
         "--note is more than one line"),
        (("ppm-adoption-support", "directorates-onboarded", "6", "--note", "x" * 301), 2,
         "--note is longer than 300 characters"),
    ],
)  # fmt: skip
def test_kpi_record_refuses_and_leaves_the_repository_as_it_was(
    example_repo: Path, args: tuple[str, ...], code: int, message: str
) -> None:
    before = _state(example_repo)
    result = _run("kpi", "record", *args, cwd=example_repo)
    assert result.returncode == code, (result.stdout, result.stderr)
    assert message in result.stderr
    assert "Traceback" not in result.stderr and "\x1b" not in result.stderr
    assert _state(example_repo) == before


def test_kpi_record_refuses_a_kpi_without_a_reporter_unless_one_is_named(
    example_repo: Path,
) -> None:
    path = example_repo / SUPPORT
    path.write_text(path.read_text("utf-8").replace("    reported_by: wei-chen\n", ""), "utf-8")
    git(example_repo, "commit", "-qam", "no reporter")
    before = _state(example_repo)
    refused = _run("kpi", "record", "ppm-adoption-support", "directorates-onboarded", "6",
                   cwd=example_repo)  # fmt: skip
    assert refused.returncode == 1
    assert "names no reporter (reported_by): give --reported-by" in refused.stderr
    assert _state(example_repo) == before
    named = _run("kpi", "record", "ppm-adoption-support", "directorates-onboarded", "6",
                 "--reported-by", "tom-okafor", cwd=example_repo)  # fmt: skip
    assert named.returncode == 0, named.stderr


def test_kpi_record_refuses_a_changed_file_and_outside_a_repository(
    example_repo: Path, example_catalogue: Path
) -> None:
    path = example_repo / SUPPORT
    path.write_text(path.read_text("utf-8") + "# an edit not committed\n", "utf-8")
    before = _state(example_repo)
    dirty = _run("kpi", "record", "ppm-adoption-support", "directorates-onboarded", "6",
                 cwd=example_repo)  # fmt: skip
    assert dirty.returncode == 3, dirty.stderr
    assert _state(example_repo) == before
    outside = _run("kpi", "record", "ppm-adoption-support", "directorates-onboarded", "6",
                   cwd=example_catalogue)  # fmt: skip
    assert outside.returncode == 3, outside.stderr


def test_the_api_records_a_reading_and_refuses_arguments_of_the_wrong_kind(
    example_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pmoctl import api
    from pmoctl.errors import UserError

    monkeypatch.setenv("PMOCTL_TODAY", DUE_DAY)
    outcome = api.kpi_record(
        example_repo, "ppm-adoption-support", "directorates-onboarded", 6, dry_run=True
    )
    assert outcome.commit is None and "+      - {date: 2026-11-30, value: 6}" in outcome.diff
    for call in (
        lambda: api.kpi_record(example_repo, "ppm-adoption-support", "x", True),
        lambda: api.kpi_record(example_repo, ["ppm-adoption-support"], "x", 1),  # type: ignore[arg-type]
    ):
        with pytest.raises(UserError):
            call()


# --- pmoctl kpi import ----------------------------------------------------------------

GOOD_CSV = (
    "service,kpi,period,value,note\n"
    "ppm-adoption-support,directorates-onboarded,2026-11,6,Customer services moved on\n"
    "gate-reviews,decision-turnaround,2026-Q2,2,\n"
    "gate-reviews,first-time-complete,2026-03-31,58,\n"
)


def test_kpi_import_records_every_reading_as_one_commit(example_repo: Path, tmp_path: Path) -> None:
    path = tmp_path / "november.csv"
    path.write_text(GOOD_CSV, "utf-8")
    before = int(git(example_repo, "rev-list", "--count", "HEAD"))
    result = _run("kpi", "import", path, cwd=example_repo)
    assert result.returncode == 0, result.stderr
    assert "2 services: record-reading 3 readings from november.csv" in result.stdout
    assert int(git(example_repo, "rev-list", "--count", "HEAD")) == before + 1
    assert sorted(git(example_repo, "show", "--name-only", "--format=", "HEAD").split()) == [
        "services/gate-reviews.yaml", SUPPORT,
    ]  # fmt: skip
    assert _readings(example_repo, "gate-reviews", "first-time-complete")[-1] == {
        "date": dt.date(2026, 3, 31), "value": 58,
    }  # fmt: skip
    message = git(example_repo, "log", "-1", "--format=%B")
    assert "gate-reviews decision-turnaround 2026-Q2 = 2 (reported by marcus-lindqvist)" in message
    trailers = parse_decision(message)
    assert trailers is not None
    assert trailers.services == ["gate-reviews", "ppm-adoption-support"]
    # two reporters: the commit names no single approver
    assert trailers.approver_id is None
    validated = _run("validate", "--format", "json", ".", cwd=example_repo)
    assert "directorates-onboarded" not in validated.stdout


def test_kpi_import_reads_a_workbook(example_repo: Path, tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Service", "KPI", "Period", "Value"])
    sheet.append(["portfolio-reporting", "returns-complete", dt.datetime(2026, 6, 1), 0.81])
    sheet["D2"].number_format = "0%"
    sheet.append(["portfolio-reporting", "report-on-time", "2026-06", 88])
    path = tmp_path / "june.xlsx"
    book.save(path)
    result = _run("kpi", "import", path, cwd=example_repo)
    assert result.returncode == 0, result.stderr
    assert _readings(example_repo, "portfolio-reporting", "returns-complete")[-1] == {
        "date": dt.date(2026, 6, 30), "value": 81,
    }  # fmt: skip
    trailers = parse_decision(git(example_repo, "log", "-1", "--format=%B"))
    assert trailers is not None and trailers.approver_id == "tom-okafor"


def test_kpi_import_lists_every_problem_at_its_row_and_column_and_writes_nothing(
    example_repo: Path, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "service,kpi,period,value,note\n"
        "ppm-adoption-suport,directorates-onboarded,2026-11,6,\n"  # 2
        "ppm-adoption-support,directorates-onbarded,2026-11,6,\n"  # 3
        "ppm-adoption-support,directorates-onboarded,2026-Q4,6,\n"  # 4
        "ppm-adoption-support,directorates-onboarded,2026-10,6,\n"  # 5: recorded
        "ppm-adoption-support,directorates-onboarded,2026-11,six,\n"  # 6
        "ppm-adoption-support,directorates-onboarded,2026-11,6,\n"  # 7
        "ppm-adoption-support,directorates-onboarded,2026-11-30,7,\n"  # 8: twice
        "weekly-status-digest,digest-on-time,2026-11,1,\n"  # 9: closed
        "gate-reviews,decision-turnaround,2026-Q3,,\n"  # 10: no value, recorded
        "\x1b]8;;evil\x1b\\x,kpi,2026,1,\n",  # 11: escaped in the message
        "utf-8",
    )
    before = _state(example_repo)
    result = _run("kpi", "import", path, cwd=example_repo)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert lines[:-2] == [
        "bad.csv:2:1: service: no service 'ppm-adoption-suport'; did you mean "
        "'ppm-adoption-support'? services: benefits-tracking, dependency-mapping, gate-reviews, "
        "lessons-learned-library, methodology-coaching, pm-training, pmo-tooling-admin, "
        "portfolio-reporting, ...",
        "bad.csv:3:2: kpi: ppm-adoption-support has no KPI 'directorates-onbarded'; did you "
        "mean 'directorates-onboarded'? KPIs: directorates-onboarded",
        "bad.csv:4:3: period: '2026-Q4' is a quarter, but the KPI is reported monthly: write a "
        "month, e.g. 2026-11",
        "bad.csv:5:3: period: ppm-adoption-support directorates-onboarded 2026-10 is already "
        "recorded",
        "bad.csv:6:4: value: 'six' is not a number in the KPI's unit (directorates)",
        "bad.csv:8:3: period: ppm-adoption-support directorates-onboarded 2026-11 is also on row 7",
        "bad.csv:9:1: service: weekly-status-digest is closed: readings are recorded while a "
        "service is delivered (pilot, transition, running)",
        "bad.csv:10:4: value: no value",
        "bad.csv:11:1: service: no service '\\x1b]8;;evil\\x1b\\\\x'; services: "
        "benefits-tracking, dependency-mapping, gate-reviews, lessons-learned-library, "
        "methodology-coaching, pm-training, pmo-tooling-admin, portfolio-reporting, ...",
    ]
    assert lines[-2] == "pmoctl: error: 9 problems in bad.csv: nothing was imported"
    assert "\x1b" not in result.stderr
    assert _state(example_repo) == before


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        ("service,kpi,period,value\n", 2, "'readings.csv' has a header but no readings"),
        ("service,kpi,period\n", 1, "readings.csv:1: no column 'value' in the header row"),
        (GOOD_CSV.replace(",6,", ",6,\x07"), 1, "readings.csv:2:5: note: a note is one line"),
    ],
)
def test_kpi_import_refuses_a_file_without_readings_or_with_a_bad_header(
    example_repo: Path, tmp_path: Path, content: str, code: int, message: str
) -> None:
    path = tmp_path / "readings.csv"
    path.write_text(content, "utf-8")
    before = _state(example_repo)
    result = _run("kpi", "import", path, cwd=example_repo)
    assert result.returncode == code, result.stderr
    assert message in result.stderr
    assert _state(example_repo) == before


def test_kpi_import_refuses_a_reporter_who_does_not_manage_each_service(
    example_repo: Path, tmp_path: Path
) -> None:
    path = tmp_path / "november.csv"
    path.write_text(GOOD_CSV, "utf-8")
    before = _state(example_repo)
    result = _run("kpi", "import", path, "--reported-by", "wei-chen", cwd=example_repo)
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines()[:2] == [
        "november.csv:3:2: kpi: to report a KPI reading is for the Service Manager; wei-chen "
        "is not",
        "november.csv:4:2: kpi: to report a KPI reading is for the Service Manager; wei-chen "
        "is not",
    ]
    unknown = _run("kpi", "import", path, "--reported-by", "wei-chn", cwd=example_repo)
    assert unknown.returncode == 2
    assert "--reported-by 'wei-chn' is not a person" in unknown.stderr
    assert _state(example_repo) == before


def test_kpi_import_dry_run_shows_every_file_and_writes_nothing(
    example_repo: Path, tmp_path: Path
) -> None:
    path = tmp_path / "november.csv"
    path.write_text(GOOD_CSV, "utf-8")
    before = _state(example_repo)
    result = _run("kpi", "import", path, "--dry-run", cwd=example_repo)
    assert result.returncode == 0, result.stderr
    assert "+++ b/services/gate-reviews.yaml" in result.stdout
    assert f"+++ b/{SUPPORT}" in result.stdout
    assert _state(example_repo) == before
    other = _run("kpi", "import", tmp_path / "missing.csv", cwd=example_repo)
    assert other.returncode == 2 and "missing.csv" in other.stderr


def test_kpi_import_names_a_workbook_cell_by_its_column_letter(
    example_repo: Path, tmp_path: Path
) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["service", "kpi", "period", "value"])
    sheet.append(["portfolio-reporting", "returns-complete", "2026-06", "=A1"])
    sheet.append(["portfolio-reporting", "returns-complete", "2026-Q2", True])
    path = tmp_path / "june.xlsx"
    book.save(path)
    before = _state(example_repo)
    result = _run("kpi", "import", path, cwd=example_repo)
    assert result.returncode == 1
    assert result.stderr.splitlines()[:3] == [
        "june.xlsx:2:D: value: no value (a formula that was never calculated reads as none)",
        "june.xlsx:3:C: period: '2026-Q2' is a quarter, but the KPI is reported monthly: "
        "write a month, e.g. 2026-11",
        "june.xlsx:3:D: value: True is not a number",
    ]
    assert _state(example_repo) == before
