"""Write new YAML text: one-line scalars, and small mappings of them in block or flow style.

Used by :mod:`pmoctl.yaml.edit`, which splices this text into a service file in the file's
own style (the caller gives the indentation and dash offsets), so it must read back as
exactly the data it was made from. Scalars are never folded onto a second line. They are
plain only where that is unambiguous, also for YAML 1.1 readers such as PyYAML and yamllint
(so ``yes``, ``1.10`` and ``2024-01-01`` strings are quoted); single-quoted where no escape
is needed; otherwise double-quoted with escapes for control characters, tabs, line breaks,
U+0085, U+2028/9 and the other characters :mod:`pmoctl.yaml.loader` refuses raw.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

#: a mapping to write, as (key, value) pairs in order; a value is a scalar, a list of
#: scalars or a nested mapping (a dict, written in its own order)
Fields = Sequence[tuple[str, object]]

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


def block_item(fields: Fields, *, dash: int, item: int, step: int, dash_offset: int) -> list[str]:
    """The lines (without endings) of `fields` as one item of a block sequence.

    `dash`: the dash's column; `item`: from the dash to the first key (at least 2);
    `step`: the indentation of a nested mapping; `dash_offset`: of a list under its key.
    """
    item = max(item, 2)
    lines: list[str] = []
    for key, value in fields:
        lines.extend(_entry(key, value, dash + item, step, dash_offset))
    lines[0] = " " * dash + "-" + " " * (item - 1) + lines[0].lstrip(" ")
    return lines


def flow_mapping(fields: Fields) -> str:
    """`fields` as one flow mapping, `{from: a, to: b, ...}`, for inside a flow collection."""
    parts = []
    for key, value in fields:
        if isinstance(value, dict):
            parts.append(f"{key}: {flow_mapping(list(value.items()))}")
        elif isinstance(value, (list, tuple)):
            items = ", ".join(scalar(item, flow=True) for item in value)
            parts.append(f"{key}: [{items}]")
        else:
            parts.append(f"{key}: {scalar(value, flow=True)}")
    return "{" + ", ".join(parts) + "}"


def _entry(key: str, value: object, column: int, step: int, dash_offset: int) -> list[str]:
    pad = " " * column
    if isinstance(value, dict):
        lines = [f"{pad}{key}:"]
        for inner, inner_value in value.items():
            lines.extend(_entry(inner, inner_value, column + step, step, dash_offset))
        return lines
    if isinstance(value, (list, tuple)):
        if not value:
            return [f"{pad}{key}: []"]
        dashes = " " * (column + dash_offset) + "- "
        return [f"{pad}{key}:"] + [dashes + scalar(item) for item in value]
    return [f"{pad}{key}: {scalar(value)}"]


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
