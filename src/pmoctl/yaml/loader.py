"""Read one catalogue file into plain Python data, or into a finding at its position.

The entry points the rest of pmoctl uses. Nothing in a user's file may stop the run or
leave it unbounded. So, before parsing: the file must be a regular file (not a symlink,
nor in a linked folder) inside the catalogue, at most ``max_bytes`` long, UTF-8, free of
control characters and ambiguous line breaks (:func:`pmoctl.fileio.read_bytes`,
:func:`read_text`, :func:`decode`). Then :func:`parse` refuses anchors, aliases, merge
keys, explicit tags, ``%YAML``/``%TAG`` directives, non-scalar or duplicate keys and
nesting deeper than :data:`MAX_DEPTH`: a cheap test routes unusual files to an exact
event scan, and the data is built under the YAML 1.2 core schema by :mod:`pmoctl.yaml.yaml12`
(the fast builder for ordinary documents, the exact one otherwise).
What YAML 1.2 forbids but libyaml reads (a comment glued to a quote, an unindented line
of a flow collection) is refused the same way: a cheap test, then the exact check.
Every exception the parser raises, whatever its class, becomes a :class:`LoadError`
(:mod:`pmoctl.yaml.errors`); :func:`locate` turns a document path back into a position.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from pmoctl.fileio import MAX_BYTES, read_bytes
from pmoctl.findings import DocPath
from pmoctl.yaml import yaml12
from pmoctl.yaml.errors import (
    DEPTH_HINT,
    MAX_DEPTH,
    MAX_INT_DIGITS,
    LoadError,
    bad_tag,
    error_at,
    error_at_mark,
    forbidden,
    from_marked_error,
    node_position,
)
from pmoctl.yaml.yaml12 import Composer

if TYPE_CHECKING:
    from pathlib import Path  # only annotates: callers pass paths, loader never makes one

    from yaml.nodes import MappingNode, Node


__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_INT_DIGITS",
    "LoadError",
    "Locator",
    "compose",
    "decode",
    "locate",
    "parse",
    "position_of",
    "read_bytes",
    "read_text",
    "top_mapping",
]


# Cheap tests that route a file to the slower, exact event scan (anchors, tags,
# directives, deep nesting). Ordinary service files match none of them.
_MAYBE_ANCHOR_OR_TAG = re.compile(r"(?:^|[\s\[{,])[&*!][^\s,\[\]{}]", re.MULTILINE)
# ``^[ \t?:-]{32,}`` in MULTILINE mode, split so that the search can skip to each newline
_DEEP_BLOCK_AT_START = re.compile(r"[ \t?:-]{32}")
_DEEP_BLOCK_AFTER_NEWLINE = re.compile(r"\n[ \t?:-]{32}")
#: more flow brackets than this, and composing could exhaust the C stack before the
#: depth is known: the event scan (which keeps no stack) checks the depth first
_STACK_SAFE_BRACKETS = 1000
# Cheap tests that route a file to pmoctl.yaml.yaml12.check_layout. Each starts with the
# character it is about (the search skips to it), then looks behind: a '#' right after
# what can end a token; a quote that opens a value and is not closed on its line; a '?'
# right before text; a block scalar's header followed by blank lines with spaces.
# Possessive loops (*+) keep a failed match from backtracking through the value.
_TOKEN_START = r"[\s\[{,:?]"
_MAYBE_TIGHT_COMMENT = re.compile(r"""#(?<=[\"'\[\]{},:|>+0-9-]#)""")
_MAYBE_OPEN_DOUBLE = re.compile(
    rf'"(?<={_TOKEN_START}")' r'[^"\n\\]*+(?:\\[^\n][^"\n\\]*+)*+\\?(?:\n|\Z)'
)
_MAYBE_OPEN_SINGLE = re.compile(rf"'(?<={_TOKEN_START}')[^'\n]*+(?:''[^'\n]*+)*+(?:\n|\Z)")
_MAYBE_QUESTION_KEY = re.compile(rf"\?(?<={_TOKEN_START}\?)\S")
_MAYBE_BLANK_AFTER_HEADER = re.compile(
    r"[|>][-+0-9]*[ \t]*(?:#[^\n]*)?\n(?:[ \t]*\n)*?[ \t]+(?:\n|\Z)"
)
# C0 and C1 controls (but tab, LF, CR), NEL and the Unicode line/paragraph separators
# (parsers disagree on them), bidi overrides (they hide text), and a BOM past the start.
_FORBIDDEN_CHARS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]"
)


#: the ASCII characters a catalogue file may hold: a file of only these needs no search
_PLAIN_ASCII = bytes(range(0x20, 0x7F)) + b"\t\n\r"


def read_text(root: Path, rel: str, max_bytes: int = MAX_BYTES) -> str:
    """Read ``root/rel`` as UTF-8 text, refusing anything that is not a plain small file
    (:func:`pmoctl.fileio.read_bytes`, re-exported here for the loader's callers)."""
    return decode(read_bytes(root, rel, max_bytes))


def decode(raw: bytes) -> str:
    """Decode UTF-8 (with or without a BOM); any other encoding is a finding at its place."""
    if raw[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff") or raw[:2] in (
        b"\xff\xfe",
        b"\xfe\xff",
    ):
        raise LoadError(
            "YAML-ENCODING", "file is UTF-16 or UTF-32", 1, 1, hint="save the file as UTF-8"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line_start = raw.rfind(b"\n", 0, error.start) + 1
        line = raw.count(b"\n", 0, error.start) + 1
        column = len(raw[line_start : error.start].decode("utf-8", "replace")) + 1
        raise LoadError(
            "YAML-ENCODING",
            f"byte 0x{raw[error.start]:02x} is not valid UTF-8",
            line,
            column,
            hint="save the file as UTF-8 (it looks like Latin-1 or Windows-1252)",
        ) from None
    if raw.isascii() and not raw.translate(None, _PLAIN_ASCII):
        return text
    bad = _FORBIDDEN_CHARS.search(text)
    if bad:
        line, column = position_of(text, bad.start())
        raise LoadError(
            "YAML-CHARACTER",
            f"character U+{ord(bad.group()):04X} is not allowed in catalogue files",
            line,
            column,
            hint="remove it; write escapes such as \\t inside double quotes if you need them",
        )
    return text


def position_of(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of a character index."""
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


#: the node tree of the last large text :func:`parse` composed, for :class:`Locator` to
#: place that text's findings without composing it again (one tree: it is large)
_LAST_TREE: list[tuple[str, Node]] = []
#: texts at least this long keep their tree (composing one again is then worth avoiding)
_KEEP_TREE_CHARS = 65_536


def compose(text: str) -> Node | None:
    """The node tree of one document (:func:`pmoctl.yaml.yaml12.compose`)."""
    return yaml12.compose(text)


def top_mapping(root: Node | None) -> MappingNode:
    """The document's top mapping, or :class:`LoadError` (:func:`.yaml12.top_mapping`)."""
    return yaml12.top_mapping(root)


def parse(text: str) -> dict[str, Any]:
    """Parse one YAML document that must be a mapping; raise :class:`LoadError` otherwise."""
    brackets = text.count("[") + text.count("{")
    # Files with many flow collections are common, and rarely deep: they are composed
    # first, and scanned exactly only when something is wrong or unusual, so that the
    # finding is the one the scan would have reported before anything else.
    flow_heavy = brackets > MAX_DEPTH
    if _needs_scan(text) or brackets > _STACK_SAFE_BRACKETS:
        _scan_events(text)
        flow_heavy = False
    _LAST_TREE.clear()
    try:
        root = yaml12.top_mapping(yaml12.compose(text))
        # what YAML forbids and libyaml reads anyway: a cheap test of the text here, and
        # build_fast gives up on flow collections over several lines (checked below)
        unusual_layout = _needs_layout_check(text)
        if unusual_layout:
            yaml12.check_layout(root, text)
        if len(text) >= _KEEP_TREE_CHARS:
            _LAST_TREE.append((text, root))
        data = yaml12.build_fast(root) if "&" not in text else None  # no anchor: no alias
        if data is None:
            if not unusual_layout:
                yaml12.check_layout(root, text)
            if flow_heavy:
                flow_heavy = False
                _scan_events(text)
            data = yaml12.ExactBuilder().build(root, 0)
        if "\\" in text:  # only a double-quoted escape can write a control character
            _refuse_escaped_controls(root)
    except LoadError:
        if flow_heavy:
            _scan_events(text)
        raise
    assert isinstance(data, dict)
    return data


#: characters no value may hold, whatever wrote them: controls but tab and line feed,
#: line and paragraph separators, and the controls that reorder text
_FORBIDDEN_IN_VALUES = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def _refuse_escaped_controls(root: Node) -> None:
    """A double-quoted escape (``\\e``, ``\\x1b``, ``\\u202e``) may not write a character
    the file itself may not hold: it would reach terminals and pages as a control."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node.value, str):
            bad = _FORBIDDEN_IN_VALUES.search(node.value)
            if bad and getattr(node, "style", None) == '"':
                raise error_at(
                    node,
                    "YAML-CHARACTER",
                    f"an escape writes U+{ord(bad.group()):04X}, which is not allowed in "
                    "catalogue values",
                    hint="remove the escape; only \\t and \\n may be written this way",
                )
        elif isinstance(node.value, list):
            for item in node.value:
                stack.extend(item if isinstance(item, tuple) else (item,))


def _needs_scan(text: str) -> bool:
    """Whether the text may hold anchors, aliases, tags, directives or deep block nesting."""
    if ("&" in text or "*" in text or "!" in text) and _MAYBE_ANCHOR_OR_TAG.search(text):
        return True
    if text.startswith("%") or "\n%" in text:
        return True
    return bool(_DEEP_BLOCK_AT_START.match(text) or _DEEP_BLOCK_AFTER_NEWLINE.search(text))


def _needs_layout_check(text: str) -> bool:
    """Whether the text may hold what :func:`pmoctl.yaml.yaml12.check_layout` refuses or corrects,
    other than flow collections over several lines (:func:`pmoctl.yaml.yaml12.build_fast` finds
    those)."""
    return bool(
        ("#" in text and _MAYBE_TIGHT_COMMENT.search(text))
        or ('"' in text and _MAYBE_OPEN_DOUBLE.search(text))
        or ("'" in text and _MAYBE_OPEN_SINGLE.search(text))
        or ("?" in text and _MAYBE_QUESTION_KEY.search(text))
        or _MAYBE_BLANK_AFTER_HEADER.search(text)
    )


def _scan_events(text: str) -> None:
    """Exact check of what the fast path cannot see: anchors, tags, directives, depth."""
    composer = Composer(text)
    depth = 0
    try:
        while True:
            event = composer.get_event()
            if event is None or isinstance(event, yaml.StreamEndEvent):
                return
            where: Any = event.start_mark  # always set on events from libyaml
            if isinstance(event, yaml.DocumentStartEvent) and (event.version or event.tags):
                raise error_at_mark(
                    where,
                    "YAML-DIRECTIVE",
                    "%YAML and %TAG directives are not allowed",
                    hint="remove the directive; catalogue files are always YAML 1.2",
                )
            if isinstance(event, yaml.AliasEvent):
                raise forbidden("alias", where)
            anchor = getattr(event, "anchor", None)
            if anchor is not None:
                raise forbidden("anchor", where)
            tag = getattr(event, "tag", None)
            if tag is not None and tag != "!" and not _implicit(event):
                raise bad_tag(tag, where)
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise error_at_mark(
                        where, "YAML-DEPTH", f"nesting deeper than {MAX_DEPTH} levels", DEPTH_HINT
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as error:
        found = from_marked_error(error, text)
        mark = error.problem_mark
        if found.rule == "YAML-DEPTH" and mark is not None and 0 < mark.index < len(text):
            # libyaml has a nesting limit of its own, and its scanner reads a run of opening
            # brackets ahead of the events: the text before its error holds our own, lower,
            # limit's position, which a scan of that part alone reaches first.
            _scan_events(text[: mark.index])
        raise found from None
    except LoadError:
        raise
    except Exception as error:
        raise LoadError("YAML-SYNTAX", f"unreadable YAML ({type(error).__name__})", 1, 1) from None
    finally:
        composer.dispose()


def _implicit(event: Any) -> bool:
    implicit = getattr(event, "implicit", None)
    if isinstance(implicit, tuple):  # scalars: (plain, quoted)
        return False
    return bool(implicit)


def locate(text: str, doc_path: DocPath, *, at_key: bool = False) -> tuple[int, int]:
    """Line and column (1-based) of the node at ``doc_path``, or of its deepest ancestor.

    Elements that do not name a key or index (pydantic's union member tags) are skipped.
    To place many paths in one text, make one :class:`Locator` and ask it for each.
    """
    return Locator(text).locate(doc_path, at_key=at_key)


class Locator:
    """Places document paths in one text: composed once, each mapping indexed when first met.

    Placing every finding of a file costs one parse and a dictionary look-up per path
    element, however many findings there are.
    """

    def __init__(self, text: str) -> None:
        self._root: Node | None = None
        self._failed: tuple[int, int] | None = None
        if _LAST_TREE and _LAST_TREE[0][0] is text:
            self._root = _LAST_TREE.pop()[1]
        else:
            try:
                self._root = compose(text)
            except LoadError as error:
                self._failed = (error.line, error.column)
        #: per mapping node (by id; the tree keeps them alive): key text -> first pair
        self._keys: dict[int, dict[str, tuple[Node, Node]]] = {}

    def locate(self, doc_path: DocPath, *, at_key: bool = False) -> tuple[int, int]:
        """Line and column of the node at ``doc_path`` (as :func:`locate`)."""
        if self._failed is not None:
            return self._failed
        node = self._root
        if node is None:
            return 1, 1
        key_node: Node | None = None
        for element in doc_path:
            if isinstance(node, MappingNode):
                pair = self._pairs(node).get(str(element))
                if pair is not None:
                    key_node, node = pair
                elif isinstance(element, str) and element == "[key]":
                    break
            elif isinstance(node, SequenceNode) and isinstance(element, int):
                if element >= len(node.value):
                    break
                key_node, node = None, node.value[element]
            else:
                break
        target = key_node if (at_key and key_node is not None) else node
        return node_position(target)

    def _pairs(self, node: MappingNode) -> dict[str, tuple[Node, Node]]:
        pairs = self._keys.get(id(node))
        if pairs is None:
            pairs = {}
            for key, value in node.value:
                if isinstance(key, ScalarNode):
                    pairs.setdefault(key.value, (key, value))
            self._keys[id(node)] = pairs
        return pairs
