"""Making a commit safely: the lock, the preflight, ``git commit --only``, and what it holds.

Writes go through the git command line (not GitPython's index), so hooks run,
``commit.gpgsign`` is honoured, every index format works and git's own ref locking
protects HEAD. Paths follow ``--`` and are built from validated ids only.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from pmoctl.errors import GitCommandError, RepoStateError
from pmoctl.gitrepo.process import run, run_stoppable
from pmoctl.gitrepo.repo import Repo, author_ident, head, head_and_branch

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
    """Hold ``<git-common-dir>/pmoctl.lock`` (released by the kernel if the process dies)."""
    path = repo.common_dir / LOCK_NAME
    handle = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as busy:
                if busy.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() > deadline:
                    raise RepoStateError(
                        f"another pmoctl is writing to this repository (waited {timeout:.0f} s "
                        f"for {path})",
                        hint="try again when it has finished",
                    ) from None
                time.sleep(0.02)
        yield
    finally:
        os.close(handle)  # closing the descriptor releases the lock


def preflight(repo: Repo, *, allow_detached: bool = False) -> str | None:
    """Refuse (exit 3) when git is mid-operation or has no identity; return HEAD's commit."""
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
    commit, ref = head_and_branch(repo)
    if ref is None and not allow_detached:
        raise RepoStateError(
            "HEAD is detached (not on a branch), so the commit would be easy to lose",
            hint="check out a branch (git switch -c NAME), or pass --allow-detached",
        )
    author_ident(repo)
    return commit


def require_clean(repo: Repo, rels: Sequence[str]) -> None:
    """Each path is tracked, and neither staged nor changed in the work tree."""
    result = run(repo.top, "status", "--porcelain=v1", "-z", "--ignored", "--", *rels)
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
