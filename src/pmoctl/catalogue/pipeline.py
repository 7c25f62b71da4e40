"""Loading a catalogue: every file read, parsed and validated against its model.

List the files; load and validate each one against its model, with the findings of the
file itself (:mod:`.loading`; in worker processes on large catalogues: :mod:`.workers`);
build the :class:`~pmoctl.catalogue.files.Catalogue` of what loaded. The cross-document
rules run on it in :mod:`pmoctl.rules.engine`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from pydantic import ValidationError

from pmoctl.catalogue.files import (
    COLLECTIONS,
    CONFIG_FILE,
    SINGLETONS,
    Catalogue,
    kind_of,
    list_files,
)
from pmoctl.catalogue.kinds import KIND
from pmoctl.catalogue.loading import LoadedFile, Waiver, load_file
from pmoctl.catalogue.models import ID_PATTERN, Config
from pmoctl.catalogue.slim import forget_shared, share_field_sets
from pmoctl.catalogue.workers import load_in_workers
from pmoctl.findings import Finding, Severity
from pmoctl.runtime import gc_paused
from pmoctl.yaml.loader import MAX_BYTES, LoadError, parse, read_text

#: below this many files a worker pool costs more than it saves
POOL_THRESHOLD = 200
#: from this many files on, `pmoctl validate` keeps slimmed models (``models_memory``)
SLIM_THRESHOLD = POOL_THRESHOLD
_ID = re.compile(ID_PATTERN)


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
                results.extend(load_in_workers(root, tasks, max_bytes, workers - 1, slim))
        finally:
            forget_shared()  # what this load shared is held by its models now
    return results


def _workers(jobs: int | None, count: int) -> int:
    """How many processes load the files: this one and ``n - 1`` workers.

    Decided here, not in :mod:`.workers`: a run in one process never imports that.
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


def _max_bytes(root: Path) -> int:
    """The size limit from pmoctl.yaml, read before anything else (bounded by the default)."""
    try:
        config = Config.model_validate(parse(read_text(root, CONFIG_FILE)))
    except (LoadError, ValidationError):
        return MAX_BYTES
    return config.max_file_bytes
