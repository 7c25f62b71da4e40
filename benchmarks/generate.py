"""Synthetic pmoctl catalogues for the benchmarks: valid, realistic in size, deterministic.

``generate(out, services=1000)`` writes a complete catalogue (config, organisation,
strategy, handbook, procedures and services) that ``pmoctl validate`` accepts without a
single finding. Services average about 7 KB, like a hand-written one: SIPOC processes
whose inputs may come from other services' outputs (always from a service generated
earlier, so the dependency graph is acyclic), KPIs with readings, risks, issues, change
requests, and a lifecycle whose moves follow ``pmoctl.catalogue.lifecycle.MOVES`` and its approver
rules. The same seed gives the same bytes.

With ``history_commits > 0`` the folder is also a git repository whose history has
exactly that many commits, written in one ``git fast-import`` stream: an initial import,
then KPI readings, edits and lifecycle moves in date order. Each move is a commit in the
transition format (subject ``transition(<id>): <from> -> <to>`` and the trailers
``Service-Transition``, ``Approved-by``, ``Approver-Id`` and ``Reason``). The last commit
of every file equals the file in the work tree, which is left clean, and the commit graph
is written with Bloom filters.

    python benchmarks/generate.py OUT --services 1000 [--history 10000] [--seed 42]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: the generated history never goes past this date (readings, moves, commits)
LAST_DAY = dt.date(2026, 10, 31)
FIRST_DAY = dt.date(2021, 1, 4)
SERVICES_PER_PMO = 40
SERVICES_PER_PROCEDURE = 20
SCALE = 5

# --- vocabulary -------------------------------------------------------------------------

FIRST_NAMES = [
    "Helen",
    "Marcus",
    "Priya",
    "Ruth",
    "Tom",
    "Sara",
    "Wei",
    "Grace",
    "Daniel",
    "James",
    "Nadia",
    "Olu",
    "Amara",
    "Bilal",
    "Chloe",
    "Dmitri",
    "Elena",
    "Farid",
    "Gemma",
    "Hugo",
    "Ines",
    "Jonas",
    "Kemi",
    "Liam",
    "Maya",
    "Niall",
    "Oskar",
    "Paula",
    "Quentin",
    "Rosa",
    "Samir",
    "Tessa",
    "Umar",
    "Vera",
    "Wendy",
    "Xavier",
    "Yara",
    "Zoltan",
    "Aisha",
    "Bruno",
    "Carmen",
    "Dev",
    "Esther",
    "Felix",
    "Gita",
]
LAST_NAMES = [
    "Achebe",
    "Lindqvist",
    "Raman",
    "Kowalski",
    "Okafor",
    "Novak",
    "Chen",
    "Mensah",
    "Reyes",
    "Fairley",
    "Haddad",
    "Bright",
    "Adeyemi",
    "Baptiste",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ivanova",
    "Jensen",
    "Kaur",
    "Larsen",
    "Moreau",
    "Nakamura",
    "Ortega",
    "Petrov",
    "Quinn",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Usman",
    "Varga",
    "Walsh",
    "Xu",
    "Yilmaz",
    "Zimmermann",
    "Abbott",
    "Brennan",
    "Costa",
    "Doyle",
    "Evans",
    "Foster",
]
PMO_KINDS = (
    ("portfolio", "Portfolio Office"),
    ("programme", "Programme Office"),
    ("project", "Project Support Office"),
    ("centre-of-excellence", "Delivery Centre of Excellence"),
    ("service-management-office", "Service Management Office"),
)
PMO_AREAS = [
    "Capital",
    "Works",
    "Asset",
    "Renewal",
    "Digital",
    "Customer",
    "Regulatory",
    "Networks",
    "Treatment",
    "Estates",
    "Finance",
    "People",
    "Operations",
    "Wastewater",
    "Supply",
    "Metering",
    "Energy",
    "Fleet",
    "Laboratories",
    "Retail",
]
CUSTOMER_GROUPS = (
    ("executive-board", "Executive board"),
    ("investment-committee", "Investment committee"),
    ("project-managers", "Project and programme managers"),
    ("capital-delivery", "Capital delivery directorate"),
    ("operations-directorate", "Operations directorate"),
    ("customer-services", "Customer services"),
    ("digital-directorate", "Digital directorate"),
    ("asset-management", "Asset management"),
    ("programme-boards", "Programme boards"),
    ("sponsors", "Project sponsors"),
    ("regional-teams", "Regional delivery teams"),
    ("supply-chain", "Supply chain partners"),
)
STAKEHOLDER_GROUPS = (
    ("finance", "Finance business partners"),
    ("it-operations", "IT operations"),
    ("people-and-learning", "People and learning team"),
    ("internal-audit", "Internal audit"),
    ("regulation", "Regulation and compliance"),
    ("procurement", "Procurement"),
)
BOTH_GROUPS = (("portfolio-board", "Portfolio board"), ("change-forum", "Change forum"))
CATEGORIES = (
    "Reporting and information",
    "Governance and assurance",
    "Planning and scheduling",
    "Resource management",
    "Benefits management",
    "Risk and issue management",
    "Capability and training",
    "Tools and infrastructure",
    "Financial control",
    "Change control",
    "Knowledge management",
)
SUBJECTS = [
    "Portfolio",
    "Programme",
    "Capital-works",
    "Asset-renewal",
    "Digital-change",
    "Regulatory",
    "Network",
    "Treatment-works",
    "Estates",
    "Customer-experience",
    "Metering",
    "Energy",
    "Fleet",
    "Laboratory",
    "Wastewater",
    "Supply-chain",
    "Data-platform",
    "Cyber",
    "Resilience",
    "Innovation",
    "Sustainability",
    "Smart-network",
    "Reservoir",
    "Pipeline",
    "Pumping",
    "Billing",
    "Field-operations",
    "Workforce",
    "Contract",
    "Vendor",
]
NOUNS = [
    "reporting",
    "dashboard",
    "gate reviews",
    "assurance",
    "health checks",
    "planning",
    "scheduling",
    "resource planning",
    "capacity forecasting",
    "benefits tracking",
    "risk reviews",
    "issue escalation",
    "lessons library",
    "training",
    "coaching",
    "tool administration",
    "data quality",
    "cost control",
    "change control",
    "dependency mapping",
    "audit support",
    "onboarding",
    "closure reviews",
    "estimating",
    "quality reviews",
    "supplier reviews",
    "stakeholder mapping",
    "decision log",
    "milestone tracking",
    "forecast challenge",
    "portfolio balancing",
    "governance support",
]
STEP_VERBS = [
    "Collect",
    "Check",
    "Reconcile",
    "Challenge",
    "Review",
    "Agree",
    "Publish",
    "Escalate",
    "Record",
    "Update",
    "Confirm",
    "Prepare",
    "Analyse",
    "Validate",
    "Circulate",
    "Archive",
    "Schedule",
    "Brief",
    "Score",
    "Summarise",
]
OBJECTS = [
    "the status returns",
    "the spend and effort data",
    "the RAG ratings",
    "the milestone plan",
    "the risk register",
    "open actions",
    "the decision log",
    "the dashboard",
    "the resource plan",
    "the forecast",
    "the benefits profile",
    "the change log",
    "the lessons learned",
    "the gate evidence",
    "the quality criteria",
    "the dependency map",
    "the supplier returns",
    "the training records",
    "the data extract",
    "the recommendations",
]
ARTEFACTS = [
    "status return",
    "timesheet extract",
    "cost forecast",
    "risk summary",
    "milestone report",
    "resource plan",
    "benefits profile",
    "gate pack",
    "assurance report",
    "lessons digest",
    "dependency register",
    "training record",
    "change log",
    "data quality report",
    "decision record",
    "capacity forecast",
    "supplier scorecard",
    "schedule baseline",
    "estimate",
    "health check report",
]
COMPETENCES = [
    "Data analysis",
    "Challenging project status constructively",
    "Facilitation",
    "Risk management",
    "Planning and scheduling",
    "Benefits management",
    "Financial analysis",
    "Stakeholder engagement",
    "PPM platform administration",
    "Report writing",
    "Coaching",
    "Assurance techniques",
    "Estimating",
]
GOVERNANCE = [
    "Portfolio reporting standard v3",
    "Stage gate policy",
    "Delegated authority matrix",
    "Risk management framework",
    "Change control procedure",
    "Benefits management policy",
    "Data protection policy",
    "Records retention schedule",
    "Assurance charter",
]
INFRASTRUCTURE = [
    "PPM platform",
    "Dashboard tool",
    "Shared document library",
    "Service desk queue",
    "Timesheet system",
    "Finance ledger extract",
    "Collaboration workspace",
    "Scheduling tool",
    "Survey tool",
]
SUPPLIERS = (
    "Meridian PPM Ltd",
    "Northgate Assurance LLP",
    "Brightline Consulting",
    "Keystone Data",
)
KPI_KINDS = (
    # name, measure, unit, direction, target, green, amber, spread
    (
        "On time",
        "Share of {thing}s delivered by the agreed date in the period.",
        "%",
        "higher-is-better",
        95,
        95,
        85,
        8,
    ),
    (
        "Complete",
        "Share of {thing}s complete and accepted first time.",
        "%",
        "higher-is-better",
        90,
        90,
        75,
        10,
    ),
    (
        "Satisfaction",
        "Average customer rating of the {thing} on a 1-5 survey.",
        "score",
        "higher-is-better",
        4,
        4,
        3,
        0.6,
    ),
    (
        "Turnaround",
        "Median working days from request to {thing} delivered.",
        "days",
        "lower-is-better",
        5,
        5,
        8,
        2,
    ),
    (
        "Rework",
        "Share of {thing}s sent back for correction in the period.",
        "%",
        "lower-is-better",
        5,
        5,
        10,
        3,
    ),
    (
        "Overdue actions",
        "Number of actions on the {thing} open past their due date.",
        "actions",
        "lower-is-better",
        3,
        3,
        6,
        2,
    ),
)
FREQUENCY_DAYS = {"monthly": 30, "quarterly": 91}
RISK_TITLES = (
    "Only one analyst can produce the {thing}",
    "Late returns delay the {thing}",
    "Data quality undermines trust in the {thing}",
    "Demand for the {thing} exceeds capacity",
    "Key supplier leaves during the contract",
    "Platform upgrade breaks the {thing} templates",
    "Customers stop reading the {thing}",
)
CLOSURE_REASONS = (
    "end-date-reached",
    "objective-achieved",
    "resources-needed-elsewhere",
    "requested-by-stakeholders",
    "requested-by-owner",
    "not-most-effective-provider",
    "service-level-unachievable",
    "superseded",
    "pmo-change-of-focus",
)
#: share of services per final stage
STAGE_WEIGHTS = (
    ("proposed", 6),
    ("design", 7),
    ("pilot", 6),
    ("transition", 4),
    ("running", 64),
    ("closing", 5),
    ("closed", 8),
)

# --- YAML text --------------------------------------------------------------------------

_PLAIN = re.compile(r"^[A-Za-z(][A-Za-z0-9 ,.()'/+&%;?-]*$")
_NOT_STR = re.compile(
    r"^(?:true|false|yes|no|on|off|null|~|[-+]?[0-9][0-9_.eE+:-]*)$", re.IGNORECASE
)


def scalar(value: Any) -> str:
    """A YAML 1.2 scalar that reads back as exactly ``value``."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return (
            repr(value) if isinstance(value, float) and not value.is_integer() else str(int(value))
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if re.match(r"^https://[^\s,#]+$", text):
        return text
    if (
        _PLAIN.match(text)
        and not _NOT_STR.match(text)
        and ": " not in text
        and " #" not in text
        and not text.endswith((" ", ":"))
    ):
        return text
    return json.dumps(text, ensure_ascii=False)


def flow(value: Any) -> str:
    """A short list or mapping in flow style, as people write them by hand."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_flow_item(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow_item(item) for item in value) + "]"
    return scalar(value)


def _flow_item(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return flow(value)
    text = scalar(value)
    # inside [ ] and { } a comma ends the value: quote such text
    return json.dumps(value) if isinstance(value, str) and "," in text and text[0] != '"' else text


def folded(key: str, text: str, indent: int) -> list[str]:
    """``key: >-`` and the text wrapped, or one line when it is short."""
    pad = " " * indent
    line = f"{pad}{key}: {scalar(text)}"
    if len(line) <= 96:
        return [line]
    body = textwrap.wrap(text, width=88 - indent)
    return [f"{pad}{key}: >-", *(f"{pad}  {part}" for part in body)]


# --- the organisation -------------------------------------------------------------------


@dataclass
class Person:
    id: str
    name: str
    role: str
    pmo: str | None
    email: str


@dataclass
class Pmo:
    id: str
    name: str
    kind: str
    manager: Person | None = None
    analysts: list[Person] = field(default_factory=list)
    admins: list[Person] = field(default_factory=list)
    fte: float = 0.0


@dataclass
class Org:
    pmos: list[Pmo]
    people: list[Person]
    directors: list[Person]
    requesters: list[Person]
    customers: list[str]
    stakeholders: list[str]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def build_org(rng: random.Random, services: int) -> Org:
    count = max(3, math.ceil(services / SERVICES_PER_PMO))
    used: set[str] = set()
    people: list[Person] = []

    def person(role: str, pmo: str | None) -> Person:
        while True:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            ident = _slug(f"{first} {last}")
            serial = 2
            while ident in used:
                ident = _slug(f"{first} {last} {serial}")
                serial += 1
            used.add(ident)
            email = f"{ident.replace('-', '.')}@harbourside-water.example"
            made = Person(ident, f"{first} {last}", role, pmo, email)
            people.append(made)
            return made

    pmos = [Pmo("corporate-pmo", "Corporate Portfolio Office", "corporate")]
    for index in range(1, count):
        kind, title = PMO_KINDS[(index - 1) % len(PMO_KINDS)]
        area = PMO_AREAS[(index - 1) % len(PMO_AREAS)]
        serial = (index - 1) // len(PMO_AREAS)
        suffix = f" {serial + 1}" if serial else ""
        name = f"{area} {title}{suffix}"
        pmos.append(Pmo(_slug(name), name, kind))
    directors = [person("pmo-director", "corporate-pmo") for _ in range(2)]
    for pmo in pmos:
        pmo.manager = person("pmo-manager", pmo.id)
        pmo.analysts = [person("pmo-analyst", pmo.id) for _ in range(2)]
        pmo.admins = [person("pmo-administrator", pmo.id)]
    requesters = [person("project-manager", None) for _ in range(3)]
    requesters.append(person("executive", None))
    customers = [ident for ident, _ in (*CUSTOMER_GROUPS, *BOTH_GROUPS)]
    stakeholders = [ident for ident, _ in (*STAKEHOLDER_GROUPS, *BOTH_GROUPS)]
    return Org(pmos, people, directors, requesters, customers, stakeholders)


# --- one service ------------------------------------------------------------------------


@dataclass
class Event:
    """One change to one service file in the history: a move, a reading, or an edit."""

    date: dt.date
    service: int
    kind: str  # "move" | "reading" | "edit"
    order: int  # position within its kind for the service


@dataclass
class ServiceSpec:
    index: int
    data: dict[str, Any]
    home: Pmo
    stage: str
    #: (date, kpi index, reading) in date order: the history adds them one by one
    readings: list[tuple[dt.date, int, dict[str, Any]]]
    outputs: list[str]
    capacity: dict[str, float]


def _sentence(rng: random.Random, thing: str) -> str:
    verb = rng.choice(STEP_VERBS).lower()
    return (
        f"The PMO will {verb} {rng.choice(OBJECTS)} for every {thing} it handles, "
        f"so that {rng.choice(OBJECTS)} can be trusted and decisions rest on evidence."
    )


def _moves(
    rng: random.Random, stage: str, start: dt.date, owner: str, director: str
) -> tuple[list[dict[str, Any]], dt.date | None, dt.date | None]:
    """The moves from proposed to ``stage``; also the go-live and closing dates."""
    moves: list[dict[str, Any]] = []
    day = start
    live: dt.date | None = None
    closing: dt.date | None = None

    def move(source: str, target: str, gap: tuple[int, int], **evidence: Any) -> None:
        nonlocal day
        day = min(LAST_DAY, day + dt.timedelta(days=rng.randint(*gap)))
        approver = (
            director
            if (source, target)
            in (
                ("proposed", "design"),
                ("proposed", "closing"),
            )
            else owner
        )
        moves.append(
            {"from": source, "to": target, "date": day, "approved_by": approver, **evidence}
        )

    if stage == "proposed":
        return moves, None, None
    move(
        "proposed",
        "design",
        (10, 40),
        note="Scored against the strategy at the quarterly review; capacity agreed.",
    )
    if stage == "design":
        return moves, None, None
    abandon = stage in ("closing", "closed") and rng.random() < 0.25
    move("design", "pilot", (30, 80))
    if rng.random() < 0.15:
        move(
            "pilot", "design", (20, 50), note="The pilot customers asked for a simpler intake form."
        )
        move("design", "pilot", (20, 50))
    if stage == "pilot":
        return moves, None, None
    if abandon:
        move("pilot", "closing", (20, 60), reason=rng.choice(CLOSURE_REASONS))
        closing = day
    else:
        move(
            "pilot",
            "transition",
            (30, 90),
            success_criteria_met=True,
            readiness="Readiness assessed with the pilot customers; operatives trained and the "
            "handbook agreed.",
            rollout=rng.choice(("phased", "big-bang")),
        )
        if stage == "transition":
            return moves, None, None
        move("transition", "running", (20, 60))
        live = day
        if stage == "running":
            return moves, live, None
        move("running", "closing", (200, 500), reason=rng.choice(CLOSURE_REASONS),
             communication="Customers and stakeholders told at the monthly forum and by "
             "e-mail; the handbook says what replaces it.")  # fmt: skip
        closing = day
    if stage == "closed":
        move(
            "closing",
            "closed",
            (20, 60),
            artefact_review={
                "reviewed_by": owner,
                "artefacts": [
                    {"name": "Process maps", "fate": "kept", "location": "PMO SharePoint"},
                    {"name": "KPI history", "fate": "archived", "location": "Records centre"},
                    {"name": "Draft templates", "fate": "discarded"},
                ],
            },
        )
    return moves, live, closing


def build_service(
    rng: random.Random,
    index: int,
    ident: str,
    name: str,
    org: Org,
    strategy: dict[str, Any],
    earlier: list[ServiceSpec],
    running: list[ServiceSpec],
) -> ServiceSpec:
    stage = rng.choices([s for s, _ in STAGE_WEIGHTS], [w for _, w in STAGE_WEIGHTS])[0]
    home = org.pmos[index % len(org.pmos)]
    pmos = [home]
    if len(org.pmos) > 1 and rng.random() < 0.15:
        other = org.pmos[(index * 7 + 3) % len(org.pmos)]
        if other is not home:
            pmos.append(other)
    assert home.manager is not None
    owner = rng.choice(org.directors) if rng.random() < 0.1 else home.manager
    director = rng.choice(org.directors)
    thing = rng.choice(ARTEFACTS)
    category = CATEGORIES[index % len(CATEGORIES)]
    managers = [{"person": rng.choice(pmo.analysts).id, "pmo": pmo.id} for pmo in pmos]
    operatives = sorted({p.id for pmo in pmos for p in (*pmo.admins, rng.choice(pmo.analysts))})
    start = FIRST_DAY + dt.timedelta(days=rng.randint(0, 1100))
    moves, live, closing = _moves(rng, stage, start, owner.id, director.id)
    outputs = [f"{name} {thing}", f"{name} summary", f"{name} action log"]
    capacity = {pmo.id: round(rng.uniform(0.2, 1.4), 1) for pmo in pmos}

    data: dict[str, Any] = {
        "#": [
            "yaml-language-server: $schema=../schemas/service.schema.json",
            "",
            f"{name}: run by the {home.name}.",
        ],
        "format": 1,
        "kind": "service",
        "id": ident,
        "name": name,
        "category": category,
        "summary": f"A regular {thing} and the follow-up actions, "
        f"for {rng.choice(CUSTOMER_GROUPS)[1].lower()}.",
        "description": " ".join(_sentence(rng, thing) for _ in range(3)),
        "outputs": outputs[:2],
        "outcome": f"Decisions on the {rng.choice(SUBJECTS).lower().replace('-', ' ')} "
        "portfolio are taken on current, trusted information.",
        "customers": rng.sample(org.customers, 2),
        "stakeholders": rng.sample(org.stakeholders, 2),
        "scope": rng.choice(
            ["project", "programme", "multiple-projects-or-programmes", "portfolio", "organisation"]
        ),
        "delivery": {"pmos": [pmo.id for pmo in pmos]},
    }
    sourcing_roll = rng.random()
    if sourcing_roll < 0.08:
        data["delivery"]["sourcing"] = {
            "model": "partly-outsourced",
            "supplier": rng.choice(SUPPLIERS),
            "outsourced_part": "Second-line support and the quarterly data refresh.",
        }
    elif sourcing_roll < 0.11:
        data["delivery"]["sourcing"] = {"model": "outsourced", "supplier": rng.choice(SUPPLIERS)}
    data["roles"] = {"owner": owner.id, "managers": managers, "operatives": operatives}
    data["needs"] = {
        "competence": rng.sample(COMPETENCES, 2),
        "governance": rng.sample(GOVERNANCE, 1),
        "infrastructure": rng.sample(INFRASTRUCTURE, 2),
        "capacity": [{"pmo": pmo, "fte": fte} for pmo, fte in capacity.items()],
    }
    if rng.random() < 0.3:
        data["funding"] = {
            "model": "recharged",
            "annual_budget": rng.randrange(20_000, 200_000, 1000),
            "currency": "GBP",
            "recharge_basis": "Day rate times days spent, billed quarterly to the requesting "
            "directorate.",
        }
    else:
        data["funding"] = {"model": "central"}
    if stage == "running" and running and rng.random() < 0.04:
        data["temporary"] = {
            "supports": rng.choice(running[-50:]).data["id"],
            "end_date": dt.date(2028, rng.randint(1, 12), 1),
        }
    data["strategy"] = {
        "objectives": rng.sample([o["id"] for o in strategy["objectives"]], rng.randint(1, 2)),
        "scores": {c["id"]: rng.randint(1, SCALE) for c in strategy["prioritisation"]["criteria"]},
    }
    data["request"] = f"Raise a request on the PMO service desk under {category.lower()}."
    data["links"] = [f"https://intranet.harbourside-water.example/pmo/{ident}"]
    data["service_levels"] = [
        {
            "name": f"{thing.capitalize()} published",
            "target": f"By the {rng.randint(3, 10)}th working day of the month",
        },
        {
            "name": "Correction made",
            "target": f"Within {rng.randint(1, 5)} working days of a reported error",
        },
    ]
    data["processes"] = _processes(rng, thing, name, outputs, earlier, stage)
    kpis, readings = _kpis(rng, thing, managers[0]["person"], live, closing)
    data["kpis"] = kpis
    data["risks"] = [
        {
            "id": f"risk-{number + 1}",
            "title": title.format(thing=thing),
            "likelihood": rng.choice(["low", "medium", "high"]),
            "impact": rng.choice(["low", "medium", "high"]),
            "status": rng.choice(["open", "mitigating", "closed"]),
            "owner": rng.choice([owner.id, managers[0]["person"]]),
            "mitigation": f"{rng.choice(STEP_VERBS)} {rng.choice(OBJECTS)} each month "
            "and train a second operative.",
            "escalated_to": rng.choice(["operations", "management", "ownership"]),
        }
        for number, title in enumerate(rng.sample(RISK_TITLES, rng.randint(2, 3)))
    ]
    for risk in data["risks"]:  # a high-impact risk goes to the Service Owner
        if risk["impact"] == "high":
            risk["escalated_to"] = "ownership"
    if live is not None and rng.random() < 0.5:
        data["issues"] = [
            {
                "id": "issue-1",
                "title": f"{thing.capitalize()} late twice this quarter",
                "raised": min(LAST_DAY, live + dt.timedelta(days=rng.randint(30, 300))),
                "status": rng.choice(["open", "resolved"]),
                "owner": managers[0]["person"],
                "escalated_to": "management",
            }
        ]
        issue = data["issues"][0]
        if issue["status"] == "open":  # open for weeks: taken to the Service Owner
            issue["escalated_to"] = "ownership"
            issue["actions"] = [
                {
                    "action": f"Agree a recovery plan for the {thing}",
                    "owner": managers[0]["person"],
                    "due": issue["raised"] + dt.timedelta(days=14),
                }
            ]
    if live is not None and rng.random() < 0.6:
        status = rng.choice(["proposed", "approved", "implemented", "rejected"])
        requester = rng.choice(org.requesters).id
        asked = min(LAST_DAY, live + dt.timedelta(days=rng.randint(30, 300)))
        # a week to decide, two weeks to make it: no more draws, so the rest stays the same
        decided = min(LAST_DAY, asked + dt.timedelta(days=7))
        request: dict[str, object] = {
            "id": "cr-1",
            "title": f"Add a trend section to the {thing}",
            "requested_by": requester,
            "date": asked,
            "status": status,
        }
        if status != "proposed":
            request |= {"decided_by": owner.id, "decided": decided}
            if status == "rejected":
                request["decision_note"] = "Not worth the effort this year."
        if status == "implemented":
            implemented = min(LAST_DAY, decided + dt.timedelta(days=14))
            request |= {"implemented": implemented, "implemented_by": owner.id}
        data["change_requests"] = [request]
    if stage == "pilot":  # the criteria agreed with customers at design, which the pilot tests
        data["testing"] = {
            "success_criteria": [
                {"id": "on-time", "criterion": f"The {thing} is delivered on time in the pilot",
                 "agreed_with": data["customers"][:1]},
            ]
        }  # fmt: skip
    data["lifecycle"] = {"stage": stage, "moves": moves}
    return ServiceSpec(index, data, home, stage, readings, outputs, capacity)


def _processes(
    rng: random.Random,
    thing: str,
    name: str,
    outputs: list[str],
    earlier: list[ServiceSpec],
    stage: str,
) -> list[dict[str, Any]]:
    sources = [spec for spec in earlier[-200:] if spec.stage == "running"]
    processes = []
    for number in range(rng.randint(2, 3)):
        inputs: list[dict[str, Any]] = [
            {
                "name": f"{thing.capitalize()} request",
                "trigger": True,
                "quality": ["Submitted on the standard form", "Sponsor named"],
            },
            {"name": f"Previous {thing}"},
        ]
        if number == 0 and stage == "running" and sources and rng.random() < 0.6:
            source = rng.choice(sources)
            inputs.append(
                {
                    "name": source.outputs[0],
                    "source": {"service": source.data["id"], "output": source.outputs[0]},
                }
            )
        processes.append(
            {
                "id": f"process-{number + 1}",
                "name": f"{rng.choice(STEP_VERBS)} {rng.choice(OBJECTS)} for the {thing}",
                "suppliers": ["Project managers", rng.choice(INFRASTRUCTURE)],
                "inputs": inputs,
                "steps": [
                    f"{verb} {obj}"
                    for verb, obj in zip(
                        rng.sample(STEP_VERBS, 4), rng.sample(OBJECTS, 4), strict=True
                    )
                ],
                "outputs": [
                    {
                        "name": outputs[number],
                        "quality": ["Approved by the Service Manager", "Published on time"],
                    }
                ],
                "customers": [rng.choice(CUSTOMER_GROUPS)[1], rng.choice(STAKEHOLDER_GROUPS)[1]],
            }
        )
    return processes


def _kpis(
    rng: random.Random, thing: str, reporter: str, live: dt.date | None, closing: dt.date | None
) -> tuple[list[dict[str, Any]], list[tuple[dt.date, int, dict[str, Any]]]]:
    kpis = []
    readings: list[tuple[dt.date, int, dict[str, Any]]] = []
    for number, kind in enumerate(rng.sample(KPI_KINDS, rng.randint(2, 3))):
        title, measure, unit, direction, target, green, amber, spread = kind
        frequency = rng.choice(("monthly", "monthly", "quarterly"))
        kpi: dict[str, Any] = {
            "id": _slug(title),
            "name": f"{thing.capitalize()} {title.lower()}",
            "measure": measure.format(thing=thing),
            "unit": unit,
            "target": target,
            "direction": direction,
            "frequency": frequency,
            "thresholds": {"green": green, "amber": amber},
            "reported_by": reporter,
        }
        if live is not None:
            step = dt.timedelta(days=FREQUENCY_DAYS[frequency])
            end = min(LAST_DAY, closing or LAST_DAY)
            # the latest readings up to the end (14 at most), none due missing at LAST_DAY
            # (KPI-READING-DUE)
            day = max(live + step, end - 13 * step)
            series = []
            while day <= end and len(series) < 14:
                value = round(target + rng.uniform(-spread, spread / 2), 1)
                if unit == "%":
                    value = min(100.0, max(0.0, value))
                reading: dict[str, Any] = {"date": day, "value": value}
                if rng.random() < 0.1:
                    reading["note"] = "Two returns arrived after the cut-off"
                series.append(reading)
                day += step
            for reading in series:
                readings.append((reading["date"], number, reading))
        kpis.append(kpi)
    readings.sort(key=lambda item: (item[0], item[1]))
    return kpis, readings


# --- rendering --------------------------------------------------------------------------


@dataclass(frozen=True)
class State:
    """How much of a service's history a version of its file holds."""

    moves: int
    readings: int
    draft: int | None = None  # an edit in progress: a revision mark in one KPI's measure


FINAL = State(10**9, 10**9, None)


def render_service(spec: ServiceSpec, state: State = FINAL) -> str:
    data = spec.data
    lines: list[str] = []
    included = {id(reading) for _, _, reading in spec.readings[: state.readings]}
    moves = data["lifecycle"]["moves"][: state.moves]
    stage = moves[-1]["to"] if moves else "proposed"
    if state.moves >= len(data["lifecycle"]["moves"]):
        stage = data["lifecycle"]["stage"]
    for key, value in data.items():
        if key == "#":
            lines.extend(f"# {line}".rstrip() for line in value)
        elif key in ("description", "outcome", "summary", "request"):
            lines.extend(folded(key, value, 0))
        elif key in ("outputs", "links"):
            lines.append(f"{key}:")
            lines.extend(f"  - {scalar(item)}" for item in value)
        elif key in ("delivery", "roles", "needs", "funding", "strategy", "temporary"):
            lines.append("")
            lines.append(f"{key}:")
            lines.extend(_section(key, value))
        elif key == "service_levels":
            lines.append("")
            lines.append(f"{key}:")
            for level in value:
                lines.append(f"  - name: {scalar(level['name'])}")
                lines.append(f"    target: {scalar(level['target'])}")
        elif key == "processes":
            lines.append("")
            lines.append("# SIPOC: suppliers, inputs, process, outputs, customers.")
            lines.append("processes:")
            for process in value:
                lines.extend(_process(process))
        elif key == "kpis":
            lines.append("")
            lines.append("kpis:")
            for number, kpi in enumerate(value):
                lines.extend(_kpi(kpi, number, included, state.draft if number == 0 else None))
        elif key in ("risks", "issues", "change_requests"):
            lines.append("")
            lines.append(f"{key}:")
            for item in value:
                first = True
                for field_name, field_value in item.items():
                    lead = "  - " if first else "    "
                    first = False
                    shown = (
                        flow(field_value) if isinstance(field_value, list) else scalar(field_value)
                    )
                    lines.append(f"{lead}{field_name}: {shown}")
        elif key == "lifecycle":
            lines.append("")
            lines.append("lifecycle:")
            lines.append(f"  stage: {stage}")
            if moves:
                lines.append("  moves:")
                for move in moves:
                    lines.extend(_move(move))
            else:
                lines.append("  moves: []")
        else:
            lines.append(
                f"{key}: {scalar(value) if not isinstance(value, (list, dict)) else flow(value)}"
            )
    return "\n".join(lines) + "\n"


def _section(key: str, value: dict[str, Any]) -> list[str]:
    lines = []
    for name, item in value.items():
        if key == "roles" and name == "managers":
            lines.append("  managers:")
            lines.extend(f"    - {flow(manager)}" for manager in item)
        elif key == "needs" and name == "capacity":
            lines.append("  capacity:")
            lines.extend(f"    - {flow(need)}" for need in item)
        elif isinstance(item, dict) and key == "delivery":
            lines.append(f"  {name}:")
            lines.extend(f"    {k}: {scalar(v)}" for k, v in item.items())
        elif isinstance(item, (list, dict)):
            lines.append(f"  {name}: {flow(item)}")
        else:
            lines.extend(folded(name, item, 2))
    return lines


def _process(process: dict[str, Any]) -> list[str]:
    lines = [
        f"  - id: {process['id']}",
        f"    name: {scalar(process['name'])}",
        f"    suppliers: {flow(process['suppliers'])}",
        "    inputs:",
    ]
    for item in process["inputs"]:
        lines.append(f"      - name: {scalar(item['name'])}")
        for name in ("trigger", "quality", "source"):
            if name in item:
                lines.append(f"        {name}: {flow(item[name])}")
    lines.append("    steps:")
    lines.extend(f"      - {scalar(step)}" for step in process["steps"])
    lines.append("    outputs:")
    for item in process["outputs"]:
        lines.append(f"      - name: {scalar(item['name'])}")
        lines.append(f"        quality: {flow(item['quality'])}")
    lines.append(f"    customers: {flow(process['customers'])}")
    return lines


def _kpi(kpi: dict[str, Any], number: int, included: set[int], draft: int | None) -> list[str]:
    measure = kpi["measure"] if draft is None else f"{kpi['measure']} (draft {draft})"
    lines = [
        f"  - id: {kpi['id']}",
        f"    name: {scalar(kpi['name'])}",
        f"    measure: {scalar(measure)}",
        f"    unit: {scalar(kpi['unit'])}",
        f"    target: {scalar(kpi['target'])}",
        f"    direction: {kpi['direction']}",
        f"    frequency: {kpi['frequency']}",
        f"    thresholds: {flow(kpi['thresholds'])}",
        f"    reported_by: {kpi['reported_by']}",
    ]
    readings = [reading for reading in kpi["_readings"] if id(reading) in included]
    if readings:
        lines.append("    readings:")
        lines.extend(f"      - {flow(reading)}" for reading in readings)
    return lines


def _move(move: dict[str, Any]) -> list[str]:
    lines = [f"    - from: {move['from']}"]
    for name, value in move.items():
        if name == "from":
            continue
        if name == "artefact_review":
            lines.append("      artefact_review:")
            lines.append(f"        reviewed_by: {value['reviewed_by']}")
            lines.append("        artefacts:")
            lines.extend(f"          - {flow(item)}" for item in value["artefacts"])
        else:
            lines.extend(folded(name, value, 6))
    return lines


# --- the other documents ----------------------------------------------------------------


def build_strategy(org: Org) -> dict[str, Any]:
    return {
        "objectives": [
            {"id": "predictable-delivery", "title": "Projects land on time and on budget"},
            {"id": "benefits-realised", "title": "Benefits are tracked until they are realised"},
            {
                "id": "capability-uplift",
                "title": "Project managers share one method and one vocabulary",
            },
            {
                "id": "efficient-pmo",
                "title": "The PMO is the most economic provider of what it offers",
            },
            {"id": "trusted-data", "title": "Every report is built from one trusted set of data"},
        ],
        "prioritisation": {
            "criteria": [
                {"id": "vision-alignment", "name": "Alignment to the PMO vision", "weight": 40},
                {
                    "id": "strategic-contribution",
                    "name": "Contribution to the strategic objectives",
                    "weight": 35,
                },
                {"id": "customer-demand", "name": "Demand from customers", "weight": 15},
                {"id": "cost-to-serve", "name": "Economy of delivery by the PMO", "weight": 10},
            ]
        },
        "owner": org.directors[0].id,
    }


def render_config(services: int, largest_file: int) -> str:
    text = (
        "# yaml-language-server: $schema=schemas/config.schema.json\n"
        "# The catalogue's settings; this file marks the catalogue root.\n"
        "format: 1\nkind: config\n"
        f"name: Synthetic catalogue of {services} services\n\n"
        "render:\n  title: Harbourside Water - PMO services (synthetic)\n"
    )
    if largest_file > 200_000:  # thousands of people in organisation.yaml
        text += "\n# A large organisation: organisation.yaml is bigger than the default limit.\n"
        text += f"max_file_bytes: {min(4_194_304, 2 ** math.ceil(math.log2(largest_file * 2)))}\n"
    return text


def render_organisation(org: Org) -> str:
    lines = [
        "# yaml-language-server: $schema=schemas/organisation.schema.json",
        "format: 1",
        "kind: organisation",
        "name: Harbourside Water",
        "",
        "pmos:",
    ]
    for pmo in org.pmos:
        lines.append(f"  - id: {pmo.id}")
        lines.append(f"    name: {scalar(pmo.name)}")
        lines.append(f"    kind: {pmo.kind}")
        lines.append(
            f"    structure: {'centralised' if pmo.kind == 'corporate' else 'decentralised'}"
        )
        lines.append(f"    capacity_fte: {scalar(pmo.fte)}")
        if pmo.id != "corporate-pmo":
            lines.append("    parent: corporate-pmo")
    lines += ["", "people:"]
    for person in org.people:
        lines.append(f"  - id: {person.id}")
        lines.append(f"    name: {person.name}")
        lines.append(f"    role: {person.role}")
        if person.pmo:
            lines.append(f"    pmo: {person.pmo}")
        lines.append(f"    email: {person.email}")
        lines.append(f"    git: {flow({'name': person.name, 'email': person.email})}")
    lines += ["", "groups:"]
    for groups, kind in (
        (CUSTOMER_GROUPS, "customer"),
        (STAKEHOLDER_GROUPS, "stakeholder"),
        (BOTH_GROUPS, "both"),
    ):
        for ident, name in groups:
            lines += [f"  - id: {ident}", f"    name: {scalar(name)}", f"    kind: {kind}"]
    lines += [
        "",
        "glossary:",
        "  - term: PMO service",
        "    definition: Activities the PMO undertakes to produce an output that delivers "
        "an outcome.",
        "  - term: SIPOC",
        "    definition: Suppliers, inputs, process, outputs and customers of one process.",
        "  - term: RAG",
        "    definition: Red, amber or green status against a threshold.",
        "    aliases: [traffic light]",
    ]
    return "\n".join(lines) + "\n"


def render_strategy(strategy: dict[str, Any]) -> str:
    lines = [
        "# yaml-language-server: $schema=schemas/strategy.schema.json",
        "# The PMO Service Strategy.",
        "format: 1",
        "kind: strategy",
        "title: PMO Service Strategy 2025-2028",
        f"owner: {strategy['owner']}",
        "vision: >-",
        "  Every pound spent on change is spent on the right projects, delivered predictably,",
        "  and its benefits are seen through to the customer.",
        "",
        "objectives:",
    ]
    for objective in strategy["objectives"]:
        lines += [f"  - id: {objective['id']}", f"    title: {scalar(objective['title'])}"]
    lines += ["", "prioritisation:", f"  scale: {SCALE}", "  criteria:"]
    for criterion in strategy["prioritisation"]["criteria"]:
        lines += [
            f"    - id: {criterion['id']}",
            f"      name: {scalar(criterion['name'])}",
            f"      weight: {criterion['weight']}",
        ]
    lines += [
        "",
        "funding:",
        "  principles:",
        "    - Portfolio-level services are funded centrally.",
        "    - Services a single directorate asks for are recharged to it at cost.",
        "  recharge:",
        "    enabled: true",
        "    principles: [Recharges are at cost and billed quarterly.]",
        "",
        "resourcing:",
        "  - Each PMO keeps 10% of its capacity free for unplanned requests.",
    ]
    return "\n".join(lines) + "\n"


def render_handbook(org: Org) -> str:
    manager = org.pmos[0].manager
    assert manager is not None
    return (
        "# yaml-language-server: $schema=schemas/handbook.schema.json\n"
        "# The PMO Operations Handbook's front matter; procedures are in procedures/.\n"
        "format: 1\nkind: handbook\ntitle: PMO Operations Handbook\n"
        f"owner: {manager.id}\n"
        "purpose: How the PMOs deliver and monitor their services, activity by activity.\n"
    )


def _activities(rng: random.Random, pmo: Pmo, verbs: list[str]) -> list[str]:
    assert pmo.manager is not None
    lines = ["activities:"]
    for number, verb in enumerate(verbs):
        analyst = pmo.analysts[number % len(pmo.analysts)]
        raci = {pmo.manager.id: "A", analyst.id: "R", "pmo-administrator": "C", "pmo-director": "I"}
        lines += [
            f"  - id: activity-{number + 1}",
            f"    name: {verb} {rng.choice(OBJECTS)}",
            f"    raci: {flow(raci)}",
            f"    tools: {flow(rng.sample(INFRASTRUCTURE, 2))}",
        ]
    return lines


def render_procedure(
    rng: random.Random,
    ident: str,
    name: str,
    category: str,
    pmo: Pmo,
    services: list[str],
    monitors: list[tuple[str, str]],
) -> str:
    lines = [
        "# yaml-language-server: $schema=../schemas/procedure.schema.json",
        "format: 1",
        "kind: procedure",
        f"id: {ident}",
        f"name: {scalar(name)}",
        f"purpose: {scalar(f'How the {pmo.name} carries out this part of its work.')}",
        f"category: {category}",
    ]
    if services:
        lines.append("services:")
        lines.extend(f"  - {service}" for service in services)
    if monitors:
        lines.append("monitors:")
        lines.extend(f"  - {flow({'service': s, 'kpi': k})}" for s, k in monitors)
    lines.extend(_activities(rng, pmo, rng.sample(STEP_VERBS, 3)))
    return "\n".join(lines) + "\n"


# --- the catalogue ----------------------------------------------------------------------


@dataclass
class Catalogue:
    files: dict[str, str]
    specs: list[ServiceSpec]
    org: Org


def build(services: int, seed: int = 42) -> Catalogue:
    """Every file of the catalogue, as text, keyed by relative path (no I/O)."""
    rng = random.Random(seed)
    org = build_org(rng, services)
    strategy = build_strategy(org)
    specs: list[ServiceSpec] = []
    running: list[ServiceSpec] = []
    used: set[str] = set()
    names = [f"{s.replace('-', ' ')} {n}" for s in SUBJECTS for n in NOUNS]
    rng.shuffle(names)
    for index in range(services):
        base = names[index % len(names)]
        round_ = index // len(names)
        name = (base if round_ == 0 else f"{base} {round_ + 1}").capitalize()
        ident = _slug(name)
        assert ident not in used
        used.add(ident)
        spec = build_service(rng, index, ident, name, org, strategy, specs, running)
        for number, kpi in enumerate(spec.data["kpis"]):
            kpi["_readings"] = [r for _, n, r in spec.readings if n == number]
        specs.append(spec)
        if spec.stage == "running":
            running.append(spec)
    _name_successors(specs, running)
    for spec in specs:
        if spec.stage != "closed":
            for pmo_id, fte in spec.capacity.items():
                next(p for p in org.pmos if p.id == pmo_id).fte += fte
    for pmo in org.pmos:
        pmo.fte = float(math.ceil(pmo.fte * 1.2 + 1))
    organisation = render_organisation(org)
    files: dict[str, str] = {
        "pmoctl.yaml": render_config(services, len(organisation.encode())),
        "organisation.yaml": organisation,
        "strategy.yaml": render_strategy(strategy),
        "handbook.yaml": render_handbook(org),
    }
    files.update(_procedures(rng, org, specs))
    for spec in specs:
        files[f"services/{spec.data['id']}.yaml"] = render_service(spec)
    return Catalogue(files, specs, org)


def _name_successors(specs: list[ServiceSpec], running: list[ServiceSpec]) -> None:
    """List each service closed as superseded in a running service's ``supersedes``, as
    validate requires (STAGE-COMPLETE). Chosen without the random generator, so that the
    rest of the catalogue is what it was before services named their successors."""
    for spec in specs:
        closing = [move for move in spec.data["lifecycle"]["moves"] if move["to"] == "closing"]
        if not closing or closing[-1].get("reason") != "superseded":
            continue
        if not running:
            closing[-1]["reason"] = "pmo-change-of-focus"
            continue
        successor = running[spec.index % len(running)].data
        if "supersedes" not in successor:  # before lifecycle, where a person would write it
            lifecycle = successor.pop("lifecycle")
            successor["supersedes"] = []
            successor["lifecycle"] = lifecycle
        successor["supersedes"].append(spec.data["id"])
        closing[-1]["superseded_by"] = successor["id"]


def _procedures(rng: random.Random, org: Org, specs: list[ServiceSpec]) -> dict[str, str]:
    files = {}
    for pmo in org.pmos:
        supported = [s for s in specs if s.home is pmo and s.stage != "proposed"]
        for start in range(0, len(supported), SERVICES_PER_PROCEDURE):
            chunk = supported[start : start + SERVICES_PER_PROCEDURE]
            serial = start // SERVICES_PER_PROCEDURE + 1
            ids = [spec.data["id"] for spec in chunk]
            ident = f"{pmo.id}-delivery-{serial}"
            files[f"procedures/{ident}.yaml"] = render_procedure(
                rng,
                ident,
                f"Deliver services of the {pmo.name}, part {serial}",
                "delivery",
                pmo,
                ids,
                [],
            )
            monitors = [
                (spec.data["id"], kpi["id"])
                for spec in chunk
                if spec.stage == "running"
                for kpi in spec.data["kpis"]
            ]
            ident = f"{pmo.id}-monitoring-{serial}"
            files[f"procedures/{ident}.yaml"] = render_procedure(
                rng,
                ident,
                f"Monitor services of the {pmo.name}, part {serial}",
                "monitoring",
                pmo,
                ids,
                monitors,
            )
    corporate = org.pmos[0]
    for ident, name, category in (
        ("pmo-performance-review", "Review the PMO's own performance", "performance"),
        ("quarterly-recharge", "Recharge directorates for recharged services", "recharge"),
    ):
        files[f"procedures/{ident}.yaml"] = render_procedure(
            rng, ident, name, category, corporate, [], []
        )
    return files


def generate(out_dir: Path, services: int, history_commits: int = 0, seed: int = 42) -> Path:
    """Write a catalogue of ``services`` services into ``out_dir`` (replaced); return it.

    With ``history_commits`` > 0 the folder becomes a git repository with exactly that
    many commits on ``main`` and a clean work tree.
    """
    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    (out_dir / "services").mkdir(parents=True)
    (out_dir / "procedures").mkdir()
    catalogue = build(services, seed)
    for rel, text in catalogue.files.items():
        (out_dir / rel).write_text(text, encoding="utf-8")
    if history_commits > 0:
        write_history(out_dir, catalogue, history_commits, random.Random(seed + 1))
    return out_dir


# --- history ----------------------------------------------------------------------------


def _events(
    catalogue: Catalogue, wanted: int, rng: random.Random
) -> tuple[list[Event], dict[int, State]]:
    """The last ``wanted`` events by date, and each service's state before them."""
    events: list[Event] = []
    for spec in catalogue.specs:
        for order, move in enumerate(spec.data["lifecycle"]["moves"]):
            events.append(Event(move["date"], spec.index, "move", order))
        for order, (day, _, _) in enumerate(spec.readings):
            events.append(Event(day, spec.index, "reading", order))
    events.sort(key=lambda e: (e.date, e.service, e.kind != "move", e.order))
    chosen = events[-wanted:] if wanted else []
    if len(chosen) < wanted:
        # not enough moves and readings: add editing rounds (a draft mark, then the final text)
        extra = wanted - len(chosen)
        first = chosen[0].date if chosen else LAST_DAY
        start = first - dt.timedelta(days=max(30, extra // 20))
        span = max(1, (LAST_DAY - start).days)
        drafts: dict[int, int] = {}
        for number in range(extra):
            service = rng.randrange(len(catalogue.specs))
            drafts[service] = drafts.get(service, 0) + 1
            day = start + dt.timedelta(days=number * span // extra)
            chosen.append(Event(day, service, "edit", drafts[service]))
        chosen.sort(key=lambda e: (e.date, e.service, e.kind != "move", e.order))
    before: dict[int, State] = {}
    edits = {e.service for e in chosen if e.kind == "edit"}
    for spec in catalogue.specs:
        before[spec.index] = State(
            len(spec.data["lifecycle"]["moves"]),
            len(spec.readings),
            0 if spec.index in edits else None,
        )
    counts: dict[tuple[int, str], int] = {}
    for event in chosen:
        counts[(event.service, event.kind)] = counts.get((event.service, event.kind), 0) + 1
    for (service, kind), count in counts.items():
        state = before[service]
        if kind == "move":
            before[service] = State(state.moves - count, state.readings, state.draft)
        elif kind == "reading":
            before[service] = State(state.moves, state.readings - count, state.draft)
    # edits of one service keep their date order: give them their sequence numbers again
    seen: dict[int, int] = {}
    for event in chosen:
        if event.kind == "edit":
            seen[event.service] = seen.get(event.service, 0) + 1
            event.order = seen[event.service]
    return chosen, before


def _ident(person: Person, when: dt.datetime) -> str:
    return f"{person.name} <{person.email}> {int(when.timestamp())} +0000"


def _data(payload: bytes) -> bytes:
    return b"data %d\n" % len(payload) + payload + b"\n"


def _stream(catalogue: Catalogue, count: int, rng: random.Random) -> Iterator[bytes]:
    events, states = _events(catalogue, count - 1, rng)
    people = {person.id: person for person in catalogue.org.people}
    edit_totals: dict[int, int] = {}
    for event in events:
        if event.kind == "edit":
            edit_totals[event.service] = max(edit_totals.get(event.service, 0), event.order)
    first_day = events[0].date - dt.timedelta(days=1) if events else LAST_DAY
    clock = dt.datetime.combine(first_day, dt.time(9), tzinfo=dt.UTC)
    by_rel = {f"services/{spec.data['id']}.yaml": spec for spec in catalogue.specs}
    importer = catalogue.org.pmos[0].manager
    assert importer is not None
    yield b"commit refs/heads/main\n"
    yield b"author " + _ident(importer, clock).encode() + b"\n"
    yield b"committer " + _ident(importer, clock).encode() + b"\n"
    yield _data(b"Import the PMO service catalogue")
    for rel, final in catalogue.files.items():
        spec = by_rel.get(rel)
        text = final if spec is None else render_service(spec, states[spec.index])
        yield f"M 100644 inline {rel}\n".encode() + _data(text.encode())
    yield b"\n"
    for number, event in enumerate(events):
        spec = catalogue.specs[event.service]
        when = max(
            clock + dt.timedelta(seconds=1),
            dt.datetime.combine(event.date, dt.time(9), tzinfo=dt.UTC)
            + dt.timedelta(seconds=number % 28_800),
        )
        clock = when
        state = states[spec.index]
        ident = spec.data["id"]
        if event.kind == "move":
            state = State(state.moves + 1, state.readings, state.draft)
            move = spec.data["lifecycle"]["moves"][state.moves - 1]
            approver = people[move["approved_by"]]
            edge = f"{move['from']} -> {move['to']}"
            message = f"transition({ident}): {edge}\n\n"
            message += (
                f"{move.get('note') or 'Moved with the evidence recorded in the service file.'}\n\n"
            )
            message += f"Service-Transition: {ident} {edge}\n"
            message += f"Approved-by: {approver.name} <{approver.email}>\n"
            message += f"Approver-Id: {approver.id}\n"
            if move.get("reason"):
                message += f"Reason: {move['reason']}\n"
            author = approver
        elif event.kind == "reading":
            state = State(state.moves, state.readings + 1, state.draft)
            day, kpi_number, _ = spec.readings[state.readings - 1]
            kpi = spec.data["kpis"][kpi_number]["id"]
            message = f"kpi({ident}): {kpi} reading for {day.isoformat()}\n"
            author = people[spec.data["kpis"][kpi_number]["reported_by"]]
        else:
            last = event.order == edit_totals[event.service]
            state = State(state.moves, state.readings, None if last else event.order)
            message = f"edit({ident}): {'settle' if last else 'draft'} the KPI definitions\n"
            author = people[spec.data["roles"]["owner"]]
        states[spec.index] = state
        text = render_service(spec, state)
        yield b"commit refs/heads/main\n"
        yield b"author " + _ident(author, when).encode() + b"\n"
        yield b"committer " + _ident(author, when).encode() + b"\n"
        yield _data(message.encode())
        yield f"M 100644 inline services/{ident}.yaml\n".encode() + _data(text.encode())
        yield b"\n"
    for spec in catalogue.specs:
        final = catalogue.files[f"services/{spec.data['id']}.yaml"]
        assert render_service(spec, states[spec.index]) == final, spec.data["id"]


def write_history(out_dir: Path, catalogue: Catalogue, commits: int, rng: random.Random) -> None:
    def git(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            ["git", "-C", str(out_dir), *args], check=True, capture_output=True, **kwargs
        )

    git("init", "-q", "-b", "main")
    git("config", "core.commitGraph", "true")
    stream = b"".join(_stream(catalogue, commits, rng))
    git("fast-import", "--quiet", "--date-format=raw", input=stream)
    git("reset", "-q")  # the index from HEAD; the work tree already holds the last version
    git("commit-graph", "write", "--reachable", "--changed-paths")
    status = git("status", "--porcelain").stdout
    if status:
        raise RuntimeError(f"work tree differs from the last commit:\n{status.decode()[:2000]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to write (replaced if it exists)")
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--history", type=int, default=0, metavar="COMMITS")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    out = generate(args.out, args.services, args.history, args.seed)
    sizes = [p.stat().st_size for p in (out / "services").glob("*.yaml")]
    print(
        f"{out}: {len(sizes)} services, {sum(sizes) / max(1, len(sizes)) / 1024:.1f} KiB average"
        + (f", {args.history} commits" if args.history else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
