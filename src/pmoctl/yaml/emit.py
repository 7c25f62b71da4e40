"""Write new YAML scalars: one line each, reading back as exactly the value they were made from.

Used by :mod:`pmoctl.yaml.edit`, which lays them out in the file's own style. Scalars are
never folded onto a second line. They are plain only where that is unambiguous, also for
YAML 1.1 readers such as PyYAML and yamllint
(so ``yes``, ``1.10`` and ``2024-01-01`` strings are quoted); single-quoted where no escape
is needed; otherwise double-quoted with escapes for control characters, tabs, line breaks,
U+0085, U+2028/9 and the other characters :mod:`pmoctl.yaml.loader` refuses raw.
"""

from __future__ import annotations

import datetime as dt
import re

# Characters that must be written as escapes: what YAML cannot hold raw (C0/C1 controls,
# DEL, U+FFFE/F), line breaks (also NEL and U+2028/9, which some parsers take as breaks),
# tab (never written raw), and what pmoctl's loader refuses raw (bidi overrides, BOM).
_NEEDS_ESCAPE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff]"
)
_SHORT_ESCAPES = {
    "\x00": "\\0",
    "\x07": "\\a",
    "\x08": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\x0b": "\\v",
    "\x0c": "\\f",
    "\r": "\\r",
    "\x1b": "\\e",
    '"': '\\"',
    "\\": "\\\\",
    "\x85": "\\N",
    "\u2028": "\\L",
    "\u2029": "\\P",
}
# A plain scalar may not start with an indicator, and quoting any value that starts like a
# number, a date or a null keeps YAML 1.1 readers (PyYAML, yamllint) from retyping it.
_PLAIN_BAD_START = set("-?:,[]{}#&*!|>'\"%@`0123456789+.~ ")
_YAML11_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}
_FLOW_INDICATORS = re.compile(r"[,\[\]{}:#]")


class EmitError(ValueError):
    """A value cannot be written as a YAML scalar (its type, or text UTF-8 cannot hold)."""


def scalar(value: object, style: str = "", *, flow: bool = False) -> str:
    """`value` as a one-line YAML scalar that reads back as the same value and type.

    `style` is the quoting of the value being replaced ('', "'" or '"'); it is kept when
    the new value can be written that way. `flow`: the scalar goes inside `[...]`/`{...}`.
    """
    if isinstance(value, bool):  # never quoted: 'true' would read back as text
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        raise EmitError(f"cannot write a value of type {type(value).__name__}")
    if re.search("[\ud800-\udfff]", value):
        raise EmitError("the value contains an unpaired surrogate, which UTF-8 cannot hold")
    if _NEEDS_ESCAPE.search(value) or style == '"':
        return _double(value)
    if style == "" and _plain_ok(value) and not (flow and _FLOW_INDICATORS.search(value)):
        return value
    return "'" + value.replace("'", "''") + "'"


def _plain_ok(value: str) -> bool:
    return (
        value != ""
        and value == value.strip()
        and value[0] not in _PLAIN_BAD_START
        and ": " not in value
        and " #" not in value
        and not value.endswith(":")
        and value.lower() not in _YAML11_WORDS
    )


def _double(value: str) -> str:
    out = []
    for char in value:
        if char in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[char])
        elif _NEEDS_ESCAPE.match(char):
            code = ord(char)
            out.append(f"\\x{code:02X}" if code < 0x100 else f"\\u{code:04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'
