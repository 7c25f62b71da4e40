"""The loader's fast path reads every file exactly as its exact, slower path does.

``loader.parse`` composes first and builds plain documents without per-node bookkeeping,
and only scans a file's events when something is unusual. The reference below is the
straightforward order (scan whenever a cheap test says "maybe", then compose, then the
exact builder): for every input both must give the same data or the same finding.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLE, REPO_ROOT
from pmoctl.yaml import loader, yaml12


def reference_parse(text: str) -> dict[str, Any]:
    if (
        loader._MAYBE_ANCHOR_OR_TAG.search(text)
        or any(line.startswith("%") for line in text.split("\n"))
        or any(len(line) - len(line.lstrip(" \t?:-")) >= 32 for line in text.split("\n"))
        or text.count("[") + text.count("{") > loader.MAX_DEPTH
    ):
        loader._scan_events(text)
    root = loader.top_mapping(loader.compose(text))
    yaml12.check_layout(root, text)
    data = yaml12.ExactBuilder().build(root, 0)
    if "\\" in text:
        loader._refuse_escaped_controls(root)
    assert isinstance(data, dict)
    return data


def outcome(parse: Any, text: str) -> tuple[Any, ...]:
    try:
        return ("data", repr(parse(text)))
    except loader.LoadError as error:
        return ("finding", error.rule, error.message, error.line, error.column, error.hint)


CORPUS = sorted(
    path.read_text(encoding="utf-8", errors="replace")
    for folder in (EXAMPLE, REPO_ROOT / "tests" / "cases")
    for path in folder.rglob("*.y*ml")
)

FRAGMENTS = [
    "&a ",
    "*a",
    "!!str ",
    "!tag ",
    "%YAML 1.2\n---\n",
    "[",
    "]",
    "{",
    "}",
    "\t",
    "---\n",
    "[" * 33 + "]" * 33,
    "{a: " * 33 + "1" + "}" * 33,
    "- " * 34 + "x\n",
    "<<: {a: 1}\n",
    "x: 2024-02-30\n",
    "x: .inf\n",
    "dup: 1\ndup: 2\n",
    '"a":&b [1]\n',
    '{"x":&b [1], "y":*b}',
    "? [a]\n: b\n",
    "1" * 120,
    "x: 0x1F\n",
    "y: 1_000\n",
    "z: 2024-01-01T10:00:00Z\n",
    "~",
    "'",
    '"',
    ": ",
    " #",
    "\n  - ",
    "yes",
    "no",
    "0755",
    '"a"# c\n',
    "]#",
    ">-# c\n",
    "[a,\nb]\n",
    '"a\nb"',
    "'a\n\tb'",
    "{?a: b}",
    "[?a]",
    "|\n \n  \n # c\n",
    "   ",
    "1e3",
    "null",
    "é",
    "\n",
]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.sampled_from(CORPUS),
    edits=st.lists(
        st.tuples(st.floats(0, 1), st.sampled_from(FRAGMENTS), st.integers(0, 12)),
        min_size=1,
        max_size=4,
    ),
)
def test_mutated_files_read_the_same_on_both_paths(
    base: str, edits: list[tuple[float, str, int]]
) -> None:
    text = base
    for where, fragment, cut in edits:
        at = int(where * len(text))
        text = text[:at] + fragment + text[at + cut :]
    assert outcome(loader.parse, text) == outcome(reference_parse, text)


def test_every_catalogue_file_in_the_repository_reads_the_same() -> None:
    assert len(CORPUS) > 50
    for text in CORPUS:
        assert outcome(loader.parse, text) == outcome(reference_parse, text)


def test_flow_heavy_files_still_report_the_depth_first(tmp_path: Path) -> None:
    # more than 32 brackets (so composed first), too deep, and a later error as well
    text = "a: " + "[" * 40 + "]" * 40 + "\nb: [1, 2\n"
    assert outcome(loader.parse, text)[1] == "YAML-DEPTH"
    assert outcome(loader.parse, text) == outcome(reference_parse, text)
    deep_but_empty = "a: " + "[" * 33 + "]" * 33 + "\n"
    assert outcome(loader.parse, deep_but_empty)[1] == "YAML-DEPTH"
    # an anchor written without a space before it escapes the cheap test: the exact
    # builder still refuses the alias
    sneaky = '{"x":&b [1, 2], "y":*b}'
    assert outcome(loader.parse, sneaky)[1] == "YAML-ANCHOR"


def test_decoding_plain_ascii_skips_nothing() -> None:
    for raw in (b"a: 1\x07\n", b"a: 1\x7f\n", b"a: \x1b[31m\n", b"a: ok\r\n"):
        try:
            loader.decode(raw)
            got = "ok"
        except loader.LoadError as error:
            got = error.rule
        assert got == ("ok" if raw.endswith(b"ok\r\n") else "YAML-CHARACTER")
