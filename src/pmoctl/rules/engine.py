"""The validation run: load the catalogue, run every cross-document rule, place and settle
the findings.

:func:`check_all` is everything `pmoctl validate` reports, and what `render` checks first:
the files loaded with their own findings (:mod:`pmoctl.catalogue.pipeline`), the rules'
findings placed in their files, the catalogue's settings and inline waivers applied, at
most :data:`~pmoctl.catalogue.schema_errors.MAX_FINDINGS` of a rule in a file, sorted.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path

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
    settings and waivers, sorted, then at most :data:`MAX_FINDINGS` of a rule in a file.
    Render and validate both use it."""
    catalogue, findings, waivers = load_catalogue(root, jobs, slim=slim)
    findings.extend(run_rules(catalogue))
    settled = apply_settings(findings, catalogue.config, waivers)
    return catalogue, at_most_per_rule_and_file(sorted(settled, key=Finding.sort_key))


def at_most_per_rule_and_file(findings: Iterable[Finding]) -> list[Finding]:
    """The first :data:`MAX_FINDINGS` findings of each rule in each file (in the given
    order), then one that counts the rest, as severe as the worst of them (a file may name
    the same unknown id thousands of times: the report stays readable and bounded).

    Applied last, once settings and waivers have decided what is reported and how severely.
    """
    kept: list[Finding] = []
    counts: dict[tuple[str, str], int] = {}
    summary_at: dict[tuple[str, str], int] = {}
    errors: set[tuple[str, str]] = set()  # the groups whose counted findings hold an error
    for finding in findings:
        group = (finding.path, finding.rule)
        count = counts[group] = counts.get(group, 0) + finding.stands_for
        if count <= MAX_FINDINGS:
            kept.append(finding)
            continue
        if group not in summary_at:
            summary_at[group] = len(kept)
            kept.append(finding)
        if finding.severity is Severity.ERROR:
            errors.add(group)
    for group, index in summary_at.items():
        worst = Severity.ERROR if group in errors else kept[index].severity
        kept[index] = _more(kept[index], counts[group] - MAX_FINDINGS, worst)
    return kept


def _more(finding: Finding, more: int, severity: Severity) -> Finding:
    """The finding that stands for ``more`` findings of its rule in its file."""
    return Finding(
        finding.path,
        finding.line,
        finding.column,
        severity,
        finding.rule,
        f"... and {more:,} more {finding.rule} finding{'s' if more > 1 else ''} in this file",
        f"only the first {MAX_FINDINGS} of a rule are listed; fix them and validate again",
    )


def run_rules(catalogue: Catalogue) -> list[Finding]:
    """Every cross-document rule, its findings located in their files."""
    pendings: list[Pending] = []
    for rule in checks():
        assert rule.check is not None
        pendings.extend(rule.check(catalogue))
    pendings, surplus = _bounded(pendings)
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
    for index, (count, severity) in surplus.items():
        # the last one placed stands for the rest: only their number and worst severity count
        findings[index] = dataclasses.replace(
            findings[index], severity=severity, stands_for=count + 1
        )
    return findings


_RANK = {Severity.WARNING: 0, Severity.ERROR: 1}

#: findings of one rule in one file placed one by one; the rest are counted (the report
#: lists :data:`MAX_FINDINGS`: this bounds the work on a file that repeats one problem)
PLACED = 10 * MAX_FINDINGS


def _bounded(pendings: list[Pending]) -> tuple[list[Pending], dict[int, tuple[int, Severity]]]:
    """The first :data:`PLACED` pendings of each rule in each file, and, by the index of the
    last one kept of a group that has more, how many more there are and the worst of their
    severities (before the catalogue's settings, which apply to a whole rule alike)."""
    rules = all_rules()
    kept: list[Pending] = []
    counts: dict[tuple[str, str], int] = {}
    last: dict[tuple[str, str], int] = {}
    surplus: dict[int, tuple[int, Severity]] = {}
    for pending in pendings:
        group = (pending.path, pending.rule)
        count = counts[group] = counts.get(group, 0) + 1
        if count <= PLACED:
            last[group] = len(kept)
            kept.append(pending)
            continue
        index = last[group]
        more, worst = surplus.get(index, (0, kept[index].severity or rules[pending.rule].severity))
        severity = pending.severity or rules[pending.rule].severity
        surplus[index] = (
            more + 1,
            Severity.ERROR if Severity.ERROR in (worst, severity) else worst,
        )
    return kept, surplus


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
    return dataclasses.replace(finding, severity=severity)
