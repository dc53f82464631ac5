"""Why bonas' EvolutionSampler beats the reference figures: regularized evolution as the papers
run it re-queries cells it has already evaluated.

    python benchmarks/evolution_repeats.py --seeds 20 --queries 200

Runs textbook regularized evolution (Real et al. 2019; population 30, tournament 10, a child
is a uniformly random one-edge mutation of the tournament winner, with no memory of earlier
queries, so an isomorphic or identical child is evaluated again and costs a query) directly
on the NB201 mean table, and prints how many of its queries repeat a canonical class and its
mean incumbent. ``bonas.samplers.EvolutionSampler`` draws the child among the mutations whose
class is new, so none of its queries is wasted.
"""

from __future__ import annotations

import argparse
import sys
from collections import deque
from pathlib import Path
from typing import Any

import numpy as np

from bonas import NB201Benchmark

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # run as a script or loaded by the tests: find _records
    sys.path.insert(0, str(HERE))
import _records  # noqa: E402


def textbook_evolution(
    bench: NB201Benchmark, seed: int, queries: int, population: int = 30, sample: int = 10
) -> tuple[list[float], int]:
    """Mean accuracies of the queried cells, in order, and the number of repeated classes."""
    space = bench.space
    rng = np.random.default_rng(seed)
    pop: deque[tuple[tuple[str, ...], float]] = deque()
    accs, seen, repeats = [], set(), 0
    for q in range(queries):
        if q < population:
            arch = space.sample(1, rng)[0]
        else:
            members = list(pop)
            picks = rng.choice(len(members), size=sample, replace=False)
            parent = max((members[i] for i in picks), key=lambda m: m[1])[0]
            nbs = space.neighbors(parent)
            arch = nbs[int(rng.integers(len(nbs)))]
        key = space.canonical(arch)
        repeats += key in seen
        seen.add(key)
        acc = bench.mean_accuracy(arch)
        accs.append(acc)
        pop.append((arch, acc))
        if len(pop) > population:
            pop.popleft()
    return accs, repeats


RECORDS = HERE / "results" / "raw" / "evolution_repeats"


def run_dataset(dataset: str, seeds: int, queries: int) -> dict[str, Any]:
    """Textbook evolution on ``dataset``, seeds ``0 .. seeds-1``: the record of the summary."""
    bench = NB201Benchmark(dataset)
    opt = bench.optimum[1]
    runs = [textbook_evolution(bench, s, queries) for s in range(seeds)]
    inc = np.array([np.maximum.accumulate(a) for a, _ in runs])
    found = [np.flatnonzero(np.asarray(a) >= opt - 1e-9) for a, _ in runs]
    return {
        "dataset": dataset,
        "seeds": seeds,
        "queries": queries,
        "repeats_mean": float(np.mean([r for _, r in runs])),
        "repeats_min": int(min(r for _, r in runs)),
        "repeats_max": int(max(r for _, r in runs)),
        "inc": {str(c): float(inc[:, c - 1].mean()) for c in (50, 100, 200) if c <= queries},
        "found100": int(sum(bool(len(f)) and f[0] < 100 for f in found)),
        "found200": int(sum(bool(len(f)) and f[0] < 200 for f in found)),
    }


def load_summaries(queries: int = 200) -> dict[str, dict[str, Any]]:
    """The committed summaries of ``queries``-query runs, by dataset (empty if none)."""
    paths = sorted(RECORDS.glob(f"textbook__*__q{queries}{_records.SUFFIX}"))
    return {r["dataset"]: r for r in _records.load(paths)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--seeds", type=int, default=20)
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--datasets", default="cifar10,cifar100,imagenet16-120")
    ns = p.parse_args()
    RECORDS.mkdir(parents=True, exist_ok=True)
    for ds in ns.datasets.split(","):
        record = run_dataset(ds, ns.seeds, ns.queries)
        _records.save(RECORDS / f"textbook__{ds}__q{ns.queries}{_records.SUFFIX}", record)
    lines = [
        "# Textbook regularized evolution on NB201 (population 30, tournament 10)",
        "",
        f"`python benchmarks/evolution_repeats.py --seeds {ns.seeds} --queries {ns.queries}`: "
        "mean mode, mean incumbent over runs; a repeated query evaluates a canonical class "
        "(NB201 rule) already evaluated. Compare `evolution-30-10` in nb201_search.md, which "
        "never repeats a class.",
        "",
        "| dataset | repeated queries (mean of runs) | @50 | @100 | @200 | found ≤100 / ≤200 |",
        "|---|---|---|---|---|---|",
    ]
    summaries = load_summaries(ns.queries)
    for ds in [d for d in ns.datasets.split(",") if d in summaries]:
        r = summaries[ds]
        cells = " | ".join(f"{r['inc'][str(c)]:.2f}" for c in (50, 100, 200))
        lines.append(
            f"| {ds} | {r['repeats_mean']:.1f} of {r['queries']} | {cells} | "
            f"{r['found100']} / {r['found200']} |"
        )
    out = HERE / "results" / "evolution_repeats.md"
    out.write_text("\n".join(lines) + "\n")
    print(out.read_text())


if __name__ == "__main__":
    main()
