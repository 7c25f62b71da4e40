"""Writing a rendered site: only changed files, all at once, and the manifest.

Each page is first *staged*: its bytes go to a temporary file beside the page
(``.<name>.pmoctl.tmp``), unless the page already holds exactly these bytes. Staging
happens where the page was rendered (in the worker processes on a large site), so files
are written on every core. Only when every page rendered are the staged files moved into
place (:func:`publish`); a failed render discards them, leaving the folder as it was.

The manifest (``.pmoctl-render.json``) lists the files pmoctl wrote and the section each
belongs to, so that a file no longer produced is removed on the next render of its
section. Nothing else in the output folder is touched, and nothing outside it: every
path is checked (:func:`checked`) before anything is written, and a symbolic link inside
the output folder is never followed (the render is refused instead, or a link standing
where a file goes is replaced).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pmoctl.errors import EXIT_REPO_STATE, PmoctlError
from pmoctl.fileio import read_bytes
from pmoctl.findings import Finding, LoadError
from pmoctl.render.environment import RenderTemplateError, builtin_templates

MANIFEST = ".pmoctl-render.json"
MAX_STATIC_BYTES = 4 * 1024 * 1024


@dataclass
class RenderResult:
    out: Path
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    #: findings that did not stop the render (warnings; errors too with allow_invalid)
    findings: list[Finding] = field(default_factory=list)


class UnsafeOutputError(PmoctlError):
    """A path pmoctl would write or remove leaves the output folder (nothing was changed)."""

    exit_code = EXIT_REPO_STATE


def checked(out: Path, rel: str) -> Path:
    """``out / rel``, when ``rel`` stays inside ``out`` and goes through no symbolic link.

    The last part may be a link (it is replaced or left alone, never followed). Folders
    that do not exist yet are fine: pmoctl creates them.
    """
    path = PurePosixPath(rel)
    if not rel or path.is_absolute() or ".." in path.parts or "\\" in rel or "\0" in rel:
        raise UnsafeOutputError(
            f"{out / MANIFEST} names {rel!r}, which is outside the output folder",
            hint=f"delete {MANIFEST} (pmoctl then removes no old pages) and render again",
        )
    folder = out
    for part in path.parts[:-1]:
        folder = folder / part
        try:
            info = folder.lstat()
        except FileNotFoundError:
            break
        if not stat.S_ISDIR(info.st_mode):
            what = "a symbolic link" if stat.S_ISLNK(info.st_mode) else "not a folder"
            raise UnsafeOutputError(
                f"{folder} is {what}; pmoctl render writes only into real folders "
                "inside the output folder",
                hint="remove it, or render into another folder",
            )
    return out / path


def previous_files(out: Path) -> dict[str, str]:
    """The files the last render wrote (from the manifest), each with its section."""
    manifest_path = out / MANIFEST
    try:
        if not stat.S_ISREG(manifest_path.lstat().st_mode):
            return {}
        loaded = json.loads(manifest_path.read_text(encoding="utf-8"))
        return {str(k): str(v) for k, v in loaded.get("files", {}).items()}
    except (ValueError, OSError, AttributeError):
        return {}


def check_paths(out: Path, paths: Iterable[str]) -> None:
    """Refuse (before anything is written) when any of these paths leaves ``out``."""
    for rel in sorted(set(paths)):
        checked(out, rel)


def static_files(fmt: str, override: Path | None) -> dict[str, bytes]:
    """The site's CSS and JavaScript (the catalogue's own static files override ours)."""
    if fmt != "html":
        return {}
    found: dict[str, bytes] = {}
    for base in (builtin_templates(), *((override,) if override else ())):
        folder = base / "html" / "static"
        # no link on the way: the catalogue's folder must not lead out of the catalogue
        if any(part.is_symlink() for part in (base / "html", folder)) or not folder.is_dir():
            continue
        for entry in sorted(folder.iterdir()):
            if entry.name.startswith(".") or entry.is_symlink() or not entry.is_file():
                continue
            try:
                found[f"static/{entry.name}"] = read_bytes(
                    base, f"html/static/{entry.name}", MAX_STATIC_BYTES
                )
            except LoadError as error:
                raise RenderTemplateError(f"static file {entry.name}: {error.message}") from None
    return found


def _temporary(target: Path) -> Path:
    return target.with_name(f".{target.name}.pmoctl.tmp")


def make_folders(out: Path, files: Iterable[str]) -> list[Path]:
    """Create ``out`` and the folders the files go into; return the ones that were new."""
    created: list[Path] = []
    folders = {out, *(checked(out, rel).parent for rel in files)}
    for folder in sorted(folders, key=lambda p: len(p.parts)):
        if not folder.exists():
            for missing in reversed([folder, *folder.parents]):
                if not missing.exists():
                    missing.mkdir(exist_ok=True)
                    created.append(missing)
    return created


def stage(out: Path, rel: str, data: bytes) -> bool:
    """Put ``data`` beside its file as a temporary, unless the file holds exactly these bytes.

    True when staged (the file will change). A symbolic link in place of the file is
    never followed: it is replaced.
    """
    target = checked(out, rel)
    try:
        info = target.lstat()
    except FileNotFoundError:
        info = None
    if (
        info is not None
        and stat.S_ISREG(info.st_mode)
        and info.st_size == len(data)
        and target.read_bytes() == data
    ):
        return False
    _write_new(_temporary(target), data)
    return True


def _write_new(path: Path, data: bytes) -> None:
    """Write ``path`` as a new file: whatever stood there (a leftover, a link) is removed
    first and the file is created exclusively, so no link is ever written through."""
    path.unlink(missing_ok=True)
    # O_BINARY (Windows): else the C library would write each LF as CRLF
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(path, flags | getattr(os, "O_BINARY", 0), 0o666)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def discard(out: Path, files: Iterable[str], created: Iterable[Path]) -> None:
    """Undo staging after a failure: remove the temporaries and the folders made for them."""
    for rel in files:
        try:
            _temporary(checked(out, rel)).unlink(missing_ok=True)
        except UnsafeOutputError:  # never staged there
            continue
    for folder in sorted(created, key=lambda p: len(p.parts), reverse=True):
        try:
            folder.rmdir()
        except OSError:  # not empty: something else is in it now
            continue


def publish(
    out: Path,
    staged: set[str],
    sections: dict[str, str],
    rendered_sections: set[str],
    result: RenderResult,
    *,
    previous: dict[str, str],
) -> None:
    """Move the staged files into place; remove files this command wrote before and no
    longer makes; write the manifest. ``sections`` maps every file produced to its section,
    ``previous`` the files of the last render (:func:`previous_files`, already checked).
    """
    manifest_path = out / MANIFEST
    for rel in sorted(sections):
        if rel in staged:
            target = checked(out, rel)
            os.replace(_temporary(target), target)
            result.written.append(rel)
        else:
            result.unchanged.append(rel)
    kept = {
        rel: sec
        for rel, sec in previous.items()
        if sec not in rendered_sections and rel not in sections
    }
    for rel, section in sorted(previous.items()):
        if section in rendered_sections and rel not in sections:
            stale = checked(out, rel)
            try:
                is_file = stat.S_ISREG(stale.lstat().st_mode)
            except OSError:
                continue
            if is_file:
                stale.unlink()
                result.removed.append(rel)
    manifest = {"generator": "pmoctl render", "files": dict(sorted({**kept, **sections}.items()))}
    data = (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode()
    if stage(out, MANIFEST, data):
        os.replace(_temporary(manifest_path), manifest_path)
