"""The surgical edit of a service file: only the stage line and the new move's lines change."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.tokens import CommentToken

from pmoctl.catalogue.models.common import Stage
from pmoctl.yaml import loader, yaml12
from pmoctl.yaml.edit import (
    Append,
    EditError,
    Set,
    apply,
    apply_move,
    changed_lines,
    comments,
    scalar,
    split_lines,
    verify,
    verify_move,
)
from pmoctl.yaml.loader import parse

DATA = Path(__file__).parent / "data" / "yamledit"
MOVE: dict[str, object] = {
    "from": "pilot",
    "to": "transition",
    "date": dt.date(2026, 3, 2),
    "approved_by": "ruth-kowalski",
    "note": "Sign-off at the March board: both pilots met their criteria.",
    "readiness": "Service desk trained; partner contract signed",
    "rollout": "phased",
    "success_criteria_met": True,
}
MOVE_LINES = [
    "- from: pilot",
    "  to: transition",
    "  date: 2026-03-02",
    "  approved_by: ruth-kowalski",
    "  note: 'Sign-off at the March board: both pilots met their criteria.'",
    "  rollout: phased",
    "  readiness: Service desk trained; partner contract signed",
    "  success_criteria_met: true",
]


def read(name: str) -> str:
    """The fixture exactly as stored: BOM, CRLF and a missing final newline kept."""
    return (DATA / name).read_bytes().decode("utf-8")


def indented(lines: list[str], column: int, ending: str = "\n") -> list[str]:
    return [" " * column + line + ending for line in lines]


def expect(old: str, replaced: dict[int, str], after: int, inserted: list[str]) -> list[str]:
    """The old lines with 1-based `replaced` lines swapped and `inserted` after line `after`."""
    lines = [replaced.get(number, line) for number, line in enumerate(split_lines(old), 1)]
    lines[after:after] = inserted
    return lines


def ruamel_comments(text: str) -> Counter[str]:
    """Comments as ruamel.yaml's scanner sees them: an independent check of `comments()`."""
    found: Counter[str] = Counter()

    def collect(item: Any) -> None:
        if isinstance(item, CommentToken):
            for line in item.value.splitlines():
                if line.strip().startswith("#"):
                    found[line.strip()] += 1
        elif isinstance(item, list):
            for inner in item:
                collect(inner)

    for token in YAML().scan(text.removeprefix("\ufeff")):
        collect(getattr(token, "comment", None))
    return found


def test_fixtures_are_stored_byte_exact() -> None:
    raw = (DATA / "crlf-bom.yaml").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") == raw.count(b"\n") == 15
    assert not raw.endswith(b"\n")
    assert not (DATA / "eof-no-newline.yaml").read_bytes().endswith(b"\n")


def test_two_space_block_list_with_comments() -> None:
    old = read("two-space.yaml")
    new = apply_move(old, stage="transition", move=MOVE)
    assert split_lines(new) == expect(
        old,
        {22: "  stage: transition          # moved by pmoctl transition\n"},
        after=35,  # after the commented-out draft item, before the blank line
        inserted=indented(MOVE_LINES, 4),
    )
    assert changed_lines(old, new) == [22, *range(36, 44)]


def test_four_space_indented_dashes_moves_absent_quoted_stage() -> None:
    old = read("four-space.yaml")
    new = apply_move(old, stage="pilot", move={**MOVE, "from": "design", "to": "pilot"})
    lines = ["moves:"] + indented(MOVE_LINES, 4, "")
    lines[1:3] = ["    - from: design", "      to: pilot"]
    assert split_lines(new) == expect(
        old,
        {18: '    stage: "pilot"  # quoted stage value\n'},
        after=19,  # the comment line at the lifecycle's own indentation stays inside it
        inserted=indented(lines, 4),
    )


def test_crlf_bom_no_final_newline_and_empty_flow_list() -> None:
    old = read("crlf-bom.yaml")
    new = apply_move(old, stage="design", move={**MOVE, "from": "proposed", "to": "design"})
    lines = ["- from: proposed", "  to: design", *MOVE_LINES[2:]]
    assert split_lines(new) == expect(
        old,
        {12: "  stage: design\r\n", 13: "  moves:   # none yet\r\n"},
        after=13,
        inserted=indented(lines, 4, "\r\n"),
    )
    assert new.startswith("\ufeff# Windows-edited")
    assert new.endswith("notes: last line without a newline")
    assert "\r\n" not in new.replace("\r\n", "") and "\n" not in new.replace("\r\n", "")


def test_insertion_at_end_of_file_without_final_newline() -> None:
    old = read("eof-no-newline.yaml")
    new = apply_move(old, stage="pilot", move={"from": "design", "to": "pilot", **_REQUIRED})
    assert split_lines(new) == expect(
        old,
        {4: "  stage: pilot   # next: pilot\r\n", 9: "      approved_by: helen-achebe\r\n"},
        after=9,
        inserted=[
            "    - from: design\r\n",
            "      to: pilot\r\n",
            "      date: 2026-03-02\r\n",
            "      approved_by: ruth-kowalski",  # the file still ends without a newline
        ],
    )


_REQUIRED: dict[str, object] = {"date": dt.date(2026, 3, 2), "approved_by": "ruth-kowalski"}


def test_flow_comments_odd_scalars_block_scalar_items_and_document_end() -> None:
    old = read("flow-and-scalars.yaml")
    review = {"reviewed_by": "amir-patel", "kept": ["charter", "yes"], "discarded": []}
    move = {"from": "running", "to": "closing", **_REQUIRED, "reason": "no-demand"}
    new = apply_move(old, stage="closing", move={**move, "artefact_review": review})
    assert split_lines(new) == expect(
        old,
        {19: "  stage: 'closing'\n"},
        after=43,  # after the kept trailing blank line of the `|+` note, before `...`
        inserted=indented(
            [
                "- from: running",
                "  to: closing",
                "  date: 2026-03-02",
                "  approved_by: ruth-kowalski",
                "  reason: no-demand",
                "  artefact_review:",
                "    reviewed_by: amir-patel",
                "    kept:",
                "    - charter",  # this file puts dashes at the key's column
                "    - 'yes'",
                "    discarded: []",
            ],
            2,
        ),
    )
    assert parse(new)["lifecycle"]["moves"][2]["note"] == "Kept trailing line.\n\n"


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.yaml")))
def test_comments_and_data_survive_on_every_fixture(name: str) -> None:
    old = read(name)
    new = apply_move(old, stage="running", move=MOVE)
    assert comments(old) == ruamel_comments(old)  # our scan agrees with ruamel's
    assert comments(new) == comments(old) == ruamel_comments(new)
    old_data, new_data = parse(old.removeprefix("\ufeff")), parse(new.removeprefix("\ufeff"))
    moves = old_data["lifecycle"].get("moves") or []
    old_data["lifecycle"] |= {"stage": "running", "moves": [*moves, {**MOVE}]}
    assert new_data == old_data
    verify_move(old, new, stage="running", move=MOVE)


@pytest.mark.parametrize(
    ("moves", "replaced"),
    [
        ("  moves:\n", "  moves:\n"),
        ("  moves: ~\n", "  moves:\n"),
        ("  moves: null  # to do\n", "  moves:  # to do\n"),
        ("  moves: [ ]\n", "  moves:\n"),
    ],
)
def test_empty_moves_spellings_become_a_block_list(moves: str, replaced: str) -> None:
    old = f"lifecycle:\n  stage: design\n{moves}owner: x\n"
    new = apply_move(old, stage="pilot", move={"from": "design", "to": "pilot", **_REQUIRED})
    assert new == (
        f"lifecycle:\n  stage: pilot\n{replaced}"  # dashes indented by the mapping indent
        "    - from: design\n      to: pilot\n      date: 2026-03-02\n"
        "      approved_by: ruth-kowalski\n"
        "owner: x\n"
    )


def test_enum_stages_tuples_and_empty_review_entries_are_written_as_plain_data() -> None:
    old = "lifecycle:\n  stage: design\n"
    review = {"reviewed_by": "x", "kept": None, "discarded": ("old plan",)}
    move = {"from": Stage.DESIGN, "to": Stage.PILOT, **_REQUIRED, "artefact_review": review}
    new = apply_move(old, stage=Stage.PILOT, move=move)
    assert new == (
        "lifecycle:\n  stage: pilot\n  moves:\n    - from: design\n      to: pilot\n"
        "      date: 2026-03-02\n      approved_by: ruth-kowalski\n      artefact_review:\n"
        "        reviewed_by: x\n        discarded:\n          - old plan\n"
    )
    verify_move(old, new, stage=Stage.PILOT, move=move)


_INVENTORY = [
    {"name": "Report template", "fate": "kept", "location": "PMO share, Reporting"},
    {"name": "yes", "fate": "discarded"},
]
_CLOSED = {"from": "closing", "to": "closed", **_REQUIRED, "communication": "Told: all."}


def test_an_artefact_inventory_is_a_list_of_mappings_in_the_files_style() -> None:
    old = "lifecycle:\n  stage: closing\n  moves:\n  - from: running\n    to: closing\n"
    review = {"reviewed_by": "x", "artefacts": _INVENTORY}
    new = apply_move(old, stage="closed", move={**_CLOSED, "artefact_review": review})
    assert new == old.replace("stage: closing", "stage: closed") + (
        "  - from: closing\n    to: closed\n    date: 2026-03-02\n    approved_by: ruth-kowalski\n"
        "    communication: 'Told: all.'\n    artefact_review:\n      reviewed_by: x\n"
        "      artefacts:\n      - name: Report template\n        fate: kept\n"
        "        location: PMO share, Reporting\n      - name: 'yes'\n        fate: discarded\n"
    )
    verify_move(old, new, stage="closed", move={**_CLOSED, "artefact_review": review})


def test_an_artefact_inventory_in_a_flow_lifecycle_is_flow_mappings() -> None:
    old = "lifecycle: {stage: closing, moves: []}\n"
    review = {"reviewed_by": "x", "artefacts": _INVENTORY}
    new = apply_move(old, stage="closed", move={**_CLOSED, "artefact_review": review})
    assert new == (
        "lifecycle: {stage: closed, moves: [{from: closing, to: closed, date: 2026-03-02, "
        "approved_by: ruth-kowalski, communication: 'Told: all.', artefact_review: "
        "{reviewed_by: x, artefacts: [{name: Report template, fate: kept, "
        "location: 'PMO share, Reporting'}, {name: 'yes', fate: discarded}]}}]}\n"
    )
    verify_move(old, new, stage="closed", move={**_CLOSED, "artefact_review": review})


def test_existing_item_layout_is_followed() -> None:
    old = "lifecycle:\n   stage: a\n   moves:\n     -   from: x\n         to: a\n"
    new = apply_move(old, stage="b", move={"from": "a", "to": "b", **_REQUIRED})
    assert "\n     -   from: a\n         to: b\n         date: 2026-03-02\n" in new


_FLOW_MOVE = "{from: design, to: pilot, date: 2026-03-02, approved_by: ruth-kowalski}"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (
            "lifecycle: {stage: design, moves: []}\n",
            f"lifecycle: {{stage: pilot, moves: [{_FLOW_MOVE}]}}\n",
        ),
        (
            "lifecycle: {stage: design}  # c\n",
            f"lifecycle: {{stage: pilot, moves: [{_FLOW_MOVE}]}}  # c\n",
        ),
        (
            'lifecycle: {stage: "design", moves: ~}\r\n',
            f'lifecycle: {{stage: "pilot", moves: [{_FLOW_MOVE}]}}\r\n',
        ),
        (
            "lifecycle: {stage: design, moves: [  # none\n  ]}\nz: 1",
            f"lifecycle: {{stage: pilot, moves: [{_FLOW_MOVE}  # none\n  ]}}\nz: 1",
        ),
        (
            "lifecycle:\n  stage: design\n  moves: [{from: a}]  # c\n",
            f"lifecycle:\n  stage: pilot\n  moves: [{{from: a}}, {_FLOW_MOVE}]  # c\n",
        ),
    ],
)
def test_flow_style_lifecycle_gets_a_flow_item(old: str, new: str) -> None:
    assert (
        apply_move(old, stage="pilot", move={"from": "design", "to": "pilot", **_REQUIRED}) == new
    )


def test_flow_items_quote_flow_indicators() -> None:
    old = read("flow-lifecycle.yaml")
    review = {"reviewed_by": "x", "kept": ["a,b", "c"], "discarded": []}
    move = {**_REQUIRED, "from": "pilot", "to": "transition", "note": "a, b: [c] #d"}
    new = apply_move(old, stage="transition", move={**move, "artefact_review": review})
    assert split_lines(new) == expect(
        old,
        {
            6: split_lines(old)[5].replace("stage: pilot", "stage: transition"),
            7: split_lines(old)[6].replace(
                "approved_by: helen-achebe}]}",
                "approved_by: helen-achebe}, {from: pilot, to: transition, date: 2026-03-02, "
                "approved_by: ruth-kowalski, note: 'a, b: [c] #d', artefact_review: "
                "{reviewed_by: x, kept: ['a,b', c], discarded: []}}]}",
            ),
        },
        after=0,
        inserted=[],
    )


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("plain words, with commas; and (parens)", "plain words, with commas; and (parens)"),
        ("a #b", "'a #b'"),
        ("", "''"),
        ("- x", "'- x'"),
        ("@x", "'@x'"),
        ("1.10", "'1.10'"),
        ("null", "'null'"),
        ("yes", "'yes'"),
        ("2024-01-01", "'2024-01-01'"),
        (" lead", "' lead'"),
        ("it's: fine", "'it''s: fine'"),
        ("tab\there", '"tab\\there"'),
        ("two\nlines", '"two\\nlines"'),
        ("nel\x85", '"nel\\N"'),
        ("ls\u2028ps\u2029", '"ls\\Lps\\P"'),
        ('bell\x07 "q" \\', '"bell\\a \\"q\\" \\\\"'),
        ("\x01\x9f\u202e\ufeff\uffff", '"\\x01\\x9F\\u202E\\uFEFF\\uFFFF"'),
        ("x" * 300, "x" * 300),  # long text is never folded
        (True, "true"),
        (dt.date(2024, 1, 2), "2024-01-02"),
    ],
)
def test_scalar_quoting(value: object, written: str) -> None:
    assert scalar(value) == written
    # read back as YAML (the loader's content policy, which refuses controls, aside)
    root = loader.top_mapping(loader.compose(f"k: {written}\n"))
    assert yaml12.ExactBuilder().build(root, 0) == {"k": value}


def test_scalar_keeps_the_replaced_values_quoting() -> None:
    assert scalar("running", style='"') == '"running"'
    assert scalar("running", style="'") == "'running'"
    assert scalar("it's\n", style="'") == '"it\'s\\n"'
    assert scalar(False, style='"') == "false"
    assert scalar("a, b", flow=True) == "'a, b'"
    assert scalar("x]", flow=True) == "'x]'"
    assert scalar("a:b", flow=True) == "'a:b'"
    assert scalar("a:b") == "a:b"


def test_changed_lines_counts_endings_and_insertions() -> None:
    assert changed_lines("a\nb\nc\n", "a\nB\nx\nc\n") == [2, 3]
    assert changed_lines("a\r\nb", "a\nb") == [1]
    assert changed_lines("a\nb", "a\nb\n") == [2]
    assert changed_lines("same\n", "same\n") == []


def test_comments_ignore_hashes_in_scalars() -> None:
    text = (
        "# head\n---\na: 'x # no'  # yes\nb: \"#no\"\nc: |  # header\n  # text\n"
        "d: [1, # in flow\n  2]\ne: x#y\n# end\n"
    )
    assert comments(text) == Counter(["# head", "# yes", "# header", "# in flow", "# end"])
    # ruamel's scanner agrees, but for the block scalar header comment, which it drops
    assert comments(text) - ruamel_comments(text) == Counter(["# header"])


def test_verify_rejects_any_other_change() -> None:
    old = read("two-space.yaml")
    new = apply_move(old, stage="transition", move=MOVE)
    verify_move(old, new, stage="transition", move=MOVE)
    tampered = {
        "drop the comment '# moved": new.replace("  # moved by pmoctl transition", ""),
        "change line 33,": new.replace("kowalski   # signed", "kowalski  # signed"),
        "change line 39,": new.replace("  owner: ruth-kowalski", "  owner:  ruth-kowalski"),
        "change line 8,": new.replace("category: Reporting\n", "category: Reporting\r\n"),
        "intended data": new.replace("success_criteria_met: true", "success_criteria_met: 1"),
        "add or remove lines": new.replace("\n\n# owner details", "\n# owner details"),
        "add the comment": new.replace("rollout: phased", "rollout: phased  # why"),
        "not read back": old,
    }
    for message, bad in tampered.items():
        assert bad != new, message
        with pytest.raises(EditError, match=message):
            verify_move(old, bad, stage="transition", move=MOVE)
    with pytest.raises(EditError, match="byte order mark"):
        verify_move(old, "\ufeff" + new, stage="transition", move=MOVE)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id: x\n", "no `lifecycle:`"),
        ("lifecycle: running\n", "not a mapping"),
        ("lifecycle:\n  moves: []\n", "no `stage:`"),
        ("lifecycle:\n  stage: |\n    design\n", "one-line"),
        ('lifecycle:\n  stage: "de\n    sign"\n', "several lines"),
        ("lifecycle:\n  stage: a\n  moves: {from: a}\n", "not a list"),
        ("lifecycle:\n  stage: a\n  moves: none\n", "not a list"),
        ("lifecycle: {stage: a, moves: none}\n", "not a list"),
        ("lifecycle:\n  stage: a\n  moves: &m []\n", "anchor"),
        ("lifecycle: [\n", "fix the file first"),
        ("- a\n", "fix the file first"),
        ("", "fix the file first"),
    ],
)
def test_refuses_what_it_cannot_edit_safely(text: str, message: str) -> None:
    with pytest.raises(EditError, match=message):
        apply_move(text, stage="pilot", move=MOVE)


@pytest.mark.parametrize(
    ("move", "message"),
    [
        ({"from": "a", "to": "b", "date": dt.date(2026, 1, 1)}, "no `approved_by`"),
        ({**MOVE, "from_": "a"}, "unknown move keys: from_"),
        ({**MOVE, "artefact_review": {"reviewer": "x"}}, "unknown artefact_review keys"),
        ({**MOVE, "note": 12}, "type int"),
        ({**MOVE, "note": "x\ud800"}, "surrogate"),
    ],
)
def test_refuses_moves_it_cannot_write(move: dict[str, object], message: str) -> None:
    with pytest.raises(EditError, match=message):
        apply_move(read("two-space.yaml"), stage="pilot", move=move)


# Text that YAML must quote or escape: indicators, comment and mapping markers, controls,
# NEL and the Unicode line separators, quotes, and anything else Unicode has.
_TRICKY = st.sampled_from(
    ["#", " #", ": ", "- ", "-", "'", '"', "\\", "\t", "\n", "\r", "\x85", "\u2028", "\x00",
     "\x1b", "\u202e", "\ufeff", "\uffff", "\xa0", "yes", "~", "@", "`", "%", "!", "&", "*",
     "{", "}", "[", "]", ",", "?", "|", ">", "1.10", "2024-01-01", " "]
)  # fmt: skip
# a value may not hold controls (the loader refuses them, and transition refuses them in
# its options): the text is what remains of the tricky parts without them
_TEXT = (
    st.lists(st.one_of(_TRICKY, st.text(max_size=8)), max_size=8)
    .map("".join)
    .map(lambda text: loader._FORBIDDEN_IN_VALUES.sub("", text))
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(
        ["two-space.yaml", "crlf-bom.yaml", "eof-no-newline.yaml", "flow-lifecycle.yaml"]
    ),
    note=_TEXT,
    readiness=_TEXT,
    reason=_TEXT,
    kept=st.lists(_TEXT, max_size=3),
)
def test_any_text_is_written_so_it_reads_back(
    name: str, note: str, readiness: str, reason: str, kept: list[str]
) -> None:
    old = read(name)
    review = {"reviewed_by": "amir-patel", "kept": kept}
    move = {**MOVE, "note": note, "readiness": readiness, "reason": reason}
    new = apply_move(old, stage="transition", move={**move, "artefact_review": review})
    written = parse(new.removeprefix("\ufeff"))["lifecycle"]
    assert written["stage"] == "transition"
    assert written["moves"][-1] == {**move, "artefact_review": review}
    assert comments(new) == comments(old)
    added = 9 + 3 + len(kept) if name != "flow-lifecycle.yaml" else 0  # nothing is folded
    stage_line, after, changed = _EDITS[name]
    old_lines, new_lines = split_lines(old), split_lines(new)
    assert len(new_lines) == len(old_lines) + added
    rest = new_lines[:after] + new_lines[after + added :]
    assert [n for n, (a, b) in enumerate(zip(old_lines, rest, strict=True), 1) if a != b] == changed
    assert "stage: transition" in rest[stage_line - 1]


# fixture: (stage line, line the move is inserted after, old lines that change)
_EDITS = {
    "two-space.yaml": (22, 35, [22]),
    "crlf-bom.yaml": (12, 13, [12, 13]),
    "eof-no-newline.yaml": (4, 9, [4, 9]),
    "flow-lifecycle.yaml": (6, 0, [6, 7]),
}


@st.composite
def _service_files(draw: st.DrawFn) -> str:
    """Hand-formatting of every kind the block layout allows, around a lifecycle."""
    step = draw(st.sampled_from([2, 3, 4]))
    dash = draw(st.sampled_from([0, step]))
    gap = draw(st.sampled_from([1, 3]))  # blanks between the dash and the item's first key

    def comment(column: int) -> list[str]:
        return draw(st.sampled_from([[], [" " * column + "# note"], [""], ["", "# top"]]))

    lines = [*comment(0), "kind: service", "lifecycle:", *comment(step)]
    lines.append(" " * step + draw(st.sampled_from(["stage: a", "stage: 'a'  # s", 'stage: "a"'])))
    items = draw(st.integers(0, 3))
    empty = draw(st.sampled_from(["", "moves:", "moves: []", "moves: ~  # none"]))
    if items:
        lines.append(" " * step + "moves:")
        for number in range(items):
            lines += comment(step + dash)
            pad = " " * (step + dash + 1 + gap)
            lines.append(" " * (step + dash) + "-" + " " * gap + f"from: s{number}")
            lines.append(
                pad + draw(st.sampled_from(["to: a", "to: a  # t", "note: |\n" + pad + "  x"]))
            )
        lines += comment(step + dash + 1 + gap)
    elif empty:
        lines.append(" " * step + empty)
    lines += comment(step)
    if draw(st.booleans()):
        lines += [*comment(0), "roles:", " " * step + "- owner"]
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    text = ending.join("\n".join(lines).split("\n"))
    return ("\ufeff" if draw(st.booleans()) else "") + text + draw(st.sampled_from(["", ending]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(old=_service_files())
def test_any_block_layout_is_edited_in_place(old: str) -> None:
    move = {"from": "a", "to": "b", **_REQUIRED}
    if re.search(r"note: \|\r?\n +x\Z", old):  # a newline after it would change the note
        with pytest.raises(EditError, match="without a final newline"):
            apply_move(old, stage="b", move=move)
        return
    new = apply_move(old, stage="b", move=move)  # EditError here is a failure
    data = parse(new.removeprefix("\ufeff"))
    assert data["lifecycle"]["stage"] == "b"
    assert data["lifecycle"]["moves"][-1] == move
    assert comments(new) == comments(old) == ruamel_comments(new)
    ending = "\r\n" if "\r\n" in old else "\n"
    assert new.replace(ending, "").count("\n") == old.replace(ending, "").count("\n") == 0
    assert new.startswith("\ufeff") == old.startswith("\ufeff")
    assert new.endswith(ending) == old.endswith(ending)
    # the stage, `moves:` (new or emptied), the move's four lines, a gained line ending
    assert len(changed_lines(old, new)) <= 1 + 1 + 4 + 1


# --- the generic edit: Set and Append at any path ----------------------------------------

SERVICE = """\
# A service with the records the commands add to.
id: svc   # the id
name: "Reporting service"
summary: 'Monthly reports'
roles:
  owner: amir-patel
change_requests:
  - id: cr-1
    status: open
  - id: cr-2
    status: 'open'   # waiting for the board
    # the board meets monthly
  - {id: cr-3, status: open}  # typed in flow style
kpis:
  - id: k1
    readings: [{date: 2026-01-01, value: 3}]  # flow readings
  - id: k2
    readings:
      - date: 2026-01-01
        value: 4
      # a reading may carry a note
notes: last
"""


def changed(old: str, new: str) -> dict[int, str]:
    """The 1-based lines of `new` that changed or were added, with their text."""
    lines = split_lines(new)
    return {number: lines[number - 1] for number in changed_lines(old, new)}


@pytest.mark.parametrize(
    ("path", "value", "line", "written"),
    [
        (("id",), "svc-2", 2, "id: svc-2   # the id\n"),
        (("name",), "Reports: monthly", 3, 'name: "Reports: monthly"\n'),
        (("summary",), "Weekly reports", 4, "summary: 'Weekly reports'\n"),
        (("summary",), "it's", 4, "summary: 'it''s'\n"),
        (("change_requests", 1, "status"), "ok", 11, "    status: 'ok'   # waiting for the board\n"),  # noqa: E501
        (("change_requests", 2, "status"), "a, b", 13, "  - {id: cr-3, status: 'a, b'}  # typed in flow style\n"),  # noqa: E501
        (("roles", "owner"), 12, 6, "  owner: 12\n"),
        (("roles", "owner"), 1.5, 6, "  owner: 1.5\n"),
        (("roles", "owner"), False, 6, "  owner: false\n"),
        (("roles", "owner"), dt.date(2026, 5, 1), 6, "  owner: 2026-05-01\n"),
        (("roles", "owner"), Stage.PILOT, 6, "  owner: pilot\n"),
    ],
)  # fmt: skip
def test_set_an_existing_scalar_keeps_its_quoting_and_comment(
    path: tuple[str | int, ...], value: object, line: int, written: str
) -> None:
    new = apply(SERVICE, [Set(path, value)])
    assert changed(SERVICE, new) == {line: written}
    verify(SERVICE, new, [Set(path, value)])


def test_set_a_new_key_goes_at_the_end_of_its_block_mapping() -> None:
    new = apply(SERVICE, [Set(("roles", "deputy"), "helen-achebe"), Set(("format",), 1)])
    assert changed(SERVICE, new) == {7: "  deputy: helen-achebe\n", 24: "format: 1\n"}


def test_set_creates_missing_parent_mappings() -> None:
    changes = [Set(("sponsor", "name"), "ruth"), Set(("sponsor", "since"), dt.date(2026, 1, 2))]
    new = apply(SERVICE, changes)
    assert changed(SERVICE, new) == {
        23: "sponsor:\n",
        24: "  name: ruth\n",
        25: "  since: 2026-01-02\n",
    }
    assert parse(new)["sponsor"] == {"name": "ruth", "since": dt.date(2026, 1, 2)}
    verify(SERVICE, new, changes)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("a: 1\nb:\n", "a: 1\nb:\n  c:\n    d: x\n"),
        ("a: 1\nb: ~  # none\n", "a: 1\nb:  # none\n  c:\n    d: x\n"),
        ("a: 1\nb: {}\nz: 2\n", "a: 1\nb:\n  c:\n    d: x\nz: 2\n"),
        ("a: 1\nb: {\n  }\n", "a: 1\nb: {c: {d: x}\n  }\n"),
        ("a: {b: ~}\n", "a: {b: {c: {d: x}}}\n"),
        ("a: {b: {}}\n", "a: {b: {c: {d: x}}}\n"),
        ("a: {x: 1}\n", "a: {x: 1, b: {c: {d: x}}}\n"),
        ("a:\n    y: 1\n", "a:\n    y: 1\n    b:\n        c:\n            d: x\n"),
        ("a:\n  - 1\n", "a:\n  - 1\nb:\n  c:\n    d: x\n"),
    ],
)
def test_set_fills_empty_mappings_and_follows_the_style(old: str, new: str) -> None:
    path = ("b", "c", "d") if old.startswith(("a: 1", "a:\n  -")) else ("a", "b", "c", "d")
    assert apply(old, [Set(path, "x")]) == new


def test_set_a_new_key_in_list_item_mappings_block_and_flow() -> None:
    changes = [
        Set(("change_requests", 1, "status"), "approved"),
        Set(("change_requests", 1, "decided_by"), "ruth-kowalski"),
        Set(("change_requests", 1, "decided_on"), dt.date(2026, 3, 2)),
        Set(("change_requests", 0, "decided_by"), "amir-patel"),
        Set(("change_requests", 2, "decided_by"), "helen: achebe"),
        Set(("roles", "owner"), "helen-achebe"),
    ]
    new = apply(SERVICE, changes)
    assert changed(SERVICE, new) == {
        6: "  owner: helen-achebe\n",
        10: "    decided_by: amir-patel\n",
        12: "    status: 'approved'   # waiting for the board\n",
        14: "    decided_by: ruth-kowalski\n",
        15: "    decided_on: 2026-03-02\n",
        16: "  - {id: cr-3, status: open, decided_by: 'helen: achebe'}  # typed in flow style\n",
    }
    verify(SERVICE, new, changes)


def test_append_to_nested_lists_in_block_and_flow_style() -> None:
    reading: dict[str, object] = {"date": dt.date(2026, 2, 1), "value": 5, "note": None}
    changes = [
        Append(("kpis", 0, "readings"), reading),
        Append(("kpis", 1, "readings"), {**reading, "note": "late, but fine"}),
    ]
    new = apply(SERVICE, changes)
    assert changed(SERVICE, new) == {
        16: "    readings: [{date: 2026-01-01, value: 3}, {date: 2026-02-01, value: 5}]"
        "  # flow readings\n",
        22: "      - date: 2026-02-01\n",
        23: "        value: 5\n",
        24: "        note: late, but fine\n",
    }
    kpis = parse(new)["kpis"]
    assert kpis[0]["readings"][-1] == {"date": dt.date(2026, 2, 1), "value": 5}
    assert kpis[1]["readings"][-1] == {
        "date": dt.date(2026, 2, 1),
        "value": 5,
        "note": "late, but fine",
    }
    verify(SERVICE, new, changes)


def test_append_creates_the_list_with_nested_values() -> None:
    review = {
        "date": dt.date(2026, 3, 1),
        "attendees": ["amir-patel", "yes"],
        "actions": [{"what": "renew contract", "owner": "ruth"}],
        "outcome": {"kept": True, "score": 0.75},
        "skipped": None,
    }
    changes = [Append(("reviews",), review), Append(("kpis", 0, "targets"), 10)]
    new = apply(SERVICE, changes)
    assert changed(SERVICE, new) == {
        17: "    targets:\n",
        18: "      - 10\n",
        25: "reviews:\n",
        26: "  - date: 2026-03-01\n",
        27: "    attendees:\n",
        28: "      - amir-patel\n",
        29: "      - 'yes'\n",
        30: "    actions:\n",
        31: "      - what: renew contract\n",
        32: "        owner: ruth\n",
        33: "    outcome:\n",
        34: "      kept: true\n",
        35: "      score: 0.75\n",
    }
    assert parse(new)["reviews"] == [{k: v for k, v in review.items() if v is not None}]
    verify(SERVICE, new, changes)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("l: []\n", "l:\n  - x\n"),
        ("l: ~  # c\n", "l:  # c\n  - x\n"),
        ("l: [a]\n", "l: [a, x]\n"),
        ("l: [\n  ]\n", "l: [x\n  ]\n"),
        ("l:\n- a\n", "l:\n- a\n- x\n"),
        ("m: {l: []}\n", "m: {l: [x]}\n"),
        ("m: {l: null}\n", "m: {l: [x]}\n"),
    ],
)
def test_append_follows_the_lists_style(old: str, new: str) -> None:
    path = ("m", "l") if old.startswith("m") else ("l",)
    assert apply(old, [Append(path, "x")]) == new


def test_a_mapping_appended_to_one_line_items_is_one_line_too() -> None:
    old = "r:\n  - {d: 1, v: 2}  # first\n"
    assert apply(old, [Append(("r",), {"d": 3, "v": 4})]) == (
        "r:\n  - {d: 1, v: 2}  # first\n  - {d: 3, v: 4}\n"
    )
    block = "r:\n  - d: 1\n    v: 2\n"
    assert apply(block, [Append(("r",), {"d": 3})]) == block + "  - d: 3\n"


def test_insertions_at_the_same_line_nest_inside_out() -> None:
    old = "a:\n  - id: x\n    l:\n      - 1\n"
    changes = [Set(("b",), 2), Set(("a", 0, "k"), "v"), Append(("a", 0, "l"), 2), Append(("a",), 9)]
    with pytest.raises(EditError, match="overlap at `a` and `a\\[0\\].k`"):
        apply(old, changes)
    new = apply(old, changes[:3])
    assert new == "a:\n  - id: x\n    l:\n      - 1\n      - 2\n    k: v\nb: 2\n"
    verify(old, new, changes[:3])


def test_crlf_bom_and_missing_final_newline_are_kept() -> None:
    old = "\ufeffa: 1\r\nm:\r\n  k: v  # c\r\nl:\r\n  - x"
    changes = [Set(("a",), 2), Set(("m", "note"), "w"), Append(("l",), "w"), Set(("z",), True)]
    new = apply(old, changes)
    assert new == "\ufeffa: 2\r\nm:\r\n  k: v  # c\r\n  note: w\r\nl:\r\n  - x\r\n  - w\r\nz: true"
    verify(old, new, changes)
    with pytest.raises(EditError, match="byte order mark"):
        verify(old, new.removeprefix("\ufeff"), changes)


def test_comments_everywhere_survive() -> None:
    old = read("flow-and-scalars.yaml")
    changes = [Set(("name",), "Renamed"), Set(("x", "y"), 1), Append(("lifecycle", "moves"), MOVE)]
    new = apply(old, changes)
    assert comments(new) == comments(old) == ruamel_comments(new)
    verify(old, new, changes)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ([Set(("roles", "owner"), "a"), Set(("roles", "owner"), "b")], "overlap at `roles.owner`"),
        (
            [Set(("roles",), "a"), Set(("roles", "owner"), "b")],
            "overlap at `roles` and `roles.owner`",
        ),
        ([Append(("kpis",), "a"), Append(("kpis",), "b")], "overlap at `kpis`"),
        ([Set(("x", "y"), 1), Set(("x", "y", "z"), 1)], "overlap at `x.y` and `x.y.z`"),
        ([Set(("roles",), "a")], "`roles` is a mapping, not a one-line value"),
        ([Set(("kpis", 0, "readings"), "a")], "`kpis\\[0\\].readings` is a list"),
        ([Set(("id", "x"), "a")], "`id` is a value, not a mapping"),
        ([Set(("kpis", 9, "id"), "a")], "`kpis` has no item 9"),
        ([Set(("kpis", -1, "id"), "a")], "cannot be negative"),
        ([Set(("roles", 0, "id"), "a")], "`roles` is not a list"),
        ([Set(("kpis", "id"), "a")], "`kpis` is a list; its items are numbered"),
        ([Set(("new", 0, "id"), "a")], "`new` does not exist"),
        ([Set(("kpis", 0), "a")], "must end in a key"),
        ([Set((), "a")], "non-empty path"),
        ([Set(("id",), None)], "no value"),
        ([Set(("id",), ["a"])], "Set writes one scalar"),
        ([Set(("id",), dt.datetime(2026, 1, 1, 9))], "date and time"),
        ([Set(("id",), float("nan"))], "NaN"),
        ([Set(("id",), b"x")], "type bytes"),
        ([Append(("id",), "a")], "`id` is not a list"),
        ([Append(("roles",), "a")], "`roles` is not a list"),
        ([Append(("notes_list",), [1])], "list inside a list"),
        ([Append(("notes_list",), {1: "a"})], "not text"),
        ([Set(("id",), "x\ud800")], "surrogate"),
    ],
)
def test_refuses_changes_it_cannot_make(changes: list[Set | Append], message: str) -> None:
    with pytest.raises(EditError, match=message):
        apply(SERVICE, changes)


def test_refuses_a_value_spread_over_lines() -> None:
    with pytest.raises(EditError, match="not a one-line value"):
        apply("a: |\n  x\n", [Set(("a",), "y")])
    with pytest.raises(EditError, match="spans several lines"):
        apply("a: 'x\n  y'\n", [Set(("a",), "y")])
    with pytest.raises(EditError, match="not on its key's line"):
        apply("a:\n  []\n", [Append(("a",), "y")])


def test_verify_refuses_any_other_change() -> None:
    changes = [Set(("roles", "owner"), "x"), Append(("kpis", 1, "readings"), {"value": 1})]
    new = apply(SERVICE, changes)
    verify(SERVICE, new, changes)
    tampered = {
        "intended data": new.replace("owner: x", "owner: y"),
        "change line 2,": new.replace("svc   #", "svc  #"),
        "drop the comment": new.replace("  # flow readings", ""),
        "not the planned ones": new.replace("      - value: 1", "      -   value: 1"),
    }
    for message, bad in tampered.items():
        assert bad != new, message
        with pytest.raises(EditError, match=message):
            verify(SERVICE, bad, changes)


_KEYS = st.sampled_from(["a", "b", "id", "l", "yes", "x y"])
_SCALARS = st.one_of(
    st.integers(-5, 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)),
    _TEXT,
)
_DATA = st.recursive(
    st.one_of(st.none(), _SCALARS),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_KEYS, inner, max_size=3)),
    max_leaves=8,
)
_ITEMS = st.one_of(
    _SCALARS,
    st.dictionaries(
        _KEYS,
        st.one_of(
            st.none(),
            _SCALARS,
            st.lists(_SCALARS, max_size=2),
            st.lists(st.dictionaries(_KEYS, _SCALARS, max_size=2), max_size=2),
            st.dictionaries(_KEYS, _SCALARS, max_size=2),
        ),
        max_size=3,
    ),
)


def _paths(data: object, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found = [path] if path else []
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*path, key))
    elif isinstance(data, list):
        for number, value in enumerate(data):
            found += _paths(value, (*path, number))
    return found


@st.composite
def _documents_and_changes(draw: st.DrawFn) -> tuple[str, list[Set | Append]]:
    data = draw(st.dictionaries(_KEYS, _DATA, min_size=1, max_size=4))
    style = draw(st.sampled_from([False, None, True]))
    dumped = yaml.safe_dump(
        data, default_flow_style=style, indent=draw(st.sampled_from([2, 4])),
        sort_keys=False, allow_unicode=True, width=10**6,
    )  # fmt: skip
    lines = dumped.splitlines()
    for number in sorted(draw(st.lists(st.integers(0, len(lines)), max_size=4)), reverse=True):
        if draw(st.booleans()) or number == len(lines):
            lines.insert(number, " " * draw(st.integers(0, 4)) + f"# line {number}")
        else:
            lines[number] += f"  # after {number}"
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    text = ending.join(lines) + draw(st.sampled_from(["", ending]))
    text = ("\ufeff" if draw(st.booleans()) else "") + text
    paths = _paths(data)
    changes: list[Set | Append] = []
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths)) if paths and draw(st.booleans()) else ()
        if not path or isinstance(path[-1], int) or draw(st.booleans()):
            path = (*path, draw(_KEYS))
        if draw(st.booleans()):
            changes.append(Set(path, draw(_SCALARS)))
        else:
            changes.append(Append(path, draw(_ITEMS)))
    return text, changes


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_documents_and_changes())
def test_apply_output_always_verifies_or_is_refused(
    case: tuple[str, list[Set | Append]],
) -> None:
    old, changes = case
    try:
        loader.parse(old.removeprefix("\ufeff"))
    except loader.LoadError:
        return  # a comment where YAML does not allow one: not a file to edit
    try:
        new = apply(old, changes)
    except EditError:
        return
    verify(old, new, changes)
    assert comments(new) == comments(old)
    assert new.startswith("\ufeff") == old.startswith("\ufeff")
