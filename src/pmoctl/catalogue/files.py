"""The catalogue on disk: where it is, which files it holds, and the loaded documents.

Layout (version 1), relative to the catalogue root, as :mod:`pmoctl.catalogue.kinds` declares it::

    pmoctl.yaml                 config; its presence marks the root (like .git)
    organisation.yaml           PMOs, people, groups, glossary
    strategy.yaml               the PMO Service Strategy
    handbook.yaml               the PMO Operations Handbook's front matter
    services/<id>.yaml          one file per service
    procedures/<id>.yaml        one file per handbook procedure
"""

from __future__ import annotations

import os
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pmoctl.catalogue.kinds import COLLECTION_KINDS, KIND, SINGLETON_KINDS
from pmoctl.errors import NotACatalogueError, RepoStateError

if TYPE_CHECKING:
    from pmoctl.catalogue.models import Config, Handbook, Organisation, Procedure, Service, Strategy

CONFIG_FILE = KIND["config"].place
#: file -> kind of every single-file document
SINGLETONS = {kind.place: kind.name for kind in SINGLETON_KINDS}
#: folder -> kind of every ``*.yaml`` file directly inside it
COLLECTIONS = {kind.place: kind.name for kind in COLLECTION_KINDS}
#: stems Windows refuses as file names, whatever the extension
WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{n}" for n in range(1, 10)}
    | {f"lpt{n}" for n in range(1, 10)}
)


def collision_key(stem: str) -> str:
    """Two names with the same key are one file on macOS and Windows."""
    return unicodedata.normalize("NFKC", stem).casefold()


def find_root(start: Path) -> Path:
    """The catalogue containing ``start``: the nearest folder upwards with a pmoctl.yaml."""
    start = Path(os.path.abspath(start))  # `..` removed, so parents are real parents
    if not os.path.lexists(start):
        raise NotACatalogueError(
            f"{start} does not exist", hint="name a catalogue folder or a file in one"
        )
    here = start if os.path.isdir(start) else start.parent
    for folder in (here, *here.parents):
        if _holds_config(folder):
            return folder
    raise NotACatalogueError(
        f"{start} is not inside a pmoctl catalogue (no {CONFIG_FILE} found in it or above it)",
        hint="run `pmoctl init DIR` to make one, or pass the catalogue's folder",
    )


def _holds_config(folder: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(folder / CONFIG_FILE).st_mode)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError as error:  # the environment's doing (permissions), not the user's input
        raise RepoStateError(
            f"cannot look for {CONFIG_FILE} in {folder}: {error.strerror}",
            hint="give yourself access to the folder (chmod u+rx), or run pmoctl elsewhere",
        ) from None


def work_tree_top(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding a ``.git`` entry (found without
    running git), or None outside a repository."""
    start = start.absolute()
    for folder in (start, *start.parents):
        if os.path.lexists(folder / ".git"):
            return folder
    return None


def repo_prefix(root: Path) -> str:
    """The catalogue's folder relative to the top of its git work tree ("" at the top or
    outside git): CI annotations name repository paths."""
    top = work_tree_top(root)
    if top is None:
        return ""
    rel = root.absolute().relative_to(top).as_posix()
    return "" if rel == "." else rel


def kind_of(rel: str) -> str | None:
    """The document kind of a file from its place in the catalogue, or None if not ours."""
    if rel in SINGLETONS:
        return SINGLETONS[rel]
    folder, _, name = rel.partition("/")
    if folder in COLLECTIONS and name.endswith(".yaml") and "/" not in name:
        return COLLECTIONS[folder]
    return None


def list_files(root: Path) -> list[str]:
    """Every catalogue file, as POSIX paths relative to ``root``, in a stable order.

    Hidden files (editor swap files, pmoctl's own ``.*.tmp`` files) are skipped. Symlinks
    are listed so that the loader reports them; a file of a wrong extension is listed too.
    A folder that is a symlink is listed by its own name ("services"), and nothing in it:
    it could lead out of the repository. A folder pmoctl may not list is refused (exit 3).
    """
    files = [name for name in SINGLETONS if os.path.lexists(root / name)]
    for folder in COLLECTIONS:
        if os.path.islink(root / folder):
            files.append(folder)
            continue
        try:
            entries = sorted(os.scandir(root / folder), key=lambda entry: entry.name)
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as error:
            raise RepoStateError(
                f"cannot list the folder {folder}/: {error.strerror}",
                hint=f"give yourself read access to it: chmod u+rx {folder}",
            ) from None
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.name.endswith((".yaml", ".yml")) or entry.is_symlink():
                files.append(f"{folder}/{entry.name}")
    return files


@dataclass
class Catalogue:
    """The documents that loaded and validated, plus what is known of those that did not.

    Each kind of :mod:`pmoctl.catalogue.kinds` has its field here (``Kind.attribute``), and a
    collection its set of ids (``Kind.ids_attribute``): typed, for the rules that read them.
    """

    root: Path
    config: Config | None = None
    organisation: Organisation | None = None
    strategy: Strategy | None = None
    handbook: Handbook | None = None
    services: dict[str, Service] = field(default_factory=dict)
    procedures: dict[str, Procedure] = field(default_factory=dict)
    #: relative path of every document that validated, keyed by (kind, id)
    paths: dict[tuple[str, str], str] = field(default_factory=dict)
    #: ids of every service / procedure file present, valid or not (from the file names),
    #: so that a reference to a broken file is not reported as unresolved as well
    service_ids: set[str] = field(default_factory=set)
    procedure_ids: set[str] = field(default_factory=set)
    #: files that failed to load or validate
    broken: set[str] = field(default_factory=set)

    def path_of(self, kind: str, ident: str = "") -> str:
        """Relative path of a document (singletons by kind alone)."""
        if KIND[kind].collection:
            return self.paths.get((kind, ident), KIND[kind].path(ident))
        return KIND[kind].place

    @property
    def people(self) -> dict[str, object]:
        if self.organisation is None:
            return {}
        return {person.id: person for person in self.organisation.people}
