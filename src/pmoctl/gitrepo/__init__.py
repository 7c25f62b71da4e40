"""The only package that runs git: discovery, preflight, the lock, commits, log reads.

Git runs only from :mod:`pmoctl.gitrepo.process` (a fixed argv, never a shell); the other
modules say what to run and read its output:

* :mod:`~pmoctl.gitrepo.repo` - finding the work tree, HEAD, the author, valid ids;
* :mod:`~pmoctl.gitrepo.commit` - the lock, the preflight and ``git commit --only``;
* :mod:`~pmoctl.gitrepo.trailers` - the commit-message format of a transition, here
  because ``history`` and ``check`` read it back from git;
* :mod:`~pmoctl.gitrepo.reads` - history of paths, and the reads of ``pmoctl check``.

Callers use the names below (``from pmoctl import gitrepo``; ``gitrepo.require(...)``).
"""

from __future__ import annotations

from pmoctl.gitrepo.commit import (
    LOCK_NAME,
    LOCK_TIMEOUT,
    Checks,
    CommitFacts,
    CommitResult,
    commit_facts,
    commit_only,
    committed_blobs,
    exclusive_lock,
    preflight,
    read_index,
    require_clean,
    reset_paths,
    stale_locks,
    start_checks,
    undo_commit,
)
from pmoctl.gitrepo.process import run
from pmoctl.gitrepo.reads import (
    LogEntry,
    PullCommit,
    branch_names,
    changed_files,
    checked_out,
    commits_touching,
    log,
    log_between,
    merge_base,
    read_objects,
    resolve_commit,
    revision_problem,
)
from pmoctl.gitrepo.repo import (
    ID_PATTERN,
    Repo,
    author_ident,
    blob_id,
    check_ids,
    discover,
    head,
    head_and_branch,
    records,
    require,
    stored_blob_id,
)
from pmoctl.gitrepo.trailers import (
    DecisionTrailers,
    ServiceMove,
    TransitionTrailers,
    decision_message,
    parse_decision,
    parse_trailers,
    transition_message,
)

__all__ = [
    "ID_PATTERN",
    "LOCK_NAME",
    "LOCK_TIMEOUT",
    "Checks",
    "CommitFacts",
    "CommitResult",
    "DecisionTrailers",
    "LogEntry",
    "PullCommit",
    "Repo",
    "ServiceMove",
    "TransitionTrailers",
    "author_ident",
    "blob_id",
    "branch_names",
    "changed_files",
    "checked_out",
    "check_ids",
    "commit_facts",
    "commit_only",
    "commits_touching",
    "committed_blobs",
    "discover",
    "exclusive_lock",
    "head",
    "head_and_branch",
    "log",
    "log_between",
    "merge_base",
    "decision_message",
    "parse_decision",
    "parse_trailers",
    "preflight",
    "read_index",
    "read_objects",
    "records",
    "require",
    "require_clean",
    "reset_paths",
    "resolve_commit",
    "revision_problem",
    "run",
    "stale_locks",
    "start_checks",
    "stored_blob_id",
    "transition_message",
    "undo_commit",
]
