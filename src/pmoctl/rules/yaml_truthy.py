"""YAML-TRUTHY: a plain value that YAML 1.1 tools read as a boolean.

The check runs while a file is loaded, on its text (:mod:`pmoctl.yaml.truthy`); this is
the rule's declaration.
"""

from __future__ import annotations

from pmoctl.findings import Severity
from pmoctl.rules import Rule

RULE = Rule(
    "YAML-TRUTHY",
    Severity.WARNING,
    "A plain value is a boolean for YAML 1.1 tools",
    "pmoctl reads catalogue files as YAML 1.2, where `no`, `off`, `y` and `on` are text. "
    "Older tools that read YAML 1.1 (PyYAML, some linters and CI steps) read them as "
    "false or true, so the same file means different things to different tools, the way "
    "`country: NO` famously became false. Quote the value if it is text, or write "
    "`true`/`false` if it is a yes/no answer.",
)
