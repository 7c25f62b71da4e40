"""A finding: one problem in the user's files, at a position, with a rule id and a hint."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"

    @property
    def rank(self) -> int:
        return 2 if self is Severity.ERROR else 1


#: A path inside a document, as pydantic reports it: keys and list indexes.
DocPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem. ``path`` is relative to the catalogue root, in POSIX form.

    ``line`` and ``column`` are 1-based; 0 means the finding concerns the file as a whole
    (or a file that does not exist, such as a missing organisation.yaml).
    """

    path: str
    line: int
    column: int
    severity: Severity
    rule: str
    message: str
    hint: str = ""
    #: where in the document the finding points; used to find line and column lazily
    doc_path: DocPath | None = field(default=None, compare=False)
    #: how many findings of its rule in its file this one stands for (the run bounds
    #: the work spent on a file that repeats one problem without end)
    stands_for: int = field(default=1, compare=False)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line, self.column, self.rule, self.message)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = self.severity.value
        data.pop("doc_path")
        data.pop("stands_for")
        return data


@dataclass(frozen=True, slots=True)
class Pending:
    """A finding whose line and column are still to be looked up from ``doc_path``.

    Rules produce these (they work on models, not on YAML nodes); the validator turns
    them into :class:`Finding` by composing the file once more, only when needed.
    """

    path: str
    doc_path: DocPath
    rule: str
    message: str
    hint: str = ""
    #: point at the key rather than the value (for unknown or misplaced keys)
    at_key: bool = False
    severity: Severity | None = None


class LoadError(Exception):
    """A file that cannot be read as a catalogue file: a finding about it, raised by the
    reader (:mod:`pmoctl.fileio`) and the YAML loader. ``line``/``column`` are 1-based."""

    def __init__(self, rule: str, message: str, line: int = 0, column: int = 0, hint: str = ""):
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.line = line
        self.column = column
        self.hint = hint
