"""The transaction that writes files and commits them (research section 5), and its recovery.

Under an exclusive lock on ``<git-common-dir>/pmoctl.lock`` (taken by the caller): a
journal in the git folder holds the original bytes; each file is replaced atomically; one
``git commit --only`` commits exactly those files (hooks run, signing is honoured); the
new commit must hold what was written. Any failure or interruption (Ctrl-C, SIGTERM)
restores the original bytes, unless the commit landed. A process killed outright leaves
the journal: :func:`recover` (run by the next transition, or ``pmoctl recover``) keeps
the move if HEAD holds it and restores the files otherwise.

Test hook: with ``PMOCTL_TEST_PAUSE_AT=<step>`` in the environment, the process announces
``pmoctl: paused at <step>`` on stderr and sleeps there, so that a test can kill it at that
step. Steps: ``locked``, ``journal``, ``written``, ``committed``. Inert when unset.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import shlex
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from pmoctl import gitrepo
from pmoctl.errors import GitCommandError, RepoStateError
from pmoctl.fileio import replace_file
from pmoctl.output import report
from pmoctl.yaml.loader import LoadError, decode, parse, read_bytes

JOURNAL = "pmoctl-txn.json"
#: more than any journal or service file pmoctl writes (service files are limited by
#: max_file_bytes, a journal holds them in base64)
_JOURNAL_LIMIT = 64 * 1024 * 1024
PAUSE_VARIABLE = "PMOCTL_TEST_PAUSE_AT"


@dataclass(frozen=True)
class FileChange:
    repo_rel: str  # relative to the top of the work tree
    old: bytes
    new: bytes
    mode: int


def pause_point(step: str) -> None:
    """The test hook (see the module docstring); does nothing unless the variable names ``step``."""
    if os.environ.get(PAUSE_VARIABLE) == step:
        report.info(f"pmoctl: paused at {step}", stream=sys.stderr)
        time.sleep(120)


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt, so that the rollback runs on `kill` too."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: nothing to install
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@dataclass
class Committed:
    """The commit a transition made, and what a hook changed in it that was accepted."""

    commit: str
    notes: list[str]


def commit_files(
    repo: gitrepo.Repo, moves: Sequence[FileChange], message: str, head_before: str | None
) -> Committed:
    """Write ``moves`` and commit them as one commit, or raise with everything restored.

    Hooks run, and may change the commit. What pmoctl promises is checked on the commit
    git made: it sits on ``head_before``, changes exactly the moved files, and its message
    keeps the trailers. A hook that only reformats a moved file (it still parses and
    records the same lifecycle) is accepted, and said in ``notes``; any other change by a
    hook is undone: the branch goes back to ``head_before``, the index is put back as it
    was (the user's other staged changes with it) and the files are restored.
    """
    journal = repo.git_dir / JOURNAL
    paths = [move.repo_rel for move in moves]
    with _sigterm_raises():
        try:
            _write_journal(journal, moves, head_before)
        except OSError as error:  # nothing written yet (replace_file removes its temporary)
            raise _cannot_write(error, "the transition journal in the git folder") from None
        try:
            pause_point("journal")
            index_before = gitrepo.read_index(repo)
            for move in moves:
                try:
                    atomic_write(repo.top / move.repo_rel, move.new, move.mode)
                except OSError as error:
                    raise _cannot_write(error, move.repo_rel) from None
            pause_point("written")
            gitrepo.commit_only(repo, paths, message)
            pause_point("committed")
            facts = gitrepo.commit_facts(repo)
            if facts is None or list(facts.parents[:1]) != ([head_before] if head_before else []):
                raise GitCommandError(
                    "HEAD moved while committing (another commit landed at the same time); "
                    f"HEAD is now {(facts.commit if facts else '?')[:12]}: check it with git log"
                )
            notes = _accept_hook_changes(
                repo, facts, moves, message=message, head_before=head_before,
                index_before=index_before,
            )  # fmt: skip
        except BaseException:
            # keep the files only if HEAD holds them (the commit landed); else restore
            now, _, held = gitrepo.committed_blobs(repo, paths)
            if now == head_before or not _holds(repo, moves, held):
                # a file that still holds its old bytes is left alone: it may be one that
                # could not be written at all (if a restore fails, the journal stays)
                for move in moves:
                    if _read(repo, move.repo_rel) != move.old:
                        atomic_write(repo.top / move.repo_rel, move.old, move.mode)
            journal.unlink(missing_ok=True)
            raise
        journal.unlink(missing_ok=True)
    return Committed(facts.commit, notes)


def _holds(repo: gitrepo.Repo, moves: Sequence[FileChange], blobs: Sequence[str]) -> bool:
    """``blobs`` are what git records for the bytes pmoctl wrote (after its conversions)."""
    return len(blobs) == len(moves) and all(
        gitrepo.records(repo, move.repo_rel, move.new, blob)
        for move, blob in zip(moves, blobs, strict=True)
    )


def _accept_hook_changes(
    repo: gitrepo.Repo, facts: gitrepo.CommitFacts, moves: Sequence[FileChange], *,
    message: str, head_before: str | None, index_before: bytes | None,
) -> list[str]:  # fmt: skip
    """Notes on what a hook reformatted; or undo the commit and raise (exit 4) when a
    hook changed more than the layout of the moved files."""
    paths = [move.repo_rel for move in moves]
    in_files: list[str] = []
    notes: list[str] = []
    reformatted: list[FileChange] = []
    extra = sorted(set(facts.blobs) - set(paths))
    if extra:
        in_files.append(f"it also commits {', '.join(extra)}")
    # git records the written bytes after its own conversion (autocrlf, eol attributes)
    differing = [
        move for move in moves
        if not gitrepo.records(repo, move.repo_rel, move.new, facts.blobs.get(move.repo_rel))
    ]  # fmt: skip
    held = gitrepo.read_objects(repo, [f"{facts.commit}:{m.repo_rel}" for m in differing])
    for move in differing:
        committed = held.get(f"{facts.commit}:{move.repo_rel}")
        if move.repo_rel not in facts.blobs or committed is None:
            in_files.append(f"it left {move.repo_rel} out of the commit")
        elif _same_data(move.new, committed):
            reformatted.append(move)
            notes.append(f"a hook reformatted {move.repo_rel}: the commit holds its version")
        else:
            in_files.append(f"it changed what {move.repo_rel} says, not only its layout")
    in_message = _trailers_of(facts.message) != _trailers_of(message)
    if in_files or in_message:
        if head_before is not None:
            gitrepo.undo_commit(repo, facts.commit, head_before, index_before)
        problems = [*in_files, "it removed or changed pmoctl's trailers"] if in_message \
            else in_files  # fmt: skip
        hooks = " and ".join(
            name for name, bad in (("a pre-commit or post-commit hook", in_files),
                                   ("a commit-msg or prepare-commit-msg hook", in_message)) if bad
        )  # fmt: skip
        undone = (
            "the commit was undone, and the files and the index are as they were"
            if head_before is not None
            else "the commit remains (the first on its branch: nothing to go back to)"
        )
        raise GitCommandError(
            f"{hooks} changed the transition's commit ({'; '.join(problems)}); {undone}",
            hint="make the hook leave pmoctl's commits alone: it may reformat the moved "
            "service file, nothing else",
        )
    if reformatted:
        _follow_reformat(repo, facts.commit, reformatted)
    return notes


def _follow_reformat(repo: gitrepo.Repo, commit: str, moves: Sequence[FileChange]) -> None:
    """After an accepted reformat: the index entries are HEAD's, and a file the hook left
    as pmoctl wrote it gets the committed version, as git checks it out (CRLF where git
    gives the work tree CRLF), so that the work tree is clean."""
    gitrepo.reset_paths(repo, [move.repo_rel for move in moves])
    for move in moves:
        committed = gitrepo.checked_out(repo, commit, move.repo_rel)
        path = repo.top / move.repo_rel
        if committed is not None and _read(repo, move.repo_rel) == move.new:
            atomic_write(path, committed, move.mode)


def _same_data(planned: bytes, committed: bytes) -> bool:
    """The committed file still parses and says what pmoctl wrote: only its layout (quotes,
    indentation, comments, order of keys) may differ."""
    try:
        ours, theirs = parse(decode(planned)), parse(decode(committed))
    except (LoadError, UnicodeDecodeError, ValueError):
        return False
    if not isinstance(ours, dict) or not isinstance(theirs, dict):
        return False
    return ours == theirs


def _trailers_of(message: str) -> tuple[object, ...] | None:
    """What a hook must not change in the message: a move's or a decision's trailers."""
    trailers = gitrepo.parse_trailers(message)
    if trailers is not None:
        return (trailers.moves, trailers.approved_by, trailers.approver_id, trailers.reason)
    decision = gitrepo.parse_decision(message)
    if decision is not None:
        return (decision.kind, decision.services, decision.approved_by, decision.approver_id)
    return None


def _cannot_write(error: OSError, what: str) -> RepoStateError:
    return RepoStateError(
        f"cannot write {what}: {error.strerror}; nothing was changed",
        hint="pmoctl needs write access to the service files' folder and to the "
        "repository's .git folder",
    )


def atomic_write(path: Path, data: bytes, mode: int) -> None:
    """Replace ``path`` so that a crash leaves either the old or the new bytes, on disk."""
    replace_file(path, data, mode=mode, durable=True)


def _write_journal(journal: Path, moves: Sequence[FileChange], head_before: str | None) -> None:
    record = {
        "version": 1,
        "pid": os.getpid(),
        "head_before": head_before,
        "files": [
            {
                "path": move.repo_rel,
                "mode": move.mode,
                "old": base64.b64encode(move.old).decode(),
                "new_sha256": hashlib.sha256(move.new).hexdigest(),
            }
            for move in moves
        ],
    }
    atomic_write(journal, json.dumps(record).encode(), 0o644)


def refuse_pending_journal(repo: gitrepo.Repo) -> list[str]:
    if (repo.git_dir / JOURNAL).exists():
        raise RepoStateError(
            "an earlier transition was interrupted", hint="run `pmoctl recover` first"
        )
    return []


def recover(repo: gitrepo.Repo) -> list[str]:
    """Finish a transition whose process was killed: keep it if committed, else restore.

    The caller holds the lock, so the process that wrote the journal is gone. Returns
    what was done, one sentence per file (empty when there was nothing to recover).
    """
    journal = repo.git_dir / JOURNAL
    try:
        record = json.loads(read_bytes(repo.git_dir, JOURNAL, _JOURNAL_LIMIT))
    except LoadError as error:
        if error.rule == "FILE-MISSING":
            return []
        raise RepoStateError(
            f"cannot read the transition journal {journal}: {error.message}",
            hint="if it is not a file pmoctl wrote, remove it; else give yourself access",
        ) from None
    except ValueError:
        record = None
    try:
        if not isinstance(record, dict):
            raise TypeError("not a journal")
        files = record["files"]
        paths = [item["path"] for item in files]
        olds = [base64.b64decode(item["old"], validate=True) for item in files]
        if not all(isinstance(path, str) and _inside(path) for path in paths):
            raise TypeError("a path outside the work tree")
        if not isinstance(record["head_before"], str):
            raise TypeError("not a journal")
    except (ValueError, KeyError, TypeError):  # written atomically: a broken one is not ours
        journal.unlink()
        return ["removed an unreadable transition journal"]
    # the move was committed if HEAD moved on and holds exactly the new bytes
    head, _, blobs = gitrepo.committed_blobs(repo, paths)
    committed = False
    if head is not None and head != record["head_before"] and len(blobs) == len(paths):
        news = [_read(repo, path) for path in paths]
        committed = all(
            new is not None and gitrepo.records(repo, path, new, blob)
            and hashlib.sha256(new).hexdigest() == item["new_sha256"]
            for path, new, blob, item in zip(paths, news, blobs, files, strict=True)
        )  # fmt: skip
    done = []
    for path, old, item in zip(paths, olds, files, strict=True):
        current = _read(repo, path)
        if committed:
            done.append(f"{path}: the interrupted move was committed ({head[:12] if head else ''})")
        elif current == old:
            done.append(f"{path}: unchanged by the interrupted move")
        elif current is not None and hashlib.sha256(current).hexdigest() == item["new_sha256"]:
            atomic_write(repo.top / path, old, int(item["mode"]))
            done.append(f"{path}: restored to its content before the interrupted move")
        else:
            done.append(f"{path}: changed since the interrupted move; left as it is")
    journal.unlink()
    return done


def _inside(path: str) -> bool:
    """A path relative to the work tree that stays inside it."""
    parts = path.split("/")
    return bool(path) and not path.startswith("/") and ".." not in parts and "" not in parts


def _read(repo: gitrepo.Repo, repo_rel: str) -> bytes | None:
    """A moved file's bytes as they are now; None if it is not a regular file that can be
    read (without following a link or waiting on a pipe)."""
    try:
        return read_bytes(repo.top, repo_rel, _JOURNAL_LIMIT)
    except LoadError:
        return None


@dataclass
class Recovered:
    """What ``pmoctl recover`` did, and git's lock files it found left behind."""

    done: list[str]
    stale_locks: list[Path]


def recover_at(root: Path) -> Recovered:
    """``pmoctl recover``: take the lock and recover an interrupted transition, if any;
    report git's own lock files (pmoctl does not remove them: git may still be running)."""
    repo = gitrepo.require(root)
    with gitrepo.exclusive_lock(repo):
        return Recovered(recover(repo), gitrepo.stale_locks(repo))


def stale_lock_error(locks: Sequence[Path]) -> RepoStateError:
    """The refusal for git lock files left behind (exit 3), with how to remove them."""
    names = ", ".join(str(lock) for lock in locks)
    remove = " ".join(shlex.quote(str(lock)) for lock in locks)
    return RepoStateError(
        f"git's lock file {names} remains: a git command was killed (or is still running), "
        "and git will refuse to commit until it is gone",
        hint="if no git process is running in this repository (check with `ps -ef | grep git`), "
        f"remove it: rm -- {remove}",
    )
