"""Plain `transition` and `history` command lines run without typer
(:mod:`pmoctl.lifecycle.commands`): which lines take that way, and that they print and exit
exactly as the full CLI does."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import run_cli
from lifecycle_support import DIRECTOR, OWNER, make_repo
from pmoctl.lifecycle.commands import parse_plain

FULL_CLI = "import sys; from pmoctl.cli import run; sys.argv[0] = 'pmoctl'; run()"


def full_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The same command line through typer (``pmoctl.cli.run``), never the plain way."""
    return subprocess.run(
        [sys.executable, "-c", FULL_CLI, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("argv", "command", "options"),
    [
        (
            ["transition", "a", "b", "--to", "design", "--approved-by", "p"],
            "transition",
            {"services": ["a", "b"], "to": "design", "approved_by": "p"},
        ),
        (
            [
                "--no-color",
                "transition",
                "--to=closed",
                "a",
                "--kept",
                "x",
                "--kept=y",
                "--discarded",
                "z",
                "--approved-by",
                "p",
                "--dry-run",
                "-C",
                "cat",
            ],
            "transition",
            {
                "services": ["a"],
                "to": "closed",
                "approved_by": "p",
                "kept": ["x", "y"],
                "discarded": ["z"],
                "dry_run": True,
                "catalogue": Path("cat"),
            },
        ),  # fmt: skip
        (
            [
                "transition",
                "a",
                "--to",
                "transition",
                "--approved-by",
                "p",
                "--success-criteria-met",
                "--rollout",
                "big-bang",
                "--readiness",
                "ok",
                "--note",
                "a note",
                "--reason",
                "r",
                "--date",
                "2026-01-02",
                "--allow-detached",
            ],
            "transition",
            {
                "services": ["a"],
                "to": "transition",
                "approved_by": "p",
                "success_criteria_met": True,
                "rollout": "big-bang",
                "readiness": "ok",
                "note": "a note",
                "reason": "r",
                "date": "2026-01-02",
                "allow_detached": True,
            },
        ),  # fmt: skip
        (["history", "a"], "history", {"service": "a", "output_format": "text"}),
        (
            ["history", "-f", "json", "a", "--catalogue=c"],
            "history",
            {"service": "a", "output_format": "json", "catalogue": Path("c")},
        ),
    ],
)
def test_plain_lines_are_read(argv: list[str], command: str, options: dict[str, object]) -> None:
    assert parse_plain(argv) == (command, options, False)


@pytest.mark.parametrize(
    "argv",
    [
        ["transition", "a", "--to", "design", "--approved-by", "p", "--help"],
        ["transition", "-h"],
        ["transition", "a", "--to", "design"],  # --approved-by missing
        ["transition", "--to", "design", "--approved-by", "p"],  # no service
        ["transition", "a", "--to", "nowhere", "--approved-by", "p"],
        ["transition", "a", "--to", "design", "--to", "pilot", "--approved-by", "p"],
        ["transition", "a", "--to", "design", "--approved-by", "--dry-run"],
        ["transition", "a", "--to", "design", "--approved-by", "p", "--note", ""],
        ["transition", "a", "--to", "design", "--approved-by", "p", "--dry-run=yes"],
        ["transition", "a", "--to", "design", "--approved-by", "p", "--dry-run", "--dry-run"],
        ["transition", "a", "--to", "design", "--approved-by", "p", "-C=here"],
        ["transition", "a", "--to", "design", "--approved-by", "p", "--bogus"],
        ["transition", "a", "--to", "design", "--approved-by", "p", "--", "-b"],
        ["transition", "a", "--to", "design", "--approved-by", "p", "--rollout", "slow"],
        ["transition", "a", "--to"],
        ["history"],
        ["history", "a", "b"],
        ["history", "a", "--format", "csv"],
        ["history", "a", "--to", "design"],
        ["show", "transition"],
        ["--version"],
        [],
    ],
)
def test_other_lines_go_to_the_full_cli(argv: list[str]) -> None:
    assert parse_plain(argv) is None


def test_debug_is_read() -> None:
    assert parse_plain(["--debug", "history", "a"]) == (
        "history",
        {"service": "a", "output_format": "text"},
        True,
    )


def test_same_output_and_exit_codes_as_the_full_cli(tmp_path: Path) -> None:
    root = make_repo(tmp_path)[1]
    lines = [
        ["transition", "alpha", "--to", "design", "--approved-by", DIRECTOR, "--dry-run",
         "--note", "Fits."],
        ["transition", "alpha", "--to", "pilot", "--approved-by", DIRECTOR],  # refused: 1
        ["transition", "alpha", "--to", "design", "--approved-by", "nobody"],
        ["transition", "Bad_Id", "--to", "design", "--approved-by", OWNER],  # usage: 2
        ["transition", "alpha", "--to", "design", "--approved-by", OWNER, "--date", "soon"],
        ["history", "alpha"],
        ["history", "alpha", "--format", "json"],
        ["history", "missing"],
    ]  # fmt: skip
    for line in lines:
        plain, full = run_cli(*line, cwd=root), full_cli(*line, cwd=root)
        assert (plain.returncode, plain.stdout, plain.stderr) == (
            full.returncode,
            full.stdout,
            full.stderr,
        ), line
    # a committed move: the same lines out, but for the commit id
    other = tmp_path / "copy"
    shutil.copytree(root, other, symlinks=True)
    move = ["transition", "alpha", "--to", "design", "--approved-by", DIRECTOR, "--note", "Go."]
    plain, full = run_cli(*move, cwd=root), full_cli(*move, cwd=other)
    assert plain.returncode == full.returncode == 0, plain.stderr + full.stderr
    assert plain.stderr == full.stderr == ""
    for out in (plain.stdout, full.stdout):
        assert out.startswith("alpha: proposed -> design\ncommitted "), out


def test_choices_are_those_of_the_full_cli() -> None:
    from pmoctl.catalogue.models.common import Stage
    from pmoctl.cli import lifecycle as full_cli
    from pmoctl.lifecycle.commands import ROLLOUTS, STAGES, VIEW_FORMATS

    assert tuple(stage.value for stage in full_cli.LifecycleStage) == STAGES
    assert tuple(stage.value for stage in Stage) == STAGES
    assert tuple(rollout.value for rollout in full_cli.Rollout) == ROLLOUTS
    assert tuple(view.value for view in full_cli.ViewFormat) == VIEW_FORMATS
