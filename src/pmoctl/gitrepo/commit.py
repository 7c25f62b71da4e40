"""Making a commit safely: the lock, the preflight, ``git commit --only``, and what it holds.

Writes go through the git command line (not GitPython's index), so hooks run,
``commit.gpgsign`` is honoured, every index format works and git's own ref locking
protects HEAD. Paths follow ``--`` and are built from validated ids only.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import os
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pmoctl.errors import GitCommandError, RepoStateError
from pmoctl.gitrepo.process import finish, output, run, run_stoppable, start, stop
from pmoctl.gitrepo.repo import (
    AUTHOR_IDENT,
    HEAD_AND_BRANCH,
    Repo,
    author_ident_from,
    head,
    head_and_branch_from,
    records,
)

LOCK_NAME = "pmoctl.lock"
LOCK_TIMEOUT = 10.0
#: files whose presence in the git folder means an operation is half done
_IN_PROGRESS = {
    "MERGE_HEAD": "a merge",
    "CHERRY_PICK_HEAD": "a cherry-pick",
    "REVERT_HEAD": "a revert",
    "rebase-merge": "a rebase",
    "rebase-apply": "a rebase (or git am)",
    "BISECT_LOG": "a bisect",
}


@contextlib.contextmanager
def exclusive_lock(repo: Repo, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold ``<git-common-dir>/pmoctl.lock`` (released by the system if the process dies)."""
    path = repo.common_dir / LOCK_NAME
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOINHERIT", 0)
    try:
        handle = os.open(path, flags, 0o644)
    except OSError as error:  # a read-only .git: the user's environment, not a bug
        raise RepoStateError(
            f"cannot open the lock file {path}: {error.strerror}; nothing was changed",
            hint="pmoctl needs write access to the repository's .git folder",
        ) from None
    try:
        deadline = time.monotonic() + timeout
        while not _try_lock(handle):
            if time.monotonic() > deadline:
                raise RepoStateError(
                    f"another pmoctl is writing to this repository (waited {timeout:.0f} s "
                    f"for {path})",
                    hint="try again when it has finished",
                )
            time.sleep(0.02)
        try:
            yield
        finally:
            _unlock(handle)
    finally:
        os.close(handle)


# The lock is the operating system's own, tied to the open file: a process that dies
# loses it, so no stale lock file is ever left to clean up. Two small functions over
# fcntl (POSIX) and msvcrt (Windows) rather than a locking library: this is all pmoctl
# needs, and the messages and the read-only .git case stay pmoctl's own.


def _try_lock(handle: int) -> bool:
    """Lock the whole file, or the first byte on Windows, without waiting: True if taken."""
    try:
        import fcntl
    except ImportError:  # Windows
        msvcrt = _msvcrt()
        os.lseek(handle, 0, os.SEEK_SET)  # msvcrt locks bytes from the current position
        try:
            msvcrt.locking(handle, msvcrt.LK_NBLCK, 1)
        except OSError as busy:
            if busy.errno not in (errno.EACCES, errno.EDEADLOCK):
                raise
            return False
        return True
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as busy:
        if busy.errno not in (errno.EAGAIN, errno.EACCES):
            raise
        return False
    return True


def _msvcrt() -> Any:
    """Windows' C runtime module (imported by name: its stubs exist for Windows only)."""
    return importlib.import_module("msvcrt")


def _unlock(handle: int) -> None:
    """Release the lock before the file is closed (Windows may release it late otherwise)."""
    try:
        import fcntl
    except ImportError:  # Windows
        msvcrt = _msvcrt()
        os.lseek(handle, 0, os.SEEK_SET)
        msvcrt.locking(handle, msvcrt.LK_UNLCK, 1)
        return
    fcntl.flock(handle, fcntl.LOCK_UN)


def preflight(repo: Repo, *, allow_detached: bool = False) -> str | None:
    """Refuse (exit 3) when git is mid-operation or has no identity; return HEAD's commit."""
    with start_checks(repo, [], allow_detached=allow_detached) as checks:
        return checks.head_before()


def require_clean(repo: Repo, rels: Sequence[str]) -> None:
    """Each path is tracked, and neither staged nor changed in the work tree."""
    _refuse_unclean(run(repo.top, *_status_args(rels)))


def _status_args(rels: Sequence[str]) -> tuple[str, ...]:
    # no optional locks: a status stopped in the background (the plan was refused) must
    # never leave git's index.lock behind, and it must not race the commit for the index
    return ("--no-optional-locks", "status", "--porcelain=v1", "-z", "--ignored", "--", *rels)


def _tree_args(rels: Sequence[str]) -> tuple[str, ...]:
    return ("ls-tree", "-z", "--full-name", "HEAD", "--", *rels)


def _blobs_in_tree(result: subprocess.CompletedProcess[bytes]) -> dict[str, str]:
    """``path -> blob id`` from ``git ls-tree -z`` (nothing on an unborn branch)."""
    blobs: dict[str, str] = {}
    if result.returncode != 0:
        return blobs
    for entry in result.stdout.split(b"\0"):
        header, tab, path = entry.partition(b"\t")
        fields = header.split(b" ")
        if tab and len(fields) == 3 and fields[1] == b"blob":
            blobs[path.decode("utf-8", "surrogateescape")] = fields[2].decode()
    return blobs


def _refuse_unclean(result: subprocess.CompletedProcess[bytes]) -> None:
    if result.returncode != 0:
        raise GitCommandError(
            f"git status failed (exit {result.returncode})",
            stderr=result.stderr.decode("utf-8", "replace"),
        )
    entries = [entry for entry in result.stdout.split(b"\0") if entry]
    for entry in entries:
        code, name = entry[:2].decode(), entry[3:].decode("utf-8", "replace")
        if code == "??":
            problem = "is not tracked by git (commit it once, then move it)"
        elif code == "!!":
            problem = "is ignored by git (see .gitignore)"
        else:
            problem = "has uncommitted changes; commit or stash them first"
        raise RepoStateError(f"{name} {problem}")


class Checks:
    """The preflight (:func:`preflight`) and :func:`require_clean` of ``rels``, with their
    git reads started together in the background so that they run while pmoctl loads and
    checks the catalogue. Refusals are raised in the order the synchronous functions would
    raise them: :meth:`head_before` first, :meth:`require_clean` after it.
    """

    def __init__(self, repo: Repo, rels: Sequence[str], allow_detached: bool) -> None:
        _refuse_in_progress(repo)
        self.repo = repo
        self.rels = list(rels)
        self.allow_detached = allow_detached
        self._processes: list[subprocess.Popen[bytes]] = []
        self._head = self._start(HEAD_AND_BRANCH)
        self._ident = self._start(AUTHOR_IDENT)
        self._status = self._start(_status_args(rels)) if rels else None
        self._tree = self._start(_tree_args(rels)) if rels else None

    def _start(self, args: tuple[str, ...]) -> subprocess.Popen[bytes]:
        process = start(self.repo.top, *args)
        self._processes.append(process)
        return process

    def head_before(self) -> str | None:
        """HEAD's commit; refuses (exit 3) a detached HEAD or a missing git identity."""
        commit, ref = head_and_branch_from(self.repo, finish(self._head))
        if ref is None and not self.allow_detached:
            raise RepoStateError(
                "HEAD is detached (not on a branch), so the commit would be easy to lose",
                hint="check out a branch (git switch -c NAME), or pass --allow-detached",
            )
        author_ident_from(finish(self._ident))
        return commit

    def require_clean(self, rels: Sequence[str], contents: Sequence[bytes]) -> None:
        """:func:`require_clean` of ``rels``, and each one's ``contents`` (the bytes the
        caller read and will replace) are what HEAD holds, after git's own conversion (a
        CRLF work tree over LF blobs is clean, as ``git status`` says): git's status was
        read while the caller read the files, so a change made in between is refused too.
        Read in the background if ``rels`` are the ones given at the start."""
        background = self._status is not None and list(rels) == self.rels
        if background and self._status is not None and self._tree is not None:
            _refuse_unclean(finish(self._status))
            tree = finish(self._tree)
        else:
            require_clean(self.repo, rels)
            tree = run(self.repo.top, *_tree_args(rels), check=False)
        held = _blobs_in_tree(tree)
        for rel, data in zip(rels, contents, strict=True):
            if not records(self.repo, rel, data, held.get(rel)):
                raise RepoStateError(f"{rel} has uncommitted changes; commit or stash them first")

    def close(self) -> None:
        for process in self._processes:
            stop(process)

    def __enter__(self) -> Checks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def start_checks(repo: Repo, rels: Sequence[str], *, allow_detached: bool = False) -> Checks:
    """Refuse at once when git is mid-operation; start the other checks (see :class:`Checks`)."""
    return Checks(repo, rels, allow_detached)


def _refuse_in_progress(repo: Repo) -> None:
    for name, what in _IN_PROGRESS.items():
        if (repo.git_dir / name).exists():
            raise RepoStateError(
                f"{what} is in progress in this repository",
                hint="finish or abort it first (see `git status`)",
            )
    lock = repo.git_dir / "index.lock"
    if lock.exists():
        raise RepoStateError(
            f"{lock} exists: another git process is running, or one crashed",
            hint="wait for it; if no git process is running, delete that file",
        )


def stale_locks(repo: Repo) -> list[Path]:
    """git's own lock files on the index, HEAD and the current branch that exist now.

    git removes them when it ends, even on SIGTERM; one that remains was left by a git
    killed outright (or belongs to a git still running), and blocks every later commit.
    """
    candidates = [repo.git_dir / "index.lock", repo.git_dir / "HEAD.lock"]
    branch = output(repo.top, "symbolic-ref", "-q", "HEAD")
    if branch is not None and branch.startswith("refs/"):
        candidates.append(repo.common_dir / f"{branch}.lock")
    return [path for path in candidates if path.exists()]


@dataclass
class CommitResult:
    output: str = ""


def commit_only(repo: Repo, rels: Sequence[str], message: str) -> CommitResult:
    """``git commit --only`` of exactly these paths; hooks run, signing is honoured.

    An interruption while git runs stops git first (see :func:`run_stoppable`).
    """
    code, out = run_stoppable(
        repo.top, "commit", "--only", "--quiet", "--no-edit", "--cleanup=whitespace",
        f"--message={message}", "--", *rels,
    )  # fmt: skip
    text = out.decode("utf-8", "replace").strip()
    if code != 0:
        raise GitCommandError(
            f"git commit failed (exit {code}); nothing was changed",
            hint="a hook or git refused the commit: its output is shown above",
            stderr=text,
        )
    return CommitResult(text)


def committed_blobs(
    repo: Repo, rels: Sequence[str], commit: str = "HEAD"
) -> tuple[str | None, str | None, list[str]]:
    """``commit`` (None if it does not exist), its first parent, and the blobs of ``rels``
    in it: one git run (the specs start with a revision, so none can be an option)."""
    specs = [commit, f"{commit}^", *(f"{commit}:{rel}" for rel in rels)]
    result = run(repo.top, "rev-parse", "-q", *specs, check=False)
    ids = result.stdout.decode().split()
    if result.returncode != 0 or len(ids) != len(specs):
        return (head(repo) if commit == "HEAD" else None), None, []
    return ids[0], ids[1], ids[2:]


@dataclass(frozen=True)
class CommitFacts:
    """What a commit holds, read back after ``git commit`` (hooks may have changed it)."""

    commit: str
    parents: tuple[str, ...]
    message: str
    #: path -> blob id of every file the commit changes (against its first parent);
    #: the null id for a file it deletes
    blobs: dict[str, str]


def commit_facts(repo: Repo, rev: str = "HEAD") -> CommitFacts | None:
    """The commit ``rev`` names, its parents, message and changed files: one git run."""
    nonce = os.urandom(12).hex()
    result = run(
        repo.top, "log", "-1", "-z", "--no-renames", "--raw", "--no-abbrev", "--no-ext-diff",
        f"--format=%H %P%x00%B%x00{nonce}%x00", "--end-of-options", rev, "--", check=False,
    )  # fmt: skip
    text = result.stdout.decode("utf-8", "surrogateescape")
    head, found, rest = text.partition(f"\0{nonce}\0")
    if result.returncode != 0 or not found:
        return None
    ids, _, message = head.partition("\0")
    commit, *parents = ids.split()
    blobs: dict[str, str] = {}
    tokens = rest.lstrip("\0\n").split("\0")
    for raw, path in zip(tokens[::2], tokens[1::2], strict=False):
        fields = raw.lstrip("\n").split()  # ":old-mode new-mode old-id new-id status"
        if raw.lstrip("\n").startswith(":") and len(fields) >= 5:
            blobs[path] = fields[3]
    return CommitFacts(commit, tuple(parents), message, blobs)


def read_index(repo: Repo) -> bytes | None:
    """The bytes of git's index file (None when there is none), to put back with
    :func:`undo_commit`."""
    try:
        return (repo.git_dir / "index").read_bytes()
    except FileNotFoundError:
        return None


def undo_commit(repo: Repo, commit: str, parent: str, index: bytes | None) -> None:
    """Move HEAD's branch back from ``commit`` to ``parent`` (only if it still points at
    ``commit``) and put back the index as :func:`read_index` read it before the commit.

    The index is written as git writes it: into ``index.lock``, created exclusively (so a
    running git is never overwritten), then renamed over ``index``.
    """
    result = run(
        repo.top, "update-ref", "-m", "pmoctl: undo a transition commit that a hook changed",
        "--end-of-options", "HEAD", parent, commit, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise GitCommandError(
            f"could not undo commit {commit[:12]}: HEAD moved on meanwhile",
            hint=f"check it with git log; `git reset --soft {parent[:12]}` undoes it",
            stderr=result.stderr.decode("utf-8", "replace"),
        )
    if index is None:
        return
    lock = repo.git_dir / "index.lock"
    try:
        # O_BINARY (Windows): the index is written byte for byte
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
        handle = os.open(lock, flags | getattr(os, "O_BINARY", 0), 0o644)
    except FileExistsError:
        raise GitCommandError(
            f"could not restore the index: {lock} exists (a git command is running)",
            hint="once it has finished, `git reset` brings the index back to HEAD",
        ) from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(index)
            out.flush()
            os.fsync(out.fileno())
        os.replace(lock, repo.git_dir / "index")
    except BaseException:
        lock.unlink(missing_ok=True)
        raise


def reset_paths(repo: Repo, rels: Sequence[str]) -> None:
    """Set the index entries of ``rels`` to HEAD's (the work tree is not touched)."""
    run(repo.top, "reset", "-q", "HEAD", "--", *rels)
