"""pmoctl without the Unix-only facilities: what a Windows or macOS laptop gives it.

Each command runs as a process of its own whose Python (and every worker process it
starts, through ``sitecustomize`` on PYTHONPATH) has no ``fcntl``, no ``os.fork``, no
``SIGALRM`` and starts workers by spawning. Windows' ``msvcrt.locking`` is stood in for
by one built on ``flock`` (per open file, like a Windows handle), so the code path
pmoctl takes on Windows runs here. Each command must give exactly what it gives normally.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from benchmarks.generate import generate

from conftest import git
from lifecycle_support import DIRECTOR, make_repo

ROOT = Path(__file__).resolve().parent.parent

PRELUDE = '''
"""Hide what Windows and macOS lack (written by tests/test_portable.py)."""
import errno
import multiprocessing
import os
import signal
import subprocess  # before the stand-in below: it takes a msvcrt module for Windows
import sys
import types

import fcntl as _fcntl


def _locking(fd, mode, nbytes):
    """msvcrt.locking: a non-blocking lock fails with EACCES, as on Windows."""
    if mode == 0:
        _fcntl.flock(fd, _fcntl.LOCK_UN)
        return
    try:
        _fcntl.flock(fd, _fcntl.LOCK_EX | _fcntl.LOCK_NB)
    except BlockingIOError:
        raise OSError(errno.EACCES, "Permission denied") from None


msvcrt = types.ModuleType("msvcrt")
msvcrt.LK_UNLCK, msvcrt.LK_LOCK, msvcrt.LK_NBLCK = 0, 1, 2
msvcrt.locking = _locking
sys.modules["msvcrt"] = msvcrt
sys.modules["fcntl"] = None  # import fcntl: ImportError
del os.fork
for name in ("SIGALRM", "setitimer", "getitimer", "ITIMER_REAL", "alarm"):
    if hasattr(signal, name):
        delattr(signal, name)
multiprocessing.set_start_method("spawn", force=True)
'''

CHECK = (
    "import os, signal, sys, multiprocessing; "
    "assert sys.modules['fcntl'] is None and not hasattr(os, 'fork'); "
    "assert not hasattr(signal, 'SIGALRM'); "
    "assert multiprocessing.get_start_method() == 'spawn'; print('hidden')"
)


def _pmoctl(*args: str | Path, cwd: Path, prelude: Path | None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if prelude is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(prelude), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "pmoctl", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )


@pytest.fixture
def prelude(tmp_path: Path) -> Path:
    if sys.platform == "win32":
        pytest.skip("on Windows the suite runs without these facilities anyway")
    folder = tmp_path / "prelude"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(PRELUDE, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(folder)}
    shown = subprocess.run(
        [sys.executable, "-c", CHECK], env=env, capture_output=True, text=True, check=False
    )
    assert shown.stdout.strip() == "hidden", shown.stderr  # the prelude took effect
    return folder


def _files(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_validate_with_workers_and_render_run_without_fork_fcntl_or_sigalrm(
    tmp_path: Path, prelude: Path
) -> None:
    root = generate(tmp_path / "catalogue", 320, seed=3)
    # a problem in one file, so that findings (and their order) are compared too
    service = sorted((root / "services").glob("*.yaml"))[-1]
    service.write_text(service.read_text(encoding="utf-8") + "unknown: 1\n", encoding="utf-8")
    runs = {}
    for name, hidden in (("normal", None), ("portable", prelude)):
        validated = _pmoctl(
            "validate", "--no-cache", "-j", "2", "--format", "json", root, cwd=tmp_path,
            prelude=hidden,
        )  # fmt: skip
        assert validated.returncode == 1, validated.stderr
        assert "Traceback" not in validated.stderr
        rendered = _pmoctl(
            "render", "--allow-invalid", "--out", tmp_path / name, "-C", root, cwd=tmp_path,
            prelude=hidden,
        )  # fmt: skip
        assert rendered.returncode == 0, rendered.stderr
        shown = rendered.stdout.replace(str(tmp_path / name), "OUT")
        runs[name] = (validated.stdout, shown, _files(tmp_path / name))
    assert '"SCHEMA-UNKNOWN-KEY"' in runs["normal"][0]
    assert len(runs["normal"][2]) > 320
    assert runs["portable"] == runs["normal"]


@pytest.mark.timeout(300)
def test_a_transition_and_a_catalogue_template_run_without_fcntl_or_sigalrm(
    tmp_path: Path, prelude: Path
) -> None:
    runs = {}
    for name, hidden in (("normal", None), ("portable", prelude)):
        (tmp_path / name).mkdir()
        top, _ = make_repo(tmp_path / name)
        moved = _pmoctl(
            "transition", "alpha", "--to", "design", "--approved-by", DIRECTOR, "--note", "go",
            cwd=top, prelude=hidden,
        )  # fmt: skip
        assert moved.returncode == 0, moved.stderr
        assert "Traceback" not in moved.stderr
        config = top / "pmoctl.yaml"
        config.write_text(
            config.read_text(encoding="utf-8").replace(
                "render:\n", "render:\n  templates: site-templates\n"
            ),
            encoding="utf-8",
        )
        template = top / "site-templates" / "html" / "strategy.html.j2"
        template.parent.mkdir(parents=True)
        template.write_text(
            "{% for s in site.services %}{{ s.name }} {{ s.stage }}\n{% endfor %}",
            encoding="utf-8",
        )
        rendered = _pmoctl(
            "render", "--only", "strategy", "--out", "site", cwd=top,
            prelude=hidden,
        )  # fmt: skip
        assert rendered.returncode == 0, rendered.stderr
        runs[name] = (
            re.sub(r"committed [0-9a-f]+", "committed HASH", moved.stdout),
            git(top, "show", "--format=%B", "HEAD"),
            (top / "services" / "alpha.yaml").read_bytes(),
            rendered.stdout,
            _files(top / "site"),
        )
        assert not (top / ".git" / "pmoctl.lock").read_bytes()  # the lock file holds nothing
    assert "design" in runs["normal"][1]
    assert runs["portable"] == runs["normal"]


LOCK = """
import sys
from pathlib import Path

from pmoctl import gitrepo
from pmoctl.errors import RepoStateError

repo = gitrepo.require(Path(sys.argv[1]))
try:
    with gitrepo.exclusive_lock(repo, 0.3):
        print("taken", flush=True)
        if sys.argv[2] == "hold":
            sys.stdin.readline()
except RepoStateError as error:
    print(error.message)
"""


def test_the_windows_lock_keeps_a_second_process_out(tmp_path: Path, prelude: Path) -> None:
    top, _ = make_repo(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(prelude)}

    def lock(mode: str) -> str:
        return subprocess.run(
            [sys.executable, "-c", LOCK, str(top), mode],
            env=env, capture_output=True, text=True, timeout=60, check=False,
        ).stdout  # fmt: skip

    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK, str(top), "hold"],
        env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "taken\n"
        assert "another pmoctl is writing to this repository" in lock("try")
    finally:
        holder.communicate("\n", timeout=60)
    assert holder.returncode == 0
    assert lock("try") == "taken\n"  # released when the holder let go


def test_the_ci_workflow_runs_the_suite_on_three_systems() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text("utf-8"))
    jobs = workflow["jobs"]
    systems = {jobs["linux"]["runs-on"], *jobs["windows-macos"]["strategy"]["matrix"]["os"]}
    assert systems == {"ubuntu-latest", "windows-latest", "macos-latest"}
    for job in jobs.values():
        assert job["strategy"]["matrix"]["python-version"] == ["3.11", "3.13"]
        assert job["steps"][-1]["run"].startswith("python -m pytest")
    assert "apt-get install" in str(jobs["linux"]["steps"])
    assert 'pytest -n 2 -m "not browser"' in jobs["windows-macos"]["steps"][-1]["run"]
