"""`pmoctl codeowners`: CODEOWNERS from the catalogue's owners and the people's handles."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import git, run_cli
from pmoctl.errors import RefusedError
from pmoctl.lifecycle.codeowners import build, default_path, stale_diff


def owners_of(text: str) -> dict[str, list[str]]:
    rules = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            pattern, *handles = line.split(" ")
            rules[pattern] = handles
    return rules


def test_each_file_is_owned_by_the_right_people(example_repo: Path) -> None:
    result = run_cli("codeowners", cwd=example_repo)
    assert result.returncode == 0, result.stderr
    written = example_repo / ".github" / "CODEOWNERS"
    assert f"wrote: {written}" in result.stdout
    rules = owners_of(written.read_text(encoding="utf-8"))
    # gate-reviews: owner helen-achebe, manager marcus-lindqvist
    assert rules["/services/gate-reviews.yaml"] == ["@hachebe", "@mlindqvist"]
    assert rules["/handbook.yaml"] == rules["/procedures/"] == ["@mlindqvist"]  # handbook owner
    assert rules["/strategy.yaml"] == rules["*"] == ["@hachebe"]  # strategy owner
    assert rules["/.github/CODEOWNERS"] == ["@hachebe"]
    from pmoctl.catalogue.kinds import KINDS

    for kind in KINDS:  # every kind with owners of its own is named
        named = any(p.startswith(f"/{kind.place}") for p in rules)
        assert named == kind.owned, kind.name
    services = sorted(p.stem for p in (example_repo / "services").glob("*.yaml"))
    assert [p for p in rules if p.startswith("/services/")] == [
        f"/services/{s}.yaml" for s in services
    ]


def test_the_pmo_directors_own_every_service_file_since_they_appoint_its_roles(
    example_repo: Path,
) -> None:
    organisation = example_repo / "organisation.yaml"
    text = organisation.read_text(encoding="utf-8")
    organisation.write_text(
        text.replace("    role: pmo-manager\n    pmo: it-smo\n", "    role: pmo-director\n"
                     "    pmo: it-smo\n", 1),
        encoding="utf-8",
    )  # fmt: skip
    assert run_cli("codeowners", cwd=example_repo).returncode == 0
    rules = owners_of((example_repo / ".github" / "CODEOWNERS").read_text(encoding="utf-8"))
    # owner marcus-lindqvist, manager tom-okafor, then the two PMO Directors
    assert rules["/services/portfolio-reporting.yaml"] == [
        "@mlindqvist", "@tokafor", "@hachebe", "@rkowalski",
    ]  # fmt: skip
    assert all(
        {"@hachebe", "@rkowalski"} <= set(handles)
        for pattern, handles in rules.items()
        if pattern.startswith("/services/")
    )
    assert rules["*"] == ["@hachebe"]  # the rest stays with the strategy's owner


def test_check_fails_when_an_owner_changes_and_passes_once_regenerated(example_repo: Path) -> None:
    assert run_cli("codeowners", "--check", cwd=example_repo).returncode == 1  # no file yet
    assert run_cli("codeowners", cwd=example_repo).returncode == 0
    assert run_cli("codeowners", "--check", cwd=example_repo).returncode == 0
    service = example_repo / "services" / "gate-reviews.yaml"
    service.write_text(
        service.read_text(encoding="utf-8").replace(
            "  owner: helen-achebe\n", "  owner: priya-raman\n", 1
        ),
        encoding="utf-8",
    )
    before = (example_repo / ".github" / "CODEOWNERS").read_bytes()
    stale = run_cli("codeowners", "--check", cwd=example_repo)
    assert stale.returncode == 1
    assert "-/services/gate-reviews.yaml @hachebe @mlindqvist" in stale.stdout
    assert "+/services/gate-reviews.yaml @praman @mlindqvist" in stale.stdout
    assert "out of date" in stale.stderr
    assert (
        example_repo / ".github" / "CODEOWNERS"
    ).read_bytes() == before  # --check writes nothing
    assert run_cli("codeowners", cwd=example_repo).returncode == 0
    assert run_cli("codeowners", "--check", cwd=example_repo).returncode == 0


def test_a_person_without_a_handle_falls_back_to_the_strategy_owner(example_repo: Path) -> None:
    organisation = example_repo / "organisation.yaml"
    text = organisation.read_text(encoding="utf-8")
    assert '    handle: "@praman"\n' in text
    organisation.write_text(text.replace('    handle: "@praman"\n', ""), encoding="utf-8")
    ownership = build(example_repo, default_path(example_repo))
    rules = owners_of(ownership.text)
    owned_by_priya = [p for p in rules if "@praman" in rules[p]]
    assert owned_by_priya == []
    # owner priya-raman: her approval falls to the PMO Director; the managers stay
    assert rules["/services/methodology-coaching.yaml"] == ["@hachebe", "@snovak", "@tokafor"]
    assert any("priya-raman" in note and "no handle" in note for note in ownership.notes)


def test_a_catalogue_in_a_subfolder_gets_prefixed_and_escaped_paths(
    example_catalogue: Path, tmp_path: Path
) -> None:
    repo = tmp_path / "mono"
    (repo / "pmo office").mkdir(parents=True)
    root = repo / "pmo office" / "catalogue"
    example_catalogue.rename(root)
    git(repo, "init", "-q", "-b", "main")
    text = build(root, default_path(root)).text
    assert default_path(root) == repo / ".github" / "CODEOWNERS"
    rules = owners_of(text.replace("\\ ", "\\_"))
    assert rules["/pmo\\_office/catalogue/"] == ["@hachebe"]
    assert rules["/pmo\\_office/catalogue/services/gate-reviews.yaml"] == [
        "@hachebe",
        "@mlindqvist",
    ]
    assert "*" not in rules  # the rest of the repository is not the catalogue's


def test_a_broken_catalogue_is_refused(example_catalogue: Path) -> None:
    (example_catalogue / "organisation.yaml").write_text("format: 1\nkind: [\n", encoding="utf-8")
    with pytest.raises(RefusedError, match="organisation.yaml"):
        build(example_catalogue, example_catalogue / "CODEOWNERS")
    result = run_cli("codeowners", "--out", example_catalogue / "CODEOWNERS", cwd=example_catalogue)
    assert result.returncode == 1
    assert not (example_catalogue / "CODEOWNERS").exists()


def test_out_writes_elsewhere_and_the_diff_is_empty_when_current(example_catalogue: Path) -> None:
    target = example_catalogue / "docs" / "CODEOWNERS"
    result = run_cli("codeowners", "--out", target, cwd=example_catalogue)
    assert result.returncode == 0, result.stderr
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Generated by `pmoctl codeowners`")
    assert re.search(r"^/docs/CODEOWNERS @hachebe$", text, re.MULTILINE)
    assert stale_diff(target, text) is None
    assert not list(target.parent.glob(".CODEOWNERS.*"))  # no temporary file left


def test_codeowners_never_writes_through_a_linked_folder(
    example_repo: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (example_repo / ".github").symlink_to(outside, target_is_directory=True)
    result = run_cli("codeowners", cwd=example_repo)
    assert result.returncode == 3, result.stderr
    assert "symbolic link" in result.stderr
    assert list(outside.iterdir()) == []


def test_schema_never_writes_through_a_linked_folder(example_repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = example_repo
    schemas = root / "schemas" if (root / "schemas").exists() else None
    if schemas is not None:
        for path in schemas.iterdir():
            path.unlink()
        schemas.rmdir()
    (root / "schemas").symlink_to(outside, target_is_directory=True)
    result = run_cli("schema", cwd=root)
    assert result.returncode == 3, result.stderr
    assert list(outside.iterdir()) == []
