"""What every command module shares: the typer app, the global settings and common options.

Kept apart from ``pmoctl.cli`` itself so that the command modules import it without a
circular import; ``pmoctl.cli`` re-exports :data:`app`.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from pmoctl.output.report import Format

app = typer.Typer(
    name="pmoctl",
    help=(
        "Keep a PMO service catalogue as YAML files in git: validate it, move services "
        "through their lifecycle, render it, and check pull requests.\n\n"
        "Exit codes: 0 ok; 1 problems found; 2 usage error; 3 refused because of the "
        "repository's state; 4 a git command or hook failed (everything restored); "
        "70 internal error; 130 interrupted."
    ),
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Settings:
    """Global options, set by the callback before any command runs."""

    no_colour = False
    debug = False


class FailOn(StrEnum):
    error = "error"
    warning = "warning"
    never = "never"


CatalogueOption = Annotated[
    Path | None,
    typer.Option(
        "--catalogue",
        "-C",
        help="The catalogue folder (default: the catalogue containing the current folder).",
        show_default=False,
        readable=False,  # pmoctl says what is wrong with a folder it cannot read (exit 3)
    ),
]
FormatOption = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
FailOnOption = Annotated[
    FailOn,
    typer.Option(help="Exit 1 when there are findings of this severity or worse."),
]


def catalogue_root(catalogue: Path | None) -> Path:
    """The root of the catalogue given by --catalogue, else of the one around the cwd."""
    from pmoctl.catalogue.files import find_root

    return find_root(catalogue or Path.cwd())


def fails(findings_severities: list[str], fail_on: FailOn) -> bool:
    """Whether findings of these severities make the command exit 1 under --fail-on."""
    from pmoctl.rules.results import fails as severities_fail

    return severities_fail(findings_severities, fail_on.value)
