"""The transition's guard agrees with a full validate on every case of tests/cases.

The guard (``pmoctl.lifecycle.guard``) runs the cross-document rules that can judge a
partial catalogue (``Rule.partial``) on part of the catalogue. For each case and each of
its services, taken as the moved file with its text unchanged, the errors the guard finds
in that file must be the errors a full validate finds there from the rules the guard
runs: none missing, none added.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from conftest import REPO_ROOT
from pmoctl.catalogue.models import ID_PATTERN, Service
from pmoctl.catalogue.pipeline import load_file
from pmoctl.findings import Severity
from pmoctl.lifecycle.guard import guard
from pmoctl.rules import SETTINGS_RULES, Partial, all_rules, checks, partial_checks
from pmoctl.rules.engine import check_all
from pmoctl.yaml.loader import read_text
from test_cases import build_case, case_names

#: (case, moved file, rule) -> why a full validate reports a finding the guard cannot:
#: each needs a file the guard knows by name only, as the rule's data says
LEFT_TO_VALIDATE = {
    (
        "id-filename-two-files-one-id",
        "services/portfolio-reporting.yaml",
        "ID-FILENAME",
    ): "the other file holding the id is not named by the moved one",
    (
        "stage-complete-superseded-no-successor",
        "services/weekly-status-digest.yaml",
        "STAGE-COMPLETE",
    ): "no successor may list the superseded service in any service file",
}

#: the rules whose findings the guard reports: those it runs, and the waiver rules that
#: settling the findings adds
GUARD_RULES = {rule.id for rule in partial_checks()} | {
    rule.id for rule in SETTINGS_RULES if rule.check is None
}

Where = tuple[str, int, int, str]


def _compare(root: Path) -> tuple[dict[str, tuple[set[Where], set[Where]]], list[str]]:
    """Per service file of the case: (missing from the guard, added by the guard); and
    the files skipped, with the reason."""
    _, findings = check_all(root, jobs=1)
    full = {
        (f.path, f.line, f.column, f.rule)
        for f in findings
        if f.severity is Severity.ERROR and f.rule in GUARD_RULES
    }
    result: dict[str, tuple[set[Where], set[Where]]] = {}
    skipped = []
    for path in sorted((root / "services").glob("*.yaml")):
        rel = path.relative_to(root).as_posix()
        stem = path.stem
        if not re.fullmatch(ID_PATTERN, stem):
            skipped.append(f"{rel}: not an id, `pmoctl transition` cannot name it")
            continue
        item = load_file(root, rel, "service")
        if item.model is None:
            skipped.append(f"{rel}: does not load, `pmoctl transition` refuses it first")
            continue
        text = read_text(root, rel)
        assert isinstance(item.model, Service)
        found = guard(root, {stem: item.model}, {rel: text}, positions={rel: text})
        got = {(f.path, f.line, f.column, f.rule) for f in found}
        wanted = {where for where in full if where[0] == rel}
        result[rel] = (wanted - got, got - wanted)
    return result, skipped


@pytest.mark.parametrize("name", case_names())
def test_the_guard_finds_what_validate_finds_in_the_moved_file(name: str, tmp_path: Path) -> None:
    root = build_case(name, tmp_path / name)
    compared, _skipped = _compare(root)
    for rel, (missing, added) in compared.items():
        assert not added, f"{rel}: the guard reports what validate does not: {sorted(added)}"
        left = {where for where in missing if (name, rel, where[3]) in LEFT_TO_VALIDATE}
        assert missing == left, f"{rel}: the guard misses {sorted(missing - left)}"
        for where in left:  # the table names real gaps only, of rules that admit to them
            assert all_rules()[where[3]].partial is not Partial.NO
    listed = {(case, rel) for case, rel, _ in LEFT_TO_VALIDATE if case == name}
    for _, rel in listed:
        assert compared[rel][0], f"{name}: {rel} is listed in LEFT_TO_VALIDATE but agrees"


def test_files_the_guard_never_sees_are_skipped_with_a_reason(tmp_path: Path) -> None:
    root = build_case("file-name-upper-case-collision", tmp_path / "case")
    _, skipped = _compare(root)
    assert skipped == ["services/Gate-Reviews.yaml: not an id, `pmoctl transition` cannot name it"]


def test_every_rule_says_whether_the_guard_may_run_it() -> None:
    for rule in all_rules().values():
        if rule.partial is not Partial.NO:
            assert rule.check is not None, f"{rule.id} judges nothing"
        assert (rule.names_check is not None) == (rule.partial is Partial.NAMES), rule.id
    # the rules that add up or chain every service cannot judge part of the catalogue
    assert {"DEPENDENCY-CYCLE", "CAPACITY-FTE"}.isdisjoint(r.id for r in partial_checks())
    assert {"REF-PERSON", "ID-COLLISION"} <= {r.id for r in partial_checks()}
    assert [r for r in checks() if r in partial_checks()] == partial_checks()


def test_the_guard_names_no_rule_and_no_private_name() -> None:
    source = (REPO_ROOT / "src" / "pmoctl" / "lifecycle" / "guard.py").read_text("utf-8")
    assert [rule for rule in all_rules() if rule in source] == []
    imported = [
        alias.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pmoctl")
        for alias in node.names
    ]
    assert "partial_checks" in imported
    assert [name for name in imported if name.startswith("_")] == []
