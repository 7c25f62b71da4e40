"""The loader's one exception, and how a parser problem becomes it: rule, message, position.

Both the YAML 1.2 construction (:mod:`pmoctl.yaml.yaml12`) and the file reader
(:mod:`pmoctl.yaml.loader`) refuse input, and both must word and place a refusal the same way
(1-based line and column, a one-line message, a hint). This module sits below them both,
so that neither imports the other for it. It imports nothing at run time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import yaml
    from yaml.nodes import Node


#: deepest nesting of lists and mappings a catalogue file may have
MAX_DEPTH = 32
#: longest integer (in digits) a catalogue file may hold: int() of a huge one is slow
MAX_INT_DIGITS = 100
DEPTH_HINT = f"flatten the structure: at most {MAX_DEPTH} levels of lists and mappings"


class LoadError(Exception):
    """A file that cannot be read as catalogue YAML. ``line``/``column`` are 1-based."""

    def __init__(self, rule: str, message: str, line: int = 0, column: int = 0, hint: str = ""):
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.line = line
        self.column = column
        self.hint = hint


def node_position(node: Node) -> tuple[int, int]:
    """1-based line and column where a node starts."""
    return node.start_mark.line + 1, node.start_mark.column + 1


def error_at_mark(mark: Any, rule: str, message: str, hint: str = "") -> LoadError:
    """A finding at a libyaml mark (0-based line and column, as on nodes and events)."""
    return LoadError(rule, message, mark.line + 1, mark.column + 1, hint)


def error_at(node: Node, rule: str, message: str, hint: str = "") -> LoadError:
    """A finding at the start of ``node``."""
    return error_at_mark(node.start_mark, rule, message, hint)


def bad_tag(tag: str, mark: Any) -> LoadError:
    """An explicit tag (``!!str``, ``!custom``) at a mark: refused."""
    return error_at_mark(
        mark,
        "YAML-TAG",
        f"explicit tag {quoted(tag)} is not allowed",
        hint="remove the tag; quote the value if it must be a string",
    )


def forbidden(what: str, mark: Any) -> LoadError:
    """An anchor or alias at a libyaml mark: refused (they can expand without bound)."""
    return error_at_mark(
        mark,
        "YAML-ANCHOR",
        f"YAML {what}s are not allowed in catalogue files",
        hint="write the value out in full (anchors and aliases can expand without bound)",
    )


def from_marked_error(error: yaml.MarkedYAMLError, text: str) -> LoadError:
    """The finding for a libyaml syntax error, with a hint for the usual causes."""
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
    if "maximum nesting depth" in message:  # libyaml's own limit (PyYAML 6.0.4 and later)
        rule, message, hint = "YAML-DEPTH", f"nesting deeper than {MAX_DEPTH} levels", DEPTH_HINT
    if "incompatible YAML document" in message:  # %YAML 1.3, %YAML 2.0
        rule, hint = "YAML-DIRECTIVE", "remove the directive; catalogue files are always YAML 1.2"
        message = "unsupported %YAML version (%YAML and %TAG directives are not allowed)"
    return LoadError(rule, one_line(message), line, column, hint)


def one_line(text: str) -> str:
    """``text`` with every run of whitespace (newlines too) made one space."""
    return " ".join(text.split())


def quoted(text: str, limit: int = 40) -> str:
    """``text`` quoted for a message, cut to ``limit`` characters."""
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return repr(shown)
