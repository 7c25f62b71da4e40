"""`pmoctl status` (every service, one row each) and `pmoctl show` (one service in full).

Both read the files only (no git): the stage and the date of the last move are in each
service's ``lifecycle``. Renderables are built from ``rich.text.Text`` so that nothing a
user wrote is read as markup.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pmoctl.errors import UserError

if TYPE_CHECKING:
    from rich.console import RenderableType

    from pmoctl.catalogue.models import Service

GROUPS = {
    "pipeline": ("proposed", "design", "pilot", "transition"),
    "catalogue": ("running",),
    "retired": ("closing", "closed"),
}
_GROUP_OF = {stage: group for group, stages in GROUPS.items() for stage in stages}
_ORDER = [stage for stages in GROUPS.values() for stage in stages]
_OPEN_RISK = ("open", "mitigating")


def _since(service: Service) -> dt.date | None:
    moves = service.lifecycle.moves
    if moves and moves[-1].to is service.lifecycle.stage:
        return moves[-1].date
    return None


def _row(service: Service, names: dict[str, str], today: dt.date) -> dict[str, Any]:
    stage = service.lifecycle.stage.value
    since = _since(service)
    owner = service.roles.owner
    return {
        "id": service.id,
        "name": service.name,
        "stage": stage,
        "group": _GROUP_OF[stage],
        "owner": owner,
        "owner_name": names.get(owner, owner) if owner else None,
        "pmos": list(service.delivery.pmos),
        "since": since.isoformat() if since else None,
        "days_in_stage": (today - since).days if since else None,
        "open_risks": sum(1 for risk in service.risks if risk.status in _OPEN_RISK),
        "open_issues": sum(1 for issue in service.issues if issue.status == "open"),
    }


def status_rows(
    root: Path,
    *,
    stages: list[str] | None = None,
    pmo: str | None = None,
    owner: str | None = None,
    today: dt.date | None = None,
) -> list[dict[str, Any]]:
    """One row per service, in stage order then id; files that do not load are listed too."""
    from pmoctl.catalogue.pipeline import load_catalogue

    catalogue, _, _ = load_catalogue(root)
    names = {person.id: person.name for person in _people(catalogue)}
    today = today or dt.date.today()
    rows = [_row(service, names, today) for service in catalogue.services.values()]
    loaded = {row["id"] for row in rows}
    for ident in sorted(catalogue.service_ids - loaded):
        rows.append(
            {"id": ident, "name": None, "stage": None, "group": "invalid", "owner": None,
             "owner_name": None, "pmos": [], "since": None, "days_in_stage": None,
             "open_risks": None, "open_issues": None}
        )  # fmt: skip
    if stages:
        rows = [row for row in rows if row["stage"] in stages]
    if pmo:
        rows = [row for row in rows if pmo in row["pmos"]]
    if owner:
        rows = [row for row in rows if row["owner"] == owner]
    position = {stage: index for index, stage in enumerate(_ORDER)}
    return sorted(rows, key=lambda row: (position.get(row["stage"], len(_ORDER)), row["id"]))


def _people(catalogue: Any) -> list[Any]:
    return list(catalogue.organisation.people) if catalogue.organisation else []


def status_table(rows: list[dict[str, Any]]) -> RenderableType:
    """A table grouped by pipeline / catalogue / retired (and invalid files last)."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Services", title_justify="left", show_lines=False)
    for header, justify in (
        ("service", "left"), ("stage", "left"), ("owner", "left"), ("PMO", "left"),
        ("days in stage", "right"), ("open risks", "right"), ("open issues", "right"),
    ):  # fmt: skip
        table.add_column(header, justify=justify, no_wrap=header == "service")  # type: ignore[arg-type]
    if not rows:
        return Text("no services match")
    group = None
    for row in rows:
        if row["group"] != group:
            if group is not None:
                table.add_section()
            group = row["group"]
            title = group if group != "invalid" else "invalid files (run pmoctl validate)"
            table.add_row(Text(title, style="bold"))
        table.add_row(
            Text(row["id"]),
            Text(row["stage"] or "?"),
            Text(row["owner_name"] or "-"),
            Text(", ".join(row["pmos"]) or "-"),
            Text("-" if row["days_in_stage"] is None else str(row["days_in_stage"])),
            Text("-" if row["open_risks"] is None else str(row["open_risks"])),
            Text("-" if row["open_issues"] is None else str(row["open_issues"])),
        )
    return table


def service_details(root: Path, ident: str, today: dt.date | None = None) -> dict[str, Any]:
    """One service as JSON-ready data, with the names of the people it mentions."""
    from pmoctl.catalogue.files import list_files
    from pmoctl.catalogue.pipeline import load_file
    from pmoctl.gitrepo import check_ids
    from pmoctl.lifecycle.transition import MoveRefusedError

    check_ids([ident])
    rel = f"services/{ident}.yaml"
    if not (root / rel).exists():
        raise UserError(f"no service {ident!r} (no {rel})")
    loaded = load_file(root, rel, "service")
    if loaded.model is None:
        raise MoveRefusedError(f"{rel} does not validate", findings=loaded.findings)
    service: Service = loaded.model  # type: ignore[assignment]
    organisation = load_file(root, "organisation.yaml", "organisation").model
    people = {p.id: p.name for p in getattr(organisation, "people", [])}
    procedures = []
    for file in list_files(root):
        if file.startswith("procedures/") and ident.encode() in _bytes(root / file):
            procedure: Any = load_file(root, file, "procedure").model
            if procedure is not None and ident in procedure.services:
                procedures.append({"id": procedure.id, "name": procedure.name})
    since = _since(service)
    today = today or dt.date.today()
    return {
        "service": service.model_dump(mode="json", by_alias=True, exclude_none=True),
        "people": {key: value for key, value in people.items() if _mentioned(service, key)},
        "procedures": procedures,
        "days_in_stage": (today - since).days if since else None,
    }


def _bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _mentioned(service: Service, person: str) -> bool:
    return person in service.model_dump_json()


def service_view(details: dict[str, Any]) -> RenderableType:
    """The service for a terminal: headed sections, each a small table."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    data = details["service"]
    people: dict[str, str] = details["people"]

    def who(person: str | None) -> str:
        return f"{people.get(person, person)} ({person})" if person else "-"

    def section(title: str, rows: list[tuple[str, str]]) -> Table:
        table = Table(title=title, title_justify="left", show_header=False, box=None)
        table.add_column(style="bold")
        table.add_column()
        for key, value in rows:
            table.add_row(Text(key), Text(value))
        return table

    lifecycle = data["lifecycle"]
    days = details["days_in_stage"]
    header = Text.assemble(
        (data["name"], "bold"), f"  ({data['id']})\n", f"{data['category']}; ",
        (lifecycle["stage"], "bold cyan"), f" for {days} days" if days is not None else "",
        "\n", data["summary"],
    )  # fmt: skip
    parts: list[Any] = [Panel(header)]
    about = [("scope", data["scope"]), ("outcome", data.get("outcome", "-"))]
    about += [("outputs", "; ".join(data.get("outputs", [])) or "-")]
    about += [("customers", ", ".join(data.get("customers", [])) or "-")]
    about += [("delivered by", ", ".join(data["delivery"]["pmos"]))]
    about += [("sourcing", data["delivery"].get("sourcing", {}).get("model", "internal"))]
    if data.get("description"):
        about.insert(0, ("description", data["description"].strip()))
    parts.append(section("About", about))
    roles = data.get("roles", {})
    role_rows = [("owner", who(roles.get("owner")))]
    role_rows += [("manager", who(m["person"])) for m in roles.get("managers", [])]
    role_rows += [("operative", who(p)) for p in roles.get("operatives", [])]
    parts.append(section("Roles", role_rows))
    processes = [
        (p["id"], f"{p['name']}: " + " -> ".join(p["steps"])) for p in data.get("processes", [])
    ]
    parts.append(section("Processes (SIPOC)", processes or [("-", "none yet")]))
    procedures = [(p["id"], p["name"]) for p in details["procedures"]]
    parts.append(section("Handbook procedures", procedures or [("-", "none yet")]))
    kpis = []
    for kpi in data.get("kpis", []):
        latest = kpi.get("readings", [])[-1:] or [{}]
        reading = (
            f"latest {latest[0]['value']:g} on {latest[0]['date']}" if latest[0] else "no readings"
        )
        target = f"target {kpi['target']:g} {kpi['unit']}" if "target" in kpi else "no target"
        kpis.append((kpi["id"], f"{kpi['name']}: {target}, {reading}"))
    parts.append(section("KPIs", kpis or [("-", "none yet")]))
    risks = [(r["id"], f"[{r['status']}] {r['title']} ({r['likelihood']}/{r['impact']})")
             for r in data.get("risks", [])]  # fmt: skip
    risks += [(i["id"], f"[{i['status']}] {i['title']}") for i in data.get("issues", [])]
    parts.append(section("Risks and issues", risks or [("-", "none")]))
    moves = []
    for move in lifecycle.get("moves", []):
        extra = "; ".join(
            f"{key}: {move[key]}" for key in ("reason", "rollout", "note") if key in move
        )
        moves.append((move["date"], f"{move['from']} -> {move['to']}, approved by "
                      f"{who(move['approved_by'])}" + (f"; {extra}" if extra else "")))  # fmt: skip
    parts.append(section("Lifecycle", moves or [("-", "no moves recorded")]))
    return Group(*parts)
