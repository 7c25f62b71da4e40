"""Validation results: the cached answer for an unchanged catalogue, and when findings fail
a run.

A whole-run result is cached under the repository's git folder, keyed by the content of
every file, the config and pmoctl itself (:mod:`.result_cache`). This module answers from
it without the models, the parser or the rules, so that `pmoctl validate` on an unchanged
catalogue imports none of them; :mod:`.validate` does the whole run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pmoctl.catalogue.files import list_files
from pmoctl.findings import Finding, Severity
from pmoctl.rules import result_cache

if TYPE_CHECKING:
    from pmoctl.catalogue.files import Catalogue


@dataclass
class ValidationResult:
    root: Path
    findings: list[Finding]
    files: int
    catalogue: Catalogue | None = None
    from_cache: bool = False

    def count(self, severity: Severity) -> int:
        return sum(1 for finding in self.findings if finding.severity is severity)


def cached_result(root: Path, *, only: list[str] | None = None) -> ValidationResult | None:
    """The cached result of validating ``root``, if nothing it depends on has changed."""
    files = list_files(root)
    return answer_from_cache(root, files, result_cache.key_for(root, files), only)


def answer_from_cache(
    root: Path, files: list[str], key: str | None, only: list[str] | None
) -> ValidationResult | None:
    cached = result_cache.load(root, key) if key else None
    if cached is None:
        return None
    try:
        findings = [_finding_from_dict(item) for item in cached]
    except (KeyError, TypeError, ValueError):  # a damaged cache file: check again
        return None
    return ValidationResult(root, only_in(findings, only), checked(files, only), from_cache=True)


def fails(severities: list[str], fail_on: str) -> bool:
    """Whether findings of these severities fail the run (``--fail-on``)."""
    if fail_on == "never":
        return False
    if fail_on == "warning":
        return bool(severities)
    return "error" in severities


def checked(files: list[str], only: list[str] | None) -> int:
    """How many files the report covers: every catalogue file, or those of ``only``."""
    if not only:
        return len(files)
    return len(set(only) & set(files))


def only_in(findings: list[Finding], only: list[str] | None) -> list[Finding]:
    if not only:
        return findings
    wanted = set(only)
    # a finding at a folder (a linked services/) concerns every file named in it
    folders = {rel.rpartition("/")[0] for rel in only}
    return [f for f in findings if f.path in wanted or f.path in folders]


def _finding_from_dict(item: dict[str, Any]) -> Finding:
    """A finding read back from the cache; ValueError if the entry is not one we wrote."""
    texts = (item["path"], item["rule"], item["message"], item.get("hint", ""))
    numbers = (item["line"], item["column"])
    if not all(isinstance(text, str) for text in texts) or not all(
        type(number) is int for number in numbers
    ):
        raise ValueError("not a cached finding")
    path, rule, message, hint = texts
    line, column = numbers
    return Finding(path, line, column, Severity(item["severity"]), rule, message, hint)
