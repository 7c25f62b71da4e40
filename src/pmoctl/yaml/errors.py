"""The loader's one exception, and how a parser problem becomes it: rule, message, position.

Both the YAML 1.2 construction (:mod:`pmoctl.yaml.yaml12`) and the file reader
(:mod:`pmoctl.yaml.loader`) refuse input, and both must word and place a refusal the same way
(1-based line and column, a one-line message, a hint). This module sits below them both,
so that neither imports the other for it. It imports no PyYAML at module level (only once
a file has failed to parse, to look for an unclosed quote).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pmoctl.findings import LoadError

__all__ = [
    "DEPTH_HINT",
    "LoadError",
    "MAX_DEPTH",
    "MAX_INT_DIGITS",
    "bad_tag",
    "error_at",
    "error_at_mark",
    "forbidden",
    "from_marked_error",
    "node_position",
    "one_line",
    "quoted",
]

if TYPE_CHECKING:
    import yaml
    from yaml.nodes import Node


#: deepest nesting of lists and mappings a catalogue file may have
MAX_DEPTH = 32
#: longest integer (in digits) a catalogue file may hold: int() of a huge one is slow
MAX_INT_DIGITS = 100
DEPTH_HINT = f"flatten the structure: at most {MAX_DEPTH} levels of lists and mappings"


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
    if "maximum nesting depth" in message:  # libyaml's own limit (PyYAML 6.0.4 and later)
        return LoadError(
            "YAML-DEPTH", f"nesting deeper than {MAX_DEPTH} levels", line, column, DEPTH_HINT
        )
    if "incompatible YAML document" in message:  # %YAML 1.3, %YAML 2.0
        return LoadError(
            "YAML-DIRECTIVE",
            "unsupported %YAML version (%YAML and %TAG directives are not allowed)",
            line,
            column,
            "remove the directive; catalogue files are always YAML 1.2",
        )
    if "single document" in message:
        hint = "a catalogue file holds one document: remove the extra '---'"
        return LoadError("YAML-DOCUMENTS", one_line(message), line, column, hint)
    # A quote left open runs on to the next quote in the file, where libyaml finally
    # fails (or to the end of the file): the place to fix is where it was opened.
    opened = _unclosed_quote(error, text)
    if opened is not None:
        return opened
    hint = ""
    if is_tab:
        hint = "indent with spaces, not tabs"
    elif mark is not None and "cannot start any token" in message and text[mark.index] in "%@`":
        start, line_text = _line_at(text, mark.index)
        value = line_text[mark.index - start :].split(" #", 1)[0].rstrip()
        char = text[mark.index]
        message = f"text without quotes cannot start with {char}"
        hint = f"quote it: {_single_quoted(value)}"
    elif "mapping values are not allowed" in message and mark is not None:
        misplaced = _indented_key(text, mark.index)
        if misplaced is not None:
            return misplaced
        hint = "quote the value: it contains ': '"
    elif error.context_mark is not None and error.context_mark is not mark:
        hint = f"the construct started on line {error.context_mark.line + 1}"
    elif "document start" in message:
        hint = (
            "a catalogue file holds one document: remove the '...' or '---' line and what follows"
        )
    else:
        hint = "check the quoting and indentation here"
    return LoadError("YAML-SYNTAX", one_line(message), line, column, hint)


def _single_quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _line_at(text: str, index: int) -> tuple[int, str]:
    """The start index and the text of the line holding ``index``."""
    start = text.rfind("\n", 0, index) + 1
    end = text.find("\n", index)
    return start, text[start : end if end >= 0 else len(text)]


def _indentation(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


#: the indentation of a line and the list dashes that start it: where its key begins
_ITEM_START = re.compile(r"[ ]*(?:-[ ]+)*")


def _indented_key(text: str, colon: int) -> LoadError | None:
    """The finding for ``key:`` on a line indented deeper than the key above it.

    libyaml reads such a line as more text of the value above, and then fails at the
    colon ("mapping values are not allowed"); the fix is the indentation, not quoting.
    """
    start, line = _line_at(text, colon)
    key = text[start:colon].strip()
    if not key or any(char in key for char in " \t\"'#") or start == 0:
        return None  # text with ': ' in it (quote it), or no line above
    above_start, above = _line_at(text, start - 1)
    while above_start > 0 and (not above.strip() or above.lstrip().startswith("#")):
        above_start, above = _line_at(text, above_start - 1)
    spaces = len(_ITEM_START.match(above).group())  # type: ignore[union-attr]
    if not above.strip() or spaces >= _indentation(line):
        return None
    above_line = text.count("\n", 0, above_start) + 1
    how = f"indent it by {spaces} spaces" if spaces else "start it at the beginning of the line"
    return LoadError(
        "YAML-SYNTAX",
        f"key {key!r} is indented {_indentation(line)} spaces, more than the key above it",
        text.count("\n", 0, start) + 1,
        _indentation(line) + 1,
        f"the indentation is off: {how}, like the key on line {above_line}",
    )


def _unclosed_quote(error: yaml.MarkedYAMLError, text: str) -> LoadError | None:
    """A finding at the quote that caused ``error`` by running on past its line, if any."""
    opened: Any = None
    if error.context == "while scanning a quoted scalar" and error.context_mark is not None:
        opened = error.context_mark
    else:
        # the tokens before the error: a quoted value that went on to a line indented no
        # deeper than its own is one whose closing quote is missing
        import yaml as pyyaml
        from yaml._yaml import CParser

        parser = CParser(text)
        try:
            while opened is None:
                token = parser.get_token()
                if token is None:
                    break
                if (
                    isinstance(token, pyyaml.ScalarToken)
                    and token.style in ("'", '"')
                    and token.end_mark.line > token.start_mark.line
                    and _runs_out(text, token.start_mark.index, token.end_mark.index)
                ):
                    opened = token.start_mark
        except pyyaml.YAMLError:
            pass
        finally:
            parser.dispose()
    if opened is None:
        return None
    quote = text[opened.index]
    return LoadError(
        "YAML-SYNTAX",
        f"the quoted value opened here is not closed on its line (no closing {quote})",
        opened.line + 1,
        opened.column + 1,
        f"add the closing {quote} at the end of the value; a value in quotes that goes on to "
        "the next lines must indent them",
    )


def _runs_out(text: str, start: int, end: int) -> bool:
    """Whether a quoted value from ``start`` to ``end`` goes on to a line no deeper than its own."""
    first_start, first = _line_at(text, start)
    depth = _indentation(first)
    for line in text[first_start:end].split("\n")[1:]:
        if line.strip() and _indentation(line) <= depth:
            return True
    return False


def one_line(text: str) -> str:
    """``text`` with every run of whitespace (newlines too) made one space."""
    return " ".join(text.split())


def quoted(text: str, limit: int = 40) -> str:
    """``text`` quoted for a message, cut to ``limit`` characters."""
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return repr(shown)
