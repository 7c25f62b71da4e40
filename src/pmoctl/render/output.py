"""Writing a rendered site: only changed files, all at once, and the manifest.

Each page is first *staged*: its bytes go to a temporary file beside the page
(``.<name>.pmoctl.tmp``), unless the page already holds exactly these bytes. Staging
happens where the page was rendered (in the worker processes on a large site), so files
are written on every core. Only when every page rendered are the staged files moved into
place (:func:`publish`); a failed render discards them, leaving the folder as it was.

The manifest (``.pmoctl-render.json``) lists the files pmoctl wrote and the section each
belongs to, so that a file no longer produced is removed on the next render of its
section. Nothing else in the output folder is touched.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pmoctl.findings import Finding
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


def static_files(fmt: str, override: Path | None) -> dict[str, bytes]:
    """The site's CSS and JavaScript (the catalogue's own static files override ours)."""
    if fmt != "html":
        return {}
    found: dict[str, bytes] = {}
    for folder in (
        builtin_templates() / "html" / "static",
        *((override / "html" / "static",) if override else ()),
    ):
        if not folder.is_dir() or folder.is_symlink():
            continue
        for entry in sorted(folder.iterdir()):
            if entry.name.startswith(".") or entry.is_symlink() or not entry.is_file():
                continue
            if entry.stat().st_size > MAX_STATIC_BYTES:
                raise RenderTemplateError(
                    f"static file {entry.name} is larger than {MAX_STATIC_BYTES} bytes"
                )
            found[f"static/{entry.name}"] = entry.read_bytes()
    return found


def _temporary(target: Path) -> Path:
    return target.with_name(f".{target.name}.pmoctl.tmp")


def make_folders(out: Path, files: Iterable[str]) -> list[Path]:
    """Create ``out`` and the folders the files go into; return the ones that were new."""
    created: list[Path] = []
    for folder in sorted({out, *((out / rel).parent for rel in files)}, key=lambda p: len(p.parts)):
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
    target = out / rel
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
    _temporary(target).write_bytes(data)
    return True


def discard(out: Path, files: Iterable[str], created: Iterable[Path]) -> None:
    """Undo staging after a failure: remove the temporaries and the folders made for them."""
    for rel in files:
        _temporary(out / rel).unlink(missing_ok=True)
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
) -> None:
    """Move the staged files into place; remove files this command wrote before and no
    longer makes; write the manifest. ``sections`` maps every file produced to its section.
    """
    manifest_path = out / MANIFEST
    previous: dict[str, str] = {}
    if manifest_path.is_file() and not manifest_path.is_symlink():
        try:
            loaded = json.loads(manifest_path.read_text(encoding="utf-8"))
            previous = {str(k): str(v) for k, v in loaded.get("files", {}).items()}
        except (ValueError, OSError, AttributeError):
            previous = {}
    for rel in sorted(sections):
        if rel in staged:
            target = out / rel
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
        if section in rendered_sections and rel not in sections and _inside(rel):
            stale = out / rel
            if stale.is_file() and not stale.is_symlink():
                stale.unlink()
                result.removed.append(rel)
    manifest = {"generator": "pmoctl render", "files": dict(sorted({**kept, **sections}.items()))}
    data = (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode()
    if not manifest_path.is_file() or manifest_path.read_bytes() != data:
        manifest_path.write_bytes(data)


def _inside(rel: str) -> bool:
    parts = Path(rel).parts
    return bool(parts) and not Path(rel).is_absolute() and ".." not in parts
