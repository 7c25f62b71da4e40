"""The schema line of a catalogue file, which the editor reads (the SCHEMA-MODELINE check).

The YAML language server (VS Code's YAML extension and others) finds a file's schema in
a comment, ``# yaml-language-server: $schema=PATH``. Without it, or with another kind's
schema, the editor offers no completion and underlines nothing, or the wrong things.
The check reads only the file's text, while the file is loaded, like YAML-TRUTHY.
"""

from __future__ import annotations

import posixpath
import re

from pmoctl.findings import Finding, Severity

PREFIX = "# yaml-language-server: $schema="
_MODELINE = re.compile(r"^\ufeff?#[ \t]*yaml-language-server:[ \t]*\$schema=(\S*)", re.MULTILINE)


def modeline(rel: str, kind: str) -> str:
    """The line that names the schema of ``kind`` in ``schemas/`` at the catalogue root."""
    folder = posixpath.dirname(rel)
    target = posixpath.relpath(f"schemas/{kind}.schema.json", folder or ".")
    return PREFIX + target


def modeline_findings(rel: str, kind: str, text: str) -> list[Finding]:
    """A warning when ``text`` has no modeline, or one naming another kind's schema."""
    wanted = f"{kind}.schema.json"
    match = _MODELINE.search(text)
    hint = f"put this line first: {modeline(rel, kind)}"
    if match is None:
        message = "no schema line for the editor: it cannot check this file as you type"
        return [Finding(rel, 1, 1, Severity.WARNING, "SCHEMA-MODELINE", message, hint)]
    target = match.group(1)
    # the file the address names: without its query and fragment, then its last part
    address = target.split("#", 1)[0].split("?", 1)[0]
    name = address.rstrip("/").rsplit("/", 1)[-1]
    if name == wanted:
        return []
    line = text.count("\n", 0, match.start()) + 1
    shown = repr(name or target)
    message = f"the editor's schema line names {shown}, but this file is a {kind} ({wanted})"
    return [Finding(rel, line, 1, Severity.WARNING, "SCHEMA-MODELINE", message, hint)]
