"""The README stays true: its generated blocks, its two commands, its links."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

from conftest import DUE_DAY, EXAMPLE, REPO_ROOT, git, run_cli
from docblocks import check_block
from pmoctl.rules import all_rules

README = REPO_ROOT / "README.md"


def rules_table() -> str:
    rows = ["| Rule | Default | What it reports |", "|---|---|---|"]
    for rule in all_rules().values():
        rows.append(f"| `{rule.id}` | {rule.severity.value} | {rule.summary} |")
    return "\n" + "\n".join(rows) + "\n"


def test_rules_table_is_generated_from_the_registry() -> None:
    check_block(README, "rules-table", rules_table())


def _bash_blocks(text: str) -> list[str]:
    return re.findall(r"```bash\n(.*?)```", text, flags=re.DOTALL)


def test_readme_starts_with_the_two_commands_and_ci_runs_the_second() -> None:
    text = README.read_text(encoding="utf-8")
    first, second = _bash_blocks(text)[:2]
    assert text.index(first) < text.index("## ")  # before any section
    assert first.strip().endswith("pmoctl validate examples/catalogue")
    assert "pytest" in second
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert second.strip() in ci, ".ci/run must run the README's test command exactly"


def test_relative_links_in_the_readme_resolve() -> None:
    text = README.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(((?!https?:|#|mailto:)[^)\s]+)\)", text)
    assert targets
    missing = [t for t in targets if not (REPO_ROOT / t.split("#")[0]).exists()]
    assert not missing, f"README links to missing files: {missing}"


def _output(*args: str) -> str:
    result = run_cli(*args, "-C", str(EXAMPLE), env={"PMOCTL_TODAY": DUE_DAY, "NO_COLOR": "1"})
    assert result.returncode == 0, result.stderr
    return "\n" + "\n".join(line.rstrip() for line in result.stdout.splitlines()) + "\n"


def test_running_the_pmo_shows_real_output() -> None:
    text = README.read_text(encoding="utf-8")
    assert f"$ PMOCTL_TODAY={DUE_DAY} pmoctl kpi report -C examples/catalogue\n" in text
    check_block(README, "kpi-report", _output("kpi", "report"))
    assert f"$ PMOCTL_TODAY={DUE_DAY} pmoctl due -C examples/catalogue --within 120d\n" in text
    check_block(README, "due", _output("due", "--within", "120d"))


def test_recording_readings_and_reviews_shows_real_output(tmp_path: Path) -> None:
    # the commands write to git: they run on a copy of the example in a repository of its
    # own, laid out as in this one (the README runs them with --dry-run)
    shutil.copytree(EXAMPLE, tmp_path / "examples" / "catalogue")
    shutil.copytree(REPO_ROOT / "examples" / "readings", tmp_path / "examples" / "readings")
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "example")
    text = README.read_text(encoding="utf-8")
    for name in ("kpi-record", "kpi-import", "review"):
        command = re.search(rf"\$ PMOCTL_TODAY={DUE_DAY} (pmoctl .*)\n<!-- {name}:start -->", text)
        assert command is not None, name
        result = run_cli(
            *shlex.split(command.group(1))[1:],
            cwd=tmp_path,
            env={"PMOCTL_TODAY": DUE_DAY, "NO_COLOR": "1"},
        )
        assert result.returncode == 0, result.stderr
        assert "--dry-run" in command.group(1)
        shown = "".join(line.rstrip() + "\n" for line in result.stdout.splitlines())
        check_block(README, name, "\n" + shown)
    assert git(tmp_path, "status", "--porcelain") == ""


def test_the_report_pack_and_the_recharge_show_real_output(tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = README.read_text(encoding="utf-8")
    command = [
        "report",
        "--period",
        "2026-11",
        "--out",
        "pack",
        "--format",
        "xlsx",
        "--format",
        "pdf",
        "--format",
        "md",
    ]
    assert (
        f"$ PMOCTL_TODAY={DUE_DAY} pmoctl report -C examples/catalogue {' '.join(command[1:])}\n"
        in text
    )
    env = {"PMOCTL_TODAY": DUE_DAY, "NO_COLOR": "1"}
    result = run_cli(*command, "-C", str(EXAMPLE), cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    check_block(README, "report", "\n" + result.stdout)
    pack = (tmp_path / "pack" / "pmo-report-2026-11.md").read_text(encoding="utf-8")
    scorecard = pack[pack.index("## Scorecard by PMO") : pack.index("## KPIs of the running")]
    check_block(README, "report-scorecard", "\n" + scorecard.replace("## ", "#### ", 2))
    assert (
        f"$ PMOCTL_TODAY={DUE_DAY} pmoctl recharge -C examples/catalogue --period 2026-11\n" in text
    )
    check_block(README, "recharge", _output("recharge", "--period", "2026-11"))
