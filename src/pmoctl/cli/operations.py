"""Running the PMO: kpi report, due, the report pack, recharges."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from pmoctl.cli.common import CatalogueOption, Settings, app, catalogue_root
from pmoctl.cli.lifecycle import ListFormat, ViewFormat, ViewFormatOption
from pmoctl.errors import EXIT_OK
from pmoctl.output import report
from pmoctl.output.text import printable

kpi_app = typer.Typer(
    help="The KPIs of the running services.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(kpi_app, name="kpi")


@kpi_app.command(name="report")
def kpi_report(
    service: Annotated[str | None, typer.Option(help="Only this service's KPIs.")] = None,
    pmo: Annotated[str | None, typer.Option(help="Only services this PMO delivers.")] = None,
    owner: Annotated[str | None, typer.Option(help="Only services this person owns.")] = None,
    output_format: Annotated[ListFormat, typer.Option("--format", "-f")] = ListFormat.text,
    catalogue: CatalogueOption = None,
) -> int:
    """Each KPI of the running services: latest value, red/amber/green, trend, overdue.

    The day is today's date, or PMOCTL_TODAY=YYYY-MM-DD for a reproducible run.
    """
    from pmoctl.api import kpi_report as report_rows
    from pmoctl.operations.kpis import kpi_table
    from pmoctl.runtime import today

    day = today()
    rows = report_rows(catalogue_root(catalogue), today=day, service=service, pmo=pmo, owner=owner)
    if output_format is ListFormat.json:
        report.write_json(rows)
    elif output_format is ListFormat.csv:
        report.write_csv(rows)
    else:
        report.rich_print(kpi_table(rows, day), no_colour=Settings.no_colour)
    return EXIT_OK


@app.command()
def due(
    within: Annotated[
        str, typer.Option(help="How far ahead to look: days (30d) or weeks (6w).")
    ] = "30d",
    output_format: ViewFormatOption = ViewFormat.text,
    catalogue: CatalogueOption = None,
) -> int:
    """What needs doing: end dates, overdue KPI readings and reviews, review actions past
    due, change requests to decide.

    Each item has an id that stays the same from run to run (for tickets opened by a
    scheduled job). The day is today's date, or PMOCTL_TODAY=YYYY-MM-DD.
    """
    from pmoctl.api import due as due_items
    from pmoctl.operations.due import due_table, parse_window
    from pmoctl.runtime import today

    days = parse_window(within)
    day = today()
    items = due_items(catalogue_root(catalogue), within_days=days, today=day)
    if output_format is ViewFormat.json:
        report.write_json({"today": day.isoformat(), "within_days": days, "items": items})
    else:
        report.rich_print(due_table(items, day, days), no_colour=Settings.no_colour)
    return EXIT_OK


class PackFormat(StrEnum):
    html = "html"
    md = "md"
    xlsx = "xlsx"
    pdf = "pdf"


@app.command(name="report")
def report_pack(
    *,
    period: Annotated[
        str, typer.Option("--period", "-p", help="The month, YYYY-MM (begun by today).")
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder to write into (created if needed).")
    ],
    formats: Annotated[
        list[PackFormat] | None,
        typer.Option(
            "--format",
            "-f",
            metavar="<html|md|xlsx|pdf>",
            help="html, md, xlsx or pdf; repeat for several [default: html].",
            show_default=False,
        ),
    ] = None,
    catalogue: CatalogueOption = None,
    allow_invalid: Annotated[
        bool,
        typer.Option("--allow-invalid", help="Report on what validated even if there are errors."),
    ] = False,
) -> int:
    """The monthly report pack for the PMO Director and the board.

    Scorecards per PMO and per owner (red/amber/green roll-up and trends of the running
    services' KPIs), what changed in the month (moves and new services from git, approved
    change requests), the pipeline, capacity against commitments and what is due. Files:
    OUT/pmo-report-YYYY-MM.EXT. The pack is as of the day after the month (or today,
    PMOCTL_TODAY=YYYY-MM-DD, within it). PDF needs pip install 'pmoctl[pdf]'.
    """
    from pmoctl.api import report as write_pack
    from pmoctl.runtime import today

    chosen = [fmt.value for fmt in formats] if formats else ["html"]
    result = write_pack(
        catalogue_root(catalogue),
        out,
        period=period,
        formats=chosen,
        today=today(),
        allow_invalid=allow_invalid,
    )
    for path in result.written:
        report.info(f"wrote {printable(str(path))}")
    return EXIT_OK


@app.command()
def recharge(
    *,
    period: Annotated[
        str, typer.Option("--period", "-p", help="The month, YYYY-MM (begun by today).")
    ],
    output_format: Annotated[ListFormat, typer.Option("--format", "-f")] = ListFormat.text,
    catalogue: CatalogueOption = None,
) -> int:
    """The month's recharge statement per customer group, and budget against actual per PMO.

    Charges come from each recharged or mixed-funded service's funding (funding.recharge:
    a KPI whose readings are the volume and a rate, or a share of the annual budget);
    actuals from funding.actuals. csv lists the charges, one per row.
    """
    from pmoctl.api import recharge as recharge_statement
    from pmoctl.operations.recharge import statement_table
    from pmoctl.runtime import today

    result = recharge_statement(catalogue_root(catalogue), period=period, today=today())
    if output_format is ListFormat.json:
        report.write_json(result.as_json())
    elif output_format is ListFormat.csv:
        report.write_csv([vars(charge) for charge in result.charges])
    else:
        report.rich_print(statement_table(result), no_colour=Settings.no_colour)
    return EXIT_OK
