"""Lifecycle commands: transition, recover, history, status, show."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from pmoctl.catalogue.vocabulary import Rollout, Stage
from pmoctl.cli.common import (
    CatalogueOption,
    Settings,
    app,
    catalogue_root,
    parse_date,
    print_outcome,
    print_refusal,
)
from pmoctl.errors import EXIT_OK, PmoctlError
from pmoctl.output import report


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


@app.command(name="transition")
def transition_command(  # noqa: PLR0917 - typer passes options positionally
    services: Annotated[list[str], typer.Argument(help="The service ids to move (one commit).")],
    to: Annotated[Stage, typer.Option("--to", help="The stage to move to.")],
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
    from pmoctl import api

    when = parse_date("--date", date)
    try:
        outcome = api.transition(
            catalogue or Path.cwd(), services, to=to.value, approved_by=approved_by,
            reason=reason, note=note, rollout=rollout.value if rollout else None,
            readiness=readiness, success_criteria_met=success_criteria_met, kept=kept or (),
            discarded=discarded or (), date=when, dry_run=dry_run,
            allow_detached=allow_detached,
        )  # fmt: skip
    except PmoctlError as problem:
        print_refusal(problem)
        raise
    return print_outcome(
        recovered=outcome.recovered, diff=outcome.diff, commit=outcome.commit,
        notes=outcome.notes, dry_run=dry_run,
        done=[f"{m.service}: {m.source.value} -> {outcome.target.value}" for m in outcome.moves],
    )  # fmt: skip
    for move in outcome.moves:
        report.info(f"{move.service}: {move.source.value} -> {outcome.target.value}")
    report.info(f"committed {(outcome.commit or '')[:12]}")
    for line in outcome.notes:
        report.error_line(f"note: {line}")
    return EXIT_OK


@app.command()
def recover(catalogue: CatalogueOption = None) -> int:
    """Finish a transition that was killed: keep it if it was committed, else restore the files."""
    from pmoctl.lifecycle.transaction import recover_at, stale_lock_error

    recovered = recover_at(catalogue_root(catalogue))
    for line in recovered.done or ([] if recovered.stale_locks else ["nothing to recover"]):
        report.info(line)
    if recovered.stale_locks:
        raise stale_lock_error(recovered.stale_locks)
    return EXIT_OK


@app.command()
def history(
    service: ServiceArgument,
    output_format: ViewFormatOption = ViewFormat.text,
    catalogue: CatalogueOption = None,
) -> int:
    """A service's timeline from git: every stage move, other edits, time in each stage."""
    from pmoctl.lifecycle.history import history_text, service_history

    result = service_history(catalogue_root(catalogue), service)
    if output_format is ViewFormat.json:
        report.write_json(result)
    else:
        report.info(history_text(result))
    return EXIT_OK


@app.command()
def status(
    stage: Annotated[
        list[Stage] | None, typer.Option("--stage", help="Only these stages (repeatable).")
    ] = None,
    pmo: Annotated[str | None, typer.Option(help="Only services this PMO delivers.")] = None,
    owner: Annotated[str | None, typer.Option(help="Only services this person owns.")] = None,
    output_format: Annotated[ListFormat, typer.Option("--format", "-f")] = ListFormat.text,
    catalogue: CatalogueOption = None,
) -> int:
    """Every service with its stage, owner, PMOs, days in stage and open risks and issues."""
    from pmoctl.lifecycle.status import status_rows, status_table

    rows = status_rows(
        catalogue_root(catalogue), stages=[s.value for s in stage or []], pmo=pmo, owner=owner
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
    from pmoctl.lifecycle.status import service_details, service_view

    try:
        details = service_details(catalogue_root(catalogue), service)
    except PmoctlError as problem:
        print_refusal(problem)
        raise
    if output_format is ViewFormat.json:
        report.write_json(details)
    else:
        report.rich_print(service_view(details), no_colour=Settings.no_colour)
    return EXIT_OK
