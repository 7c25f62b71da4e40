"""CONFIG-RULE: pmoctl.yaml configures a rule that does not exist."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pmoctl.catalogue.files import CONFIG_FILE
from pmoctl.findings import Pending, Severity
from pmoctl.rules import Rule
from pmoctl.rules._common import finding, rule_hint

if TYPE_CHECKING:
    from pmoctl.catalogue.files import Catalogue


def _unknown_rules(catalogue: Catalogue) -> Iterator[Pending]:
    if catalogue.config is None:
        return
    from pmoctl.rules import all_rules

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


RULES = [
    Rule(
        "CONFIG-RULE",
        Severity.WARNING,
        "pmoctl.yaml configures a rule that does not exist",
        "The `rules:` mapping of pmoctl.yaml changes the severity of rules by id or switches "
        "them off. An id that matches no rule does nothing, usually because of a typo, so the "
        "rule you meant still reports at its default severity. `pmoctl rules` lists the ids.",
        _unknown_rules,
    )
]
