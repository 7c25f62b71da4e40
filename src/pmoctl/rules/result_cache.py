"""The whole-run validation cache: findings keyed by everything that can change them.

The key covers pmoctl's version and source, and the path and content of every catalogue
file (the config included). It lives in the repository's git folder, which a pull request
cannot write to, or in the user's cache folder outside a repository. A cache that cannot
be read or written is simply not used.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from functools import cache
from pathlib import Path
from typing import Any

from pmoctl._version import __version__
from pmoctl.catalogue.files import work_tree_top

_SCHEMA = 1
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


@cache
def _fingerprint() -> str:
    """A hash of pmoctl's own source: a new rule or model invalidates every cache."""
    digest = hashlib.sha256(f"{__version__}/{_SCHEMA}".encode())
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def key_for(root: Path, files: list[str]) -> str | None:
    """A hash of pmoctl itself and of the path and content of every file; None if one
    cannot be read (then nothing is cached)."""
    digest = hashlib.sha256(_fingerprint().encode())
    base = os.fspath(root)
    for rel in files:
        try:
            data = _content(os.path.join(base, rel))
        except OSError:
            return None
        # a file name that is not UTF-8 carries its bytes as surrogates
        digest.update(rel.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(hashlib.sha1(data, usedforsecurity=False).digest())
    return digest.hexdigest()


def _content(path: str) -> bytes:
    """The bytes of a regular file; a marker for anything else (never follows a link or
    waits on a pipe). Raises OSError when the file cannot be read."""
    try:
        handle = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
    except OSError as error:
        if os.path.islink(path):
            return b"<link>"
        raise error
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            return b"<not a file>"
        chunks = []
        while chunk := os.read(handle, max(info.st_size + 1, 65_536)):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(handle)


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
    from pmoctl.fileio import replace_file  # only when writing: the warm path never needs it

    path = cache_file(root)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_file(path, json.dumps({"key": key, "findings": findings}).encode("utf-8"))
    except OSError:
        return
