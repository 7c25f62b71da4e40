"""The command line: parse options, call one function of the API, map the result to an exit code.

This is the only module that imports typer. Everything heavy is imported inside the
command that needs it, so that `pmoctl --help` stays fast.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from pmoctl import report
from pmoctl._version import __version__
from pmoctl.errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    PmoctlError,
)

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
new_app = typer.Typer(help="Write a new service or procedure file that validates.", no_args_is_help=True)
app.add_typer(new_app, name="new")


class Settings:
    """Global options, set by the callback before any command runs."""

    no_colour = False
    debug = False


class OutputFormat(str, Enum):
    text = "text"
    json = "json"
    github = "github"
    sarif = "sarif"
    junit = "junit"


class FailOn(str, Enum):
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
    ),
]
FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
FailOnOption = Annotated[
    FailOn,
    typer.Option(help="Exit 1 when there are findings of this severity or worse."),
]


def _version(value: bool) -> None:
    if value:
        report.info(f"pmoctl {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit."),
    ] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="Never colour the output.")] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the full traceback of an internal error.")
    ] = False,
) -> None:
    Settings.no_colour = no_color
    Settings.debug = debug


def _root(catalogue: Path | None) -> Path:
    from pmoctl.catalogue import find_root

    return find_root(catalogue or Path.cwd())


def _fails(findings_severities: list[str], fail_on: FailOn) -> bool:
    if fail_on is FailOn.never:
        return False
    if fail_on is FailOn.warning:
        return bool(findings_severities)
    return "error" in findings_severities


@app.command()
def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="A catalogue folder, or files in one (default: the catalogue around the current folder).",
            show_default=False,
        ),
    ] = None,
    output_format: FormatOption = OutputFormat.text,
    fail_on: FailOnOption = FailOn.error,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", help="Worker processes (0: one per core on large catalogues).")
    ] = 0,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Ignore and do not write the cache.")] = False,
) -> int:
    """Check the catalogue and report every problem, with file, line and column."""
    from pmoctl.api import resolve_targets
    from pmoctl.validate import validate_catalogue

    root, only = resolve_targets(paths or [])
    result = validate_catalogue(root, only=only, jobs=jobs or None, use_cache=not no_cache)
    report.write_findings(
        result.findings, output_format.value, files=result.files, no_colour=Settings.no_colour
    )
    return int(_fails([f.severity.value for f in result.findings], fail_on))


@app.command()
def rules(output_format: FormatOption = OutputFormat.text) -> int:
    """List every rule with its id, default severity and summary."""
    from pmoctl.api import rules_listing

    report.info(rules_listing(as_json=output_format is OutputFormat.json))
    return EXIT_OK


@app.command()
def explain(rule_id: Annotated[str, typer.Argument(help="A rule id, e.g. RACI-ACCOUNTABLE.")]) -> int:
    """Explain one rule: what it checks, why, and how to fix a finding."""
    from pmoctl.api import explain_rule

    report.info(explain_rule(rule_id))
    return EXIT_OK


@app.command()
def schema(
    out: Annotated[
        Path | None, typer.Option(help="Folder to write into (default: schemas/ in the catalogue).")
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 if the files there differ from the models.")
    ] = False,
) -> int:
    """Write one JSON Schema per document kind, for editor completion and CI."""
    from pmoctl.api import write_schemas

    target = out if out is not None else _root(None) / "schemas"
    stale = write_schemas(target, check=check)
    for name in stale:
        report.info(f"{'stale' if check else 'wrote'}: {target / name}")
    return int(check and bool(stale))


# --- commands: scaffold (init, new service, new procedure) ---


# --- commands: lifecycle (transition, recover, history, status, show) ---


# --- commands: render ---


# --- commands: check and codeowners ---


def run() -> None:
    """Run the CLI with pmoctl's exit-code contract; never a traceback unless --debug."""
    from typer._click import exceptions as click_exceptions

    command = typer.main.get_command(app)
    try:
        code = command.main(args=sys.argv[1:], prog_name="pmoctl", standalone_mode=False)
    except typer.Exit as done:
        code = done.exit_code
    except click_exceptions.ClickException as usage:
        usage.show()
        code = EXIT_USAGE
    except (typer.Abort, KeyboardInterrupt):
        report.error("interrupted")
        code = EXIT_INTERRUPTED
    except PmoctlError as problem:
        report.error(problem.message, problem.hint)
        code = problem.exit_code
    except BrokenPipeError:
        code = EXIT_OK
    except Exception as bug:
        if Settings.debug:
            import traceback

            traceback.print_exc()
        else:
            report.error(
                f"internal error ({type(bug).__name__}); this is a bug in pmoctl",
                "run again with --debug for the traceback, and report it",
            )
        code = EXIT_INTERNAL
    sys.exit(code if isinstance(code, int) else EXIT_OK)
