"""Rules about pmoctl.yaml's own settings.

CONFIG-RULE: a rule that does not exist; CONFIG-TEMPLATES: a templates folder that is not
a folder in the catalogue.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from pmoctl.catalogue.files import CONFIG_FILE
from pmoctl.findings import Pending, Severity
from pmoctl.rules import Partial, Rule, all_rules
from pmoctl.rules._common import finding, rule_hint

if TYPE_CHECKING:
    from pmoctl.catalogue.files import Catalogue


def _unknown_rules(catalogue: Catalogue) -> Iterator[Pending]:
    if catalogue.config is None:
        return

    known = all_rules()
    for rule_id in catalogue.config.rules:
        if rule_id not in known:
            yield finding(
                CONFIG_FILE,
                ("rules", rule_id),
                "CONFIG-RULE",
                f"pmoctl.yaml configures unknown rule {rule_id!r}",
                rule_hint(rule_id, known),
                at_key=True,
            )


def templates_folder_problem(root: Path, name: str) -> str:
    """Why ``render.templates: name`` cannot be used ("" when it can). `pmoctl render`
    refuses the same folders, so validate reports what render would refuse."""
    named = root / name
    resolved = named.resolve()  # "..", or a link out of the catalogue, lands outside
    if not resolved.is_relative_to(root.resolve()) or named.is_symlink():
        return "is outside the catalogue"
    if not resolved.is_dir():
        return "does not exist" if not named.exists() else "is not a folder"
    return ""


def _templates_folder(catalogue: Catalogue) -> Iterator[Pending]:
    if catalogue.config is None or not catalogue.config.render.templates:
        return
    name = catalogue.config.render.templates
    problem = templates_folder_problem(catalogue.root, name)
    if problem:
        yield finding(
            CONFIG_FILE,
            ("render", "templates"),
            "CONFIG-TEMPLATES",
            f"render.templates: the folder {name!r} {problem}",
            (
                "move the templates into a folder of the catalogue and name it relative to "
                "pmoctl.yaml"
                if problem.endswith("outside the catalogue")
                else "create the folder, or name another one"
            )
            + ", or remove the setting to use the built-in templates",
        )


RULES = [
    Rule(
        "CONFIG-RULE",
        Severity.WARNING,
        "pmoctl.yaml configures a rule that does not exist",
        "The `rules:` mapping of pmoctl.yaml changes the severity of rules by id or switches "
        "them off. An id that matches no rule does nothing, usually because of a typo, so the "
        "rule you meant still reports at its default severity. `pmoctl rules` lists the ids.",
        _unknown_rules,
        # reads pmoctl.yaml only, which the guard loads
        partial=Partial.YES,
    ),
    Rule(
        "CONFIG-TEMPLATES",
        Severity.ERROR,
        "pmoctl.yaml names a templates folder that is not in the catalogue",
        "`render.templates` names the folder whose templates override the built-in ones of "
        "`pmoctl render`. It must be a folder inside the catalogue, relative to pmoctl.yaml: "
        "catalogue templates are reviewed with the catalogue, and a folder reached through "
        "`..` or a symbolic link is not. `pmoctl render` refuses to run with such a setting.",
        _templates_folder,
        # pmoctl.yaml and the folder it names, both known to the guard
        partial=Partial.YES,
    ),
]
