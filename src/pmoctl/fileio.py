"""Reading a catalogue file safely, and replacing a file atomically.

:func:`read_bytes` is the one way pmoctl reads a file of the catalogue (the loader, the
transition, ``show``, recovery and the validate cache all use it): no link is followed,
nothing can make it wait or read without end. It lives here, away from the parser, so
that the validate cache can use it without importing the loader.

:func:`real_folder` makes the folders a new file goes into, and refuses a folder on the
way that is a symbolic link: a link committed to the repository could send a write
anywhere.

:func:`replace_file` is the one helper for every file pmoctl writes in place (service
files in a transition, its journal, CODEOWNERS, the validate cache): a reader, or a
crash, sees the old bytes or the new, never half. It names its temporary file itself
rather than through :mod:`tempfile`, whose import (shutil, random, bz2, lzma) costs a
transition about 8 ms of a budgeted start-up.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from typing import TYPE_CHECKING

from pmoctl.errors import LinkedFolderError, UserError
from pmoctl.findings import LoadError

if TYPE_CHECKING:
    from pathlib import Path

# Flags that exist on some systems only. O_BINARY (Windows): without it the C library
# turns CRLF into LF on read and LF into CRLF on write.
_BINARY = getattr(os, "O_BINARY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC | _BINARY


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
            if mode is not None and hasattr(os, "fchmod"):  # Windows keeps no mode bits
                os.fchmod(out.fileno(), mode & 0o7777)
            if durable:
                os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    if durable and os.name == "posix":  # Windows opens no folder; NTFS logs the rename
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def real_folder(base: Path, target: Path) -> Path:
    """Make the folders from ``base`` down to ``target`` (each one only if missing) and
    return ``target``; refuse when one on the way is a symbolic link
    (:class:`LinkedFolderError`, exit 3) or not a folder (exit 2). A ``target`` outside
    ``base`` is checked from its own folder only (the user named it)."""
    try:
        parts = target.relative_to(base).parts
    except ValueError:
        base, parts = target.parent, (target.name,)
    folder = base
    for part in parts:
        folder = folder / part
        try:
            info = folder.lstat()
        except FileNotFoundError:
            folder.mkdir()
            info = folder.lstat()
        if stat.S_ISLNK(info.st_mode):
            raise LinkedFolderError(
                f"{folder} is a symbolic link; pmoctl writes only into real folders",
                hint="replace it with a real folder (a link can lead outside the repository)",
            )
        if not stat.S_ISDIR(info.st_mode):
            raise UserError(f"{folder} is not a folder", hint="name a folder, or move the file")
    return target


#: the size limit of a catalogue file unless pmoctl.yaml sets max_file_bytes
MAX_BYTES = 262_144
_OPEN_FOLDER = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW | _CLOEXEC
# O_NONBLOCK: opening a FIFO must not wait for a writer (the type is checked right after)
_OPEN_FILE = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | _CLOEXEC | _BINARY
#: folders are walked through descriptors (``dir_fd``), which Windows lacks: there
#: :func:`read_bytes_by_path` looks at each folder before opening the file by its path
WALK_BY_DESCRIPTOR = os.open in os.supports_dir_fd and os.stat in os.supports_dir_fd
#: the Windows reparse points that lead elsewhere: symbolic links and junctions (not,
#: say, a OneDrive placeholder, which is the file itself)
_LINK_TAGS = (0xA000000C, 0xA0000003)
_SYMLINK_HINT = "replace the link with the file itself (a link can point outside the repository)"


def read_bytes(root: Path, rel: str, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of the catalogue file ``root/rel``, or :class:`LoadError`.

    The one way pmoctl reads a file of the catalogue. ``rel`` is walked from ``root`` one
    name at a time without following a link (a linked folder could lead out of the
    repository); the file must be a regular file of at most ``max_bytes``. Nothing here
    can wait: a FIFO or a device is refused from its type before it is opened, and
    opening never blocks, should it have been swapped in meanwhile.
    """
    if not WALK_BY_DESCRIPTOR:
        return read_bytes_by_path(root, rel, max_bytes)
    *folders, name = rel.split("/")
    try:
        at = os.open(root, _OPEN_FOLDER & ~_NOFOLLOW)
    except OSError as error:
        raise _unreadable(error) from None
    try:
        for index, folder in enumerate(folders):
            try:
                inner = os.open(folder, _OPEN_FOLDER, dir_fd=at)
            except OSError as error:
                if error.errno in (errno.ELOOP, errno.ENOTDIR) and _is_link(folder, at):
                    raise _linked_folder(folders[: index + 1]) from None
                raise _unreadable(error) from None
            os.close(at)
            at = inner
        return _read_regular(at, name, max_bytes)
    finally:
        os.close(at)


def read_bytes_by_path(root: Path, rel: str, max_bytes: int = MAX_BYTES) -> bytes:
    """:func:`read_bytes` where there is no ``dir_fd`` (Windows): each folder of ``rel``
    is looked at without following a link, then the file is opened by its path. A link
    swapped in between the look and the open is not seen; nothing else differs."""
    *folders, name = rel.split("/")
    at = os.fspath(root)
    for index, folder in enumerate(folders):
        at = os.path.join(at, folder)
        try:
            info = os.lstat(at)
        except OSError as error:
            raise _unreadable(error) from None
        if _is_link_info(info):
            raise _linked_folder(folders[: index + 1])
        if not stat.S_ISDIR(info.st_mode):
            raise LoadError("FILE-MISSING", "file does not exist")
    return _read_regular(None, os.path.join(at, name), max_bytes)


def _linked_folder(folders: list[str]) -> LoadError:
    return LoadError(
        "FILE-SYMLINK",
        f"folder {'/'.join(folders)}/ is a symbolic link; pmoctl reads nothing through it",
        hint="replace the link with the folder itself (a link can point outside the repository)",
    )


def _is_link_info(info: os.stat_result) -> bool:
    return stat.S_ISLNK(info.st_mode) or getattr(info, "st_reparse_tag", 0) in _LINK_TAGS


def _read_regular(folder: int | None, name: str, max_bytes: int) -> bytes:
    """The regular file ``name`` (in the folder open as ``folder``, or a path if None)."""
    try:
        info = os.stat(name, dir_fd=folder, follow_symlinks=False)
    except OSError as error:
        raise _unreadable(error) from None
    if _is_link_info(info):
        raise LoadError(
            "FILE-SYMLINK",
            "file is a symbolic link; catalogue files must be regular files",
            hint=_SYMLINK_HINT,
        )
    if not stat.S_ISREG(info.st_mode):
        raise LoadError(
            "FILE-READ",
            "not a regular file",
            hint="it is a folder, a pipe or a device: replace it with the file itself",
        )
    if info.st_size > max_bytes:
        raise LoadError(
            "FILE-SIZE",
            f"file is {info.st_size} bytes; the limit is {max_bytes}",
            hint="split the file, or raise max_file_bytes in pmoctl.yaml",
        )
    try:
        handle = os.open(name, _OPEN_FILE, dir_fd=folder)
    except OSError as error:
        raise _unreadable(error) from None
    try:
        opened = os.fstat(handle)
        if not stat.S_ISREG(opened.st_mode):  # swapped since it was looked at
            raise LoadError("FILE-READ", "not a regular file (it changed while being read)")
        chunks: list[bytes] = []
        size = 0
        while size <= max_bytes:
            chunk = os.read(handle, max_bytes + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as error:
        raise _unreadable(error) from None
    finally:
        os.close(handle)
    if size > max_bytes:
        raise LoadError("FILE-SIZE", f"file is larger than the limit of {max_bytes} bytes")
    return b"".join(chunks)


def _is_link(name: str, folder: int) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _unreadable(error: OSError) -> LoadError:
    if error.errno in (errno.ENOENT, errno.ENOTDIR):
        return LoadError("FILE-MISSING", "file does not exist")
    if error.errno in (errno.EACCES, errno.EPERM):
        return LoadError(
            "FILE-READ",
            f"cannot read file: {error.strerror}",
            hint="give yourself read access to it (and to its folder), e.g. chmod u+r",
        )
    return LoadError("FILE-READ", f"cannot read file: {error.strerror}")
