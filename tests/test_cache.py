"""The validation cache: used when nothing changed, never trusted when anything did."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT, git, run_cli
from pmoctl.catalogue.files import list_files
from pmoctl.findings import Finding, Severity
from pmoctl.rules import result_cache as cache
from pmoctl.rules.results import cached_result
from pmoctl.rules.validate import validate_catalogue

SERVICE = "services/portfolio-reporting.yaml"


def _break_owner(root: Path) -> None:
    path = root / SERVICE
    text = path.read_text(encoding="utf-8")
    owner = next(line for line in text.splitlines() if line.startswith("  owner: "))
    path.write_text(text.replace(owner, "  owner: no-such-person", 1), encoding="utf-8")


def _plant(root: Path, findings: list[Finding]) -> None:
    """Store these findings under the key of the catalogue as it is now."""
    key = cache.key_for(root, list_files(root))
    assert key is not None
    cache.store(root, key, [finding.as_dict() for finding in findings])


PLANTED = Finding(SERVICE, 3, 1, Severity.WARNING, "KPI-THRESHOLDS", "planted in the cache", "")


def test_a_warm_run_returns_the_same_findings(example_repo: Path) -> None:
    _break_owner(example_repo)
    cold = validate_catalogue(example_repo)
    warm = validate_catalogue(example_repo)
    assert not cold.from_cache and warm.from_cache
    again = cached_result(example_repo)
    assert again is not None and again.findings == warm.findings
    assert warm.findings == cold.findings
    assert any(finding.rule == "REF-PERSON" for finding in warm.findings)
    assert [(f.path, f.line, f.column, f.hint) for f in warm.findings] == [
        (f.path, f.line, f.column, f.hint) for f in cold.findings
    ]
    only = validate_catalogue(example_repo, only=["strategy.yaml"])
    assert only.from_cache and only.findings == []


def test_the_cache_is_really_consulted_and_no_cache_ignores_it(example_repo: Path) -> None:
    _plant(example_repo, [PLANTED])
    assert validate_catalogue(example_repo).findings == [PLANTED]
    assert validate_catalogue(example_repo, use_cache=False).findings == []
    assert validate_catalogue(example_repo).findings == [PLANTED]  # --no-cache wrote nothing
    warm = run_cli("validate", "--format", "json", example_repo)
    assert [f["message"] for f in json.loads(warm.stdout)["findings"]] == ["planted in the cache"]
    cold = run_cli("validate", "--no-cache", "--format", "json", example_repo)
    assert json.loads(cold.stdout)["findings"] == []


@pytest.mark.parametrize(
    ("rel", "old", "new"),
    [
        (SERVICE, "name: Portfolio reporting", "name: Portfolio reporting (monthly)"),
        (SERVICE, "format: 1", "format: 1  # a comment changes the file too"),
        ("pmoctl.yaml", "format: 1", "format: 1\nrules: {REF-PERSON: off}"),
        ("organisation.yaml", "format: 1", "format: 1\n"),
    ],
)
def test_any_change_of_a_file_or_the_config_invalidates(
    example_repo: Path, rel: str, old: str, new: str
) -> None:
    _plant(example_repo, [PLANTED])
    path = example_repo / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = validate_catalogue(example_repo)
    assert not result.from_cache
    assert PLANTED not in result.findings


def test_a_new_or_removed_file_invalidates(example_repo: Path) -> None:
    _plant(example_repo, [PLANTED])
    (example_repo / SERVICE).rename(example_repo / "services" / "renamed.yaml")
    assert not validate_catalogue(example_repo).from_cache
    _plant(example_repo, [PLANTED])
    (example_repo / "services" / "renamed.yaml").unlink()
    assert not validate_catalogue(example_repo).from_cache


def test_a_change_to_pmoctl_itself_invalidates(example_repo: Path, tmp_path: Path) -> None:
    """The real CLI, run from a copy of the package that we then edit."""
    package = tmp_path / "site" / "pmoctl"
    shutil.copytree(
        REPO_ROOT / "src" / "pmoctl", package, ignore=shutil.ignore_patterns("__pycache__")
    )
    env = {**os.environ, "PYTHONPATH": str(package.parent)}

    def validate() -> dict[str, object]:
        subprocess.run(
            [sys.executable, "-m", "pmoctl", "validate", str(example_repo)],
            env=env,
            capture_output=True,
            check=True,
            timeout=120,
        )
        return json.loads(cache.cache_file(example_repo).read_text(encoding="utf-8"))  # type: ignore[no-any-return]

    first = validate()
    stamp = cache.cache_file(example_repo).stat().st_mtime_ns
    assert validate() == first
    assert cache.cache_file(example_repo).stat().st_mtime_ns == stamp  # warm: not rewritten
    rule = package / "rules" / "raci.py"
    rule.write_text(rule.read_text(encoding="utf-8") + "\n# a new rule version\n", encoding="utf-8")
    assert validate()["key"] != first["key"]


@pytest.mark.parametrize(
    "content",
    [
        "not json at all {",
        "[]",
        '{"key": "%s", "findings": {"a": 1}}',
        '{"key": "%s", "findings": [{"path": 1}]}',
        '{"key": "%s", "findings": [{"path": "a", "line": "x", "column": 1, "severity": "error",'
        ' "rule": "R", "message": "m"}]}',
        '{"key": "%s", "findings": [{"path": "a", "line": 1, "column": 1, "severity": "fatal",'
        ' "rule": "R", "message": "m"}]}',
        '{"key": "%s", "findings": ["text"]}',
        "\udcff",
    ],
)
def test_a_damaged_cache_file_is_ignored_and_replaced(example_repo: Path, content: str) -> None:
    _break_owner(example_repo)
    expected = validate_catalogue(example_repo, use_cache=False).findings
    key = cache.key_for(example_repo, list_files(example_repo))
    target = cache.cache_file(example_repo)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes((content.replace("%s", str(key))).encode("utf-8", "surrogateescape"))
    result = validate_catalogue(example_repo)
    assert not result.from_cache and result.findings == expected
    assert validate_catalogue(example_repo).from_cache  # rewritten, and now good
    assert run_cli("validate", example_repo).returncode == 1


def test_the_cache_lives_in_the_git_folder_never_in_the_work_tree(example_repo: Path) -> None:
    before = sorted(
        p.relative_to(example_repo) for p in example_repo.rglob("*") if ".git" not in p.parts
    )
    assert run_cli("validate", example_repo).returncode == 0
    assert run_cli("validate", example_repo).returncode == 0
    target = cache.cache_file(example_repo)
    assert target.is_file()
    assert target.resolve().is_relative_to((example_repo / ".git").resolve())
    after = sorted(
        p.relative_to(example_repo) for p in example_repo.rglob("*") if ".git" not in p.parts
    )
    assert after == before
    assert git(example_repo, "status", "--porcelain", "--ignored") == ""


def test_a_linked_worktree_keeps_its_cache_in_its_own_git_folder(
    example_repo: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    git(example_repo, "worktree", "add", "-q", str(other))
    assert (other / ".git").is_file()
    assert run_cli("validate", other).returncode == 0
    target = cache.cache_file(other)
    assert target.is_file()
    assert target.resolve().is_relative_to((example_repo / ".git" / "worktrees").resolve())
    assert git(other, "status", "--porcelain", "--ignored") == ""


def test_outside_a_repository_the_cache_is_in_the_user_cache_folder(
    example_catalogue: Path, isolated_home: Path
) -> None:
    assert run_cli("validate", example_catalogue).returncode == 0
    target = cache.cache_file(example_catalogue)
    assert target.is_file()
    assert target.resolve().is_relative_to((isolated_home / ".cache" / "pmoctl").resolve())
    assert not list(example_catalogue.rglob("validate-*.json"))


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--format", "json"],
        ["-f", "github"],
        ["--format=sarif"],
        ["--format", "junit", "--fail-on", "never"],
        ["--fail-on=warning", "-j", "2"],
        [SERVICE],
        ["organisation.yaml"],
    ],
)
def test_the_warm_answer_is_the_full_cli_answer(example_repo: Path, args: list[str]) -> None:
    """What a run answered from the cache prints and returns is what a full run does."""
    _break_owner(example_repo)
    run_cli("validate", cwd=example_repo)
    stamp = cache.cache_file(example_repo).stat().st_mtime_ns
    warm = run_cli("validate", *args, cwd=example_repo)
    assert cache.cache_file(example_repo).stat().st_mtime_ns == stamp  # it was a cache hit
    cold = run_cli("validate", "--no-cache", *args, cwd=example_repo)
    assert (warm.returncode, warm.stdout, warm.stderr) == (
        cold.returncode,
        cold.stdout,
        cold.stderr,
    )
    colourless = run_cli("--no-color", "validate", *args, cwd=example_repo)
    assert colourless.stdout == cold.stdout


def test_errors_are_reported_whether_or_not_a_cache_exists(tmp_path: Path) -> None:
    missing = run_cli("validate", tmp_path / "nowhere")
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    outside = run_cli("validate", cwd=tmp_path)
    assert outside.returncode != 0 and "pmoctl.yaml" in outside.stderr


def test_a_run_on_another_day_does_not_reuse_the_findings(
    example_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # KPI-READING-DUE and REVIEW-DUE depend on the day: what is due later is not due today
    monkeypatch.setenv("PMOCTL_TODAY", "2026-11-20")
    early = validate_catalogue(example_repo)
    monkeypatch.setenv("PMOCTL_TODAY", "2027-03-01")
    later = validate_catalogue(example_repo)
    assert not later.from_cache
    assert {f.rule for f in later.findings} - {f.rule for f in early.findings} == {
        "KPI-READING-DUE",
        "REVIEW-DUE",
    }
