"""Surrogates × encodings on the three NB201 tables: Kendall τ, top-k precision and calibration
against training-set size, with synflow beside them.

    python benchmarks/surrogate_eval.py run --jobs 2           # resumable: skips done records
    python benchmarks/surrogate_eval.py run --datasets cifar10 --modes mean --sizes 10,100
    python benchmarks/surrogate_eval.py report

``run`` calls :func:`bonas.evaluation.evaluate_surrogates` once per (variant, encoding, dataset,
mode, training-set size, block of repeats) and writes the records under
``benchmarks/results/raw/surrogate_eval/`` (one file each; existing ones are skipped), plus one
record per (proxy, dataset) for synflow. The variants are the built-in surrogates with their
defaults on the raw accuracies, the GP on the normal scores of the accuracies (``gp-copula``:
BONASSampler's default target transform) and the scikit-learn random forest of
``examples/forest_surrogate.py``. ``report`` writes ``benchmarks/results/surrogate_eval.md`` and
its figures from the records alone. One process per run, one thread.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # run as a script or loaded by the tests: find _records
    sys.path.insert(0, str(HERE))
EXAMPLES = HERE.parent / "examples"
import _records  # noqa: E402

RAW = HERE / "results" / "raw" / "surrogate_eval"
OUT = HERE / "results" / "surrogate_eval.md"
DATASETS = ("cifar10", "cifar100", "imagenet16-120")
MODES = ("mean", "noisy")
SIZES = (10, 20, 50, 100, 200, 500, 1000)
REPEATS = 10
SEED = 0
#: Variant → (surrogate as evaluate_surrogates takes it, target transform).
VARIANTS: dict[str, tuple[str, str]] = {
    "gp": ("gp", "none"),
    "gp-copula": ("gp", "copula"),
    "ensemble": ("ensemble", "none"),
    "forest": ("forest_surrogate:ForestSurrogate", "none"),
}
ENCODINGS = ("adjacency", "path", "truncated_path", "wl", "path_adjacency")
PROXIES = ("synflow",)
#: BONASSampler's defaults on NB201: the GP (Tanimoto kernel) on path + adjacency, fitted on
#: the normal scores of the values. The goals are stated for it.
DEFAULT_GP = ("gp-copula", "path_adjacency")
GOAL_TAU_MAX_SIZE = 100
GOAL_COVERAGE = (0.85, 0.95)
GOAL_COVERAGE_MIN_SIZE = 20
#: Training sizes of the comparison with White et al. (2021).
WHITE_SIZES = (10, 20, 50, 100, 200, 500, 1000)


def _path(
    variant: str, encoding: str, dataset: str, mode: str, size: int, first: int, n: int
) -> Path:
    return (
        RAW / f"{variant}__{encoding}__{dataset}__{mode}__n{size}__r{first}-{first + n - 1}"
        f"{_records.SUFFIX}"
    )


def _proxy_path(proxy: str, dataset: str) -> Path:
    return RAW / f"proxy-{proxy}__{dataset}{_records.SUFFIX}"


def _single_thread() -> None:
    os.environ["OMP_NUM_THREADS"] = "1"
    import torch

    torch.set_num_threads(1)
    if str(EXAMPLES) not in sys.path:
        sys.path.append(str(EXAMPLES))


def _warm_up(surrogate: str) -> None:
    """Fit the surrogate once on made-up data, so that no timed fit pays for imports."""
    import numpy as np

    from bonas.evaluation.evaluate import _surrogate_factory

    _, build = _surrogate_factory(surrogate, "surrogates")
    X = np.random.default_rng(0).integers(0, 2, size=(8, 4)).astype(float)
    build(0).fit(X, X.sum(axis=1)).predict(X, return_std=True)


def run_one(
    variant: str, encoding: str, dataset: str, mode: str, size: int, first: int, n: int
) -> dict[str, Any]:
    """The records of ``n`` repeats from ``first`` of one variant, encoding, table, mode, size."""
    _single_thread()
    from bonas import NB201Benchmark
    from bonas.evaluation import evaluate_surrogates

    surrogate, transform = VARIANTS[variant]
    _warm_up(surrogate)
    result = evaluate_surrogates(
        NB201Benchmark(dataset),
        surrogates=[surrogate],
        encodings=[encoding],
        train_sizes=[size],
        repeats=n,
        first_repeat=first,
        mode=mode,
        target_transform=transform,
        seed=SEED,
    )
    return {
        "variant": variant,
        "encoding": encoding,
        "dataset": dataset,
        "mode": mode,
        "train_size": size,
        "seed": SEED,
        "records": list(result.records),
    }


def run_proxy(proxy: str, dataset: str) -> dict[str, Any]:
    """The rank metrics of a zero-cost proxy on every class of one table."""
    _single_thread()
    from bonas import NB201Benchmark
    from bonas.evaluation import evaluate_surrogates

    result = evaluate_surrogates(NB201Benchmark(dataset), surrogates=[], proxies=[proxy])
    return {"proxy": proxy, "dataset": dataset, "records": list(result.records)}


def jobs(
    variants: Sequence[str],
    encodings: Sequence[str],
    datasets: Sequence[str],
    modes: Sequence[str],
    sizes: Sequence[int],
    repeats: int,
    block: int,
) -> list[tuple[Any, ...]]:
    """The grid's runs, cheapest first (small training sets), in blocks of repeats."""
    return [
        (v, e, d, m, s, first, min(block, repeats - first))
        for s in sizes
        for d in datasets
        for m in modes
        for e in encodings
        for v in variants
        for first in range(0, repeats, block)
    ]


def cmd_run(ns: argparse.Namespace) -> None:
    from bonas.nb201.proxies import synflow_table

    variants = _records.pick(ns.variants, VARIANTS)
    encodings = _records.pick(ns.encodings, dict.fromkeys(ENCODINGS), "encodings")
    datasets = _records.pick(ns.datasets.replace(",", ";"), dict.fromkeys(DATASETS), "datasets")
    modes = _records.pick(ns.modes.replace(",", ";"), dict.fromkeys(MODES), "modes")
    sizes = [int(s) for s in ns.sizes.split(",")]
    if ns.proxies:
        synflow_table()  # once here, not in every worker at the same time
        _records.run_missing(
            [(p, d) for p in PROXIES for d in datasets], _proxy_path, run_proxy, ns.jobs
        )
    grid = jobs(variants, encodings, datasets, modes, sizes, ns.repeats, ns.block)
    _records.run_missing(grid, _path, run_one, ns.jobs)


# -- the report ----------------------------------------------------------------------------------
def load_records(raw: Path = RAW) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The run records (each labelled with its variant as ``surrogate``) and the files' facts."""
    files = _records.load(sorted(raw.glob(f"*{_records.SUFFIX}")))
    runs = []
    for f in files:
        for r in f["records"]:
            label = f.get("variant", r["surrogate"])
            # The variant names the transform; the panels of the figures are per table and mode.
            runs.append({**r, "surrogate": label, "target_transform": "none"})
    return runs, files


def _fmt(x: float | None, digits: int = 2) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def _order(variant: str, encoding: str) -> tuple[int, int]:
    """Rows in the order of :data:`VARIANTS` and :data:`ENCODINGS` (others last)."""
    names = list(VARIANTS)
    return (
        names.index(variant) if variant in names else len(names),
        ENCODINGS.index(encoding) if encoding in ENCODINGS else len(ENCODINGS),
    )


def _tau_table(rows: list[dict[str, Any]], table: str, mode: str) -> list[str]:
    sizes = sorted({r["train_size"] for r in rows if r["train_size"] > 0})
    lines = [
        "| variant | encoding | " + " | ".join(f"n = {s}" for s in sizes) + " |",
        "|---|---|" + "---|" * len(sizes),
    ]
    cells: dict[tuple[str, str], dict[int, dict[str, Any]]] = {}
    for r in rows:
        if r["table"] == table and r["mode"] == mode and r["train_size"] > 0:
            cells.setdefault((r["surrogate"], r["encoding"]), {})[r["train_size"]] = r
    for (variant, encoding), by_size in sorted(cells.items(), key=lambda kv: _order(*kv[0])):
        parts = []
        for s in sizes:
            r = by_size.get(s)
            parts.append(
                "—" if r is None else f"{_fmt(r['kendall_tau'])} ± {_fmt(r['kendall_tau_sd'])}"
            )
        lines.append(f"| {variant} | {encoding} | " + " | ".join(parts) + " |")
    return lines


def _goal_tau(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| table | mode | n | default GP τ | best other (variant · encoding) | its τ | met |",
        "|---|---|---|---|---|---|---|",
    ]
    groups: dict[tuple[str, str, int], list[dict[str, Any]]] = {}
    for r in rows:
        if 0 < r["train_size"] <= GOAL_TAU_MAX_SIZE:
            groups.setdefault((r["table"], r["mode"], r["train_size"]), []).append(r)
    for (table, mode, size), group in sorted(groups.items()):
        default = [r for r in group if (r["surrogate"], r["encoding"]) == DEFAULT_GP]
        others = [r for r in group if (r["surrogate"], r["encoding"]) != DEFAULT_GP]
        if not default or not others:
            continue
        best = max(others, key=lambda r: r["kendall_tau"])
        gap = default[0]["kendall_tau"] - best["kendall_tau"]
        met = "yes" if gap >= 0 else f"no (by {-gap:.3f})"
        lines.append(
            f"| {table} | {mode} | {size} | {_fmt(default[0]['kendall_tau'], 3)} "
            f"| {best['surrogate']} · {best['encoding']} | {_fmt(best['kendall_tau'], 3)} "
            f"| {met} |"
        )
    return lines


def _goal_coverage(rows: list[dict[str, Any]]) -> list[str]:
    low, high = GOAL_COVERAGE
    sizes = sorted({r["train_size"] for r in rows if r["train_size"] >= GOAL_COVERAGE_MIN_SIZE})
    lines = [
        "| table | mode | variant | encoding | " + " | ".join(f"n = {s}" for s in sizes) + " |",
        "|---|---|---|---|" + "---|" * len(sizes),
    ]
    cells: dict[tuple[str, str, str, str], dict[int, float]] = {}
    for r in rows:
        if r["train_size"] in sizes and r["coverage_90"] is not None:
            key = (r["table"], r["mode"], r["surrogate"], r["encoding"])
            cells.setdefault(key, {})[r["train_size"]] = r["coverage_90"]
    for key, by_size in sorted(cells.items(), key=lambda kv: (kv[0][:2], _order(*kv[0][2:]))):
        parts = []
        for s in sizes:
            c = by_size.get(s)
            if c is None:
                parts.append("—")
            elif c < low:
                parts.append(f"{c:.3f} (−{low - c:.3f})")
            elif c > high:
                parts.append(f"{c:.3f} (+{c - high:.3f})")
            else:
                parts.append(f"{c:.3f}")
        lines.append("| " + " | ".join(key) + " | " + " | ".join(parts) + " |")
    return lines


def _proxy_table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| table | predictor | n | Kendall τ | precision top 1 % | precision top 5 % |",
        "|---|---|---|---|---|---|",
    ]
    for table in sorted({r["table"] for r in rows}):
        for r in rows:
            if r["table"] == table and r["train_size"] == 0:
                lines.append(
                    f"| {table} | {r['surrogate']} (zero-cost) | 0 | "
                    f"{_fmt(r['kendall_tau'], 3)} | {_fmt(r['precision_top1'], 3)} | "
                    f"{_fmt(r['precision_top5'], 3)} |"
                )
        for size in sorted({r["train_size"] for r in rows if r["train_size"] > 0}):
            trained = [
                r
                for r in rows
                if r["table"] == table and r["train_size"] == size and r["mode"] == "mean"
            ]
            if not trained:
                continue
            best = max(trained, key=lambda r: r["kendall_tau"])
            lines.append(
                f"| {table} | best trained: {best['surrogate']} · {best['encoding']} (mean) "
                f"| {size} | {_fmt(best['kendall_tau'], 3)} | {_fmt(best['precision_top1'], 3)} "
                f"| {_fmt(best['precision_top5'], 3)} |"
            )
    return lines


def _white_table(rows: list[dict[str, Any]]) -> list[str]:
    # White et al. 2021 publish their per-size values only as plots (Kendall τ against
    # initialization time); no table of them could be read from this machine, so their columns
    # stay empty rather than hold numbers read off a plot that could not be checked.
    lines = [
        "| n | bonas gp · path_adjacency (raw) | bonas ensemble · path | "
        "White et al. 2021, GP | White et al. 2021, BANANAS |",
        "|---|---|---|---|---|",
    ]
    pick = {
        (r["surrogate"], r["encoding"], r["train_size"]): r
        for r in rows
        if r["table"] == "nb201-cifar10" and r["mode"] == "mean"
    }
    for size in WHITE_SIZES:
        gp = pick.get(("gp", "path_adjacency", size))
        ens = pick.get(("ensemble", "path", size))
        if gp is None and ens is None:
            continue
        lines.append(
            f"| {size} | {_fmt(gp and gp['kendall_tau'], 3)} | "
            f"{_fmt(ens and ens['kendall_tau'], 3)} | not available here | "
            "not available here |"
        )
    return lines


def _grid_line(rows: list[dict[str, Any]]) -> str:
    """Which (table, mode, training size) blocks of the full grid have every variant ×
    encoding, from the records; the rest are named as missing."""
    want = {(v, e) for v in VARIANTS for e in ENCODINGS}
    have: dict[tuple[str, str, int], set[tuple[str, str]]] = {}
    for r in rows:
        if r["train_size"] > 0:
            key = (r["table"], r["mode"], r["train_size"])
            have.setdefault(key, set()).add((r["surrogate"], r["encoding"]))
    missing = [
        f"{ds} {mode} n = {n}"
        for ds in DATASETS
        for mode in MODES
        for n in SIZES
        if not want <= have.get((f"nb201-{ds}", mode, n), set())
    ]
    if not missing:
        return "Grid: complete (every variant × encoding, every table, mode and size)."
    return (
        f"Grid: **not complete** — {len(missing)} of {len(DATASETS) * len(MODES) * len(SIZES)} "
        f"(table, mode, size) blocks lack a variant × encoding: {', '.join(missing)} "
        "(`python benchmarks/surrogate_eval.py run` fills them in)."
    )


def cmd_report(ns: argparse.Namespace) -> None:
    from bonas.evaluation import plot_kendall_tau, plot_reliability, summarize

    runs, files = load_records(Path(ns.raw))
    rows = summarize(runs)
    tables = sorted({r["table"] for r in rows})
    modes = [m for m in MODES if any(r["mode"] == m for r in rows)]
    n_runs = sum(1 for r in runs if r["train_size"] > 0)
    lines = [
        "# Surrogates on NB201: rank correlation, top-k precision and calibration",
        "",
        "Made by `python benchmarks/surrogate_eval.py run …` and `python "
        "benchmarks/surrogate_eval.py report`, one thread per run, from "
        f"{len(files)} records ({n_runs} runs). "
        + _records.describe_machine([f.get("machine") for f in files]),
        "",
        "Protocol (`bonas.evaluation.evaluate_surrogates`, seed 0): n distinct isomorphism "
        "classes of NB201 (of 6,466) drawn at random per repeat — the same classes for every "
        "variant and encoding — train the surrogate on their mean validation accuracy (mean "
        "mode) or on one training seed's (noisy mode); it predicts every other class, and the "
        "predictions are scored against those classes' mean accuracies. Coverage is that of "
        "the central interval of N(mean, std²), std being the surrogate's latent predictive "
        "spread. `gp-copula` fits the GP on the normal scores of the training values and maps "
        "its predictions back to accuracy through the training values' quantiles (its NLL is "
        "not defined). `forest` is `examples/forest_surrogate.py`. Entries: mean ± standard "
        "deviation over the repeats.",
        "",
        _grid_line(rows),
        "",
    ]
    for table in tables:
        for mode in modes:
            lines += [
                f"## Kendall τ: {table}, {mode} mode",
                "",
                *_tau_table(rows, table, mode),
                "",
            ]
    lines += [
        f"## Goal: the default GP has the highest τ at every n ≤ {GOAL_TAU_MAX_SIZE}",
        "",
        f"Default GP: {DEFAULT_GP[0]} · {DEFAULT_GP[1]} (BONASSampler's defaults).",
        "",
        *_goal_tau(rows),
        "",
        f"## Goal: 90 % intervals cover {GOAL_COVERAGE[0]:.0%}–{GOAL_COVERAGE[1]:.0%} of held-out "
        f"classes at every n ≥ {GOAL_COVERAGE_MIN_SIZE}",
        "",
        "Observed coverage of the central 90 % interval; in brackets, how far outside the goal.",
        "",
        *_goal_coverage(rows),
        "",
        "## Synflow beside the trained predictors",
        "",
        *_proxy_table(rows),
        "",
        "## Beside White et al. (2021), NB201 CIFAR-10",
        "",
        "**Their values are not filled in: blocked.** White, Zela, Ru, Liu and Hutter, 'How "
        "Powerful are Performance Predictors in Neural Architecture Search?' (NeurIPS 2021, "
        "arXiv:2104.01177) publish the Kendall τ of each predictor on NB201 CIFAR-10 against "
        "training-set size only as plots (τ against initialization time, in seconds of NB201 "
        "training); no table of those values was reachable from this machine (no internet "
        "beyond the package registries; searches of the stored copies of the paper returned its "
        "abstract and introduction only), and numbers read off a plot could not be checked. "
        "The columns wait for them. "
        "What differs in protocol, from their code (automl/NASLib: "
        "`naslib/benchmarks/predictors/run_nb201.sh`, `naslib/benchmarks/create_configs.py`, "
        "`naslib/defaults/predictor_evaluator.py`): they train on the first n of 1,000 random "
        "architectures and test on 200 other random ones, 100 trials, on NB201's "
        "cifar10-valid validation accuracy at epoch 200, at eleven training sizes spaced "
        "evenly in log scale from 5 to 1,000 (not the sizes below), without merging isomorphic "
        "cells; here the training cells are random classes, the test set is every other class "
        "of the table, the target is the table's mean accuracy over training seeds (the same "
        "cifar10-valid split), and each size has 10 repeats.",
        "",
        *_white_table(rows),
        "",
    ]
    figures = []
    for table in tables:
        sel = [r for r in rows if r["table"] == table]
        name = f"surrogate_eval_tau_{table.removeprefix('nb201-')}.png"
        plot_kendall_tau(sel, OUT.parent / name)
        figures.append(name)
    for table in tables:
        sel = [
            r
            for r in rows
            if r["table"] == table and r["mode"] == "mean" and r["encoding"] == "path_adjacency"
        ]
        if any(r.get("calibration") for r in sel):
            name = f"surrogate_eval_reliability_{table.removeprefix('nb201-')}.png"
            plot_reliability(sel, OUT.parent / name, train_sizes=[20, 100, 1000])
            figures.append(name)
    lines += [
        "## Figures",
        "",
        "Written next to this file in `benchmarks/results/`: Kendall τ against n per table "
        "(both modes) and reliability diagrams (mean mode, path_adjacency, n = 20, 100 and "
        "1000 where run): " + ", ".join(f"`{name}`" for name in figures) + ".",
    ]
    OUT.write_text("\n".join(lines) + "\n")
    print(f"wrote {OUT}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("--variants", default="all", help="'all' or names separated by ';'")
    r.add_argument("--encodings", default="all", help="'all' or names separated by ';'")
    r.add_argument("--datasets", default="all")
    r.add_argument("--modes", default="all")
    r.add_argument("--sizes", default=",".join(map(str, SIZES)))
    r.add_argument("--repeats", type=int, default=REPEATS)
    r.add_argument("--block", type=int, default=REPEATS, help="repeats per record")
    r.add_argument("--no-proxies", dest="proxies", action="store_false")
    r.add_argument("--jobs", type=int, default=2)
    rep = sub.add_parser("report")
    rep.add_argument("--raw", default=str(RAW))
    ns = parser.parse_args(argv)
    {"run": cmd_run, "report": cmd_report}[ns.command](ns)


if __name__ == "__main__":
    main()
