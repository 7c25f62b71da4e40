"""What every command module shares: the typer app, the global settings and common options.

Kept apart from ``pmoctl.cli`` itself so that the command modules import it without a
circular import; ``pmoctl.cli`` re-exports :data:`app`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from pmoctl.errors import EXIT_OK, PmoctlError, UserError
from pmoctl.output import report
from pmoctl.output.report import Format

if TYPE_CHECKING:
    from pmoctl.lifecycle.record import RecordOutcome

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


# --- the options and the output shared by the commands that record a decision ----------

ApprovedByOption = Annotated[
    str,
    typer.Option("--approved-by", help="Person id of who takes the decision (organisation.yaml)."),
]
NoteOption = Annotated[str | None, typer.Option("--note", help="A note: the decision and why.")]
DateOption = Annotated[
    str | None, typer.Option("--date", help="Date of the decision, YYYY-MM-DD (default: today).")
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Show the diff that would be committed; change nothing.")
]
AllowDetachedOption = Annotated[
    bool, typer.Option("--allow-detached", help="Commit even when HEAD is not on a branch.")
]
SignKeyOption = Annotated[
    Path | None,
    typer.Option(
        "--key",
        help="Sign the decision with the approver's SSH key (a private key, or a public key "
        "whose private half the ssh-agent holds), registered for them in organisation.yaml; "
        "needed where pmoctl.yaml asks for signed approvals.",
        show_default=False,
    ),
]


def parse_date(option: str, value: str | None) -> dt.date | None:
    """A YYYY-MM-DD option's date; refused (exit 2) when it is not one."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UserError(f"{option} {value!r} is not a date", hint="write YYYY-MM-DD") from None


def print_refusal(problem: PmoctlError) -> None:
    """Findings of a refused decision, and the output of a failed git command, before the error."""
    for finding in getattr(problem, "findings", ()):
        report.error_line(report.text_line(finding), finding.hint)
    output = getattr(problem, "stderr", "")
    if output:
        report.error_line(output)


def print_outcome(
    *, recovered: list[str], diff: str, commit: str | None, notes: list[str], done: list[str],
    dry_run: bool,
) -> int:  # fmt: skip
    """What a move or a recorded decision did: the diff of a dry run, or ``done`` and the commit."""
    for line in recovered:
        report.error_line(f"recovered: {line}")
    if dry_run:
        report.info(diff.rstrip("\n"))
        report.error_line("dry run: nothing was changed")
        return EXIT_OK
    for line in done:
        report.info(line)
    report.info(f"committed {(commit or '')[:12]}")
    for line in notes:
        report.error_line(f"note: {line}")
    return EXIT_OK


_Result = TypeVar("_Result")


def refusal_shown(step: Callable[[], _Result]) -> _Result:
    """``step()``; when it is refused, its findings (and git's output) are printed before
    the error goes on to the one error handler."""
    try:
        return step()
    except PmoctlError as problem:
        print_refusal(problem)
        raise


def recorded(step: Callable[[], RecordOutcome], *, dry_run: bool) -> int:
    """Run ``step`` (an API call that records a decision) and print what it did."""
    return print_recorded(refusal_shown(step), dry_run=dry_run)


def print_recorded(outcome: RecordOutcome, *, dry_run: bool) -> int:
    """What a recorded decision did (see :func:`print_outcome`)."""
    decision = outcome.decision
    return print_outcome(
        recovered=outcome.recovered, diff=outcome.diff, commit=outcome.commit,
        notes=outcome.notes, done=[f"{decision.service}: {decision.kind} {decision.subject}"],
        dry_run=dry_run,
    )  # fmt: skip
