"""The exception hierarchy. Constructors never print; pmoctl.cli maps each class to an exit code.

Exit codes (the one contract for every command, documented in the README):

====  ==============================================================
0     ok
1     problems found in the catalogue (or a refused transition)
2     usage error, or a PATH that is not a catalogue
3     refused because of the repository's state (nothing was changed)
4     a git command or hook failed (and everything was restored)
70    internal error (a bug in pmoctl; `--debug` shows the traceback)
130   interrupted
====  ==============================================================
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_REPO_STATE = 3
EXIT_GIT_FAILED = 4
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130


class PmoctlError(Exception):
    """Base class of every error pmoctl raises on purpose."""

    exit_code: int = EXIT_INTERNAL

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UserError(PmoctlError):
    """The user asked for something that cannot be done as asked (bad option, bad path)."""

    exit_code = EXIT_USAGE


class NotACatalogueError(UserError):
    """A PATH that is not inside a catalogue (no pmoctl.yaml found upwards)."""


class RefusedError(PmoctlError):
    """A checked operation was refused because of what the catalogue says (exit 1)."""

    exit_code = EXIT_FINDINGS


class RepoStateError(PmoctlError):
    """The git repository is in a state where pmoctl will not write (exit 3)."""

    exit_code = EXIT_REPO_STATE


class LinkedFolderError(RepoStateError):
    """A folder pmoctl would write into is a symbolic link, or not a folder (exit 3)."""


class GitCommandError(PmoctlError):
    """A git command or hook failed; everything pmoctl changed has been restored (exit 4)."""

    exit_code = EXIT_GIT_FAILED

    def __init__(self, message: str, *, hint: str = "", stderr: str = "") -> None:
        super().__init__(message, hint=hint)
        self.stderr = stderr
