"""Shared by the lifecycle tests: a catalogue repository with services ready to move, and a
snapshot of everything a failed transition must leave as it was."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from conftest import EXAMPLE, git, run_cli
from pmoctl.catalogue.models.common import Stage
from pmoctl.lifecycle.transition import Evidence, Outcome, transition

DIRECTOR = "helen-achebe"  # PMO Director
OWNER = "marcus-lindqvist"  # owns portfolio-reporting, hence the services derived from it
ANALYST = "tom-okafor"


def _derived_service(ident: str) -> str:
    """A complete service (from portfolio-reporting) that is only proposed, with no moves."""
    text = (EXAMPLE / "services" / "portfolio-reporting.yaml").read_text(encoding="utf-8")
    text = text.replace("id: portfolio-reporting", f"id: {ident}", 1)
    text = text.replace("name: Portfolio reporting", f"name: Service {ident}", 1)
    text = re.sub(r"\nsupersedes:.*\n", "\n", text)
    text = re.sub(r"#[^\n]*\n(?=supersedes)", "", text)
    return text[: text.index("\nlifecycle:")] + "\nlifecycle:\n  stage: proposed\n"


def _derived_procedure(idents: list[str]) -> str:
    text = (EXAMPLE / "procedures" / "produce-portfolio-report.yaml").read_text(encoding="utf-8")
    text = text.replace("id: produce-portfolio-report", "id: run-derived-services", 1)
    text = text.replace("services: [portfolio-reporting]", f"services: [{', '.join(idents)}]")
    return re.sub(r"monitors:\n(  - .*\n)+", "", text)


def make_catalogue(folder: Path, services: tuple[str, ...] = ("alpha", "beta")) -> Path:
    shutil.copytree(EXAMPLE, folder)
    for ident in services:
        (folder / "services" / f"{ident}.yaml").write_text(_derived_service(ident), "utf-8")
    (folder / "procedures" / "run-derived-services.yaml").write_text(
        _derived_procedure(list(services)), "utf-8"
    )
    return folder


def make_repo(tmp_path: Path, *, subfolder: str = "") -> tuple[Path, Path]:
    """(repository top, catalogue root): the catalogue committed, on branch main."""
    top = tmp_path / "repo"
    top.mkdir()
    root = make_catalogue(top / subfolder if subfolder else top / "catalogue-tmp")
    if not subfolder:
        for entry in root.iterdir():
            entry.rename(top / entry.name)
        root.rmdir()
        root = top
    git(top, "init", "-q", "-b", "main")
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", "initial catalogue")
    return top, root


def move(
    root: Path, *ids: str, to: str, by: str, dry_run: bool = False, allow_detached: bool = False,
    **evidence: object,
) -> Outcome:  # fmt: skip
    return transition(
        root, list(ids), target=Stage(to), approver_id=by,
        evidence=Evidence(**evidence),  # type: ignore[arg-type]
        dry_run=dry_run, allow_detached=allow_detached,
    )  # fmt: skip


def cli_move(root: Path, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return run_cli("transition", *args, "-C", str(root), cwd=root, env=env)


def snapshot(top: Path) -> dict[str, object]:
    """HEAD, the refs, the index file's bytes, and every work-tree file's bytes."""
    files = {
        path.relative_to(top).as_posix(): path.read_bytes()
        for path in sorted(top.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(top).parts
    }
    return {
        "head": git(top, "rev-parse", "HEAD"),
        "refs": git(top, "for-each-ref"),
        "index": (top / ".git" / "index").read_bytes(),
        "staged": git(top, "diff", "--cached", "--name-status"),
        "files": files,
        "journal": (top / ".git" / "pmoctl-txn.json").exists(),
    }


def commit_count(top: Path) -> int:
    return int(git(top, "rev-list", "--count", "HEAD"))
