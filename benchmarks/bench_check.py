"""Budget of `pmoctl check`: within 1.5x of `pmoctl validate` on the same catalogue.

Issue "CI on pull requests": on a catalogue of 1,000 services with 10,000 commits
(``benchmarks/generate.py``), a pull request that touches 3 services (one real
``pmoctl transition``, two edits, each its own commit) is checked within 1.5x of
``pmoctl validate`` of the same catalogue. Both run without the result cache (``--no-cache``),
as in a fresh CI clone; runs are interleaved (check, validate, validate, check, ...) and the
ratio is the median of the per-pair ratios.

    python benchmarks/bench_check.py [--work DIR] [--runs 9]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_lifecycle import PMOCTL, candidate, catalogue, git, timed

BUDGET = 1.5


def pull_request(source: Path, work: Path) -> Path:
    """A copy of the generated repository with a branch touching 3 services."""
    repo = work / "pull-request"
    if repo.exists():
        shutil.rmtree(repo)
    shutil.copytree(source, repo, symlinks=True)
    git(repo, "switch", "-q", "-c", "pull-request")
    service, owner = candidate(repo)
    timed([*PMOCTL, "transition", service, "--to", "running", "--approved-by", owner], repo)
    edited = [p for p in sorted((repo / "services").glob("*.yaml")) if p.stem != service][:2]
    for path in edited:
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("\nsummary: ", "\nsummary: Revised. ", 1), encoding="utf-8")
        git(repo, "commit", "-q", "-m", f"edit {path.stem}", "--", str(path.relative_to(repo)))
    return repo


def bench(repo: Path, runs: int) -> dict[str, list[float]]:
    check = [*PMOCTL, "check", "--base", "main", "--no-cache"]
    validate = [*PMOCTL, "validate", "--no-cache"]
    times: dict[str, list[float]] = {"check": [], "validate": []}
    timed(check, repo)  # warm the page cache and the commit graph
    for run in range(runs):
        order = [("check", check), ("validate", validate)]
        for name, argv in order if run % 2 == 0 else reversed(order):
            times[name].append(timed(argv, repo))
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=None, help="keep generated repositories here")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--commits", type=int, default=10_000)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="pmoctl-bench-check-"))
    work.mkdir(parents=True, exist_ok=True)
    source = catalogue(work, args.services, args.commits)
    repo = pull_request(source, work)
    times = bench(repo, args.runs)
    check, validate = times["check"], times["validate"]
    ratio = statistics.median(c / v for c, v in zip(check, validate, strict=True))
    print(f"catalogue: {args.services} services, {args.commits} commits; pull request: 3 services")
    for name, values in times.items():
        low, high = min(values) * 1000, max(values) * 1000
        print(f"  {name:<9} median {statistics.median(values) * 1000:7.0f} ms  "
              f"(min {low:.0f}, max {high:.0f}, {len(values)} runs)")  # fmt: skip
    verdict = "within" if ratio <= BUDGET else "OVER"
    print(f"check / validate: {ratio:.2f}x ({verdict} the {BUDGET}x budget)")
    return 0 if ratio <= BUDGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
