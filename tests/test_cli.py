"""The command-line contract: version, help, exit codes, no tracebacks."""

from __future__ import annotations

import ast
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

import pmoctl
from conftest import REPO_ROOT, run_cli, run_cli_process
from pmoctl import cli

SNAPSHOTS = Path(__file__).parent / "snapshots" / "help"
UPDATE = os.environ.get("PMOCTL_UPDATE_SNAPSHOTS") == "1"


def test_version_fast_path_prints_version() -> None:
    result = run_cli_process("--version")
    assert result.returncode == 0
    assert result.stdout == f"pmoctl {pmoctl.__version__}\n"


def test_version_through_typer_with_other_options() -> None:
    result = run_cli_process("--no-color", "--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"pmoctl {pmoctl.__version__}"


def _loaded_after(argv: list[str], modules: tuple[str, ...]) -> list[str]:
    """Which of ``modules`` a fresh interpreter has imported after running pmoctl ``argv``."""
    import subprocess

    code = (
        "import sys\n"
        f"sys.argv = ['pmoctl', *{argv!r}]\n"
        "from pmoctl.__main__ import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"sys.stderr.write(repr([m for m in {modules!r} if m in sys.modules]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    loaded: list[str] = ast.literal_eval(result.stderr.strip().splitlines()[-1])
    return loaded


def test_version_fast_path_imports_nothing_heavy() -> None:
    heavy = ("typer", "pydantic", "yaml", "ruamel", "jinja2", "git", "rich")
    assert _loaded_after(["--version"], heavy) == []


def test_help_does_not_import_models_or_heavy_libraries() -> None:
    heavy = ("pmoctl.catalogue.models", "ruamel.yaml", "jinja2", "git", "yaml")
    assert _loaded_after(["--help"], heavy) == []


def _commands() -> list[list[str]]:
    import typer.main

    group = typer.main.get_command(cli.app)
    found: list[list[str]] = [[]]
    for name, command in sorted(group.commands.items()):  # type: ignore[attr-defined]
        found.append([name])
        for sub in sorted(getattr(command, "commands", {})):
            found.append([name, sub])
    return found


@pytest.mark.parametrize("command", _commands(), ids=lambda c: " ".join(c) or "pmoctl")
def test_help_snapshot(command: list[str]) -> None:
    """`--help` of every command is snapshotted (PMOCTL_UPDATE_SNAPSHOTS=1 rewrites them)."""
    result = run_cli_process(*command, "--help", env={"COLUMNS": "100", "TERM": "dumb"})
    assert result.returncode == 0, result.stderr
    name = "_".join(command) or "pmoctl"
    snapshot = SNAPSHOTS / f"{name}.txt"
    if UPDATE or not snapshot.exists():
        snapshot.parent.mkdir(parents=True, exist_ok=True)
        snapshot.write_text(result.stdout, encoding="utf-8")
        if not UPDATE:
            pytest.fail(
                f"new snapshot written: {snapshot.relative_to(REPO_ROOT)}; review and commit it"
            )
    assert result.stdout == snapshot.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ([], "Usage: pmoctl"),
        (["no-such-command"], "No such command"),
        (["validate", "--format", "xml"], "Invalid value"),
        (["validate", "--fail-on", "sometimes"], "Invalid value"),
        (["explain"], "Missing argument"),
    ],
)
def test_usage_errors_exit_2(args: list[str], needle: str) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    assert needle in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_path_outside_any_catalogue_exits_2(tmp_path: Path) -> None:
    result = run_cli("validate", cwd=tmp_path)
    assert result.returncode == 2
    assert "is not inside a pmoctl catalogue" in result.stderr
    assert "hint: run `pmoctl init DIR`" in result.stderr


def test_missing_path_exits_2(tmp_path: Path) -> None:
    result = run_cli("validate", tmp_path / "nope", cwd=tmp_path)
    assert result.returncode == 2
    assert "does not exist" in result.stderr


def _run_in_process(monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> int:
    monkeypatch.setattr(sys, "argv", ["pmoctl", *argv])
    with pytest.raises(SystemExit) as stopped:
        cli.run()
    code = stopped.value.code
    assert isinstance(code, int)
    return code


def _explode(*_args: object, **_kwargs: object) -> None:
    raise RuntimeError("boom: secret-looking detail")


def test_internal_error_is_one_line_and_exit_70(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], example_catalogue: Path
) -> None:
    import pmoctl.rules.validate

    monkeypatch.setattr(pmoctl.rules.validate, "validate_catalogue", _explode)
    code = _run_in_process(monkeypatch, ["validate", str(example_catalogue)])
    captured = capsys.readouterr()
    assert code == 70
    assert "internal error (RuntimeError); this is a bug in pmoctl" in captured.err
    assert "Traceback" not in captured.err
    assert "secret-looking" not in captured.err


def test_debug_shows_the_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], example_catalogue: Path
) -> None:
    import pmoctl.rules.validate

    monkeypatch.setattr(pmoctl.rules.validate, "validate_catalogue", _explode)
    code = _run_in_process(monkeypatch, ["--debug", "validate", str(example_catalogue)])
    assert code == 70
    assert "Traceback" in capsys.readouterr().err


def test_keyboard_interrupt_exits_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], example_catalogue: Path
) -> None:
    import pmoctl.rules.validate

    def interrupt(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(pmoctl.rules.validate, "validate_catalogue", interrupt)
    assert _run_in_process(monkeypatch, ["validate", str(example_catalogue)]) == 130
    assert "interrupted" in capsys.readouterr().err


def test_example_catalogue_validates_clean(example_catalogue: Path) -> None:
    result = run_cli("validate", "--no-cache", cwd=example_catalogue)
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip().endswith("no problems")


def test_validate_single_file_reports_only_that_file(example_catalogue: Path) -> None:
    (example_catalogue / "strategy.yaml").write_text(
        "format: 1\nkind: strategy\n", encoding="utf-8"
    )
    services = sorted((example_catalogue / "services").glob("*.yaml"))
    one = run_cli("validate", services[0], "--format", "json", cwd=example_catalogue)
    assert one.returncode == 0, one.stdout
    whole = run_cli("validate", "--format", "json", cwd=example_catalogue / "services")
    assert whole.returncode == 1
    assert "strategy.yaml" in whole.stdout


def test_validate_counts_the_files_it_was_asked_to_check(example_repo: Path) -> None:
    services = sorted((example_repo / "services").glob("*.yaml"))
    whole = len(list((example_repo / "services").glob("*.yaml"))) + len(
        list((example_repo / "procedures").glob("*.yaml"))
    )
    for _ in ("cold", "warm"):  # the second run is answered from the cache
        one = run_cli("validate", services[0], cwd=example_repo)
        assert one.stdout.splitlines()[-1] == "1 file checked: no problems", one.stdout
    two = run_cli("validate", services[0], services[1], services[0], "-f", "json")
    assert json.loads(two.stdout)["files"] == 2
    everything = run_cli("validate", cwd=example_repo)
    assert everything.stdout.splitlines()[-1] == f"{whole + 4} files checked: no problems"
    (example_repo / "notes.txt").write_text("not a catalogue file\n", encoding="utf-8")
    other = run_cli("validate", example_repo / "notes.txt", cwd=example_repo)
    assert other.returncode == 2 and "is not a file of the catalogue" in other.stderr


@pytest.mark.parametrize("option", ["-C", "--catalogue"])
def test_validate_takes_the_catalogue_option(
    example_catalogue: Path, tmp_path: Path, option: str
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (example_catalogue / "strategy.yaml").write_text("format: 1\n", encoding="utf-8")
    whole = run_cli("validate", option, example_catalogue, "--no-cache", cwd=elsewhere)
    assert whole.returncode == 1, whole.stderr
    assert "strategy.yaml" in whole.stdout
    # files named with it are in that catalogue (relative to the current folder, as always)
    service = example_catalogue / "services" / "gate-reviews.yaml"
    one = run_cli("validate", option, example_catalogue, service, cwd=elsewhere)
    assert one.returncode == 0, one.stdout + one.stderr
    assert one.stdout.splitlines()[-1] == "1 file checked: no problems"
    other = tmp_path / "other"
    shutil.copytree(example_catalogue, other)
    mixed = run_cli("validate", option, example_catalogue, other / "services", cwd=elsewhere)
    assert mixed.returncode == 2
    assert "not in the catalogue" in mixed.stderr and "Traceback" not in mixed.stderr
    missing = run_cli("validate", option, tmp_path / "nowhere", cwd=elsewhere)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr


def test_fail_on_levels(tmp_path: Path) -> None:
    # only warnings: the missing files made warnings by the catalogue's own settings
    (tmp_path / "pmoctl.yaml").write_text(
        "# yaml-language-server: $schema=schemas/config.schema.json\n"
        "format: 1\nkind: config\nname: Bare\nrules:\n  FILE-MISSING: warning\n",
        encoding="utf-8",
    )
    result = run_cli("validate", "--format", "json", "--no-cache", cwd=tmp_path)
    assert '"warnings": 3' in result.stdout and '"errors": 0' in result.stdout
    assert result.returncode == 0
    assert run_cli("validate", "--fail-on", "warning", cwd=tmp_path).returncode == 1
    assert run_cli("validate", "--fail-on", "never", cwd=tmp_path).returncode == 0
    (tmp_path / "pmoctl.yaml").write_text("format: 1\nkind: config\nname: Bare\n", encoding="utf-8")
    assert run_cli("validate", "--fail-on", "error", cwd=tmp_path).returncode == 1
    assert run_cli("validate", "--fail-on", "never", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize(
    "args",
    [
        ("render", "--out", "{file}"),
        ("render", "--out", "{file}/sub"),
        ("codeowners", "--out", "{folder}"),
        ("codeowners", "--out", "{file}/CODEOWNERS", "--check"),
        ("schema", "--out", "{file}"),
        ("schema", "--out", "{file}/x"),
    ],
    ids=" ".join,
)
def test_an_output_path_that_cannot_be_used_is_a_usage_error(
    example_repo: Path, tmp_path: Path, args: tuple[str, ...]
) -> None:
    afile = tmp_path / "afile"
    afile.write_text("hi\n", encoding="utf-8")
    argv = [arg.format(file=afile, folder=tmp_path) for arg in args]
    result = run_cli(*argv, cwd=example_repo)
    assert result.returncode == 2, result.stderr
    assert "internal error" not in result.stderr and str(tmp_path) in result.stderr
    assert afile.read_text(encoding="utf-8") == "hi\n"


def test_a_catalogue_folder_that_does_not_exist_is_not_the_one_around_it(
    example_catalogue: Path,
) -> None:
    for args in (("status", "-C", "nothere"), ("new", "service", "x-y", "-C", "nothere")):
        result = run_cli(*args, cwd=example_catalogue)
        assert result.returncode == 2 and "does not exist" in result.stderr, args
    assert not (example_catalogue / "services" / "x-y.yaml").exists()


def test_a_named_file_that_is_not_a_catalogue_file_is_a_usage_error(
    example_catalogue: Path,
) -> None:
    stray = example_catalogue / "stray.yaml"
    stray.write_text("format: 1\n", encoding="utf-8")
    result = run_cli("validate", stray, cwd=example_catalogue)
    assert result.returncode == 2 and "is not a file of the catalogue" in result.stderr
    inside = run_cli(
        "validate", "../services/gate-reviews.yaml", cwd=example_catalogue / "services"
    )
    assert inside.returncode == 0 and "1 file checked" in inside.stdout
