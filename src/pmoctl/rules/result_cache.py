"""The whole-run validation cache: findings keyed by everything that can change them.

The key covers pmoctl's version and source, the day it runs as (rules depend on it), and
the path and content of every catalogue file (the config included). It lives in the
repository's git folder, which a pull request cannot write to, or in the user's cache
folder outside a repository. A cache that cannot be read or written is simply not used.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from functools import cache
from pathlib import Path
from typing import Any

from pmoctl._version import __version__
from pmoctl.catalogue.files import work_tree_top
from pmoctl.fileio import read_bytes, replace_file
from pmoctl.findings import LoadError
from pmoctl.rules.settings import templates_folder_problem
from pmoctl.runtime import today

_SCHEMA = 1
#: the largest ``max_file_bytes`` pmoctl.yaml may set (models.config): a larger file is
#: refused whatever the setting, by its size alone
_LARGEST_LIMIT = 4_194_304


@cache
def _fingerprint() -> str:
    """A hash of pmoctl's own source: a new rule or model invalidates every cache."""
    digest = hashlib.sha256(f"{__version__}/{_SCHEMA}".encode())
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def key_for(root: Path, files: list[str]) -> str:
    """A hash of pmoctl itself, of the day (rules such as KPI-READING-DUE depend on it)
    and of the path and content of every file."""
    digest = hashlib.sha256(_fingerprint().encode())
    digest.update(today().isoformat().encode())
    for rel in files:
        data = _content(root, rel)
        # a file name that is not UTF-8 carries its bytes as surrogates
        digest.update(rel.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(hashlib.sha1(data, usedforsecurity=False).digest())
        if rel == "pmoctl.yaml":
            digest.update(_templates_state(root, data))
    return digest.hexdigest()


def _templates_state(root: Path, config: bytes) -> bytes:
    """Whether each folder pmoctl.yaml may name as ``templates`` is usable: CONFIG-TEMPLATES
    depends on a folder that is not a catalogue file. Any ``templates:`` in the text counts
    (a false match only makes the key differ)."""
    names = re.findall(rb"templates[\"']?\s*:\s*[\"']?([A-Za-z0-9._/-]+)", config)
    if not names:
        return b""

    return b"".join(
        name + b"=" + templates_folder_problem(root, name.decode()).encode() + b"\0"
        for name in names
    )


def _content(root: Path, rel: str) -> bytes:
    """The bytes of a catalogue file, read as the loader reads it (never through a link,
    never waiting on a pipe, never more than any configured limit); for a file it refuses,
    what it says of it (the finding the run would report depends on nothing else)."""
    try:
        return read_bytes(root, rel, _LARGEST_LIMIT)
    except LoadError as error:  # NUL: a file holding these bytes is refused for the NUL
        return f"\0<{error.rule}: {error.message}>".encode()


def _git_dir(root: Path) -> Path | None:
    top = work_tree_top(root)
    if top is None:
        return None
    dot_git = top / ".git"
    if dot_git.is_dir():
        return dot_git
    try:
        text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None
    if text.startswith("gitdir:"):  # a linked work tree or a submodule
        target = Path(text.removeprefix("gitdir:").strip())
        return target if target.is_absolute() else (top / target)
    return None


def cache_file(root: Path) -> Path:
    name = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    git_dir = _git_dir(root.resolve())
    if git_dir is not None:
        return git_dir / "pmoctl" / f"validate-{name}.json"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pmoctl" / f"validate-{name}.json"


def load(root: Path, key: str) -> list[dict[str, Any]] | None:
    try:
        data = json.loads(cache_file(root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("key") != key:
        return None
    findings = data.get("findings")
    return findings if isinstance(findings, list) else None


def store(root: Path, key: str, findings: list[dict[str, Any]]) -> None:
    path = cache_file(root)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_file(path, json.dumps({"key": key, "findings": findings}).encode("utf-8"))
    except OSError:
        return
