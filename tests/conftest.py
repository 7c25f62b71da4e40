"""Shared fixtures. Every test runs with its own HOME and git config; touching the real
ones fails the test (an audit hook sees in-process opens, a snapshot sees what
subprocesses changed)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pmoctl.cli import execute

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = REPO_ROOT / "examples" / "catalogue"
#: the day tests run as (PMOCTL_TODAY): one on which the example catalogue owes no KPI
#: reading, so that tests see it clean; :data:`DUE_DAY` is a later one on which it owes one
#: on purpose, for the tests of `pmoctl due` and `pmoctl kpi report` and the README's runs
TODAY = "2026-11-20"
DUE_DAY = "2026-12-01"
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
    # rules and reports that depend on the day (KPI readings due, end dates) see a fixed one
    monkeypatch.setenv("PMOCTL_TODAY", TODAY)
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


@dataclass
class Unprivileged:
    """Runs the CLI as a user whom permission bits restrict (see :func:`unprivileged`)."""

    #: a folder that user owns: make the repository under test in it
    workspace: Path
    #: the command line that switches to that user ([] when the tests already run as one)
    prefix: list[str]
    env: dict[str, str]

    def hand_over(self) -> None:
        """Give everything in the workspace to that user (call once the files are made)."""
        if self.prefix:
            subprocess.run(["chown", "-R", "nobody:nogroup", str(self.workspace)], check=True)

    def run(self, *args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.prefix, sys.executable, "-m", "pmoctl", *map(str, args)],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, **self.env},
            check=False,
        )


@pytest.fixture
def unprivileged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Unprivileged]:
    """The CLI as a user that permission bits apply to.

    root ignores them, so when the tests run as root the CLI runs as ``nobody`` (through
    setpriv) on a repository that ``nobody`` owns, in a folder of its own outside pytest's
    private temporary folder; git run by the test itself is told to trust that folder.
    """
    if os.geteuid() != 0:
        yield Unprivileged(tmp_path, [], {})
        return
    setpriv = shutil.which("setpriv")
    probe = [setpriv or "setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    if setpriv is None or subprocess.run([*probe, "true"], check=False).returncode != 0:
        pytest.skip("running as root, and cannot switch to the user nobody with setpriv")
    workspace = Path(tempfile.mkdtemp(prefix="pmoctl-unprivileged-"))
    workspace.chmod(0o755)
    home = workspace / "home"
    home.mkdir()
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Test Analyst\n\temail = analyst@example.org\n"
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n",
        encoding="utf-8",
    )
    for name, value in (("KEY_0", "safe.directory"), ("VALUE_0", "*"), ("COUNT", "1")):
        monkeypatch.setenv(f"GIT_CONFIG_{name}", value)
    env = {
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "GIT_CONFIG_GLOBAL": str(gitconfig),
        "GIT_CONFIG_COUNT": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    try:
        yield Unprivileged(workspace, probe, env)
    finally:
        shutil.rmtree(workspace)
