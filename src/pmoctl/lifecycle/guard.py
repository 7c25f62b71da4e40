"""The guard of a transition: the cross-document rules on the moved files, as they would
be after the move, at a cost that does not grow with the catalogue.

It loads part of the catalogue only (:func:`guard_inputs`): the root documents, the moved
services, the services they name and the procedures that mention them; other services and
procedures are known by their file names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pmoctl.findings import Finding, Pending, Severity

if TYPE_CHECKING:
    from pmoctl.catalogue.models import Service
    from pmoctl.catalogue.pipeline import LoadedFile


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
    search). Other services are known by their file names only. A move changes nothing
    but the stage, so findings that other services' files could add to a moved file
    (such as a dependency cycle) were there before the move: ``pmoctl validate`` and CI
    report those.
    """
    from pmoctl.catalogue.files import list_files
    from pmoctl.catalogue.pipeline import (
        LoadedFile,
        _locate,
        _waivers,
        apply_settings,
        build_catalogue,
        load_file,
    )
    from pmoctl.rules import all_rules, checks

    loaded: list[LoadedFile] = list(preloaded)
    done = {item.rel for item in loaded}
    files = list_files(root)
    to_load, known = guard_inputs(root, files, texts)
    loaded.extend(load_file(root, rel, kind) for rel, kind in to_load if rel not in done)
    for rel, text in texts.items():
        item = LoadedFile(rel, "service", moved[rel.rpartition("/")[2].removesuffix(".yaml")])
        item.waivers = list(_waivers(rel, text))
        loaded.append(item)
    catalogue = build_catalogue(root, loaded)
    # The two id rules that go through every file name are given only the names that can
    # concern a moved file, so that the guard does not grow with the number of services:
    # ID-FILENAME runs before the names known only by file name are added (a moved
    # file is loaded, so what it says of one is the same), ID-COLLISION on the names
    # that share a moved file's collision key (see _collisions_of).
    by_name = {"ID-FILENAME", "ID-COLLISION"}
    rules = all_rules()
    pending: list[Pending] = list(rules["ID-FILENAME"].check(catalogue))  # type: ignore[misc]
    pending.extend(_collisions_of(files, texts))
    catalogue.service_ids |= known["service"]
    catalogue.procedure_ids |= known["procedure"]
    waivers = [waiver for item in loaded for waiver in item.waivers]
    located: dict[str, str | None] = dict(positions)
    pending.extend(
        found
        for rule in checks()
        if rule.id not in by_name
        for found in rule.check(catalogue)  # type: ignore[misc]
    )
    findings = [
        _locate(root, found, rules[found.rule].severity, located)
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
    from pmoctl.catalogue.files import kind_of

    named = set(re.findall(r"[a-z0-9][a-z0-9-]*", " ".join(texts.values())))
    needles = [rel.rpartition("/")[2].removesuffix(".yaml").encode() for rel in texts]
    known: dict[str, set[str]] = {"service": set(), "procedure": set()}
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


def _collisions_of(files: Sequence[str], moved: Iterable[str]) -> Iterator[Pending]:
    """ID-COLLISION as the rule finds it for the ``moved`` files, without normalising and
    sorting every file name of the catalogue (that grows with the number of services).

    The rule reports a name whose collision key an earlier name (well-named files first)
    already holds, and reserved device names. Whether a moved file is reported depends
    only on the names with its own key, so only those are handed to the rule's own check,
    in the rule's order. A moved file's stem is an id (ASCII), so an ASCII name can share
    its key only if it starts with the stem, whatever its case; other names are
    normalised as the rule does.
    """
    from pmoctl.catalogue.files import collision_key
    from pmoctl.rules.identity import _ID, _collisions

    def key_of(rel: str) -> str:
        return collision_key(rel.rpartition("/")[2].rsplit(".", 1)[0])

    def well_named(rel: str) -> bool:
        return _ID.match(rel.rpartition("/")[2].removesuffix(".yaml")) is not None

    by_folder: dict[str, set[str]] = {}
    for rel in moved:
        folder, _, name = rel.rpartition("/")
        stem = name.removesuffix(".yaml")
        key = key_of(rel)
        names = by_folder.setdefault(folder, set())
        names.add(rel)
        for other in files:
            head, _, other_name = other.rpartition("/")
            if head != folder or other_name.isascii() and not other_name.lower().startswith(stem):
                continue
            if key_of(other) == key:
                names.add(other)
    for names in by_folder.values():  # the rule compares names within one folder
        yield from _collisions(sorted(names, key=lambda rel: (not well_named(rel), rel)))


def _mentions(root: Path, rel: str, needles: list[bytes]) -> bool:
    from pmoctl.yaml.loader import LoadError, read_bytes

    try:
        data = read_bytes(root, rel)
    except LoadError:
        return True  # loaded then, and known as broken
    return any(needle in data for needle in needles)
