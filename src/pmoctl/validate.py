"""`pmoctl validate`: check a catalogue and return every finding at its position.

A whole-run result is cached under the repository's git folder, keyed by the content of
every file, the config and pmoctl itself, so that an unchanged catalogue is checked again
in milliseconds. The cache is consulted before the models, the parser and the rules are
even imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pmoctl import cache as result_cache
from pmoctl.catalogue import list_files
from pmoctl.findings import Finding, Severity

if TYPE_CHECKING:
    from pmoctl.catalogue import Catalogue


@dataclass
class ValidationResult:
    root: Path
    findings: list[Finding]
    files: int
    catalogue: Catalogue | None = None
    from_cache: bool = False

    def count(self, severity: Severity) -> int:
        return sum(1 for finding in self.findings if finding.severity is severity)


def validate_catalogue(
    root: Path, *, only: list[str] | None = None, jobs: int | None = None, use_cache: bool = True
) -> ValidationResult:
    """Check the catalogue at ``root``; ``only`` limits the report to these relative paths."""
    files = list_files(root)
    key = result_cache.key_for(root, files) if use_cache else None
    cached = result_cache.load(root, key) if key else None
    if cached is not None:
        findings = [_finding_from_dict(item) for item in cached]
        return ValidationResult(root, _only(findings, only), len(files), from_cache=True)
    from pmoctl.pipeline import apply_settings, load_catalogue, run_rules

    catalogue, findings, waivers = load_catalogue(root, jobs)
    findings.extend(run_rules(catalogue))
    findings = sorted(apply_settings(findings, catalogue.config, waivers), key=Finding.sort_key)
    if key:
        result_cache.store(root, key, [finding.as_dict() for finding in findings])
    return ValidationResult(root, _only(findings, only), len(files), catalogue)


def _only(findings: list[Finding], only: list[str] | None) -> list[Finding]:
    if not only:
        return findings
    wanted = set(only)
    return [finding for finding in findings if finding.path in wanted]


def _finding_from_dict(item: dict[str, Any]) -> Finding:
    return Finding(
        item["path"], item["line"], item["column"], Severity(item["severity"]), item["rule"],
        item["message"], item.get("hint", ""),
    )
