"""The house tooling runs as part of the suite: ruff (pinned rules), ruff format, mypy --strict."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT

PATHS = ["src", "tests", "benchmarks", "docs"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_check() -> None:
    result = _run("ruff", "check", "--no-cache", *PATHS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format() -> None:
    result = _run("ruff", "format", "--check", "--no-cache", *PATHS)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_mypy_strict(tmp_path_factory: pytest.TempPathFactory) -> None:
    cache = tmp_path_factory.mktemp("mypy-cache")
    result = _run("mypy", "--cache-dir", str(cache))
    assert result.returncode == 0, result.stdout + result.stderr


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


SOURCES = sorted((REPO_ROOT / "src" / "pmoctl").rglob("*.py"))


def _who_imports(module: str) -> list[str]:
    return sorted(
        p.relative_to(REPO_ROOT / "src").as_posix() for p in SOURCES if module in _imports(p)
    )


def test_only_the_cli_package_imports_typer() -> None:
    importers = _who_imports("typer")
    assert "pmoctl/cli/__init__.py" in importers
    assert [name for name in importers if not name.startswith("pmoctl/cli/")] == []


def test_only_gitrepo_runs_processes() -> None:
    outside = [
        name
        for name in _who_imports("subprocess")
        if not name.startswith("pmoctl/gitrepo/") and name != "pmoctl/signing/sshkeygen.py"
    ]
    assert outside == [], "only pmoctl.gitrepo runs git, and signing.sshkeygen ssh-keygen"


def test_only_report_prints() -> None:
    offenders = []
    for path in SOURCES:
        if path.name in ("report.py", "__main__.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            called = node.func if isinstance(node, ast.Call) else None
            if isinstance(called, ast.Name) and called.id == "print":
                offenders.append(f"{path.name}:{node.lineno}")
            if (
                isinstance(called, ast.Attribute)
                and called.attr == "write"
                and isinstance(called.value, ast.Attribute)
                and called.value.attr in ("stdout", "stderr")
            ):
                offenders.append(f"{path.name}:{node.lineno}")
    assert not offenders, f"print outside report.py: {offenders}"
