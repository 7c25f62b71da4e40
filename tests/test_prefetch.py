"""lifecycle.prefetch: the child's parses and edits are exactly what the parent would compute,
a transition with it commits what one without it commits, and a failed or outrun child
changes nothing but the speed. On real repositories (the example catalogue)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import git
from pmoctl.catalogue.files import list_files
from pmoctl.lifecycle import prefetch
from pmoctl.lifecycle.guard import guard_inputs
from pmoctl.lifecycle.transition import Evidence, MoveRefusedError, move_record, transition
from pmoctl.yaml import (
    edit,  # imported before any fork
    loader,
    yaml12,
)
from pmoctl.yaml.loader import LoadError, parse, read_text

SERVICE = "pm-training"  # in transition; its owner approves go-live
OWNER = "priya-raman"
DAY = dt.date(2026, 11, 23)
assert yaml12  # the child parses with it


@pytest.fixture(autouse=True)
def forget_parsed() -> Iterator[None]:
    """Parse answers remembered by one test are not seen by another."""
    loader.forget_parsed()
    yield
    loader.forget_parsed()


def _fresh_parse(text: str) -> object:
    saved = dict(loader._PARSED)
    loader._PARSED.clear()
    try:
        return parse(text)
    except LoadError as error:
        return ("LoadError", error.rule, error.message, error.line, error.column, error.hint)
    finally:
        loader._PARSED.update(saved)


def _reaped(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_the_child_parses_and_edits_what_the_parent_would(example_repo: Path) -> None:
    evidence = Evidence(date=DAY)
    child = prefetch.start(
        example_repo, [SERVICE], stage="running", approver_id=OWNER, evidence=evidence
    )
    assert child is not None and child.pid is not None
    pid = child.pid
    found = child.collect()
    assert _reaped(pid)
    rel = f"services/{SERVICE}.yaml"
    old = read_text(example_repo, rel)
    record = move_record("transition", "running", OWNER, evidence)
    new = edit.apply_move(old, stage="running", move=record)
    assert found.edits == {prefetch.edit_key(old, "running", record): new}
    # every file the guard loads, the moved file before and after: parsed, and the same way
    to_load, _ = guard_inputs(example_repo, list_files(example_repo), {rel: new})
    expected = {read_text(example_repo, path) for path, _ in to_load} | {old, new}
    assert set(found.parsed) == expected
    for text, data in found.parsed.items():
        assert data == _fresh_parse(text)
    assert found.parsed == loader._PARSED  # parse() answers from them now


def test_a_load_error_comes_back_whole(example_repo: Path) -> None:
    broken = example_repo / "strategy.yaml"
    broken.write_text(broken.read_text(encoding="utf-8") + "oops: [unclosed\n", encoding="utf-8")
    child = prefetch.start(
        example_repo, [SERVICE], stage="running", approver_id=OWNER, evidence=Evidence()
    )
    assert child is not None
    found = child.collect()
    error = found.parsed[broken.read_text(encoding="utf-8")]
    assert isinstance(error, LoadError)
    with pytest.raises(LoadError) as raised:
        parse(broken.read_text(encoding="utf-8"))  # answered from the child's error
    assert _fresh_parse(broken.read_text(encoding="utf-8")) == (
        "LoadError", raised.value.rule, raised.value.message, raised.value.line,
        raised.value.column, raised.value.hint,
    )  # fmt: skip


def test_a_failed_child_leaves_the_work_to_the_parent(tmp_path: Path) -> None:
    child = prefetch.start(
        tmp_path / "missing", ["x"], stage="running", approver_id=OWNER, evidence=Evidence()
    )
    assert child is not None and child.pid is not None
    pid = child.pid
    assert child.collect() == prefetch.Prefetched()
    assert _reaped(pid)
    child.close()  # twice is harmless


def test_a_file_changed_after_the_child_read_it_is_parsed_again(example_repo: Path) -> None:
    child = prefetch.start(
        example_repo, [SERVICE], stage="running", approver_id=OWNER, evidence=Evidence()
    )
    assert child is not None
    child.collect()
    organisation = example_repo / "organisation.yaml"
    before = organisation.read_text(encoding="utf-8")
    assert before in loader._PARSED
    organisation.write_text(before + "# changed since\n", encoding="utf-8")
    after = organisation.read_text(encoding="utf-8")
    assert after not in loader._PARSED
    assert parse(after) == _fresh_parse(before)  # a comment: the same data, parsed anew


def _copy(repo: Path, name: str) -> Path:
    target = repo.parent / name
    shutil.copytree(repo, target, symlinks=True)
    return target


def test_a_transition_commits_the_same_with_and_without_the_child(example_repo: Path) -> None:
    evidence = Evidence(date=DAY, note="Live on the new intranet.")
    trees = []
    for with_child in (True, False):
        repo = _copy(example_repo, f"repo-{with_child}")
        outcome = transition(
            repo, [SERVICE], target="running", approver_id=OWNER, evidence=evidence,
            prefetch=with_child,
        )  # fmt: skip
        assert outcome.commit
        assert not loader._PARSED  # forgotten once the transition is done
        trees.append(git(repo, "rev-parse", "HEAD^{tree}"))
    assert trees[0] == trees[1]


def test_a_refusal_is_the_same_with_and_without_the_child(example_repo: Path) -> None:
    service = example_repo / f"services/{SERVICE}.yaml"
    text = service.read_text(encoding="utf-8").replace(f"owner: {OWNER}", "owner: nobody-known")
    service.write_text(text, encoding="utf-8")
    git(example_repo, "commit", "-qam", "an owner who is not in the registry")
    refusals = []
    for with_child in (True, False):
        with pytest.raises(MoveRefusedError) as refused:
            transition(
                _copy(example_repo, f"repo-{with_child}"), [SERVICE], target="running",
                approver_id=OWNER, evidence=Evidence(date=DAY), prefetch=with_child,
            )  # fmt: skip
        refusals.append((refused.value.message, refused.value.findings))
    assert refusals[0] == refusals[1]


PARENT = """
import sys
from pmoctl._startup import skip_pydantic_plugins
skip_pydantic_plugins()
from pmoctl.lifecycle.commands import run_plain
code = run_plain(sys.argv[1:])
heavy = ("yaml", "pmoctl.yaml.edit", "typer", "ruamel", "importlib.metadata", "tempfile")
print(code, [name for name in heavy if name in sys.modules])
"""


def test_a_plain_transition_leaves_the_yaml_side_to_the_child(example_repo: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "PYDANTIC_DISABLE_PLUGINS"}
    argv = ["transition", SERVICE, "--to", "running", "--approved-by", OWNER]
    result = subprocess.run(
        [sys.executable, "-c", PARENT, *argv],
        cwd=example_repo, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "0 []"
    assert f"transition({SERVICE}): transition -> running" in git(
        example_repo, "log", "-1", "--format=%s"
    )
