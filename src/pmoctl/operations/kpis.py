"""`pmoctl kpi report`: each KPI of the running services, its latest reading, red/amber/
green, its trend over the last readings and whether a reading is overdue.

Red/amber/green is decided by :func:`pmoctl.catalogue.rag.rag_of` for every output, the
site's service pages and the escalation rules included.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from pmoctl.catalogue.models.common import Stage
from pmoctl.catalogue.periods import last_due, missed_readings, running_since
from pmoctl.catalogue.rag import rag_of
from pmoctl.output.report import printable

if TYPE_CHECKING:
    from rich.console import RenderableType

    from pmoctl.catalogue.files import Catalogue
    from pmoctl.catalogue.models import Kpi, Service

#: readings the trend looks at (and the report lists), the latest last
TREND_READINGS = 4


def trend_of(values: list[float]) -> str | None:
    """up, down or flat: the latest value against the first of the last few; None with
    fewer than two readings. Whether up is good depends on the KPI's direction."""
    recent = values[-TREND_READINGS:]
    if len(recent) < 2:
        return None
    if recent[-1] == recent[0]:
        return "flat"
    return "up" if recent[-1] > recent[0] else "down"


def kpi_row(service: Service, kpi: Kpi, today: dt.date) -> dict[str, Any]:
    readings = sorted(kpi.readings, key=lambda reading: reading.date)
    values = [reading.value for reading in readings]
    latest = readings[-1] if readings else None
    missed = missed_readings(kpi, running_since(service), today)
    return {
        "service": service.id,
        "kpi": kpi.id,
        "name": kpi.name,
        "unit": kpi.unit,
        "frequency": kpi.frequency,
        "direction": kpi.direction,
        "target": kpi.target,
        "latest_date": latest.date.isoformat() if latest else None,
        "latest": latest.value if latest else None,
        "rag": rag_of(kpi, latest.value) if latest else None,
        "trend": trend_of(values),
        "recent": values[-TREND_READINGS:],
        "last_due": last_due(kpi.frequency, today).label,
        "overdue": missed is not None,
        "missed": missed.count if missed else 0,
        "reported_by": kpi.reported_by,
    }


def kpi_rows(
    catalogue: Catalogue,
    today: dt.date,
    *,
    service: str | None = None,
    pmo: str | None = None,
    owner: str | None = None,
) -> list[dict[str, Any]]:
    """One row per KPI of each running service, by service id then the file's KPI order."""
    rows: list[dict[str, Any]] = []
    for ident in sorted(catalogue.services):
        model = catalogue.services[ident]
        if model.lifecycle.stage is not Stage.RUNNING:
            continue
        if (service and ident != service) or (pmo and pmo not in model.delivery.pmos):
            continue
        if owner and model.roles.owner != owner:
            continue
        rows.extend(kpi_row(model, kpi, today) for kpi in model.kpis)
    return rows


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def kpi_table(rows: list[dict[str, Any]], today: dt.date) -> RenderableType:
    from rich.table import Table
    from rich.text import Text

    if not rows:
        return Text("no KPIs of running services match")
    table = Table(title=f"KPIs of running services on {today.isoformat()}", title_justify="left")
    for header, justify in (
        ("service", "left"), ("KPI", "left"), ("latest", "right"), ("RAG", "left"),
        ("trend", "left"), ("readings", "left"), ("due", "left"),
    ):  # fmt: skip
        table.add_column(header, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    styles = {"red": "bold red", "amber": "bold yellow", "green": "green"}
    for row in rows:
        latest = _number(row["latest"])
        if row["latest"] is not None and row["unit"] == "%":
            latest += "%"
        due = "on time"
        if row["missed"] == 1:
            due = f"overdue {row['last_due']}"
        elif row["missed"]:
            due = f"{row['missed']} missed to {row['last_due']}"
        table.add_row(
            Text(printable(row["service"])),
            Text(printable(row["kpi"])),
            Text(printable(latest)),
            Text(row["rag"] or "-", style=styles.get(row["rag"] or "", "")),
            Text(row["trend"] or "-"),
            Text(", ".join(_number(value) for value in row["recent"]) or "-"),
            Text(due, style="bold red" if row["overdue"] else ""),
        )
    return table
