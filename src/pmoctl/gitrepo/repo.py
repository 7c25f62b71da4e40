"""The work tree pmoctl runs in: finding it, facts about it, and the ids that name paths in it."""

from __future__ import annotations

import hashlib
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pmoctl.errors import RepoStateError, UserError
from pmoctl.gitrepo.process import output, run

#: ``catalogue.models.common.ID_PATTERN`` (kept here so that reading history needs no pydantic;
#: a test checks that the two are the same)
ID_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"
_ID = re.compile(ID_PATTERN)


@dataclass(frozen=True)
class Repo:
    """A work tree: where it is, its git folders, and facts read once at discovery."""

    top: Path
    git_dir: Path
    common_dir: Path
    object_format: str
    shallow: bool

    def rel(self, path: Path) -> str:
        """``path`` relative to the top of the work tree, in POSIX form."""
        return path.resolve().relative_to(self.top).as_posix()


def check_ids(ids: Sequence[str], what: str = "service") -> None:
    """Refuse (exit 2) an id that could be a path, a glob or an option before it touches one."""
    if not ids:
        raise UserError(f"name at least one {what}")
    for ident in ids:
        if not _ID.fullmatch(ident):
            raise UserError(
                f"invalid {what} id {ident!r}",
                hint="ids are 1 to 64 lower-case letters, digits and inner hyphens",
            )
    if len(set(ids)) != len(ids):
        raise UserError(f"a {what} is named twice")


def discover(start: Path) -> Repo | None:
    """The work tree containing ``start``, or None when it is not in a git repository."""
    result = run(
        start,
        "rev-parse",
        "--is-bare-repository",
        "--absolute-git-dir",
        "--git-common-dir",
        "--is-shallow-repository",
        "--show-object-format",
        "--show-toplevel",
        check=False,
    )
    stderr = result.stderr.decode("utf-8", "replace")
    if result.returncode != 0:
        if "dubious ownership" in stderr:
            raise RepoStateError(
                f"git refuses the repository at {start}: it belongs to another user",
                hint="if you trust it: git config --global --add safe.directory <path>",
            )
        if "must be run in a work tree" in stderr:
            raise RepoStateError(
                "this is a bare repository: run pmoctl inside a checkout", hint=stderr.strip()
            )
        return None
    lines = result.stdout.decode("utf-8", "surrogateescape").splitlines()
    if lines[0] == "true":
        raise RepoStateError("this is a bare repository: run pmoctl inside a checkout")
    git_dir = Path(lines[1])
    common = Path(lines[2])
    if not common.is_absolute():
        common = (Path(start) / common).resolve()
    return Repo(
        top=Path(lines[5]).resolve(),
        git_dir=git_dir,
        common_dir=common,
        shallow=lines[3] == "true",
        object_format=lines[4],
    )


def require(start: Path) -> Repo:
    repo = discover(start)
    if repo is None:
        raise RepoStateError(
            f"{start} is not in a git repository",
            hint="a transition is a git commit: run `git init` and commit the catalogue first",
        )
    return repo


def blob_id(repo: Repo, data: bytes) -> str:
    """The id git gives ``data`` as a blob (without running git)."""
    algorithm = hashlib.sha256 if repo.object_format == "sha256" else hashlib.sha1
    return algorithm(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def stored_blob_id(repo: Repo, rel: str, data: bytes) -> str:
    """The id of the blob git would record for ``data`` as the work-tree file ``rel``: after
    the conversions ``git add`` makes (``core.autocrlf``, the ``text``/``eol`` attributes,
    clean filters), so that a CRLF work tree over LF blobs counts as unchanged. ``git
    hash-object`` without ``-w`` writes nothing and never refuses for ``core.safecrlf``."""
    result = run(repo.top, "hash-object", f"--path={rel}", "--stdin", stdin=data, check=False)
    found = result.stdout.decode("ascii", "replace").strip()
    return found if result.returncode == 0 and found else blob_id(repo, data)


def records(repo: Repo, rel: str, data: bytes, blob: str | None) -> bool:
    """``blob`` is what git records for ``data`` as the file ``rel``: those very bytes (no
    git run), or git's conversion of them (see :func:`stored_blob_id`)."""
    if blob is None:
        return False
    return blob == blob_id(repo, data) or blob == stored_blob_id(repo, rel, data)


def head(repo: Repo) -> str | None:
    """The commit HEAD points at, or None on an unborn branch."""
    return output(repo.top, "rev-parse", "--verify", "-q", "HEAD")


def head_and_branch(repo: Repo) -> tuple[str | None, str | None]:
    """HEAD's commit (None on an unborn branch) and its branch (None when detached): one run."""
    return head_and_branch_from(repo, run(repo.top, *HEAD_AND_BRANCH, check=False))


#: the git arguments of :func:`head_and_branch` (also run in the background by the preflight)
HEAD_AND_BRANCH = ("rev-parse", "HEAD", "--symbolic-full-name", "HEAD")
AUTHOR_IDENT = ("var", "GIT_AUTHOR_IDENT")


def head_and_branch_from(
    repo: Repo, result: subprocess.CompletedProcess[bytes]
) -> tuple[str | None, str | None]:
    """:func:`head_and_branch` from the result of ``git`` :data:`HEAD_AND_BRANCH`."""
    lines = result.stdout.decode().split()
    if result.returncode == 0 and len(lines) == 2:
        return lines[0], (lines[1] if lines[1].startswith("refs/") else None)
    return None, output(repo.top, "symbolic-ref", "-q", "HEAD")


def author_ident(repo: Repo) -> str:
    """The identity git would author a commit with; refuses when none is configured."""
    return author_ident_from(run(repo.top, *AUTHOR_IDENT, check=False))


def author_ident_from(result: subprocess.CompletedProcess[bytes]) -> str:
    """:func:`author_ident` from the result of ``git`` :data:`AUTHOR_IDENT`."""
    if result.returncode != 0:
        raise RepoStateError(
            "no git identity is configured, so the move could not say who made it",
            hint='run: git config --global user.name "Your Name" && '
            "git config --global user.email you@example.org",
        )
    ident = result.stdout.decode("utf-8", "replace").strip()
    return ident.rsplit(" ", 2)[0]  # drop the timestamp and time zone
