"""Record a lifecycle move in a service file by editing only the lines that must change.

A transition sets ``lifecycle.stage`` and appends one entry to ``lifecycle.moves``. A full
YAML round-trip (load, change, dump) cannot do that without loss: even a tuned ruamel.yaml
dump drops comments before ``---`` and inside ``[...]``/``{...}``, rewrites ``~``, ``True``
and ``+5``, folds long lines, mixes CRLF endings and corrupts U+0085. So this module never
dumps the file. It composes it (libyaml, the same parser as :mod:`pmoctl.yaml.loader`), finds
the exact character span of each node it needs, and then:

* splices the new stage at the span of the old one, in the old one's quoting style, so a
  trailing comment and everything else on the line stays put;
* inserts the move as new lines right after the last line of the existing ``moves`` list
  (after comment lines indented inside the list), with the indentation, dash offset and
  line ending the file already uses. ``moves: []``, ``moves: ~`` and a missing ``moves:``
  are turned into a block list; every other line is left byte for byte;
* in a flow-style ``lifecycle: {stage: ..., moves: [...]}`` (or a non-empty flow-style
  ``moves: [...]``) the move is added as one ``{from: ..., ...}`` item inside the brackets,
  so only the line with the closing bracket changes.

The new text comes from :mod:`pmoctl.yaml.emit` (one-line scalars, never folded, quoted
wherever a YAML 1.1 or 1.2 reader could retype them); lines and comments are read with
:mod:`pmoctl.yaml.text`.

Before returning, the result is verified, and :class:`EditError` is raised instead of
returning anything if any check fails: (a) :func:`pmoctl.yaml.loader.parse` of the new text gives
the old data with exactly the stage changed and the move appended (types compared strictly,
key order of the move included); (b) the multiset of comments is unchanged; (c) no line
changed but the stage line, a ``moves: []`` line (or the closing bracket's) and the
inserted lines, byte for byte and line ending included. :func:`verify` runs the same
checks on a file read back after writing.

A UTF-8 BOM, CRLF or LF endings and a missing final newline are preserved.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from pmoctl.yaml.emit import EmitError, block_item, flow_mapping, scalar
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
)

__all__ = [
    "MOVE_KEYS",
    "REVIEW_KEYS",
    "EditError",
    "apply_move",
    "changed_lines",
    "comments",
    "scalar",
    "split_lines",
    "verify",
]

MOVE_KEYS = (
    "from",
    "to",
    "date",
    "approved_by",
    "reason",
    "note",
    "rollout",
    "readiness",
    "success_criteria_met",
    "artefact_review",
)
REVIEW_KEYS = ("reviewed_by", "kept", "discarded")

_NULL_SPELLINGS = {"", "~", "null", "Null", "NULL"}


class EditError(Exception):
    """The file cannot be edited without losing or changing something; nothing was written.

    The message says what would be lost or changed, or why the file's shape is refused.
    """


def apply_move(text: str, *, stage: str, move: dict[str, object]) -> str:
    """Return the new file text: lifecycle.stage set to `stage`, `move` appended to
    lifecycle.moves (created if absent) in the file's own style (indentation, sequence-dash
    offset, line endings, quoting where needed). Verified before returning; raises
    EditError if verification fails or the file's shape cannot be edited safely."""
    stage = str.__str__(stage)  # a StrEnum member is written and compared as its text
    bom, body, old_data, plan, fields = _prepare(text, stage, move)
    new_body = plan.render()
    _verify(body, new_body, plan, old_data=old_data, stage=stage, fields=fields)
    return bom + new_body


def verify(old: str, new: str, *, stage: str, move: dict[str, object]) -> None:
    """Raise EditError unless `new` is `old` with exactly this move applied: the same data
    but the new stage and move, the same comments, and no line changed but the stage line,
    an emptied `moves: []` line and the move's own lines. Use it to check a file read back."""
    stage = str.__str__(stage)
    bom, body, old_data, plan, fields = _prepare(old, stage, move)
    if not new.startswith(bom) or new.startswith(BOM) != bool(bom):
        raise EditError("the byte order mark was added or removed")
    _verify(body, new[len(bom) :], plan, old_data=old_data, stage=stage, fields=fields)


def _prepare(
    text: str, stage: str, move: dict[str, object]
) -> tuple[str, str, dict[str, Any], _Plan, list[tuple[str, object]]]:
    bom = BOM if text.startswith(BOM) else ""
    body = text[len(bom) :]
    try:
        old_data = parse(body)
        root = compose(body)
    except LoadError as error:
        raise EditError(f"line {error.line}: {error.message}; fix the file first") from None
    assert isinstance(root, MappingNode)  # parse() refused everything else
    fields = _move_fields(move)
    try:
        plan = _plan(body, root, stage, fields)
    except EmitError as error:
        raise EditError(str(error)) from None
    return bom, body, old_data, plan, fields


# --- planning the edit -------------------------------------------------------------------


@dataclass
class _Plan:
    """Edits within lines (spans of the old text; no line break is added or removed) and
    whole lines inserted after old line `insert_after` (0-based; -1 when none are)."""

    text: str
    edits: list[tuple[int, int, str]]
    insert_after: int
    inserted: list[str]
    terminate_last: str  # line ending added to an unterminated last line before inserting
    old_comments: Counter[str]

    def render(self) -> str:
        text = self.text
        for start, end, new in sorted(self.edits, reverse=True):
            text = text[:start] + new + text[end:]
        lines = split_lines(text)
        if self.inserted:
            lines[self.insert_after] += self.terminate_last
            lines[self.insert_after + 1 : self.insert_after + 1] = self.inserted
        return "".join(lines)

    def replaced(self) -> set[int]:
        """0-based numbers of the old lines that the edits touch."""
        starts = line_starts(split_lines(self.text))
        return {bisect.bisect_right(starts, start) - 1 for start, _, _ in self.edits}


def _plan(text: str, root: MappingNode, stage: str, fields: list[tuple[str, object]]) -> _Plan:
    lifecycle_key, lifecycle = _child(root, "lifecycle", "the file has no `lifecycle:` mapping")
    if not isinstance(lifecycle, MappingNode):
        raise EditError(f"line {_line(lifecycle)}: `lifecycle:` is not a mapping")
    _, stage_node = _child(lifecycle, "stage", "`lifecycle:` has no `stage:`")
    edits = [_stage_edit(stage_node, stage)]
    old_comments = comments_in(text, root)
    moves_entry = _find(lifecycle, "moves")
    moves = moves_entry[1] if moves_entry else None
    if lifecycle.flow_style or (
        isinstance(moves, SequenceNode)
        and moves.flow_style
        and (moves.value or moves.start_mark.line != moves.end_mark.line)
    ):
        edits.append(_flow_edit(text, lifecycle, moves, flow_mapping(fields)))
        return _Plan(text, edits, -1, [], "", old_comments)

    lines = split_lines(text)
    key_column = lifecycle.start_mark.column
    step = max(key_column - lifecycle_key.start_mark.column, 1)
    dash_offset, item_step = sequence_style(root, default_dash=step)
    leaf: Node = last_leaf(lifecycle)  # the node that ends on the line we insert after
    if moves_entry is None:  # add `moves:` after the last line of the lifecycle mapping
        after = block_end_line(lines, leaf, key_column)
        dash_column = key_column + dash_offset
        head = [" " * key_column + "moves:"]
    else:
        moves_key, moves = moves_entry
        dash_column, head = moves_key.start_mark.column + dash_offset, []
        if isinstance(moves, SequenceNode) and not moves.flow_style and moves.value:
            dash_column = moves.start_mark.column
            item_step = item_offset(moves) or item_step
            leaf = last_leaf(moves)
            after = block_end_line(lines, leaf, max(dash_column, key_column + 1))
        elif _is_empty(moves):
            leaf, after = moves, _line0(moves_key)
            if moves.end_mark.index > moves.start_mark.index:  # drop `[]` / `~` from the line
                edits.append(_cut(text, moves))
        else:
            raise EditError(
                f"line {_line(moves)}: `moves:` is not a list; "
                "write its items one per line with a leading dash and run again"
            )
    ending = line_ending(lines, after)
    body = head + block_item(
        fields, dash=dash_column, item=item_step, step=step, dash_offset=dash_offset
    )
    terminate = ending if not lines[after].endswith(("\n", "\r")) else ""
    if terminate and leaf.end_mark.index == len(text) and _keeps_final_break(text, leaf):
        raise EditError(
            f"line {_line(leaf)}: the file ends inside a `|`/`>` text without a final newline, "
            "so a line break after it would become part of that text; add a newline at the "
            "end of the file and run again"
        )
    inserted = [line + ending for line in body]
    if terminate:  # keep the file's missing final newline missing
        inserted[-1] = body[-1]
    return _Plan(text, edits, after, inserted, terminate, old_comments)


def _child(mapping: MappingNode, key: str, missing: str) -> tuple[Node, Node]:
    found = _find(mapping, key)
    if found is None:
        raise EditError(missing)
    return found


def _find(mapping: MappingNode, key: str) -> tuple[Node, Node] | None:
    for key_node, value_node in mapping.value:
        if isinstance(key_node, ScalarNode) and key_node.value == key:
            return key_node, value_node
    return None


def _stage_edit(node: Node, stage: str) -> tuple[int, int, str]:
    if not isinstance(node, ScalarNode) or node.style not in ("", "'", '"'):
        raise EditError(f"line {_line(node)}: `stage:` is not a one-line value")
    if node.start_mark.line != node.end_mark.line:
        raise EditError(f"line {_line(node)}: `stage:` spans several lines")
    start, end = node.start_mark.index, node.end_mark.index
    new_value = scalar(stage, style=node.style)
    if start == end:  # `stage:` with no value: keep a blank between colon and value
        new_value = " " + new_value
    return start, end, new_value


def _cut(text: str, node: Node) -> tuple[int, int, str]:
    """Remove an empty value (`[]`, `~`) and the blanks before it from its line."""
    if node.start_mark.line != node.end_mark.line:
        raise EditError(f"line {_line(node)}: the empty `moves:` value spans several lines")
    start, end = node.start_mark.index, node.end_mark.index
    while text[start - 1] == " ":
        start -= 1
    blanks = re.match(r" *(?=\r|\n|\Z)", text[end:])
    if blanks:  # nothing follows on the line: drop trailing blanks, else keep the comment's gap
        end += blanks.end()
    return start, end, ""


def _flow_edit(
    text: str, lifecycle: MappingNode, moves: Node | None, item: str
) -> tuple[int, int, str]:
    """Append `item` inside a flow-style `moves: [...]` (or add one to `{stage: ...}`)."""
    if moves is None:
        return _insert_at(lifecycle.value[-1][1].end_mark.index, f", moves: [{item}]")
    if isinstance(moves, SequenceNode):
        if moves.value:
            return _insert_at(moves.value[-1].end_mark.index, f", {item}")
        return _insert_at(moves.start_mark.index + 1, item)  # right after the `[`
    if _is_empty(moves):
        start, end = moves.start_mark.index, moves.end_mark.index
        gap = "" if text[start - 1] in " \t\r\n" else " "
        return start, end, f"{gap}[{item}]"
    raise EditError(f"line {_line(moves)}: `moves:` is not a list")


def _insert_at(index: int, new: str) -> tuple[int, int, str]:
    return index, index, new


def _keeps_final_break(text: str, node: Node) -> bool:
    """True for a block scalar whose value would gain the line break added after it."""
    if not isinstance(node, ScalarNode) or node.style not in ("|", ">"):
        return False
    header = LINE_BREAK.split(text[node.start_mark.index :], maxsplit=1)[0]
    return "-" not in header.split("#")[0]


def _is_empty(node: Node) -> bool:
    if isinstance(node, SequenceNode):
        return bool(node.flow_style) and not node.value
    return isinstance(node, ScalarNode) and node.style == "" and node.value in _NULL_SPELLINGS


def _line0(node: Node) -> int:
    return int(node.start_mark.line)


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


# --- the move as data --------------------------------------------------------------------


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
    text, and the move's nested mapping (`key`: `artefact_review`) is checked and put in
    REVIEW_KEYS order without empty entries."""
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, (list, tuple)):
        return [_plain_data(item) for item in value]
    if isinstance(value, dict):
        if key is None:  # inside a list: copied, and refused when written
            return {k: _plain_data(item) for k, item in value.items()}
        unknown = sorted(map(str, set(value) - set(REVIEW_KEYS)))
        if unknown:
            raise EditError(f"unknown {key} keys: {', '.join(unknown)}")
        if all(value.get(k) is None for k in REVIEW_KEYS):
            raise EditError(f"`{key}` is empty")
        return {k: _plain_data(value[k], k) for k in REVIEW_KEYS if value.get(k) is not None}
    return value


# --- verification ------------------------------------------------------------------------


def _verify(
    old: str,
    new: str,
    plan: _Plan,
    *,
    old_data: dict[str, Any],
    stage: str,
    fields: list[tuple[str, object]],
) -> None:
    try:
        decode(new.encode("utf-8"))
        new_data = parse(new)
    except (LoadError, UnicodeEncodeError) as error:
        raise EditError(f"the edited file would not load ({error}); not writing") from None
    lifecycle = dict(old_data["lifecycle"])
    lifecycle["stage"] = stage
    lifecycle["moves"] = [*(lifecycle.get("moves") or []), dict(fields)]
    expected = {**old_data, "lifecycle": lifecycle}
    if not _same(new_data, expected):
        raise EditError("the edited file would not read back as the intended data; not writing")
    new_comments = comments(new)
    lost, added = plan.old_comments - new_comments, new_comments - plan.old_comments
    if lost or added:
        what = next(iter(lost or added))
        verb = "drop" if lost else "add"
        raise EditError(f"the edit would {verb} the comment {what!r}; not writing")
    _check_lines(old, new, plan)


def _check_lines(old: str, new: str, plan: _Plan) -> None:
    """Every line but the planned ones is byte-identical, line ending included."""
    old_lines, new_lines = split_lines(old), split_lines(new)
    shift, replaced = len(plan.inserted), plan.replaced()
    if len(new_lines) != len(old_lines) + shift:
        raise EditError("the edit would add or remove lines other than the new move's")
    for number, old_line in enumerate(old_lines):
        now = new_lines[number if number <= plan.insert_after else number + shift]
        was = old_line + (plan.terminate_last if number == plan.insert_after else "")
        # an unterminated last line gains an ending; replaced lines keep theirs
        same = ending_of(now) == ending_of(was) if number in replaced else now == was
        if not same:
            raise EditError(
                f"the edit would change line {number + 1}, which is neither the stage "
                "nor the new move; not writing"
            )


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
