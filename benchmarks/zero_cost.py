"""Synflow on NB201: how well it ranks cells, and what its warm start and prior do to a search.

    python benchmarks/zero_cost.py run --seeds 30 --jobs 2
    python benchmarks/zero_cost.py run --landscapes cifar10-swapped,cifar100-swapped --seeds 20
    python benchmarks/zero_cost.py report

``report`` first scores the 6,466 NB201 classes with :func:`bonas.nb201.proxies.synflow`
(timed, no cache) and compares the scores with each table: Spearman correlation with the mean
validation accuracy, the optimum's rank by synflow, how many of the 10 best classes are in
synflow's top 100 (the warm start's pool). Then it tabulates the ``run`` records: BONASSampler
studies (mean mode) that stop at the optimum or after ``--queries`` trials, one per variant,
landscape and seed, written under ``benchmarks/results/raw/zero_cost/`` (existing ones are
skipped).

A landscape is an NB201 table, or a table with ``-swapped``: the value of a cell is the table's
value of the cell with ``nor_conv_3x3`` and ``avg_pool_3x3`` exchanged on every edge. Its best
cells are full of pooling, which synflow ranks low: a landscape where the proxy points the
wrong way, to measure what a warm start costs when the proxy does not track the objective.
Output: ``benchmarks/results/zero_cost.md``. One process per run, one thread.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bonas import WarmStart

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # run as a script or loaded by the tests: find _records
    sys.path.insert(0, str(HERE))
import _records  # noqa: E402
from bonas_ablation import _first, _fmt, sooner_later  # noqa: E402
from nb201_search import ranks_until_optimum  # noqa: E402

RAW = HERE / "results" / "raw" / "zero_cost"
OUT = HERE / "results" / "zero_cost.md"
DATASETS = ("cifar10", "cifar100", "imagenet16-120")
SWAPPED = "-swapped"
#: BONASSampler options of each variant (the rest are the defaults).
VARIANTS: dict[str, dict[str, Any]] = {
    "no warm start": {"warm_start": None},
    "synflow, 5 of 10 startup trials": {
        "warm_start": WarmStart("synflow", n_cells=5, prior_weight=0),
    },
    "synflow, 10 of 10 startup trials": {
        "warm_start": WarmStart("synflow", n_cells=10, prior_weight=0),
    },
    # The default on NB201: the 5-of-10 start, then synflow as a πBO prior on log-EI.
    "synflow, 5 of 10 and prior (weight 5)": {
        "warm_start": WarmStart("synflow", n_cells=5, prior_weight=5.0),
    },
}
#: The variant each one is compared with seed by seed (the others: "no warm start").
BASELINES = {"synflow, 5 of 10 and prior (weight 5)": "synflow, 5 of 10 startup trials"}
_SWAP = str.maketrans("34", "43")  # table keys: 3 = nor_conv_3x3, 4 = avg_pool_3x3


def landscape(name: str) -> tuple[Any, Callable[[Any], Any]]:
    """The benchmark of landscape ``name`` and the map from a cell to the table cell it is
    scored as (the identity, or the conv3x3 ↔ avg-pool exchange)."""
    from bonas import NB201Benchmark

    dataset = name.removesuffix(SWAPPED)
    if dataset not in DATASETS:
        raise SystemExit(f"unknown landscape {name!r}: one of {DATASETS}, optionally + {SWAPPED}")
    bench = NB201Benchmark(dataset, mode="mean")
    space = bench.space
    if not name.endswith(SWAPPED):
        return bench, lambda arch: arch
    return bench, lambda arch: space.from_key(space.to_key(arch).translate(_SWAP))


def _path(variant: str, land: str, seed: int, queries: int) -> Path:
    slug = "".join(c if c.isalnum() else "-" for c in variant.lower()).strip("-")
    return RAW / f"{slug}__{land}__q{queries}__s{seed}{_records.SUFFIX}"


def run_one(variant: str, land: str, seed: int, queries: int) -> dict[str, Any]:
    """One study of at most ``queries`` trials that stops at the landscape's optimum."""
    os.environ["OMP_NUM_THREADS"] = "1"
    import optuna
    import torch

    from bonas import BONASSampler

    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    bench, scored_as = landscape(land)
    space = bench.space
    sampler = BONASSampler(space, seed=seed, **VARIANTS[variant])

    def objective(trial: optuna.Trial) -> float:
        return bench.mean_accuracy(scored_as(space.suggest(trial)))

    def rank(trial: optuna.trial.FrozenTrial) -> int:
        return bench.rank(scored_as(space.from_params(trial.params)))

    ranks = ranks_until_optimum(sampler, objective, rank, queries)
    return {
        "variant": variant,
        "landscape": land,
        "seed": seed,
        "queries": queries,
        "ranks": ranks,
    }


def cmd_run(ns: argparse.Namespace) -> None:
    from bonas.nb201.proxies import synflow_table

    variants = _records.pick(ns.variants, VARIANTS)
    lands = ns.landscapes.split(",")
    for land in lands:
        landscape(land)  # an unknown name stops here, not in a worker
    synflow_table()  # computed (or read) once here, not by every worker at the same time
    jobs = [
        (v, land, seed, ns.queries)
        for land in lands
        for seed in range(ns.first_seed, ns.first_seed + ns.seeds)
        for v in variants
    ]
    _records.run_missing(jobs, _path, run_one, ns.jobs)


def _scores_table() -> list[str]:
    """Synflow against each table, from a fresh computation (timed)."""
    import torch
    from scipy.stats import spearmanr

    from bonas import NB201Benchmark, NB201Space
    from bonas.nb201.proxies import synflow
    from bonas.spaces.pool import class_pool

    torch.set_num_threads(1)
    reps = list(class_pool(NB201Space()).representatives)
    start = time.perf_counter()
    scores = synflow(reps)
    seconds = time.perf_counter() - start
    order = np.argsort(-scores, kind="stable")
    pool = set(order[:100].tolist())
    lines = [
        f"Scoring the {len(reps):,} classes (one cell each) took {seconds:.1f} s on one thread "
        "(`synflow`'s defaults: C = 8, N = 1, 16×16 input of ones, batches of 256); "
        '`BONASSampler(warm_start="synflow")` does it once per machine and caches the '
        "scores.",
        "",
        "| table | Spearman (classes) | optimum's rank by synflow | top-10 classes in synflow's "
        "top 100 | mean accuracy: synflow's top 100 / all |",
        "|---|---|---|---|---|",
    ]
    for ds in DATASETS:
        bench = NB201Benchmark(ds)
        acc = np.array([bench.mean_accuracy(a) for a in reps])
        rho = spearmanr(scores, acc).statistic
        best = int(np.argmax(acc))
        rank = int(np.sum(scores > scores[best])) + 1
        top10 = set(np.argsort(-acc, kind="stable")[:10].tolist())
        lines.append(
            f"| {ds} | {rho:.3f} | {rank} of {len(reps):,} | {len(top10 & pool)} "
            f"| {acc[order[:100]].mean():.2f} / {acc.mean():.2f} |"
        )
    return lines


def _runs_table(records: list[dict[str, Any]], queries: int) -> list[str]:
    lines = [
        "| landscape | variant | runs | median to optimum | capped mean | found | ≤ 20 queries "
        "| vs baseline |",
        "|---|---|---|---|---|---|---|---|",
    ]
    first = {(r["variant"], r["landscape"], r["seed"]): _first(r["ranks"], 1) for r in records}
    lands = sorted({r["landscape"] for r in records}, key=lambda x: (SWAPPED in x, x))
    for land in lands:
        for variant in VARIANTS:
            seeds = sorted(s for v, la, s in first if v == variant and la == land)
            if not seeds:
                continue
            opt = np.array([first[variant, land, s] for s in seeds])
            base = BASELINES.get(variant, "no warm start")
            pairs = [
                (first[variant, land, s], first[base, land, s])
                for s in seeds
                if (base, land, s) in first
            ]
            vs = "—" if variant == base else f"{sooner_later(pairs)} ({base})"
            lines.append(
                f"| {land} | {variant} | {len(seeds)} | {_fmt(float(np.median(opt)), queries)} "
                f"| {np.mean(np.minimum(opt, queries)):.1f} | {int(np.sum(np.isfinite(opt)))} / "
                f"{len(seeds)} | {int(np.sum(opt <= 20))} | {vs} |"
            )
    return lines


def cmd_report(ns: argparse.Namespace) -> None:
    records = _records.load(sorted(RAW.glob(f"*__q{ns.queries}__s*{_records.SUFFIX}")))
    lines = [
        "# Synflow on NB201, and BONASSampler's synflow warm start",
        "",
        "Made by `python benchmarks/zero_cost.py run …` and `python benchmarks/zero_cost.py "
        "report`, one thread per run. "
        + _records.describe_machine([r.get("machine") for r in records]),
        "",
        "## The proxy against the tables",
        "",
        *_scores_table(),
        "",
        "## Searches with and without the warm start",
        "",
        f"BONASSampler with its other defaults, mean mode; each run stops at the optimum or after "
        f"{ns.queries} queries. The warm start draws the first 5 or all 10 startup trials at "
        "random among the untaken classes of synflow's top 100; the others are random. "
        "“and prior (weight 5)”: after that start, synflow is a πBO prior on log-EI whose "
        "weight is 5 × max(0, its rank correlation with the values seen) / (model-based trials "
        'so far): BONASSampler\'s default on NB201 (`warm_start="auto"`, `prior_weight=5`). '
        "Median to optimum counts a run that never found it as infinite; capped mean = mean of "
        f"min(queries to optimum, {ns.queries}); vs baseline = seeds where the variant found "
        "the optimum sooner / later than the variant in brackets with the same seed. "
        "`-swapped`: the table with `nor_conv_3x3` and `avg_pool_3x3` exchanged, where synflow "
        "points the wrong way.",
        "",
        *_runs_table(records, ns.queries),
    ]
    OUT.write_text("\n".join(lines) + "\n")
    print(f"wrote {OUT}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("--variants", default="all", help="'all' or names separated by ';'")
    r.add_argument("--landscapes", default=",".join(DATASETS))
    r.add_argument("--seeds", type=int, default=30)
    r.add_argument("--first-seed", type=int, default=0)
    r.add_argument("--queries", type=int, default=100)
    r.add_argument("--jobs", type=int, default=2)
    rep = sub.add_parser("report")
    rep.add_argument("--queries", type=int, default=100)
    ns = parser.parse_args(argv)
    {"run": cmd_run, "report": cmd_report}[ns.command](ns)


if __name__ == "__main__":
    main()
