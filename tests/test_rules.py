"""Cross-document rules on small catalogues built in memory: edge cases the example lacks.

Positions are covered by tests/cases (through the CLI); here the rules' logic is checked
directly on models, which is fast enough for many variants.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import run_cli
from pmoctl.catalogue.files import Catalogue
from pmoctl.catalogue.models import Organisation, Procedure, Service
from pmoctl.catalogue.periods import last_due, period_of
from pmoctl.findings import Pending, Severity
from pmoctl.rules import all_rules
from pmoctl.rules.validate import validate_catalogue

ORGANISATION = {
    "format": 1,
    "kind": "organisation",
    "name": "Test",
    "pmos": [
        {
            "id": "pmo-a",
            "name": "A",
            "kind": "corporate",
            "structure": "centralised",
            "capacity_fte": 2,
        },
        {
            "id": "pmo-b",
            "name": "B",
            "kind": "project",
            "structure": "centralised",
            "capacity_fte": 1,
        },
    ],
    "people": [
        {"id": "dora", "name": "Dora", "role": "pmo-director", "pmo": "pmo-a"},
        {"id": "mia", "name": "Mia", "role": "pmo-manager", "pmo": "pmo-a"},
        {"id": "ann", "name": "Ann", "role": "pmo-analyst", "pmo": "pmo-b"},
    ],
}


def service(ident: str, stage: str = "proposed", **extra: Any) -> Service:
    data: dict[str, Any] = {
        "format": 1,
        "kind": "service",
        "id": ident,
        "name": ident,
        "category": "c",
        "summary": "s",
        "scope": "portfolio",
        "delivery": {"pmos": ["pmo-a"]},
        "lifecycle": {"stage": stage},
    }
    data.update(extra)
    return Service.model_validate(data)


def process(ident: str, output: str, *sources: tuple[str, str]) -> dict[str, Any]:
    inputs = [{"name": f"from {s}", "source": {"service": s, "output": o}} for s, o in sources]
    return {
        "id": ident,
        "name": ident,
        "suppliers": ["x"],
        "inputs": inputs or [{"name": "request"}],
        "steps": ["do"],
        "outputs": [{"name": output}],
        "customers": ["y"],
    }


def catalogue(*services: Service, organisation: bool = True, **kwargs: Any) -> Catalogue:
    result = Catalogue(root=Path("/nonexistent"), **kwargs)
    if organisation:
        result.organisation = Organisation.model_validate(ORGANISATION)
    for item in services:
        result.services[item.id] = item
        result.service_ids.add(item.id)
        result.paths[("service", item.id)] = f"services/{item.id}.yaml"
    return result


def run(rule_id: str, cat: Catalogue) -> list[Pending]:
    check = all_rules()[rule_id].check
    assert check is not None
    return list(check(cat))


def test_a_cycle_of_three_is_reported_once_listing_it() -> None:
    services = [
        service("a", processes=[process("p", "out-a", ("c", "out-c"))]),
        service("b", processes=[process("p", "out-b", ("a", "out-a"))]),
        service("c", processes=[process("p", "out-c", ("b", "out-b"))]),
        service("d", processes=[process("p", "out-d", ("a", "out-a"))]),
    ]
    (finding,) = run("DEPENDENCY-CYCLE", catalogue(*services))
    assert finding.path == "services/a.yaml"
    assert finding.message.endswith("a -> c -> b -> a")
    assert finding.doc_path == ("processes", 0, "inputs", 0, "source", "service")


def test_two_separate_cycles_and_a_self_loop() -> None:
    services = [
        service("a", processes=[process("p", "out-a", ("b", "out-b"))]),
        service("b", processes=[process("p", "out-b", ("a", "out-a"))]),
        service("x", processes=[process("p", "out-x", ("y", "out-y"), ("x", "out-x"))]),
        service("y", processes=[process("p", "out-y", ("x", "out-x"))]),
        service("z", processes=[process("p", "out-z", ("z", "out-z"))]),
    ]
    findings = run("DEPENDENCY-CYCLE", catalogue(*services))
    assert sorted(f.path for f in findings) == ["services/a.yaml", "services/x.yaml"]


def test_a_long_chain_is_no_cycle_and_no_recursion_error() -> None:
    count = 3000
    services = [service("s0", processes=[process("p", "out")])]
    services += [
        service(f"s{n}", processes=[process("p", "out", (f"s{n - 1}", "out"))])
        for n in range(1, count)
    ]
    assert run("DEPENDENCY-CYCLE", catalogue(*services)) == []
    services[0] = service("s0", processes=[process("p", "out", (f"s{count - 1}", "out"))])
    (finding,) = run("DEPENDENCY-CYCLE", catalogue(*services))
    assert finding.message.count("->") == count


def test_capacity_counts_decided_services_that_are_not_closed() -> None:
    need = {"capacity": [{"pmo": "pmo-b", "fte": 0.6}]}
    services = [
        service("proposed", "proposed", needs=need),
        service("closed", "closed", needs=need),
        service("design", "design", needs=need),
    ]
    assert run("CAPACITY-FTE", catalogue(*services)) == []
    services.append(service("closing", "closing", needs=need))
    (finding,) = run("CAPACITY-FTE", catalogue(*services))
    assert finding.path == "organisation.yaml" and finding.doc_path == ("pmos", 1, "capacity_fte")
    assert "1.2 FTE of PMO 'pmo-b', which has 1" in finding.message


@pytest.mark.parametrize(
    ("direction", "green", "amber", "target", "rule_path"),
    [
        ("lower-is-better", 5, 10, 5, None),
        ("lower-is-better", 10, 5, 5, ("kpis", 0, "thresholds")),
        ("lower-is-better", 5, 10, 7, ("kpis", 0, "target")),
        ("higher-is-better", 90, 80, 95, None),
        ("higher-is-better", 90, 90, 90, None),
    ],
)
def test_kpi_thresholds_follow_the_direction(
    direction: str, green: float, amber: float, target: float, rule_path: tuple[Any, ...] | None
) -> None:
    kpi = {
        "id": "k",
        "name": "k",
        "measure": "m",
        "unit": "days",
        "target": target,
        "direction": direction,
        "frequency": "monthly",
        "thresholds": {"green": green, "amber": amber},
    }
    findings = run("KPI-THRESHOLDS", catalogue(service("s", kpis=[kpi])))
    assert [f.doc_path for f in findings] == ([rule_path] if rule_path else [])


def _move(source: str, target: str, date: str, by: str, **evidence: Any) -> dict[str, Any]:
    return {"from": source, "to": target, "date": date, "approved_by": by, **evidence}


def test_moves_may_start_where_the_recorded_history_starts() -> None:
    moves = [
        _move(
            "pilot",
            "transition",
            "2024-01-01",
            "mia",
            success_criteria_met=True,
            readiness="ok",
            rollout="phased",
        ),
        _move("transition", "running", "2024-02-01", "mia"),
    ]
    roles = {"owner": "mia", "managers": [{"person": "ann"}]}
    item = service("s", "running", roles=roles, lifecycle={"stage": "running", "moves": moves})
    assert run("LIFECYCLE-MOVES", catalogue(item)) == []


def test_moves_break_the_chain_and_name_a_missing_reason() -> None:
    moves = [
        _move("proposed", "design", "2024-01-01", "dora", note="go"),
        _move("pilot", "closing", "2024-02-01", "mia", reason="bored"),
    ]
    item = service(
        "s", "closing", roles={"owner": "mia"}, lifecycle={"stage": "closing", "moves": moves}
    )
    findings = run("LIFECYCLE-MOVES", catalogue(item))
    assert [f.doc_path for f in findings] == [
        ("lifecycle", "moves", 1, "from"),
        ("lifecycle", "moves", 1),
    ]
    assert "reason" in findings[1].message and "superseded" in findings[1].hint


def test_approvals_are_not_judged_without_the_organisation() -> None:
    moves = [_move("proposed", "design", "2024-01-01", "nobody", note="go")]
    item = service(
        "s",
        "design",
        roles={"owner": "mia", "managers": [{"person": "ann"}]},
        lifecycle={"stage": "design", "moves": moves},
    )
    assert run("LIFECYCLE-MOVES", catalogue(item, organisation=False)) == []
    for rule_id in (
        "REF-PERSON",
        "REF-PMO",
        "REF-GROUP",
        "RACI-PARTY",
        "ROLE-ELIGIBLE",
        "OWNER-ROLE",
        "CAPACITY-FTE",
    ):
        assert run(rule_id, catalogue(item, organisation=False)) == []


def _pilot() -> Service:
    roles = {"owner": "mia", "managers": [{"person": "ann"}]}
    return service("s", "pilot", roles=roles, processes=[process("p", "o")])


def test_a_broken_procedure_file_may_be_the_supporting_one() -> None:
    item = _pilot()
    findings = run("STAGE-COMPLETE", catalogue(item))
    assert [f.message for f in findings] == [
        "a pilot service needs at least one handbook procedure that supports it"
    ]
    assert run("STAGE-COMPLETE", catalogue(item, broken={"procedures/x.yaml"})) == []


def test_a_broken_procedure_file_that_does_not_name_the_service_is_not_the_one(
    tmp_path: Path,
) -> None:
    # the transition's guard finds the procedures that name a service the same way (a byte
    # search), so a move and validate agree on such a service
    roles = {"owner": "mia", "managers": [{"person": "ann"}]}
    item = service("offsite", "pilot", roles=roles, processes=[process("p", "o")])
    (tmp_path / "procedures").mkdir()
    (tmp_path / "procedures" / "x.yaml").write_text('id: x\ntitle: "unclosed\n', "utf-8")
    (tmp_path / "procedures" / "y.yaml").write_text("id: y\nservices: [offsite\n", "utf-8")
    cat = catalogue(item, broken={"procedures/x.yaml"})
    cat.root = tmp_path
    assert [f.message for f in run("STAGE-COMPLETE", cat)] == [
        "a pilot service needs at least one handbook procedure that supports it"
    ]
    cat.broken.add("procedures/y.yaml")
    assert run("STAGE-COMPLETE", cat) == []


def test_a_supporting_procedure_satisfies_the_stage() -> None:
    item = _pilot()
    procedure = Procedure.model_validate(
        {
            "format": 1,
            "kind": "procedure",
            "id": "run-s",
            "name": "n",
            "purpose": "p",
            "category": "delivery",
            "services": ["s"],
            "activities": [{"id": "a", "name": "a", "raci": {"mia": "AR"}}],
        }
    )
    cat = catalogue(item)
    cat.procedures["run-s"] = procedure
    assert run("STAGE-COMPLETE", cat) == []


def test_a_closing_source_is_a_warning_and_a_closed_consumer_is_not_checked() -> None:
    source = service("src", "closing", processes=[process("p", "o")])
    consumer = service("use", processes=[process("p", "x", ("src", "o"))])
    (finding,) = run("SIPOC-CLOSED-SOURCE", catalogue(source, consumer))
    assert finding.severity is Severity.WARNING
    closed_consumer = service("use", "closed", processes=[process("p", "x", ("src", "o"))])
    assert run("SIPOC-CLOSED-SOURCE", catalogue(source, closed_consumer)) == []


def test_manager_pmo_falls_back_to_the_managers_own_pmo() -> None:
    delivery = {"pmos": ["pmo-a", "pmo-b"]}
    covered = service(
        "s", delivery=delivery, roles={"managers": [{"person": "mia"}, {"person": "ann"}]}
    )
    assert run("MANAGER-PMO", catalogue(covered)) == []
    half = service("s", delivery=delivery, roles={"managers": [{"person": "mia"}]})
    (finding,) = run("MANAGER-PMO", catalogue(half))
    assert finding.severity is Severity.WARNING and finding.doc_path == ("delivery", "pmos", 1)


def test_operatives_from_outside_the_pmo_are_usual() -> None:
    org = dict(ORGANISATION)
    org["people"] = [*ORGANISATION["people"], {"id": "eve", "name": "Eve", "role": "executive"}]
    cat = catalogue(service("s", roles={"owner": "ann", "operatives": ["eve", "mia"]}))
    cat.organisation = Organisation.model_validate(org)
    findings = run("ROLE-ELIGIBLE", cat)
    assert [f.doc_path for f in findings] == [("roles", "owner"), ("roles", "operatives", 1)]


def test_the_example_without_its_singletons_still_validates_the_rest(
    example_catalogue: Path,
) -> None:
    for name in ("organisation.yaml", "strategy.yaml", "handbook.yaml"):
        (example_catalogue / name).unlink()
    findings = validate_catalogue(example_catalogue, use_cache=False).findings
    assert sorted((f.path, f.rule) for f in findings) == [
        ("handbook.yaml", "FILE-MISSING"),
        ("organisation.yaml", "FILE-MISSING"),
        ("strategy.yaml", "FILE-MISSING"),
    ]


def test_an_empty_catalogue_has_only_missing_files(tmp_path: Path) -> None:
    shutil.copy(Path(__file__).parent.parent / "examples" / "catalogue" / "pmoctl.yaml", tmp_path)
    findings = validate_catalogue(tmp_path, use_cache=False).findings
    assert {f.rule for f in findings} == {"FILE-MISSING"}


_COMPOSED = "r\u00e9sum\u00e9-help"  # é as one code point (NFC)
_DECOMPOSED = "re\u0301sume\u0301-help"  # e followed by a combining acute accent (NFD)


@pytest.mark.parametrize(
    ("names", "message", "hint"),
    [
        (
            [_COMPOSED, _DECOMPOSED],
            "differ only in Unicode normalisation: they look identical, and macOS keeps "
            "them as one file",
            "rename or remove one of them (macOS would check out only one)",
        ),
        (
            [_COMPOSED, _DECOMPOSED.upper()],
            "differ only in letter case and Unicode normalisation: they are the same file on macOS",
            "rename or remove one of them (macOS would check out only one)",
        ),
        (
            ["gate-reviews", "\uff47ate-reviews"],  # a full-width g
            "differ only in Unicode compatibility characters (such as full-width letters "
            "or ligatures): they look alike",
            "rename one of them so that the names read differently",
        ),
    ],
)
def test_a_unicode_collision_is_named_for_what_it_is(
    example_catalogue: Path, names: list[str], message: str, hint: str
) -> None:
    text = (example_catalogue / "services" / "gate-reviews.yaml").read_text(encoding="utf-8")
    for name in names:
        (example_catalogue / "services" / f"{name}.yaml").write_text(text, encoding="utf-8")
    findings = validate_catalogue(example_catalogue, use_cache=False).findings
    collisions = [f for f in findings if f.rule == "ID-COLLISION"]
    assert len(collisions) == 1, collisions
    assert collisions[0].message.endswith(message), collisions[0].message
    assert "case-insensitive" not in collisions[0].message
    assert collisions[0].hint == hint


def _superseded(ident: str = "old", stage: str = "closing") -> Service:
    moves = [
        _move("proposed", "closing", "2024-01-01", "dora", reason="superseded"),
        _move("closing", "closed", "2024-02-01", "mia", artefact_review={"reviewed_by": "mia"}),
    ]
    moves = moves[:1] if stage == "closing" else moves
    return service(ident, stage, roles={"owner": "mia"}, lifecycle={"stage": stage, "moves": moves})


@pytest.mark.parametrize("stage", ["closing", "closed"])
def test_a_service_closed_as_superseded_needs_a_successor_that_names_it(stage: str) -> None:
    alone = run("STAGE-COMPLETE", catalogue(_superseded(stage=stage)))
    assert [(f.doc_path, f.message) for f in alone] == [
        (
            ("lifecycle", "moves", 0, "reason"),
            "this service was closed as superseded, but no service lists it in supersedes",
        )
    ]
    successor = service("new", supersedes=["old"])
    assert run("STAGE-COMPLETE", catalogue(_superseded(stage=stage), successor)) == []


def test_the_successor_may_be_a_service_that_was_not_loaded() -> None:
    # a broken file, or one the transition's guard knows only by its name
    cat = catalogue(_superseded())
    cat.service_ids.add("new")
    assert run("STAGE-COMPLETE", cat) == []


@pytest.mark.parametrize(
    ("temporary_stage", "supported_stage", "warned"),
    [
        ("running", "closed", True),
        ("transition", "closed", True),
        ("closing", "closed", False),
        ("running", "closing", True),
        ("closing", "closing", False),
        ("running", "running", False),
    ],
)
def test_a_temporary_service_outliving_the_service_it_supports(
    temporary_stage: str, supported_stage: str, warned: bool
) -> None:
    temporary = service(
        "helper",
        temporary_stage,
        temporary={"supports": "main", "end_date": "2999-01-01"},
    )
    findings = run("TEMPORARY-SERVICE", catalogue(temporary, service("main", supported_stage)))
    assert [(f.doc_path, f.severity) for f in findings] == (
        [(("temporary", "supports"), Severity.WARNING)] if warned else []
    )


def test_kpi_periods_follow_iso_weeks_and_the_calendar() -> None:
    day = dt.date
    # 2026 has 53 ISO weeks: its last one ends on Sunday 3 January 2027
    week = period_of("weekly", day(2027, 1, 3))
    assert (week.label, week.start, week.end) == ("2026-W53", day(2026, 12, 28), day(2027, 1, 3))
    assert last_due("weekly", day(2027, 1, 4)) == week
    assert last_due("weekly", day(2027, 1, 3)).label == "2026-W52"
    quarter = last_due("quarterly", day(2027, 1, 1))
    assert (quarter.label, quarter.start, quarter.end) == (
        "2026-Q4",
        day(2026, 10, 1),
        day(2026, 12, 31),
    )
    month = last_due("monthly", day(2028, 3, 1))
    assert (month.label, month.end) == ("2028-02", day(2028, 2, 29))
    assert last_due("annually", day(2027, 6, 30)).label == "2026"


def _kpi(ident: str, last_reading: str) -> str:
    return (
        f"  - id: {ident}\n    name: K {ident}\n    measure: A count.\n    unit: items\n"
        "    target: 1\n    direction: higher-is-better\n    frequency: quarterly\n"
        "    reported_by: marcus-lindqvist\n"
        f"    readings:\n      - {{date: {last_reading}, value: 1}}\n"
    )


def test_the_count_of_findings_not_listed_is_as_severe_as_the_worst_of_them(
    example_catalogue: Path,
) -> None:
    """101 overdue KPIs owing one quarter (warnings), then two owing many (errors): the one
    finding that counts the rest is an error, and validate fails."""
    config = example_catalogue / "pmoctl.yaml"  # the default severities, not the example's
    config.write_text(config.read_text(encoding="utf-8").split("\nrules:")[0], encoding="utf-8")
    path = example_catalogue / "services" / "gate-reviews.yaml"
    kpis = "".join(_kpi(f"k{n:03d}", "2026-06-30") for n in range(101))
    kpis += _kpi("k900", "2024-06-30") + _kpi("k901", "2024-06-30")
    text = path.read_text(encoding="utf-8").replace("kpis:\n", "kpis:\n" + kpis, 1)
    path.write_text(text, encoding="utf-8")
    result = run_cli("validate", "--no-cache", "-f", "json", example_catalogue)
    due = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "KPI-READING-DUE"]
    assert result.returncode == 1
    assert len(due) == 101 and due[-1]["message"].startswith("... and ")
    assert due[-1]["severity"] == "error"


def test_waivers_apply_before_findings_are_counted(example_catalogue: Path) -> None:
    """150 unknown operatives, each waived on its line: nothing is reported, no waiver unused."""
    path = example_catalogue / "services" / "gate-reviews.yaml"
    people = "".join(
        f"    - person-{n:03d}  # pmoctl: waive REF-PERSON -- joining next month\n"
        for n in range(150)
    )
    old = "  operatives: [grace-mensah, tom-okafor]\n"
    text = path.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, "  operatives:\n    - grace-mensah\n    - tom-okafor\n" + people)
    path.write_text(text, encoding="utf-8")
    findings = validate_catalogue(example_catalogue, use_cache=False).findings
    assert [f.rule for f in findings if f.path == "services/gate-reviews.yaml"] == []


@pytest.mark.parametrize(
    ("line", "flagged"),
    [
        ("../schemas/service.schema.json", False),
        ("../schemas/service.schema.json#/$defs/Service", False),
        ("../schemas/procedure.schema.json#/service.schema.json", True),
        ("https://example.org/track?f=/service.schema.json", True),
    ],
)
def test_the_schema_line_is_read_as_an_address(line: str, flagged: bool) -> None:
    from pmoctl.catalogue.modeline import modeline_findings

    text = f"# yaml-language-server: $schema={line}\nformat: 1\n"
    assert bool(modeline_findings("services/a.yaml", "service", text)) is flagged


def test_a_yml_beside_its_yaml_is_a_bad_name_not_a_collision(example_catalogue: Path) -> None:
    services = example_catalogue / "services"
    shutil.copyfile(services / "pm-training.yaml", services / "pm-training.yml")
    findings = validate_catalogue(example_catalogue, use_cache=False).findings
    mine = [(f.path, f.rule) for f in findings if f.path == "services/pm-training.yml"]
    assert mine == [("services/pm-training.yml", "FILE-NAME")]
