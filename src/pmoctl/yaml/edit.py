"""Edit a catalogue file by changing only the lines that must change, and prove it.

Every command that writes a catalogue file (a lifecycle move, an appointment, a change
request, a KPI reading, a service review) describes its edit as a few :class:`Set` and
:class:`Append` changes at document paths and calls :func:`apply`. A full YAML round-trip
(load, change, dump) cannot make such an edit without loss: even a tuned ruamel.yaml dump
drops comments before ``---`` and inside ``[...]``/``{...}``, rewrites ``~``, ``True`` and
``+5``, folds long lines, mixes CRLF endings and corrupts U+0085. So this module never dumps
the file. It composes it (libyaml, the same parser as :mod:`pmoctl.yaml.loader`), plans
every change against the old text, finds the exact character span of each node a change
needs, and then only splices:

* :class:`Set` on an existing value puts the new one at the span of the old one, in the old
  one's quoting style, so a trailing comment and everything else on the line stays put; the
  old value must be a one-line scalar;
* :class:`Set` on a missing key, and :class:`Append` to a missing list, add ``key: value``
  lines (creating missing parent mappings) right after the last line of the mapping, after
  comment lines indented inside it, and :class:`Append` to a block list inserts the item
  after the list's last line (and its comment lines), in the indentation, dash offset and
  line ending the file already uses. An empty value (``key:``, ``~``, ``null``, and a
  one-line ``[]``/``{}`` in a block mapping) becomes a block list or mapping; only its own
  line changes;
* in flow style (``{...}``/``[...]``) the new key or item is added inside the brackets, so
  only the line with the closing bracket (or the last value) changes.

Several changes in one call may touch different places of the file; two changes whose
paths overlap (one is the other or inside it) are refused. The new text comes from
:mod:`pmoctl.yaml.emit` (one-line scalars, never folded, quoted wherever a YAML 1.1 or 1.2
reader could retype them); lines and comments are read with :mod:`pmoctl.yaml.text`.
:func:`apply_move` records a lifecycle move with it: ``lifecycle.stage`` set, the move
appended to ``lifecycle.moves``.

Before returning, the result is verified, and :class:`EditError` is raised instead of
returning anything if any check fails: (a) :func:`pmoctl.yaml.loader.parse` of the new text
gives the old data with exactly the changes made (types compared strictly, key order
included; a new key comes last in its mapping); (b) the multiset of comments is unchanged;
(c) no line changed but the lines the plan edits within and the lines it inserts, byte for
byte and line ending included. :func:`verify` runs the same checks on a file read back
after writing.

A UTF-8 BOM, CRLF or LF endings and a missing final newline are preserved.
"""

from __future__ import annotations

import bisect
import copy
import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from pmoctl.findings import DocPath
from pmoctl.yaml.emit import EmitError, scalar
from pmoctl.yaml.loader import LoadError, compose, decode, parse
from pmoctl.yaml.text import (
    BOM,
    LINE_BREAK,
    block_end_line,
    changed_lines,
    comments,
    comments_in,
    ending_of,
    item_offset,
    last_leaf,
    line_ending,
    line_starts,
    sequence_style,
    split_lines,
    walk,
)

__all__ = [
    "MOVE_KEYS",
    "REVIEW_KEYS",
    "Append",
    "DocPath",
    "EditError",
    "Set",
    "apply",
    "apply_move",
    "changed_lines",
    "comments",
    "scalar",
    "split_lines",
    "verify",
    "verify_move",
]

MOVE_KEYS = (
    "from",
    "to",
    "date",
    "approved_by",
    "reason",
    "superseded_by",
    "note",
    "closes",
    "capacity_waived",
    "communication",
    "rollout",
    "readiness",
    "success_criteria_met",
    "waived_criteria",
    "artefact_review",
    "signature",
)
REVIEW_KEYS = ("reviewed_by", "kept", "discarded", "artefacts")
READINESS_KEYS = ("governance", "resources", "training", "communication")
#: the move's nested mappings and their keys, in the order they are written
_NESTED_KEYS = {"artefact_review": REVIEW_KEYS, "readiness": READINESS_KEYS}

_NULL_SPELLINGS = {"", "~", "null", "Null", "NULL"}


class EditError(Exception):
    """The file cannot be edited without losing or changing something; nothing was written.

    The message says what would be lost or changed, or why the file's shape is refused.
    """


@dataclass(frozen=True)
class Set:
    """Set the scalar at `path` (str, int, float, bool, date or a StrEnum member).

    The last element of `path` is a key in a mapping. A missing key is added as a new
    ``key: value`` line at the end of its mapping, and missing parent mappings are created
    too; an existing value must be a one-line scalar.
    """

    path: DocPath
    value: object


@dataclass(frozen=True)
class Append:
    """Append one item to the list at `path`, created if the key is missing or empty.

    The item is a scalar, or a mapping (key order kept) whose values are scalars, lists of
    scalars or mappings, or nested mappings; None values are left out.
    """

    path: DocPath
    item: object


Change = Set | Append


def apply(text: str, changes: Sequence[Set | Append]) -> str:
    """Return the new file text: `changes` made in the file's own style (indentation,
    sequence-dash offset, line endings, quoting where needed). Verified before returning;
    raises EditError if verification fails or the file's shape cannot be edited safely."""
    return _apply(text, changes)


def verify(old: str, new: str, changes: Sequence[Set | Append]) -> None:
    """Raise EditError unless `new` is `old` with exactly `changes` made: the intended data,
    the same comments, and no line changed but the ones the edit plans. Use it to check a
    file read back after writing."""
    _verify_text(old, new, changes)


def apply_move(text: str, *, stage: str, move: dict[str, object]) -> str:
    """Return the new file text: lifecycle.stage set to `stage`, `move` appended to
    lifecycle.moves (created if absent), its keys in MOVE_KEYS order. Verified before
    returning; raises EditError if verification fails or the file's shape cannot be
    edited safely (also when the file has no `lifecycle:` mapping with a `stage:`)."""
    return _apply(text, _move_changes(stage, move), _check_lifecycle)


def verify_move(old: str, new: str, *, stage: str, move: dict[str, object]) -> None:
    """:func:`verify` for the edit :func:`apply_move` makes."""
    _verify_text(old, new, _move_changes(stage, move), _check_lifecycle)


def _apply(
    text: str, changes: Sequence[Change], check: Callable[[MappingNode], None] | None = None
) -> str:
    bom, body, old_data, plan = _prepare(text, changes, check)
    new_body = plan.render()
    _verify(body, new_body, plan, old_data, changes)
    return bom + new_body


def _verify_text(
    old: str,
    new: str,
    changes: Sequence[Change],
    check: Callable[[MappingNode], None] | None = None,
) -> None:
    bom, body, old_data, plan = _prepare(old, changes, check)
    if not new.startswith(bom) or new.startswith(BOM) != bool(bom):
        raise EditError("the byte order mark was added or removed")
    _verify(body, new[len(bom) :], plan, old_data, changes)


def _prepare(
    text: str, changes: Sequence[Change], check: Callable[[MappingNode], None] | None
) -> tuple[str, str, dict[str, Any], _Plan]:
    bom = BOM if text.startswith(BOM) else ""
    body = text[len(bom) :]
    try:
        old_data = parse(body)
        root = compose(body)
    except LoadError as error:
        raise EditError(f"line {error.line}: {error.message}; fix the file first") from None
    assert isinstance(root, MappingNode)  # parse() refused everything else
    if check is not None:
        check(root)
    _refuse_overlaps(changes)
    try:
        plan = _Planner(body, root).plan(changes)
    except EmitError as error:
        raise EditError(str(error)) from None
    return bom, body, old_data, plan


def _refuse_overlaps(changes: Sequence[Change]) -> None:
    for change in changes:
        if not isinstance(change, (Set, Append)):
            raise EditError(f"not a change: {change!r}")
        _check_path(change.path)
    for number, first in enumerate(changes):
        for second in changes[number + 1 :]:
            shorter, longer = sorted((first.path, second.path), key=len)
            if longer[: len(shorter)] == shorter:
                raise EditError(
                    f"two changes overlap at `{_shown(shorter)}`"
                    + ("" if shorter == longer else f" and `{_shown(longer)}`")
                    + "; make them one change, or two edits"
                )


def _check_path(path: DocPath) -> None:
    if not isinstance(path, tuple) or not path:
        raise EditError(f"a change needs a non-empty path (a tuple), not {path!r}")
    for step in path:
        if isinstance(step, bool) or not isinstance(step, (str, int)):
            raise EditError(f"`{_shown(path)}`: a path holds keys and list indices, not {step!r}")
        if isinstance(step, int) and step < 0:
            raise EditError(f"`{_shown(path)}`: a list index cannot be negative")
    if not isinstance(path[-1], str):
        raise EditError(f"`{_shown(path)}`: the path must end in a key")


def _shown(path: DocPath) -> str:
    """`a.b[2].c`, as a path reads in messages."""
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


# --- the values to write -----------------------------------------------------------------


def _plain(value: object, where: str) -> object:
    """A plain copy of `value` as it is written and read back: str/int/float/bool/date,
    lists and dicts of them; a StrEnum member becomes its text, a tuple a list, and dict
    entries whose value is None are left out. EditError for anything that cannot be
    written."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise EditError(f"`{where}`: infinity and NaN cannot be written")
        return float(value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, dt.datetime):
        raise EditError(f"`{where}`: a date and time cannot be written; give a date")
    if isinstance(value, dt.date):
        return dt.date(value.year, value.month, value.day)
    if isinstance(value, (list, tuple)):
        items = []
        for number, item in enumerate(value):
            if isinstance(item, (list, tuple)):
                raise EditError(f"`{where}[{number}]`: a list inside a list cannot be written")
            items.append(_plain(item, f"{where}[{number}]"))
        return items
    if isinstance(value, dict):
        out: dict[str, object] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise EditError(f"`{where}`: the key {key!r} is not text")
            if item is not None:
                out[str.__str__(key)] = _plain(item, f"{where}.{key}")
        return out
    if value is None:
        raise EditError(f"`{where}`: there is no value (None) to write")
    raise EditError(f"`{where}`: cannot write a value of type {type(value).__name__}")


def _new_value(change: Change) -> object:
    """What the change writes at its path: the scalar, or the list with the one item."""
    where = _shown(change.path)
    if isinstance(change, Set):
        value = _plain(change.value, where)
        if isinstance(value, (list, dict)):
            raise EditError(f"`{where}`: Set writes one scalar; append list items one by one")
        return value
    item = _plain(change.item, f"{where}[]")
    if isinstance(item, list):
        raise EditError(f"`{where}`: a list inside a list cannot be written")
    return item


def _scalar(value: object, style: str = "", *, flow: bool = False) -> str:
    """:func:`~pmoctl.yaml.emit.scalar`, also for numbers (plain: they read back as such)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return scalar(value, style, flow=flow)


def _flow(value: object) -> str:
    if isinstance(value, dict):
        inner = ", ".join(f"{_scalar(k, flow=True)}: {_flow(v)}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(item) for item in value) + "]"
    return _scalar(value, flow=True)


@dataclass(frozen=True)
class _Layout:
    """How the file indents: a nested mapping (`step`), a list under its key
    (`dash_offset`), and a mapping item's first key after its dash (`item`, at least 2)."""

    step: int
    dash_offset: int
    item: int


def _entry_lines(key: str, value: object, column: int, layout: _Layout) -> list[str]:
    head = " " * column + _scalar(key) + ":"
    if isinstance(value, dict):
        if not value:
            return [head + " {}"]
        lines = [head]
        for inner, inner_value in value.items():
            lines.extend(_entry_lines(inner, inner_value, column + layout.step, layout))
        return lines
    if isinstance(value, list):
        if not value:
            return [head + " []"]
        lines = [head]
        for item in value:
            lines.extend(_item_lines(item, column + layout.dash_offset, layout))
        return lines
    return [head + " " + _scalar(value)]


def _item_lines(item: object, dash: int, layout: _Layout) -> list[str]:
    if isinstance(item, dict):
        if not item:
            return [" " * dash + "- {}"]
        lines: list[str] = []
        for key, value in item.items():
            lines.extend(_entry_lines(key, value, dash + layout.item, layout))
        lines[0] = " " * dash + "-" + " " * (layout.item - 1) + lines[0].lstrip(" ")
        return lines
    return [" " * dash + "- " + _scalar(item)]


# --- planning the edit -------------------------------------------------------------------


@dataclass
class _Plan:
    """Edits within lines (spans of the old text; no line break is added or removed) and
    whole lines inserted after old lines (0-based)."""

    text: str
    edits: list[tuple[int, int, int, str]]  # start, end, order at one place, new text
    inserted: dict[int, list[str]]
    terminate_last: str  # line ending added to an unterminated last line before inserting
    old_comments: Counter[str]

    def render(self) -> str:
        out, position = [], 0
        for start, end, _, new in sorted(self.edits):
            if start < position:
                raise EditError("two changes would edit the same place; not writing")
            out += [self.text[position:start], new]
            position = end
        out.append(self.text[position:])
        lines = split_lines("".join(out))
        for after in sorted(self.inserted, reverse=True):
            if after == len(lines) - 1:
                lines[after] += self.terminate_last
            lines[after + 1 : after + 1] = self.inserted[after]
        return "".join(lines)

    def replaced(self) -> set[int]:
        """0-based numbers of the old lines that the edits touch."""
        starts = line_starts(split_lines(self.text))
        return {bisect.bisect_right(starts, start) - 1 for start, _, _, _ in self.edits}


@dataclass
class _Place:
    """A node found by following a path from the root."""

    node: Node
    path: DocPath
    key: Node | None  # the mapping key whose value the node is
    parent: Node | None
    in_flow: bool  # the node's text is inside a flow collection (its parent's or higher)


@dataclass
class _Target:
    """Everything the changes add to one node: new entries of a mapping (merged, in the
    order of the changes) or the item appended to a list."""

    place: _Place
    entries: dict[str, object] = field(default_factory=dict)
    items: list[object] = field(default_factory=list)


class _Planner:
    def __init__(self, text: str, root: MappingNode) -> None:
        self.text = text
        self.root = root
        self.lines = split_lines(text)
        self.edits: list[tuple[int, int, int, str]] = []
        self.inserts: list[tuple[int, int, list[str]]] = []  # after line, order, lines
        self._file_step: int | None = None

    def plan(self, changes: Sequence[Change]) -> _Plan:
        targets: dict[int, _Target] = {}
        for change in changes:
            value = _new_value(change)
            place, used = self._follow(change.path)
            rest = change.path[used:]
            if not rest and isinstance(change, Set):
                self._set_scalar(place, value)
                continue
            if any(not isinstance(step, str) for step in rest):
                missing = _shown(change.path[: used + 1])
                raise EditError(f"`{missing}` does not exist, so it has no items to address")
            if not rest and isinstance(change, Append):
                if not (isinstance(place.node, SequenceNode) or _is_null(place.node)):
                    raise EditError(
                        f"line {_line(place.node)}: `{_shown(change.path)}` is not a list"
                    )
                target = targets.setdefault(id(place.node), _Target(place))
                target.items.append(value)
                continue
            if not (isinstance(place.node, MappingNode) or _is_null(place.node)):
                raise EditError(
                    f"line {_line(place.node)}: `{_shown(place.path)}` is not a mapping"
                )
            target = targets.setdefault(id(place.node), _Target(place))
            leaf: object = value if isinstance(change, Set) else [value]
            _merge(target.entries, [str(step) for step in rest], leaf)
        for target in targets.values():
            self._add(target)
        return self._finish()

    def _follow(self, path: DocPath) -> tuple[_Place, int]:
        """The deepest node along `path` that exists, and how many steps reached it."""
        node: Node = self.root
        place = _Place(node, (), None, None, in_flow=False)
        for used, step in enumerate(path):
            shown = _shown(path[:used]) or "the document"
            if isinstance(step, int):
                if not isinstance(node, SequenceNode):
                    raise EditError(
                        f"line {_line(node)}: `{shown}` is not a list, so it has no item {step}"
                    )
                if step >= len(node.value):
                    raise EditError(f"line {_line(node)}: `{shown}` has no item {step}")
                key, child = None, node.value[step]
            else:
                if isinstance(node, SequenceNode):
                    raise EditError(
                        f"line {_line(node)}: `{shown}` is a list; its items are numbered"
                    )
                if isinstance(node, ScalarNode):
                    if _is_null(node):
                        return place, used
                    raise EditError(
                        f"line {_line(node)}: `{shown}` is a value, not a mapping with `{step}`"
                    )
                assert isinstance(node, MappingNode)
                found = _find(node, step)
                if found is None:
                    return place, used
                key, child = found
            inside = place.in_flow or _flow_node(node)
            place = _Place(child, path[: used + 1], key, node, inside)
            node = child
        return place, len(path)

    # --- the kinds of edit

    def _set_scalar(self, place: _Place, value: object) -> None:
        node, shown = place.node, _shown(place.path)
        if isinstance(node, (MappingNode, SequenceNode)):
            kind = "mapping" if isinstance(node, MappingNode) else "list"
            raise EditError(f"line {_line(node)}: `{shown}` is a {kind}, not a one-line value")
        if not isinstance(node, ScalarNode) or node.style not in ("", "'", '"'):
            raise EditError(f"line {_line(node)}: `{shown}` is not a one-line value")
        if node.start_mark.line != node.end_mark.line:
            raise EditError(f"line {_line(node)}: `{shown}` spans several lines")
        start, end = node.start_mark.index, node.end_mark.index
        new = _scalar(value, node.style, flow=place.in_flow)
        if start == end:  # `key:` with no value: keep a blank between colon and value
            new = " " + new
        self._edit(start, end, place, new)

    def _add(self, target: _Target) -> None:
        place, node = target.place, target.place.node
        content: object = target.items if target.items else target.entries
        if _is_null(node) or self._converts(place):
            if place.in_flow:
                self._flow_fill(place, content)
            else:
                self._block_fill(place, content)
        elif _flow_node(node):
            self._flow_add(place, content)
        elif isinstance(node, MappingNode):
            self._block_entries(place, target.entries)
        else:
            self._block_items(place, target.items)

    def _converts(self, place: _Place) -> bool:
        """A one-line `[]`/`{}` value of a key in a block mapping becomes a block list."""
        node = place.node
        return (
            isinstance(node, (MappingNode, SequenceNode))
            and bool(node.flow_style)
            and not node.value
            and node.start_mark.line == node.end_mark.line
            and place.key is not None
            and not place.in_flow
        )

    def _flow_fill(self, place: _Place, content: object) -> None:
        node = place.node
        start, end = node.start_mark.index, node.end_mark.index
        gap = "" if start == 0 or self.text[start - 1] in " \t\r\n" else " "
        self._edit(start, end, place, gap + _flow(content))

    def _flow_add(self, place: _Place, content: object) -> None:
        node = place.node
        assert isinstance(node, (MappingNode, SequenceNode))
        if isinstance(content, dict):
            new = ", ".join(f"{_scalar(k, flow=True)}: {_flow(v)}" for k, v in content.items())
        else:
            assert isinstance(content, list)
            new = ", ".join(_flow(item) for item in content)
        if node.value:
            last = node.value[-1]
            end = (last[1] if isinstance(last, tuple) else last).end_mark.index
            self._edit(end, end, place, ", " + new)
        else:  # right after the `[` / `{`
            self._edit(node.start_mark.index + 1, node.start_mark.index + 1, place, new)

    def _block_fill(self, place: _Place, content: object) -> None:
        node, key = place.node, place.key
        if key is None:
            raise EditError(f"line {_line(node)}: an empty list item cannot be filled")
        if node.end_mark.index > node.start_mark.index:  # drop `[]` / `~` from the line
            if node.start_mark.line != key.start_mark.line or (
                node.end_mark.line != node.start_mark.line
            ):
                raise EditError(
                    f"line {_line(node)}: the empty value of `{_shown(place.path)}` is not "
                    "on its key's line"
                )
            self._cut(node, place)
        parent = place.parent
        assert isinstance(parent, MappingNode)
        layout = self._layout(parent)
        column = key.start_mark.column
        if isinstance(content, dict):
            lines: list[str] = []
            for name, value in content.items():
                lines += _entry_lines(name, value, column + layout.step, layout)
        else:
            assert isinstance(content, list)
            lines = []
            for item in content:
                lines += _item_lines(item, column + layout.dash_offset, layout)
        self._insert(_line0(key), node, place, lines)

    def _block_entries(self, place: _Place, entries: dict[str, object]) -> None:
        mapping = place.node
        assert isinstance(mapping, MappingNode)
        layout = self._layout(mapping)
        column = mapping.start_mark.column
        leaf = last_leaf(mapping)
        after = block_end_line(self.lines, leaf, column)
        lines: list[str] = []
        for name, value in entries.items():
            lines += _entry_lines(name, value, column, layout)
        self._insert(after, leaf, place, lines)

    def _block_items(self, place: _Place, items: list[object]) -> None:
        sequence = place.node
        assert isinstance(sequence, SequenceNode)
        parent = place.parent if isinstance(place.parent, MappingNode) else None
        layout = self._layout(parent)
        offset = item_offset(sequence)  # the list's own items, where it has mapping items
        if offset:
            layout = _Layout(layout.step, layout.dash_offset, max(offset, 2))
        dash = sequence.start_mark.column
        inner = dash if place.key is None else max(dash, place.key.start_mark.column + 1)
        leaf = last_leaf(sequence)
        after = block_end_line(self.lines, leaf, inner)
        # a list written as one `- {...}` line per item gets its new items in the same style
        last = sequence.value[-1] if sequence.value else None
        one_line = (
            isinstance(last, MappingNode)
            and bool(last.flow_style)
            and last.start_mark.line == last.end_mark.line
        )
        lines: list[str] = []
        for item in items:
            if one_line and isinstance(item, dict):
                lines.append(" " * dash + "- " + _flow(item))
            else:
                lines += _item_lines(item, dash, layout)
        self._insert(after, leaf, place, lines)

    def _cut(self, node: Node, place: _Place) -> None:
        """Remove an empty value (`[]`, `~`) and the blanks before it from its line."""
        start, end = node.start_mark.index, node.end_mark.index
        while self.text[start - 1] == " ":
            start -= 1
        blanks = re.match(r" *(?=\r|\n|\Z)", self.text[end:])
        if blanks:  # nothing follows on the line: drop trailing blanks, else keep the gap
            end += blanks.end()
        self._edit(start, end, place, "")

    def _edit(self, start: int, end: int, place: _Place, new: str) -> None:
        assert not LINE_BREAK.search(new)
        self.edits.append((start, end, -len(place.path), new))

    def _insert(self, after: int, leaf: Node, place: _Place, lines: list[str]) -> None:
        if not self.lines[after].endswith(("\n", "\r")) and _keeps_final_break(self.text, leaf):
            raise EditError(
                f"line {_line(leaf)}: the file ends inside a `|`/`>` text without a final "
                "newline, so a line break after it would become part of that text; add a "
                "newline at the end of the file and run again"
            )
        self.inserts.append((after, -len(place.path), lines))

    def _finish(self) -> _Plan:
        inserted: dict[int, list[str]] = {}
        terminate = ""
        for after, _, lines in sorted(self.inserts, key=lambda insert: insert[:2]):
            inserted.setdefault(after, []).extend(lines)
        for after, lines in inserted.items():
            ending = line_ending(self.lines, after)
            if not self.lines[after].endswith(("\n", "\r")):  # keep a missing final newline
                terminate = ending
                inserted[after] = [line + ending for line in lines[:-1]] + [lines[-1]]
            else:
                inserted[after] = [line + ending for line in lines]
        return _Plan(self.text, self.edits, inserted, terminate, comments_in(self.text, self.root))

    # --- the file's layout

    def _layout(self, mapping: MappingNode | None) -> _Layout:
        """The layout for new lines in or under `mapping`: its own indentation step when it
        sits under its key, else the file's usual one."""
        step = self._step_of(mapping) or self._usual_step()
        dash_offset, item = sequence_style(self.root, default_dash=step)
        return _Layout(step, dash_offset, max(item, 2))

    def _step_of(self, mapping: MappingNode | None) -> int:
        if mapping is None or mapping.flow_style:
            return 0
        for key, value in walk(self.root):
            if value is mapping and key is not None:
                if value.start_mark.line > key.start_mark.line:
                    return max(int(value.start_mark.column - key.start_mark.column), 1)
                return 0
        return 0

    def _usual_step(self) -> int:
        if self._file_step is None:
            steps: Counter[int] = Counter()
            for key, value in walk(self.root):
                if (
                    key is not None
                    and isinstance(value, MappingNode)
                    and not value.flow_style
                    and value.start_mark.line > key.start_mark.line
                    and value.start_mark.column > key.start_mark.column
                ):
                    steps[int(value.start_mark.column - key.start_mark.column)] += 1
            self._file_step = steps.most_common(1)[0][0] if steps else 2
        return self._file_step


def _merge(entries: dict[str, object], keys: list[str], leaf: object) -> None:
    """Put `leaf` at `keys` in nested new entries (overlapping paths were refused)."""
    for key in keys[:-1]:
        inner = entries.setdefault(key, {})
        assert isinstance(inner, dict)
        entries = inner
    entries[keys[-1]] = leaf


def _find(mapping: MappingNode, key: str) -> tuple[Node, Node] | None:
    for key_node, value_node in mapping.value:
        if isinstance(key_node, ScalarNode) and key_node.value == key:
            return key_node, value_node
    return None


def _flow_node(node: Node) -> bool:
    return isinstance(node, (MappingNode, SequenceNode)) and bool(node.flow_style)


def _keeps_final_break(text: str, node: Node) -> bool:
    """True for a block scalar at the very end of the text whose value would gain the line
    break added after it."""
    if node.end_mark.index != len(text):
        return False
    if not isinstance(node, ScalarNode) or node.style not in ("|", ">"):
        return False
    header = LINE_BREAK.split(text[node.start_mark.index :], maxsplit=1)[0]
    return "-" not in header.split("#")[0]


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.style == "" and node.value in _NULL_SPELLINGS


def _line0(node: Node) -> int:
    return int(node.start_mark.line)


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


# --- the move as data --------------------------------------------------------------------


def _move_changes(stage: str, move: dict[str, object]) -> list[Change]:
    fields = _move_fields(move)
    return [
        Set(("lifecycle", "stage"), str.__str__(stage)),
        Append(("lifecycle", "moves"), dict(fields)),
    ]


def _check_lifecycle(root: MappingNode) -> None:
    """A move is recorded only in a file that has `lifecycle:` with a `stage:`."""
    found = _find(root, "lifecycle")
    if found is None:
        raise EditError("the file has no `lifecycle:` mapping")
    lifecycle = found[1]
    if not isinstance(lifecycle, MappingNode):
        raise EditError(f"line {_line(lifecycle)}: `lifecycle:` is not a mapping")
    if _find(lifecycle, "stage") is None:
        raise EditError("`lifecycle:` has no `stage:`")


def _move_fields(move: dict[str, object]) -> list[tuple[str, object]]:
    unknown = sorted(set(move) - set(MOVE_KEYS))
    if unknown:
        raise EditError(f"unknown move keys: {', '.join(unknown)}")
    for required in ("from", "to", "date", "approved_by"):
        if move.get(required) is None:
            raise EditError(f"the move has no `{required}`")
    return [(key, _plain_data(move[key], key)) for key in MOVE_KEYS if move.get(key) is not None]


def _plain_data(value: object, key: str | None = None) -> object:
    """Plain str/list/dict copies, as written and read back: a StrEnum member becomes its
    text, and the move's nested mappings (`key`: `artefact_review`, `readiness`) are checked
    and put in the order of their keys (_NESTED_KEYS) without empty entries. A move holds
    text, dates and flags only."""
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise EditError(f"cannot write a value of type {type(value).__name__} in a move")
    if isinstance(value, (list, tuple)):
        return [_plain_data(item) for item in value]
    if isinstance(value, dict):
        if key is None:  # inside a list: copied, and refused when written
            return {k: _plain_data(item) for k, item in value.items()}
        keys = _NESTED_KEYS.get(key, ())
        unknown = sorted(map(str, set(value) - set(keys)))
        if unknown:
            raise EditError(f"unknown {key} keys: {', '.join(unknown)}")
        if all(value.get(k) is None for k in keys):
            raise EditError(f"`{key}` is empty")
        return {k: _plain_data(value[k], k) for k in keys if value.get(k) is not None}
    return value


# --- verification ------------------------------------------------------------------------


def _verify(
    old: str, new: str, plan: _Plan, old_data: dict[str, Any], changes: Sequence[Change]
) -> None:
    try:
        decode(new.encode("utf-8"))
        new_data = parse(new)
    except (LoadError, UnicodeEncodeError) as error:
        raise EditError(f"the edited file would not load ({error}); not writing") from None
    if not _same(new_data, _expected(old_data, changes)):
        raise EditError("the edited file would not read back as the intended data; not writing")
    new_comments = comments(new)
    lost, added = plan.old_comments - new_comments, new_comments - plan.old_comments
    if lost or added:
        what = next(iter(lost or added))
        verb = "drop" if lost else "add"
        raise EditError(f"the edit would {verb} the comment {what!r}; not writing")
    _check_lines(old, new, plan)


def _expected(old_data: dict[str, Any], changes: Sequence[Change]) -> dict[str, Any]:
    """The old data with the changes made: what the new text must read back as."""
    data = copy.deepcopy(old_data)
    for change in changes:
        here: Any = data
        for step in change.path[:-1]:  # the plan checked that the path can be followed
            if (here.get(step) if isinstance(here, dict) else here[step]) is None:
                here[step] = {}  # a missing or empty mapping is created or filled
            here = here[step]
        last = change.path[-1]
        if isinstance(change, Set):
            here[last] = _new_value(change)
        else:
            if here.get(last) is None:
                here[last] = []
            here[last].append(_new_value(change))
    return data


def _check_lines(old: str, new: str, plan: _Plan) -> None:
    """Every line but the planned ones is byte-identical, line ending included."""
    old_lines, new_lines = split_lines(old), split_lines(new)
    added = sum(len(lines) for lines in plan.inserted.values())
    if len(new_lines) != len(old_lines) + added:
        raise EditError("the edit would add or remove lines other than the planned ones")
    replaced, shift, last = plan.replaced(), 0, len(old_lines) - 1
    for number, old_line in enumerate(old_lines):
        now = new_lines[number + shift]
        inserted = plan.inserted.get(number, [])
        was = old_line + (plan.terminate_last if inserted and number == last else "")
        # an unterminated last line gains an ending; replaced lines keep theirs
        same = ending_of(now) == ending_of(was) if number in replaced else now == was
        if not same:
            raise EditError(
                f"the edit would change line {number + 1}, which is not one the edit "
                "plans to change; not writing"
            )
        start = number + shift + 1
        if new_lines[start : start + len(inserted)] != inserted:
            raise EditError(f"the lines added after line {number + 1} are not the planned ones")
        shift += len(inserted)


def _same(left: object, right: object) -> bool:
    """Equality that also compares types (True is not 1) and the order of keys."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        assert isinstance(right, dict)
        return list(left) == list(right) and all(_same(left[k], right[k]) for k in left)
    if isinstance(left, list):
        assert isinstance(right, list)
        return len(left) == len(right) and all(map(_same, left, right))
    return left == right
