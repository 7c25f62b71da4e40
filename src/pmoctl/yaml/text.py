"""The form of a YAML text, not its data: lines, comments and the layout of block lists.

This is what a surgical edit (:mod:`pmoctl.yaml.edit`) must keep or imitate. Lines end only
at CR, LF or CRLF (unlike :meth:`str.splitlines`, which also breaks at U+0085, U+2028 and
others that YAML 1.2 reads as ordinary characters), and keep their endings, so that a line
can be compared byte for byte. The comment scanner finds every ``#`` comment outside the
scalars of the composed document, including those that a YAML round-trip drops (before
``---``, inside ``[...]``/``{...}``). The layout helpers read positions from libyaml's
nodes: where a block ends, and how far the file indents a list's dashes and items.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections import Counter
from collections.abc import Iterator

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from pmoctl.yaml.loader import compose

BOM = "\ufeff"
LINE_BREAK = re.compile(r"\r\n|\r|\n")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
# a `#` that starts a comment if it lies outside every scalar (zero-width, so that a `#`
# inside a quoted scalar does not hide a comment after it on the same line)
_HASH = re.compile(r"(?:^|(?<=[ \t\r]))(?=(#[^\r\n]*))", re.MULTILINE)


def split_lines(text: str) -> list[str]:
    """Lines with their endings; only CR, LF and CRLF end a line (unlike str.splitlines)."""
    return _LINE.findall(text)


def changed_lines(old: str, new: str) -> list[int]:
    """1-based numbers of the lines of `new` that differ from `old` or were added."""
    old_lines, new_lines = split_lines(old), split_lines(new)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    changed: list[int] = []
    for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "insert"):
            changed.extend(range(j1 + 1, j2 + 1))
    return changed


def line_starts(lines: list[str]) -> list[int]:
    """The index in the text at which each line starts."""
    starts, total = [], 0
    for line in lines:
        starts.append(total)
        total += len(line)
    return starts


def line_ending(lines: list[str], near: int) -> str:
    """The ending of line `near`, else the file's first one, else LF."""
    for line in [lines[near], *lines]:
        for ending in ("\r\n", "\n", "\r"):
            if line.endswith(ending):
                return ending
    return "\n"


def ending_of(line: str) -> str:
    """The line's own ending ('' for an unterminated last line)."""
    return line[len(line.rstrip("\r\n")) :]


def comments(text: str) -> Counter[str]:
    """The multiset of comments in a YAML text (without trailing blanks).

    A ``#`` is a comment when it starts a line or follows a blank and lies outside every
    scalar, so ``#`` inside quotes or block scalars is not counted, while comments before
    ``---`` and inside flow collections are.
    """
    body = text.removeprefix(BOM)
    return comments_in(body, compose(body))


def comments_in(body: str, root: Node | None) -> Counter[str]:
    """:func:`comments` of a text without BOM whose composed document is `root`."""
    spans = sorted(_scalar_spans(root, body)) if root is not None else []
    starts = [start for start, _ in spans]
    found: Counter[str] = Counter()
    for match in _HASH.finditer(body):
        where = bisect.bisect_right(starts, match.start()) - 1
        if where >= 0 and spans[where][0] <= match.start() < spans[where][1]:
            continue
        found[match.group(1).rstrip(" \t")] += 1
    return found


def walk(node: Node, key: Node | None = None) -> Iterator[tuple[Node | None, Node]]:
    """Every node from `node` down in document order, each with the mapping key whose
    value it is (None for keys, list items and `node` itself unless `key` is given)."""
    yield key, node
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            yield from walk(key_node)
            yield from walk(value_node, key_node)
    elif isinstance(node, SequenceNode):
        for item in node.value:
            yield from walk(item)


def _scalar_spans(root: Node, text: str) -> Iterator[tuple[int, int]]:
    for _, node in walk(root):
        if not isinstance(node, ScalarNode):
            continue
        start = node.start_mark.index
        if node.style in ("|", ">"):  # the header line may carry a comment
            header_end = LINE_BREAK.search(text, start, node.end_mark.index)
            start = header_end.end() if header_end else node.end_mark.index
        yield start, node.end_mark.index


# --- the layout of block collections ---------------------------------------------------


def last_leaf(node: Node) -> Node:
    """The node that ends last inside a block collection (its last line is the block's)."""
    while isinstance(node, (MappingNode, SequenceNode)) and not node.flow_style and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(node, MappingNode) else last
    return node


def block_end_line(lines: list[str], leaf: Node, inner_column: int) -> int:
    """0-based last line of a block ending in `leaf`, with the comment lines that follow
    it indented at least `inner_column` (they are inside the block, e.g. a commented-out
    item), but not the blank lines after them."""
    end = leaf.end_mark
    last = end.line if end.column > 0 or end.index == leaf.start_mark.index else end.line - 1
    last = max(last, leaf.start_mark.line)
    for number in range(last + 1, len(lines)):
        stripped = lines[number].strip()
        if not stripped:
            continue
        indent = len(lines[number]) - len(lines[number].lstrip(" "))
        if not stripped.startswith("#") or indent < inner_column:
            break
        last = number
    return last


def sequence_style(root: Node, default_dash: int) -> tuple[int, int]:
    """The file's usual dash offset under a key, and dash-to-content offset of map items."""
    dash_offsets: Counter[int] = Counter()
    item_offsets: Counter[int] = Counter()
    for key, value in walk(root):
        if (
            key is not None
            and isinstance(value, SequenceNode)
            and not value.flow_style
            and value.value
        ):
            if value.start_mark.line > key.start_mark.line:
                dash_offsets[value.start_mark.column - key.start_mark.column] += 1
            offset = item_offset(value)
            if offset:
                item_offsets[offset] += 1
    dash = dash_offsets.most_common(1)[0][0] if dash_offsets else default_dash
    item = item_offsets.most_common(1)[0][0] if item_offsets else 2
    return dash, item


def item_offset(sequence: SequenceNode) -> int:
    """Columns from a block list's dash to its first item's key (0 unless that is a block
    mapping starting on the dash's line)."""
    first = sequence.value[0]
    if (
        isinstance(first, MappingNode)
        and not first.flow_style
        and first.start_mark.line == sequence.start_mark.line
    ):
        return int(first.start_mark.column - sequence.start_mark.column)
    return 0
