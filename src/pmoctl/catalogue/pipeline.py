"""The validation pipeline: load every file, run the rules, locate and settle the findings.

List the files; load and validate each one against its model (in forked worker
processes on large catalogues: ``load_workers``); run the cross-document rules; put a
line and column on their findings; apply the catalogue's rule settings and inline waivers.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from pmoctl.catalogue.files import (
    COLLECTIONS,
    CONFIG_FILE,
    SINGLETONS,
    Catalogue,
    kind_of,
    list_files,
)
from pmoctl.catalogue.kinds import KIND
from pmoctl.catalogue.models import ID_PATTERN, MODELS_BY_KIND, Config
from pmoctl.catalogue.schema_errors import MAX_FINDINGS, validate
from pmoctl.catalogue.slim import forget_shared, share_field_sets
from pmoctl.findings import Finding, Pending, Severity
from pmoctl.rules import all_rules, checks
from pmoctl.rules.yaml_truthy import with_truthy_findings
from pmoctl.runtime import gc_paused
from pmoctl.yaml.loader import MAX_BYTES, LoadError, Locator, locate, parse, read_text

#: below this many files a worker pool costs more than it saves
POOL_THRESHOLD = 200
#: from this many files on, `pmoctl validate` keeps slimmed models (``models_memory``)
SLIM_THRESHOLD = POOL_THRESHOLD
_ID = re.compile(ID_PATTERN)
_WAIVER = re.compile(r"#\s*pmoctl:\s*waive\s+([A-Z][A-Z0-9-]*)\b[ \t]*(?:--|:|—)?[ \t]*(.*)$")


@dataclass(frozen=True, slots=True)
class Waiver:
    path: str
    line: int
    column: int
    rule: str
    reason: str


@dataclass
class LoadedFile:
    """What loading one file gave: a model (or None), its findings and its waivers."""

    rel: str
    kind: str
    model: BaseModel | None
    findings: list[Finding] = field(default_factory=list)
    waivers: list[Waiver] = field(default_factory=list)


def load_file(root: Path, rel: str, kind: str, max_bytes: int = MAX_BYTES) -> LoadedFile:
    """Read, parse and validate one file. Never raises for anything in the file."""
    loaded = LoadedFile(rel, kind, None)
    try:
        text = read_text(root, rel, max_bytes)
        data = parse(text)
    except LoadError as error:
        loaded.findings.append(
            Finding(
                rel, error.line, error.column, Severity.ERROR, error.rule, error.message, error.hint
            )
        )
        return loaded
    if "pmoctl:" in text:
        loaded.waivers = list(waivers_in(rel, text))
    loaded.model, schema_findings = validate(MODELS_BY_KIND[kind], data, rel, text)
    loaded.findings.extend(schema_findings)
    loaded.findings = with_truthy_findings(rel, text, loaded.findings)
    return loaded


def waivers_in(rel: str, text: str) -> Iterable[Waiver]:
    """The inline waivers (``# pmoctl: waive RULE-ID -- reason``) in ``text``, the file
    ``rel``, with their line and column."""
    for number, line in enumerate(text.splitlines(), start=1):
        if "pmoctl:" not in line:
            continue
        match = _WAIVER.search(line)
        if match:
            yield Waiver(rel, number, match.start() + 1, match.group(1), match.group(2).strip())


def load_all(
    root: Path, files: list[str], max_bytes: int, jobs: int | None, slim: bool = False
) -> list[LoadedFile]:
    """Load every file, in worker processes when there are enough of them.

    ``slim``: keep the models without the fields no cross-document rule reads
    (``models_memory.SLIM_FIELDS``); their findings are those of the full models.
    """
    tasks: list[tuple[str, str]] = []
    results: list[LoadedFile] = []
    for rel in files:
        if rel in COLLECTIONS:  # a linked folder (list_files): reported, nothing in it read
            results.append(_linked_folder(rel))
            continue
        kind = kind_of(rel)
        if kind is None or not _ID.match(Path(rel).stem) and kind in COLLECTIONS.values():
            results.append(_bad_name(rel))
            continue
        tasks.append((rel, kind))
    workers = _workers(jobs, len(tasks))
    # the loaded documents are kept: collecting while they pile up is waste
    with gc_paused():
        try:
            if workers <= 1:
                for rel, kind in tasks:
                    loaded = load_file(root, rel, kind, max_bytes)
                    share_field_sets(loaded.model, slim)
                    results.append(loaded)
            else:  # only a large run needs the worker machinery: imported here
                from pmoctl.catalogue.workers import load_in_workers

                results.extend(load_in_workers(root, tasks, max_bytes, workers - 1, slim))
        finally:
            forget_shared()  # what this load shared is held by its models now
    return results


def _workers(jobs: int | None, count: int) -> int:
    """How many processes load the files: this one and ``n - 1`` forked workers.

    Decided here, not in ``load_workers``: a run in one process never imports that.
    """
    if jobs is not None and jobs > 0:
        return min(jobs, max(1, count))
    if count < POOL_THRESHOLD or os.name != "posix":
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cores or 1, count // POOL_THRESHOLD))


def _linked_folder(folder: str) -> LoadedFile:
    finding = Finding(
        folder,
        0,
        0,
        Severity.ERROR,
        "FILE-SYMLINK",
        f"folder {folder}/ is a symbolic link; pmoctl reads nothing in it",
        "replace the link with the folder itself (a link can point outside the repository)",
    )
    return LoadedFile(folder, "", None, [finding])


def _bad_name(rel: str) -> LoadedFile:
    stem = Path(rel).stem
    hint = "name it <id>.yaml"
    if rel.endswith(".yml"):
        hint = f"rename it to {stem}.yaml"
    return LoadedFile(
        rel,
        "",
        None,
        [
            Finding(
                rel,
                0,
                0,
                Severity.ERROR,
                "FILE-NAME",
                f"{Path(rel).name!r} is not a valid catalogue file name",
                hint + " (ids: lower-case letters, digits and inner hyphens)",
            )
        ],
    )


def build_catalogue(root: Path, loaded: list[LoadedFile]) -> Catalogue:
    catalogue = Catalogue(root=root)
    for item in loaded:
        kind = KIND.get(item.kind)  # none for a file of no kind (badly named, a linked folder)
        if kind is not None and kind.collection:
            getattr(catalogue, kind.ids_attribute).add(Path(item.rel).stem)
        if item.model is None:
            catalogue.broken.add(item.rel)
            continue
        if kind is None:
            continue
        if kind.collection:
            ident = getattr(item.model, "id")  # noqa: B009 - every collection's model has an id
            store = getattr(catalogue, kind.attribute)
            if ident not in store:
                store[ident] = item.model
                catalogue.paths[(item.kind, ident)] = item.rel
        else:
            setattr(catalogue, kind.attribute, item.model)
    return catalogue


def load_catalogue(
    root: Path, jobs: int | None = None, *, slim: bool = False
) -> tuple[Catalogue, list[Finding], list[Waiver]]:
    """Load and model-validate every file (no cross-document rules).

    ``slim``: keep models without the fields no cross-document rule reads
    (``models_memory.SLIM_FIELDS``), for a run that only checks; the findings are the same.
    """
    files = list_files(root)
    max_bytes = _max_bytes(root)
    loaded = load_all(root, files, max_bytes, jobs, slim)
    findings = [finding for item in loaded for finding in item.findings]
    waivers = [waiver for item in loaded for waiver in item.waivers]
    for rel, kind in SINGLETONS.items():
        if rel not in files:
            findings.append(
                Finding(
                    rel,
                    0,
                    0,
                    Severity.ERROR,
                    "FILE-MISSING",
                    f"{rel} is missing",
                    f"every catalogue has a {kind} file; `pmoctl init` writes one",
                )
            )
    return build_catalogue(root, loaded), findings, waivers


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


def _max_bytes(root: Path) -> int:
    """The size limit from pmoctl.yaml, read before anything else (bounded by the default)."""
    try:
        config = Config.model_validate(parse(read_text(root, CONFIG_FILE)))
    except (LoadError, ValidationError):
        return MAX_BYTES
    return config.max_file_bytes


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
    from pmoctl.rules import all_rules
    from pmoctl.rules._common import rule_hint

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
