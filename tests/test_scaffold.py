"""`pmoctl init`, `pmoctl new service` and `pmoctl new procedure`, through the real CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import EXAMPLE, REPO_ROOT, git, run_cli
from pmoctl.catalogue.files import list_files
from pmoctl.catalogue.scaffold import check_id, fill, init_catalogue, new_document
from pmoctl.errors import UserError
from pmoctl.rules.validate import validate_catalogue

SCHEMA_LINE = "# yaml-language-server: $schema="


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


def _assert_clean(root: Path) -> None:
    findings = validate_catalogue(root, use_cache=False).findings
    # a new proposal lacks its demand until the analyst records it: a warning, and only that
    assert all(f.rule == "DEMAND-RECORDED" and f.severity.value == "warning" for f in findings)
    assert {f.path for f in findings} <= {
        path.relative_to(root).as_posix() for path in root.glob("services/*.yaml")
    }


def _schema_target(path: Path) -> Path:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith(SCHEMA_LINE), path
    return (path.parent / first.removeprefix(SCHEMA_LINE)).resolve()


@pytest.fixture
def initialised(tmp_path: Path) -> Path:
    """A catalogue as `pmoctl init` writes it (made in-process: most tests need one)."""
    root = tmp_path / "north-pmo"
    init_catalogue(root)
    return root


def test_init_writes_a_catalogue_that_validates_clean_in_a_new_git_repo(tmp_path: Path) -> None:
    initialised = tmp_path / "north-pmo"
    result = run_cli("init", initialised)
    assert result.returncode == 0, result.stderr
    assert "initialised a git repository" in result.stdout
    validated = run_cli("validate", initialised, "--no-cache", "--fail-on", "warning")
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "no problems" in validated.stdout
    assert (initialised / ".git").is_dir()
    assert git(initialised, "rev-parse", "--show-toplevel").strip() == str(initialised.resolve())
    assert list_files(initialised) == [
        "pmoctl.yaml",
        "organisation.yaml",
        "strategy.yaml",
        "handbook.yaml",
        "services/portfolio-reporting.yaml",
        "procedures/produce-portfolio-report.yaml",
    ]
    assert "North Pmo" in (initialised / "organisation.yaml").read_text(encoding="utf-8")


def test_init_writes_a_file_of_every_kind_from_its_template(initialised: Path) -> None:
    """Every kind of the registry has its model, template and schema, and init starts one."""
    from dataclasses import fields

    from pmoctl.catalogue.files import Catalogue, kind_of
    from pmoctl.catalogue.kinds import KINDS
    from pmoctl.catalogue.models import MODELS_BY_KIND
    from pmoctl.resources import template_text

    catalogue_fields = {field.name for field in fields(Catalogue)}
    for kind in KINDS:
        assert MODELS_BY_KIND[kind.name].__name__ == kind.model
        assert "{{ schema }}" in template_text(f"scaffold/{kind.template}")
        assert (REPO_ROOT / "schemas" / kind.schema).is_file()
        assert kind.attribute in catalogue_fields
        if kind.collection:
            assert kind.ids_attribute in catalogue_fields
    kinds = [kind_of(rel) for rel in list_files(initialised)]
    assert kinds == [kind.name for kind in KINDS]


def test_init_ships_the_schemas_and_every_file_points_at_one(initialised: Path) -> None:
    for schema in (REPO_ROOT / "schemas").iterdir():
        assert (initialised / "schemas" / schema.name).read_bytes() == schema.read_bytes()
    for rel in list_files(initialised):
        target = _schema_target(initialised / rel)
        assert target.is_file()
        assert target.parent == (initialised / "schemas").resolve()


def test_init_makes_main_whatever_git_s_default_branch(tmp_path: Path) -> None:
    git(tmp_path, "config", "--global", "init.defaultBranch", "master")
    result = run_cli("init", "north-pmo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    root = tmp_path / "north-pmo"
    assert git(root, "symbolic-ref", "HEAD").strip() == "refs/heads/main"
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "catalogue")
    git(root, "switch", "-q", "-c", "feature")
    assert run_cli("check", cwd=root).returncode == 0  # the default base, main, is found


def test_init_maps_every_schema_to_its_files_for_the_editor(initialised: Path) -> None:
    """Files are checked in the editor even without their schema line."""
    import fnmatch
    import json

    from pmoctl.catalogue.files import kind_of

    settings = json.loads((initialised / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    mapping = settings["yaml.schemas"]
    assert sorted(mapping) == sorted(
        f"schemas/{path.name}" for path in (initialised / "schemas").iterdir()
    )
    for rel in list_files(initialised):
        (schema,) = [name for name, globs in mapping.items() if any(
            fnmatch.fnmatch(rel, glob) for glob in globs
        )]  # fmt: skip
        assert schema == f"schemas/{kind_of(rel)}.schema.json"


def test_init_leaves_an_existing_editor_settings_file_and_says_so(tmp_path: Path) -> None:
    settings = tmp_path / ".vscode" / "settings.json"
    settings.parent.mkdir()
    settings.write_text('{\n  // mine\n  "editor.tabSize": 2\n}\n', encoding="utf-8")
    result = run_cli("init", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert settings.read_text(encoding="utf-8") == '{\n  // mine\n  "editor.tabSize": 2\n}\n'
    assert ".vscode/settings.json exists and was left as it is" in result.stdout
    assert '"schemas/service.schema.json": ["services/*.yaml"]' in result.stdout
    _assert_clean(tmp_path)


def test_init_inside_an_existing_repository_does_not_run_git_init(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    result = run_cli("init", "catalogue", "--name", "Harbourside: Water & Power", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "catalogue" / ".git").exists()
    assert "initialised a git repository" not in result.stdout
    assert git(tmp_path, "rev-parse", "--show-toplevel").strip() == str(tmp_path.resolve())
    _assert_clean(tmp_path / "catalogue")
    assert "Harbourside: Water & Power" in (tmp_path / "catalogue" / "pmoctl.yaml").read_text(
        encoding="utf-8"
    )


def test_init_accepts_a_folder_holding_other_files(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("notes\n", encoding="utf-8")
    result = run_cli("init", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == "notes\n"
    _assert_clean(tmp_path)


@pytest.mark.parametrize(
    "existing", ["pmoctl.yaml", "services/x.yaml", "schemas/service.schema.json"]
)
def test_init_refuses_a_folder_with_catalogue_files_and_changes_nothing(
    tmp_path: Path, existing: str
) -> None:
    (tmp_path / existing).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / existing).write_text("mine\n", encoding="utf-8")
    before = _snapshot(tmp_path)

    result = run_cli("init", tmp_path)

    assert result.returncode == 2
    assert "already holds catalogue files" in result.stderr
    assert _snapshot(tmp_path) == before
    assert not (tmp_path / ".git").exists()


def test_init_refuses_a_file_as_the_folder(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("x", encoding="utf-8")
    result = run_cli("init", tmp_path / "taken")
    assert result.returncode == 2
    assert (tmp_path / "taken").read_text(encoding="utf-8") == "x"


def test_init_twice_is_refused(initialised: Path) -> None:
    before = _snapshot(initialised)
    result = run_cli("init", initialised)
    assert result.returncode == 2
    assert _snapshot(initialised) == before


def test_new_service_and_procedure_validate_clean(initialised: Path) -> None:
    service = run_cli("new", "service", "benefits-tracking", cwd=initialised / "services")
    assert service.returncode == 0, service.stderr
    procedure = run_cli(
        "new", "procedure", "track-benefits", "--name", 'Track "benefits": #1', "-C", initialised
    )
    assert procedure.returncode == 0, procedure.stderr

    _assert_clean(initialised)
    catalogue = validate_catalogue(initialised, use_cache=False).catalogue
    assert catalogue is not None
    new = catalogue.services["benefits-tracking"]
    assert new.name == "Benefits tracking"
    assert new.lifecycle.stage.value == "proposed"
    assert new.delivery.pmos == ["corporate-pmo"]
    assert catalogue.procedures["track-benefits"].name == 'Track "benefits": #1'
    for rel in ("services/benefits-tracking.yaml", "procedures/track-benefits.yaml"):
        assert (
            _schema_target(initialised / rel)
            == (initialised / "schemas" / f"{rel.split('/')[0][:-1]}.schema.json").resolve()
        )


def test_new_service_names_the_pmo_asked_for(example_catalogue: Path) -> None:
    result = run_cli(
        "new", "service", "pmo-health-check", "--pmo", "pmo-coe", "-C", example_catalogue
    )
    assert result.returncode == 0, result.stderr
    catalogue = validate_catalogue(example_catalogue, use_cache=False).catalogue
    assert catalogue is not None
    assert catalogue.services["pmo-health-check"].delivery.pmos == ["pmo-coe"]

    unknown = run_cli("new", "service", "other", "--pmo", "nowhere", "-C", example_catalogue)
    assert unknown.returncode == 2
    assert "corporate-pmo" in unknown.stderr
    assert not (example_catalogue / "services" / "other.yaml").exists()


def test_new_file_points_at_the_repository_schemas_when_the_catalogue_has_none(
    tmp_path: Path,
) -> None:
    """Like pmoctl's own example: the catalogue is a folder of a repository with schemas/."""
    shutil.copytree(REPO_ROOT / "schemas", tmp_path / "schemas")
    shutil.copytree(EXAMPLE, tmp_path / "examples" / "catalogue")
    git(tmp_path, "init", "-q")
    catalogue = tmp_path / "examples" / "catalogue"
    shutil.rmtree(catalogue / "schemas")  # the example carries its own; this one does not

    assert run_cli("new", "procedure", "review-pmo", "-C", catalogue).returncode == 0

    first = (
        (catalogue / "procedures" / "review-pmo.yaml").read_text(encoding="utf-8").splitlines()[0]
    )
    assert first == SCHEMA_LINE + "../../../schemas/procedure.schema.json"
    _assert_clean(catalogue)


@pytest.mark.parametrize("bad", ["Portfolio", "../escape"])
def test_new_refuses_an_invalid_id_and_writes_nothing(initialised: Path, bad: str) -> None:
    before = _snapshot(initialised)
    result = run_cli("new", "service", "-C", initialised, "--", bad)
    assert result.returncode == 2
    assert "not a valid id" in result.stderr
    assert _snapshot(initialised) == before


@pytest.mark.parametrize("kind", ["service", "procedure"])
def test_new_never_overwrites(initialised: Path, kind: str) -> None:
    ident = "portfolio-reporting" if kind == "service" else "produce-portfolio-report"
    before = _snapshot(initialised)
    result = run_cli("new", kind, ident, "-C", initialised)
    assert result.returncode == 2
    assert "already exists" in result.stderr
    assert _snapshot(initialised) == before


def test_new_refuses_a_name_that_collides_on_case_insensitive_file_systems(
    initialised: Path,
) -> None:
    (initialised / "services" / "Gate-Reviews.yaml").write_text("x: 1\n", encoding="utf-8")
    before = _snapshot(initialised)
    result = run_cli("new", "service", "gate-reviews", "-C", initialised)
    assert result.returncode == 2
    assert "case-insensitive" in result.stderr
    assert _snapshot(initialised) == before


def test_new_outside_a_catalogue_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("new", "service", "anything", cwd=tmp_path)
    assert result.returncode == 2
    assert list(tmp_path.iterdir()) == []


def test_new_service_without_a_readable_organisation_asks_for_pmo(initialised: Path) -> None:
    (initialised / "organisation.yaml").write_text(
        "format: 1\nkind: organisation\n", encoding="utf-8"
    )
    with pytest.raises(UserError, match="cannot tell which PMO"):
        new_document("service", "later", catalogue=initialised)
    written = new_document("service", "later", catalogue=initialised, pmo="corporate-pmo")
    assert written.files == ["services/later.yaml"]


@pytest.mark.parametrize("bad", ["A", "a_b", "-lead", "trail-", "a/b", "..", "x" * 65, "", "é"])
def test_check_id_refuses_what_cannot_be_a_file_name(bad: str) -> None:
    with pytest.raises(UserError, match="not a valid id: ids are 1 to 64 characters"):
        check_id(bad)


def test_check_id_refuses_windows_device_names() -> None:
    with pytest.raises(UserError, match="reserved device name"):
        check_id("con")


def test_check_id_and_fill() -> None:
    check_id("a")
    check_id("pmo-2-reporting")
    check_id("x" * 64)
    assert fill("id: {{ id }} {{ id }}", {"id": "x"}) == "id: x x"
    with pytest.raises(KeyError):
        fill("{{ missing }}", {})


def test_init_rejects_a_name_with_control_characters(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="control"):
        init_catalogue(tmp_path / "c", name="bad\u202ename")
    assert not (tmp_path / "c").exists()


def _tree(folder: Path) -> list[str]:
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*"))


@pytest.mark.parametrize("linked", ["services", "procedures", ".vscode"])
def test_init_never_writes_through_a_linked_folder(tmp_path: Path, linked: str) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    target = tmp_path / "new"
    target.mkdir()
    (target / linked).symlink_to(outside, target_is_directory=True)
    result = run_cli("init", target)
    assert list(outside.iterdir()) == []
    if linked == ".vscode":  # the editor settings are optional: left out, and said so
        assert result.returncode == 0
        assert ".vscode/settings.json" in result.stdout + result.stderr
    else:  # refused before anything is written
        assert result.returncode == 2, result.stderr
        assert _tree(target) == [linked]


def test_init_is_all_or_nothing_when_a_folder_it_writes_into_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "new"
    target.mkdir()
    (target / "procedures").write_text("not a folder\n", "utf-8")
    result = run_cli("init", target)
    assert result.returncode == 2, result.stderr
    assert "not a folder" in result.stderr
    assert _tree(target) == ["procedures"]


def test_init_refuses_before_writing_when_a_file_is_in_the_way(tmp_path: Path) -> None:
    target = tmp_path / "new"
    (target / "strategy.yaml").mkdir(parents=True)
    result = run_cli("init", target)
    assert result.returncode == 2
    assert "strategy.yaml" in result.stderr
    assert _tree(target) == ["strategy.yaml"]


def test_new_refuses_a_linked_services_folder(tmp_path: Path) -> None:
    root = tmp_path / "catalogue"
    shutil.copytree(EXAMPLE, root)
    outside = tmp_path / "outside"
    shutil.move(root / "procedures", outside)
    (root / "procedures").symlink_to(outside, target_is_directory=True)
    before = _tree(outside)
    result = run_cli("new", "procedure", "run-things", cwd=root)
    assert result.returncode == 3, result.stderr
    assert _tree(outside) == before
