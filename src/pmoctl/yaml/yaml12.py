"""Compose YAML with libyaml and build plain Python data under the YAML 1.2 core schema.

PyYAML resolves YAML 1.1 (``no`` is false, ``0755`` is octal), but transitions rewrite
files with ruamel.yaml, which reads YAML 1.2: so that a value means the same before and
after a rewrite, catalogue files are read with our own resolver and constructor on top of
libyaml's C composer. ``no`` is a string, ``0755`` is 755, ``1_000`` a string, ``-.5`` a
float, ``2024-01-15`` a date.

Two builders give the same data: :func:`build_fast` for ordinary documents (no per-node
bookkeeping), and :class:`ExactBuilder`, which also refuses aliases, merge keys, tags,
non-text and duplicate keys, values that do not read and nesting deeper than
:data:`MAX_DEPTH`, each as a :class:`~pmoctl.yaml.errors.LoadError` at its node. The order
in which the loader uses them, and the checks before, are :func:`pmoctl.yaml.loader.parse`'s.

:func:`check_layout` refuses what YAML 1.2 forbids and libyaml reads anyway, and corrects
what libyaml reads wrongly; :func:`compose` reads a file ending in a line of spaces as the
YAML test suite does.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from typing import Any

import yaml
from yaml._yaml import CParser
from yaml.error import Mark
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from pmoctl.yaml.errors import (
    DEPTH_HINT,
    MAX_DEPTH,
    MAX_INT_DIGITS,
    LoadError,
    bad_tag,
    error_at,
    forbidden,
    from_marked_error,
    node_position,
    one_line,
    quoted,
)

_TAG = "tag:yaml.org,2002:"
_TOO_LONG = f"number with more than {MAX_INT_DIGITS} digits"
_BIG = "quote the value if it is text (an id or a code); numbers that long are refused"


class _Core12Resolver(BaseResolver):
    """The YAML 1.2 core schema (its null, bool, int and float), plus dates and merge keys.

    The patterns are the core schema's, to the letter: no ``_`` in numbers, no sign on
    ``0o``/``0x`` integers, ``.5`` and ``-.5`` alike are floats. Dates are pmoctl's own
    addition; merge keys are resolved only to be refused.
    """


for _tag, _pattern, _first in (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+.0123456789",
    ),
    ("null", r"^(?:~|null|Null|NULL|)$", "~nN"),
    (
        "timestamp",
        r"^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}"
        r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}"
        r"(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$",
        "0123456789",
    ),
    ("merge", r"^(?:<<)$", "<"),
):
    _Core12Resolver.add_implicit_resolver(_TAG + _tag, re.compile(_pattern), list(_first))
_Core12Resolver.add_implicit_resolver(_TAG + "null", re.compile(r"^$"), [""])


_STR = _TAG + "str"
_NULL = _TAG + "null"
_SEQ = _TAG + "seq"
_MAP = _TAG + "map"
_MERGE = _TAG + "merge"
_IMPLICIT: dict[str, list[tuple[str, re.Pattern[str]]]] = _Core12Resolver.yaml_implicit_resolvers


class Composer(CParser, _Core12Resolver):
    """libyaml's parser and composer with our resolver; a new one for every file."""

    # The composer calls these two around every node, for path-based resolvers, which we
    # never register. Builtins that ignore what they are given cost a fraction of the
    # Python no-ops they replace (types are not bound as methods: slice(parent, index)).
    descend_resolver = slice  # type: ignore[assignment]
    ascend_resolver = int  # type: ignore[assignment]

    def __init__(self, text: str) -> None:
        CParser.__init__(self, text)
        _Core12Resolver.__init__(self)

    def resolve(self, kind: type[Node], value: str | None, implicit: tuple[bool, bool]) -> str:
        """BaseResolver.resolve without the path resolvers: called for every node."""
        if kind is ScalarNode:
            if implicit[0]:
                if not value:
                    return _NULL
                for tag, pattern in _IMPLICIT.get(value[0], ()):
                    if pattern.match(value):
                        return tag
            return _STR
        return _SEQ if kind is SequenceNode else _MAP


def compose(text: str) -> Node | None:
    """Compose the node tree with libyaml; any failure becomes a :class:`LoadError`."""
    if text.endswith(" ") and text.rstrip(" ").endswith("\n"):
        # A last line of only spaces ends the file as a line break would (YAML's own test
        # suite reads it so); libyaml drops the block scalar's last line break instead.
        text += "\n"
    composer = Composer(text)
    try:
        return composer.get_single_node()
    except yaml.MarkedYAMLError as error:
        raise from_marked_error(error, text) from None
    except yaml.YAMLError as error:
        raise LoadError("YAML-SYNTAX", one_line(str(error)), 1, 1) from None
    except RecursionError:
        raise LoadError(
            "YAML-DEPTH", f"nesting deeper than {MAX_DEPTH} levels", 1, 1, DEPTH_HINT
        ) from None
    except Exception as error:  # the parser raises plain ValueError & co. on some input
        raise LoadError("YAML-SYNTAX", f"unreadable YAML ({type(error).__name__})", 1, 1) from None
    finally:
        composer.dispose()


def top_mapping(root: Node | None) -> MappingNode:
    """The document's top-level mapping; a finding if it is empty or something else."""
    if root is None or (  # a bare '---' is a document holding only an empty null
        isinstance(root, ScalarNode) and root.tag == _NULL and not root.value
    ):
        raise LoadError("YAML-EMPTY", "file is empty", 1, 1, hint="run `pmoctl new` for a template")
    if not isinstance(root, MappingNode):
        line, column = node_position(root)
        raise LoadError(
            "YAML-STRUCTURE",
            "the top level must be a mapping of keys to values",
            line,
            column,
            hint="write one `key: value` per line, starting with format: 1 and kind: ...",
        )
    return root


class _UnusualError(Exception):
    """The fast builder met something it leaves to :class:`ExactBuilder` (and its findings)."""


def build_fast(root: MappingNode) -> dict[str, Any] | None:
    """The data of an ordinary document, or None when :class:`ExactBuilder` must decide.

    Gives exactly what :class:`ExactBuilder` gives, for documents without anchors (so
    without aliases), without merge keys or tags other than the core ones, nesting less
    than :data:`MAX_DEPTH` deep, without flow collections over several lines (which
    :func:`check_layout` must see), whose values all read; it leaves every other document,
    and so every error and its position, to :class:`ExactBuilder`. About twice as fast:
    no per-node bookkeeping, and plain strings (most values) taken as they are.
    """

    def build(node: Node, depth: int) -> Any:
        if depth >= MAX_DEPTH:
            raise _UnusualError
        if node.flow_style and node.end_mark.line != node.start_mark.line:  # type: ignore[attr-defined]
            raise _UnusualError  # its lines' indentation is for check_layout to judge
        if node.__class__ is MappingNode:
            if node.tag != _MAP:
                raise _UnusualError
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.__class__ is not ScalarNode or key_node.tag != _STR:
                    raise _UnusualError
                key = key_node.value
                if key in result:
                    raise _UnusualError
                if value_node.__class__ is ScalarNode:
                    result[key] = (
                        value_node.value if value_node.tag == _STR else _scalar(value_node)
                    )
                else:
                    result[key] = build(value_node, depth + 1)
            return result
        if node.__class__ is SequenceNode:
            if node.tag != _SEQ:
                raise _UnusualError
            return [
                (item.value if item.tag == _STR else _scalar(item))
                if item.__class__ is ScalarNode
                else build(item, depth + 1)
                for item in node.value
            ]
        raise _UnusualError  # pragma: no cover - scalars are built by their parent

    try:
        data: dict[str, Any] = build(root, 0)
    except (_UnusualError, LoadError):
        return None
    return data


_KIND_OF_KEY = {
    int: "a number",
    float: "a number",
    bool: "true or false",
    type(None): "null",
    dt.date: "a date",
    dt.datetime: "a date and time",
}


class ExactBuilder:
    """Builds dicts, lists and scalars from nodes, refusing what catalogue files may not
    hold, each at its node; one instance per file."""

    def __init__(self) -> None:
        self.seen: set[int] = set()

    def build(self, node: Node, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise error_at(
                node, "YAML-DEPTH", f"nesting deeper than {MAX_DEPTH} levels", DEPTH_HINT
            )
        if id(node) in self.seen:  # libyaml hands back the same node for an alias
            raise forbidden("alias", node.start_mark)
        self.seen.add(id(node))
        if isinstance(node, ScalarNode):
            return _scalar(node)
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ:
                raise bad_tag(node.tag, node.start_mark)
            return [self.build(item, depth + 1) for item in node.value]
        if isinstance(node, MappingNode):
            if node.tag != _MAP:
                raise bad_tag(node.tag, node.start_mark)
            result: dict[Any, Any] = {}
            first_line: dict[Any, int] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, ScalarNode):
                    raise error_at(
                        key_node,
                        "YAML-KEY",
                        "keys must be plain values, not lists or maps",
                        hint="write the key as plain text (a name or an id) before the colon",
                    )
                if key_node.tag == _MERGE:
                    raise error_at(
                        key_node,
                        "YAML-ANCHOR",
                        "merge keys (<<) are not allowed",
                        hint="write the keys out in full",
                    )
                key = _scalar(key_node)
                if not isinstance(key, str):  # 1 and true would even be the same key
                    kind = _KIND_OF_KEY.get(type(key), "a value")
                    raise error_at(
                        key_node,
                        "YAML-KEY",
                        f"key {quoted(key_node.value)} is read as {kind}, not as text",
                        hint=f"quote it: '{key_node.value}'",
                    )
                if key in result:
                    raise error_at(
                        key_node,
                        "YAML-DUPLICATE-KEY",
                        f"duplicate key {quoted(str(key))}",
                        hint=f"the first one is on line {first_line[key]}; keep one of them",
                    )
                first_line[key] = key_node.start_mark.line + 1
                result[key] = self.build(value_node, depth + 1)
            return result
        raise error_at(node, "YAML-SYNTAX", "unexpected node")  # pragma: no cover


def _scalar(node: ScalarNode) -> Any:
    tag: str = node.tag
    value: str = node.value
    if tag == _STR:
        return value
    if tag == _NULL:
        return None
    if tag == _TAG + "bool":
        if value in ("true", "True", "TRUE"):
            return True
        if value in ("false", "False", "FALSE"):
            return False
    elif tag == _TAG + "int":
        if len(value) > MAX_INT_DIGITS:
            raise error_at(node, "YAML-VALUE", _TOO_LONG, _BIG)
        return _int(value)
    elif tag == _TAG + "float":
        text = value.lower()
        if text in (".inf", "+.inf", "-.inf", ".nan"):
            raise error_at(
                node,
                "YAML-VALUE",
                "infinity and NaN are not allowed",
                hint="write a finite number, or quote the value if it is text",
            )
        if len(text) > MAX_INT_DIGITS:
            raise error_at(node, "YAML-VALUE", _TOO_LONG, _BIG)
        try:
            return float(text)
        except ValueError:
            pass
    elif tag == _TAG + "timestamp":
        try:
            return _timestamp(value)
        except ValueError as error:
            raise error_at(
                node,
                "YAML-VALUE",
                f"{quoted(value)} is not a valid date ({error})",
                hint="write dates as YYYY-MM-DD",
            ) from None
    elif tag == _MERGE:
        return value
    else:
        raise bad_tag(node.tag, node.start_mark)
    raise error_at(
        node,
        "YAML-VALUE",
        f"{quoted(value)} is not a valid {tag.removeprefix(_TAG)}",
        hint="quote the value if it is text",
    )


def _int(digits: str) -> int:
    """The value of a core-schema integer (the resolver's pattern has checked the form)."""
    if digits.startswith("0o"):
        return int(digits[2:], 8)
    if digits.startswith("0x"):
        return int(digits[2:], 16)
    return int(digits, 10)


def _timestamp(value: str) -> dt.date | dt.datetime:
    if len(value) == 10:
        return dt.date.fromisoformat(value)
    normalised = re.sub(r"[ \t]+", "T", value.strip(), count=1).replace("t", "T")
    normalised = re.sub(r"[ \t]+", "", normalised).replace("Z", "+00:00")
    return dt.datetime.fromisoformat(normalised)


# --- what YAML 1.2 forbids and libyaml reads anyway -----------------------------------

_QUOTED = ("'", '"')
_BLOCK = ("|", ">")
_QUESTION_HINT = "write '? ' with a space for an explicit key, or quote the whole key"


def check_layout(root: Node, text: str) -> None:
    """Refuse what YAML 1.2 forbids but libyaml reads, and correct what libyaml misreads.

    Refused, each as YAML-SYNTAX at its place: a comment without a space before its
    ``#``; a line of a flow collection or a quoted value not indented deeper than the
    block mapping or list it is in (or indented with a tab); blank lines at the start of
    an empty block scalar with more spaces than the line after them. Corrected in the
    node tree: in a flow collection, ``?foo`` is the text ``?foo`` (libyaml drops the
    ``?``). Other YAML tools reject these files, so pmoctl must not accept them.
    """
    spans: list[tuple[int, int]] = []  # where scalars' text is, for the comment check
    stack: list[tuple[Node, int]] = [(root, -1)]  # node, indentation of its block parent
    while stack:
        node, parent = stack.pop()
        if node.__class__ is ScalarNode:
            start = node.start_mark.index
            if node.style in _BLOCK:
                header_end = text.find("\n", start)
                start = header_end if header_end >= 0 else len(text)
                if not node.value.strip("\n"):
                    _check_empty_block(text, node, parent)
            elif node.style in _QUOTED and node.end_mark.line != node.start_mark.line:
                _check_lines(text, node, parent + 1)
            spans.append((start, node.end_mark.index))
            continue
        if node.flow_style:  # type: ignore[attr-defined]
            if node.end_mark.line != node.start_mark.line:
                _check_lines(text, node, parent + 1)
            inner = parent
        else:
            inner = node.start_mark.column
        if isinstance(node, MappingNode):
            if node.flow_style:
                _question_keys(node, text)
            stack.extend((child, inner) for pair in node.value for child in pair)
        elif isinstance(node, SequenceNode):
            if node.flow_style:
                _question_items(node, text)
            stack.extend((item, inner) for item in node.value)
    _check_comments(text, spans)


def _line_of(text: str, index: int) -> tuple[int, str]:
    start = text.rfind("\n", 0, index) + 1
    end = text.find("\n", index)
    return start, text[start : end if end >= 0 else len(text)]


def _check_lines(text: str, node: Node, need: int) -> None:
    """Every line after the first of a flow collection or quoted value is indented by
    at least ``need`` spaces (tabs may follow them); in a flow collection, blank lines
    and comment lines may start anywhere."""
    quoted = isinstance(node, ScalarNode)
    first_start, _ = _line_of(text, node.start_mark.index)
    lines = text[first_start : node.end_mark.index].split("\n")
    for offset, line in enumerate(lines[1:], start=1):
        spaces = len(line) - len(line.lstrip(" "))
        rest = line[spaces:]
        if spaces >= need or not rest:
            continue
        if not quoted and (not rest.strip(" \t") or rest.lstrip(" \t").startswith("#")):
            continue
        what = (
            "quoted value"
            if quoted
            else "flow list"
            if isinstance(node, SequenceNode)
            else ("flow mapping")
        )
        opened = node.start_mark.line + 1
        more = f"; or close the quote on line {opened} if the value ends there" if quoted else ""
        plural = "s" if need != 1 else ""
        if rest.startswith("\t"):
            message = f"a tab indents this line of the {what} opened on line {opened}"
            hint = f"indent with spaces, not tabs: at least {need} space{plural} here{more}"
        else:
            message = f"this line of the {what} opened on line {opened} is not indented enough"
            hint = (
                f"indent it by at least {need} space{plural}, deeper than the key or list item "
                f"it belongs to{more}"
            )
        raise LoadError("YAML-SYNTAX", message, opened + offset, spaces + 1, hint)


def _check_empty_block(text: str, node: ScalarNode, parent: int) -> None:
    """Blank lines that open an empty block scalar have no more spaces than the line after.

    YAML takes a block scalar's indentation from its first non-blank line, and forbids
    blank lines before it with more spaces; libyaml takes the most spaces instead, and
    reads that line (a comment, say) as outside the empty scalar.
    """
    start = node.start_mark.index
    header_end = text.find("\n", start)
    header = text[start:header_end].partition("#")[0]
    if header_end < 0 or any(char.isdigit() for char in header):
        return  # an explicit indentation: nothing to detect
    blanks: list[tuple[int, int]] = []  # index, spaces
    at = header_end + 1
    while at < len(text):
        end = text.find("\n", at)
        line = text[at : end if end >= 0 else len(text)]
        if line.strip(" "):
            depth = len(line) - len(line.lstrip(" "))
            if depth > parent:  # YAML reads this line as the block's first
                for index, spaces in blanks:
                    if spaces > depth:
                        raise LoadError(
                            "YAML-SYNTAX",
                            f"blank line with more spaces ({spaces}) than the first line of "
                            f"the block value after it ({depth}, on line "
                            f"{text.count(chr(10), 0, at) + 1})",
                            text.count("\n", 0, index) + 1,
                            1,
                            "remove the spaces from the blank lines at the start of the value",
                        )
            return
        blanks.append((at, len(line)))
        if end < 0:
            return
        at = end + 1


def _check_comments(text: str, spans: list[tuple[int, int]]) -> None:
    """A ``#`` right after a quoted value, a bracket, a comma or a block scalar's header
    starts a comment for libyaml; YAML needs a space (or tab) before it."""
    spans.sort()
    starts = [start for start, _ in spans]
    for found in _TIGHT_COMMENT.finditer(text):
        line_start, line = _line_of(text, found.start() + 1)
        for offset, char in enumerate(line):
            if char != "#":
                continue
            at = line_start + offset
            i = bisect.bisect_right(starts, at) - 1
            if i >= 0 and spans[i][0] <= at < spans[i][1]:
                continue  # part of a value's text
            if offset and line[offset - 1] not in " \t":
                line_no = text.count("\n", 0, at) + 1
                raise LoadError(
                    "YAML-SYNTAX",
                    f"a comment needs a space before the '#' (after {line[offset - 1]!r})",
                    line_no,
                    offset + 1,
                    "put a space before the '#'; without one, other YAML tools reject the file",
                )
            break  # the comment starts here: the rest of the line is its text


#: a ``#`` right after what can end a token (a quote, a bracket, a comma, a block header)
_TIGHT_COMMENT = re.compile(r"[\"'\[\]{},:|>+0-9-]#")


def _question_keys(mapping: MappingNode, text: str) -> None:
    """``{?foo: bar}``: the key is ``?foo`` (libyaml read ``?`` as the key indicator)."""
    for index, (key, value) in enumerate(mapping.value):
        at = key.start_mark.index
        if at > 0 and text[at - 1] == "?" and at < len(text) and text[at] not in " \t\r\n":
            mapping.value[index] = (_question_key(key, text), value)


def _question_key(key: Node, text: str) -> ScalarNode:
    mark = key.start_mark
    if key.__class__ is not ScalarNode or key.style or not key.value:
        raise LoadError(
            "YAML-SYNTAX",
            "'?' directly before a key that is not plain text",
            mark.line + 1,
            mark.column,
            _QUESTION_HINT,
        )
    start = Mark(mark.name, mark.index - 1, mark.line, mark.column - 1, None, 0)
    return ScalarNode(_STR, "?" + key.value, start, key.end_mark, None)


def _question_items(sequence: SequenceNode, text: str) -> None:
    """``[?foo]`` is the text ``?foo``; ``[?foo: bar]`` a pair with the key ``?foo``."""
    for index, item in enumerate(sequence.value):
        if not isinstance(item, MappingNode) or len(item.value) != 1:
            continue
        at = item.start_mark.index
        if text[at : at + 1] != "?" or text[at + 1 : at + 2] in ("", " ", "\t", "\r", "\n"):
            continue
        key, value = item.value[0]
        after = key.end_mark.index
        while after < len(text) and text[after] in " \t\r\n":
            after += 1
        if text[after : after + 1] == ":":
            continue  # a pair: _question_keys has corrected its key
        if value.__class__ is not ScalarNode or value.value:
            raise LoadError(
                "YAML-SYNTAX",
                "'?' directly before a list item",
                item.start_mark.line + 1,
                item.start_mark.column + 1,
                _QUESTION_HINT,
            )
        sequence.value[index] = _question_key(key, text)


def day_of(value: object) -> dt.date | None:
    """A date read from a file's data: a date, the day of a timestamp, or an ISO date in
    text; None for anything else."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None
