"""Time `pmoctl validate` and start-up against their floors and peers, in one run.

Every figure is a whole process, started the way a user starts it, with its output
thrown away. Commands measured against each other run interleaved (A B C A B C ...), so
that a busy machine slows them alike; each figure is the median of the runs, and each
ratio is taken between medians of the same run. Peers (check-jsonschema, yamllint) take
25-30 s on 1,000 files and run once unless ``--peer-runs`` says otherwise.

    python benchmarks/bench_validate.py                  # 100 and 1,000 services
    python benchmarks/bench_validate.py --with-10k       # and 10,000 (slow: minutes)
    python benchmarks/bench_validate.py --runs 9 --peer-runs 2

Catalogues are generated once under benchmarks/out/ (git-ignored) and reused; each is
a git repository, so that the validation cache lives in its own .git. The results are
printed and written to benchmarks/out/bench_validate.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"
BIN = Path(sys.executable).parent
PYTHON = sys.executable
PMOCTL = str(BIN / "pmoctl") if (BIN / "pmoctl").exists() else "pmoctl"
#: PyYAML's C loader reading every service file, keeping the documents (as pmoctl does)
PARSE_ONLY = (
    "import os,sys,yaml\n"
    "L=yaml.CSafeLoader\n"
    "d=sys.argv[1]\n"
    "docs=[]\n"
    "for n in sorted(os.listdir(d)):\n"
    "    with open(os.path.join(d,n),'rb') as f: docs.append(yaml.load(f.read(),Loader=L))\n"
)
SEED = 42  # the default of generate.py
#: every command runs with compiled bytecode, as after `pip install` (this environment may
#: say PYTHONDONTWRITEBYTECODE, which makes pmoctl compile its modules on every start);
#: the bytecode goes under benchmarks/out/, not into the source tree
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
ENV["PYTHONPYCACHEPREFIX"] = str(OUT / "pycache")


@dataclass
class Timing:
    """The runs of one command: wall-clock seconds, CPU seconds, peak RSS in MiB."""

    name: str
    argv: list[str]
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)
    codes: list[int] = field(default_factory=list)
    #: the start of what it wrote to stderr the last time it exited with an error
    error: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)

    def as_dict(self) -> dict[str, object]:
        return {
            "argv": self.argv,
            "wall_s": self.wall,
            "cpu_s": self.cpu,
            "peak_rss_mib": self.rss,
            "exit_codes": self.codes,
            "median_s": self.median,
            "cpu_median_s": self.cpu_median,
            "peak_rss_max_mib": max(self.rss),
        }


def run_once(timing: Timing, expect: set[int] | None = None) -> None:
    """Run the command once; record wall time, CPU time and peak RSS (its workers too)."""
    start = time.perf_counter()
    process = subprocess.Popen(
        timing.argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV
    )
    assert process.stderr is not None
    error_text = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = code = os.waitstatus_to_exitcode(status)
    process.stderr.close()
    if expect is not None and code not in expect:
        raise SystemExit(
            f"{' '.join(timing.argv[:6])} ... exited {code}:\n{error_text.decode()[-2000:]}"
        )
    timing.wall.append(wall)
    timing.cpu.append(usage.ru_utime + usage.ru_stime)
    timing.rss.append(usage.ru_maxrss / 1024)
    timing.codes.append(code)
    if code:
        timing.error = error_text.decode(errors="replace").strip()[:300]


def interleaved(
    timings: list[Timing], runs: int, warmup: int = 1, expect: set[int] | None = None
) -> None:
    for _ in range(warmup):
        for timing in timings:
            run_once(timing, expect)
        for timing in timings:
            timing.wall.clear()
            timing.cpu.clear()
            timing.rss.clear()
            timing.codes.clear()
    for _ in range(runs):
        for timing in timings:
            run_once(timing, expect)


def catalogue(services: int, refresh: bool) -> Path:
    """The generated catalogue of this size under benchmarks/out/, made once.

    It is generated in a separate process: a child's peak RSS counts the memory of the
    process that forked it, so this one stays small.
    """
    root = OUT / f"catalogue-{services}"
    stamp = root / ".generated"
    want = f"{services} {SEED} {hash_of((HERE / 'generate.py').read_bytes())}"
    if refresh or not stamp.exists() or stamp.read_text() != want:
        print(f"generating {services} services in {root} ...", flush=True)
        subprocess.run(
            [PYTHON, str(HERE / "generate.py"), str(root), "--services", str(services)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        stamp.write_text(want)
    return root


def hash_of(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()[:16]


def schema_file() -> Path:
    schema = REPO / "schemas" / "service.schema.json"
    if not schema.exists():
        subprocess.run([PMOCTL, "schema", "--out", str(REPO / "schemas")], check=True)
    return schema


@dataclass
class Budget:
    what: str
    value: float
    limit: float
    unit: str = "x"
    #: "max": value must be at most the limit; "min": at least
    kind: str = "max"

    @property
    def passed(self) -> bool:
        return self.value <= self.limit if self.kind == "max" else self.value >= self.limit

    def line(self) -> str:
        sign = "<=" if self.kind == "max" else ">="
        if self.unit == "s":
            shown = f"{self.value:.3f} s  (budget {sign} {self.limit} s)"
        elif self.unit == "MiB":
            shown = f"{self.value:.0f} MiB  (budget {sign} {self.limit} MiB)"
        else:
            shown = f"{self.value:.2f}x  (budget {sign} {self.limit}x)"
        return f"  {'PASS' if self.passed else 'FAIL'}  {self.what:<62} {shown}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each fast command (median)")
    parser.add_argument("--peer-runs", type=int, default=1, help="runs of each peer")
    parser.add_argument("--with-10k", action="store_true", help="also 10,000 services (slow)")
    parser.add_argument(
        "--no-peers", action="store_true", help="skip check-jsonschema and yamllint"
    )
    parser.add_argument("--refresh", action="store_true", help="generate the catalogues again")
    parser.add_argument("--json", type=Path, default=OUT / "bench_validate.json")
    parser.add_argument(
        "--schema",
        type=Path,
        default=None,
        help="service schema for check-jsonschema (default: schemas/service.schema.json)",
    )
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    sizes = [100, 1000] + ([10000] if args.with_10k else [])
    roots = {size: catalogue(size, args.refresh) for size in sizes}
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    results: dict[str, Timing] = {}
    budgets: list[Budget] = []

    def timing(name: str, argv: list[str]) -> Timing:
        results[name] = Timing(name, argv)
        return results[name]

    print(f"python {platform.python_version()}, {cores} cores, {args.runs} runs each\n", flush=True)
    startup = [
        timing("python -c pass", [PYTHON, "-c", "pass"]),
        timing('python -c "import typer"', [PYTHON, "-c", "import typer"]),
        timing("pmoctl --version", [PMOCTL, "--version"]),
        timing("pmoctl --help", [PMOCTL, "--help"]),
    ]
    interleaved(startup, args.runs, warmup=2, expect={0})
    budgets.append(
        Budget(
            "pmoctl --version / python -c pass",
            ratio(results, "pmoctl --version", "python -c pass"),
            3.0,
        )
    )
    budgets.append(
        Budget(
            'pmoctl --help / python -c "import typer"',
            ratio(results, "pmoctl --help", 'python -c "import typer"'),
            1.5,
        )
    )

    for size in sizes:
        root = roots[size]
        services = root / "services"
        fill_cache = [PMOCTL, "validate", str(root)]
        subprocess.run(fill_cache, check=True, stdout=subprocess.DEVNULL, env=ENV)
        group = [
            timing(f"pyyaml-c parse {size}", [PYTHON, "-c", PARSE_ONLY, str(services)]),
            timing(
                f"validate -j 1 {size}", [PMOCTL, "validate", "--no-cache", "-j", "1", str(root)]
            ),
            timing(f"validate {size}", [PMOCTL, "validate", "--no-cache", str(root)]),
            timing(f"validate warm {size}", [PMOCTL, "validate", str(root)]),
        ]
        runs = args.runs if size < 10000 else max(3, args.runs // 3)
        print(f"{size} services: {len(group)} commands x {runs} runs ...", flush=True)
        interleaved(group, runs, warmup=1 if size < 10000 else 0, expect={0})
        parse = f"pyyaml-c parse {size}"
        if size == 1000:
            budgets.append(
                Budget(
                    "validate -j 1 (cold) / PyYAML-C parse, 1,000",
                    ratio(results, f"validate -j 1 {size}", parse),
                    1.5,
                )
            )
            if cores and cores >= 2:
                budgets.append(
                    Budget(
                        "validate with workers (cold) / PyYAML-C parse, 1,000",
                        ratio(results, f"validate {size}", parse),
                        1.0,
                    )
                )
            budgets.append(
                Budget(
                    "validate warm (cache), 1,000",
                    results[f"validate warm {size}"].median,
                    0.3,
                    "s",
                )
            )
        if size == 10000:
            per_file_10k = results["validate -j 1 10000"].median / 10000
            per_file_1k = results["validate -j 1 1000"].median / 1000
            budgets.append(
                Budget(
                    "validate -j 1 time per file, 10,000 / 1,000 (linear)",
                    per_file_10k / per_file_1k,
                    1.25,
                )
            )
            peak = max(max(results[f"{name} 10000"].rss) for name in ("validate -j 1", "validate"))
            budgets.append(Budget("validate peak RSS, 10,000 services", peak, 200, "MiB"))

        if not args.no_peers and size <= 1000:
            files = sorted(str(path) for path in services.glob("*.yaml"))
            peers = [
                timing(
                    f"check-jsonschema {size}",
                    [
                        str(BIN / "check-jsonschema"),
                        "--schemafile",
                        str(args.schema or schema_file()),
                        *files,
                    ],
                ),
                timing(
                    f"yamllint {size}", [str(BIN / "yamllint"), "-f", "parsable", str(services)]
                ),
            ]
            print(f"{size} services: peers x {args.peer_runs} ...", flush=True)
            interleaved(peers, args.peer_runs, warmup=0)
            # yamllint exits 1 for its own findings (line length); check-jsonschema must pass
            for peer, times, fine in (("check-jsonschema", 10, {0}), ("yamllint", 15, {0, 1})):
                result = results[f"{peer} {size}"]
                failed = any(code not in fine for code in result.codes)
                if failed:
                    print(f"  {peer} FAILED (exit {result.codes}): {result.error}", flush=True)
                if size == 1000:
                    slower = ratio(results, f"{peer} {size}", f"validate {size}")
                    cpu = result.cpu_median / results[f"validate {size}"].cpu_median
                    what = f"{peer} / validate (workers), 1,000 [cpu: {cpu:.1f}x]"
                    if failed:
                        what = f"{peer} FAILED, not comparable / validate, 1,000"
                    budgets.append(Budget(what, 0.0 if failed else slower, times, kind="min"))

    print(f"\n{'command':<34} {'median s':>9} {'cpu s':>8} {'peak MiB':>9}  runs")
    for name, result in results.items():
        print(
            f"{name:<34} {result.median:>9.3f} {result.cpu_median:>8.3f} "
            f"{max(result.rss):>9.0f}  {len(result.wall)}"
        )
    print("\nbudgets (ratios of medians measured in this run):")
    for budget in budgets:
        print(budget.line())
    report = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cores": cores,
        "load_average": os.getloadavg(),
        "results": {name: result.as_dict() for name, result in results.items()},
        "budgets": [
            {
                "what": b.what,
                "value": b.value,
                "limit": b.limit,
                "unit": b.unit,
                "kind": b.kind,
                "passed": b.passed,
            }
            for b in budgets
        ],
    }
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten: {args.json}")
    if shutil.which("uptime"):
        print(f"load average during the run ended at: {os.getloadavg()[0]:.2f}")
    return 0 if all(b.passed for b in budgets) else 1


def ratio(results: dict[str, Timing], numerator: str, denominator: str) -> float:
    return results[numerator].median / results[denominator].median


if __name__ == "__main__":
    sys.exit(main())
