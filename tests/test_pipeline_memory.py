"""`pmoctl validate` keeps slimmed models: the same findings, fields no rule reads dropped.

Above ``SLIM_THRESHOLD`` files, validate keeps every model without the fields of
``pipeline.SLIM_FIELDS`` (and with equal texts shared) so that 10,000 services fit the
memory budget. These tests guard that mechanism: every case in tests/cases gives exactly
the same findings slimmed and full, the rules still give them when the dropped fields are
poisoned (any use of one fails), and no rule module even names a dropped field.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
from benchmarks.generate import generate
from pydantic import BaseModel

from conftest import EXAMPLE
from pmoctl.catalogue import pipeline
from pmoctl.catalogue.files import Catalogue
from pmoctl.catalogue.models import service as service_models
from pmoctl.catalogue.pipeline import load_catalogue
from pmoctl.catalogue.slim import SLIM_FIELDS
from pmoctl.findings import Finding
from pmoctl.rules.engine import apply_settings, run_rules
from pmoctl.rules.validate import validate_catalogue
from test_cases import build_case, case_names

SRC = Path(pipeline.__file__).parent.parent
#: dropped fields whose names the rules do use, for something else (checked by hand):
#: ``requirement.description`` is a lifecycle requirement's text, "quality" a rule module
NAMED_ELSEWHERE = {"description", "quality"}


def _findings(root: Path, slim: bool, jobs: int = 1) -> list[Finding]:
    catalogue, findings, waivers = load_catalogue(root, jobs, slim=slim)
    findings.extend(run_rules(catalogue))
    return sorted(apply_settings(findings, catalogue.config, waivers), key=Finding.sort_key)


def _models(catalogue: Catalogue) -> Iterator[BaseModel]:
    stack: list[Any] = [
        catalogue.config,
        catalogue.organisation,
        catalogue.strategy,
        catalogue.handbook,
        *catalogue.services.values(),
        *catalogue.procedures.values(),
    ]
    while stack:
        value = stack.pop()
        if isinstance(value, BaseModel):
            yield value
            stack.extend(value.__dict__.values())
        elif isinstance(value, list | tuple):
            stack.extend(value)
        elif isinstance(value, dict):
            stack.extend(value.values())


class Poison:
    """Stands for a dropped field: any use of it by a rule fails the test."""

    def __init__(self, where: str) -> None:
        object.__setattr__(self, "where", where)

    def _fail(self, *_: object, **__: object) -> NoReturn:
        raise AssertionError(f"a rule used {object.__getattribute__(self, 'where')}")

    __bool__ = __len__ = __iter__ = __contains__ = __getitem__ = _fail
    __eq__ = __ne__ = __lt__ = __gt__ = __hash__ = __str__ = __format__ = _fail
    __getattr__ = _fail


def _poison(catalogue: Catalogue) -> int:
    count = 0
    for model in _models(catalogue):
        for name in SLIM_FIELDS.get(model.__class__, ()):
            model.__dict__[name] = Poison(f"{model.__class__.__name__}.{name}")
            count += 1
    return count


def _poisoned_rule_findings(root: Path) -> tuple[list[Finding], list[Finding], int]:
    full, _, _ = load_catalogue(root)
    expected = run_rules(full)
    poisoned, _, _ = load_catalogue(root)
    count = _poison(poisoned)
    return expected, run_rules(poisoned), count


@pytest.mark.parametrize("name", ["example", *case_names()])
def test_a_slimmed_catalogue_gives_exactly_the_findings_of_a_full_one(
    name: str, tmp_path: Path
) -> None:
    root = EXAMPLE if name == "example" else build_case(name, tmp_path / name)
    full = _findings(root, slim=False)
    assert _findings(root, slim=True) == full
    expected, poisoned, count = _poisoned_rule_findings(root)
    assert poisoned == expected
    if name == "example":
        assert count > 20 and not full


def test_no_rule_names_a_dropped_field() -> None:
    files = [
        *sorted((SRC / "rules").glob("*.py")),
        SRC / "catalogue" / "lifecycle.py",
        SRC / "catalogue" / "files.py",
    ]
    named: set[str] = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute):
                named.add(node.attr)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                named.add(node.value)
    dropped = {name for fields in SLIM_FIELDS.values() for name in fields}
    assert dropped & named == NAMED_ELSEWHERE
    for model, fields in SLIM_FIELDS.items():
        for name in fields:  # a slimmed model must still be valid: only fields with defaults
            assert not model.model_fields[name].is_required(), (model, name)


def test_slimmed_models_are_the_same_from_workers_and_without_the_dropped_fields(
    tmp_path: Path,
) -> None:
    root = generate(tmp_path / "generated", 40)
    assert _findings(root, slim=True, jobs=2) == _findings(root, slim=True) == []
    full, _, _ = load_catalogue(root)
    single, _, _ = load_catalogue(root, 1, slim=True)
    pooled, _, _ = load_catalogue(root, 2, slim=True)
    assert pooled.services == single.services
    readings = sum(len(kpi.readings) for s in full.services.values() for kpi in s.kpis)
    assert readings > 40
    # equal small value models are one object (SHARED_MODELS), equal texts too
    thresholds = [k.thresholds for s in single.services.values() for k in s.kpis if k.thresholds]
    assert len({id(item) for item in thresholds}) < len(thresholds) / 4
    owners = [s.roles.owner for s in single.services.values() if s.roles.owner]
    assert len({id(owner) for owner in owners}) == len(set(owners)) < len(owners)
    for ident, service in single.services.items():
        twin = pooled.services[ident]
        assert twin.model_fields_set == service.model_fields_set
        # a KPI keeps its latest reading only
        for kpi, whole in zip(service.kpis, full.services[ident].kpis, strict=True):
            assert kpi.readings == whole.readings[-1:]
        assert service.description is None and "description" not in service.model_fields_set
        kept = service.model_dump(exclude=set(SLIM_FIELDS[service_models.Service]))
        original = full.services[ident].model_dump(exclude=set(SLIM_FIELDS[service_models.Service]))
        for part in (kept, original):
            for kpi in part["kpis"]:
                del kpi["readings"]
            for process in part["processes"]:
                for item in (*process["inputs"], *process["outputs"]):
                    del item["quality"]
            for risk in part["risks"]:
                del risk["mitigation"]
            part.pop("needs"), part.pop("funding")
            for move in part["lifecycle"]["moves"]:
                move.pop("artefact_review")
        assert kept == original


def test_validate_slims_large_catalogues_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = generate(tmp_path / "generated", 12)
    small = validate_catalogue(root, jobs=1, use_cache=False).catalogue
    assert small is not None
    assert any(kpi.readings for service in small.services.values() for kpi in service.kpis)
    monkeypatch.setattr(pipeline, "SLIM_THRESHOLD", 10)
    large = validate_catalogue(root, jobs=1, use_cache=False)
    assert large.catalogue is not None and large.findings == []
    kpis = [kpi for s in large.catalogue.services.values() for kpi in s.kpis]
    assert any(kpi.readings for kpi in kpis) and all(len(kpi.readings) <= 1 for kpi in kpis)
