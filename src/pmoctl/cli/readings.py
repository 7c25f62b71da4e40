"""Recording how the running services do: kpi record, kpi import, review."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pmoctl.cli.common import (
    AllowDetachedOption,
    CatalogueOption,
    DryRunOption,
    SignKeyOption,
    app,
    parse_date,
    recorded,
)
from pmoctl.cli.lifecycle import ServiceArgument
from pmoctl.cli.operations import kpi_app
from pmoctl.output import report

if TYPE_CHECKING:
    from pmoctl.lifecycle.record import RecordOutcome

ReportedByOption = Annotated[
    str | None,
    typer.Option(
        "--reported-by",
        help="Who reports it (person id), a Service Manager of the service (default: the "
        "KPI's reported_by).",
    ),
]


@kpi_app.command(name="record")
def kpi_record(  # noqa: PLR0917 - typer passes options positionally
    service: ServiceArgument,
    kpi: Annotated[str, typer.Argument(help="The KPI id.")],
    value: Annotated[
        str,
        typer.Argument(
            help="The value, in the KPI's unit (95 or 95%; a negative one after --: -- -3)."
        ),
    ],
    period: Annotated[
        str | None,
        typer.Option(
            help="The period it is for, as the KPI's frequency names it: 2026-W48, 2026-11, "
            "2026-Q4, 2026, or a day in it (default: the last period that is over).",
        ),
    ] = None,
    note: Annotated[str | None, typer.Option(help="A short comment on the value.")] = None,
    reported_by: ReportedByOption = None,
    key: SignKeyOption = None,
    dry_run: DryRunOption = False,
    allow_detached: AllowDetachedOption = False,
    catalogue: CatalogueOption = None,
) -> int:
    """Record a KPI reading as one commit, dated the last day of its period.

    Refused (exit 1) when the KPI already has a reading for the period, when the service
    is not delivered (pilot, transition or running), or when the reporter does not manage
    the service; an unknown service or KPI, a period of another frequency or not over,
    and a value that is not a number are usage errors (exit 2).
    """
    from pmoctl import api

    return recorded(
        lambda: api.kpi_record(
            catalogue or Path.cwd(), service, kpi, value, period=period, note=note,
            reported_by=reported_by, dry_run=dry_run, allow_detached=allow_detached, key=key,
        ),
        dry_run=dry_run,
    )  # fmt: skip


@kpi_app.command(name="import")
def kpi_import(  # noqa: PLR0917 - typer passes options positionally
    file: Annotated[
        Path,
        typer.Argument(
            help="A .csv file (UTF-8) or an .xlsx workbook whose first sheet has the "
            "columns service, kpi, period, value and optionally note.",
            show_default=False,
        ),
    ],
    reported_by: ReportedByOption = None,
    key: SignKeyOption = None,
    dry_run: DryRunOption = False,
    allow_detached: AllowDetachedOption = False,
    catalogue: CatalogueOption = None,
) -> int:
    """Record many KPI readings from a CSV file or a workbook: all of them as one commit,
    or none.

    Every problem is listed as FILE:ROW:COLUMN with its reason (unknown service or KPI, a
    period not of the KPI's frequency, a period already recorded or twice in the file, a
    value that is not a number), and nothing is written (exit 1). A file holds at most
    10000 readings; a workbook's formulas count as the values they were last calculated to.
    """
    from pmoctl import api
    from pmoctl.operations.readings import ImportRefusedError

    def import_readings() -> RecordOutcome:
        try:
            return api.kpi_import(
                catalogue or Path.cwd(), file, reported_by=reported_by, dry_run=dry_run,
                allow_detached=allow_detached, key=key,
            )  # fmt: skip
        except ImportRefusedError as refused:  # every bad cell, at its row and column
            for line in refused.lines():
                report.error_line(line)
            raise

    return recorded(import_readings, dry_run=dry_run)


@app.command(name="review")
def review_command(  # noqa: PLR0917 - typer passes options positionally
    service: ServiceArgument,
    attendee: Annotated[
        list[str], typer.Option("--attendee", help="Who took part (person id); repeat it.")
    ],
    summary: Annotated[str, typer.Option(help="How the KPIs stood, in a few sentences.")],
    approved_by: Annotated[
        str,
        typer.Option("--approved-by", help="The Service Owner or a Service Manager (person id)."),
    ],
    decision: Annotated[
        list[str] | None, typer.Option("--decision", help="A decision taken; repeat it.")
    ] = None,
    action: Annotated[
        list[str] | None,
        typer.Option(
            "--action",
            help='An action as "TEXT;OWNER;YYYY-MM-DD" (what, who, by when); repeat it.',
        ),
    ] = None,
    date: Annotated[
        str | None, typer.Option(help="The day it was held, YYYY-MM-DD (default: today).")
    ] = None,
    key: SignKeyOption = None,
    dry_run: DryRunOption = False,
    allow_detached: AllowDetachedOption = False,
    catalogue: CatalogueOption = None,
) -> int:
    """Record a service review as one commit: attendees, KPI summary, decisions, actions.

    The approver (counted among the attendees) is the Service Owner or a Service Manager.
    Reviews are recorded in date order, one a day; `pmoctl due` lists the next review and
    the actions not done by their date.
    """
    from pmoctl import api

    when = parse_date("--date", date)
    return recorded(
        lambda: api.review(
            catalogue or Path.cwd(), service, attendees=attendee, summary=summary,
            approved_by=approved_by, decisions=decision or (), actions=action or (),
            date=when, dry_run=dry_run, allow_detached=allow_detached, key=key,
        ),
        dry_run=dry_run,
    )  # fmt: skip
