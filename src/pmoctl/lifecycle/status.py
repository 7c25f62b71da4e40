"""`pmoctl status` (every service, one row each) and `pmoctl show` (one service in full).

Both read the files only (no git): the stage and the date of the last move are in each
service's ``lifecycle``. Renderables are built from ``rich.text.Text`` so that nothing a
user wrote is read as markup.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pmoctl import runtime
from pmoctl.catalogue.files import list_files
from pmoctl.catalogue.lifecycle import CATALOGUE, PIPELINE, RETIRED
from pmoctl.catalogue.loading import load_file
from pmoctl.catalogue.pipeline import load_catalogue
from pmoctl.catalogue.suggest import did_you_mean, unknown_service
from pmoctl.errors import UserError
from pmoctl.gitrepo import check_ids
from pmoctl.lifecycle.record import RecordRefusedError
from pmoctl.output.report import printable
from pmoctl.yaml.loader import LoadError, read_bytes

if TYPE_CHECKING:
    from rich.console import RenderableType

    from pmoctl.catalogue.files import Catalogue
    from pmoctl.catalogue.models import Service

GROUPS = {
    name: tuple(stage.value for stage in stages)
    for name, stages in (("pipeline", PIPELINE), ("catalogue", CATALOGUE), ("retired", RETIRED))
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
        "days_in_stage": max(0, (today - since).days) if since else None,
        "open_risks": sum(1 for risk in service.risks if risk.status in _OPEN_RISK),
        "open_issues": sum(1 for issue in service.issues if issue.status == "open"),
    }


def _pmo_ids(catalogue: Catalogue) -> set[str]:
    organisation = catalogue.organisation
    return {pmo.id for pmo in organisation.pmos} if organisation is not None else set()


def _refuse_unknown(option: str, value: str, known: set[str], what: str) -> None:
    """A filter that names nothing in the catalogue is a typo, not an empty result (exit 2)."""
    if known and value not in known:
        raise UserError(
            f"{option} {printable(value)!r} is not one of the catalogue's {what}",
            hint=did_you_mean(value, known, what),
        )


def status_rows(
    root: Path,
    *,
    stages: list[str] | None = None,
    pmo: str | None = None,
    owner: str | None = None,
    today: dt.date | None = None,
) -> list[dict[str, Any]]:
    """One row per service, in stage order then id; files that do not load are listed too."""
    catalogue, _, _ = load_catalogue(root)
    names = {person.id: person.name for person in _people(catalogue)}
    today = today or runtime.today()
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
        _refuse_unknown("--pmo", pmo, _pmo_ids(catalogue), "PMOs")
        rows = [row for row in rows if pmo in row["pmos"]]
    if owner:
        _refuse_unknown("--owner", owner, set(names), "people")
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
            Text(_one(row["id"])),
            Text(_one(row["stage"] or "?")),
            Text(_one(row["owner_name"] or "-")),
            Text(_list(row["pmos"])),
            Text("-" if row["days_in_stage"] is None else str(row["days_in_stage"])),
            Text("-" if row["open_risks"] is None else str(row["open_risks"])),
            Text("-" if row["open_issues"] is None else str(row["open_issues"])),
        )
    return table


def service_details(root: Path, ident: str, today: dt.date | None = None) -> dict[str, Any]:
    """One service as JSON-ready data, with the names of the people it mentions."""
    check_ids([ident])
    rel = f"services/{ident}.yaml"
    if not os.path.lexists(root / rel):
        raise unknown_service(root, ident)
    loaded = load_file(root, rel, "service")
    if loaded.model is None:
        raise RecordRefusedError(f"{rel} does not validate", findings=loaded.findings)
    service: Service = loaded.model  # type: ignore[assignment]
    organisation = load_file(root, "organisation.yaml", "organisation").model
    people = {p.id: p.name for p in getattr(organisation, "people", [])}
    procedures = []
    for file in list_files(root):
        if file.startswith("procedures/") and ident.encode() in _bytes(root, file):
            procedure: Any = load_file(root, file, "procedure").model
            if procedure is not None and ident in procedure.services:
                procedures.append({"id": procedure.id, "name": procedure.name})
    since = _since(service)
    today = today or runtime.today()
    return {
        "service": service.model_dump(mode="json", by_alias=True, exclude_none=True),
        "people": {key: value for key, value in people.items() if _mentioned(service, key)},
        "procedures": procedures,
        "days_in_stage": max(0, (today - since).days) if since else None,
    }


def _bytes(root: Path, rel: str) -> bytes:
    try:
        return read_bytes(root, rel)
    except LoadError:  # validate reports it
        return b""


def _mentioned(service: Service, person: str) -> bool:
    return person in service.model_dump_json()


def _one(value: Any) -> str:
    """A value on one line, every control character escaped."""
    return printable(_number(value) if isinstance(value, float) else str(value))


def _lines(value: str) -> str:
    """Free text (a description, a note): its line breaks kept, every other control escaped."""
    return "\n".join(printable(line) for line in value.strip("\n").split("\n"))


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() else str(value)


def _list(values: list[Any], sep: str = ", ") -> str:
    return sep.join(_one(value) for value in values) or "-"


def _signed(signature: str) -> str:
    """A decision's SSH signature, shortened to its first and last eight characters: the whole
    base64 text is hundreds of characters long, and `pmoctl verify` is what checks it."""
    return f"signed ({_one(signature[:8])}...{_one(signature[-8:])})"


def _signature(record: dict[str, Any], key: str = "signature") -> Rows:
    return [("  signature", _signed(record[key]))] if key in record else []


def _action(action: dict[str, Any], who: Any) -> tuple[str, str]:
    done = ", done" if action.get("done") else ""
    text = f"{_one(action['action'])}: {who(action['owner'])}, due {_one(action['due'])}"
    return ("  action", text + done)


Rows = list[tuple[str, str]]


def service_view(details: dict[str, Any]) -> RenderableType:
    """The service for a terminal: headed sections, each a small table, with every field
    the service records (its format version and kind aside)."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    data = details["service"]
    people: dict[str, str] = details["people"]

    def who(person: str | None) -> str:
        return f"{_one(people.get(person, person))} ({_one(person)})" if person else "-"

    def section(title: str, rows: Rows, empty: str = "") -> Table | None:
        if not rows and not empty:
            return None
        table = Table(title=title, title_justify="left", show_header=False, box=None)
        table.add_column(style="bold")
        table.add_column()
        for key, value in rows or [("-", empty)]:
            table.add_row(Text(key), Text(value))
        return table

    lifecycle = data["lifecycle"]
    days = details["days_in_stage"]
    header = Text.assemble(
        (_one(data["name"]), "bold"), f"  ({_one(data['id'])})\n", f"{_one(data['category'])}; ",
        (_one(lifecycle["stage"]), "bold cyan"), f" for {days} days" if days is not None else "",
        "\n", _one(data["summary"]),
    )  # fmt: skip
    sections = [
        section("About", _about(data)),
        section("Delivery and funding", _delivery(data)),
        section("Needs", _needs(data)),
        section("Strategy", _strategy(data)),
        section("Roles", _roles(data, who), "no one yet"),
        section("Appointments", _appointments(data, who)),
        section("Service levels", [(_one(s["name"]), _one(s["target"]))
                                   for s in data.get("service_levels", [])]),  # fmt: skip
        section("Processes (SIPOC)", _processes(data), "none yet"),
        section("Handbook procedures",
                [(_one(p["id"]), _one(p["name"])) for p in details["procedures"]], "none yet"),
        section("KPIs", _kpis(data, who), "none yet"),
        section("Risks and issues", _risks(data, who), "none"),
        section("Change requests", _changes(data, who)),
        section("Service reviews", _reviews(data, who)),
        section("Demand", _demand(data, who)),
        section("Testing and pilot", _testing(data, who)),
        section("Lifecycle", _moves(lifecycle, who), "no moves recorded"),
    ]  # fmt: skip
    return Group(Panel(header), *(part for part in sections if part is not None))


def _about(data: dict[str, Any]) -> Rows:
    rows: Rows = []
    if data.get("description"):
        rows.append(("description", _lines(data["description"])))
    rows += [("scope", _one(data["scope"]))]
    rows += [("outcome", _lines(data["outcome"]) if data.get("outcome") else "-")]
    rows += [("outputs", _list(data.get("outputs", []), "; "))]
    rows += [("customers", _list(data.get("customers", [])))]
    if data.get("stakeholders"):
        rows.append(("stakeholders", _list(data["stakeholders"])))
    if data.get("request"):
        rows.append(("how to request", _lines(data["request"])))
    rows += [("link", _one(link)) for link in data.get("links", [])]
    if data.get("supersedes"):
        rows.append(("supersedes", _list(data["supersedes"])))
    temporary = data.get("temporary")
    if temporary is not None:
        supports = f"supports {_one(temporary['supports'])}" if "supports" in temporary else ""
        until = f"until {_one(temporary['end_date'])}" if "end_date" in temporary else ""
        rows.append(("temporary", " ".join(part for part in (supports, until) if part) or "yes"))
    return rows


def _delivery(data: dict[str, Any]) -> Rows:
    delivery = data["delivery"]
    sourcing = delivery.get("sourcing", {})
    rows = [("delivered by", _list(delivery["pmos"]))]
    rows += [("sourcing", _one(sourcing.get("model", "internal")))]
    if "supplier" in sourcing:
        rows.append(("supplier", _one(sourcing["supplier"])))
    if "outsourced_part" in sourcing:
        rows.append(("outsourced part", _lines(sourcing["outsourced_part"])))
    funding = data.get("funding")
    if funding is not None:
        rows.append(("funding", _one(funding["model"])))
        if "annual_budget" in funding:
            currency = f" {_one(funding['currency'])}" if "currency" in funding else ""
            rows.append(("annual budget", _one(funding["annual_budget"]) + currency))
        elif "currency" in funding:
            rows.append(("currency", _one(funding["currency"])))
        if "recharge_basis" in funding:
            rows.append(("recharge basis", _lines(funding["recharge_basis"])))
        rows += _recharge(funding)
        currency = f" {_one(funding['currency'])}" if "currency" in funding else ""
        rows += [
            ("actual", f"{_one(actual['period'])}: {_one(actual['amount'])}{currency}")
            for actual in funding.get("actuals", [])
        ]
    return rows


def _recharge(funding: dict[str, Any]) -> Rows:
    terms = funding.get("recharge")
    if terms is None:
        return []
    text = f"{_one(terms['share'])}% of the cost"
    if "volume" in terms:
        text += f", by the readings of {_one(terms['volume'])}"
    if "rate" in terms:
        currency = f" {_one(funding['currency'])}" if "currency" in funding else ""
        text += f" at {_one(terms['rate'])}{currency} each"
    rows = [("recharge", text)]
    split = terms.get("split", {})
    if split:
        shares = (f"{_one(group)} {_one(share)}%" for group, share in split.items())
        rows.append(("recharge split", ", ".join(shares)))
    return rows


def _needs(data: dict[str, Any]) -> Rows:
    needs = data.get("needs", {})
    rows = [(key, _list(needs[key], "; ")) for key in ("competence", "governance",
            "infrastructure") if needs.get(key)]  # fmt: skip
    rows += [("capacity", f"{_one(need['pmo'])}: {_one(need['fte'])} FTE")
             for need in needs.get("capacity", [])]  # fmt: skip
    return rows


def _strategy(data: dict[str, Any]) -> Rows:
    strategy = data.get("strategy", {})
    rows = [("objectives", _list(strategy["objectives"]))] if strategy.get("objectives") else []
    scores = strategy.get("scores", {})
    if scores:
        rows.append(("scores", ", ".join(f"{_one(k)}: {_one(v)}" for k, v in scores.items())))
    return rows


def _roles(data: dict[str, Any], who: Any) -> Rows:
    roles = data.get("roles", {})
    rows = [("owner", who(roles["owner"]))] if roles.get("owner") else []
    for manager in roles.get("managers", []):
        pmo = f", for {_one(manager['pmo'])}" if "pmo" in manager else ""
        rows.append(("manager", who(manager["person"]) + pmo))
    rows += [("operative", who(person)) for person in roles.get("operatives", [])]
    return rows


def _appointments(data: dict[str, Any], who: Any) -> Rows:
    rows: Rows = []
    for record in data.get("roles", {}).get("appointments", []):
        done = "removed" if record.get("removed") else "appointed"
        rows.append((_one(record["date"]), f"{_one(record['role'])} {who(record['person'])} "
                     f"{done} by {who(record['approved_by'])}"))  # fmt: skip
        if "pmo" in record:
            rows.append(("  for PMO", _one(record["pmo"])))
        for key, label in (("agreed_with", "  agreed with"), ("replaces", "  replaces")):
            if key in record:
                rows.append((label, who(record[key])))
        if "note" in record:
            rows.append(("  note", _lines(record["note"])))
        rows += _signature(record)
    return rows


def _processes(data: dict[str, Any]) -> Rows:
    rows: Rows = []
    for process in data.get("processes", []):
        rows.append((_one(process["id"]), _one(process["name"])))
        rows.append(("  suppliers", _list(process["suppliers"])))
        for item in process["inputs"]:
            text = _one(item["name"]) + (" (trigger)" if item.get("trigger") else "")
            if "source" in item:
                text += f", from {_one(item['source']['service'])}: "
                text += _one(item["source"]["output"])
            rows.append(("  input", text + _quality(item)))
        rows.append(("  steps", " -> ".join(_one(step) for step in process["steps"])))
        rows += [("  output", _one(item["name"]) + _quality(item)) for item in process["outputs"]]
        rows.append(("  customers", _list(process["customers"])))
    return rows


def _quality(item: dict[str, Any]) -> str:
    return f"; quality: {_list(item['quality'], '; ')}" if item.get("quality") else ""


def _kpis(data: dict[str, Any], who: Any) -> Rows:
    rows: Rows = []
    for kpi in data.get("kpis", []):
        unit = _one(kpi["unit"])
        target = f"target {_one(kpi['target'])} {unit}" if "target" in kpi else "no target"
        rows.append((_one(kpi["id"]), f"{_one(kpi['name'])}: {target}"))
        rows.append(("  measure", f"{_lines(kpi['measure'])} (in {unit})"))
        rows.append(("  reported", f"{_one(kpi['frequency'])}, {_one(kpi['direction'])}"))
        if "thresholds" in kpi:
            green, amber = kpi["thresholds"]["green"], kpi["thresholds"]["amber"]
            rows.append(("  thresholds", f"green {_one(green)}, amber {_one(amber)}"))
        if "reported_by" in kpi:
            rows.append(("  reported by", who(kpi["reported_by"])))
        for reading in kpi.get("readings", []):
            note = f" ({_one(reading['note'])})" if "note" in reading else ""
            by = f", by {who(reading['reported_by'])}" if "reported_by" in reading else ""
            text = f"{_one(reading['date'])}: {_one(reading['value'])}{note}{by}"
            rows.append(("  reading", text))
            rows += _signature(reading)
        if not kpi.get("readings"):
            rows.append(("  reading", "none yet"))
    return rows


def _escalation(item: dict[str, Any], who: Any) -> Rows:
    rows = [("  owner", who(item["owner"]))] if "owner" in item else []
    if "escalated_to" in item:
        rows.append(("  escalated to", _one(item["escalated_to"])))
    return rows


def _risks(data: dict[str, Any], who: Any) -> Rows:
    rows: Rows = []
    for risk in data.get("risks", []):
        rows.append((_one(risk["id"]), f"[{_one(risk['status'])}] {_one(risk['title'])} "
                     f"({_one(risk['likelihood'])}/{_one(risk['impact'])})"))  # fmt: skip
        rows += _escalation(risk, who)
        if "mitigation" in risk:
            rows.append(("  mitigation", _lines(risk["mitigation"])))
        if "review_by" in risk:
            rows.append(("  review by", _one(risk["review_by"])))
    for issue in data.get("issues", []):
        rows.append((_one(issue["id"]), f"[{_one(issue['status'])}] {_one(issue['title'])}, "
                     f"raised {_one(issue['raised'])}"))  # fmt: skip
        rows += _escalation(issue, who)
        if "kpi" in issue:
            rows.append(("  red KPI", _one(issue["kpi"])))
        rows += [_action(action, who) for action in issue.get("actions", [])]
    return rows


def _changes(data: dict[str, Any], who: Any) -> Rows:
    rows: Rows = []
    for change in data.get("change_requests", []):
        kind = " (improvement)" if change.get("kind") == "improvement" else ""
        rows.append(
            (_one(change["id"]), f"[{_one(change['status'])}] {_one(change['title'])}{kind}")
        )
        if "reason" in change:
            rows.append(("  why", _one(change["reason"])))
        if "description" in change:
            rows.append(("  description", _lines(change["description"])))
        rows.append(("  requested", f"by {who(change['requested_by'])} on {_one(change['date'])}"))
        impact = change.get("impact") or {}
        for document in ("strategy", "catalogue", "handbook"):
            if document in impact:
                rows.append((f"  {document}", _lines(impact[document])))
        decider = change.get("decided_by") or change.get("approved_by")
        if decider is not None:
            when = f" on {_one(change['decided'])}" if "decided" in change else ""
            rows.append(("  decided", f"by {who(decider)}{when}"))
        if "decision_note" in change:
            rows.append(("  decision", _lines(change["decision_note"])))
        rows += _signature(change, "decision_signature")
        if "implemented_by" in change:
            when = f" on {_one(change['implemented'])}" if "implemented" in change else ""
            rows.append(("  implemented", f"by {who(change['implemented_by'])}{when}"))
        elif "implemented" in change:
            rows.append(("  implemented", f"on {_one(change['implemented'])}"))
        rows += _signature(change, "implementation_signature")
    return rows


def _reviews(data: dict[str, Any], who: Any) -> Rows:
    rows: Rows = []
    if "review_cadence" in data:
        rows.append(("cadence", _one(data["review_cadence"])))
    for review in data.get("reviews", []):
        rows.append((_one(review["date"]), ", ".join(who(p) for p in review["attendees"])))
        if "approved_by" in review:
            rows.append(("  approved by", who(review["approved_by"])))
        rows.append(("  KPIs", _lines(review["kpi_summary"])))
        rows += [("  decision", _one(decision)) for decision in review.get("decisions", [])]
        rows += [_action(action, who) for action in review.get("actions", [])]
        rows += _signature(review)
    return rows


def _demand(data: dict[str, Any], who: Any) -> Rows:
    demand = data.get("demand", {})
    rows: Rows = []
    if "requested_by" in demand:
        rows.append(("requested by", who(demand["requested_by"])))
    if "requested" in demand:
        rows.append(("requested", _one(demand["requested"])))
    if "customer" in demand:
        rows.append(("customer", _one(demand["customer"])))
    if "expected_outcome" in demand:
        rows.append(("expected outcome", _lines(demand["expected_outcome"])))
    return rows


def _testing(data: dict[str, Any], who: Any) -> Rows:
    testing = data.get("testing", {})
    rows: Rows = []
    for criterion in testing.get("success_criteria", []):
        rows.append((_one(criterion["id"]), _one(criterion["criterion"])))
        rows.append(("  agreed with", _list(criterion["agreed_with"])))
    participants = testing.get("participants", {})
    for key in ("suppliers", "customers"):
        if participants.get(key):
            rows.append((f"pilot {key}", _list(participants[key])))
    rows += [("pilot operative", who(person)) for person in participants.get("operatives", [])]
    for result in testing.get("results", []):
        when = f" on {_one(result['date'])}" if "date" in result else ""
        note = f" ({_one(result['note'])})" if "note" in result else ""
        met = "met" if result["met"] else "not met"
        rows.append(("result", f"{_one(result['criterion'])}: {met}{when}{note}"))
    return rows


def _moves(lifecycle: dict[str, Any], who: Any) -> Rows:
    rows: Rows = []
    for move in lifecycle.get("moves", []):
        rows.append((_one(move["date"]), f"{_one(move['from'])} -> {_one(move['to'])}, "
                     f"approved by {who(move['approved_by'])}"))  # fmt: skip
        for key in ("reason", "superseded_by", "rollout"):
            if key in move:
                rows.append((f"  {key.replace('_', ' ')}", _one(move[key])))
        if "communication" in move:
            rows.append(("  communication", _lines(move["communication"])))
        readiness = move.get("readiness")
        if isinstance(readiness, str):
            rows.append(("  readiness", _lines(readiness)))
        elif readiness is not None:
            rows += [
                (f"  readiness: {_one(area)}", _lines(text)) for area, text in readiness.items()
            ]
        if "closes" in move:
            rows.append(("  closes", _one(move["closes"])))
        if move.get("capacity_waived"):
            rows.append(("  capacity", "waived by the PMO Director"))
        if move.get("waived_criteria"):
            rows.append(("  criteria waived", _list(move["waived_criteria"])))
        if "success_criteria_met" in move:
            met = "yes" if move["success_criteria_met"] else "no"
            rows.append(("  success criteria met", met))
        if "note" in move:
            rows.append(("  note", _lines(move["note"])))
        if "superseded_by" in move:
            rows.append(("  superseded by", _one(move["superseded_by"])))
        if "communication" in move:
            rows.append(("  communication", _lines(move["communication"])))
        rows += _artefacts(move, who)
        rows += _signature(move)
    return rows


def _artefacts(move: dict[str, Any], who: Any) -> Rows:
    review = move.get("artefact_review")
    if review is None:
        return []
    rows = [("  artefacts reviewed by", who(review["reviewed_by"]))]
    for artefact in review.get("artefacts", []):
        where = f", in {_one(artefact['location'])}" if "location" in artefact else ""
        rows.append(("  artefact", f"{_one(artefact['name'])}: {_one(artefact['fate'])}{where}"))
    if review.get("kept") or review.get("discarded") or not review.get("artefacts"):
        # the earlier form, or an empty review
        rows.append(("  kept", _list(review.get("kept", []), "; ")))
        rows.append(("  discarded", _list(review.get("discarded", []), "; ")))
    return rows
