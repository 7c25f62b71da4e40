"""The command line: parse options, call one function of the API, map the result to an exit code.

This is the only package that imports typer. Each area's commands live in their own
module; everything heavy is imported inside the command that needs it, so that
`pmoctl --help` stays fast.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence
from typing import Annotated

import typer

from pmoctl._version import __version__
from pmoctl.cli.common import Settings, app
from pmoctl.errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_REPO_STATE,
    EXIT_USAGE,
    PmoctlError,
)
from pmoctl.output import report

# Importing an area's module registers its commands, and `pmoctl --help` lists them in
# the order they were registered: keep this order (isort would sort it).
# isort: off
from pmoctl.cli import validation as validation
from pmoctl.cli import scaffold as scaffold
from pmoctl.cli import lifecycle as lifecycle
from pmoctl.cli import governance as governance
from pmoctl.cli import changes as changes
from pmoctl.cli import operations as operations
from pmoctl.cli import readings as readings
from pmoctl.cli import render as render
from pmoctl.cli import pull_requests as pull_requests

# isort: on

__all__ = ["app", "execute", "run"]

#: an output path that names a file where a folder must be, or the other way round
_PATH_MISTAKES = (NotADirectoryError, IsADirectoryError, FileExistsError, FileNotFoundError)


def _version(value: bool) -> None:
    if value:
        report.info(f"pmoctl {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def global_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="Never colour the output.")] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the full traceback of an internal error.")
    ] = False,
) -> None:
    Settings.no_colour = no_color
    Settings.debug = debug


def run() -> None:
    """Run the command line of this process and exit with its code."""
    sys.exit(execute(sys.argv[1:]))


def execute(argv: Sequence[str]) -> int:
    """Run one command line; return pmoctl's exit code (never a traceback unless --debug).

    The one place where exceptions become exit codes: see :mod:`pmoctl.errors`.
    """
    command = typer.main.get_command(app)
    try:
        code = command.main(args=list(argv), prog_name="pmoctl", standalone_mode=False)
        if code == EXIT_INTERRUPTED:  # typer turns Ctrl-C into a quiet exit code 130
            report.error("interrupted")
    except typer.Exit as done:
        code = done.exit_code
    except typer.exceptions.TyperException as usage:  # typer's own usage errors
        show = getattr(usage, "show", None)  # with the usage line and the help hint
        if callable(show):
            show()
        else:
            report.error(usage.format_message())
        code = EXIT_USAGE
    except (typer.Abort, KeyboardInterrupt):
        report.error("interrupted")
        code = EXIT_INTERRUPTED
    except PmoctlError as problem:
        report.error(problem.message, problem.hint)
        code = problem.exit_code
    except BrokenPipeError:
        code = EXIT_OK
    except OSError as problem:  # a path the user gave, or the file system refused (not a bug)
        where = problem.filename if problem.filename is not None else ""
        report.error(
            f"{where}: {problem.strerror or type(problem).__name__}" if where else str(problem),
            "check the path given on the command line"
            if isinstance(problem, _PATH_MISTAKES)
            else "check the permissions and the free space of the folders named",
        )
        code = EXIT_USAGE if isinstance(problem, _PATH_MISTAKES) else EXIT_REPO_STATE
    except Exception as bug:
        if Settings.debug:
            traceback.print_exc()
        else:
            report.internal_error(bug)
        code = EXIT_INTERNAL
    finally:
        Settings.no_colour = Settings.debug = False  # the next command line starts afresh
    return code if isinstance(code, int) else EXIT_OK
