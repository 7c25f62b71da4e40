"""Budgets of `pmoctl transition` and `pmoctl history`, as ratios measured in one run.

Floors (issue "The lifecycle"):

* transition: the start-up of a Python process importing typer and pydantic, plus a plain
  ``git commit -q -m MSG -- PATH`` of the same change; budget 3x;
* history: that start-up plus one ``git log -- PATH``; budget 2x.

Both are measured on a generated catalogue of 1,000 services with 10,000 commits
(``benchmarks/generate.py``), and again on 100 services with 1,000 commits (the same
history per file) to show that neither grows with the number of services. Runs are
interleaved (pmoctl, floor, floor, pmoctl, ...); each transition starts from the same
commit (``git reset --hard``, not timed) and the floor commits the very bytes pmoctl wrote.

    python benchmarks/bench_lifecycle.py [--work DIR] [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate

from pmoctl.yaml.loader import parse

#: bytecode is cached (outside the tree) as an installed pmoctl's would be: with
#: PYTHONDONTWRITEBYTECODE set, every run would compile pmoctl's sources again
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
STARTUP = [sys.executable, "-c", "import typer, pydantic"]
PMOCTL = [str(Path(sys.executable).with_name("pmoctl"))]
LOG_FORMAT = "--format=%H%x00%aI%x00%an%x00%ae%x00%B%x00"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], cwd: Path, cpu: list[float] | None = None) -> float:
    """Wall seconds of one process; its CPU seconds (user + system) are added to the last
    item of ``cpu`` (on a shared, busy machine CPU time is steadier than wall time)."""
    cpu_before = _children_cpu()
    start = time.perf_counter()
    result = subprocess.run(argv, cwd=cwd, capture_output=True, check=False, env=ENV)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{result.stderr.decode()}")
    if cpu is not None:
        cpu[-1] += _children_cpu() - cpu_before
    return elapsed


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True
    ).stdout


def catalogue(work: Path, services: int, commits: int) -> Path:
    root = work / f"catalogue-{services}-{commits}"
    if not (root / ".git").is_dir():
        if root.exists():
            shutil.rmtree(root)
        generate(root, services, history_commits=commits, seed=42)
    return root


def candidate(root: Path) -> tuple[str, str]:
    """A service in transition (its go-live needs no evidence) and its owner."""
    for path in sorted((root / "services").glob("*.yaml")):
        data = parse(path.read_text(encoding="utf-8"))
        if data["lifecycle"]["stage"] == "transition" and data.get("roles", {}).get("owner"):
            return path.stem, data["roles"]["owner"]
    raise SystemExit("no service in transition in the generated catalogue")


def bench(root: Path, runs: int) -> dict[str, float]:
    service, owner = candidate(root)
    rel = f"services/{service}.yaml"
    base = git(root, "rev-parse", "HEAD").strip()
    move = [*PMOCTL, "transition", service, "--to", "running", "--approved-by", owner]
    names = ("transition", "commit floor", "history", "log floor")
    times: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}

    def measure(name: str, *argvs: list[str]) -> None:
        cpu[name].append(0.0)
        times[name].append(sum(timed(argv, root, cpu[name]) for argv in argvs))

    commit = ["git", "commit", "-q", "-m", f"transition({service})", "--", rel]
    git(root, "reset", "-q", "--hard", base)
    subprocess.run(move, cwd=root, capture_output=True, check=True, env=ENV)  # warm-up
    new = (root / rel).read_bytes()

    def pmoctl_move() -> None:
        git(root, "reset", "-q", "--hard", base)
        measure("transition", move)
        assert (root / rel).read_bytes() == new

    def floor_commit() -> None:
        git(root, "reset", "-q", "--hard", base)
        (root / rel).write_bytes(new)
        measure("commit floor", STARTUP, commit)

    def history() -> None:
        measure("history", [*PMOCTL, "history", service])

    def floor_log() -> None:
        measure("log floor", STARTUP, ["git", "log", LOG_FORMAT, "--", rel])

    for run in range(runs):
        pairs = ((pmoctl_move, floor_commit), (history, floor_log))
        for pair in pairs:
            for step in reversed(pair) if run % 2 else pair:
                step()
    git(root, "reset", "-q", "--hard", base)
    result = {name: statistics.median(values) * 1000 for name, values in times.items()}
    result.update({f"{name} cpu": statistics.median(v) * 1000 for name, v in cpu.items()})
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/pmoctl-bench"))
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    ENV["PYTHONPYCACHEPREFIX"] = str(args.work / "pycache")
    failed = False
    for services, commits in ((1000, 10_000), (100, 1_000)):
        root = catalogue(args.work, services, commits)
        figures = bench(root, args.runs)
        move_ratio = figures["transition"] / figures["commit floor"]
        log_ratio = figures["history"] / figures["log floor"]
        move_cpu = figures["transition cpu"] / figures["commit floor cpu"]
        log_cpu = figures["history cpu"] / figures["log floor cpu"]
        print(f"{services} services, {commits} commits (medians, ms; wall / CPU of all processes):")
        for name in ("transition", "commit floor", "history", "log floor"):
            print(f"  {name:<14} {figures[name]:8.1f} wall {figures[name + ' cpu']:8.1f} cpu")
        print(f"  transition / floor = {move_ratio:.2f} wall, {move_cpu:.2f} cpu  (budget 3.0)")
        print(f"  history / floor    = {log_ratio:.2f} wall, {log_cpu:.2f} cpu  (budget 2.0)")
        failed |= move_ratio > 3.0 or log_ratio > 2.0
    return int(failed)


if __name__ == "__main__":
    raise SystemExit(main())
