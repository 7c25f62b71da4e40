"""Lifecycle commands: transition, approve, recover, history, status, show."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pmoctl.catalogue.vocabulary import Rollout, Stage
from pmoctl.cli.common import (
    AllowDetachedOption,
    CatalogueOption,
    DateOption,
    DryRunOption,
    Settings,
    app,
    catalogue_root,
    parse_date,
    print_outcome,
    refusal_shown,
)
from pmoctl.errors import EXIT_OK, UserError
from pmoctl.output import report
from pmoctl.output.text import printable

if TYPE_CHECKING:
    from pmoctl.lifecycle.transition import Outcome


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


ServicesArgument = Annotated[
    list[str], typer.Argument(help="The service ids to move (one commit).")
]
ToOption = Annotated[Stage, typer.Option("--to", help="The stage to move to.")]
ReasonOption = Annotated[
    str | None,
    typer.Option(
        help="Reason code: a closure reason (objective-achieved) or, rejecting a proposal, "
        "a rejection reason (no-capacity)."
    ),
]
NoteOption = Annotated[str | None, typer.Option(help="A note: the decision, what changed.")]
RolloutOption = Annotated[
    Rollout | None, typer.Option(help="Roll-out approach (pilot -> transition).")
]
ReadinessOption = Annotated[
    list[str] | None,
    typer.Option(
        "--readiness",
        metavar="AREA=TEXT",
        help="The readiness assessment (pilot -> transition), one statement per area: "
        "governance, resources, training and communication (repeat the option).",
    ),
]
WaiveOption = Annotated[
    list[str] | None,
    typer.Option(
        "--waive",
        metavar="CRITERION",
        help="A success criterion not met that the Service Owner waives at sign-off "
        "(pilot -> transition; repeatable; give a --note saying why).",
    ),
]
ClosesOption = Annotated[
    str | None,
    typer.Option(
        "--closes",
        metavar="SERVICE",
        help="The service the set-up decision closes to free capacity (proposed -> design).",
    ),
]
WaiveCapacityOption = Annotated[
    bool,
    typer.Option(
        "--waive-capacity",
        help="Set the service up although a PMO lacks the capacity (PMO Director, with a "
        "--note; proposed -> design).",
    ),
]
#: the earlier form of the sign-off, refused with a hint (hidden from --help)
SuccessOption = Annotated[bool, typer.Option("--success-criteria-met", hidden=True)]
CommunicationOption = Annotated[
    str | None,
    typer.Option(
        help="How the closure is told to customers and stakeholders (to closing, from "
        "transition or running)."
    ),
]
SupersededByOption = Annotated[
    str | None,
    typer.Option(
        "--superseded-by",
        help="The service that replaces it (with --reason superseded); it must list this one "
        "in supersedes.",
    ),
]
KeptOption = Annotated[
    list[str] | None,
    typer.Option(
        "--kept", help="An artefact kept for future use at closure, as NAME=WHERE (repeatable)."
    ),
]
ArchivedOption = Annotated[
    list[str] | None,
    typer.Option("--archived", help="An artefact archived at closure, as NAME=WHERE (repeatable)."),
]
DiscardedOption = Annotated[
    list[str] | None,
    typer.Option("--discarded", help="An artefact discarded at closure (repeatable)."),
]


def _report_moves(outcome: Outcome, dry_run: bool) -> int:
    signed = {decision.statement.subject for decision in outcome.signed}
    return print_outcome(
        recovered=outcome.recovered, diff=outcome.diff, commit=outcome.commit,
        notes=outcome.notes, dry_run=dry_run,
        done=[
            f"{m.service}: {m.source.value} -> {outcome.target.value}"
            + (" (signed)" if m.service in signed else "")
            for m in outcome.moves
        ],
    )  # fmt: skip


@app.command(name="transition")
def transition_command(  # noqa: PLR0917 - typer passes options positionally
    services: ServicesArgument,
    to: ToOption,
    approved_by: Annotated[
        str | None,
        typer.Option(
            "--approved-by",
            help="Person id of the approver (organisation.yaml); taken from --signature's file "
            "when one is given.",
            show_default=False,
        ),
    ] = None,
    reason: ReasonOption = None,
    note: NoteOption = None,
    rollout: RolloutOption = None,
    readiness: ReadinessOption = None,
    waive: WaiveOption = None,
    closes: ClosesOption = None,
    waive_capacity: WaiveCapacityOption = False,
    success_criteria_met: SuccessOption = False,
    communication: CommunicationOption = None,
    superseded_by: SupersededByOption = None,
    kept: KeptOption = None,
    archived: ArchivedOption = None,
    discarded: DiscardedOption = None,
    date: DateOption = None,
    signature: Annotated[
        Path | None,
        typer.Option(
            "--signature",
            help="A file of moves signed by their approver (pmoctl approve --sign-only): "
            "the approver, date and evidence are the signed ones.",
            show_default=False,
        ),
    ] = None,
    dry_run: DryRunOption = False,
    allow_detached: AllowDetachedOption = False,
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

    outcome = refusal_shown(
        lambda: api.transition(
            catalogue or Path.cwd(), services, to=to.value, approved_by=approved_by,
            reason=reason, note=note, rollout=rollout.value if rollout else None,
            readiness=_areas(readiness, success_criteria_met), waive=waive or (),
            closes=closes, waive_capacity=waive_capacity, kept=kept or (),
            discarded=discarded or (), archived=archived or (), communication=communication,
            superseded_by=superseded_by, date=parse_date("--date", date), dry_run=dry_run,
            allow_detached=allow_detached, signature=signature,
        )
    )  # fmt: skip
    return _report_moves(outcome, dry_run)


@app.command()
def approve(  # noqa: PLR0917 - typer passes options positionally
    services: ServicesArgument,
    to: ToOption,
    approved_by: Annotated[
        str,
        typer.Option("--approved-by", help="Your person id (organisation.yaml): the approver."),
    ],
    key: Annotated[
        Path | None,
        typer.Option(
            "--key",
            help="Your SSH key: a private key, or a public key whose private half your "
            "ssh-agent holds (default: git's user.signingKey).",
            show_default=False,
        ),
    ] = None,
    reason: ReasonOption = None,
    note: NoteOption = None,
    rollout: RolloutOption = None,
    readiness: ReadinessOption = None,
    waive: WaiveOption = None,
    closes: ClosesOption = None,
    waive_capacity: WaiveCapacityOption = False,
    success_criteria_met: SuccessOption = False,
    communication: CommunicationOption = None,
    superseded_by: SupersededByOption = None,
    kept: KeptOption = None,
    archived: ArchivedOption = None,
    discarded: DiscardedOption = None,
    date: DateOption = None,
    sign_only: Annotated[
        bool,
        typer.Option(
            "--sign-only",
            help="Sign, but commit nothing: write the signed moves (to --out) for "
            "`pmoctl transition --signature FILE`.",
        ),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="With --sign-only: the file to write (default: standard output).",
            show_default=False,
        ),
    ] = None,
    dry_run: DryRunOption = False,
    allow_detached: AllowDetachedOption = False,
    catalogue: CatalogueOption = None,
) -> int:
    """Approve a move with your signature: `transition`, with the record signed by you.

    You sign the move's canonical statement (the service, the stage moved from and to, the
    date, the evidence, and the service file as it is now) with your SSH key through
    `ssh-keygen -Y sign`; the signature is recorded with the move, so that `pmoctl check`
    and `pmoctl verify` can prove you approved it. The key must be registered for you in
    organisation.yaml. Exit codes as for transition; 3 when ssh-keygen is not installed.
    """
    from pmoctl import api
    from pmoctl.lifecycle.signatures import file_text

    if out is not None and not sign_only:
        raise UserError("--out is for --sign-only", hint="add --sign-only, or leave --out out")
    outcome = refusal_shown(
        lambda: api.transition(
            catalogue or Path.cwd(), services, to=to.value, approved_by=approved_by,
            reason=reason, note=note, rollout=rollout.value if rollout else None,
            readiness=_areas(readiness, success_criteria_met), waive=waive or (),
            closes=closes, waive_capacity=waive_capacity, kept=kept or (),
            discarded=discarded or (), archived=archived or (), communication=communication,
            superseded_by=superseded_by, date=parse_date("--date", date),
            dry_run=dry_run or sign_only, allow_detached=allow_detached, sign=True, key=key,
        )
    )  # fmt: skip
    if not sign_only:
        return _report_moves(outcome, dry_run)
    text = file_text(outcome.signed)
    if out is None:
        report.info(text.rstrip("\n"))
        return EXIT_OK
    from pmoctl.fileio import replace_file

    replace_file(out, text.encode("ascii"))
    report.info(f"signed {len(outcome.signed)} move(s): {printable(str(out))}")
    return EXIT_OK


def _areas(values: list[str] | None, success_criteria_met: bool) -> dict[str, str] | None:
    """``--readiness AREA=TEXT`` options as a mapping; an area given twice is refused, and so
    is the earlier form of the sign-off."""
    if success_criteria_met:
        raise UserError(
            "--success-criteria-met is no longer how a sign-off is recorded",
            hint="record each criterion's result in testing.results, and waive one not met "
            "with --waive CRITERION and a --note",
        )
    if not values:
        return None
    areas: dict[str, str] = {}
    for value in values:
        area, sep, text = value.partition("=")
        area = area.strip()
        if not sep:
            raise UserError(
                f"--readiness {value!r} names no area",
                hint="give --readiness AREA=TEXT for each of governance, resources, training "
                "and communication",
            )
        if area in areas:
            raise UserError(f"--readiness {area} is given twice")
        areas[area] = text
    return areas


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

    details = refusal_shown(lambda: service_details(catalogue_root(catalogue), service))
    if output_format is ViewFormat.json:
        report.write_json(details)
    else:
        report.rich_print(service_view(details), no_colour=Settings.no_colour)
    return EXIT_OK
