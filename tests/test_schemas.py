"""The committed JSON Schemas match the models, and they really accept the example catalogue."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conftest import EXAMPLE, REPO_ROOT, run_cli
from pmoctl.api import schema_documents, schema_text
from pmoctl.catalogue.files import kind_of, list_files
from pmoctl.catalogue.models import MODELS_BY_KIND
from pmoctl.yaml.loader import parse

SCHEMAS = REPO_ROOT / "schemas"
SCHEMA_LINE = "# yaml-language-server: $schema="
EXAMPLE_FILES = list_files(EXAMPLE)


def _json_data(value: Any) -> Any:
    """The parsed YAML as a JSON document would hold it (dates become ISO strings)."""
    if isinstance(value, dict):
        return {key: _json_data(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_data(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _validator(kind: str) -> jsonschema.protocols.Validator:
    schema = json.loads((SCHEMAS / f"{kind}.schema.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _example_data(rel: str) -> Any:
    return _json_data(parse((EXAMPLE / rel).read_text(encoding="utf-8")))


def test_committed_schemas_are_exactly_the_models_schemas() -> None:
    expected = schema_documents()
    assert sorted(expected) == sorted(f"{kind}.schema.json" for kind in MODELS_BY_KIND)
    committed = sorted(path.name for path in SCHEMAS.iterdir())
    assert committed == sorted(expected), "schemas/ holds files the models do not make"
    for name, document in expected.items():
        assert (SCHEMAS / name).read_text(encoding="utf-8") == schema_text(document), (
            f"schemas/{name} is stale: run `pmoctl schema --out schemas`"
        )


def test_schema_check_passes_on_the_committed_schemas() -> None:
    result = run_cli("schema", "--out", SCHEMAS, "--check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_schema_check_reports_drift_and_changes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "schemas"
    shutil.copytree(SCHEMAS, out)
    stale = out / "service.schema.json"
    stale.write_text(stale.read_text(encoding="utf-8").replace('"id"', '"ident"'), encoding="utf-8")
    before = stale.read_text(encoding="utf-8")
    (out / "procedure.schema.json").unlink()

    result = run_cli("schema", "--out", out, "--check")

    assert result.returncode == 1
    assert "service.schema.json" in result.stdout
    assert "procedure.schema.json" in result.stdout
    assert "organisation.schema.json" not in result.stdout
    assert stale.read_text(encoding="utf-8") == before
    assert not (out / "procedure.schema.json").exists()


def test_schema_writes_what_check_then_accepts(tmp_path: Path) -> None:
    out = tmp_path / "fresh"
    assert run_cli("schema", "--out", out).returncode == 0
    for path in SCHEMAS.iterdir():
        assert (out / path.name).read_bytes() == path.read_bytes()
    assert run_cli("schema", "--out", out, "--check").returncode == 0


def test_the_example_has_every_document_kind() -> None:
    kinds = {kind_of(rel) for rel in EXAMPLE_FILES}
    assert kinds == set(MODELS_BY_KIND)


@pytest.mark.parametrize("rel", EXAMPLE_FILES)
def test_example_file_is_valid_against_its_schema(rel: str) -> None:
    kind = kind_of(rel)
    assert kind is not None
    errors = [error.message for error in _validator(kind).iter_errors(_example_data(rel))]
    assert errors == []


@pytest.mark.parametrize("rel", EXAMPLE_FILES)
def test_example_file_names_its_schema_on_the_first_line(rel: str) -> None:
    first = (EXAMPLE / rel).read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith(SCHEMA_LINE), f"{rel} does not start with the $schema line"
    target = first.removeprefix(SCHEMA_LINE)
    assert not os.path.isabs(target), "the schema path must be relative (the repository moves)"
    schema = ((EXAMPLE / rel).parent / target).resolve()
    # the catalogue's own schemas/: a copy of the catalogue keeps working in the editor
    assert schema == (EXAMPLE / "schemas" / f"{kind_of(rel)}.schema.json").resolve()
    assert schema.is_file()


def test_the_example_catalogue_carries_the_current_schemas() -> None:
    result = run_cli("schema", "--out", EXAMPLE / "schemas", "--check")
    assert result.returncode == 0, (
        result.stdout + "run `pmoctl schema --out examples/catalogue/schemas`"
    )
    assert sorted(path.name for path in (EXAMPLE / "schemas").iterdir()) == sorted(
        path.name for path in SCHEMAS.iterdir()
    )


def test_schemas_reject_what_the_models_reject() -> None:
    """The schemas are not vacuous: a typo'd key, a bad id or a wrong stage fails them."""
    service = _example_data("services/portfolio-reporting.yaml")
    validator = _validator("service")
    assert not list(validator.iter_errors(service))
    for broken in (
        {**service, "summry": "typo"},
        {**service, "id": "Portfolio_Reporting"},
        {**service, "lifecycle": {"stage": "live"}},
        {key: value for key, value in service.items() if key != "delivery"},
    ):
        assert list(validator.iter_errors(broken)), broken


def test_the_example_validates_with_no_findings() -> None:
    result = run_cli("validate", EXAMPLE, "--no-cache", "--fail-on", "warning")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no problems" in result.stdout


def _format_doc_generator() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "gen_format", REPO_ROOT / "docs" / "gen_format.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_format_doc_key_tables_are_current() -> None:
    generator = _format_doc_generator()
    text = generator.DOC.read_text(encoding="utf-8")
    assert generator.render(text) == text, (
        "docs/format.md is stale: run `python docs/gen_format.py`"
    )
    # every key of every kind is in the doc, with a meaning
    for kind, model in MODELS_BY_KIND.items():
        for name, field in model.model_fields.items():
            assert f"| `{field.alias or name}` |" in text, (kind, name)


def test_format_doc_generator_refuses_a_key_without_a_meaning() -> None:
    generator = _format_doc_generator()
    schema = schema_documents()["handbook.schema.json"]
    schema["properties"]["sponsor"] = {"type": "string"}
    with pytest.raises(SystemExit, match="handbook:sponsor"):
        generator.table("handbook", schema)


def test_format_doc_examples_are_valid_documents() -> None:
    text = (REPO_ROOT / "docs" / "format.md").read_text(encoding="utf-8")
    blocks = [block.split("```", 1)[0] for block in text.split("```yaml\n")[1:]]
    documents = [block for block in blocks if block.startswith(SCHEMA_LINE) and "\nkind: " in block]
    kinds = set()
    for block in documents:
        data = parse(block)
        MODELS_BY_KIND[data["kind"]].model_validate(data)
        assert not list(_validator(data["kind"]).iter_errors(_json_data(data)))
        kinds.add(data["kind"])
    assert kinds == set(MODELS_BY_KIND), "docs/format.md lacks an example of some kind"


@pytest.mark.parametrize("kind", sorted(MODELS_BY_KIND))
def test_check_jsonschema_accepts_the_schema_and_the_example(kind: str) -> None:
    """Editors and check-jsonschema read patterns as ECMA-262 regexes, not Python's."""
    import subprocess
    import sys

    files = [EXAMPLE / rel for rel in list_files(EXAMPLE) if kind_of(rel) == kind]
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--schemafile",
         str(REPO_ROOT / "schemas" / f"{kind}.schema.json"), *map(str, files)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def _all_models() -> dict[str, type[Any]]:
    """Every model class reachable from a document kind's model, by name."""
    import typing

    from pydantic import BaseModel

    found: dict[str, type[Any]] = {}

    def visit(annotation: Any) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            name = f"{annotation.__module__}.{annotation.__qualname__}"
            if name not in found:
                found[name] = annotation
                for field in annotation.model_fields.values():
                    visit(field.annotation)
            return
        for argument in typing.get_args(annotation):
            visit(argument)

    for model in MODELS_BY_KIND.values():
        visit(model)
    return found


def test_every_key_of_every_kind_has_a_one_sentence_description() -> None:
    """The description is the editor's hover and completion text and the docs' meaning."""
    models = _all_models()
    assert len(models) > len(MODELS_BY_KIND), "the walk found no nested models"
    bare = [
        f"{name}.{field_name}"
        for name, model in models.items()
        for field_name, field in model.model_fields.items()
        if not (field.description or "").strip().endswith(".")
    ]
    assert bare == [], "keys without a description (Field(description=...)): " + ", ".join(bare)


@pytest.mark.parametrize("name", sorted(f"{kind}.schema.json" for kind in MODELS_BY_KIND))
def test_every_schema_property_carries_its_description(name: str) -> None:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    nodes = [schema, *schema.get("$defs", {}).values()]
    missing = [
        f"{node.get('title', 'root')}.{key}"
        for node in nodes
        for key, child in node.get("properties", {}).items()
        if not child.get("description")
    ]
    assert missing == []


def _nodes(node: Any) -> list[dict[str, Any]]:
    """Every schema object inside a schema document."""
    found = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found.extend(_nodes(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_nodes(value))
    return found


@pytest.mark.parametrize("name", sorted(f"{kind}.schema.json" for kind in MODELS_BY_KIND))
def test_schemas_speak_plainly_to_the_editor(name: str) -> None:
    """Readable pattern messages, one hover title per optional key, closed maps."""
    nodes = _nodes(json.loads((SCHEMAS / name).read_text(encoding="utf-8")))
    for node in nodes:
        if isinstance(node.get("pattern"), str):
            assert node.get("patternErrorMessage", "").startswith("Expected "), node
            assert node["pattern"] not in node["patternErrorMessage"]
        # the language server joins the titles of anyOf's branches on hover ("X || X")
        assert {"type": "null"} not in node.get("anyOf", []), node
        if "patternProperties" in node:
            assert "propertyNames" in node, node


@pytest.mark.parametrize(
    ("day", "valid"),
    [("2024-02-29", True), ("2023-02-28", True), ("2024-02-30", False), ("2024-04-31", False),
     ("2024-12-31", True), ("2024-13-01", False), ("2024-1-05", False)],
)  # fmt: skip
def test_the_schemas_date_refuses_days_a_month_does_not_have(day: str, valid: bool) -> None:
    """Editors check ``format: date`` by a loose regex; the schema's pattern is the check."""
    schema = json.loads((SCHEMAS / "service.schema.json").read_text(encoding="utf-8"))
    without_format_check = jsonschema.validators.validator_for(schema)(schema)
    service = _example_data("services/portfolio-reporting.yaml")
    service["lifecycle"]["moves"][0]["date"] = day
    errors = list(without_format_check.iter_errors(service))
    assert (not errors) == valid, errors


def test_a_quoted_number_is_refused_by_the_schema_and_by_pmoctl() -> None:
    """Editor and CI agree: in YAML, "0.6" is text, not a number."""
    from pydantic import ValidationError

    service = _example_data("services/portfolio-reporting.yaml")
    service["needs"]["capacity"][0]["fte"] = "0.6"
    assert list(_validator("service").iter_errors(service))
    with pytest.raises(ValidationError):
        MODELS_BY_KIND["service"].model_validate(service)


def test_the_readmes_hover_is_the_models_description() -> None:
    from pmoctl.catalogue.models.service import Kpi

    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert f"```text\nTarget\n\n{Kpi.model_fields['target'].description}\n```" in readme
