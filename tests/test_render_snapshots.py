"""Snapshots of the rendered example catalogue: HTML in examples/site, Markdown in tests/snapshots.

Both are committed, so a change to a template or to the example shows up as a diff.
To accept a change, regenerate them (the same commands as in docs/render.md)::

    pmoctl render -C examples/catalogue --out examples/site --no-history
    pmoctl render -C examples/catalogue --out tests/snapshots/render/markdown \\
        --format markdown --no-history

or run these tests with ``PMOCTL_UPDATE_SNAPSHOTS=1``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import EXAMPLE, REPO_ROOT
from pmoctl.render.site import render_site

SNAPSHOTS = {
    "html": REPO_ROOT / "examples" / "site",
    "markdown": REPO_ROOT / "tests" / "snapshots" / "render" / "markdown",
}


def _files(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_rendered_example_matches_the_committed_snapshot(fmt: str, tmp_path: Path) -> None:
    expected_dir = SNAPSHOTS[fmt]
    if os.environ.get("PMOCTL_UPDATE_SNAPSHOTS"):
        render_site(EXAMPLE, expected_dir, fmt, with_history=False)  # type: ignore[arg-type]
    out = tmp_path / fmt
    render_site(EXAMPLE, out, fmt, with_history=False)  # type: ignore[arg-type]
    actual, expected = _files(out), _files(expected_dir)
    command = (
        f"pmoctl render -C examples/catalogue --out {expected_dir.relative_to(REPO_ROOT)}"
        + (" --format markdown" if fmt == "markdown" else "")
        + " --no-history"
    )
    assert sorted(actual) == sorted(expected), f"files differ; regenerate with: {command}"
    stale = [rel for rel in actual if actual[rel] != expected[rel]]
    assert not stale, f"{len(stale)} stale file(s), e.g. {stale[:3]}; regenerate with: {command}"


def test_markdown_snapshot_reads_well() -> None:
    """Relative links between the Markdown files resolve, and diagrams are Mermaid blocks."""
    folder = SNAPSHOTS["markdown"]
    import re

    for path in folder.rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        for target in re.findall(r"(?<!\\)\]\(([^)#\s]+)", text):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            assert (path.parent / target).resolve().is_file(), (
                f"{path.name} links to missing {target}"
            )
    assert "```mermaid\nflowchart LR" in (folder / "map.md").read_text(encoding="utf-8")
    assert "```mermaid\nstateDiagram-v2" in (folder / "map.md").read_text(encoding="utf-8")
