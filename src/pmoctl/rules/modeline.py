"""SCHEMA-MODELINE: a file that does not name its JSON Schema for the editor.

The check runs while a file is loaded, on its text (:mod:`pmoctl.catalogue.modeline`);
this is the rule's declaration.
"""

from __future__ import annotations

from pmoctl.findings import Severity
from pmoctl.rules import Rule

RULE = Rule(
    "SCHEMA-MODELINE",
    Severity.WARNING,
    "A file does not name its JSON Schema for the editor",
    "Editors that use the YAML language server (VS Code's YAML extension, among others) "
    "check a file as it is typed against the JSON Schema named in its first line, "
    "`# yaml-language-server: $schema=PATH`, with PATH relative to the file. Without that "
    "line, or with another kind's schema, the editor completes and underlines nothing, or "
    "the wrong keys. The hint gives the exact line for the catalogue's own schemas/ folder "
    "(`pmoctl schema --out schemas` writes it; `pmoctl init` does too).",
)
