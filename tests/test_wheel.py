"""The wheel as a user gets it: built, installed in a clean venv, run outside the source tree.

This is the only test that proves the schemas and templates ship inside the package
(``pmoctl/schemas``, ``pmoctl/templates``) and are found there, since every other test
runs the editable install, which finds them at the repository's top level instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import EXAMPLE, REPO_ROOT

pytestmark = pytest.mark.slow


def _run(argv: list[str | Path], cwd: Path, env: dict[str, str], timeout: float = 600) -> str:
    result = subprocess.run(
        [str(part) for part in argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, (
        f"{argv} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    )
    return result.stdout


def test_installed_wheel_validates_writes_schemas_and_inits(tmp_path: Path) -> None:
    # Nothing of the source tree may leak in: no PYTHONPATH, no active venv.
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "PYTHONSTARTUP")
    }
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"

    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "build", "--wheel", "--outdir", dist, REPO_ROOT], tmp_path, env)
    (wheel,) = dist.glob("pmoctl-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    for schema in (REPO_ROOT / "schemas").iterdir():
        assert f"pmoctl/schemas/{schema.name}" in names
    for template in (REPO_ROOT / "templates" / "scaffold").iterdir():
        assert f"pmoctl/templates/scaffold/{template.name}" in names

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", venv], tmp_path, env)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    env["PATH"] = str(bin_dir) + os.pathsep + env.get("PATH", "")
    _run([bin_dir / "python", "-m", "pip", "install", "-q", wheel], tmp_path, env)
    location = _run(
        [bin_dir / "python", "-c", "import pmoctl, sys; print(pmoctl.__file__)"], tmp_path, env
    )
    assert Path(location.strip()).is_relative_to(venv), location
    pmoctl = bin_dir / "pmoctl"

    # validate: a copy of the example, outside the source tree
    catalogue = tmp_path / "work" / "catalogue"
    shutil.copytree(EXAMPLE, catalogue)
    report = _run([pmoctl, "validate", "catalogue", "--no-cache"], tmp_path / "work", env)
    assert "no problems" in report

    # schema: the installed models make exactly the committed schemas
    out = tmp_path / "schemas-out"
    _run([pmoctl, "schema", "--out", out], tmp_path, env)
    committed = sorted(path.name for path in (REPO_ROOT / "schemas").iterdir())
    assert sorted(path.name for path in out.iterdir()) == committed
    for name in committed:
        assert (out / name).read_bytes() == (REPO_ROOT / "schemas" / name).read_bytes()

    # init: templates and schemas are found inside the installed package
    _run([pmoctl, "init", "fresh"], tmp_path, env)
    assert (tmp_path / "fresh" / ".git").is_dir()
    for name in committed:
        shipped = (tmp_path / "fresh" / "schemas" / name).read_bytes()
        assert shipped == (REPO_ROOT / "schemas" / name).read_bytes()
    report = _run(
        [pmoctl, "validate", "fresh", "--no-cache", "--fail-on", "warning"], tmp_path, env
    )
    assert "no problems" in report
    # a new proposal is valid; until its demand is recorded, DEMAND-RECORDED says so
    _run([pmoctl, "new", "service", "gate-reviews", "-C", "fresh"], tmp_path, env)
    report = _run([pmoctl, "validate", "fresh", "--no-cache"], tmp_path, env)
    assert "0 errors, 1 warning" in report and "DEMAND-RECORDED" in report
