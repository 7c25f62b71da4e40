"""Findings and messages as text: every character from the repository escaped.

Control characters and unpaired surrogates (bytes of a file name that are not UTF-8) are
written as escapes, so that nothing a catalogue holds can move the cursor, colour a
terminal or forge a line of output; JSON keeps every value exactly, with those characters
as ``\\u`` escapes. No I/O here: :mod:`.report` writes, :mod:`.formats` builds the
machine formats.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from pmoctl.findings import Finding, Severity

_CONTROL = {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))}
_CONTROL[0x09] = "\\t"
_CONTROL[0x0A] = "\\n"
_CONTROL[0x0D] = "\\r"
# a file name that is not UTF-8 arrives with its bytes as unpaired surrogates, which no
# strict UTF-8 stream can write
_CONTROL.update({code: f"\\u{code:04x}" for code in range(0xD800, 0xE000)})
# characters that reorder or hide text on a terminal or a page (bidirectional controls,
# line and paragraph separators): shown as escapes too
_CONTROL.update(
    {
        code: f"\\u{code:04x}"
        for code in (0x200E, 0x200F, 0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
    }
)
#: what JSON writes as an escape although it may hold it raw: C1 controls reach a terminal
#: as controls, and an unpaired surrogate cannot be written as UTF-8
_JSON_RAW = re.compile(r"[\x7f-\x9f\ud800-\udfff]")


def printable(text: str) -> str:
    """One line of text with every control character (and unpaired surrogate) escaped."""
    return text.translate(_CONTROL)


def json_text(data: Any) -> str:
    """``data`` as indented JSON that keeps every value exactly and is safe to print."""
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    # these characters can only be inside strings, where an escape means the same
    return _JSON_RAW.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def location(finding: Finding) -> str:
    """``path:line:column``, or the path alone for a finding about the whole file."""
    path = printable(finding.path)
    return f"{path}:{finding.line}:{finding.column}" if finding.line else path


def summary_line(findings: Sequence[Finding], files: int) -> str:
    errors = sum(1 for finding in findings if finding.severity is Severity.ERROR)
    warnings = len(findings) - errors
    checked = f"{files} file{'' if files == 1 else 's'} checked"
    if not findings:
        return f"{checked}: no problems"
    plural_e = "" if errors == 1 else "s"
    plural_w = "" if warnings == 1 else "s"
    return f"{checked}: {errors} error{plural_e}, {warnings} warning{plural_w}"


def text_line(finding: Finding) -> str:
    return (
        f"{location(finding)}: {finding.severity.value} [{finding.rule}] "
        f"{printable(finding.message)}"
    )
