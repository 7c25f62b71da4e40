"""Reading what git holds: the history of paths (``history``, ``status``) and, for
``pmoctl check``, the base ref, merge-base, changed files, the commits of a pull request and
the objects they hold: a handful of git processes in all, however many commits or files.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from pmoctl.gitrepo.process import output, run
from pmoctl.gitrepo.repo import Repo


@dataclass
class LogEntry:
    commit: str
    date: str
    author: str
    email: str
    message: str
    paths: list[str] = field(default_factory=list)


def log(repo: Repo, pathspecs: Sequence[str]) -> list[LogEntry]:
    """Every commit touching ``pathspecs`` (newest first), with the paths it touched: one git run.

    Records are framed by random markers, so a commit message cannot forge one.
    """
    nonce = os.urandom(12).hex()
    begin, end = f"\0<{nonce}\0", f"\0{nonce}>\0"
    fmt = f"%x00<{nonce}%x00%H%x00%aI%x00%an%x00%ae%x00%B%x00{nonce}>%x00"
    result = run(
        repo.top, "log", "--no-renames", "--name-only", "-z", f"--format={fmt}",
        "--end-of-options", "HEAD", "--", *pathspecs, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        return []  # an unborn branch: no history yet
    text = result.stdout.decode("utf-8", "replace")
    entries: list[LogEntry] = []
    for chunk in text.split(begin)[1:]:
        header, _, rest = chunk.partition(end)
        fields = header.split("\0", 4)
        if len(fields) != 5:
            continue
        paths = [name.lstrip("\n") for name in rest.split("\0")]
        commit, date, author, email, message = fields
        entries.append(
            LogEntry(commit, date, author, email, message, [name for name in paths if name])
        )
    return entries


@dataclass
class ChangedEntry:
    """A commit of :func:`log_between`: committer date, author, message, and each path
    it changed with git's status letter (``A`` added, ``M`` modified, ``D`` deleted)."""

    commit: str
    date: str
    author: str
    message: str
    changes: list[tuple[str, str]] = field(default_factory=list)


def log_between(repo: Repo, pathspecs: Sequence[str], since: str, until: str) -> list[ChangedEntry]:
    """The commits touching ``pathspecs`` committed from ``since`` to ``until`` (git date
    text), newest first, with the status of each path: one git run, reading only those
    commits (git stops its walk at the first ones older than ``since``)."""
    nonce = os.urandom(12).hex()
    begin, end = f"\0<{nonce}\0", f"\0{nonce}>\0"
    fmt = f"%x00<{nonce}%x00%H%x00%cI%x00%an%x00%B%x00{nonce}>%x00"
    result = run(
        repo.top, "log", "--no-renames", "--name-status", "-z", f"--format={fmt}",
        f"--since={since}", f"--until={until}", "--end-of-options", "HEAD", "--",
        *pathspecs, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        return []  # an unborn branch: no history yet
    entries: list[ChangedEntry] = []
    for chunk in result.stdout.decode("utf-8", "replace").split(begin)[1:]:
        header, _, rest = chunk.partition(end)
        fields = header.split("\0", 3)
        if len(fields) != 4:
            continue
        # status and path alternate, NUL-separated (after an empty field and a newline)
        parts = [part for part in (p.lstrip("\n") for p in rest.split("\0")) if part]
        changes = list(zip(parts[::2], parts[1::2], strict=False))
        commit, date, author, message = fields
        entries.append(ChangedEntry(commit, date, author, message, changes))
    return entries


# --- reads for `pmoctl check` ----------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class PullCommit:
    """A commit of a pull request, with every path it changed (not only those asked about)."""

    sha: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    message: str
    paths: tuple[str, ...]


def revision_problem(rev: str) -> str | None:
    """Why ``rev`` cannot name one commit whatever the repository holds, or None.

    Anything else is for git to judge (:func:`resolve_commit`): ``HEAD~1``, ``main@{1}``,
    ``:/message`` all name commits. A leading '-' is refused although ``--end-of-options``
    would keep git from reading it as an option: no revision starts with one.
    """
    if not rev.strip():
        return "it is empty"
    if _CONTROL.search(rev):
        return "it holds control characters"
    if rev.startswith("-"):
        return "it starts with '-'"
    if ".." in rev and not rev.startswith(":"):
        return "it is a range of commits, not one commit"
    return None


def branch_names(repo: Repo, limit: int = 8) -> list[str]:
    """Up to ``limit`` local and remote-tracking branches (for a hint)."""
    result = run(
        repo.top, "for-each-ref", f"--count={limit}", "--format=%(refname:short)",
        "refs/heads", "refs/remotes", check=False,
    )  # fmt: skip
    names = result.stdout.decode("utf-8", "replace").splitlines()
    return [name for name in names if name and not name.endswith("/HEAD")]


def resolve_commit(repo: Repo, ref: str) -> str | None:
    """The commit id ``ref`` names (a tag is peeled), or None if it names no commit here.

    Resolved first and peeled after, so that ``^{commit}`` cannot become part of a
    ``:/message`` search."""
    found = output(repo.top, "rev-parse", "--verify", "--quiet", "--end-of-options", ref)
    if found is None:
        return None
    return output(repo.top, "rev-parse", "--verify", "--quiet", f"{found}^{{commit}}")


def merge_base(repo: Repo, first: str, second: str) -> str | None:
    return output(repo.top, "merge-base", "--end-of-options", first, second)


def changed_files(repo: Repo, base: str, head: str, under: str = "") -> list[tuple[str, str, str]]:
    """``(status, old_path, new_path)`` for each file that differs, renames detected.

    Status is git's letter (A, D, M, T, R); only for R does ``old_path`` differ.
    """
    result = run(
        repo.top, "diff", "--no-ext-diff", "--no-textconv", "--name-status", "-z", "-M",
        "--end-of-options", base, head, "--", under or ".",
    )  # fmt: skip
    fields = result.stdout.decode("utf-8", "surrogateescape").split("\0")
    changes: list[tuple[str, str, str]] = []
    index = 0
    while index + 1 < len(fields) and fields[index]:
        status = fields[index][0]
        if status in "RC":
            changes.append((status, fields[index + 1], fields[index + 2]))
            index += 3
        else:
            changes.append((status, fields[index + 1], fields[index + 1]))
            index += 2
    return changes


def commits_touching(
    repo: Repo, base: str | None, head: str, paths: Sequence[str]
) -> list[PullCommit]:
    """The commits of ``base..head`` (all of ``head``'s history when ``base`` is None) that
    change any of ``paths``, oldest first, no merges,
    each with all the paths it changes (``--full-diff``: a move commit must change nothing
    else).

    One ``git log`` finds them (hashes and paths only, so no message can forge a record);
    one ``git cat-file --batch`` reads their messages and authors.
    """
    if not paths:
        return []
    result = run(
        repo.top, "log", "--reverse", "--topo-order", "--no-merges", "--no-renames", "-z",
        "--full-diff", "--format=commit %H %P", "--name-only", "--end-of-options",
        f"{base}..{head}" if base else head,
        "--", *sorted(set(paths)),
    )  # fmt: skip
    found: list[tuple[str, tuple[str, ...], list[str]]] = []
    for raw in result.stdout.decode("utf-8", "surrogateescape").split("\0"):
        token = raw.lstrip("\n")
        if token.startswith("commit "):
            ids = token[len("commit ") :].split()
            found.append((ids[0], tuple(ids[1:]), []))
        elif token and found:
            found[-1][2].append(token)
    objects = read_objects(repo, [sha for sha, _, _ in found])
    commits = []
    for sha, parents, changed in found:
        name, email, message = _commit_fields(objects.get(sha) or b"")
        commits.append(PullCommit(sha, parents, name, email, message, tuple(changed)))
    return commits


def _commit_fields(raw: bytes) -> tuple[str, str, str]:
    header, _, message = raw.decode("utf-8", "replace").partition("\n\n")
    for line in header.split("\n"):
        match = re.match(r"author (.*) <([^>]*)> \d+ [-+]\d{4}$", line)
        if match:
            return match.group(1), match.group(2), message
    return "", "", message


def read_objects(repo: Repo, specs: Sequence[str]) -> dict[str, bytes | None]:
    """The content of each object (a commit id, or ``rev:path``); None when it is missing."""
    unique = [spec for spec in dict.fromkeys(specs) if "\n" not in spec and "\r" not in spec]
    if not unique:
        return {}
    stdin = "".join(f"{spec}\n" for spec in unique).encode("utf-8", "surrogateescape")
    out = run(repo.top, "cat-file", "--batch", stdin=stdin).stdout
    objects: dict[str, bytes | None] = dict.fromkeys(specs)
    position = 0
    for spec in unique:
        end = out.index(b"\n", position)
        header = out[position:end].split(b" ")
        position = end + 1
        if len(header) == 3 and header[2].isdigit():  # "<id> <type> <size>"
            size = int(header[2])
            objects[spec] = out[position : position + size]
            position += size + 1
        # else "<spec> missing" (or "ambiguous"): stays None
    return objects


def checked_out(repo: Repo, rev: str, rel: str) -> bytes | None:
    """The file ``rel`` of commit ``rev`` as git would write it into the work tree
    (``core.autocrlf``, the ``eol`` attributes, smudge filters); None when it is missing.

    One git run per file (``cat-file --batch --filters`` cannot take ``rev:path`` in every
    git version pmoctl supports); only the rare reformat by a hook needs it."""
    result = run(repo.top, "cat-file", "--filters", f"{rev}:{rel}", check=False)
    return result.stdout if result.returncode == 0 else None
