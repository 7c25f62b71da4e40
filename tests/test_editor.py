"""What an analyst sees in the editor: the real YAML language server over the JSON Schemas.

Red Hat's yaml-language-server (the one VS Code's YAML extension runs) is driven over
stdio as an editor drives it (tests/editor_lsp.py). It runs on a copy of the example
catalogue made elsewhere, so the schema lines must work inside the catalogue alone.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import EXAMPLE, run_cli
from editor_lsp import LanguageServer, server_missing
from pmoctl.catalogue.files import list_files

pytestmark = [
    pytest.mark.editor,
    pytest.mark.skipif(server_missing() is not None, reason=str(server_missing())),
]


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example catalogue copied out of the repository, as the README's walkthrough does."""
    root = tmp_path_factory.mktemp("editor") / "catalogue"
    shutil.copytree(EXAMPLE, root)
    return root


@pytest.fixture(scope="module")
def server(copy: Path) -> Iterator[LanguageServer]:
    running = LanguageServer(copy)
    yield running
    running.close()


def _edited(copy: Path, rel: str, old: str, new: str, name: str) -> tuple[Path, int]:
    """A mistaken variant of a file, written beside it: its path and the 1-based line of
    the mistake (the last line of ``new``)."""
    text = (copy / rel).read_text(encoding="utf-8")
    assert old in text, old
    path = (copy / rel).parent / f"{name}.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path, text[: text.index(old)].count("\n") + 1 + new.count("\n")


def test_the_example_catalogue_has_no_diagnostics(copy: Path, server: LanguageServer) -> None:
    for rel in list_files(copy):
        uri = server.open(copy / rel)
        assert server.diagnostics_of(uri) == [], rel


#: (file, text, mistaken text, what the editor says) - each also a finding of pmoctl
MISTAKES = [
    ("services/portfolio-reporting.yaml", "summary:", "summry:", "Property summry is not allowed."),
    ("services/portfolio-reporting.yaml", "fte: 1.2", "fte: '1.2'",
     'Incorrect type. Expected "number".'),
    ("services/portfolio-reporting.yaml", "owner: marcus-lindqvist", "owner: Marcus",
     "Expected a valid id: lower-case letters, digits and inner hyphens, 1 to 64 characters, "
     "e.g. weekly-report."),
    ("services/portfolio-reporting.yaml", "frequency: monthly", "frequency: montly",
     'Value is not accepted. Valid values: "weekly", "monthly", "quarterly", "annually".'),
    ("services/portfolio-reporting.yaml", "date: 2026-07-31", "date: 2026-02-30",
     "Expected a calendar date: YYYY-MM-DD, a day that exists, e.g. 2024-03-31."),
    ("procedures/produce-portfolio-report.yaml", "grace-mensah: R", "grace-mensah: X",
     "Expected a RACI code: R, A, C, I or AR."),
    ("procedures/produce-portfolio-report.yaml", "      tom-okafor: A", "      Tom: A",
     "Expected a valid id: lower-case letters, digits and inner hyphens, 1 to 64 characters, "
     "e.g. weekly-report."),
    ("organisation.yaml", "email: ", "email: not-an-email #",
     "Expected an e-mail address: name@example.org, without spaces or angle brackets."),
    ("pmoctl.yaml", "  KPI-READING-DUE: warning", "  KPI-READING-DUE: warn",
     'Value is not accepted. Valid values: "off", "error", "warning".'),
]  # fmt: skip


@pytest.mark.parametrize(("rel", "old", "new", "message"), MISTAKES)
def test_a_mistake_is_underlined_on_its_line_and_refused_by_pmoctl_too(
    copy: Path, server: LanguageServer, rel: str, old: str, new: str, message: str
) -> None:
    name = f"zz-mistake-{MISTAKES.index((rel, old, new, message))}"
    path, line = _edited(copy, rel, old, new, name)
    try:
        diagnostics = server.diagnostics_of(server.open(path))
        said = {(item["range"]["start"]["line"] + 1, item["message"]) for item in diagnostics}
        assert (line, message) in said, said
        # the same verdict from pmoctl on the same line (CI): the variant replaces the file
        original = (copy / rel).read_bytes()
        shutil.move(path, copy / rel)
        try:
            result = run_cli("validate", copy, "--no-cache", "--format", "json")
        finally:
            (copy / rel).write_bytes(original)
        findings = json.loads(result.stdout)["findings"]
        assert any(f["path"] == rel and f["line"] == line for f in findings), findings
    finally:
        path.unlink(missing_ok=True)


#: keys to hover over, in one file of each kind
HOVERS = {
    "pmoctl.yaml": ["name:", "render:"],
    "organisation.yaml": ["pmos:", "    capacity_fte:", "    handle:"],
    "strategy.yaml": ["owner:", "vision:"],
    "handbook.yaml": ["owner:", "purpose:"],
    "services/portfolio-reporting.yaml": [
        "kpis:", "    target:", "    thresholds:", "    reported_by:", "  owner:", "description:",
    ],
    "procedures/produce-portfolio-report.yaml": ["activities:", "    raci:", "monitors:"],
}  # fmt: skip


@pytest.mark.parametrize("rel", sorted(HOVERS))
def test_every_key_tried_has_one_title_and_a_description_on_hover(
    copy: Path, server: LanguageServer, rel: str
) -> None:
    uri = server.open(copy / rel)
    server.diagnostics_of(uri)
    lines = (copy / rel).read_text(encoding="utf-8").splitlines()
    for key in HOVERS[rel]:
        number = next(i for i, line in enumerate(lines) if line.lstrip("- ").startswith(key.strip())
                      and line.startswith(key[: len(key) - len(key.lstrip())]))  # fmt: skip
        column = len(lines[number]) - len(lines[number].lstrip(" -"))
        text = server.hover(uri, number, column + 1)
        title, _, rest = text.partition("\n\n")
        assert title.startswith("#### "), (key, text)
        assert "||" not in title, (key, text)
        description = rest.split("\n\nSource:", 1)[0]
        assert description.endswith((".", "\\.")), (key, text)


def test_the_workspace_settings_of_init_check_a_file_without_its_schema_line(
    tmp_path: Path,
) -> None:
    root = tmp_path / "north"
    assert run_cli("init", root).returncode == 0
    settings = json.loads((root / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    rel = "services/portfolio-reporting.yaml"
    text = (root / rel).read_text(encoding="utf-8").split("\n", 1)[1]  # no schema line
    text = text.replace("summary:", "summry:", 1)
    (root / rel).write_text(text, encoding="utf-8")
    running = LanguageServer(root, settings={"schemas": settings["yaml.schemas"]})
    try:
        said = [item["message"] for item in running.diagnostics_of(running.open(root / rel))]
    finally:
        running.close()
    assert "Property summry is not allowed." in said


def test_completion_offers_the_missing_keys_with_their_descriptions(
    copy: Path, server: LanguageServer
) -> None:
    rel = "services/portfolio-reporting.yaml"
    text = (copy / rel).read_text(encoding="utf-8")
    assert "\ntemporary:" not in text, "the example now has temporary: pick another missing key"
    path = copy / "services" / "zz-completion.yaml"
    path.write_text(text.replace("kind: service\n", "kind: service\n\n", 1), encoding="utf-8")
    try:
        uri = server.open(path)
        server.diagnostics_of(uri)
        line = text[: text.index("kind: service\n")].count("\n") + 1
        result = server.request(
            "textDocument/completion",
            {"textDocument": {"uri": uri}, "position": {"line": line, "character": 0}},
        )
    finally:
        path.unlink()
    items = {item["label"]: item for item in (result or {}).get("items", [])}
    assert "temporary" in items, sorted(items)
    documentation = items["temporary"].get("documentation", "")
    if isinstance(documentation, dict):
        documentation = documentation.get("value", "")
    assert "Present only on a temporary supporting service." in documentation
