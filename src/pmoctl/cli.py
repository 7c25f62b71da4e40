"""The command line: parse options, call one function of the API, map the result to an exit code.

This is the only module that imports typer. Everything heavy is imported inside the
command that needs it, so that `pmoctl --help` stays fast.
"""

from __future__ import annotations

import sys
from enum import StrEnum
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
new_app = typer.Typer(
    help="Write a new service or procedure file that validates.", no_args_is_help=True
)
app.add_typer(new_app, name="new")


class Settings:
    """Global options, set by the callback before any command runs."""

    no_colour = False
    debug = False


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    github = "github"
    sarif = "sarif"
    junit = "junit"


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


def _root(catalogue: Path | None) -> Path:
    from pmoctl.catalogue import find_root

    return find_root(catalogue or Path.cwd())


def _fails(findings_severities: list[str], fail_on: FailOn) -> bool:
    from pmoctl.validate import fails

    return fails(findings_severities, fail_on.value)


@app.command()
def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help=(
                "A catalogue folder, or files in one "
                "(default: the catalogue around the current folder)."
            ),
            show_default=False,
        ),
    ] = None,
    output_format: FormatOption = OutputFormat.text,
    fail_on: FailOnOption = FailOn.error,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            help="Processes that load the files, this one included (0: one per core on large "
            "catalogues).",
        ),
    ] = 0,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Ignore and do not write the cache.")
    ] = False,
) -> int:
    """Check the catalogue and report every problem, with file, line and column."""
    from pmoctl.api import resolve_targets
    from pmoctl.validate import validate_catalogue

    root, only = resolve_targets(paths or [])
    result = validate_catalogue(root, only=only, jobs=jobs or None, use_cache=not no_cache)
    from pmoctl.catalogue import repo_prefix

    report.write_findings(
        result.findings,
        output_format.value,
        files=result.files,
        no_colour=Settings.no_colour,
        path_prefix=repo_prefix(root),
    )
    return int(_fails([f.severity.value for f in result.findings], fail_on))


@app.command()
def rules(output_format: FormatOption = OutputFormat.text) -> int:
    """List every rule with its id, default severity and summary."""
    from pmoctl.api import rules_listing

    report.info(rules_listing(as_json=output_format is OutputFormat.json))
    return EXIT_OK


@app.command()
def explain(
    rule_id: Annotated[str, typer.Argument(help="A rule id, e.g. RACI-ACCOUNTABLE.")],
) -> int:
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

NameOption = Annotated[
    str | None,
    typer.Option(
        "--name", help="The display name (default: made from the id).", show_default=False
    ),
]


def _report_written(root: Path, files: list[str]) -> None:
    for rel in files:
        report.info(f"wrote: {root / rel}")


@app.command()
def init(
    directory: Annotated[
        Path, typer.Argument(help="The folder of the new catalogue (made if it does not exist).")
    ] = Path("."),
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            help="The organisation's name (default: from the folder's name).",
            show_default=False,
        ),
    ] = None,
) -> int:
    """Start a new catalogue: pmoctl.yaml, organisation, strategy, handbook, one service,
    one procedure and the JSON Schemas, all valid. Runs `git init` unless DIRECTORY is
    already inside a git repository. Refuses a folder that already holds catalogue files."""
    from pmoctl.scaffold import init_catalogue

    written = init_catalogue(directory, name=name)
    _report_written(written.root, written.files)
    if written.git_initialised:
        report.info(f"initialised a git repository in {written.root}")
    report.info("next: edit organisation.yaml (your PMOs and people), then `pmoctl validate`")
    return EXIT_OK


IdArgument = Annotated[
    str,
    typer.Argument(
        metavar="ID",
        help="The new id, also the file name: lower-case letters, digits and hyphens.",
        show_default=False,
    ),
]


@new_app.command("service")
def new_service(
    ident: IdArgument,
    name: NameOption = None,
    pmo: Annotated[
        str | None,
        typer.Option(
            "--pmo",
            help="The PMO that delivers it (default: the first in organisation.yaml).",
            show_default=False,
        ),
    ] = None,
    catalogue: CatalogueOption = None,
) -> int:
    """Write services/ID.yaml: a proposed service that validates. Never overwrites."""
    from pmoctl.scaffold import new_document

    written = new_document("service", ident, catalogue=catalogue, name=name, pmo=pmo)
    _report_written(written.root, written.files)
    return EXIT_OK


@new_app.command("procedure")
def new_procedure(
    ident: IdArgument, name: NameOption = None, catalogue: CatalogueOption = None
) -> int:
    """Write procedures/ID.yaml: a handbook procedure with one activity and its RACI.
    Never overwrites."""
    from pmoctl.scaffold import new_document

    written = new_document("procedure", ident, catalogue=catalogue, name=name)
    _report_written(written.root, written.files)
    return EXIT_OK


# --- commands: lifecycle (transition, recover, history, status, show) ---


class LifecycleStage(StrEnum):
    proposed = "proposed"
    design = "design"
    pilot = "pilot"
    transition = "transition"
    running = "running"
    closing = "closing"
    closed = "closed"


class Rollout(StrEnum):
    phased = "phased"
    big_bang = "big-bang"


class ListFormat(StrEnum):
    text = "text"
    json = "json"
    csv = "csv"


class ViewFormat(StrEnum):
    text = "text"
    json = "json"


ServiceArgument = Annotated[str, typer.Argument(help="The service id.")]
ViewFormatOption = Annotated[
    ViewFormat, typer.Option("--format", "-f", help="text for a terminal, json for programs.")
]


def _print_refusal(problem: PmoctlError) -> None:
    """Findings of a refused move, and the output of a failed git command, before the error."""
    from pmoctl.lifecycle_commands import print_refusal

    print_refusal(problem)


@app.command(name="transition")
def transition_command(  # noqa: PLR0917 - typer passes options positionally
    services: Annotated[list[str], typer.Argument(help="The service ids to move (one commit).")],
    to: Annotated[LifecycleStage, typer.Option("--to", help="The stage to move to.")],
    approved_by: Annotated[
        str, typer.Option("--approved-by", help="Person id of the approver (organisation.yaml).")
    ],
    reason: Annotated[
        str | None, typer.Option(help="Reason code, e.g. a closure reason (objective-achieved).")
    ] = None,
    note: Annotated[str | None, typer.Option(help="A note: the decision, what changed.")] = None,
    rollout: Annotated[
        Rollout | None, typer.Option(help="Roll-out approach (pilot -> transition).")
    ] = None,
    readiness: Annotated[
        str | None, typer.Option(help="Organisation readiness assessment (pilot -> transition).")
    ] = None,
    success_criteria_met: Annotated[
        bool,
        typer.Option(
            "--success-criteria-met", help="The success criteria agreed with customers are met."
        ),
    ] = False,
    kept: Annotated[
        list[str] | None,
        typer.Option("--kept", help="An artefact kept at closure (repeat the option)."),
    ] = None,
    discarded: Annotated[
        list[str] | None,
        typer.Option("--discarded", help="An artefact discarded at closure (repeatable)."),
    ] = None,
    date: Annotated[
        str | None, typer.Option(help="Date of the decision, YYYY-MM-DD (default: today).")
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Show the diff that would be committed; change nothing."),
    ] = False,
    allow_detached: Annotated[
        bool, typer.Option("--allow-detached", help="Commit even when HEAD is not on a branch.")
    ] = False,
    catalogue: CatalogueOption = None,
) -> int:
    """Move services to another lifecycle stage as one checked, approved git commit.

    The move must be allowed from the current stage, approved by the right person (the
    PMO Director decides to set a service up; the Service Owner signs off the pilot,
    go-live and closure), carry its evidence, and leave the service complete for its new
    stage. Exit 1 when refused, 3 when the repository is not in a state to commit, 4 when
    git or a hook refused the commit (the files are restored).
    """
    from pmoctl.lifecycle_commands import transition_command as run_transition

    return run_transition(
        services, to=to.value, approved_by=approved_by, reason=reason, note=note,
        rollout=rollout.value if rollout else None, readiness=readiness,
        success_criteria_met=success_criteria_met, kept=kept or (),
        discarded=discarded or (), date=date, dry_run=dry_run,
        allow_detached=allow_detached, catalogue=catalogue,
    )  # fmt: skip


@app.command()
def recover(catalogue: CatalogueOption = None) -> int:
    """Finish a transition that was killed: keep it if it was committed, else restore the files."""
    from pmoctl.transaction import recover_at

    done = recover_at(_root(catalogue))
    for line in done or ["nothing to recover"]:
        report.info(line)
    return EXIT_OK


@app.command()
def history(
    service: ServiceArgument,
    output_format: ViewFormatOption = ViewFormat.text,
    catalogue: CatalogueOption = None,
) -> int:
    """A service's timeline from git: every stage move, other edits, time in each stage."""
    from pmoctl.lifecycle_commands import history_command

    return history_command(service, output_format=output_format.value, catalogue=catalogue)


@app.command()
def status(
    stage: Annotated[
        list[LifecycleStage] | None, typer.Option("--stage", help="Only these stages (repeatable).")
    ] = None,
    pmo: Annotated[str | None, typer.Option(help="Only services this PMO delivers.")] = None,
    owner: Annotated[str | None, typer.Option(help="Only services this person owns.")] = None,
    output_format: Annotated[ListFormat, typer.Option("--format", "-f")] = ListFormat.text,
    catalogue: CatalogueOption = None,
) -> int:
    """Every service with its stage, owner, PMOs, days in stage and open risks and issues."""
    from pmoctl.status import status_rows, status_table

    rows = status_rows(
        _root(catalogue), stages=[s.value for s in stage or []], pmo=pmo, owner=owner
    )
    if output_format is ListFormat.json:
        report.write_json(rows)
    elif output_format is ListFormat.csv:
        report.write_csv(rows)
    else:
        report.rich_print(status_table(rows), no_colour=Settings.no_colour)
    return EXIT_OK


@app.command()
def show(
    service: ServiceArgument,
    output_format: ViewFormatOption = ViewFormat.text,
    catalogue: CatalogueOption = None,
) -> int:
    """One service in full: what it is, who runs it, its processes, KPIs, risks and moves."""
    from pmoctl.status import service_details, service_view

    try:
        details = service_details(_root(catalogue), service)
    except PmoctlError as problem:
        _print_refusal(problem)
        raise
    if output_format is ViewFormat.json:
        report.write_json(details)
    else:
        report.rich_print(service_view(details), no_colour=Settings.no_colour)
    return EXIT_OK


# --- commands: render ---


class RenderFormat(StrEnum):
    html = "html"
    markdown = "markdown"


class RenderSection(StrEnum):
    catalogue = "catalogue"
    handbook = "handbook"
    strategy = "strategy"


@app.command()
def render(
    *,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder to write into (created if needed).")
    ],
    render_format: Annotated[
        RenderFormat,
        typer.Option(
            "--format", "-f", help="html: a static site; markdown: for GitHub, GitLab or MkDocs."
        ),
    ] = RenderFormat.html,
    only: Annotated[
        RenderSection | None,
        typer.Option("--only", help="Render one part only.", show_default=False),
    ] = None,
    catalogue: CatalogueOption = None,
    allow_invalid: Annotated[
        bool,
        typer.Option("--allow-invalid", help="Render what validated even if there are errors."),
    ] = False,
    timestamp: Annotated[
        bool, typer.Option("--timestamp", help="Put the time of rendering in the page footers.")
    ] = False,
    no_history: Annotated[
        bool, typer.Option("--no-history", help="Leave out the timelines read from git.")
    ] = False,
) -> int:
    """Render the service catalogue, the operations handbook and the strategy.

    The output is deterministic (byte-identical for the same catalogue, unless --timestamp)
    and only files whose content changed are written. A catalogue with errors is refused
    (exit 1) unless --allow-invalid. Templates can be overridden from the catalogue: see
    docs/render.md.
    """
    from datetime import UTC, datetime

    from pmoctl.render import render_site

    root = _root(catalogue)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC") if timestamp else None
    result = render_site(
        root,
        out,
        render_format.value,
        only.value if only else None,
        allow_invalid=allow_invalid,
        timestamp=stamp,
        with_history=not no_history,
    )
    if result.findings:
        errors = sum(1 for f in result.findings if f.severity.value == "error")
        report.error(
            f"rendered although the catalogue has {errors} error(s) and "
            f"{len(result.findings) - errors} warning(s)",
            "`pmoctl validate` lists them",
        )
    report.info(
        f"{out}: {len(result.written)} written, {len(result.unchanged)} unchanged"
        + (f", {len(result.removed)} removed" if result.removed else "")
    )
    return EXIT_OK


# --- commands: check and codeowners ---


@app.command()
def check(
    *,
    base: Annotated[
        str | None,
        typer.Option(
            "--base",
            help="The branch the pull request goes into (default: $GITHUB_BASE_REF or "
            "$CI_MERGE_REQUEST_TARGET_BRANCH_NAME as origin/<branch>, else origin/main, "
            "else main).",
            show_default=False,
        ),
    ] = None,
    catalogue: CatalogueOption = None,
    output_format: FormatOption = OutputFormat.text,
    fail_on: FailOnOption = FailOn.error,
    jobs: Annotated[
        int,
        typer.Option("--jobs", "-j", help="Worker processes (0: one per core on big catalogues)."),
    ] = 0,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Ignore and do not write the cache.")
    ] = False,
) -> int:
    """Check a pull request: validate the catalogue, then every change since the merge-base.

    Each stage change must be its own commit made by `pmoctl transition` (trailers that
    match the file), an allowed step with its evidence, approved by someone who held the
    right role at that commit. Deleted and renamed services are reported. Needs the full
    history (exit 3 in a shallow clone: use fetch-depth: 0). With --format github it also
    writes a Markdown summary to $GITHUB_STEP_SUMMARY.
    """
    from pmoctl.check import check as check_catalogue

    result = check_catalogue(_root(catalogue), base, jobs=jobs or None, use_cache=not no_cache)
    report.write_check(
        result.findings, output_format.value, files=result.files, changes=result.changes(),
        no_colour=Settings.no_colour, path_prefix=result.prefix,
    )  # fmt: skip
    return int(_fails([f.severity.value for f in result.findings], fail_on))


@app.command()
def codeowners(
    catalogue: CatalogueOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Where to write (default: .github/CODEOWNERS at the repository's top).",
            show_default=False,
        ),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 if the file is out of date.")
    ] = False,
) -> int:
    """Write CODEOWNERS: each service file to its owner and managers, the handbook and the
    strategy to their owners (handles from organisation.yaml), so that branch protection
    asks the right people to review every change."""
    from pmoctl import codeowners as owners
    from pmoctl.errors import EXIT_FINDINGS

    root = _root(catalogue)
    target = out if out is not None else owners.default_path(root)
    ownership = owners.build(root, target)
    for note in ownership.notes:
        report.info(f"pmoctl: note: {report.printable(note)}", stream=sys.stderr)
    diff = owners.stale_diff(target, ownership.text)
    if check:
        if diff is None:
            report.info(f"up to date: {target}")
            return EXIT_OK
        report.info(diff.rstrip("\n"))
        report.error(f"{target} is out of date", "run `pmoctl codeowners` and commit the file")
        return EXIT_FINDINGS
    if diff is not None:
        owners.write(target, ownership.text)
    report.info(f"{'wrote' if diff is not None else 'up to date'}: {target}")
    return EXIT_OK


def run() -> None:
    """Run the CLI with pmoctl's exit-code contract; never a traceback unless --debug."""
    from typer._click import exceptions as click_exceptions

    command = typer.main.get_command(app)
    try:
        code = command.main(args=sys.argv[1:], prog_name="pmoctl", standalone_mode=False)
        if code == EXIT_INTERRUPTED:  # typer turns Ctrl-C into a quiet exit code 130
            report.error("interrupted")
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
            report.internal_error(bug)
        code = EXIT_INTERNAL
    sys.exit(code if isinstance(code, int) else EXIT_OK)
