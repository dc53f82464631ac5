"""Which BONASSampler configuration is the default, and why: one option changed at a time.

    python benchmarks/bonas_ablation.py run --datasets cifar10,cifar100 --seeds 20 --jobs 2
    python benchmarks/bonas_ablation.py run \
        --variants "default, no warm start;no local steps (previous default)" \
        --first-seed 20 --seeds 40 \
        --datasets cifar10,cifar100,imagenet16-120
    python benchmarks/bonas_ablation.py report

Each run is a BONASSampler study on the NB201 table (mean mode) that stops when it evaluates
the optimum cell or after ``--queries`` trials. ``run`` writes one JSON record per (variant,
dataset, seed) under ``benchmarks/results/raw/ablation/`` and skips the records that exist;
``report`` writes ``benchmarks/results/bonas_ablation.md``: per variant and dataset, the median
queries to the optimum (runs that never found it count as infinite), the runs that found it,
the median queries to a top-10 cell, and the median seconds per suggestion, for each block of
seeds in ``SEED_BLOCKS`` apart: seeds 0–19 chose the previous default, 20–59 are held out from
that choice, 60 up from the choice of local steps too.

Every variant runs without a warm start (``warm_start=None``: 10 random startup cells, no
synflow prior), so that the model, the encoding and the acquisition are compared on their own;
the default's synflow warm start and prior are measured on top of it by ``zero_cost.py``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # run as a script or loaded by the tests: find _records
    sys.path.insert(0, str(HERE))
import _records  # noqa: E402
from nb201_search import ranks_until_optimum, timed_objective  # noqa: E402

RAW = HERE / "results" / "raw" / "ablation"
#: The blocks of seeds the report shows apart: (first seed, heading, what the runs are for).
SEED_BLOCKS: tuple[tuple[int, str, str], ...] = (
    (
        0,
        "the runs that chose the previous default",
        "Every variant was run on these seeds; the previous default (no local steps) was "
        "chosen on them.",
    ),
    (
        20,
        "held out from the previous default's choice",
        "Run after the previous default was chosen (`run --first-seed 20 --seeds 40 …`), to "
        "check that its figures are not luck of the seeds that chose it. Local steps (the "
        "default now) were adopted after they were measured on seeds 0–59, so for them these "
        "seeds are not held out.",
    ),
    (
        60,
        "held out from both choices",
        "Run after local steps were adopted (`run --first-seed 60 …`).",
    ),
)
OUT = HERE / "results" / "bonas_ablation.md"

#: The default until local steps were adopted: the configuration that the one-at-a-time
#: changes below are made to, and that they are compared with seed by seed.
PREVIOUS = "no local steps (previous default)"
_PREVIOUS_OPTIONS: dict[str, Any] = {"local_every": 0}

#: One option of the previous default changed at a time (``BONASSampler`` keyword arguments).
_CHANGES: dict[str, dict[str, Any]] = {
    "no target transform": {"target_transform": "none"},
    "Matérn-5/2 ARD kernel": {"surrogate_kwargs": {"kernel": "matern"}},
    "RBF kernel": {"surrogate_kwargs": {"kernel": "rbf"}},
    "path encoding": {"encoding": "path"},
    "adjacency encoding": {"encoding": "adjacency"},
    "UCB (beta 4)": {"acquisition": "ucb", "acquisition_kwargs": {"beta": 4.0}},
    "Thompson sampling": {"acquisition": "thompson"},
    "5 random trials first": {"n_startup_trials": 5},
    "20 random trials first": {"n_startup_trials": 20},
    "mutation search": {
        "candidate_search": "mutation",
        "candidate_kwargs": {"n_incumbents": 10, "depth": 1, "n_random": 100},
    },
    "ensemble surrogate": {"surrogate": "ensemble"},
    "adjacency encoding, 5 random trials first": {
        "encoding": "adjacency",
        "n_startup_trials": 5,
    },
    # Weisfeiler–Lehman subtree counts to depth 2 (NAS-BOWL's features), the labels met in at
    # least 5 of the 15,625 cells (804 features).
    "WL encoding (h 2)": {"encoding": "wl", "encoding_kwargs": {"h": 2, "min_count": 5}},
    # The "plain GP" of ../shared/NB201_FACTS.md: BoTorch's default kernel on the path encoding
    # without paths through "none" (84 features), standardized targets, hyperparameters
    # refitted every 5 steps, log-EI over the untaken classes.
    "plain GP (RBF ARD, path, no transform)": {
        "surrogate_kwargs": {"kernel": "rbf", "refit_every": 5},
        "encoding": "path",
        "encoding_kwargs": {"drop_zero": True},
        "target_transform": "none",
    },
}

#: The default's model-based search (the default less its warm start).
DEFAULT = "default, no warm start"
#: The default, the configuration it replaced, and each change made to that one; all without
#: a warm start.
VARIANTS: dict[str, dict[str, Any]] = {
    name: {"warm_start": None, **options}
    for name, options in {
        DEFAULT: {},
        PREVIOUS: _PREVIOUS_OPTIONS,
        **{name: {**_PREVIOUS_OPTIONS, **change} for name, change in _CHANGES.items()},
    }.items()
}


def _slug(variant: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in variant.lower()).strip("-")


def _path(variant: str, dataset: str, seed: int, queries: int) -> Path:
    return RAW / f"{_slug(variant)}__{dataset}__q{queries}__s{seed}{_records.SUFFIX}"


def run_one(variant: str, dataset: str, seed: int, queries: int) -> dict[str, Any]:
    """One study of at most ``queries`` trials that stops at the optimum."""
    os.environ["OMP_NUM_THREADS"] = "1"
    import optuna
    import torch

    from bonas import BONASSampler, NB201Benchmark

    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    bench = NB201Benchmark(dataset, mode="mean", seed=seed)
    space = bench.space
    sampler = BONASSampler(space, seed=seed, **VARIANTS[variant])
    objective, suggest_s = timed_objective(bench)
    ranks = ranks_until_optimum(
        sampler, objective, lambda trial: bench.rank(space.from_params(trial.params)), queries
    )
    return {
        "variant": variant,
        "dataset": dataset,
        "seed": seed,
        "queries": queries,
        "ranks": ranks,
        "suggest_s": suggest_s,
    }


def cmd_run(ns: argparse.Namespace) -> None:
    variants = _records.pick(ns.variants, VARIANTS)
    jobs = [
        (v, ds, seed, ns.queries)
        for ds in ns.datasets.split(",")
        for seed in range(ns.first_seed, ns.first_seed + ns.seeds)
        for v in variants
    ]
    _records.run_missing(jobs, _path, run_one, ns.jobs)


def _first(ranks: list[int], best: int) -> float:
    """Queries until a cell of rank ``best`` or better; infinite if none."""
    hits = [i for i, r in enumerate(ranks) if r <= best]
    return hits[0] + 1.0 if hits else np.inf


def sooner_later(pairs: list[tuple[float, float]]) -> str:
    """ "sooner / later": how many ``(variant, baseline)`` pairs of queries to the optimum the
    variant won and lost."""
    return f"{sum(a < b for a, b in pairs)} / {sum(a > b for a, b in pairs)}"


def _fmt(x: float, queries: int) -> str:
    return f">{queries}" if not np.isfinite(x) else f"{x:g}"


def _baseline(variant: str) -> str:
    """The variant that ``variant``'s runs are compared with, seed by seed: the previous
    default for the one-change variants (they change it), the default for the previous one."""
    return DEFAULT if variant == PREVIOUS else PREVIOUS


def _table(records: list[dict[str, Any]], queries: int) -> list[str]:
    """One row per variant and dataset of ``records``; "vs baseline" pairs runs by seed."""
    lines = [
        "| variant | dataset | runs | median to optimum | capped mean | found | vs baseline "
        "| median to top-10 | s / suggestion |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    datasets = sorted({r["dataset"] for r in records})
    first = {(r["variant"], r["dataset"], r["seed"]): _first(r["ranks"], 1) for r in records}
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in records:
        groups.setdefault((r["variant"], r["dataset"]), []).append(r)
    for variant in VARIANTS:
        for ds in datasets:
            group = groups.get((variant, ds))
            if not group:
                continue
            opt = [first[variant, ds, r["seed"]] for r in group]
            top = [_first(r["ranks"], 10) for r in group]
            found = sum(np.isfinite(opt))
            sug = np.median(np.concatenate([r["suggest_s"] for r in group]))
            capped = float(np.mean(np.minimum(opt, queries)))
            base = _baseline(variant)
            pairs = [
                (first[variant, ds, r["seed"]], first[base, ds, r["seed"]])
                for r in group
                if (base, ds, r["seed"]) in first
            ]
            vs = "—" if variant == DEFAULT else sooner_later(pairs)
            lines.append(
                f"| {variant} | {ds} | {len(group)} | {_fmt(float(np.median(opt)), queries)} "
                f"| {capped:.1f} | {found} / {len(group)} | {vs} "
                f"| {_fmt(float(np.median(top)), queries)} | {sug:.3f} |"
            )
    return lines


def cmd_report(ns: argparse.Namespace) -> None:
    records = _records.load(sorted(RAW.glob(f"*__q{ns.queries}__s*{_records.SUFFIX}")))
    lines = [
        "# BONASSampler: the default, the one it replaced, and one change at a time",
        "",
        f"Made by `python benchmarks/bonas_ablation.py run … --queries {ns.queries}` and "
        "`python benchmarks/bonas_ablation.py report`, one thread per run. "
        + _records.describe_machine([r.get("machine") for r in records])
        + f" NB201, mean mode; each run stops at the "
        f"optimum or after {ns.queries} queries. Median to optimum counts a run that never "
        "found it as infinite; top-10 = the first query that evaluated one of the ten best "
        "cells; capped mean = mean of min(queries to optimum, "
        f"{ns.queries}), steadier than the median over 20 runs; vs baseline = seeds where the "
        "variant found the optimum sooner / later than its baseline with the same seed (for a "
        "two-sided sign test at 5 %, 15 of 20 decided seeds, 12 of 15 or 9 of 10); the "
        f"baseline of “{PREVIOUS}” is “{DEFAULT}”, that of every other variant is "
        f"“{PREVIOUS}”, of which it changes one option; s/suggestion = median over all "
        "suggestions of all runs. Every run starts from 10 random cells (`warm_start=None`, "
        "so no synflow prior either): this compares the model-based search; the default's "
        "synflow warm start and prior are measured in `zero_cost.md`.",
    ]
    ends = [first for first, _, _ in SEED_BLOCKS[1:]] + [np.inf]
    for (first, title, text), end in zip(SEED_BLOCKS, ends, strict=True):
        block = [r for r in records if first <= r["seed"] < end]
        if not block:
            continue
        seeds = sorted({r["seed"] for r in block})
        lines += [
            "",
            f"## Seeds {seeds[0]}–{seeds[-1]}: {title}",
            "",
            text,
            "",
            *_table(block, ns.queries),
        ]
    OUT.write_text("\n".join(lines) + "\n")
    print(f"wrote {OUT}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("--variants", default="all", help="'all' or names separated by ';'")
    r.add_argument("--datasets", default="cifar10,cifar100")
    r.add_argument("--seeds", type=int, default=20)
    r.add_argument(
        "--first-seed",
        type=int,
        default=0,
        help="the report shows the blocks of SEED_BLOCKS apart (20 up: held out)",
    )
    r.add_argument("--queries", type=int, default=100)
    r.add_argument("--jobs", type=int, default=2)
    rep = sub.add_parser("report")
    rep.add_argument("--queries", type=int, default=100)
    ns = parser.parse_args(argv)
    {"run": cmd_run, "report": cmd_report}[ns.command](ns)


if __name__ == "__main__":
    main()
