"""Findings as documents for machines: JSON, GitHub annotations, SARIF 2.1.0 and JUnit XML.

Every function here builds and returns data or text and never writes it: printing is
:mod:`pmoctl.output.report`'s job, which imports this module only when one of these formats is
asked for, so that the fast paths (``transition``, ``history``) do not pay for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from pmoctl._version import __version__
from pmoctl.findings import Finding, Severity
from pmoctl.output.text import printable, text_line
from pmoctl.rules import all_rules


def as_json(findings: Iterable[Finding], files: int) -> dict[str, Any]:
    """The findings; ``line`` and ``column`` are null for a finding about a whole file, which
    the other formats print without a position too."""
    items = [finding.as_dict() for finding in findings]
    for item in items:
        if not item["line"]:
            item["line"] = item["column"] = None
    errors = sum(1 for item in items if item["severity"] == "error")
    return {
        "version": __version__,
        "files": files,
        "summary": {"errors": errors, "warnings": len(items) - errors},
        "findings": items,
    }


def _github_data(text: str) -> str:
    # CR and LF as the runner decodes them; other controls would reach the log raw
    return printable(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _github_property(text: str) -> str:
    return _github_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(finding: Finding) -> str:
    """A workflow command; GitHub shows it on the line in the pull request's diff."""
    command = "error" if finding.severity is Severity.ERROR else "warning"
    props = [f"file={_github_property(finding.path)}"]
    if finding.line:
        props += [f"line={finding.line}", f"col={finding.column}"]
    props.append(f"title={_github_property(finding.rule)}")
    message = finding.message + (f"\n{finding.hint}" if finding.hint else "")
    return f"::{command} {','.join(props)}::{_github_data(message)}"


def as_sarif(findings: Sequence[Finding]) -> dict[str, Any]:
    known = all_rules()
    used = sorted({finding.rule for finding in findings})
    rule_index = {rule_id: index for index, rule_id in enumerate(used)}
    rules = []
    for rule_id in used:
        rule = known.get(rule_id)
        entry: dict[str, Any] = {"id": rule_id}
        if rule is not None:
            entry["shortDescription"] = {"text": rule.summary}
            entry["fullDescription"] = {"text": rule.explanation}
            entry["defaultConfiguration"] = {"level": rule.severity.value}
        rules.append(entry)
    results = []
    for finding in findings:
        physical: dict[str, Any] = {"artifactLocation": {"uri": finding.path}}
        if finding.line:
            physical["region"] = {"startLine": finding.line, "startColumn": finding.column}
        message = finding.message + (f" Hint: {finding.hint}" if finding.hint else "")
        results.append(
            {
                "ruleId": finding.rule,
                "ruleIndex": rule_index[finding.rule],
                "level": finding.severity.value,
                "message": {"text": message},
                "locations": [{"physicalLocation": physical}],
            }
        )
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "pmoctl",
                        "version": __version__,
                        "informationUri": "https://pypi.org/project/pmoctl/",
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }


def as_junit(findings: Sequence[Finding], files: int, suite: str) -> str:
    """One test case per file with findings (failures for errors), plus one passing case."""
    # imported here: xml.sax pulls in urllib and ssl, 40 ms of every pmoctl start-up
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        by_path.setdefault(finding.path, []).append(finding)
    failures = sum(
        1 for items in by_path.values() if any(f.severity is Severity.ERROR for f in items)
    )
    cases = []
    for path, items in sorted(by_path.items()):
        body = "\n".join(text_line(finding) for finding in items)
        errors = [finding for finding in items if finding.severity is Severity.ERROR]
        tag = "failure" if errors else "system-out"
        if errors:
            first = _xml_attribute(errors[0].message)
            content = (
                f"<failure message={first} type={_xml_attribute(errors[0].rule)}>"
                f"{escape(_xml_text(body), quote=False)}</failure>"
            )
        else:
            content = f"<{tag}>{escape(_xml_text(body), quote=False)}</{tag}>"
        cases.append(
            f'  <testcase classname="pmoctl" name={_xml_attribute(path)}>{content}</testcase>'
        )
    cases.append('  <testcase classname="pmoctl" name="catalogue"/>')
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<testsuite name={_xml_attribute(suite)} tests="{len(cases)}" failures="{failures}" '
        f'errors="0" skipped="0">\n' + "\n".join(cases) + "\n</testsuite>\n"
    )


def _xml_attribute(text: str) -> str:
    """One line, quoted, as an attribute value (a test's name, a failure's message)."""
    return '"' + escape(_xml_text(printable(text)), quote=True) + '"'


def _xml_text(text: str) -> str:
    # XML 1.0 cannot hold most control characters, unpaired surrogates, U+FFFE and U+FFFF,
    # even escaped; the lines of text_line() have the controls and surrogates escaped already
    return "".join(
        ch
        if ch in "\t\n\r"
        or (0x20 <= ord(ch) < 0xD800)
        or (0xE000 <= ord(ch) < 0xFFFE)
        or ord(ch) > 0xFFFF
        else (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
        for ch in text
    )
