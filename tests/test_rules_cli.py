"""`pmoctl rules` and `pmoctl explain`, the registry behind them, and docs/rules.md."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import REPO_ROOT, run_cli
from pmoctl.rules import FILE_RULES, RULE_MODULES, SETTINGS_RULES, all_rules, module_rules
from pmoctl.rules.doc import examples_from_cases, rules_markdown

RULE_ID = re.compile(r"^[A-Z][A-Z0-9-]+$")


def test_rule_ids_are_unique_upper_case_and_explained() -> None:
    every = [*FILE_RULES, *SETTINGS_RULES]
    every += [rule for name in RULE_MODULES for rule in module_rules(name)]
    ids = [rule.id for rule in every]
    assert len(ids) == len(set(ids)) == len(all_rules())
    for rule in all_rules().values():
        assert RULE_ID.match(rule.id), rule.id
        assert rule.summary and not rule.summary.endswith(".")
        assert len(rule.explanation) > 80, rule.id


def test_rules_lists_every_rule_with_its_severity() -> None:
    result = run_cli("rules")
    assert result.returncode == 0
    listed = {line.split()[0]: line.split()[1] for line in result.stdout.splitlines()}
    assert listed == {rule.id: rule.severity.value for rule in all_rules().values()}


def test_rules_as_json() -> None:
    result = run_cli("rules", "--format", "json")
    assert result.returncode == 0
    items = json.loads(result.stdout)
    assert [item["id"] for item in items] == list(all_rules())
    assert all(item["explanation"] and item["summary"] for item in items)


@pytest.mark.parametrize("spelling", ["RACI-ACCOUNTABLE", "raci-accountable", "Raci-Accountable"])
def test_explain_is_case_insensitive(spelling: str) -> None:
    result = run_cli("explain", spelling)
    assert result.returncode == 0
    assert result.stdout.startswith("RACI-ACCOUNTABLE (error by default)\n")
    assert "Exactly one party is Accountable" in " ".join(result.stdout.split())


def test_explain_unknown_rule_suggests_the_closest() -> None:
    result = run_cli("explain", "REF-PERSN")
    assert result.returncode == 2
    assert "REF-PERSON" in result.stderr
    assert result.stdout == ""


def test_explain_knows_the_settings_rules() -> None:
    for rule_id in ("WAIVER-REASON", "WAIVER-UNUSED", "CONFIG-RULE"):
        assert run_cli("explain", rule_id).returncode == 0


def _current_doc() -> str:
    return rules_markdown(examples_from_cases(REPO_ROOT / "tests" / "cases"))


def test_docs_rules_md_is_current() -> None:
    committed = (REPO_ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == _current_doc(), "run: python -m pmoctl.rules docs/rules.md"


def test_docs_cover_every_rule_with_an_example() -> None:
    doc = _current_doc()
    pull_request = {rule.id for rule in module_rules("pull_request")}
    for rule_id in all_rules():
        section = doc.split(f"\n### {rule_id}\n", 1)
        assert len(section) == 2, rule_id
        body = section[1].split("\n### ", 1)[0]
        if rule_id not in pull_request:
            assert f"[{rule_id}]" in body, f"{rule_id} has no example finding"


def test_module_writes_the_doc(tmp_path: Path) -> None:
    out = tmp_path / "rules.md"
    import subprocess
    import sys

    subprocess.run([sys.executable, "-m", "pmoctl.rules", str(out)], cwd=REPO_ROOT, check=True)
    assert out.read_text(encoding="utf-8") == _current_doc()


def test_explain_a_family_name_lists_its_rules() -> None:
    result = run_cli("explain", "raci")
    assert result.returncode == 2
    assert "the RACI rules are RACI-ACCOUNTABLE, RACI-RESPONSIBLE, RACI-PARTY" in result.stderr
