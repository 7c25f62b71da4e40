"""Budget of `pmoctl render`: within 1.6x of `pmoctl validate` on the same catalogue.

Issue "pmoctl render": rendering 1,000 generated services to HTML, loading included, takes
at most 1.6 times what ``pmoctl validate --no-cache`` takes on the same catalogue, measured
in the same run. Both are whole ``pmoctl`` processes; runs are interleaved (render,
validate, validate, render, ...) and the ratio is the median of the per-pair ratios.
Each render writes into a fresh folder, so every page is rendered *and* written. The CPU
time of each command (its worker processes included) is printed as well: on a shared
machine it is the steadier figure.

Both commands run with the same environment: byte code is cached in a folder of the work
directory (``PYTHONPYCACHEPREFIX``), even where ``PYTHONDONTWRITEBYTECODE`` is set, so that
neither side recompiles pmoctl's modules on every run; each is run once before timing.

    python benchmarks/bench_render.py [--services 1000] [--runs 7] [--work DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate

BUDGET = 1.6
PMOCTL = [sys.executable, "-m", "pmoctl"]


CPU: dict[str, list[float]] = {"render": [], "validate": []}
ENV = dict(os.environ)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], cwd: Path, name: str = "") -> float:
    """Wall time of one whole process; its CPU time (workers included) goes to CPU[name]."""
    cpu = _children_cpu()
    start = time.perf_counter()
    result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False, env=ENV)
    elapsed = time.perf_counter() - start
    if name:
        CPU[name].append(_children_cpu() - cpu)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({result.returncode}):\n{result.stderr[-2000:]}")
    return elapsed


def bench(catalogue: Path, work: Path, runs: int) -> dict[str, list[float]]:
    validate = [*PMOCTL, "validate", "--no-cache"]
    times: dict[str, list[float]] = {"render": [], "validate": []}

    def render() -> float:
        out = work / "site"
        if out.exists():
            shutil.rmtree(out)
        return timed([*PMOCTL, "render", "--out", str(out)], catalogue, "render")

    render()  # warm the page cache and the byte-code cache
    timed(validate, catalogue)
    CPU["render"].clear()
    for run in range(runs):
        steps = [("render", render), ("validate", lambda: timed(validate, catalogue, "validate"))]
        for name, step in steps if run % 2 == 0 else list(reversed(steps)):
            times[name].append(step())
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--work", type=Path, default=None, help="keep the catalogue and site here")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="pmoctl-bench-render-"))
    work.mkdir(parents=True, exist_ok=True)
    ENV.pop("PYTHONDONTWRITEBYTECODE", None)
    ENV["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    catalogue = generate(work / "catalogue", args.services)
    times = bench(catalogue, work, args.runs)
    ratios = [r / v for r, v in zip(times["render"], times["validate"], strict=True)]
    pages = sum(1 for _ in (work / "site").rglob("*.html"))
    size = sum(p.stat().st_size for p in (work / "site").rglob("*")) / 1024 / 1024
    render_s, validate_s = statistics.median(times["render"]), statistics.median(times["validate"])
    ratio = statistics.median(ratios)
    print(f"catalogue: {args.services} services; site: {pages} pages, {size:.1f} MiB")
    print(f"validate --no-cache: median {validate_s:.3f} s over {args.runs} runs")
    print(f"render --out:        median {render_s:.3f} s over {args.runs} runs")
    print(f"ratio render/validate: {ratio:.2f}x (budget {BUDGET}x)")
    cpu_ratio = statistics.median(CPU["render"]) / statistics.median(CPU["validate"])
    print(
        f"CPU (all processes): render {statistics.median(CPU['render']):.2f} s, validate "
        f"{statistics.median(CPU['validate']):.2f} s, ratio {cpu_ratio:.2f}x "
        "(less sensitive to other load on the machine)"
    )
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ratio <= BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
