"""Invalid variants of the example catalogue, each with exactly the findings it must produce.

Each folder under tests/cases/ holds one or more files at their catalogue-relative paths
(``services/portfolio-reporting.yaml``) that replace or add files in a copy of
examples/catalogue, an optional ``remove.txt`` naming files to delete from the copy, and
``expected.txt``: one finding per line, ``path:line:column: severity [RULE-ID] message``,
optionally followed by a ``    hint: ...`` line, as `pmoctl validate` prints them (message
and hint are optional; when given they must match exactly). ``#`` starts a comment line.
The real CLI validates each copy (as of conftest.TODAY); the set of findings must equal
the expected set.
After a deliberate change, ``PMOCTL_UPDATE_CASES=1 pytest tests/test_cases.py`` rewrites
the expected files from what the CLI reports; review the diff before committing it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import DUE_DAY, EXAMPLE, run_cli
from pmoctl.rules import all_rules, module_rules

CASES = Path(__file__).parent / "cases"
_LINE = re.compile(
    r"^(?P<path>[^:]+)(?::(?P<line>\d+):(?P<column>\d+))?: (?P<severity>error|warning) "
    r"\[(?P<rule>[A-Z][A-Z0-9-]+)\](?: (?P<message>.*))?$"
)
_CONTROL_FILES = {"expected.txt", "remove.txt"}
UPDATE = os.environ.get("PMOCTL_UPDATE_CASES") == "1"

#: rules whose triggers cannot live in a case folder (symlinks, non-UTF-8 bytes, huge
#: files): tests/test_loader.py triggers each of them at its position
TRIGGERED_IN_TEST_LOADER = {"FILE-SYMLINK", "FILE-SIZE", "FILE-READ", "YAML-ENCODING"}


@dataclass(frozen=True)
class Expected:
    path: str
    line: int
    column: int
    severity: str
    rule: str
    message: str | None
    hint: str | None = None

    @property
    def key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line, self.column, self.severity, self.rule)

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:{self.column}" if self.line else self.path
        text = f"{where}: {self.severity} [{self.rule}]"
        text += f" {self.message}" if self.message is not None else ""
        return text + (f"\n    hint: {self.hint}" if self.hint else "")


def parse_expected(text: str) -> list[Expected]:
    items = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("    hint: ") and items:
            items[-1] = dataclasses.replace(items[-1], hint=line.removeprefix("    hint: "))
            continue
        match = _LINE.match(line)
        if match is None:
            raise ValueError(f"expected.txt line {number} is not path:line:column: ...: {raw!r}")
        items.append(
            Expected(
                match["path"],
                int(match["line"] or 0),
                int(match["column"] or 0),
                match["severity"],
                match["rule"],
                match["message"],
            )
        )
    return items


def case_names() -> list[str]:
    return sorted(path.name for path in CASES.iterdir() if (path / "expected.txt").is_file())


def build_case(name: str, target: Path) -> Path:
    """A copy of the example catalogue with the case's files laid over it."""
    case = CASES / name
    shutil.copytree(EXAMPLE, target)
    removals = case / "remove.txt"
    if removals.exists():
        for rel in removals.read_text(encoding="utf-8").split():
            (target / rel).unlink()
    for source in sorted(case.rglob("*")):
        rel = source.relative_to(case)
        if source.is_dir() or rel.as_posix() in _CONTROL_FILES:
            continue
        destination = target / rel
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)
    return target


def _run(name: str, base: Path) -> tuple[int, list[dict[str, object]], str]:
    root = build_case(name, base / name)
    result = run_cli("validate", "--format", "json", "--no-cache", root, cwd=root)
    try:
        findings = json.loads(result.stdout)["findings"]
    except (ValueError, KeyError):
        findings = []
    return result.returncode, findings, result.stderr


@pytest.mark.parametrize("name", case_names())
def test_case_gives_exactly_the_expected_findings(name: str, tmp_path: Path) -> None:
    expected_file = CASES / name / "expected.txt"
    code, findings, stderr = _run(name, tmp_path)
    if UPDATE:
        _rewrite(expected_file, findings)
    expected = parse_expected(expected_file.read_text(encoding="utf-8"))
    assert "Traceback" not in stderr
    assert stderr == ""
    # JSON has no position (null) for a finding about a whole file; expected.txt writes none
    actual = {
        (f["path"], f["line"] or 0, f["column"] or 0, f["severity"], f["rule"]): f for f in findings
    }
    wanted = {item.key: item for item in expected}
    missing = [str(wanted[key]) for key in sorted(wanted.keys() - actual.keys())]
    extra = [
        str(Expected(*key, message=str(actual[key]["message"]), hint=str(actual[key]["hint"])))
        for key in sorted(actual.keys() - wanted.keys())
    ]
    assert not missing and not extra, f"missing: {missing}\nunexpected: {extra}"
    assert len(findings) == len(expected), "a finding is reported twice"
    for item in expected:
        if item.message is not None:
            assert actual[item.key]["message"] == item.message
        if item.hint is not None:
            assert actual[item.key]["hint"] == item.hint
        assert actual[item.key]["hint"] or item.rule == "YAML-EMPTY", f"{item} has no hint"
    errors = any(item.severity == "error" for item in expected)
    assert code == (1 if errors else 0)


def _rewrite(expected_file: Path, findings: list[dict[str, object]]) -> None:
    """PMOCTL_UPDATE_CASES=1: write what the CLI reports (review the diff before committing)."""
    lines = [
        line
        for line in expected_file.read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    ]
    for f in findings:
        where = f"{f['path']}:{f['line']}:{f['column']}" if f["line"] else str(f["path"])
        lines.append(f"{where}: {f['severity']} [{f['rule']}] {f['message']}")
        if f["hint"]:
            lines.append(f"    hint: {f['hint']}")
    expected_file.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_the_example_catalogue_is_clean() -> None:
    result = run_cli("validate", "--format", "json", "--no-cache", EXAMPLE, cwd=EXAMPLE)
    assert result.returncode == 0, result.stdout
    assert json.loads(result.stdout)["findings"] == []


def test_the_example_catalogue_owes_one_reading_and_one_review_later() -> None:
    # the example shows an overdue reading and an overdue review in `pmoctl due` and
    # `kpi report` on purpose
    result = run_cli(
        "validate", "--format", "json", "--no-cache", EXAMPLE, cwd=EXAMPLE,
        env={"PMOCTL_TODAY": DUE_DAY},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout
    found = [
        (f["path"], f["severity"], f["rule"], f["message"])
        for f in json.loads(result.stdout)["findings"]
    ]
    assert found == [
        (
            "services/ppm-adoption-support.yaml",
            "warning",
            "KPI-READING-DUE",
            "KPI 'directorates-onboarded' (monthly) has no reading for 2026-11",
        ),
        (
            "services/project-assurance.yaml",
            "warning",
            "REVIEW-DUE",
            "the quarterly service review was due on 2026-11-27: no review since 2026-08-27",
        ),
    ]


def test_every_rule_is_triggered_by_a_case_or_the_loader_tests() -> None:
    # the rules of `pmoctl check` judge pull requests, not files: their tests make commits
    triggered = set(TRIGGERED_IN_TEST_LOADER) | {rule.id for rule in module_rules("pull_request")}
    for name in case_names():
        expected = parse_expected((CASES / name / "expected.txt").read_text(encoding="utf-8"))
        triggered.update(item.rule for item in expected)
    assert set(all_rules()) - triggered == set()


def test_every_case_changes_something_real() -> None:
    for name in case_names():
        overlays = [
            path
            for path in (CASES / name).rglob("*")
            if path.is_file() and path.name not in _CONTROL_FILES
        ]
        assert overlays or (CASES / name / "remove.txt").exists(), name
