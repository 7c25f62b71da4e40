"""Generate the key tables of docs/format.md from the models' JSON Schemas.

    python docs/gen_format.py           rewrite the tables in docs/format.md
    python docs/gen_format.py --check   exit 1 if they are stale (tests/test_schemas.py)

Types, required keys, allowed values and defaults come from the schemas that
``pmoctl schema`` writes, so they cannot drift from the models. The meaning of each key
is written here, in :data:`MEANINGS`; a key the models gain without a meaning stops the
generator (and the test), so the documentation follows every change of the format.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

DOC = Path(__file__).resolve().parent / "format.md"
BEGIN = "<!-- BEGIN GENERATED: {name} (docs/gen_format.py) -->"
END = "<!-- END GENERATED: {name} -->"
ID = "^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"

#: "kind:path" (or "*:path" for every kind) -> what the key means
MEANINGS: dict[str, str] = {
    "*:format": "The catalogue format version of this file. Always `1` in this version.",
    "*:kind": "What the file is; must match its place in the catalogue.",
    # config (pmoctl.yaml)
    "config:name": "The catalogue's name, shown in reports and on the rendered site.",
    "config:rules": "Severity overrides by rule id (`pmoctl rules` lists them): `error`, "
    "`warning` or `off`, or a mapping with `severity`.",
    "config:rules{}.severity": "The severity of that rule's findings in this catalogue.",
    "config:render": "Settings of `pmoctl render`.",
    "config:render.templates": "A folder, relative to the catalogue, whose templates replace "
    "the built-in ones of the same name.",
    "config:render.title": "The title of the rendered site (default: `name`).",
    "config:max_file_bytes": "The largest file pmoctl reads, in bytes (finding FILE-SIZE).",
    # organisation.yaml
    "organisation:name": "The organisation's name.",
    "organisation:pmos": "The PMOs (and SMOs, Centres of Excellence ...) that deliver services.",
    "organisation:pmos[].id": "The PMO's id, used in services and by people.",
    "organisation:pmos[].name": "The PMO's name.",
    "organisation:pmos[].kind": "What sort of office it is.",
    "organisation:pmos[].structure": "Whether its people report to it (centralised) or to "
    "the departments they serve (decentralised).",
    "organisation:pmos[].capacity_fte": "What the PMO can commit to its services, in "
    "full-time equivalents; the services' `needs.capacity` must fit in it.",
    "organisation:pmos[].parent": "The PMO this one reports to.",
    "organisation:pmos[].description": "What the PMO is for.",
    "organisation:people": "Everyone named anywhere in the catalogue: owners, managers, "
    "operatives, approvers, RACI parties.",
    "organisation:people[].id": "The person's id, used everywhere else in the catalogue.",
    "organisation:people[].name": "Full name.",
    "organisation:people[].role": "Job role; decides which service roles and lifecycle "
    "approvals the person may hold.",
    "organisation:people[].pmo": "The PMO the person works in; none for people outside the PMOs.",
    "organisation:people[].email": "E-mail address.",
    "organisation:people[].git": "The git identity of the person's commits, so that "
    "commits and approvals can be tied to them.",
    "organisation:people[].git.name": "`user.name` in git.",
    "organisation:people[].git.email": "`user.email` in git.",
    "organisation:people[].handle": "Handle on the code-hosting site (`@user` or "
    "`@org/team`), used by `pmoctl codeowners`. Quote it: `@` starts no plain YAML value.",
    "organisation:groups": "Customer and stakeholder groups, named by services.",
    "organisation:groups[].id": "The group's id.",
    "organisation:groups[].name": "The group's name.",
    "organisation:groups[].kind": "Whether services may list it as customer, stakeholder or both.",
    "organisation:groups[].description": "Who is in the group.",
    "organisation:glossary": "The shared vocabulary of the PMOs and SMOs.",
    "organisation:glossary[].term": "The term.",
    "organisation:glossary[].definition": "What it means here.",
    "organisation:glossary[].aliases": "Other words for the same thing.",
    # strategy.yaml
    "strategy:title": "The strategy's title.",
    "strategy:owner": "A PMO Director (person id).",
    "strategy:vision": "The PMO vision.",
    "strategy:objectives": "The organisation's strategic objectives that services serve.",
    "strategy:objectives[].id": "The objective's id, named in services' `strategy.objectives`.",
    "strategy:objectives[].title": "The objective, in a line.",
    "strategy:objectives[].description": "More about it.",
    "strategy:prioritisation": "How requested services are prioritised.",
    "strategy:prioritisation.criteria": "The criteria a requested service is scored on.",
    "strategy:prioritisation.criteria[].id": "The criterion's id, a key of services' "
    "`strategy.scores`.",
    "strategy:prioritisation.criteria[].name": "The criterion.",
    "strategy:prioritisation.criteria[].weight": "Its weight in the overall score.",
    "strategy:prioritisation.criteria[].description": "How to score it.",
    "strategy:prioritisation.scale": "Scores run from 1 to this number.",
    "strategy:prioritisation.notes": "How and when prioritisation is done.",
    "strategy:funding": "Principles for funding the services.",
    "strategy:funding.principles": "The funding principles, one per item.",
    "strategy:funding.recharge": "Whether and how services are recharged.",
    "strategy:funding.recharge.enabled": "Whether any service is recharged.",
    "strategy:funding.recharge.principles": "The recharging principles.",
    "strategy:resourcing": "Principles for applying resources to services.",
    # handbook.yaml
    "handbook:title": "The handbook's title.",
    "handbook:owner": "A PMO Manager (person id).",
    "handbook:purpose": "What the handbook covers.",
    # procedures/<id>.yaml
    "procedure:id": "The procedure's id; the file is `procedures/<id>.yaml`.",
    "procedure:name": "The procedure's name.",
    "procedure:purpose": "What it achieves and when it is used.",
    "procedure:category": "Delivering services, monitoring them, monitoring the PMO's own "
    "performance, recharging, or governance.",
    "procedure:services": "The services this procedure supports. A service in pilot or "
    "later needs at least one supporting procedure.",
    "procedure:monitors": "KPIs this procedure reports.",
    "procedure:monitors[].service": "The service (id).",
    "procedure:monitors[].kpi": "The KPI's id in that service.",
    "procedure:activities": "The activities, in order.",
    "procedure:activities[].id": "The activity's id, unique in the procedure.",
    "procedure:activities[].name": "The activity.",
    "procedure:activities[].description": "How it is done.",
    "procedure:activities[].raci": "Party to letters: a person id or a job role, mapped to "
    "`R`, `A`, `C`, `I` or `AR`. Exactly one A (or AR) and at least one R per activity.",
    "procedure:activities[].tools": "Tools and techniques used.",
    # services/<id>.yaml
    "service:id": "The service's id; the file is `services/<id>.yaml`.",
    "service:name": "The service's name.",
    "service:category": "A category to group services in the catalogue.",
    "service:summary": "What the service gives its customers, in a sentence.",
    "service:description": "More about it.",
    "service:outputs": "What the service produces.",
    "service:outcome": "What the organisation gets from it.",
    "service:customers": "Customer groups (ids from organisation.yaml).",
    "service:stakeholders": "Stakeholder groups (ids).",
    "service:scope": "What the service covers.",
    "service:delivery": "Who delivers the service.",
    "service:delivery.pmos": "The PMOs that deliver it (ids).",
    "service:delivery.sourcing": "Whether any of it is outsourced.",
    "service:delivery.sourcing.model": "Internal, partly or wholly outsourced.",
    "service:delivery.sourcing.supplier": "Who it is outsourced to (required unless internal).",
    "service:delivery.sourcing.outsourced_part": "Which part is outsourced.",
    "service:roles": "The service roles.",
    "service:roles.owner": "Service Owner (person id): accountable for setting up, running "
    "and closing it; typically a PMO Director or PMO Manager. Approves most lifecycle moves.",
    "service:roles.managers": "Service Managers: run it day to day and report its KPIs; one "
    "per delivering PMO when several deliver it.",
    "service:roles.managers[].person": "The manager (person id); typically a PMO Manager or "
    "PMO Analyst.",
    "service:roles.managers[].pmo": "The PMO this manager manages it for (one of `delivery.pmos`).",
    "service:roles.operatives": "Service Operatives (person ids): carry out its processes.",
    "service:needs": "What the service needs to be delivered.",
    "service:needs.competence": "Competences needed.",
    "service:needs.governance": "Governance needed.",
    "service:needs.infrastructure": "Tools and infrastructure needed.",
    "service:needs.capacity": "Capacity needed from each PMO.",
    "service:needs.capacity[].pmo": "The PMO (id).",
    "service:needs.capacity[].fte": "Full-time equivalents committed by that PMO.",
    "service:funding": "How the service is paid for.",
    "service:funding.model": "Central, recharged, funded by projects, or a mix.",
    "service:funding.annual_budget": "Annual budget, in `currency`.",
    "service:funding.currency": "ISO 4217 code, e.g. `GBP`.",
    "service:funding.recharge_basis": "How recharges are worked out.",
    "service:temporary": "Present only on a temporary supporting service.",
    "service:temporary.supports": "The service it supports (id).",
    "service:temporary.end_date": "When it is agreed to stop.",
    "service:strategy": "How the service fits the strategy, for decisions on it.",
    "service:strategy.objectives": "Objectives it serves (ids from strategy.yaml).",
    "service:strategy.scores": "Criterion id to a score from 1 to the strategy's `scale`.",
    "service:request": "How a customer requests the service.",
    "service:links": "Further reading (`https://` or `mailto:`).",
    "service:service_levels": "The service levels customers can expect.",
    "service:service_levels[].name": "What is promised.",
    "service:service_levels[].target": "The level, in words.",
    "service:processes": "The processes that underpin the service, each a SIPOC row.",
    "service:processes[].id": "The process's id, unique in the service.",
    "service:processes[].name": "The process.",
    "service:processes[].suppliers": "Roles or systems that provide its inputs.",
    "service:processes[].inputs": "What it transforms, consumes or uses.",
    "service:processes[].inputs[].name": "The input.",
    "service:processes[].inputs[].quality": "Quality criteria of the input.",
    "service:processes[].inputs[].trigger": "Whether this input starts the process.",
    "service:processes[].inputs[].source": "Another service's output that is this input; "
    "these links form the dependency graph, which must have no cycles.",
    "service:processes[].inputs[].source.service": "The service that produces it (id).",
    "service:processes[].inputs[].source.output": "The `name` of an output of one of that "
    "service's processes.",
    "service:processes[].steps": "The steps, in order.",
    "service:processes[].outputs": "What the process creates.",
    "service:processes[].outputs[].name": "The output; other services' inputs refer to it "
    "by this name.",
    "service:processes[].outputs[].quality": "Quality criteria of the output.",
    "service:processes[].customers": "Roles or systems that receive its outputs.",
    "service:kpis": "Key performance indicators.",
    "service:kpis[].id": "The KPI's id, unique in the service.",
    "service:kpis[].name": "The KPI.",
    "service:kpis[].measure": "What is measured and how.",
    "service:kpis[].unit": "The unit of the values, e.g. `%` (quote it) or `working days`.",
    "service:kpis[].target": "The target value; required for every KPI of a running service.",
    "service:kpis[].direction": "Whether higher or lower values are better.",
    "service:kpis[].frequency": "How often it is reported.",
    "service:kpis[].thresholds": "Where green and amber start: for higher-is-better, "
    "`green` >= `amber`; for lower-is-better, `green` <= `amber`.",
    "service:kpis[].thresholds.green": "At or beyond this value the KPI is green.",
    "service:kpis[].thresholds.amber": "At or beyond this value (and short of green) it is "
    "amber; otherwise red.",
    "service:kpis[].reported_by": "Who reports it (person id), usually a Service Manager.",
    "service:kpis[].readings": "Reported values over time.",
    "service:kpis[].readings[].date": "The end of the period the value is for.",
    "service:kpis[].readings[].value": "The value, in `unit`.",
    "service:kpis[].readings[].note": "A short comment.",
    "service:risks": "Risks to the service.",
    "service:risks[].id": "The risk's id, unique in the service.",
    "service:risks[].title": "The risk.",
    "service:risks[].likelihood": "How likely it is.",
    "service:risks[].impact": "How bad it would be.",
    "service:risks[].status": "Where it stands.",
    "service:risks[].owner": "Who manages it (person id).",
    "service:risks[].mitigation": "What is being done about it.",
    "service:risks[].escalated_to": "How far it has been escalated: service operations, "
    "service management, service ownership.",
    "service:issues": "Issues affecting the service.",
    "service:issues[].id": "The issue's id, unique in the service.",
    "service:issues[].title": "The issue.",
    "service:issues[].raised": "When it was raised.",
    "service:issues[].status": "Open or resolved.",
    "service:issues[].owner": "Who deals with it (person id).",
    "service:issues[].escalated_to": "How far it has been escalated.",
    "service:change_requests": "Formal requests to change the service.",
    "service:change_requests[].id": "The request's id, unique in the service.",
    "service:change_requests[].title": "The change asked for.",
    "service:change_requests[].requested_by": "Who asked (person id).",
    "service:change_requests[].date": "When it was asked.",
    "service:change_requests[].status": "Where it stands.",
    "service:change_requests[].approved_by": "Who agreed it (person id): the Service Owner.",
    "service:supersedes": "Services this one replaces (ids). A service closed as "
    "`superseded` must be listed here by its successor (STAGE-COMPLETE).",
    "service:lifecycle": "Where the service is in its lifecycle, and how it got there.",
    "service:lifecycle.stage": "The current stage.",
    "service:lifecycle.moves": "Every move so far, oldest first, as `pmoctl transition` "
    "records them.",
    "service:lifecycle.moves[].from": "The stage moved from.",
    "service:lifecycle.moves[].to": "The stage moved to.",
    "service:lifecycle.moves[].date": "When the move was approved.",
    "service:lifecycle.moves[].approved_by": "Who approved it (person id): the PMO Director "
    "or the Service Owner, depending on the move.",
    "service:lifecycle.moves[].reason": "Why: on a move to closing, one of the closure reasons.",
    "service:lifecycle.moves[].note": "The decision, or what the pilot showed.",
    "service:lifecycle.moves[].rollout": "How the service goes into business as usual.",
    "service:lifecycle.moves[].readiness": "The organisation readiness assessment.",
    "service:lifecycle.moves[].success_criteria_met": "Testing confirmed the success "
    "criteria agreed with customers are met; must be `true` on pilot -> transition.",
    "service:lifecycle.moves[].artefact_review": "The review of the service's artefacts on "
    "closing.",
    "service:lifecycle.moves[].artefact_review.reviewed_by": "Who reviewed them (person id).",
    "service:lifecycle.moves[].artefact_review.kept": "Artefacts kept for future use.",
    "service:lifecycle.moves[].artefact_review.discarded": "Artefacts discarded.",
}


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = {**schema["$defs"][node["$ref"].rsplit("/", 1)[-1]], **_without(node, "$ref")}
    return node


def _without(node: dict[str, Any], key: str) -> dict[str, Any]:
    return {name: value for name, value in node.items() if name != key}


def _alternatives(schema: dict[str, Any], node: dict[str, Any]) -> list[dict[str, Any]]:
    """The non-null alternatives of a node (an optional value is `anyOf [X, null]`)."""
    node = _resolve(schema, node)
    if "anyOf" in node:
        return [_resolve(schema, alt) for alt in node["anyOf"] if alt.get("type") != "null"]
    return [node]


def _type(schema: dict[str, Any], node: dict[str, Any]) -> str:
    parts = [_one_type(schema, alt) for alt in _alternatives(schema, node)]
    return " or ".join(dict.fromkeys(parts))


def _one_type(schema: dict[str, Any], node: dict[str, Any]) -> str:
    kind = node.get("type")
    if "const" in node:
        return f"`{json.dumps(node['const'])}`"
    if "enum" in node:
        return "one of " + ", ".join(f"`{value}`" for value in node["enum"])
    if kind == "array":
        text = "list of " + _type(schema, node["items"])
        return text + (f" (at least {node['minItems']})" if node.get("minItems") else "")
    if kind == "object":
        if node.get("properties"):
            return "mapping"
        key, value = next(iter(node.get("patternProperties", {".*": {}}).items()))
        keys = "id" if key == ID else "rule id" if key.startswith("^[A-Z]") else "text"
        return f"mapping of {keys} to {_type(schema, value)}"
    if kind == "string":
        return _string(node)
    if kind in ("integer", "number"):
        name = "whole number" if kind == "integer" else "number"
        low = node.get("minimum", node.get("exclusiveMinimum"))
        high = node.get("maximum")
        if low is not None and high is not None:
            above = "above " if "exclusiveMinimum" in node else ""
            return f"{name}, {above}{_num(low)} to {_num(high)}"
        if low is not None:
            return f"{name}, at least {_num(low)}"
        return name
    if kind == "boolean":
        return "`true` or `false`"
    return kind or "any"


def _string(node: dict[str, Any]) -> str:
    pattern = node.get("pattern", "")
    if node.get("format") == "date":
        return "date (YYYY-MM-DD)"
    if pattern == ID:
        return "id"
    if pattern.startswith("^@"):
        return "handle (`@user` or `@org/team`)"
    if "@" in pattern:
        return "e-mail address"
    if pattern.startswith("^(https?"):
        return "URL"
    if pattern == "^[A-Z]{3}$":
        return "three capital letters"
    if pattern == "^[a-z0-9-]{1,64}$":
        return "code (lower-case letters, digits, hyphens)"
    if pattern:
        return f"text matching `{pattern}`"
    if node.get("maxLength"):
        return f"text, up to {_num(node['maxLength'])} characters"
    return "text"


def _num(value: float) -> str:
    return f"{value:,}".replace(",", " ") if isinstance(value, int) else str(value)


def _default(node: dict[str, Any]) -> str:
    if "default" not in node or node["default"] in (None, [], {}):
        return ""
    value = node["default"]
    if isinstance(value, dict):
        value = {key: item for key, item in value.items() if item not in (None, [], {})}
        if not value:
            return ""
    return f"`{json.dumps(value)}`" if not isinstance(value, str) else f"`{value}`"


def rows(kind: str, schema: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """(key path, type, required, default, meaning) for every key of a document kind."""
    found: list[tuple[str, str, str, str, str]] = []
    missing: list[str] = []

    def walk(node: dict[str, Any], prefix: str) -> None:
        for alt in _alternatives(schema, node):
            if alt.get("type") == "array":
                walk(alt["items"], prefix + "[]")
            elif alt.get("type") == "object" and alt.get("properties"):
                required = set(alt.get("required", []))
                for name, child in alt["properties"].items():
                    path = f"{prefix}.{name}" if prefix else name
                    meaning = MEANINGS.get(f"{kind}:{path}") or MEANINGS.get(f"*:{path}")
                    if meaning is None:
                        missing.append(f"{kind}:{path}")
                    found.append(
                        (
                            path,
                            _type(schema, child),
                            "yes" if name in required else "",
                            _default(child),
                            meaning or "",
                        )
                    )
                    walk(child, path)
            elif alt.get("type") == "object":
                for child in alt.get("patternProperties", {}).values():
                    walk(child, prefix + "{}")

    walk(schema, "")
    if missing:
        raise SystemExit("docs/gen_format.py: no meaning written for " + ", ".join(missing))
    return found


def table(kind: str, schema: dict[str, Any]) -> str:
    lines = ["| Key | Type | Required | Default | Meaning |", "|---|---|---|---|---|"]
    for path, type_text, required, default, meaning in rows(kind, schema):
        cells = [f"`{path}`", type_text, required, default, meaning]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)


def stages_table() -> str:
    """What a service needs in each stage (:data:`catalogue.lifecycle.STAGE_REQUIREMENTS`)."""
    from pmoctl.catalogue.lifecycle import REQUIREMENTS, STAGE_REQUIREMENTS

    lines = ["| Stage | The service needs |", "|---|---|"]
    for stage, names in STAGE_REQUIREMENTS.items():
        needs = "; ".join(REQUIREMENTS[name].description for name in names) or "nothing more"
        lines.append(f"| `{stage.value}` | {needs} |")
    return "\n".join(lines)


def closure_reasons() -> str:
    from pmoctl.catalogue.lifecycle import CLOSURE_REASONS

    return ", ".join(f"`{reason}`" for reason in CLOSURE_REASONS)


def blocks() -> dict[str, str]:
    """Every generated block of docs/format.md by name."""
    from pmoctl.api import schema_documents
    from pmoctl.catalogue import lifecycle

    generated = {
        f"keys of {name.removesuffix('.schema.json')}": table(
            name.removesuffix(".schema.json"), schema
        )
        for name, schema in schema_documents().items()
    }
    generated["lifecycle moves"] = lifecycle.moves_table().rstrip("\n")
    generated["stage requirements"] = stages_table()
    generated["closure reasons"] = closure_reasons()
    return generated


def render(text: str) -> str:
    """``text`` (docs/format.md) with every generated block brought up to date."""
    for name, content in blocks().items():
        begin, end = BEGIN.format(name=name), END.format(name=name)
        pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
        if not pattern.search(text):
            raise SystemExit(f"docs/format.md has no `{begin}` ... `{end}` block")
        block = f"{begin}\n{content}\n{end}"
        text = pattern.sub(lambda _match, block=block: block, text)
    return text


def main(argv: list[str]) -> int:
    current = DOC.read_text(encoding="utf-8")
    fresh = render(current)
    if "--check" in argv:
        if fresh != current:
            print("docs/format.md is stale: run `python docs/gen_format.py`", file=sys.stderr)
            return 1
        return 0
    if fresh != current:
        DOC.write_text(fresh, encoding="utf-8")
        print("updated docs/format.md")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
