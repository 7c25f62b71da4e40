"""Time `pmoctl validate` of the example catalogue plus one hostile file, for many such files.

Each file is as large as the size limit allows and built to make validation work hard:
tens of thousands of list items that each break the schema, a list nested in a list
item, many unknown keys, nesting as deep as allowed, long texts, references to nothing.
pmoctl promises that validating a catalogue holding any file under the size limit takes
under 2 s and 200 MB; each case prints its wall-clock and CPU time and its peak RSS (from
``wait4()``, a child process) and PASS or FAIL against that promise.

    python benchmarks/bench_hostile.py                 # every case, 3 runs each (median)
    python benchmarks/bench_hostile.py --runs 1 --case kpis-flow-empty

On a busy machine the wall-clock time waits for a core; the CPU time is the steadier
figure, and a case fails only if both its wall-clock and CPU medians are over the limit
(``--strict``: if either is). The catalogues are written under benchmarks/out/hostile/.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out" / "hostile"
EXAMPLE = REPO / "examples" / "catalogue"
BIN = Path(sys.executable).parent
PMOCTL = str(BIN / "pmoctl") if (BIN / "pmoctl").exists() else "pmoctl"
LIMIT_BYTES = 262_144  # pmoctl's default size limit (loader.MAX_BYTES)
SECONDS = 2.0
MIB = 200.0
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
ENV["PYTHONPYCACHEPREFIX"] = str(HERE / "out" / "pycache")

SERVICE_HEAD = "format: 1\nkind: service\nid: hostile\nname: Hostile\n"


def fill(head: str, item: str, tail: str = "", sep: str = "") -> str:
    """``head`` + as many ``item`` (joined by ``sep``) + ``tail`` as fit under the limit."""
    room = LIMIT_BYTES - len(head.encode()) - len(tail.encode())
    count = (room + len(sep)) // (len(item.encode()) + len(sep))
    text = head + sep.join([item] * count) + tail
    assert len(text.encode()) <= LIMIT_BYTES
    return text


def numbered(head: str, pattern: str) -> str:
    """``head`` + lines of ``pattern`` formatted with 0, 1, 2... while under the limit."""
    parts = [head]
    size = len(head.encode())
    number = 0
    while True:
        line = pattern.format(number)
        if size + len(line.encode()) > LIMIT_BYTES:
            return "".join(parts)
        parts.append(line)
        size += len(line.encode())
        number += 1


def deep_items() -> str:
    # 31 levels of lists in one item of processes (the limit is 32 levels)
    item = "[" * 30 + "1" + "]" * 30
    return fill(SERVICE_HEAD + "processes: [", item, "]\n", ",")


#: name -> (catalogue-relative path, a function making the file's text)
CASES: dict[str, tuple[str, Callable[[], str]]] = {
    "kpis-flow-empty": (
        "services/hostile.yaml",
        lambda: fill(SERVICE_HEAD + "kpis: [", "{}", "]\n", ","),
    ),
    "processes-flow-empty": (
        "services/hostile.yaml",
        lambda: fill(SERVICE_HEAD + "processes: [", "{}", "]\n", ","),
    ),
    "kpis-block-empty": (
        "services/hostile.yaml",
        lambda: fill(SERVICE_HEAD + "kpis:\n", "  - {}\n"),
    ),
    "inputs-in-one-process": (
        "services/hostile.yaml",
        lambda: fill(SERVICE_HEAD + "processes:\n  - id: p\n    inputs: [", "{}", "]\n", ","),
    ),
    "customers-numbers": (
        "services/hostile.yaml",
        lambda: fill(SERVICE_HEAD + "customers: [", "1", "]\n", ","),
    ),
    "customers-unknown-ids": (
        "services/hostile.yaml",
        lambda: fill(
            SERVICE_HEAD.replace("id: hostile\n", "id: hostile\n")
            + "summary: s\ncategory: c\nscope: organisation\n"
            + "delivery: {pmos: [pmo-coe]}\nroles: {owner: priya-raman}\n"
            + "lifecycle: {stage: proposed}\ncustomers: [",
            "zz",
            "]\n",
            ",",
        ),
    ),
    "unknown-keys": ("services/hostile.yaml", lambda: numbered(SERVICE_HEAD, "k{}: 1\n")),
    "scores-bad": (
        "services/hostile.yaml",
        lambda: numbered(SERVICE_HEAD + "strategy:\n  scores:\n", "    S{}: x\n"),
    ),
    "deep-lists": ("services/hostile.yaml", deep_items),
    "long-texts": (
        "services/hostile.yaml",
        lambda: fill(SERVICE_HEAD + "outputs:\n", "  - " + "x" * 301 + "\n"),
    ),
    "one-long-text": (
        "services/hostile.yaml",
        lambda: SERVICE_HEAD + "summary: " + "x" * (LIMIT_BYTES - 100) + "\n",
    ),
    "people-empty": (
        "organisation.yaml",
        lambda: fill("format: 1\nkind: organisation\npmos: [{}]\npeople: [", "{}", "]\n", ","),
    ),
    "config-rules": (
        "pmoctl.yaml",
        lambda: numbered("format: 1\nkind: config\nname: n\nrules:\n", "  R{0}: {{}}\n"),
    ),
    "raci-bad": (
        "procedures/hostile.yaml",
        lambda: numbered(
            "format: 1\nkind: procedure\nid: hostile\nname: h\nactivities:\n  - name: a\n"
            "    raci:\n",
            "      P{}: Q\n",
        ),
    ),
}


def build(name: str) -> Path:
    rel, make = CASES[name]
    root = OUT / name
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(EXAMPLE, root)
    (root / rel).write_text(make(), encoding="utf-8")
    return root


def run_once(argv: list[str]) -> tuple[float, float, float, int]:
    """Wall-clock seconds, CPU seconds, peak RSS in MiB and exit code of one run."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, process.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--case", action="append", choices=sorted(CASES), help="only these")
    parser.add_argument("--strict", action="store_true", help="wall-clock time must pass too")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    failed = 0
    print(f"{'case':<24} {'bytes':>7} {'wall s':>7} {'cpu s':>6} {'MiB':>5} exit")
    for name in args.case or list(CASES):
        root = build(name)
        size = (root / CASES[name][0]).stat().st_size
        runs = [run_once([PMOCTL, "validate", "--no-cache", str(root)]) for _ in range(args.runs)]
        wall = statistics.median(run[0] for run in runs)
        cpu = statistics.median(run[1] for run in runs)
        rss = max(run[2] for run in runs)
        codes = sorted({run[3] for run in runs})
        slow = (wall > SECONDS) and (args.strict or cpu > SECONDS)
        ok = not slow and rss < MIB and set(codes) <= {0, 1}
        failed += not ok
        print(
            f"{name:<24} {size:>7} {wall:>7.2f} {cpu:>6.2f} {rss:>5.0f} {codes} "
            f"{'PASS' if ok else 'FAIL'}",
            flush=True,
        )
    load = os.getloadavg()[0]
    print(f"\nbudget: < {SECONDS} s and < {MIB:.0f} MiB for each; load average {load:.1f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
