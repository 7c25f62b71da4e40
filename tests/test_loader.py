"""Hostile and broken files: one finding each, at its position, in bounded time and memory.

The hazards come from the research report (section 8.A). Each hostile file is checked in
process (exactly one finding, at the right line and column), and all of them together in
one catalogue with good files through the real CLI, under a memory limit and a timeout:
the good files are still checked, nothing leaks, no traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLE, Unprivileged, git, run_cli
from lifecycle_support import DIRECTOR, make_repo
from pmoctl.catalogue.loading import load_file
from pmoctl.yaml.loader import MAX_BYTES, LoadError, decode, parse
from pmoctl.yaml.truthy import truthy_findings

#: the billion laughs: nine levels of nine aliases (9**9 leaves), padded by a final
#: comment to the 441 bytes of the research report's file
_BOMB_BODY = (
    'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(f"a{n}: &a{n} [" + ",".join([f"*a{n - 1}"] * 9) + "]\n" for n in range(1, 9))
).encode()
ALIAS_BOMB = _BOMB_BODY + b"#" * (440 - len(_BOMB_BODY)) + b"\n"

SERVICE_HEAD = b"format: 1\nkind: service\nid: hostile\n"

#: name -> (file content, rule, line, column): each gives exactly this one finding
HOSTILE: dict[str, tuple[bytes, str, int, int]] = {
    "feb-30": (SERVICE_HEAD + b"review: 2024-02-30\n", "YAML-VALUE", 4, 9),
    "month-13": (SERVICE_HEAD + b"review: 2024-13-01\n", "YAML-VALUE", 4, 9),
    "hour-25": (SERVICE_HEAD + b"review: 2024-01-01T25:00:00\n", "YAML-VALUE", 4, 9),
    "int-5000-digits": (SERVICE_HEAD + b"fte: " + b"9" * 5000 + b"\n", "YAML-VALUE", 4, 6),
    "hex-5000-digits": (SERVICE_HEAD + b"fte: 0x" + b"f" * 5000 + b"\n", "YAML-VALUE", 4, 6),
    "nan": (SERVICE_HEAD + b"fte: .nan\n", "YAML-VALUE", 4, 6),
    "bool-maybe": (SERVICE_HEAD + b"flag: !!bool maybe\n", "YAML-TAG", 4, 7),
    "python-object": (
        SERVICE_HEAD + b"x: !!python/object/apply:os.system ['echo PWNED']\n",
        "YAML-TAG",
        4,
        4,
    ),
    "local-tag": (SERVICE_HEAD + b"name: !Ref foo\n", "YAML-TAG", 4, 7),
    "binary-tag": (SERVICE_HEAD + b"name: !!binary '%%%'\n", "YAML-TAG", 4, 7),
    "empty-float-tag": (SERVICE_HEAD + b"name: !!float \n", "YAML-TAG", 4, 7),
    "complex-key": (SERVICE_HEAD + b"? [[a]]\n: b\n", "YAML-KEY", 4, 3),
    "yaml-1-3": (b"%YAML 1.3\n---\n" + SERVICE_HEAD, "YAML-DIRECTIVE", 1, 1),
    "yaml-2-0": (b"%YAML 2.0\n---\n" + SERVICE_HEAD, "YAML-DIRECTIVE", 1, 1),
    "tag-directive": (
        b"%TAG ! tag:example.com,2000:\n---\n" + SERVICE_HEAD,
        "YAML-DIRECTIVE",
        1,
        1,
    ),
    "flow-1000-deep": (
        SERVICE_HEAD + b"x: " + b"[" * 1000 + b"]" * 1000 + b"\n",
        "YAML-DEPTH",
        4,
        35,
    ),
    "flow-5000-deep": (b"[" * 5000 + b"]" * 5000 + b"\n", "YAML-DEPTH", 1, 33),
    "block-300-deep": (
        b"".join(b"  " * level + b"k:\n" for level in range(300)),
        "YAML-DEPTH",
        33,
        65,
    ),
    "alias-bomb": (ALIAS_BOMB, "YAML-ANCHOR", 1, 5),
    "anchor-and-alias": (SERVICE_HEAD + b"a: &d {x: 1}\nb: *d\n", "YAML-ANCHOR", 4, 4),
    "merge-key": (SERVICE_HEAD + b"funding:\n  <<: {model: central}\n", "YAML-ANCHOR", 5, 3),
    "duplicate-key": (SERVICE_HEAD + b"name: a\nid: again\n", "YAML-DUPLICATE-KEY", 5, 1),
    "int-and-bool-keys": (SERVICE_HEAD + b"name: n\n1: a\ntrue: b\n", "YAML-KEY", 5, 1),
    "null-key": (SERVICE_HEAD + b"~: a\n", "YAML-KEY", 4, 1),
    "date-key": (SERVICE_HEAD + b"2024-01-01: a\n", "YAML-KEY", 4, 1),
    "empty": (b"", "YAML-EMPTY", 1, 1),
    "comments-only": (b"# nothing yet\n# really\n", "YAML-EMPTY", 1, 1),
    "document-marker-only": (b"---\n", "YAML-EMPTY", 1, 1),
    "top-level-list": (b"- format: 1\n- kind: service\n", "YAML-STRUCTURE", 1, 1),
    "top-level-scalar": (b"just some text\n", "YAML-STRUCTURE", 1, 1),
    "two-documents": (SERVICE_HEAD + b"---\nname: second\n", "YAML-DOCUMENTS", 4, 1),
    "content-after-end": (SERVICE_HEAD + b"...\nname: x\n", "YAML-SYNTAX", 5, 1),
    "tab-indent": (SERVICE_HEAD + b"roles:\n\towner: a\n", "YAML-SYNTAX", 5, 1),
    "unclosed-quote": (SERVICE_HEAD + b'name: "abc\nkind: x\n', "YAML-SYNTAX", 4, 7),
    "unclosed-bracket": (SERVICE_HEAD + b"pmos: [a, b\nname: x\n", "YAML-SYNTAX", 5, 5),
    "mapping-in-plain": (SERVICE_HEAD + b"t: a: b\n", "YAML-SYNTAX", 4, 5),
    "latin-1": (
        SERVICE_HEAD + "name: Caf\u00e9 r\u00e9union\n".encode("latin-1"),
        "YAML-ENCODING",
        4,
        10,
    ),
    "cp1252-quotes": (SERVICE_HEAD + b"name: \x93quoted\x94\n", "YAML-ENCODING", 4, 7),
    "utf-16": ("format: 1\nkind: service\n".encode("utf-16"), "YAML-ENCODING", 1, 1),
    "nul": (SERVICE_HEAD + b"name: a\x00b\n", "YAML-CHARACTER", 4, 8),
    "bell": (SERVICE_HEAD + b"name: a\x07b\n", "YAML-CHARACTER", 4, 8),
    "escape": (SERVICE_HEAD + b"name: a\x1b[2Jb\n", "YAML-CHARACTER", 4, 8),
    "nel": (SERVICE_HEAD + "name: a\u0085b\n".encode(), "YAML-CHARACTER", 4, 8),
    "line-separator": (SERVICE_HEAD + "name: a\u2028b\n".encode(), "YAML-CHARACTER", 4, 8),
    "bidi-override": (SERVICE_HEAD + "name: a\u202eb\n".encode(), "YAML-CHARACTER", 4, 8),
    "bom-inside": (SERVICE_HEAD + "\ufeffname: b\n".encode(), "YAML-CHARACTER", 4, 1),
}


def _write(folder: Path, name: str, content: bytes) -> str:
    rel = f"services/{name}.yaml"
    (folder / "services").mkdir(parents=True, exist_ok=True)
    (folder / rel).write_bytes(content)
    return rel


@pytest.mark.timeout(20)
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_file_gives_exactly_one_finding_at_its_position(name: str, tmp_path: Path) -> None:
    content, rule, line, column = HOSTILE[name]
    rel = _write(tmp_path, name, content)
    loaded = load_file(tmp_path, rel, "service")
    assert loaded.model is None
    assert [(f.rule, f.line, f.column) for f in loaded.findings] == [(rule, line, column)]
    assert loaded.findings[0].hint, "every finding says how to fix it"


def test_the_alias_bomb_is_the_441_byte_one() -> None:
    assert len(ALIAS_BOMB) == 441


def test_a_bom_at_the_start_is_accepted(tmp_path: Path) -> None:
    modeline = b"# yaml-language-server: $schema=../schemas/service.schema.json\n"
    rel = _write(tmp_path, "bom", b"\xef\xbb\xbf" + modeline + SERVICE_HEAD)
    findings = load_file(tmp_path, rel, "service").findings
    assert {f.rule for f in findings} == {"SCHEMA-REQUIRED"}  # parsed: only keys are missing


def test_yaml_1_1_values_are_read_as_yaml_1_2(tmp_path: Path) -> None:
    text = "country: NO\nenabled: no\nzip: 01234\nversion: 1.10\nduration: 1:20\nday: 2024-01-15\n"
    data = parse(text)
    assert data["country"] == "NO" and data["enabled"] == "no"
    assert data["zip"] == 1234 and data["version"] == 1.1 and data["duration"] == "1:20"
    assert str(data["day"]) == "2024-01-15"


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    rel = _write(tmp_path, "big", b"name: " + b"x" * (MAX_BYTES + 10) + b"\n")
    loaded = load_file(tmp_path, rel, "service")
    assert [(f.rule, f.line) for f in loaded.findings] == [("FILE-SIZE", 0)]


def test_a_folder_or_a_fifo_named_like_a_service_is_a_finding(tmp_path: Path) -> None:
    (tmp_path / "services" / "folder.yaml").mkdir(parents=True)
    os.mkfifo(tmp_path / "services" / "pipe.yaml")  # opening it would block forever
    for name in ("folder", "pipe"):
        loaded = load_file(tmp_path, f"services/{name}.yaml", "service")
        assert [f.rule for f in loaded.findings] == ["FILE-READ"]


def _outcome(read: object, root: Path, rel: str) -> bytes | str:
    try:
        return read(root, rel, 64)  # type: ignore[operator, no-any-return]
    except LoadError as error:
        return error.rule


def test_reading_by_path_where_there_is_no_dir_fd_refuses_what_read_bytes_refuses(
    tmp_path: Path,
) -> None:
    """Windows has no ``dir_fd``: the reader it uses follows no link either, never waits on
    a pipe, and keeps the bytes (CRLF included) as they are."""
    from pmoctl.fileio import read_bytes, read_bytes_by_path

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.yaml").write_bytes(b"id: x\r\n")
    root = tmp_path / "catalogue"
    (root / "services").mkdir(parents=True)
    (root / "services" / "crlf.yaml").write_bytes(b"id: crlf\r\nname: A\r\n")
    (root / "services" / "big.yaml").write_bytes(b"#" * 65)
    (root / "services" / "link.yaml").symlink_to(outside / "x.yaml")
    (root / "linked").symlink_to(outside, target_is_directory=True)
    (root / "organisation.yaml").write_bytes(b"x: 1\n")
    os.mkfifo(root / "services" / "pipe.yaml")
    (root / "services" / "folder.yaml").mkdir()
    expected = {
        "services/crlf.yaml": b"id: crlf\r\nname: A\r\n",
        "services/big.yaml": "FILE-SIZE",
        "services/link.yaml": "FILE-SYMLINK",
        "linked/x.yaml": "FILE-SYMLINK",
        "services/pipe.yaml": "FILE-READ",
        "services/folder.yaml": "FILE-READ",
        "services/missing.yaml": "FILE-MISSING",
        "organisation.yaml/x.yaml": "FILE-MISSING",
    }
    for rel, outcome in expected.items():
        assert _outcome(read_bytes_by_path, root, rel) == outcome, rel
        assert _outcome(read_bytes, root, rel) == outcome, rel


# --- the real CLI on a catalogue holding all of them ------------------------------------

#: a good file read right after the %YAML 1.1 one (h-yaml-1-1.yaml sorts first): read as
#: YAML 1.1 it would fail (``1:20`` is the sexagesimal number 80 there), as 1.2 it is clean
AFTER_YAML_1_1 = "yaml-1-2"
SECRET = "ghp_SECRETtoken1234567890"


def _limit_memory() -> None:  # pragma: no cover - runs in the child
    limit = 1024 * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _bounded_cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real CLI with at most 1 GiB of address space and 60 seconds."""
    return subprocess.run(
        [sys.executable, "-m", "pmoctl", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        preexec_fn=_limit_memory,
    )


@pytest.fixture
def hostile_catalogue(example_catalogue: Path, tmp_path: Path) -> Path:
    services = example_catalogue / "services"
    for name, (content, _, _, _) in HOSTILE.items():
        (services / f"h-{name}.yaml").write_bytes(content)
    (services / "h-yaml-1-1.yaml").write_bytes(b"%YAML 1.1\n---\n" + SERVICE_HEAD)
    good = (services / "dependency-mapping.yaml").read_text(encoding="utf-8")
    (services / f"h-{AFTER_YAML_1_1}.yaml").write_text(
        good.replace("id: dependency-mapping", f"id: h-{AFTER_YAML_1_1}").replace(
            "category: Planning and resourcing", "category: 1:20"
        ),
        encoding="utf-8",
    )
    secret = tmp_path / "outside" / "config.json"
    secret.parent.mkdir()
    secret.write_text(json.dumps({"auth": SECRET}), encoding="utf-8")
    (services / "h-symlink.yaml").symlink_to(secret)
    (services / "h-big.yaml").write_bytes(b"name: " + b"x" * (MAX_BYTES + 10) + b"\n")
    # a cross-document finding in a good file proves the good files are still checked
    sentinel = services / "resource-capacity-planning.yaml"  # records no appointments
    text = sentinel.read_text(encoding="utf-8")
    sentinel.write_text(
        text.replace(
            "{person: tom-okafor, pmo: corporate-pmo}", "{person: grace-mensah, pmo: corporate-pmo}"
        ).replace("reported_by: tom-okafor", "reported_by: grace-mensah"),  # no KPI-REPORTER
        encoding="utf-8",
    )
    return example_catalogue


def _expected_positions() -> set[tuple[str, str, int, int]]:
    expected = {
        (f"services/h-{name}.yaml", rule, line, column)
        for name, (_, rule, line, column) in HOSTILE.items()
    }
    expected |= {
        ("services/h-yaml-1-1.yaml", "YAML-DIRECTIVE", 1, 1),
        ("services/h-symlink.yaml", "FILE-SYMLINK", 0, 0),
        ("services/h-big.yaml", "FILE-SIZE", 0, 0),
        ("services/resource-capacity-planning.yaml", "ROLE-ELIGIBLE", 21, 16),
    }
    return expected


@pytest.mark.slow
def test_cli_reports_each_hostile_file_once_and_still_checks_the_rest(
    hostile_catalogue: Path,
) -> None:
    result = _bounded_cli("validate", "--format", "json", "--no-cache", cwd=hostile_catalogue)
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    findings = json.loads(result.stdout)["findings"]
    # a finding about a whole file has no position: null in JSON, 0 in the expected list
    actual = [(f["path"], f["rule"], f["line"] or 0, f["column"] or 0) for f in findings]
    assert sorted(actual) == sorted(_expected_positions())
    assert SECRET not in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif", "junit"])
def test_a_symlink_to_a_secret_is_reported_and_never_printed(
    hostile_catalogue: Path, fmt: str
) -> None:
    result = run_cli(
        "validate",
        "--format",
        fmt,
        "--no-cache",
        "--fail-on",
        "never",
        hostile_catalogue / "services" / "h-symlink.yaml",
        cwd=hostile_catalogue,
    )
    assert result.returncode == 0
    assert "FILE-SYMLINK" in result.stdout
    assert SECRET not in result.stdout + result.stderr
    assert "auth" not in result.stdout + result.stderr


# --- values that look like markup or terminal commands ---------------------------------

#: an output name holding rich markup, an OSC 8 hyperlink, a screen clear and a forged
#: GitHub command on a line of its own (written with YAML double-quote escapes)
# a value may hold a line feed (a double-quoted \n), never a control: escapes that write
# ESC are refused as YAML-CHARACTER (tested with the loader), file names with ESC are
# escaped (tests/test_report.py)
FORGED = r"[/x] [link=https://evil.example]click[/link] \n::error file=x::forged"


@pytest.fixture
def markup_catalogue(example_catalogue: Path) -> Path:
    path = example_catalogue / "services" / "portfolio-reporting.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("output: Weekly timesheet extract}", f'output: "{FORGED}"}}'),
        encoding="utf-8",
    )
    return example_catalogue


def _lines_of(result: subprocess.CompletedProcess[str]) -> list[str]:
    return (result.stdout + result.stderr).splitlines()


@pytest.mark.parametrize("colour", [False, True])
def test_text_output_prints_markup_literally_and_escapes_controls(
    markup_catalogue: Path, colour: bool
) -> None:
    env = {"FORCE_COLOR": "1"} if colour else {"NO_COLOR": "1"}
    result = run_cli("validate", "--no-cache", cwd=markup_catalogue, env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    out = result.stdout
    assert "[/x] [link=https://evil.example]click[/link]" in out
    assert "\\n::error file=x::forged" in out
    # the only escape sequences are rich's colours: no hyperlink, no screen clear
    assert "\x1b]8;" not in out and "\x1b[2J" not in out
    assert not any(line.startswith("::error file=x") for line in _lines_of(result))


def test_json_output_keeps_the_value_as_data(markup_catalogue: Path) -> None:
    result = run_cli("validate", "--format", "json", "--no-cache", cwd=markup_catalogue)
    findings = json.loads(result.stdout)["findings"]
    assert [f["rule"] for f in findings] == ["SIPOC-SOURCE"]
    assert "[link=https://evil.example]" in findings[0]["message"]
    assert "\x1b" not in result.stdout  # JSON escapes it as \u001b or the message shows \x1b


def test_github_output_cannot_forge_a_workflow_command(markup_catalogue: Path) -> None:
    result = run_cli("validate", "--format", "github", "--no-cache", cwd=markup_catalogue)
    lines = _lines_of(result)
    commands = [line for line in lines if line.startswith("::")]
    assert len(commands) == 1 and commands[0].startswith(
        "::error file=services/portfolio-reporting.yaml,"
    )
    assert "\x1b" not in result.stdout


# --- fuzzing ---------------------------------------------------------------------------

_TOKENS = st.sampled_from(
    [
        "a",
        ": ",
        "- ",
        "\n",
        "  ",
        "\t",
        "[",
        "]",
        "{",
        "}",
        ",",
        "&x ",
        "*x",
        "!!str ",
        "!!bool ",
        "!t ",
        "%YAML 1.1\n",
        "%TAG ! x\n",
        "---\n",
        "...\n",
        "? ",
        '"',
        "'",
        "\\",
        "\\e",
        "\\x",
        "#",
        "|",
        ">",
        "<<: ",
        "2024-02-30",
        "0x",
        "9" * 120,
        ".inf",
        "\ufeff",
        "\x00",
        "\x85",
        "\u2028",
        "é",
        "~",
        "null",
        "1:20",
        "0o17",
        "1_0",
    ]
)


@pytest.mark.slow
@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.binary(max_size=200),
        st.lists(_TOKENS, max_size=40).map(lambda t: "".join(t).encode("utf-8", "surrogatepass")),
    )
)
def test_fuzzed_bytes_only_ever_raise_load_error(raw: bytes) -> None:
    try:
        parse(decode(raw))
    except LoadError as error:
        assert error.rule.startswith(("YAML-", "FILE-"))
        assert error.line >= 0 and error.column >= 0


# --- YAML 1.1 booleans -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "positions"),
    [
        ("a: no\n", [(1, 4)]),
        ("a: [x, Off, 'no', \"yes\"]\n", [(1, 8)]),
        ("a:\n  - Y\n  - n\n  - nope\n", [(2, 5), (3, 5)]),
        ("a: |\n  no\n  on\nb: >\n  yes\n", []),
        ("no: 1\nON: x\n", []),  # keys are not values; the schema reports unknown keys
        ("a: true\nb: false\nc: noon\nd: Nothing\n", []),
        ("a: no # a comment\n", [(1, 4)]),
    ],
)
def test_yaml_1_1_booleans_are_found_as_plain_values_only(
    text: str, positions: list[tuple[int, int]]
) -> None:
    findings = truthy_findings("services/x.yaml", text, [])
    assert [(f.line, f.column) for f in findings] == positions
    assert all(f.rule == "YAML-TRUTHY" and f.severity.value == "warning" for f in findings)


def test_yaml_truthy_stays_quiet_where_the_schema_already_reports(tmp_path: Path) -> None:
    rel = _write(tmp_path, "x", SERVICE_HEAD + b"name: n\nrequest: no\nscope: off\n")
    findings = load_file(tmp_path, rel, "service").findings
    rules = {(f.line, f.rule) for f in findings}
    assert (5, "YAML-TRUTHY") in rules
    assert (6, "SCHEMA-VALUE") in rules and (6, "YAML-TRUTHY") not in rules


# --- special files and linked folders through every command -----------------------------

MOVE_ALPHA = ("transition", "alpha", "--to", "design", "--approved-by", DIRECTOR, "--note", "go")


def _prompt_cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real CLI with at most 1 GiB of address space and 15 seconds: a command that
    waits on a pipe, or reads a device without end, fails instead of stalling."""
    return subprocess.run(
        [sys.executable, "-m", "pmoctl", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=15,
        check=False,
        preexec_fn=_limit_memory,
    )


@pytest.fixture
def special_files_repo(tmp_path: Path) -> Path:
    """A committed catalogue with, untracked, a FIFO and a link to /dev/zero among the
    procedures (the procedure file the guard and ``show`` search for alpha's id) and
    among the services."""
    top, _ = make_repo(tmp_path)
    os.mkfifo(top / "procedures" / "x.yaml")
    (top / "procedures" / "zero.yaml").symlink_to("/dev/zero")
    os.mkfifo(top / "services" / "pipe.yaml")
    (top / "services" / "zero.yaml").symlink_to("/dev/zero")
    return top


@pytest.mark.timeout(20)
@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("validate", "--no-cache", "--format", "json"), 1),
        (("status",), 0),
        (("show", "alpha"), 0),
        (("show", "pipe"), 1),
        (("show", "zero"), 1),
        (("history", "alpha"), 0),
        (("history", "pipe"), 2),
        (("history", "zero"), 2),
        (MOVE_ALPHA, 0),
        (("transition", "pipe", "--to", "design", "--approved-by", DIRECTOR, "--note", "go"), 1),
        (("transition", "zero", "--to", "design", "--approved-by", DIRECTOR, "--note", "go"), 1),
    ],
    ids=lambda value: " ".join(value[:2]) if isinstance(value, tuple) else str(value),
)
def test_a_fifo_or_a_link_to_a_device_never_stalls_a_command(
    special_files_repo: Path, args: tuple[str, ...], code: int
) -> None:
    result = _prompt_cli(*args, cwd=special_files_repo)
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    if args[0] == "validate":
        found = {(f["path"], f["rule"]) for f in json.loads(result.stdout)["findings"]}
        assert found == {
            ("procedures/x.yaml", "FILE-READ"),
            ("procedures/zero.yaml", "FILE-SYMLINK"),
            ("services/pipe.yaml", "FILE-READ"),
            ("services/zero.yaml", "FILE-SYMLINK"),
        }
    elif code == 1:
        assert "services/pipe.yaml" in result.stderr or "services/zero.yaml" in result.stderr
    if args == MOVE_ALPHA:
        assert not (special_files_repo / ".git" / "pmoctl-txn.json").exists()
        assert "alpha: proposed -> design" in result.stdout


SECRET_NAME = "Outside the repository"


@pytest.fixture(params=["services", "procedures"])
def linked_folder_repo(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, str]:
    """A committed catalogue whose services/ or procedures/ was then replaced by a link to
    a copy of it outside the repository, with a value that must never be echoed."""
    folder: str = request.param
    top, _ = make_repo(tmp_path)
    outside = tmp_path / "outside" / folder
    shutil.copytree(top / folder, outside)
    for path in outside.iterdir():
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"(?m)^name: .*$", f"name: {SECRET_NAME}", text), "utf-8")
    shutil.rmtree(top / folder)
    (top / folder).symlink_to(outside, target_is_directory=True)
    return top, folder


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "args",
    [
        ("validate", "--no-cache", "--format", "json"),
        ("render", "--allow-invalid", "--out", "site"),
        ("check", "--base", "main", "--format", "json"),
        ("status", "--format", "json"),
        ("show", "alpha", "--format", "json"),
        ("history", "alpha"),
        MOVE_ALPHA,
    ],
    ids=lambda args: args[0],
)
def test_a_linked_folder_is_refused_and_nothing_in_it_is_read(
    linked_folder_repo: tuple[Path, str], args: tuple[str, ...]
) -> None:
    top, folder = linked_folder_repo
    before = git(top, "rev-parse", "HEAD")
    result = _prompt_cli(*args, cwd=top)
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "internal error" not in output, output
    assert result.returncode != 70, output
    site = top / "site"
    if site.exists():
        output += "".join(
            path.read_text("utf-8", "replace") for path in site.rglob("*") if path.is_file()
        )
    assert SECRET_NAME not in output
    command = args[0]
    if command in ("validate", "check"):
        assert result.returncode == 1, output
        found = [(f["path"], f["rule"]) for f in json.loads(result.stdout)["findings"]]
        assert (folder, "FILE-SYMLINK") in found
        assert not any(path.startswith(folder + "/") for path, _ in found), found
    elif command == "render":
        assert result.returncode == 0 and "rendered although" in result.stderr, output
    elif command == "transition" and folder == "services":
        assert result.returncode == 1 and "symbolic link" in result.stderr, output
    elif command == "show" and folder == "services":
        assert result.returncode == 1 and "FILE-SYMLINK" in result.stderr, output
    elif command == "status" and folder == "services":
        assert result.returncode == 0 and json.loads(result.stdout) == [], output
    else:
        assert result.returncode == 0, output
    assert git(top, "rev-parse", "HEAD") == before or command == "transition"
    assert not (top / ".git" / "pmoctl-txn.json").exists()


# --- files and folders the user may not read --------------------------------------------


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    "args",
    [
        ("validate", "--no-cache"),
        ("status",),
        ("show", "alpha"),
        ("render", "--out", "site"),
        ("history", "alpha", "-C", "procedures"),  # the catalogue is looked for in there
    ],
    ids=" ".join,
)
def test_an_unlistable_folder_is_the_users_environment_not_a_bug(
    unprivileged: Unprivileged, args: tuple[str, ...]
) -> None:
    top, _ = make_repo(unprivileged.workspace)
    unprivileged.hand_over()
    (top / "procedures").chmod(0)
    result = unprivileged.run(*args, cwd=top)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "procedures" in result.stderr and "Permission denied" in result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert not (top / "site").exists()


@pytest.mark.timeout(120)
def test_an_unreadable_file_is_a_finding(unprivileged: Unprivileged) -> None:
    top, _ = make_repo(unprivileged.workspace)
    unprivileged.hand_over()
    (top / "services" / "alpha.yaml").chmod(0)
    result = unprivileged.run("validate", "--format", "json", cwd=top)
    assert result.returncode == 1, result.stderr
    found = [(f["path"], f["rule"]) for f in json.loads(result.stdout)["findings"]]
    assert found == [("services/alpha.yaml", "FILE-READ")]


def test_a_file_named_in_a_linked_folder_reports_the_folder(
    linked_folder_repo: tuple[Path, str],
) -> None:
    top, folder = linked_folder_repo
    named = next((top / folder).iterdir()).relative_to(top)
    result = _prompt_cli("validate", "--format", "json", named, cwd=top)
    assert result.returncode == 1, result.stdout + result.stderr
    found = [(f["path"], f["rule"]) for f in json.loads(result.stdout)["findings"]]
    assert found == [(folder, "FILE-SYMLINK")]


# --- YAML 1.2 core schema: every plain-scalar form -------------------------------------

_REFUSED = "refused"

#: plain value -> the Python value the YAML 1.2 core schema gives (pmoctl adds dates and
#: refuses infinity and NaN)
CORE_SCHEMA: list[tuple[str, object]] = [
    # null: ~ null Null NULL and empty
    ("~", None),
    ("null", None),
    ("Null", None),
    ("NULL", None),
    ("", None),
    ("nULL", "nULL"),
    ("none", "none"),
    # bool: exactly these six spellings
    ("true", True),
    ("True", True),
    ("TRUE", True),
    ("false", False),
    ("False", False),
    ("FALSE", False),
    ("tRUE", "tRUE"),
    ("yes", "yes"),
    ("no", "no"),
    ("on", "on"),
    ("y", "y"),
    # int: [-+]?[0-9]+
    ("0", 0),
    ("12", 12),
    ("+12", 12),
    ("-12", -12),
    ("-0", 0),
    ("0755", 755),
    ("007", 7),
    ("1_000", "1_000"),
    ("1,000", "1,000"),
    ("1:20", "1:20"),
    ("+", "+"),
    # int: 0o[0-7]+ (no sign, lower-case o)
    ("0o17", 15),
    ("0o0", 0),
    ("0o8", "0o8"),
    ("0O17", "0O17"),
    ("-0o17", "-0o17"),
    ("+0o17", "+0o17"),
    ("0o", "0o"),
    ("0o1_7", "0o1_7"),
    # int: 0x[0-9a-fA-F]+ (no sign, lower-case x)
    ("0x1F", 31),
    ("0xff", 255),
    ("0X1F", "0X1F"),
    ("-0x1F", "-0x1F"),
    ("+0x1F", "+0x1F"),
    ("0x", "0x"),
    ("0xg", "0xg"),
    ("0x_1F", "0x_1F"),
    # YAML 1.1 forms that are text in 1.2
    ("0b101", "0b101"),
    ("190:20:30", "190:20:30"),
    # float: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
    ("1.5", 1.5),
    ("1.10", 1.1),
    (".5", 0.5),
    ("-.5", -0.5),
    ("+.5", 0.5),
    ("1.", 1.0),
    ("-1.", -1.0),
    ("1e3", 1000.0),
    ("1E3", 1000.0),
    ("1e+3", 1000.0),
    ("-1e-3", -0.001),
    ("+1.5E+2", 150.0),
    (".5e3", 500.0),
    ("1.e2", 100.0),
    ("0.0", 0.0),
    ("1_000.5", "1_000.5"),
    ("1.5_0", "1.5_0"),
    ("1e", "1e"),
    ("1e+", "1e+"),
    ("e3", "e3"),
    (".e3", ".e3"),
    (".", "."),
    ("-.", "-."),
    ("1.5.2", "1.5.2"),
    ("1,5", "1,5"),
    # float: [-+]?\.(inf|Inf|INF) and \.nan|\.NaN|\.NAN (pmoctl refuses them)
    (".inf", _REFUSED),
    ("-.inf", _REFUSED),
    ("+.Inf", _REFUSED),
    (".INF", _REFUSED),
    (".nan", _REFUSED),
    (".NaN", _REFUSED),
    (".NAN", _REFUSED),
    (".iNf", ".iNf"),
    (".Nan", ".Nan"),
    ("-.nan", "-.nan"),
    ("+.nan", "+.nan"),
    ("inf", "inf"),
    ("nan", "nan"),
    # dates (pmoctl's addition): kept as they were
    ("2024-01-15", dt.date(2024, 1, 15)),
    ("2024-01-15T10:00:00Z", dt.datetime(2024, 1, 15, 10, tzinfo=dt.UTC)),
    ("2024-1-15", "2024-1-15"),
]


@pytest.mark.parametrize(("plain", "expected"), CORE_SCHEMA)
def test_plain_values_resolve_as_the_yaml_1_2_core_schema_says(
    plain: str, expected: object
) -> None:
    text = f"x: {plain}\n"
    if expected == _REFUSED:
        with pytest.raises(LoadError) as caught:
            parse(text)
        assert (caught.value.rule, caught.value.line, caught.value.column) == ("YAML-VALUE", 1, 4)
        return
    value = parse(text)["x"]
    assert (type(value), value) == (type(expected), expected)
    # a quoted value is always text
    assert parse(f"x: '{plain}'\n")["x"] == plain


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("yes", "yes is text here, not a boolean: write true or false"),
        ("done", "done is text here, not a boolean: write true or false"),
        ('"true"', "write true or false without quotes"),
    ],
)
def test_a_boolean_written_as_a_word_is_not_told_to_drop_quotes(
    tmp_path: Path, value: str, hint: str
) -> None:
    good = (EXAMPLE / "services" / "portfolio-reporting.yaml").read_text(encoding="utf-8")
    text = good.replace("success_criteria_met: true", f"success_criteria_met: {value}")
    rel = _write(tmp_path, "portfolio-reporting", text.encode())
    findings = load_file(tmp_path, rel, "service").findings
    line = text[: text.index("success_criteria_met:")].count("\n") + 1
    assert [(f.rule, f.line, f.hint) for f in findings] == [("SCHEMA-TYPE", line, hint)]


# --- what YAML 1.2 forbids and libyaml reads anyway ----------------------------------

#: name -> (text, line, column, words the message holds): each is one YAML-SYNTAX finding
#: (other YAML tools reject these files, so pmoctl must not accept them)
FORBIDDEN_LAYOUT: dict[str, tuple[str, int, int, str]] = {
    "comment-after-double-quoted": ('k: "value"# note\n', 1, 11, "space before"),
    "comment-after-single-quoted": ("k: 'value'# note\n", 1, 11, "space before"),
    "comment-after-folded-header": ("k: >-# note\n  text\n", 1, 6, "space before"),
    "comment-after-literal-header": ("a: 1\nk: |# note\n  text\n", 2, 5, "space before"),
    "comment-after-flow-list": ("k: [a, b]# note\n", 1, 10, "space before"),
    "comment-after-flow-mapping": ("k: {a: b}# note\n", 1, 10, "space before"),
    "comment-after-comma": ("k: [a,# note\n  b]\n", 1, 7, "space before"),
    "comment-after-bracket": ("k: [# note\n  b]\n", 1, 5, "space before"),
    "flow-list-line-not-indented": ("k: [a,\nb]\n", 2, 1, "not indented enough"),
    "flow-mapping-line-not-indented": ("k: {a: 1,\nb: 2}\n", 2, 1, "not indented enough"),
    "flow-closing-bracket-not-indented": ("k: [\n  a,\n]\n", 3, 1, "not indented enough"),
    "flow-line-in-list-item": ("l:\n  - k: [a,\n    b]\n", 3, 5, "not indented enough"),
    "flow-line-indented-by-tab": ("k: [a,\n\tb]\n", 2, 1, "tab"),
    "double-quoted-line-not-indented": ('k: "a\nb"\n', 2, 1, "not indented enough"),
    "single-quoted-line-not-indented": ("k: 'a\nb'\n", 2, 1, "not indented enough"),
    "quoted-line-in-nested-mapping": ('m:\n  k: "a\n  b"\n', 3, 3, "not indented enough"),
    "quoted-line-in-flow": ('k: [x,\n  "a\n# b"]\n', 3, 1, "not indented enough"),
    "quoted-line-indented-by-tab": ('k: "a\n\tb"\n', 2, 1, "tab"),
    "over-indented-blank-line-before-comment": ("k: >\n \n  \n   \n # comment\n", 3, 1, "blank"),
    "question-mark-before-quoted-key": ('k: {?"a": b}\n', 1, 5, "'?'"),
}


@pytest.mark.parametrize("name", sorted(FORBIDDEN_LAYOUT))
def test_what_yaml_forbids_is_a_syntax_finding_at_its_place(name: str) -> None:
    text, line, column, words = FORBIDDEN_LAYOUT[name]
    with pytest.raises(LoadError) as caught:
        parse(text)
    error = caught.value
    assert (error.rule, error.line, error.column) == ("YAML-SYNTAX", line, column), error.message
    assert words in error.message and error.hint


#: what YAML allows in the same places, read as YAML reads it
ALLOWED_LAYOUT: list[tuple[str, object]] = [
    ('k: "value" # note\n', "value"),
    ("k: >- # note\n  text\n", "text"),
    ("k: [a, b] # note\n", ["a", "b"]),
    ("k: a#b\n", "a#b"),
    ('k: "a#b"# note\n'.replace("# note", " # x"), "a#b"),
    ('k: "x" # a "quoted"# word\n', "x"),
    ("k: [a,\n b]\n", ["a", "b"]),
    ("k: [a,\n# a comment at the start of the line\n b]\n", ["a", "b"]),
    ("l:\n  - k: [a,\n     b]\n", [{"k": ["a", "b"]}]),
    ('k: "a\n b"\n', "a b"),
    ('k: "a\n \tb"\n', "a b"),
    ('k: "a\n\n b"\n', "a\nb"),
    ("k: >\n \n # not a comment: its first line\n", "\n# not a comment: its first line\n"),
    ("k: |\n  text\n     \n# comment\n", "text\n   \n"),
    ("k: {? a: b}\n", {"a": "b"}),
    # a '?' with no space after it starts the key's text (libyaml took it as an indicator)
    ("k: {?foo: bar}\n", {"?foo": "bar"}),
    ("k: {?foo}\n", {"?foo": None}),
    ("k: {a: 1, ?b: 2}\n", {"a": 1, "?b": 2}),
    ("k: [?foo: bar]\n", [{"?foo": "bar"}]),
    ("k: [?foo, x]\n", ["?foo", "x"]),
    # a file ending in a line of only spaces keeps the block scalar's last line break
    ("k: |\n  x\n   ", "x\n \n"),
    ("k: |+\n   ", "\n"),
    ("k: |\n  x\n   \n", "x\n \n"),
    ("k: x\n   ", "x"),
]


@pytest.mark.parametrize(("text", "expected"), ALLOWED_LAYOUT)
def test_what_yaml_allows_is_read_as_yaml_reads_it(text: str, expected: object) -> None:
    assert parse(text)["k" if "k" in parse(text) else "l"] == expected


# -- many schema errors in one file: placed in one parse, listed up to a cap -----------

_MANY_HEAD = "format: 1\nkind: service\nid: many\nname: Many\n"


def _count_composes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every text composed into a node tree (the real composer still runs)."""
    from pmoctl.yaml import yaml12

    composed: list[str] = []
    real = yaml12.compose

    def counting(text: str) -> object:
        composed.append(text)
        return real(text)

    monkeypatch.setattr(yaml12, "compose", counting)
    return composed


def test_the_findings_of_a_file_are_placed_with_one_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 60 wrong ids: each was placed by composing the whole file again
    (tmp_path / "services").mkdir()
    text = _MANY_HEAD + "customers: [" + ", ".join(["Bad_Id"] * 60) + "]\n"
    (tmp_path / "services" / "many.yaml").write_text(text, encoding="utf-8")
    composed = _count_composes(monkeypatch)
    loaded = load_file(tmp_path, "services/many.yaml", "service")
    ids = [f for f in loaded.findings if f.doc_path and f.doc_path[0] == "customers"]
    assert len(ids) == 60
    assert [(f.line, f.column) for f in ids] == [(5, 13 + 8 * n) for n in range(60)]
    assert composed.count(text) <= 2  # parsing it, and placing every finding


def _many_catalogue(tmp_path: Path, items: str) -> Path:
    root = tmp_path / "catalogue"
    import shutil

    from conftest import EXAMPLE

    shutil.copytree(EXAMPLE, root)
    (root / "services" / "many.yaml").write_text(_MANY_HEAD + items, encoding="utf-8")
    return root


def test_a_file_with_5000_bad_items_lists_100_findings_and_counts_the_rest(
    tmp_path: Path,
) -> None:
    complete = (
        "summary: s\ncategory: c\nscope: organisation\ndelivery: {pmos: [pmo-coe]}\n"
        "roles: {owner: priya-raman}\nlifecycle: {stage: proposed}\n"
    )
    root = _many_catalogue(tmp_path, complete + "customers: [" + ", ".join(["1"] * 5000) + "]\n")
    result = run_cli("validate", "--format", "json", "--no-cache", root, cwd=root)
    assert result.returncode == 1, result.stderr
    findings = [
        f
        for f in json.loads(result.stdout)["findings"]
        if f["path"] == "services/many.yaml" and f["rule"] != "SCHEMA-MODELINE"
    ]
    assert len(findings) == 101
    assert {f["rule"] for f in findings[:100]} == {"SCHEMA-TYPE"}
    # the first hundred in the file, then where the rest start
    assert [f["column"] for f in findings[:100]] == [13 + 3 * n for n in range(100)]
    last = findings[-1]
    assert last["rule"] == "SCHEMA-MORE"
    assert last["message"] == "... and 4,900 more schema problems in this file"
    assert (last["line"], last["column"]) == (11, 13 + 3 * 100)


def test_a_file_naming_an_unknown_group_5000_times_lists_100_and_counts_the_rest(
    tmp_path: Path,
) -> None:
    complete = (
        "summary: s\ncategory: c\nscope: organisation\ndelivery: {pmos: [pmo-coe]}\n"
        "roles: {owner: priya-raman}\nlifecycle: {stage: proposed}\n"
    )
    root = _many_catalogue(tmp_path, complete + "customers: [" + ", ".join(["zz"] * 5000) + "]\n")
    result = run_cli("validate", "--format", "json", "--no-cache", root, cwd=root)
    assert result.returncode == 1, result.stderr
    findings = [
        f
        for f in json.loads(result.stdout)["findings"]
        if f["path"] == "services/many.yaml"
        and f["rule"] not in ("SCHEMA-MODELINE", "DEMAND-RECORDED")
    ]
    assert [f["rule"] for f in findings] == ["REF-GROUP"] * 101
    assert [f["column"] for f in findings[:100]] == [13 + 4 * n for n in range(100)]
    last = findings[-1]
    assert last["message"] == "... and 4,900 more REF-GROUP findings in this file"
    assert (last["line"], last["column"]) == (11, 13 + 4 * 100)


def _errors_of(model: type[object], data: object) -> list[tuple[tuple[object, ...], str]]:
    from pydantic import BaseModel, ValidationError

    assert isinstance(model, type) and issubclass(model, BaseModel)
    try:
        model.model_validate(data)
    except ValidationError as error:
        return sorted((tuple(e["loc"]), e["type"]) for e in error.errors())
    return []


@pytest.mark.parametrize(
    "items",
    [
        "kpis: [" + ", ".join(["{}"] * 900) + "]\n",
        "processes:\n  - {id: p, name: P}\n  - id: q\n    inputs: ["
        + ", ".join(["{}", "{name: n}", "{trigger: 2}"] * 400)
        + "]\n    steps: [s]\n",
        "customers: ["
        + ", ".join(["1", "ok", "[x]"] * 700)
        + "]\nbogus: 1\n"
        + "kpis:\n"
        + "".join(f"  - {{id: k{n}, readings: [{{}}, 3]}}\n" for n in range(300)),
    ],
)
def test_a_large_document_validated_in_pieces_has_exactly_the_errors_of_the_whole(
    items: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pmoctl.catalogue import schema_pieces
    from pmoctl.catalogue.models import MODELS_BY_KIND

    model = MODELS_BY_KIND["service"]
    data = parse(_MANY_HEAD + items)
    whole = _errors_of(model, data)
    for piece in (7, 50, 400):
        monkeypatch.setattr(schema_pieces, "PIECE", piece)
        monkeypatch.setattr(schema_pieces, "COLLECT", 10**9)
        result = schema_pieces.validate_in_pieces(model, data)
        assert result.count == len(whole)
        assert sorted((tuple(e["loc"]), e["type"]) for e in result.errors) == whole
        monkeypatch.setattr(schema_pieces, "COLLECT", 5)
        assert schema_pieces.validate_in_pieces(model, data).count == len(whole)


def test_the_cap_counts_every_error_of_a_document_too_large_to_validate_whole(
    tmp_path: Path,
) -> None:
    from pmoctl.catalogue.schema_pieces import BUDGET

    items = 3 * BUDGET  # each {} misses the six required keys of a KPI; the file five more
    root = _many_catalogue(tmp_path, "kpis: [" + ", ".join(["{}"] * items) + "]\n")
    loaded = load_file(root, "services/many.yaml", "service")
    findings = [f for f in loaded.findings if f.rule != "SCHEMA-MODELINE"]
    assert len(findings) == 101
    assert findings[-1].message == (
        f"... and {6 * items + 5 - 100:,} more schema problems in this file"
    )


def test_the_rule_findings_of_a_file_are_placed_with_one_parse(
    example_catalogue: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pmoctl.rules.engine import check_all

    path = example_catalogue / "services" / "pm-training.yaml"
    text = path.read_text(encoding="utf-8")
    unknown = ", ".join(f"nobody-{n}" for n in range(40))
    text = text.replace(
        "customers: [project-managers, capital-delivery]", f"customers: [{unknown}]"
    )
    path.write_text(text, encoding="utf-8")
    composed = _count_composes(monkeypatch)
    _, findings = check_all(example_catalogue, jobs=1)
    refs = [f for f in findings if f.path == "services/pm-training.yaml" and f.rule == "REF-GROUP"]
    assert len(refs) == 40
    assert len({(f.line, f.column) for f in refs}) == 40
    assert composed.count(text) <= 2  # loading it, and placing every finding
