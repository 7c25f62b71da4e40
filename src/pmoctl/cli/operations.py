"""Running the PMO: kpi report, due."""

from __future__ import annotations

from typing import Annotated

import typer

from pmoctl.cli.common import CatalogueOption, Settings, app, catalogue_root
from pmoctl.cli.lifecycle import ListFormat, ViewFormat, ViewFormatOption
from pmoctl.errors import EXIT_OK
from pmoctl.output import report

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
