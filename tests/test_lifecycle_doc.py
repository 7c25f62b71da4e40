"""The lifecycle documentation is generated from `catalogue.lifecycle`: fail when they differ.

docs/lifecycle.md holds the Mermaid diagram, the table of moves and the rules the check of a
move runs (from each rule's ``partial``) between markers; the README holds the same diagram
between its own markers once the lead has copied it there.
To update both after changing the declaration: ``PMOCTL_UPDATE_DOCS=1 pytest
tests/test_lifecycle_doc.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO_ROOT
from docblocks import check_block
from pmoctl.catalogue import decisions, escalation, lifecycle
from pmoctl.rules import Partial, checks

DOC = REPO_ROOT / "docs" / "lifecycle.md"
README = REPO_ROOT / "README.md"


def diagram_block() -> str:
    return "\n```mermaid\n" + lifecycle.mermaid() + "```\n"


def table_block() -> str:
    return "\n" + lifecycle.moves_table()


def guard_rules_block() -> str:
    """The cross-document rules by what the transition's guard does with them."""
    lines = {
        Partial.YES: "- run: ",
        Partial.NAMES: "- run on the file names that can concern the moved services: ",
        Partial.NO: "- left to `pmoctl validate`: ",
    }
    return "\n" + "".join(
        text + ", ".join(f"`{rule.id}`" for rule in checks() if rule.partial is how) + "\n"
        for how, text in lines.items()
    )


def test_doc_diagram_is_generated_from_the_declaration() -> None:
    check_block(DOC, "lifecycle-diagram", diagram_block())


def test_doc_table_is_generated_from_the_declaration() -> None:
    check_block(DOC, "lifecycle-moves", table_block())


def test_doc_guard_rules_are_generated_from_the_rules() -> None:
    check_block(DOC, "guard-rules", guard_rules_block())


def test_doc_who_decides_is_generated_from_the_declarations() -> None:
    check_block(DOC, "who-decides", "\n" + lifecycle.who_decides_table())


def test_every_decision_names_a_command_and_a_role() -> None:
    for spec in decisions.DECISIONS:
        assert spec.command.startswith("pmoctl ") and spec.decided_by
        assert f"| {spec.what} |" in lifecycle.who_decides_table()


def test_readme_diagram_when_the_markers_exist() -> None:
    if not README.exists() or "<!-- lifecycle-diagram:start -->" not in README.read_text("utf-8"):
        pytest.skip("README.md has no lifecycle-diagram markers yet")
    check_block(README, "lifecycle-diagram", diagram_block())


def test_every_move_is_in_the_diagram_and_the_table() -> None:
    diagram = lifecycle.mermaid()
    table = lifecycle.moves_table()
    for spec in lifecycle.MOVES:
        assert f"    {spec.source.value} --> {spec.target.value}:" in diagram
        assert f"| {spec.source.value} | {spec.target.value} |" in table


def test_a_changed_declaration_is_detected(tmp_path: Path) -> None:
    stale = tmp_path / "lifecycle.md"
    text = DOC.read_text(encoding="utf-8").replace("closed --> proposed", "closed --> design")
    stale.write_text(text, encoding="utf-8")
    with pytest.raises(AssertionError, match="stale"):
        check_block(stale, "lifecycle-diagram", diagram_block(), update=False)


def test_doc_escalation_levels_are_generated_from_the_declaration() -> None:
    check_block(DOC, "escalation-levels", "\n" + escalation.levels_table())
