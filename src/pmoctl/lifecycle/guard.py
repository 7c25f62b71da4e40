"""The guard of a transition: the cross-document rules on the moved files, as they would
be after the move, at a cost that does not grow with the catalogue.

It loads part of the catalogue only (:func:`guard_inputs`): the root documents, the moved
services, the services they name and the procedures that mention them; other services and
procedures are known by their file names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pmoctl.catalogue.files import kind_of, list_files
from pmoctl.catalogue.kinds import COLLECTION_KINDS, KIND
from pmoctl.catalogue.loading import LoadedFile, load_file, waivers_in
from pmoctl.catalogue.pipeline import build_catalogue
from pmoctl.findings import Finding, Pending, Severity
from pmoctl.rules import Partial, all_rules, partial_checks
from pmoctl.rules.engine import apply_settings, locate_pending
from pmoctl.yaml.loader import LoadError, read_bytes

if TYPE_CHECKING:
    from pmoctl.catalogue.loading import LoadedFile
    from pmoctl.catalogue.models import Service


def guard(
    root: Path,
    moved: dict[str, Service],
    texts: dict[str, str],
    *,
    positions: dict[str, str],
    preloaded: Sequence[LoadedFile] = (),
) -> list[Finding]:
    """Errors the cross-document rules find in the moved files, as they would be after the move.

    ``texts`` are the files after the move; findings are located in ``positions`` (the
    files as they are), which is what the person reading them has in the editor.

    The catalogue is loaded in part, so that the cost does not grow with the number of
    services: the root documents, the moved services, the services they name (input
    sources, supersedes, supports), and the procedures whose text names them (a byte
    search). Other services are known by their file names only. Only the rules that can
    judge such a catalogue run (:class:`pmoctl.rules.Partial`). A move changes nothing
    but the stage, so findings that other services' files could add to a moved file
    (such as a dependency cycle) were there before the move: ``pmoctl validate`` and CI
    report those.
    """
    loaded: list[LoadedFile] = list(preloaded)
    done = {item.rel for item in loaded}
    files = list_files(root)
    to_load, known = guard_inputs(root, files, texts)
    loaded.extend(load_file(root, rel, kind) for rel, kind in to_load if rel not in done)
    for rel, text in texts.items():
        item = LoadedFile(rel, "service", moved[rel.rpartition("/")[2].removesuffix(".yaml")])
        item.waivers = list(waivers_in(rel, text))
        loaded.append(item)
    catalogue = build_catalogue(root, loaded)
    for kind, ids in known.items():
        getattr(catalogue, KIND[kind].ids_attribute).update(ids)
    # Only the rules that can judge this partial catalogue run (each rule says whether it
    # can: rules.Partial); those that go through file names get every name and the moved
    # files, and look only at what can concern the moved files.
    pending: list[Pending] = []
    for rule in partial_checks():
        if rule.partial is Partial.NAMES and rule.names_check is not None:
            pending.extend(rule.names_check(catalogue, files, texts.keys()))
        elif rule.partial is Partial.YES and rule.check is not None:
            pending.extend(rule.check(catalogue))
    rules = all_rules()
    waivers = [waiver for item in loaded for waiver in item.waivers]
    located: dict[str, str | None] = dict(positions)
    findings = [
        locate_pending(root, found, rules[found.rule].severity, located)
        for found in pending
        if found.path in texts  # locating costs a parse: only the moved files matter
    ]
    findings = apply_settings(findings, catalogue.config, waivers)
    return sorted(
        (f for f in findings if f.path in texts and f.severity is Severity.ERROR),
        key=Finding.sort_key,
    )


def guard_inputs(
    root: Path, files: Sequence[str], texts: Mapping[str, str]
) -> tuple[list[tuple[str, str]], dict[str, set[str]]]:
    """What :func:`guard` loads for the moved files ``texts`` (path -> text after the
    move), as (path, kind); and the ids of the services and procedures it knows by file
    name only (see :func:`guard`)."""
    named = set(re.findall(r"[a-z0-9][a-z0-9-]*", " ".join(texts.values())))
    needles = [rel.rpartition("/")[2].removesuffix(".yaml").encode() for rel in texts]
    known: dict[str, set[str]] = {kind.name: set() for kind in COLLECTION_KINDS}
    to_load: list[tuple[str, str]] = []
    for rel in files:
        kind = kind_of(rel)
        if kind is None or rel in texts:
            continue
        stem = rel.rpartition("/")[2].removesuffix(".yaml")
        if kind in known:
            known[kind].add(stem)
            if stem not in named if kind == "service" else not _mentions(root, rel, needles):
                continue  # known by its name only: neither loaded nor broken
        to_load.append((rel, kind))
    return to_load, known


def _mentions(root: Path, rel: str, needles: list[bytes]) -> bool:
    try:
        data = read_bytes(root, rel)
    except LoadError:
        return True  # loaded then, and known as broken
    return any(needle in data for needle in needles)
