"""Shared fixtures. Every test runs with its own HOME and git config; touching the real
ones fails the test (an audit hook sees in-process opens, a snapshot sees what
subprocesses changed)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pmoctl.cli import execute

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = REPO_ROOT / "examples" / "catalogue"
REAL_HOME = Path(os.path.expanduser("~")).resolve()
_ALLOWED_UNDER_HOME = tuple(
    str(Path(p).resolve())
    for p in {sys.prefix, sys.base_prefix, sys.exec_prefix, *sys.path}
    if p and str(Path(p).resolve()).startswith(str(REAL_HOME))
)
_touched: list[str] = []


def _audit(event: str, args: tuple[object, ...]) -> None:
    if event != "open" or not args or not isinstance(args[0], (str, bytes, os.PathLike)):
        return
    path = os.fsdecode(args[0])
    if not os.path.isabs(path):
        return
    if path.startswith(str(REAL_HOME) + os.sep) and not path.startswith(_ALLOWED_UNDER_HOME):
        _touched.append(path)


sys.addaudithook(_audit)


def _home_snapshot() -> dict[str, float]:
    snapshot = {}
    for name in (".gitconfig", ".config/git", ".cache/pmoctl", ".config/pmoctl"):
        path = REAL_HOME / name
        if path.exists():
            snapshot[name] = path.stat().st_mtime
    return snapshot


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A fresh HOME with a git identity; the real HOME and git config must stay untouched."""
    home = tmp_path_factory.mktemp("home")
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Test Analyst\n\temail = analyst@example.org\n"
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n"
        "[advice]\n\tdetachedHead = false\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in list(os.environ):
        if name.startswith(
            ("GIT_AUTHOR", "GIT_COMMITTER", "GITHUB_", "GITLAB_", "CI_")
        ) or name in (
            "GIT_DIR",
            "GIT_WORK_TREE",
            "GIT_INDEX_FILE",
            "FORCE_COLOR",
            "NO_COLOR",
            "COLUMNS",
            "LINES",
            "TTY_COMPATIBLE",
            "TTY_INTERACTIVE",
            # set by pmoctl for itself (pmoctl.runtime), or by a developer for pydantic
            "PYDANTIC_DISABLE_PLUGINS",
        ):
            monkeypatch.delenv(name, raising=False)
    # the caller's terminal must not change what a test sees (TERM=dumb turns colour off)
    monkeypatch.setenv("TERM", "xterm-256color")
    before = _home_snapshot()
    _touched.clear()
    yield home
    touched = list(_touched)
    _touched.clear()
    assert not touched, f"test opened files in the real HOME: {touched[:5]}"
    assert _home_snapshot() == before, "test changed the real HOME or git config"


def run_cli(
    *args: str | Path,
    cwd: Path | None = None,
    input: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """The real command line, run in this process (typer's CliRunner keeps its streams
    apart), from ``cwd``: what ``pmoctl ARGS`` prints and returns."""
    argv = [str(arg) for arg in args]
    before = os.getcwd()
    with CliRunner().isolation(input=input, env=env) as (stdout, stderr, _):
        try:
            if cwd is not None:
                os.chdir(cwd)
            code = execute(argv)
        finally:
            os.chdir(before)
            sys.stdout.flush()  # the runner's streams buffer what was written
            sys.stderr.flush()
        out, err = stdout.getvalue().decode(), stderr.getvalue().decode()
    return subprocess.CompletedProcess(["pmoctl", *argv], code, out, err)


def run_cli_process(
    *args: str | Path,
    cwd: Path | None = None,
    input: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """The installed command line as a process of its own (``python -m pmoctl``), for the
    few tests about the process itself: start-up, signals, a hang that must time out."""
    return subprocess.run(
        [sys.executable, "-m", "pmoctl", *map(str, args)],
        cwd=cwd,
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )


def git(repo: Path, *args: str, check: bool = True) -> str:
    """Run git in ``repo`` and return its stdout."""
    result = subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=False, timeout=60
    )
    if check and result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {result.stderr}")
    return result.stdout


@pytest.fixture
def example_catalogue(tmp_path: Path) -> Path:
    """A copy of examples/catalogue (not in a git repository)."""
    target = tmp_path / "catalogue"
    shutil.copytree(EXAMPLE, target)
    return target


@pytest.fixture
def example_repo(tmp_path: Path) -> Path:
    """A git repository whose root is a copy of examples/catalogue, all committed."""
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLE, repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "initial catalogue")
    return repo
