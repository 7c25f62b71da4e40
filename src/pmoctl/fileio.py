"""Replacing a file atomically: a reader, or a crash, sees the old bytes or the new, never half.

One helper for every file pmoctl writes in place (service files in a transition, its
journal, CODEOWNERS, the validate cache). It names its temporary file itself rather than
through :mod:`tempfile`, whose import (shutil, random, bz2, lzma) costs a transition about
8 ms of a budgeted start-up.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | os.O_CLOEXEC


def replace_file(
    path: Path, data: bytes, *, mode: int | None = None, durable: bool = False
) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    ``mode`` sets the permission bits (a transition keeps the file's own); without it the
    file is made as any new file is (0666 less the umask). ``durable`` flushes the file and
    its folder to disk before returning, for writes a crash must not undo.
    """
    temporary = path.with_name(f".{path.name}.{os.urandom(6).hex()}.tmp")
    handle = os.open(temporary, _CREATE, 0o666)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            if mode is not None:
                os.fchmod(out.fileno(), mode & 0o7777)
            if durable:
                os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    if durable:
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
