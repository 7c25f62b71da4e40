"""Budgets of `pmoctl kpi report`, `pmoctl due` and `pmoctl report` against `validate`.

Issue "Running the PMO": each within 1.5x of `pmoctl validate` on the same catalogue, a
generated one of 1,000 services with 10,000 commits (``benchmarks/generate.py``); what
changed in the month is read in one git pass, never one per service.

The floor is `pmoctl validate --no-cache`: the report pack validates the catalogue before
it reports on it (it refuses one with errors), and a warm validation cache would measure
the cache, not the work. Runs are interleaved (validate, kpi report, due, report,
validate, ...); figures are medians of whole processes, wall and CPU.

    python benchmarks/bench_operations.py [--work DIR] [--runs 7] [--pdf]

`report` is the pack's default format (one HTML page); the workbook (`-f xlsx`) and, with
``--pdf``, the PDF are timed for information: no budget is set for them.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_lifecycle import ENV, PMOCTL, catalogue, timed

#: the month of the pack: the generated history ends on 2026-10-31
PERIOD = "2026-10"
TODAY = "2026-11-01"
BUDGET = 1.5
#: measured for information: the budget is the pack's default format (html)
INFORMATION = ("report xlsx", "report pdf")


def commands(out: Path, pdf: bool) -> dict[str, list[str]]:
    found = {
        "validate": [*PMOCTL, "validate", "--no-cache"],
        "kpi report": [*PMOCTL, "kpi", "report", "--format", "json"],
        "due": [*PMOCTL, "due", "--format", "json"],
        "report": [*PMOCTL, "report", "--period", PERIOD, "--out", str(out)],
        "report xlsx": [*PMOCTL, "report", "--period", PERIOD, "--out", str(out), "-f", "xlsx"],
    }
    if pdf:
        found["report pdf"] = [
            *PMOCTL,
            "report",
            "--period",
            PERIOD,
            "--out",
            str(out),
            "-f",
            "pdf",
        ]
    return found


def bench(root: Path, runs: int, pdf: bool) -> dict[str, tuple[float, float]]:
    out = Path(tempfile.mkdtemp(prefix="pmoctl-pack-"))
    argvs = commands(out, pdf)
    times: dict[str, list[float]] = {name: [] for name in argvs}
    cpu: dict[str, list[float]] = {name: [] for name in argvs}
    for argv in argvs.values():  # warm-up: bytecode, the OS file cache
        timed(argv, root)
    for run in range(runs):
        order = list(argvs) if run % 2 == 0 else list(reversed(argvs))
        for name in order:
            cpu[name].append(0.0)
            times[name].append(timed(argvs[name], root, cpu[name]))
    shutil.rmtree(out)
    return {
        name: (statistics.median(times[name]) * 1000, statistics.median(cpu[name]) * 1000)
        for name in argvs
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/pmoctl-bench"))
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--pdf", action="store_true")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    ENV["PYTHONPYCACHEPREFIX"] = str(args.work / "pycache")
    ENV["PMOCTL_TODAY"] = TODAY
    root = catalogue(args.work, 1000, 10_000)
    figures = bench(root, args.runs, args.pdf)
    floor_wall, floor_cpu = figures["validate"]
    print(f"1000 services, 10000 commits, pack of {PERIOD} (medians, ms; wall / CPU):")
    failed = False
    for name, (wall, cpu) in figures.items():
        line = f"  {name:<12} {wall:8.0f} wall {cpu:8.0f} cpu"
        if name != "validate":
            ratio = wall / floor_wall
            line += f"   {ratio:.2f}x wall, {cpu / floor_cpu:.2f}x cpu of validate"
            if name not in INFORMATION:
                line += f" (budget {BUDGET})"
                failed |= ratio > BUDGET
        print(line)
    return int(failed)


if __name__ == "__main__":
    raise SystemExit(main())
