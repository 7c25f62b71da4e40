"""Ids: equal to file names, unique in their namespace, safe as file names everywhere."""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pmoctl.catalogue.files import (
    COLLECTIONS,
    WINDOWS_RESERVED,
    collision_key,
    kind_of,
    list_files,
)
from pmoctl.catalogue.kinds import COLLECTION_KINDS, KIND
from pmoctl.catalogue.models import ID_PATTERN
from pmoctl.findings import DocPath, Pending, Severity
from pmoctl.rules import Partial, Rule
from pmoctl.rules._common import finding, procedures, services

if TYPE_CHECKING:
    from pmoctl.catalogue.files import Catalogue

_ID = re.compile(ID_PATTERN)
_FOLDERS = {kind: folder for folder, kind in COLLECTIONS.items()}


def _id_filename(catalogue: Catalogue) -> Iterator[Pending]:
    loaded = set(catalogue.paths.values())
    for collection in COLLECTION_KINDS:
        kind, folder = collection.name, collection.place
        yield from _id_differs(catalogue, kind)
        ids: set[str] = getattr(catalogue, collection.ids_attribute)
        for stem in sorted(ids):
            yield from _id_taken(catalogue, loaded, kind, f"{folder}/{stem}.yaml")


def _id_filename_of(
    catalogue: Catalogue, files: Sequence[str], moved: Collection[str]
) -> Iterator[Pending]:
    """ID-FILENAME for the ``moved`` files of a partial catalogue, without going through
    every id of the catalogue (that grows with the number of services).

    A moved file is loaded, so what the rule says of its id is what it says on the whole
    catalogue, except that another file claiming the same id is seen only when the moved
    file names it (and is thus loaded): ``pmoctl validate`` reports the others.
    """
    loaded = set(catalogue.paths.values())
    for kind in ("service", "procedure"):
        yield from _id_differs(catalogue, kind)
    for rel in sorted(moved):
        moved_kind = kind_of(rel)
        if moved_kind in ("service", "procedure"):
            yield from _id_taken(catalogue, loaded, moved_kind, rel)


def _id_differs(catalogue: Catalogue, kind: str) -> Iterator[Pending]:
    """Loaded documents whose id is not their file name."""
    store: dict[str, Any] = getattr(catalogue, KIND[kind].attribute)
    for ident in store:
        path = catalogue.path_of(kind, ident)
        stem = Path(path).stem
        if stem != ident:
            yield finding(
                path,
                ("id",),
                "ID-FILENAME",
                f"{kind} id {ident!r} differs from the file name {stem!r}",
                f"rename the file to {_FOLDERS[kind]}/{ident}.yaml, or set id: {stem}",
            )


def _id_taken(catalogue: Catalogue, loaded: set[str], kind: str, path: str) -> Iterator[Pending]:
    """The file ``path`` if it loaded but another file already holds the id written in it."""
    if path not in loaded and path not in catalogue.broken:
        yield finding(
            path,
            ("id",),
            "ID-FILENAME",
            f"another file already uses the {kind} id written here, so this file "
            "is not checked further",
            f"give every {kind} its own id; here: id: {Path(path).stem}",
        )


def _duplicates(
    path: str, items: Sequence[Any], prefix: DocPath, what: str, attribute: str = "id"
) -> Iterator[Pending]:
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        ident = getattr(item, attribute)
        if ident in seen:
            yield finding(
                path,
                (*prefix, index, attribute),
                "ID-UNIQUE",
                f"{what} id {ident!r} is used twice",
                f"the first is {_dotted((*prefix, seen[ident]))}; give each {what} its own id",
            )
        else:
            seen[ident] = index


def _dotted(doc_path: DocPath) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in doc_path)[1:]


def _id_unique(catalogue: Catalogue) -> Iterator[Pending]:
    if catalogue.organisation is not None:
        org = catalogue.organisation
        path = catalogue.path_of("organisation")
        yield from _duplicates(path, org.pmos, ("pmos",), "PMO")
        yield from _duplicates(path, org.people, ("people",), "person")
        yield from _duplicates(path, org.groups, ("groups",), "group")
    if catalogue.strategy is not None:
        strategy = catalogue.strategy
        path = catalogue.path_of("strategy")
        yield from _duplicates(path, strategy.objectives, ("objectives",), "objective")
        yield from _duplicates(
            path, strategy.prioritisation.criteria, ("prioritisation", "criteria"), "criterion"
        )
    for path, service in services(catalogue):
        yield from _duplicates(path, service.processes, ("processes",), "process")
        yield from _duplicates(path, service.kpis, ("kpis",), "KPI")
        yield from _duplicates(path, service.risks, ("risks",), "risk")
        yield from _duplicates(path, service.issues, ("issues",), "issue")
        changes = service.change_requests
        yield from _duplicates(path, changes, ("change_requests",), "change request")
    for path, procedure in procedures(catalogue):
        yield from _duplicates(path, procedure.activities, ("activities",), "activity")


def _id_collision(catalogue: Catalogue) -> Iterator[Pending]:
    files = list_files(catalogue.root)
    for folder in COLLECTIONS:
        names = [rel for rel in files if rel.startswith(folder + "/")]
        # report the odd one: well-named files first, so the collision is on the other
        names.sort(key=_collision_order)
        yield from _collisions(names)


def _collision_order(rel: str) -> tuple[bool, str]:
    return (not _ID.match(os.path.basename(rel).removesuffix(".yaml")), rel)


def _id_collision_of(
    catalogue: Catalogue, files: Sequence[str], moved: Collection[str]
) -> Iterator[Pending]:
    """ID-COLLISION as the rule finds it for the ``moved`` files, without normalising and
    sorting every file name of the catalogue (that grows with the number of services).

    The rule reports a name whose collision key an earlier name (well-named files first)
    already holds, and reserved device names. Whether a moved file is reported depends
    only on the names with its own key, so only those are compared, in the rule's order.
    A moved file's stem is an id (ASCII), so an ASCII name can share its key only if it
    starts with the stem, whatever its case; other names are normalised as the rule does.
    """

    def key_of(rel: str) -> str:
        return collision_key(rel.rpartition("/")[2].rsplit(".", 1)[0])

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
        yield from _collisions(sorted(names, key=_collision_order))


def _collisions(names: Iterable[str]) -> Iterator[Pending]:
    first: dict[str, str] = {}
    for rel in names:
        stem = os.path.basename(rel).split(".", 1)[0]
        if stem.lower() in WINDOWS_RESERVED:
            yield finding(
                rel,
                ("id",),
                "ID-COLLISION",
                f"{stem!r} is a reserved device name on Windows; the file cannot exist there",
                f"choose another id, e.g. {stem}-service",
            )
        key = collision_key(os.path.basename(rel))  # the whole name: a.yml is not a.yaml
        if key in first:
            message, hint = _collision_text(rel, first[key])
            yield finding(rel, ("id",), "ID-COLLISION", message, hint)
        else:
            first[key] = rel


def _collision_text(rel: str, other: str) -> tuple[str, str]:
    """What the two colliding names really have in common, and what to do about it."""
    both = f"{rel!r} and {other!r}"
    if rel.casefold() == other.casefold():
        return (
            f"{both} are the same file on case-insensitive file systems",
            "rename or remove one of them (macOS and Windows would check out only one)",
        )
    # macOS treats canonically equivalent names as one file; Windows does not normalise
    composed, other_composed = (unicodedata.normalize("NFC", name) for name in (rel, other))
    if composed == other_composed:
        return (
            f"{both} differ only in Unicode normalisation: they look identical, and macOS "
            "keeps them as one file",
            "rename or remove one of them (macOS would check out only one)",
        )
    if composed.casefold() == other_composed.casefold():
        return (
            f"{both} differ only in letter case and Unicode normalisation: they are the "
            "same file on macOS",
            "rename or remove one of them (macOS would check out only one)",
        )
    return (
        f"{both} differ only in Unicode compatibility characters (such as full-width "
        "letters or ligatures): they look alike",
        "rename one of them so that the names read differently",
    )


RULES = [
    Rule(
        "ID-FILENAME",
        Severity.ERROR,
        "A service or procedure id differs from its file name",
        "A service lives in services/<id>.yaml and a procedure in procedures/<id>.yaml, and the "
        "`id:` inside the file must equal the file name. Other documents, commits and the "
        "rendered site find a service by its id; if the two differ, a reference can point at a "
        "file that does not say what it is, and two files can claim the same id (the second "
        "one is then ignored). Rename the file or correct the id.",
        _id_filename,
        partial=Partial.NAMES,
        names_check=_id_filename_of,
    ),
    Rule(
        "ID-UNIQUE",
        Severity.ERROR,
        "An id is used twice in its namespace",
        "Ids must be unique where they are looked up: PMOs, people and groups in "
        "organisation.yaml; objectives and prioritisation criteria in strategy.yaml; processes, "
        "KPIs, risks, issues and change requests within one service; activities within one "
        "procedure. A reference to a duplicated id is ambiguous, so the second one is reported "
        "and the hint names the first.",
        _id_unique,
        partial=Partial.YES,
    ),
    Rule(
        "ID-COLLISION",
        Severity.ERROR,
        "A file name collides on other systems",
        "Linux CI sees `Billing.yaml` and `billing.yaml` as two files, but macOS and Windows "
        "check out only one of them, and Windows cannot create a file whose name starts with "
        "a reserved device name (con, prn, aux, nul, com1-com9, lpt1-lpt9). macOS also keeps "
        "names that differ only in Unicode normalisation (an accented letter as one character, "
        "or as a letter and a combining accent) as one file, and such names look identical "
        "anywhere. File names are compared after Unicode NFKC normalisation and case folding, "
        "so names that merely look alike (full-width letters, ligatures) are reported too. "
        "Rename the file.",
        _id_collision,
        partial=Partial.NAMES,
        names_check=_id_collision_of,
    ),
]
