"""Check that the code of today proposes what the committed grid records say it did.

    python benchmarks/same_trials.py --strategies bonas,bonas-cold \
        --runs cifar10:mean,cifar100:noisy --seeds 5 --queries 200 --jobs 2

Each (strategy, dataset, mode, seed) is run again exactly as ``nb201_search.py run`` runs it,
and the classes it proposed are compared, trial by trial, with the committed record in
``benchmarks/results/raw/``. Prints one line a run (``same`` or the first trial that differs)
and exits 1 if any run differs: a refactoring that claims to keep the behaviour runs this.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
import _records  # noqa: E402
import nb201_search  # noqa: E402


def compare(job: tuple[str, str, str, int, int]) -> tuple[tuple[str, str, str, int, int], str]:
    """Run ``job`` again; ``"same"``, or where it first differs from its committed record."""
    path = nb201_search._path(*job)
    if not path.exists():
        return job, f"no committed record {path.name}"
    (committed,) = _records.load([path])
    again = nb201_search.run_one(*job)
    old, new = committed["canonical"], again["canonical"]
    for i, (a, b) in enumerate(zip(old, new, strict=False)):
        if a != b:
            return job, f"DIFFERS at trial {i}: {a} (committed) vs {b} (now)"
    if len(old) != len(new):
        return job, f"DIFFERS in length: {len(old)} committed, {len(new)} now"
    return job, f"same {len(new)} trials"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--strategies", default="bonas,bonas-cold")
    parser.add_argument("--runs", default="cifar10:mean,cifar100:noisy", help="dataset:mode,…")
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0 .. N-1")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    ns = parser.parse_args(argv)
    jobs = [
        (strategy, *run.split(":"), seed, ns.queries)
        for run in ns.runs.split(",")
        for strategy in ns.strategies.split(",")
        for seed in range(ns.seeds)
    ]
    differ = 0
    with ProcessPoolExecutor(max_workers=ns.jobs) as pool:
        for (strategy, dataset, mode, seed, _), verdict in pool.map(compare, jobs):
            print(f"{strategy} {dataset} {mode} seed {seed}: {verdict}", flush=True)
            differ += not verdict.startswith("same")
    print(f"{len(jobs) - differ} of {len(jobs)} runs propose the committed trials")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
