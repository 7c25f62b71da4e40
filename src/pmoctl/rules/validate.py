"""`pmoctl validate`: check a catalogue and return every finding at its position.

An unchanged catalogue is answered from the cache (:mod:`.results`); otherwise the whole
run (:func:`pmoctl.rules.engine.check_all`) is done and its result cached.
"""

from __future__ import annotations

from pathlib import Path

from pmoctl.catalogue import pipeline
from pmoctl.catalogue.files import list_files
from pmoctl.rules import result_cache
from pmoctl.rules.engine import check_all
from pmoctl.rules.results import ValidationResult, answer_from_cache, checked, only_in
from pmoctl.runtime import gc_paused

__all__ = ["ValidationResult", "validate_catalogue"]


def validate_catalogue(
    root: Path, *, only: list[str] | None = None, jobs: int | None = None, use_cache: bool = True
) -> ValidationResult:
    """Check the catalogue at ``root``; ``only`` limits the report to these relative paths."""
    files = list_files(root)
    key = result_cache.key_for(root, files) if use_cache else None
    cached = answer_from_cache(root, files, key, only)
    if cached is not None:
        return cached

    with gc_paused():
        catalogue, findings = check_all(root, jobs, slim=len(files) >= pipeline.SLIM_THRESHOLD)
    if key:
        result_cache.store(root, key, [finding.as_dict() for finding in findings])
    return ValidationResult(root, only_in(findings, only), checked(files, only), catalogue)
