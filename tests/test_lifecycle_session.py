"""The session from proposal to closure shown in docs/lifecycle.md and in the README is real.

``docs/lifecycle-session.sh`` replays it on a fresh copy of examples/catalogue with the real
CLI and real git. Every console block of docs/lifecycle.md must be in its output, and every
command and output line of the README's lifecycle session too. Commit ids and "days in
stage" are compared as placeholders: the ids change whenever an example file changes, and the
days with the date the test runs.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT

SCRIPT = REPO_ROOT / "docs" / "lifecycle-session.sh"
DOC = REPO_ROOT / "docs" / "lifecycle.md"
README = REPO_ROOT / "README.md"
_COMMIT_ID = re.compile(r"\b[0-9a-f]{7,12}\b")
_TABLE_ROW = re.compile(r"^[│┃┏┡└├].*$", flags=re.MULTILINE)


def normalise(text: str) -> str:
    text = _COMMIT_ID.sub("<id>", text)
    text = re.sub(r"^( +closed) +\d+ days +\((.*) to now\)$", r"\1 N days (\2 to now)", text,
                  flags=re.MULTILINE)  # fmt: skip
    # status tables: the days column, and so the column widths, change with today's date
    return _TABLE_ROW.sub(lambda row: re.sub(r"[\s─━]+", " ", re.sub(r"\d+", "N", row[0])), text)


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> str:
    home = tmp_path_factory.mktemp("home")
    env = {
        **os.environ,
        "HOME": str(home),
        "TMPDIR": str(tmp_path_factory.mktemp("tmp")),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    env.pop("PYDANTIC_DISABLE_PLUGINS", None)
    result = subprocess.run(
        ["bash", str(SCRIPT)], capture_output=True, text=True, env=env, check=False, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout
    return result.stdout


def _console_blocks(text: str) -> list[str]:
    return re.findall(r"```console\n(.*?)```", text, flags=re.DOTALL)


@pytest.mark.slow
def test_every_block_of_the_lifecycle_doc_is_what_the_session_prints(session: str) -> None:
    blocks = _console_blocks(DOC.read_text(encoding="utf-8"))
    assert len(blocks) >= 10
    for block in blocks:
        assert normalise(block) in normalise(session), block


def _readme_session() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## The lifecycle") : text.index("## The rules")]
    return _console_blocks(section)


def _commands(block: str) -> list[tuple[list[str], list[str]]]:
    """(argv, output lines) of each ``$`` command of a console block."""
    found: list[tuple[list[str], list[str]]] = []
    lines = block.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line.startswith("$ "):
            if found:
                found[-1][1].append(line)
            continue
        command = line[2:]
        while command.endswith("\\") and index < len(lines):
            command = command[:-1] + lines[index].strip()
            index += 1
        found.append((shlex.split(command), []))
    return found


@pytest.mark.slow
def test_the_readme_session_is_what_the_session_prints(session: str) -> None:
    ran = [shlex.split(line[2:]) for line in session.splitlines() if line.startswith("$ ")]
    out = normalise(session).splitlines()
    shown = [item for block in _readme_session() for item in _commands(block)]
    moves = [argv for argv, _ in shown if argv[:2] == ["pmoctl", "transition"]]
    assert len(moves) >= 8  # every move from proposed to closed, and the refusals
    for argv, output in shown:
        if argv[0] == "pmoctl":  # the same options, perhaps in another order
            assert sorted(argv) in [sorted(command) for command in ran], argv
        for line in output:
            if line.strip() != "...":
                assert normalise(line) in out, line
