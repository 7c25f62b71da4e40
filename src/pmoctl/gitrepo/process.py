"""Start git: the only place in pmoctl where a process is started for git.

Every command is a fixed argv (``git --literal-pathspecs -C <dir> ...``), never a shell;
``GIT_DIR``/``GIT_WORK_TREE`` from the caller's environment are dropped so that git finds
the repository from ``-C``, and git never prompts for credentials.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path

from pmoctl import runtime
from pmoctl.errors import GitCommandError, RepoStateError


def run(
    cwd: Path, *args: str, check: bool = True, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run one git command in ``cwd`` and capture its output (bytes)."""
    try:
        result = subprocess.run(
            _argv(cwd, args), input=stdin, capture_output=True, env=_env(), check=False
        )
    except FileNotFoundError as missing:
        raise RepoStateError("git is not installed (or not on PATH)") from missing
    if check and result.returncode != 0:
        raise GitCommandError(
            f"git {args[0]} failed (exit {result.returncode})",
            stderr=result.stderr.decode("utf-8", "replace"),
        )
    return result


def start(cwd: Path, *args: str) -> subprocess.Popen[bytes]:
    """Start one git command in the background (output captured); :func:`finish` collects it.

    Lets a read run while pmoctl does its own work; the caller finishes (or stops) every
    process it started.
    """
    try:
        return subprocess.Popen(
            _argv(cwd, args),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_env(),
        )
    except FileNotFoundError as missing:
        raise RepoStateError("git is not installed (or not on PATH)") from missing


def finish(process: subprocess.Popen[bytes]) -> subprocess.CompletedProcess[bytes]:
    """Wait for a process from :func:`start`; its result, as :func:`run` gives it."""
    out, err = process.communicate()
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process from :func:`start` that is no longer wanted (SIGTERM: git removes
    its lock files), and reap it; one already collected by :func:`finish` is left alone."""
    if process.returncode is not None:
        return
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
    with contextlib.suppress(BaseException):
        process.communicate(timeout=30)


def output(cwd: Path, *args: str) -> str | None:
    """The trimmed output of a git command that prints nothing when it fails; None if empty."""
    return run(cwd, *args, check=False).stdout.decode("utf-8", "replace").strip() or None


def run_stoppable(cwd: Path, *args: str) -> tuple[int, bytes]:
    """Run a git command that may run hooks, without stdin: its exit code and its output
    (stdout, then stderr).

    An interruption while git runs (Ctrl-C, SIGTERM turned into an exception) stops git
    with SIGTERM, so that it removes its own lock files, and is then re-raised.
    """
    process = subprocess.Popen(
        _argv(cwd, args),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
    )
    try:
        out, err = process.communicate()
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        with contextlib.suppress(BaseException):
            process.wait(timeout=30)
        raise
    return process.returncode, out + err


def _argv(cwd: Path, args: tuple[str, ...]) -> list[str]:
    return ["git", "--literal-pathspecs", "-C", str(cwd), *args]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    for name in runtime.SET_BY_PMOCTL:  # hooks see the user's own environment
        env.pop(name, None)
    env["GIT_LITERAL_PATHSPECS"] = "1"
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    env.setdefault("GIT_TERMINAL_PROMPT", "0")
    return env
