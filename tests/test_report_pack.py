"""`pmoctl report`: the monthly pack, read back from the files it writes (the workbook's
cells with openpyxl, the PDF's text with pypdf and its first page as an image), and every
refusal with its exit code."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from conftest import DUE_DAY, EXAMPLE, REPO_ROOT, git, run_cli
from pmoctl import api
from pmoctl.errors import UserError
from pmoctl.gitrepo.trailers import ServiceMove, transition_message
from pmoctl.operations.pack import parse_month
from pmoctl.render.sparkline import sparkline
from pmoctl.render.workbook import SHEETS

SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
NOVEMBER = {"PMOCTL_TODAY": DUE_DAY}  # the day after November 2026


def commit_at(repo: Path, day: str, message: str) -> None:
    """Commit everything, dated ``day`` (author and committer)."""
    stamp = f"{day}T10:00:00+00:00"
    env = {**os.environ, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "commit", "-q", "-m", message], cwd=repo, check=True, env=env)


@pytest.fixture
def history_repo(tmp_path: Path) -> Path:
    """The example catalogue committed in October; in November a new service and a move
    recorded as ``transition`` records it; in December another move (after the month)."""
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLE, repo)
    git(repo, "init", "-q", "-b", "main")
    new = repo / "services" / "dependency-mapping.yaml"
    new_text = new.read_text(encoding="utf-8")
    new.unlink()
    commit_at(repo, "2026-10-02", "initial catalogue")
    new.write_text(new_text, encoding="utf-8")
    commit_at(repo, "2026-11-04", "dependency-mapping: proposed")
    path = repo / "services" / "portfolio-risk-review.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# moved\n", encoding="utf-8")
    message = transition_message(
        [ServiceMove("portfolio-risk-review", "design", "pilot")],
        approved_by="Helen Achebe <helen@example.org>",
        approver_id="helen-achebe",
    )
    commit_at(repo, "2026-11-16", message)
    path.write_text(path.read_text(encoding="utf-8") + "# again\n", encoding="utf-8")
    later = transition_message(
        [ServiceMove("portfolio-risk-review", "pilot", "transition")],
        approved_by="Helen Achebe <helen@example.org>",
        approver_id="helen-achebe",
    )
    commit_at(repo, "2026-12-01", later)
    return repo


def _report(root: Path, out: Path, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return run_cli("report", "-C", str(root), "--out", str(out), *args, env=env or NOVEMBER)


def test_the_pack_in_every_format_read_back(history_repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "pack"
    result = _report(
        history_repo, out, "--period", "2026-11", *("-f", "html", "-f", "md", "-f", "xlsx"),
        *("-f", "pdf"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    names = sorted(path.name for path in out.iterdir())
    assert names == [f"pmo-report-2026-11.{ext}" for ext in ("html", "md", "pdf", "xlsx")]

    book = load_workbook(out / "pmo-report-2026-11.xlsx")
    assert book.sheetnames == list(SHEETS)
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), sheet.title
        assert sheet["A1"].font.bold, sheet.title
        assert all(sheet.column_dimensions[c.column_letter].width > 2 for c in sheet[1])

    def rows(title: str) -> list[dict[str, object]]:
        sheet = book[title]
        header = [cell.value for cell in sheet[1]]
        values = sheet.iter_rows(min_row=2, values_only=True)
        return [dict(zip(header, row, strict=True)) for row in values]

    catalogue = {row["Service"]: row for row in rows("Catalogue")}
    assert len(catalogue) == len(list((EXAMPLE / "services").glob("*.yaml")))
    assert catalogue["portfolio-reporting"]["Stage"] == "running"
    kpis = {(row["Service"], row["KPI"]): row for row in rows("KPIs")}
    assert kpis["portfolio-reporting", "returns-complete"]["Status"] == "red"
    assert kpis["ppm-adoption-support", "directorates-onboarded"]["Overdue"] == "yes"
    changes = [(row["Service"], row["Change"], row["What"]) for row in rows("Changes")]
    assert ("dependency-mapping", "new", "added to the catalogue") in changes
    assert ("portfolio-risk-review", "move", "design -> pilot") in changes
    assert not any("transition" in str(what) for _, _, what in changes)  # December's move
    assert not any(service == "gate-reviews" for service, kind, _ in changes if kind == "new")
    capacity = {row["PMO"]: row for row in rows("Capacity")}
    assert capacity["corporate-pmo"]["Capacity FTE"] == 7.5
    assert capacity["corporate-pmo"]["Committed FTE"] > 0
    raci = rows("RACI")
    assert {"Procedure": "recharge-directorates", "Procedure name": "Recharge directorates",
            "Activity": "compile-charges", "Activity name": "Compile chargeable days",
            "Party": "marcus-lindqvist", "RACI": "A"} in raci  # fmt: skip
    assert any(row["Service"] == "gate-reviews" for row in rows("SIPOC"))
    assert {row["Type"] for row in rows("Risks and issues")} == {"risk", "issue"}
    readings = [r for r in rows("Readings") if r["Service"] == "portfolio-reporting"]
    assert readings and all(str(r["Date"])[:10] <= "2026-11-30" for r in readings)
    scorecard = {(row["By"], row["Id"]): row for row in rows("Scorecard")}
    assert scorecard["PMO", "corporate-pmo"]["Overall"] == "red"

    pdf = PdfReader(out / "pmo-report-2026-11.pdf")
    text = " ".join(page.extract_text() for page in pdf.pages)
    for expected in ("PMO report 2026-11", "Scorecard by PMO", "Corporate Portfolio Office",
                     "portfolio-risk-review", "design -> pilot", "Capacity against commitments",
                     "Page 1 of"):  # fmt: skip
        assert expected in text, expected
    _looks_like_a_page(out / "pmo-report-2026-11.pdf", "report-pack-page-1")

    html = (out / "pmo-report-2026-11.html").read_text(encoding="utf-8")
    assert "<script" not in html and "<svg" in html
    markdown = (out / "pmo-report-2026-11.md").read_text(encoding="utf-8")
    assert "| Corporate Portfolio Office | 6 | RED |" in markdown


def _looks_like_a_page(pdf: Path, name: str) -> None:
    """The first page as a PNG (pdftoppm, from poppler-utils: .ci/run installs it), kept
    in test-artifacts/screenshots/ to be looked at, and not blank."""
    from PIL import Image

    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm is not installed (apt-get install poppler-utils; .ci/run does)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    prefix = SCREENSHOTS / name
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf),
         str(prefix)], check=True, timeout=60,
    )  # fmt: skip
    with Image.open(prefix.with_suffix(".png")) as image:
        grey = image.convert("L")
        width, height = grey.size
        assert width > height  # A4 landscape
        dark = sum(grey.histogram()[:128])
        assert dark > width * height * 0.005, "the first page looks blank"


def test_the_default_format_is_the_html_page(example_repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "new" / "pack"  # created, with its parents
    result = _report(example_repo, out, "--period", "2026-11")
    assert result.returncode == 0, result.stderr
    assert [p.name for p in out.iterdir()] == ["pmo-report-2026-11.html"]
    assert f"wrote {out / 'pmo-report-2026-11.html'}" in result.stdout


def test_a_past_month_leaves_out_later_readings(example_repo: Path) -> None:
    result = api.report(
        example_repo, example_repo.parent / "pack", period="2026-10", formats=["md"],
        today=__import__("datetime").date(2026, 12, 1),
    )  # fmt: skip
    assert result.pack.as_of.isoformat() == "2026-11-01"
    rows = {(r["service"], r["kpi"]): r for r in result.pack.kpis}
    latest = rows["portfolio-reporting", "returns-complete"]["latest_date"]
    assert latest is not None and latest <= "2026-10-31"


def test_outside_git_the_pack_says_changes_are_unknown(
    example_catalogue: Path, tmp_path: Path
) -> None:
    result = _report(example_catalogue, tmp_path / "pack", "--period", "2026-11", "-f", "md")
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "pack" / "pmo-report-2026-11.md").read_text(encoding="utf-8")
    assert "not in a git repository" in text


def test_catalogue_text_is_escaped_and_never_a_formula(example_repo: Path, tmp_path: Path) -> None:
    path = example_repo / "services" / "portfolio-reporting.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "name: Portfolio reporting", "name: '=HYPERLINK(\"http://x\") <script>alert(1)</script>'", 1
    )
    text = text.replace("name: Complete status returns", "name: <script>alert(2)</script>", 1)
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "pack"
    result = _report(example_repo, out, "--period", "2026-11", "-f", "xlsx", "-f", "html")
    assert result.returncode == 0, result.stderr
    sheet = load_workbook(out / "pmo-report-2026-11.xlsx")["Catalogue"]
    cells = [row for row in sheet.iter_rows(min_row=2) if row[0].value == "portfolio-reporting"]
    assert cells[0][1].value == '=HYPERLINK("http://x") <script>alert(1)</script>'
    assert cells[0][1].data_type == "s"
    html = (out / "pmo-report-2026-11.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize("period", ["2026-13", "November", "2026-1", "26-11", "2027-01", ""])
def test_a_bad_or_future_period_is_refused(example_repo: Path, tmp_path: Path, period: str) -> None:
    result = _report(example_repo, tmp_path / "pack", "--period", period)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "--period" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "pack").exists()


def test_an_unknown_format_is_a_usage_error(example_repo: Path, tmp_path: Path) -> None:
    result = _report(example_repo, tmp_path / "pack", "--period", "2026-11", "-f", "docx")
    assert result.returncode == 2
    with pytest.raises(UserError):
        api.report(example_repo, tmp_path / "pack", period="2026-11", formats="xlsx")
    with pytest.raises(UserError, match="unknown pack format"):
        api.report(example_repo, tmp_path / "pack", period="2026-11", formats=["docx"])


def test_an_out_that_is_a_file_is_refused(example_repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "pack"
    out.write_text("keep me", encoding="utf-8")
    result = _report(example_repo, out, "--period", "2026-11")
    assert result.returncode == 2, result.stderr
    assert "is not a folder" in result.stderr
    assert out.read_text(encoding="utf-8") == "keep me"


def test_an_out_that_is_a_link_is_refused(example_repo: Path, tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    out = tmp_path / "pack"
    out.symlink_to(real)
    result = _report(example_repo, out, "--period", "2026-11")
    assert result.returncode == 2, result.stderr
    assert "symbolic link" in result.stderr
    assert list(real.iterdir()) == []


def test_an_out_inside_the_catalogue_files_is_refused(example_repo: Path) -> None:
    result = _report(example_repo, example_repo / "services" / "pack", "--period", "2026-11")
    assert result.returncode == 2, result.stderr
    assert not (example_repo / "services" / "pack").exists()


def test_a_catalogue_with_errors_is_refused_and_nothing_is_written(
    example_repo: Path, tmp_path: Path
) -> None:
    path = example_repo / "services" / "gate-reviews.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("scope:", "scoop:", 1), "utf-8")
    result = _report(example_repo, tmp_path / "pack", "--period", "2026-11")
    assert result.returncode == 1, result.stderr
    assert not (tmp_path / "pack").exists()
    allowed = _report(example_repo, tmp_path / "pack", "--period", "2026-11", "--allow-invalid")
    assert allowed.returncode == 0, allowed.stderr


def test_an_unwritable_out_is_refused_with_nothing_left(unprivileged, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo = unprivileged.workspace / "repo"
    shutil.copytree(EXAMPLE, repo)
    out = unprivileged.workspace / "pack"
    out.mkdir()
    unprivileged.hand_over()
    out.chmod(0o555)
    try:
        result = unprivileged.run(
            "report", "--period", "2026-11", "--out", str(out), "-f", "md", cwd=repo
        )
    finally:
        out.chmod(0o755)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "Permission denied" in result.stderr and "Traceback" not in result.stderr
    assert list(out.iterdir()) == []


def test_the_handbook_as_pdf(example_catalogue: Path, tmp_path: Path) -> None:
    root = str(example_catalogue)
    result = run_cli("render", "-C", root, "--format", "pdf", "-o", str(tmp_path / "pdf"))
    assert result.returncode == 0, result.stderr
    pdf = PdfReader(tmp_path / "pdf" / "handbook.pdf")
    text = " ".join(page.extract_text() for page in pdf.pages)
    assert "PMO Operations Handbook" in text and "Recharge directorates" in text
    assert len(pdf.pages) > 3
    _looks_like_a_page(tmp_path / "pdf" / "handbook.pdf", "handbook-pdf-page-1")
    wrong = run_cli(
        "render", "-C", root, "--format", "pdf", "--only", "catalogue", "-o", str(tmp_path / "x")
    )
    assert wrong.returncode == 2 and "handbook" in wrong.stderr
    assert not (tmp_path / "x").exists()


def test_months() -> None:
    import datetime as dt

    month = parse_month("2026-02", dt.date(2026, 3, 1))
    assert (month.start, month.end) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert parse_month("2026-12", dt.date(2026, 12, 1)).end == dt.date(2026, 12, 31)
    with pytest.raises(UserError, match="has not begun"):
        parse_month("2026-12", dt.date(2026, 11, 30))


def test_a_sparkline_is_numbers_and_an_escaped_label() -> None:
    svg = sparkline([1.0, 3.0, float("nan"), 2.0], '<b>"x"</b>', rag="red")
    assert svg.startswith("<svg") and "<b>" not in svg and "&lt;b&gt;" in svg
    assert "1, 3, 2" in svg and "#b42318" in svg
    assert sparkline([1.0], "one") == "" and sparkline([], "none") == ""
    flat = sparkline([5.0, 5.0], "flat", rag="javascript:")
    assert "javascript" not in flat.split("aria-label")[0]
