"""The worker pool gives exactly what one process gives: findings, positions, models."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from benchmarks.generate import generate

from conftest import run_cli
from pmoctl.catalogue.models import Service
from pmoctl.catalogue.pipeline import share_field_sets
from pmoctl.rules.validate import validate_catalogue


def _edit(path: Path, pattern: str, replacement: str) -> None:
    text = path.read_text(encoding="utf-8")
    changed, count = re.subn(pattern, replacement, text, count=1, flags=re.MULTILINE)
    assert count == 1, f"{pattern!r} not in {path.name}"
    path.write_text(changed, encoding="utf-8")


@pytest.fixture(scope="module")
def broken_catalogue(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated catalogue of 60 services with problems of every layer in it."""
    root = generate(tmp_path_factory.mktemp("parallel") / "catalogue", 60, seed=7)
    services = sorted((root / "services").glob("*.yaml"))
    _edit(services[0], r"^scope: .*$", "scope: galaxy")  # schema: a value not allowed
    _edit(services[1], r"^summary: ", "summry: ")  # schema: unknown key, required key
    _edit(services[2], r"^category: .*$", "category: [unclosed")  # YAML syntax
    _edit(services[3], r"^name: (.*)$", r"name: \1\nname: again")  # duplicate key
    _edit(services[4], r"^  owner: .*$", "  owner: nobody-here")  # cross-document reference
    _edit(
        services[5],
        r"^  owner: .*$",
        "  # pmoctl: waive REF-PERSON -- being hired\n  owner: nobody",
    )
    _edit(services[6], r"^kind: service$", "kind: service  # pmoctl: waive KPI-THRESHOLDS -- stale")
    _edit(services[7], r"^outcome: (.*)$", r"outcome: &o \1")  # an anchor: the exact scan
    _edit(services[8], r"^      - \{date: (\d{4})-\d\d-\d\d", r"      - {date: \1-02-30")
    (root / "services" / "Bad_Name.yml").write_text("format: 1\n", encoding="utf-8")
    return root


def test_workers_give_the_same_findings_and_models_as_one_process(broken_catalogue: Path) -> None:
    single = validate_catalogue(broken_catalogue, jobs=1, use_cache=False)
    pooled = validate_catalogue(broken_catalogue, jobs=2, use_cache=False)
    assert pooled.findings == single.findings
    rules = {finding.rule for finding in single.findings}
    assert {"SCHEMA-VALUE", "SCHEMA-UNKNOWN-KEY", "YAML-SYNTAX", "YAML-DUPLICATE-KEY"} <= rules
    assert {"REF-PERSON", "WAIVER-UNUSED", "YAML-ANCHOR", "YAML-VALUE", "FILE-NAME"} <= rules
    assert all(finding.line > 0 for finding in single.findings if finding.rule != "FILE-NAME")
    assert single.catalogue is not None and pooled.catalogue is not None
    assert pooled.catalogue.services.keys() == single.catalogue.services.keys()
    assert len(single.catalogue.services) > 40
    for ident, service in single.catalogue.services.items():
        twin = pooled.catalogue.services[ident]
        assert twin == service
        assert twin.model_fields_set == service.model_fields_set
        assert twin.model_dump(by_alias=True, exclude_unset=True) == service.model_dump(
            by_alias=True, exclude_unset=True
        )
    assert pooled.catalogue.procedures == single.catalogue.procedures
    assert pooled.catalogue.organisation == single.catalogue.organisation
    assert pooled.catalogue.broken == single.catalogue.broken


def test_cli_output_is_the_same_with_workers(broken_catalogue: Path) -> None:
    single = run_cli("validate", "--no-cache", "-j", "1", "--format", "json", broken_catalogue)
    pooled = run_cli("validate", "--no-cache", "-j", "2", "--format", "json", broken_catalogue)
    assert single.returncode == pooled.returncode == 1
    assert pooled.stdout == single.stdout
    assert len({f["path"] for f in json.loads(single.stdout)["findings"]}) >= 8


def test_a_clean_generated_catalogue_has_no_findings_either_way(tmp_path: Path) -> None:
    root = generate(tmp_path / "clean", 30)
    for jobs in (1, 2):
        result = validate_catalogue(root, jobs=jobs, use_cache=False)
        assert result.findings == [], [str(f) for f in result.findings[:5]]


def test_models_share_equal_field_sets_and_stay_correct(tmp_path: Path) -> None:
    root = generate(tmp_path / "shared", 12)
    catalogue = validate_catalogue(root, jobs=1, use_cache=False).catalogue
    assert catalogue is not None
    readings = [
        reading
        for service in catalogue.services.values()
        for kpi in service.kpis
        for reading in kpi.readings
        if reading.note is None
    ]
    assert len(readings) > 20
    assert len({id(reading.model_fields_set) for reading in readings}) == 1
    service = next(iter(catalogue.services.values()))
    fresh = Service.model_validate(service.model_dump(by_alias=True, exclude_unset=True))
    assert fresh == service
    assert fresh.model_dump(exclude_unset=True) == service.model_dump(exclude_unset=True)
    shared = readings[0].model_fields_set
    before = set(shared)
    copy = readings[0].model_copy(update={"note": "checked"})
    assert copy.note == "checked" and "note" in copy.model_fields_set
    assert shared == before  # model_copy copied the shared set before changing it
    share_field_sets(None)  # nothing to share: no error
