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
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import yaml
from yaml._yaml import CParser
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
    than :data:`MAX_DEPTH` deep, whose values all read; it leaves every other document,
    and so every error and its position, to :class:`ExactBuilder`. About twice as fast:
    no per-node bookkeeping, and plain strings (most values) taken as they are.
    """

    def build(node: Node, depth: int) -> Any:
        if depth >= MAX_DEPTH:
            raise _UnusualError
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
