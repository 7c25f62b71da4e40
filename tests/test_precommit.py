"""The CI integrations: the pre-commit hooks for real (pre-commit installs this project from a
git repository and runs the hooks in a catalogue repository; slow), and the GitHub Action
and CI examples checked against their schemas and the rules they must keep."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO_ROOT, git

#: what pip needs to build and install pmoctl from the hook repository
_PROJECT = ("pyproject.toml", "README.md", "CHANGELOG.md", "src", "schemas", "templates",
            ".pre-commit-hooks.yaml")  # fmt: skip


def pre_commit(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # pre-commit keeps its environments under $XDG_CACHE_HOME (the test's isolated HOME)
    binary = Path(sys.executable).parent / "pre-commit"
    return subprocess.run(
        [str(binary), *args], cwd=repo, capture_output=True, text=True, timeout=900, check=False,
        env={**os.environ, "PRE_COMMIT_COLOR": "never"},
    )  # fmt: skip


@pytest.fixture
def hook_repo(tmp_path: Path) -> Path:
    """A git repository holding a copy of this project, as a hook repository is published."""
    target = tmp_path / "pmoctl-hooks"
    target.mkdir()
    for name in _PROJECT:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy2(source, target / name)
    git(target, "init", "-q", "-b", "main")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "pmoctl")
    return target


@pytest.mark.slow
def test_the_hooks_block_a_bad_commit_and_a_bad_push(example_repo: Path, hook_repo: Path) -> None:
    service = example_repo / "services" / "gate-reviews.yaml"
    good = service.read_text(encoding="utf-8")
    service.write_text(good.replace("\nsummary:", "\nsummry:", 1), encoding="utf-8")
    git(example_repo, "add", "-A")

    tried = pre_commit(example_repo, "try-repo", str(hook_repo), "pmoctl-validate")
    assert tried.returncode == 1, tried.stdout + tried.stderr
    assert "services/gate-reviews.yaml:" in tried.stdout
    assert "[SCHEMA-UNKNOWN-KEY] unknown key 'summry'" in tried.stdout

    rev = git(hook_repo, "rev-parse", "HEAD").strip()
    (example_repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n    hooks:\n"
        "      - id: pmoctl-validate\n      - id: pmoctl-check\n",
        encoding="utf-8",
    )
    installed = pre_commit(example_repo, "install", "--hook-type", "pre-commit",
                           "--hook-type", "pre-push")  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    git(example_repo, "add", "-A")
    head = git(example_repo, "rev-parse", "HEAD")
    blocked = subprocess.run(["git", "commit", "-m", "typo"], cwd=example_repo,
                             capture_output=True, text=True, check=False)  # fmt: skip
    assert blocked.returncode != 0
    assert "unknown key 'summry'" in blocked.stdout + blocked.stderr
    assert git(example_repo, "rev-parse", "HEAD") == head  # nothing was committed

    service.write_text(good, encoding="utf-8")
    git(example_repo, "add", "-A")
    git(example_repo, "commit", "-q", "-m", "add the hooks")  # the hook passes: commit made
    assert git(example_repo, "rev-parse", "HEAD") != head

    # pre-push: a hand-edited stage passes validation but not the check against main
    git(example_repo, "switch", "-q", "-c", "close-it")
    service.write_text(good.replace("  stage: running\n", "  stage: closing\n"), encoding="utf-8")
    git(example_repo, "commit", "-q", "-a", "--no-verify", "-m", "close by hand")
    pushed = pre_commit(example_repo, "run", "pmoctl-check", "--hook-stage", "pre-push",
                        "--all-files")  # fmt: skip
    assert pushed.returncode == 1, pushed.stdout + pushed.stderr
    assert "[CHECK-STAGE-EDIT]" in pushed.stdout


@pytest.mark.parametrize(
    ("schema", "path"),
    [
        ("vendor.github-actions", "action.yml"),
        ("vendor.github-workflows", "examples/ci/github-workflow.yml"),
        ("vendor.gitlab-ci", "examples/ci/gitlab-ci.yml"),
    ],
)
def test_the_ci_files_follow_their_schemas(schema: str, path: str) -> None:
    pytest.importorskip("check_jsonschema")
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema,
         str(REPO_ROOT / path)],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_hook_manifest_is_valid() -> None:
    binary = Path(sys.executable).parent / "pre-commit"
    manifest = str(REPO_ROOT / ".pre-commit-hooks.yaml")
    result = subprocess.run([str(binary), "validate-manifest", manifest],
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    hooks = {
        hook["id"]: hook
        for hook in yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())
    }
    assert hooks["pmoctl-validate"]["entry"] == "pmoctl validate"
    assert hooks["pmoctl-check"]["stages"][0] == "pre-push"


def test_the_workflow_is_read_only_and_needs_the_history() -> None:
    workflow = yaml.safe_load((REPO_ROOT / "examples/ci/github-workflow.yml").read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as True
    assert list(triggers) == ["pull_request"]
    assert workflow["permissions"] == {"contents": "read"}
    checkout = workflow["jobs"]["pmoctl"]["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"]["fetch-depth"] == 0


def test_the_action_installs_itself_and_never_pastes_inputs_into_scripts() -> None:
    action = yaml.safe_load((REPO_ROOT / "action.yml").read_text())
    steps = action["runs"]["steps"]
    install = next(step for step in steps if step.get("name") == "Install pmoctl")
    assert install["env"]["PMOCTL_SOURCE"] == "${{ github.action_path }}"
    scripts = [step["run"] for step in steps if "run" in step]
    assert any("pmoctl \"${args[@]}\"" in script and "check --format github" in script
               for script in scripts)  # fmt: skip
    assert not any("${{" in script for script in scripts)  # inputs only through env
    assert any(step.get("uses", "").startswith("actions/upload-artifact@") for step in steps)
