"""The validation run: load the catalogue, run every cross-document rule, place and settle
the findings.

:func:`check_all` is everything `pmoctl validate` reports, and what `render` checks first:
the files loaded with their own findings (:mod:`pmoctl.catalogue.pipeline`), the rules'
findings placed in their files, the catalogue's settings and inline waivers applied, at
most :data:`~pmoctl.catalogue.schema_errors.MAX_FINDINGS` of a rule in a file, sorted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from pmoctl.catalogue.files import Catalogue
from pmoctl.catalogue.loading import Waiver
from pmoctl.catalogue.models import Config
from pmoctl.catalogue.pipeline import load_catalogue
from pmoctl.catalogue.schema_errors import MAX_FINDINGS
from pmoctl.findings import Finding, Pending, Severity
from pmoctl.rules import all_rules, checks
from pmoctl.rules._common import rule_hint
from pmoctl.yaml.loader import LoadError, Locator, locate, read_text


def check_all(
    root: Path, jobs: int | None = None, *, slim: bool = False
) -> tuple[Catalogue, list[Finding]]:
    """Everything `pmoctl validate` reports: load, cross-document rules, the catalogue's
    settings and waivers, sorted. Render and validate both use it."""
    catalogue, loaded, waivers = load_catalogue(root, jobs, slim=slim)
    findings = at_most_per_rule_and_file(sorted(loaded, key=Finding.sort_key))
    findings.extend(run_rules(catalogue))
    settled = apply_settings(findings, catalogue.config, waivers)
    return catalogue, sorted(settled, key=Finding.sort_key)


_Item = TypeVar("_Item", Finding, Pending)


def _at_most(
    items: Iterable[_Item], key: Callable[[_Item], tuple[str, str]], limit: int
) -> tuple[list[_Item], dict[int, int]]:
    """The first ``limit`` items of each key, and one more where there are more: by its
    index in the result, how many it stands for (a file may name the same unknown id
    thousands of times: the report stays readable, and its making bounded)."""
    kept: list[_Item] = []
    counts: dict[tuple[str, str], int] = {}
    stands_for: dict[int, int] = {}
    at: dict[tuple[str, str], int] = {}
    for item in items:
        group = key(item)
        count = counts[group] = counts.get(group, 0) + 1
        if count <= limit:
            kept.append(item)
        elif count == limit + 1:
            at[group] = len(kept)
            stands_for[len(kept)] = 1
            kept.append(item)
        else:
            stands_for[at[group]] += 1
    return kept, stands_for


def _more(finding: Finding, more: int) -> Finding:
    """The finding that stands for ``more`` findings of its rule in its file."""
    return Finding(
        finding.path,
        finding.line,
        finding.column,
        finding.severity,
        finding.rule,
        f"... and {more:,} more {finding.rule} finding{'s' if more > 1 else ''} in this file",
        f"only the first {MAX_FINDINGS} of a rule are listed; fix them and validate again",
    )


def at_most_per_rule_and_file(findings: Iterable[Finding]) -> list[Finding]:
    """The first findings of each rule in each file (in the given order), then one that
    counts the rest."""
    kept, stands_for = _at_most(findings, lambda f: (f.path, f.rule), MAX_FINDINGS)
    for index, more in stands_for.items():
        kept[index] = _more(kept[index], more)
    return kept


def run_rules(catalogue: Catalogue) -> list[Finding]:
    """Every cross-document rule, its findings located in their files (at most
    :data:`MAX_FINDINGS` of a rule in a file, then one that counts the rest)."""
    found: list[Pending] = []
    for rule in checks():
        assert rule.check is not None
        found.extend(rule.check(catalogue))
    pendings, stands_for = _at_most(found, lambda p: (p.path, p.rule), MAX_FINDINGS)
    # one file at a time, composed once for all of its findings (and then let go)
    by_path: dict[str, list[int]] = {}
    for index, pending in enumerate(pendings):
        by_path.setdefault(pending.path, []).append(index)
    positions: dict[int, tuple[int, int]] = {}
    for path, indexes in by_path.items():
        try:
            locator = Locator(read_text(catalogue.root, path))
        except LoadError:
            positions.update(dict.fromkeys(indexes, (0, 0)))
            continue
        for index in indexes:
            pending = pendings[index]
            positions[index] = locator.locate(pending.doc_path, at_key=pending.at_key)
    rules = all_rules()
    findings = [
        _finding(pending, *positions[index], rules[pending.rule].severity)
        for index, pending in enumerate(pendings)
    ]
    for index, more in stands_for.items():
        findings[index] = _more(findings[index], more)
    return findings


def locate_pending(
    root: Path, pending: Pending, default: Severity, texts: dict[str, str | None]
) -> Finding:
    """The finding a rule's ``pending`` one is: its document path turned into a line and
    column, its severity ``default`` unless the rule gave one.

    ``texts`` caches the files' texts by path (None: unreadable, reported at 0:0); a path
    not in it is read from ``root`` and added, so a caller may put texts of its own there.
    """
    if pending.path not in texts:
        try:
            texts[pending.path] = read_text(root, pending.path)
        except LoadError:
            texts[pending.path] = None
    text = texts[pending.path]
    line, column = (0, 0) if text is None else locate(text, pending.doc_path, at_key=pending.at_key)
    return _finding(pending, line, column, default)


def _finding(pending: Pending, line: int, column: int, default: Severity) -> Finding:
    return Finding(
        pending.path,
        line,
        column,
        pending.severity or default,
        pending.rule,
        pending.message,
        pending.hint,
        doc_path=pending.doc_path,
    )


def apply_settings(
    findings: list[Finding], config: Config | None, waivers: list[Waiver]
) -> list[Finding]:
    """Severity overrides and switched-off rules from pmoctl.yaml, then inline waivers."""
    settings: dict[str, str] = {}
    result: list[Finding] = []
    if config is not None:
        for rule_id, configured in config.rules.items():
            # an unknown rule id is reported, at its place, by the CONFIG-RULE rule
            severity = configured if isinstance(configured, str) else configured.severity
            settings[rule_id] = severity
    used: set[Waiver] = set()
    by_place = {
        (waiver.path, waiver.line, waiver.rule): waiver for waiver in waivers if waiver.reason
    }
    for found in findings:
        setting = settings.get(found.rule)
        if setting == "off":
            continue
        finding = found if setting is None else _with_severity(found, Severity(setting))
        waiver = by_place.get((finding.path, finding.line, finding.rule)) or by_place.get(
            (finding.path, finding.line - 1, finding.rule)
        )
        if waiver is not None:
            used.add(waiver)
            continue
        result.append(finding)
    for waiver in waivers:
        if not waiver.reason:
            result.append(
                Finding(
                    waiver.path,
                    waiver.line,
                    waiver.column,
                    Severity.ERROR,
                    "WAIVER-REASON",
                    f"waiver of {waiver.rule} gives no reason",
                    f"write: # pmoctl: waive {waiver.rule} -- why this is acceptable",
                )
            )
        elif waiver not in used:
            result.append(_unused_waiver(waiver))
    return result


def _unused_waiver(waiver: Waiver) -> Finding:
    known = all_rules()
    if waiver.rule in known:
        message = f"waiver of {waiver.rule} matches no finding on this line or the next"
        hint = "remove the waiver, or move it next to the finding"
    else:
        message = f"waiver of {waiver.rule}, which is not a rule"
        hint = rule_hint(waiver.rule, known)
    return Finding(
        waiver.path, waiver.line, waiver.column, Severity.WARNING, "WAIVER-UNUSED", message, hint
    )


def _with_severity(finding: Finding, severity: Severity) -> Finding:
    return Finding(
        finding.path,
        finding.line,
        finding.column,
        severity,
        finding.rule,
        finding.message,
        finding.hint,
        doc_path=finding.doc_path,
    )
