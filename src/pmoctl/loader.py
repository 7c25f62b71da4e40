"""Read one catalogue file into plain Python data, or into a finding at its position.

The fast path composes the YAML with libyaml (PyYAML's C parser) and builds the data with
our own small YAML 1.2 constructor, so values read exactly as ruamel.yaml (which rewrites
files in transitions) reads them: ``no`` is a string, ``0755`` is 755, ``2024-01-15`` a date.

Nothing in a user's file may stop the run or leave it unbounded. So, before parsing:
the file must be a regular file (not a symlink) inside the catalogue, at most
``max_bytes`` long, UTF-8, free of control characters and ambiguous line breaks. While
building: anchors, aliases, merge keys, explicit tags, ``%YAML``/``%TAG`` directives,
non-scalar or duplicate keys and nesting deeper than :data:`MAX_DEPTH` are refused.
Every exception the parser raises, whatever its class, becomes a :class:`LoadError`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml._yaml import CParser
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from pmoctl.findings import DocPath

MAX_DEPTH = 32
MAX_BYTES = 262_144
MAX_INT_DIGITS = 100

_TAG = "tag:yaml.org,2002:"
_DEPTH_HINT = f"flatten the structure: at most {MAX_DEPTH} levels of lists and mappings"
_BIG = "quote the value if it is text (an id or a code); numbers that long are refused"


class LoadError(Exception):
    """A file that cannot be read as catalogue YAML. ``line``/``column`` are 1-based."""

    def __init__(self, rule: str, message: str, line: int = 0, column: int = 0, hint: str = ""):
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.line = line
        self.column = column
        self.hint = hint


class _Core12Resolver(BaseResolver):
    """The YAML 1.2 core schema, as ruamel.yaml resolves it (plus dates and merge keys)."""


for _tag, _pattern, _first in (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    (
        "int",
        r"^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+)$",
        "-+0123456789",
    ),
    (
        "float",
        r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)"
        r"|\.[0-9_]+(?:[eE][-+][0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
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


class _Composer(CParser, _Core12Resolver):
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


# Cheap tests that route a file to the slower, exact event scan (anchors, tags,
# directives, deep nesting). Ordinary service files match none of them.
_MAYBE_ANCHOR_OR_TAG = re.compile(r"(?:^|[\s\[{,])[&*!][^\s,\[\]{}]", re.MULTILINE)
# ``^[ \t?:-]{32,}`` in MULTILINE mode, split so that the search can skip to each newline
_DEEP_BLOCK_AT_START = re.compile(r"[ \t?:-]{32}")
_DEEP_BLOCK_AFTER_NEWLINE = re.compile(r"\n[ \t?:-]{32}")
#: more flow brackets than this, and composing could exhaust the C stack before the
#: depth is known: the event scan (which keeps no stack) checks the depth first
_STACK_SAFE_BRACKETS = 1000
# C0 and C1 controls (but tab, LF, CR), NEL and the Unicode line/paragraph separators
# (parsers disagree on them), bidi overrides (they hide text), and a BOM past the start.
_FORBIDDEN_CHARS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]"
)


#: the ASCII characters a catalogue file may hold: a file of only these needs no search
_PLAIN_ASCII = bytes(range(0x20, 0x7F)) + b"\t\n\r"


@dataclass(frozen=True, slots=True)
class Loaded:
    """A file read and parsed: its text (for positions) and its data."""

    text: str
    data: dict[str, Any]


def read_text(root: Path, rel: str, max_bytes: int = MAX_BYTES) -> str:
    """Read ``root/rel`` as UTF-8 text, refusing anything that is not a plain small file."""
    path = root / rel
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise LoadError("FILE-MISSING", "file does not exist") from None
    except OSError as error:
        raise LoadError("FILE-READ", f"cannot read file: {error.strerror}") from None
    if stat.S_ISLNK(info.st_mode):
        raise LoadError(
            "FILE-SYMLINK",
            "file is a symbolic link; catalogue files must be regular files",
            hint="replace the link with the file itself (a link can point outside the repository)",
        )
    if not stat.S_ISREG(info.st_mode):
        raise LoadError("FILE-READ", "not a regular file")
    if info.st_size > max_bytes:
        raise LoadError(
            "FILE-SIZE",
            f"file is {info.st_size} bytes; the limit is {max_bytes}",
            hint="split the file, or raise max_file_bytes in pmoctl.yaml",
        )
    try:
        with open(path, "rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as error:
        raise LoadError("FILE-READ", f"cannot read file: {error.strerror}") from None
    if len(raw) > max_bytes:
        raise LoadError("FILE-SIZE", f"file is larger than the limit of {max_bytes} bytes")
    return decode(raw)


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
    try:
        root = top_mapping(compose(text))
        data = _build_fast(root) if "&" not in text else None  # no anchor: no alias either
        if data is None:
            if flow_heavy:
                flow_heavy = False
                _scan_events(text)
            data = _Builder().build(root, 0)
    except LoadError:
        if flow_heavy:
            _scan_events(text)
        raise
    assert isinstance(data, dict)
    return data


def top_mapping(root: Node | None) -> MappingNode:
    """The document's top-level mapping; a finding if it is empty or something else."""
    if root is None or (  # a bare '---' is a document holding only an empty null
        isinstance(root, ScalarNode) and root.tag == _NULL and not root.value
    ):
        raise LoadError("YAML-EMPTY", "file is empty", 1, 1, hint="run `pmoctl new` for a template")
    if not isinstance(root, MappingNode):
        line, column = _mark(root)
        raise LoadError(
            "YAML-STRUCTURE",
            "the top level must be a mapping of keys to values",
            line,
            column,
            hint="write one `key: value` per line, starting with format: 1 and kind: ...",
        )
    return root


def _needs_scan(text: str) -> bool:
    """Whether the text may hold anchors, aliases, tags, directives or deep block nesting."""
    if ("&" in text or "*" in text or "!" in text) and _MAYBE_ANCHOR_OR_TAG.search(text):
        return True
    if text.startswith("%") or "\n%" in text:
        return True
    return bool(_DEEP_BLOCK_AT_START.match(text) or _DEEP_BLOCK_AFTER_NEWLINE.search(text))


class _UnusualError(Exception):
    """The fast builder met something it leaves to :class:`_Builder` (and its findings)."""


def _build_fast(root: MappingNode) -> dict[str, Any] | None:
    """The data of an ordinary document, or None when :class:`_Builder` must decide.

    Gives exactly what :class:`_Builder` gives, for documents without anchors (so without
    aliases), without merge keys or tags other than the core ones, nesting less than
    :data:`MAX_DEPTH` deep, whose values all read; it leaves every other document, and
    so every error and its position, to :class:`_Builder`. About twice as fast: no
    per-node bookkeeping, and plain strings (most values) taken as they are.
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


def compose(text: str) -> Node | None:
    """Compose the node tree with libyaml; any failure becomes a :class:`LoadError`."""
    composer = _Composer(text)
    try:
        return composer.get_single_node()
    except yaml.MarkedYAMLError as error:
        raise _marked(error, text) from None
    except yaml.YAMLError as error:
        raise LoadError("YAML-SYNTAX", _one_line(str(error)), 1, 1) from None
    except RecursionError:
        raise LoadError(
            "YAML-DEPTH", f"nesting deeper than {MAX_DEPTH} levels", 1, 1, _DEPTH_HINT
        ) from None
    except Exception as error:  # the parser raises plain ValueError & co. on some input
        raise LoadError("YAML-SYNTAX", f"unreadable YAML ({type(error).__name__})", 1, 1) from None
    finally:
        composer.dispose()


def _scan_events(text: str) -> None:
    """Exact check of what the fast path cannot see: anchors, tags, directives, depth."""
    composer = _Composer(text)
    depth = 0
    try:
        while True:
            event = composer.get_event()
            if event is None or isinstance(event, yaml.StreamEndEvent):
                return
            where: Any = event.start_mark  # always set on events from libyaml
            if isinstance(event, yaml.DocumentStartEvent) and (event.version or event.tags):
                raise LoadError(
                    "YAML-DIRECTIVE",
                    "%YAML and %TAG directives are not allowed",
                    where.line + 1,
                    where.column + 1,
                    hint="remove the directive; catalogue files are always YAML 1.2",
                )
            if isinstance(event, yaml.AliasEvent):
                raise _forbidden("alias", where)
            anchor = getattr(event, "anchor", None)
            if anchor is not None:
                raise _forbidden("anchor", where)
            tag = getattr(event, "tag", None)
            if tag is not None and tag != "!" and not _implicit(event):
                raise LoadError(
                    "YAML-TAG",
                    f"explicit tag {_quote(tag)} is not allowed",
                    where.line + 1,
                    where.column + 1,
                    hint="remove the tag; quote the value if it must be a string",
                )
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise LoadError(
                        "YAML-DEPTH",
                        f"nesting deeper than {MAX_DEPTH} levels",
                        where.line + 1,
                        where.column + 1,
                        _DEPTH_HINT,
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as error:
        raise _marked(error, text) from None
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


_KIND_OF_KEY = {
    int: "a number",
    float: "a number",
    bool: "true or false",
    type(None): "null",
    dt.date: "a date",
    dt.datetime: "a date and time",
}


class _Builder:
    """Builds dicts, lists and scalars from nodes; one instance per file."""

    def __init__(self) -> None:
        self.seen: set[int] = set()

    def build(self, node: Node, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise _at(node, "YAML-DEPTH", f"nesting deeper than {MAX_DEPTH} levels", _DEPTH_HINT)
        if id(node) in self.seen:  # libyaml hands back the same node for an alias
            raise _forbidden("alias", node.start_mark)
        self.seen.add(id(node))
        if isinstance(node, ScalarNode):
            return _scalar(node)
        if isinstance(node, SequenceNode):
            if node.tag != _TAG + "seq":
                raise _bad_tag(node)
            return [self.build(item, depth + 1) for item in node.value]
        if isinstance(node, MappingNode):
            if node.tag != _TAG + "map":
                raise _bad_tag(node)
            result: dict[Any, Any] = {}
            first_line: dict[Any, int] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, ScalarNode):
                    raise _at(
                        key_node,
                        "YAML-KEY",
                        "keys must be plain values, not lists or maps",
                        hint="write the key as plain text (a name or an id) before the colon",
                    )
                if key_node.tag == _TAG + "merge":
                    raise _at(
                        key_node,
                        "YAML-ANCHOR",
                        "merge keys (<<) are not allowed",
                        hint="write the keys out in full",
                    )
                key = _scalar(key_node)
                if not isinstance(key, str):  # 1 and true would even be the same key
                    kind = _KIND_OF_KEY.get(type(key), "a value")
                    raise _at(
                        key_node,
                        "YAML-KEY",
                        f"key {_quote(key_node.value)} is read as {kind}, not as text",
                        hint=f"quote it: '{key_node.value}'",
                    )
                if key in result:
                    raise _at(
                        key_node,
                        "YAML-DUPLICATE-KEY",
                        f"duplicate key {_quote(str(key))}",
                        hint=f"the first one is on line {first_line[key]}; keep one of them",
                    )
                first_line[key] = key_node.start_mark.line + 1
                result[key] = self.build(value_node, depth + 1)
            return result
        raise _at(node, "YAML-SYNTAX", "unexpected node")  # pragma: no cover


def _scalar(node: ScalarNode) -> Any:
    tag: str = node.tag
    value: str = node.value
    if tag == _TAG + "str":
        return value
    if tag == _TAG + "null":
        return None
    if tag == _TAG + "bool":
        if value in ("true", "True", "TRUE"):
            return True
        if value in ("false", "False", "FALSE"):
            return False
    elif tag == _TAG + "int":
        digits = value.replace("_", "")
        if len(digits) > MAX_INT_DIGITS:
            raise _at(node, "YAML-VALUE", f"number with more than {MAX_INT_DIGITS} digits", _BIG)
        try:
            return _int(digits)
        except ValueError:
            pass
    elif tag == _TAG + "float":
        text = value.replace("_", "").lower()
        if text in (".inf", "+.inf", "-.inf", ".nan"):
            raise _at(
                node,
                "YAML-VALUE",
                "infinity and NaN are not allowed",
                hint="write a finite number, or quote the value if it is text",
            )
        if len(text) > MAX_INT_DIGITS:
            raise _at(node, "YAML-VALUE", f"number with more than {MAX_INT_DIGITS} digits", _BIG)
        try:
            return float(text)
        except ValueError:
            pass
    elif tag == _TAG + "timestamp":
        try:
            return _timestamp(value)
        except ValueError as error:
            raise _at(
                node,
                "YAML-VALUE",
                f"{_quote(value)} is not a valid date ({error})",
                hint="write dates as YYYY-MM-DD",
            ) from None
    elif tag == _TAG + "merge":
        return value
    else:
        raise _bad_tag(node)
    raise _at(
        node,
        "YAML-VALUE",
        f"{_quote(value)} is not a valid {tag.removeprefix(_TAG)}",
        hint="quote the value if it is text",
    )


def _int(digits: str) -> int:
    sign = -1 if digits.startswith("-") else 1
    body = digits.lstrip("+-")
    if body.startswith("0b"):
        return sign * int(body[2:], 2)
    if body.startswith("0x"):
        return sign * int(body[2:], 16)
    if body.startswith("0o"):
        return sign * int(body[2:], 8)
    return sign * int(body, 10)


def _timestamp(value: str) -> dt.date | dt.datetime:
    if len(value) == 10:
        return dt.date.fromisoformat(value)
    normalised = re.sub(r"[ \t]+", "T", value.strip(), count=1).replace("t", "T")
    normalised = re.sub(r"[ \t]+", "", normalised).replace("Z", "+00:00")
    return dt.datetime.fromisoformat(normalised)


def _mark(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _at(node: Node, rule: str, message: str, hint: str = "") -> LoadError:
    line, column = _mark(node)
    return LoadError(rule, message, line, column, hint)


def _bad_tag(node: Node) -> LoadError:
    return _at(
        node,
        "YAML-TAG",
        f"explicit tag {_quote(node.tag)} is not allowed",
        hint="remove the tag; quote the value if it must be a string",
    )


def _forbidden(what: str, mark: Any) -> LoadError:
    return LoadError(
        "YAML-ANCHOR",
        f"YAML {what}s are not allowed in catalogue files",
        mark.line + 1,
        mark.column + 1,
        hint="write the value out in full (anchors and aliases can expand without bound)",
    )


def _marked(error: yaml.MarkedYAMLError, text: str) -> LoadError:
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = (error.problem or "invalid YAML").replace("\t", "\\t")
    is_tab = mark is not None and text[mark.index : mark.index + 1] == "\t"
    if is_tab:
        problem = "a tab character cannot start a token"
    message = f"{error.context}: {problem}" if error.context else problem
    hint = ""
    if is_tab:
        hint = "indent with spaces, not tabs"
    elif "expected a single document" in message:
        hint = "a catalogue file holds one document: remove the extra '---'"
    elif error.context_mark is not None and error.context_mark is not mark:
        hint = f"the construct started on line {error.context_mark.line + 1}"
    elif "mapping values are not allowed" in message:
        hint = "quote the value: it contains ': '"
    elif "document start" in message:
        hint = (
            "a catalogue file holds one document: remove the '...' or '---' line and what follows"
        )
    else:
        hint = "check the quoting and indentation here"
    rule = "YAML-DOCUMENTS" if "single document" in message else "YAML-SYNTAX"
    if "incompatible YAML document" in message:  # %YAML 1.3, %YAML 2.0
        rule, hint = "YAML-DIRECTIVE", "remove the directive; catalogue files are always YAML 1.2"
        message = "unsupported %YAML version (%YAML and %TAG directives are not allowed)"
    return LoadError(rule, _one_line(message), line, column, hint)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _quote(text: str, limit: int = 40) -> str:
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return repr(shown)


def locate(text: str, doc_path: DocPath, *, at_key: bool = False) -> tuple[int, int]:
    """Line and column (1-based) of the node at ``doc_path``, or of its deepest ancestor.

    Elements that do not name a key or index (pydantic's union member tags) are skipped.
    """
    try:
        node: Node | None = compose(text)
    except LoadError as error:
        return error.line, error.column
    if node is None:
        return 1, 1
    key_node: Node | None = None
    for element in doc_path:
        if isinstance(node, MappingNode):
            for candidate_key, candidate_value in node.value:
                if isinstance(candidate_key, ScalarNode) and candidate_key.value == str(element):
                    key_node, node = candidate_key, candidate_value
                    break
            else:
                if isinstance(element, str) and element == "[key]":
                    break
                continue
        elif isinstance(node, SequenceNode) and isinstance(element, int):
            if element >= len(node.value):
                break
            key_node, node = None, node.value[element]
        else:
            break
    target = key_node if (at_key and key_node is not None) else node
    assert target is not None
    return _mark(target)
