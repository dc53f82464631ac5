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
from collections import deque
from pathlib import Path

import numpy as np

from bonas import NB201Benchmark


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


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--seeds", type=int, default=20)
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--datasets", default="cifar10,cifar100,imagenet16-120")
    ns = p.parse_args()
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
    for ds in ns.datasets.split(","):
        bench = NB201Benchmark(ds)
        opt = bench.optimum[1]
        runs = [textbook_evolution(bench, s, ns.queries) for s in range(ns.seeds)]
        inc = np.array([np.maximum.accumulate(a) for a, _ in runs])
        found = [np.flatnonzero(np.asarray(a) >= opt - 1e-9) for a, _ in runs]
        f100 = sum(len(f) and f[0] < 100 for f in found)
        f200 = sum(len(f) and f[0] < 200 for f in found)
        rep = np.mean([r for _, r in runs])
        cells = " | ".join(f"{inc[:, c - 1].mean():.2f}" for c in (50, 100, 200))
        lines.append(f"| {ds} | {rep:.1f} of {ns.queries} | {cells} | {f100} / {f200} |")
    out = Path(__file__).resolve().parent / "results" / "evolution_repeats.md"
    out.write_text("\n".join(lines) + "\n")
    print(out.read_text())


if __name__ == "__main__":
    main()
