"""The only module that runs git: discovery, preflight, the lock, commits, log reads.

Every command is a fixed argv (``git --literal-pathspecs -C <top> ...``), never a shell;
paths follow ``--`` and are built from validated ids only. Writes go through the git
command line (not GitPython's index), so hooks run, ``commit.gpgsign`` is honoured, every
index format works and git's own ref locking protects HEAD.

The commit-message format of a transition lives here too (:func:`transition_message`,
:func:`parse_trailers`), because ``history`` and ``check`` read it back from git.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pmoctl.errors import GitCommandError, RepoStateError, UserError

#: ``pmoctl.models.common.ID_PATTERN`` (kept here so that reading history needs no pydantic;
#: a test checks that the two are the same)
ID_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"
_ID = re.compile(ID_PATTERN)
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


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["GIT_LITERAL_PATHSPECS"] = "1"
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    env.setdefault("GIT_TERMINAL_PROMPT", "0")
    return env


def run(
    cwd: Path, *args: str, check: bool = True, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run one git command in ``cwd`` and capture its output (bytes)."""
    argv = ["git", "--literal-pathspecs", "-C", str(cwd), *args]
    try:
        result = subprocess.run(
            argv, input=stdin, capture_output=True, env=_env(), check=False
        )
    except FileNotFoundError as missing:
        raise RepoStateError("git is not installed (or not on PATH)") from missing
    if check and result.returncode != 0:
        raise GitCommandError(
            f"git {args[0]} failed (exit {result.returncode})",
            stderr=result.stderr.decode("utf-8", "replace"),
        )
    return result


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


# --- the lock and the preflight ---------------------------------------------------------


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


def head(repo: Repo) -> str | None:
    """The commit HEAD points at, or None on an unborn branch."""
    result = run(repo.top, "rev-parse", "--verify", "-q", "HEAD", check=False)
    return result.stdout.decode().strip() or None


def head_and_branch(repo: Repo) -> tuple[str | None, str | None]:
    """HEAD's commit (None on an unborn branch) and its branch (None when detached): one run."""
    result = run(repo.top, "rev-parse", "HEAD", "--symbolic-full-name", "HEAD", check=False)
    lines = result.stdout.decode().split()
    if result.returncode == 0 and len(lines) == 2:
        return lines[0], (lines[1] if lines[1].startswith("refs/") else None)
    unborn = run(repo.top, "symbolic-ref", "-q", "HEAD", check=False)
    return None, unborn.stdout.decode().strip() or None


def author_ident(repo: Repo) -> str:
    """The identity git would author a commit with; refuses when none is configured."""
    result = run(repo.top, "var", "GIT_AUTHOR_IDENT", check=False)
    if result.returncode != 0:
        raise RepoStateError(
            "no git identity is configured, so the move could not say who made it",
            hint='run: git config --global user.name "Your Name" && '
            "git config --global user.email you@example.org",
        )
    ident = result.stdout.decode("utf-8", "replace").strip()
    return ident.rsplit(" ", 2)[0]  # drop the timestamp and time zone


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


# --- the commit -------------------------------------------------------------------------


@dataclass
class CommitResult:
    output: str = ""


def commit_only(repo: Repo, rels: Sequence[str], message: str) -> CommitResult:
    """``git commit --only`` of exactly these paths; hooks run, signing is honoured.

    An interruption while git runs (Ctrl-C, SIGTERM turned into an exception) stops git
    with SIGTERM, so that it removes its own lock files, and is then re-raised.
    """
    argv = [
        "git", "--literal-pathspecs", "-C", str(repo.top), "commit", "--only", "--quiet",
        "--no-edit", "--cleanup=whitespace", f"--message={message}", "--", *rels,
    ]  # fmt: skip
    process = subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env()
    )
    try:
        out, err = process.communicate()
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        with contextlib.suppress(BaseException):
            process.wait(timeout=30)
        raise
    text = (out + err).decode("utf-8", "replace").strip()
    if process.returncode != 0:
        raise GitCommandError(
            f"git commit failed (exit {process.returncode}); nothing was changed",
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


# --- reading history --------------------------------------------------------------------


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


# --- the transition commit message ------------------------------------------------------

_TRAILER = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]*):[ \t]*(.*?)[ \t]*$")
_MOVE_VALUE = re.compile(r"^([a-z0-9][a-z0-9-]*) ([a-z]+) -> ([a-z]+)$")


@dataclass(frozen=True)
class ServiceMove:
    service: str
    source: str
    target: str


@dataclass
class TransitionTrailers:
    """What a transition commit records, read back from its message."""

    moves: list[ServiceMove]
    approved_by: str | None = None
    approver_id: str | None = None
    reason: str | None = None
    #: the body between the subject and the trailers (the move's note)
    note: str | None = None
    subject: str = ""


def transition_message(
    moves: Sequence[ServiceMove],
    *,
    approved_by: str,
    approver_id: str,
    reason: str | None = None,
    note: str | None = None,
) -> str:
    """The commit message of a transition (ids and stages are validated by the caller)."""
    target = moves[0].target
    if len(moves) == 1:
        subject = f"transition({moves[0].service}): {moves[0].source} -> {target}"
    else:
        subject = f"transition({len(moves)} services): -> {target}"
    trailers = [f"Service-Transition: {m.service} {m.source} -> {m.target}" for m in moves]
    trailers += [f"Approved-by: {approved_by}", f"Approver-Id: {approver_id}"]
    if reason:
        trailers.append(f"Reason: {reason}")
    body = [subject]
    if note and note.strip():
        body.append(note.strip())
    body.append("\n".join(trailers))
    return "\n\n".join(body) + "\n"


def parse_trailers(message: str) -> TransitionTrailers | None:
    """The moves, approver and reason of a transition commit; None for any other commit.

    Only the last paragraph is read as trailers (as git does), so a note cannot forge one.
    """
    paragraphs = [p.strip("\n") for p in re.split(r"\n[ \t]*\n", message.strip()) if p.strip()]
    if len(paragraphs) < 2:
        return None
    found = TransitionTrailers(moves=[], subject=paragraphs[0].splitlines()[0])
    for line in paragraphs[-1].splitlines():
        match = _TRAILER.match(line)
        if match is None:
            continue
        key, value = match.group(1).lower(), match.group(2)
        if key == "service-transition" and (move := _MOVE_VALUE.match(value)):
            found.moves.append(ServiceMove(*move.groups()))
        elif key == "approved-by":
            found.approved_by = value
        elif key == "approver-id":
            found.approver_id = value
        elif key == "reason":
            found.reason = value
    if not found.moves:
        return None
    note = "\n\n".join(paragraphs[1:-1]).strip()
    found.note = note or None
    return found


# --- reads for `pmoctl check` (owned by the check helper) -------------------------------
# Base ref, merge-base, changed files, the commits of a pull request and the objects they
# hold: a handful of git processes in all, however many commits or files are involved.

_HEX_ID = re.compile(r"^[0-9a-f]{4,64}$")
#: what `git check-ref-format --allow-onelevel` refuses, plus a leading '-'
_BAD_REF = re.compile(
    r"^[-/.]|\.\.|@\{|[\x00-\x20\x7f~^:?*\[\\]|//|/\.|\.lock(?:/|$)|[/.]$|^@$"
)


@dataclass(frozen=True)
class PullCommit:
    """A commit of a pull request, with the paths (of those asked about) it changed."""

    sha: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    message: str
    paths: tuple[str, ...]


def valid_ref_name(ref: str) -> bool:
    """True for a plain branch, tag or commit name that git accepts and no option can hide in."""
    if not ref or len(ref) > 255:
        return False
    return bool(_HEX_ID.match(ref)) or not _BAD_REF.search(ref)


def resolve_commit(repo: Repo, ref: str) -> str | None:
    """The commit id ``ref`` names, or None if there is no such commit here."""
    result = run(
        repo.top, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}",
        check=False,
    )  # fmt: skip
    return result.stdout.decode("ascii", "replace").strip() or None


def merge_base(repo: Repo, first: str, second: str) -> str | None:
    result = run(repo.top, "merge-base", "--end-of-options", first, second, check=False)
    return result.stdout.decode("ascii", "replace").strip() or None


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


def commits_touching(repo: Repo, base: str, head: str, paths: Sequence[str]) -> list[PullCommit]:
    """The commits of ``base..head`` that change any of ``paths``, oldest first, no merges.

    One ``git log`` finds them (hashes and paths only, so no message can forge a record);
    one ``git cat-file --batch`` reads their messages and authors.
    """
    if not paths:
        return []
    result = run(
        repo.top, "log", "--reverse", "--topo-order", "--no-merges", "--no-renames", "-z",
        "--format=commit %H %P", "--name-only", "--end-of-options", f"{base}..{head}",
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
