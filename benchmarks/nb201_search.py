"""Search strategies on the NB201 table, side by side: a resumable grid and its report.

    python benchmarks/nb201_search.py run --strategies bonas,tpe,gp,random \
        --datasets cifar10,cifar100 --modes mean,noisy --seeds 20 --queries 200 --jobs 2
    python benchmarks/nb201_search.py report

``run`` writes one JSON file per (strategy, dataset, mode, seed) under
``benchmarks/results/raw/`` and skips the files that exist, so an interrupted grid resumes.
``report`` reads them and writes ``benchmarks/results/nb201_search.md`` and a plot.
Every run is one process with one thread, so timings compare like with like.
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

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # run as a script or loaded by the tests: find _records
    sys.path.insert(0, str(HERE))
import _records  # noqa: E402

RAW = HERE / "results" / "raw"
#: Seeds from here on are the check on seeds that chose nothing: no option of any searcher was
#: tuned on them. Their records are kept apart, in ``raw/fresh/``, and reported apart.
FRESH_SEED0 = 80
FRESH = RAW / "fresh"
CHECKPOINTS = (10, 25, 50, 100, 150, 200)


#: The searchers of the grid. Optuna's samplers run with the options a user would pick
#: (multivariate TPE; GPSampler with its defaults, as in ../shared/NB201_FACTS.md);
#: "bonas" is BONASSampler as `bonas search` builds it (on NB201 its synflow warm start draws 5
#: of the 10 startup trials from synflow's top 100 classes, then synflow is a πBO prior);
#: "bonas-cold" is the same without the warm start and prior; "botorch-loop" is no sampler but
#: the hand-written BoTorch loop of plain_botorch.py.
STRATEGIES = (
    "bonas",
    "bonas-cold",
    "bananas",
    "gp",
    "tpe",
    "botorch-loop",
    "random",
    "random-search",
    "evolution",
    "evolution-30-10",
    "local",
    "reinforce",
)
#: What ``run`` does without ``--strategies``: every searcher but the plain BoTorch loop, whose
#: runs take about 8 minutes each (it is run on its own; see plain_botorch.py).
DEFAULT_RUN = tuple(s for s in STRATEGIES if s != "botorch-loop")


def _color(strategy: str) -> Any:
    """One colour per strategy, the same in every panel and plot."""
    import matplotlib.pyplot as plt

    k = STRATEGIES.index(strategy) if strategy in STRATEGIES else len(STRATEGIES)
    # tab20 holds a dark and a light shade of ten hues: the dark ones first.
    return plt.get_cmap("tab20")((2 * k + k // 10) % 20)


def make_sampler(strategy: str, seed: int, mode: str) -> Any:
    """The samplers of the grid, by name."""
    import optuna

    from bonas import BONASSampler, NB201Space
    from bonas import samplers as S

    space = NB201Space()
    if strategy == "botorch-loop":
        raise SystemExit("botorch-loop is no Optuna sampler: run_one runs plain_botorch.search")
    if strategy in ("bonas", "bonas-cold"):  # as `bonas search --sampler` builds them
        from bonas.cli.samplers import make_sampler as cli_sampler

        return cli_sampler(strategy, space, seed=seed, mode=mode)
    if strategy == "bananas":
        return BONASSampler.bananas(space, seed=seed)
    if strategy == "tpe":
        return optuna.samplers.TPESampler(seed=seed, multivariate=True)
    if strategy == "gp":
        return optuna.samplers.GPSampler(seed=seed)
    if strategy == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if strategy == "random-search":
        return S.RandomSearchSampler(space, seed=seed)
    if strategy == "evolution":  # Real et al. 2019 as NB201's paper runs it
        return S.EvolutionSampler(space, population_size=10, tournament_size=3, seed=seed)
    if strategy == "evolution-30-10":  # naszilla's setting
        return S.EvolutionSampler(space, population_size=30, tournament_size=10, seed=seed)
    if strategy == "local":
        return S.LocalSearchSampler(space, seed=seed)
    if strategy == "reinforce":
        return S.REINFORCESampler(space, seed=seed)
    raise SystemExit(f"unknown strategy {strategy!r}; choose from {', '.join(STRATEGIES)}")


def timed_objective(bench: Any) -> tuple[Callable[[Any], float], list[float]]:
    """``bench.objective`` and the list that it fills with the seconds of each call.

    Optuna asks the sampler at the first suggest call, inside the objective; the table lookup
    after it takes microseconds, so each entry is the time of one suggestion.
    """
    suggest_s: list[float] = []

    def objective(trial: Any) -> float:
        start = time.perf_counter()
        try:
            return float(bench.objective(trial))
        finally:
            suggest_s.append(time.perf_counter() - start)

    return objective, suggest_s


def ranks_until_optimum(
    sampler: Any, objective: Callable[[Any], float], rank: Callable[[Any], int], queries: int
) -> list[int]:
    """Run a maximizing study of ``sampler`` on ``objective`` until a trial's cell has
    ``rank(trial) == 1`` or ``queries`` trials are done; the rank of every trial's cell."""
    import optuna

    ranks: list[int] = []

    def stop_at_optimum(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        ranks.append(rank(trial))
        if ranks[-1] == 1:
            study.stop()

    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.optimize(objective, n_trials=queries, callbacks=[stop_at_optimum])
    return ranks


def run_one(strategy: str, dataset: str, mode: str, seed: int, queries: int) -> dict[str, Any]:
    """One search of ``queries`` trials; returns the per-trial record."""
    os.environ["OMP_NUM_THREADS"] = "1"
    import optuna
    import torch

    from bonas import NB201Benchmark

    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    bench = NB201Benchmark(dataset, mode=mode, seed=seed)
    space = bench.space
    wall = time.perf_counter()
    if strategy == "botorch-loop":
        import plain_botorch

        loop = plain_botorch.search(bench, seed, queries)
        archs, observed, suggest_s = loop["archs"], loop["observed"], loop["suggest_s"]
    else:
        sampler = make_sampler(strategy, seed, mode)
        study = optuna.create_study(direction="maximize", sampler=sampler)
        objective, suggest_s = timed_objective(bench)
        study.optimize(objective, n_trials=queries)
        archs = [space.from_params(t.params) for t in study.trials]
        observed = [t.value for t in study.trials]
    wall = time.perf_counter() - wall
    return {
        "strategy": strategy,
        "dataset": dataset,
        "mode": mode,
        "seed": seed,
        "queries": queries,
        "optimum": bench.optimum[1],
        "mean_acc": [bench.mean_accuracy(a) for a in archs],
        "observed": observed,
        "canonical": [space.canonical(a) for a in archs],
        "train_time": [bench.train_time(a) for a in archs],
        "suggest_s": suggest_s,
        "wall_s": wall,
    }


def _path(strategy: str, dataset: str, mode: str, seed: int, queries: int) -> Path:
    folder = FRESH if seed >= FRESH_SEED0 else RAW
    return folder / f"{strategy}__{dataset}__{mode}__q{queries}__s{seed}{_records.SUFFIX}"


def cmd_run(ns: argparse.Namespace) -> None:
    # Most important first: every strategy on one (mode, dataset) before the next.
    jobs = [
        (st, ds, mode, seed, ns.queries)
        for mode in ns.modes.split(",")
        for ds in ns.datasets.split(",")
        for seed in range(ns.seed0, ns.seed0 + ns.seeds)
        for st in ns.strategies.split(",")
    ]
    _records.run_missing(jobs, _path, run_one, ns.jobs)


# -- report -------------------------------------------------------------------------------
def load_records(queries: int | None = None, folder: Path = RAW) -> list[dict[str, Any]]:
    """The records directly under ``folder`` (:data:`RAW`: seeds 0–19; :data:`FRESH`: the
    check on fresh seeds), of ``queries`` queries if given."""
    records = _records.load(sorted(folder.glob(f"*{_records.SUFFIX}")))
    return [r for r in records if queries is None or r["queries"] == queries]


def first_hit(r: dict[str, Any]) -> int | None:
    """Queries until the optimum cell (by mean accuracy) was first evaluated."""
    acc = np.asarray(r["mean_acc"])
    hits = np.flatnonzero(acc >= r["optimum"] - 1e-9)
    return int(hits[0]) + 1 if len(hits) else None


#: Reference figures of ../shared/NB201_FACTS.md (the project's own earlier harness: 10 seeds,
#: 200 queries, mean mode): mean incumbent at the checkpoints, then runs (of 10) that found the
#: optimum within 100 / 200 queries. "random" there is random search with replacement, which
#: is what Optuna's RandomSampler does.
PUBLISHED: dict[tuple[str, str], tuple[dict[int, float], int, int]] = {
    ("cifar10", "random"): ({25: 90.41, 50: 90.61, 100: 90.91, 200: 91.12}, 0, 0),
    ("cifar10", "evolution-30-10"): ({25: 90.13, 50: 91.09, 100: 91.37, 200: 91.49}, 3, 6),
    ("cifar10", "local"): ({25: 90.43, 50: 91.21, 100: 91.53, 200: 91.61}, 5, 10),
    ("cifar10", "tpe"): ({25: 90.90, 50: 91.34, 100: 91.53, 200: 91.60}, 5, 9),
    ("cifar10", "gp"): ({25: 91.03, 50: 91.32, 100: 91.40, 200: 91.51}, 7, 8),
    ("cifar100", "random"): ({50: 70.65, 100: 71.18, 200: 71.68}, 0, 0),
    ("cifar100", "evolution"): ({50: 71.63, 100: 72.41, 200: 73.07}, 1, 4),
    ("cifar100", "evolution-30-10"): ({50: 71.77, 100: 72.66, 200: 73.46}, 3, 8),
    ("cifar100", "local"): ({50: 71.83, 100: 73.13, 200: 73.27}, 6, 9),
    ("cifar100", "tpe"): ({50: 72.66, 100: 73.15, 200: 73.49}, 4, 10),
    ("cifar100", "gp"): ({50: 72.51, 100: 73.29, 200: 73.29}, 9, 9),
    ("imagenet16-120", "random"): ({50: 44.61, 100: 44.90, 200: 45.36}, 0, 0),
    ("imagenet16-120", "evolution"): ({50: 44.95, 100: 45.92, 200: 46.35}, 1, 3),
    ("imagenet16-120", "evolution-30-10"): ({50: 45.55, 100: 46.21, 200: 46.59}, 0, 3),
    ("imagenet16-120", "local"): ({50: 45.43, 100: 46.10, 200: 46.51}, 1, 2),
    ("imagenet16-120", "tpe"): ({50: 45.81, 100: 46.41, 200: 46.48}, 0, 0),
    ("imagenet16-120", "gp"): ({50: 46.36, 100: 46.60, 200: 46.69}, 1, 4),
}


def disagreements() -> dict[str, str]:
    """Why a baseline of ours differs from :data:`PUBLISHED` where it does (measured, not
    assumed): the figures of textbook evolution come from the committed records of
    ``benchmarks/evolution_repeats.py``."""
    import evolution_repeats

    textbook = evolution_repeats.load_summaries(200)
    if textbook:
        rep = [r["repeats_mean"] for r in textbook.values()]
        figures = ", ".join(
            f"{r['inc']['100']:.2f} / {r['inc']['200']:.2f} on {ds}"
            for ds, r in sorted(textbook.items())
        )
        measured = (
            f"textbook regularized evolution spends {min(rep):.0f}–{max(rep):.0f} of its 200 "
            f"queries on repeats (mean of runs) and then matches the reference: {figures} at "
            "100 / 200 queries"
        )
    else:
        measured = "textbook regularized evolution was not run (no records)"
    return {
        "evolution-30-10": (
            "ours never evaluates a canonical class twice (a child whose class was taken is "
            f"mutated again); {measured} (`benchmarks/results/evolution_repeats.md`, "
            "`python benchmarks/evolution_repeats.py --seeds 20 --queries 200`)."
        ),
        "evolution": (
            "ours never evaluates a canonical class twice; see evolution-30-10 and "
            "`benchmarks/results/evolution_repeats.md`."
        ),
    }


SE_ZERO = (
    "All of our runs ended at the optimum (standard error 0), so the two-standard-error test "
    "cannot apply; the reference's lower mean comes from its runs that missed the optimum. "
    "Compare the runs that found it instead (p below 0.05 would be a real difference):"
)


def published_check(summaries: dict[tuple[str, str, str], dict[str, Any]]) -> list[str]:
    """Markdown lines comparing our mean-mode runs with :data:`PUBLISHED`.

    The reference gives no standard errors; with 10 runs against our 20 and a similar spread
    its error is about sqrt(2) times ours, so a difference is called within two standard
    errors when ``|ours - ref| <= 2 * se_ours * sqrt(1 + 2)``.
    """
    lines = [
        "## The baselines against the reference figures (mean mode)",
        "",
        "Reference: ../shared/NB201_FACTS.md (10 runs each). Cells read `ours (ref)`; ✗ marks "
        "a difference beyond two standard errors of the difference (the reference's error "
        "taken as sqrt(2) × ours, as it has half the runs).",
        "",
        "| dataset | strategy | @25 | @50 | @100 | @200 | found ≤100 / ≤200 (of n / of 10) |",
        "|---|---|---|---|---|---|---|",
    ]
    marked: dict[str, set[str]] = {"✗": set(), "‡": set()}
    why = disagreements()
    for (ds, st), (ref, f100, f200) in PUBLISHED.items():
        s = summaries.get((ds, "mean", st))
        if s is None:
            continue
        cells = []
        for c in (25, 50, 100, 200):
            if c not in ref or c not in s["inc"]:
                cells.append("—")
                continue
            tol = 2 * s["se"][c] * np.sqrt(3)
            mark = ""
            if abs(s["inc"][c] - ref[c]) > tol:
                # With every run at one value our standard error is 0 and the test says
                # nothing: such cells are marked apart and read through the found counts.
                mark = " ‡" if s["se"][c] < 1e-9 else " ✗"
                if mark == " ‡":
                    found, ref_found = (s["found100"], f100) if c <= 100 else (s["found200"], f200)
                    p = fisher_p(found, s["n"], ref_found, 10)
                    marked["‡"].add(
                        f"{st} on {ds} @{c}: found {found} of {s['n']} against "
                        f"{ref_found} of 10, Fisher exact p = {p:.2f}"
                    )
                else:
                    marked["✗"].add(st)
            cells.append(f"{s['inc'][c]:.2f} ({ref[c]:.2f}){mark}")
        lines.append(
            f"| {ds} | {st} | "
            + " | ".join(cells)
            + f" | {s['found100']} / {s['found200']} of {s['n']} ({f100} / {f200}) |"
        )
    lines.append("")
    for st in sorted(marked["✗"]):
        lines += [f"- ✗ {st}: {why.get(st, 'not explained yet.')}", ""]
    if marked["‡"]:
        lines += [f"- ‡ {SE_ZERO} " + "; ".join(sorted(marked["‡"])) + ".", ""]
    return lines


def fisher_p(a: int, n1: int, b: int, n2: int) -> float:
    """Two-sided Fisher exact test of ``a`` of ``n1`` against ``b`` of ``n2``."""
    from math import comb

    k, n = a + b, n1 + n2

    def prob(x: int) -> float:
        return comb(n1, x) * comb(n2, k - x) / comb(n, k)

    observed = prob(a)
    probs = [prob(x) for x in range(max(0, k - n2), min(k, n1) + 1)]
    return min(1.0, sum(p for p in probs if p <= observed * (1 + 1e-9)))


def summarize(group: list[dict[str, Any]]) -> dict[str, Any]:
    q = group[0]["queries"]
    inc = np.array([np.maximum.accumulate(r["mean_acc"]) for r in group])
    regret = group[0]["optimum"] - inc
    hits = [first_hit(r) for r in group]
    # Runs that never found the optimum count as infinite; a median that involves one is
    # reported as "> queries".
    med = float(np.median([h if h is not None else np.inf for h in hits]))
    repeats = [len(r["canonical"]) - len(set(r["canonical"])) for r in group]
    sug = np.array([r["suggest_s"] for r in group])
    return {
        "optimum": group[0]["optimum"],
        "n": len(group),
        "inc": {c: inc[:, c - 1].mean() for c in CHECKPOINTS if c <= q},
        "se": {c: inc[:, c - 1].std(ddof=1) / np.sqrt(len(group)) for c in CHECKPOINTS if c <= q},
        "regret": {c: regret[:, c - 1].mean() for c in CHECKPOINTS if c <= q},
        "found100": sum(h is not None and h <= 100 for h in hits),
        "found200": sum(h is not None and h <= 200 for h in hits),
        "median": med if np.isfinite(med) else None,
        "repeats": int(np.sum(repeats)),
        "suggest": {c: float(np.median(sug[:, c - 1])) for c in (50, 100, 200) if c <= q},
        "suggest_mean": float(sug.mean()),
        "inc_curve": inc.mean(0),
        "se_curve": inc.std(0, ddof=1) / np.sqrt(len(group)),
        "suggest_curve": np.median(sug, axis=0),
        "hours": np.array([np.cumsum(r["train_time"]) / 3600 for r in group]),
        "regret_runs": regret,
        "found_curve": np.array(
            [np.mean([h is not None and h <= k for h in hits]) for k in range(1, q + 1)]
        ),
    }


def _by_key(records: list[dict[str, Any]]) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for r in records:
        groups.setdefault((r["dataset"], r["mode"], r["strategy"]), []).append(r)
    return groups


def strategy_tables(
    groups: dict[tuple[str, str, str], list[dict[str, Any]]],
    fig_data: dict[tuple[str, str], dict[str, dict[str, Any]]] | None = None,
    level: str = "##",
) -> list[str]:
    """One Markdown table per (dataset, mode) of ``groups``: every strategy's summary. Fills
    ``fig_data`` with the summaries when given (for the plots)."""
    lines: list[str] = []
    for ds, mode in sorted({(d, m) for d, m, _ in groups}):
        lines += [f"{level} {ds}, {mode} mode", ""]
        header = (
            "| strategy | runs | "
            + " | ".join(f"@{c}" for c in CHECKPOINTS)
            + " | found ≤100 / ≤200 | median to opt | repeats | suggest s @50/100/200 | mean |"
        )
        lines += [header, "|" + "---|" * (header.count("|") - 1)]
        for (d, m, st), group in sorted(groups.items()):
            if (d, m) != (ds, mode):
                continue
            s = summarize(group)
            if fig_data is not None:
                fig_data.setdefault((ds, mode), {})[st] = s
            cells = [
                f"{s['inc'][c]:.2f} ± {s['se'][c]:.2f}" if c in s["inc"] else "—"
                for c in CHECKPOINTS
            ]
            med = f"{s['median']:.1f}" if s["median"] is not None else f">{group[0]['queries']}"
            sug = " / ".join(f"{v:.3f}" for v in s["suggest"].values())
            lines.append(
                f"| {st} | {s['n']} | "
                + " | ".join(cells)
                + f" | {s['found100']} / {s['found200']} | {med} | {s['repeats']} | {sug} "
                + f"| {s['suggest_mean']:.3f} |"
            )
        lines.append("")
    return lines


def found_cell(s: dict[str, Any], queries: int) -> str:
    """``median (found within 100 / runs)``, the median ``>queries`` when it is infinite."""
    med = f"{s['median']:g}" if s["median"] is not None else f">{queries}"
    return f"{med} ({s['found100']}/{s['n']})"


def fresh_comparison(
    old: dict[tuple[str, str, str], list[dict[str, Any]]],
    fresh: dict[tuple[str, str, str], list[dict[str, Any]]],
    reference: str = "bonas",
) -> tuple[list[str], list[str]]:
    """Where the fresh seeds disagree with seeds 0–19: the (dataset, mode) cells where
    ``reference`` found the optimum within 100 queries in fewer fresh runs than before, and
    those where another strategy did so in more fresh runs than ``reference``."""
    worse, beaten = [], []
    for (ds, mode, st), group in sorted(fresh.items()):
        s = summarize(group)
        q = group[0]["queries"]
        if st == reference and (ds, mode, st) in old:
            o = summarize(old[(ds, mode, st)])
            if s["found100"] * o["n"] < o["found100"] * s["n"]:
                worse.append(
                    f"{ds} {mode}: {found_cell(s, q)} on seeds 80–99 against "
                    f"{found_cell(o, q)} on seeds 0–19"
                )
        elif st != reference and (ds, mode, reference) in fresh:
            b = summarize(fresh[(ds, mode, reference)])
            if s["found100"] * b["n"] > b["found100"] * s["n"]:
                at = max(c for c in s["inc"] if c <= 100)
                beaten.append(
                    f"{st} on {ds} {mode}: {found_cell(s, q)} against {reference}'s "
                    f"{found_cell(b, q)} (mean incumbent at {at} queries {s['inc'][at]:.2f} "
                    f"against {reference}'s {b['inc'][at]:.2f})"
                )
    return worse, beaten


def fresh_section(
    old: dict[tuple[str, str, str], list[dict[str, Any]]], fresh_records: list[dict[str, Any]]
) -> list[str]:
    """The check on seeds that chose nothing: the fresh-seed grid beside seeds 0–19."""
    if not fresh_records:
        return []
    fresh = _by_key(fresh_records)
    seeds = sorted({r["seed"] for r in fresh_records})
    strategies = sorted({st for _, _, st in fresh})
    columns = sorted({(ds, mode) for ds, mode, _ in fresh})
    lines = [
        f"## The check on seeds that chose nothing (seeds {seeds[0]}–{seeds[-1]})",
        "",
        "The warm start's and the prior's options were chosen on seeds 0–29 of these tables "
        "(`zero_cost.md`) and the local steps on seeds 0–19 (`bonas_ablation.md`), and the "
        "tables above use seeds 0–19. No choice looked at these seeds: "
        f"`python benchmarks/nb201_search.py run --strategies {','.join(strategies)} "
        f"--seeds {len(seeds)} --seed0 {seeds[0]} --queries 200`, records under "
        "`benchmarks/results/raw/fresh/`. Median queries to the optimum (runs that found it "
        "within 100 queries), on the fresh seeds and, after the dot, on seeds 0–19:",
        "",
        "| strategy | " + " | ".join(f"{ds} {mode}" for ds, mode in columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    for st in strategies:
        cells = []
        for ds, mode in columns:
            group = fresh.get((ds, mode, st))
            if group is None:
                cells.append("—")
                continue
            q = group[0]["queries"]
            cell = found_cell(summarize(group), q)
            if (ds, mode, st) in old:
                cell += " · " + found_cell(summarize(old[(ds, mode, st)]), q)
            cells.append(cell)
        lines.append(f"| {st} | " + " | ".join(cells) + " |")
    lines.append("")
    worse, beaten = fresh_comparison(old, fresh)
    lines.append(
        "Worse on the fresh seeds (bonas found the optimum within 100 queries in fewer runs): "
        + ("; ".join(worse) if worse else "nowhere")
        + "."
    )
    lines.append("")
    lines.append(
        "Where another searcher beats bonas on the fresh seeds (more runs within 100 "
        "queries): " + ("; ".join(beaten) if beaten else "nowhere") + "."
    )
    lines.append("")
    lines += strategy_tables(fresh, level="###")
    return lines


def cmd_report(ns: argparse.Namespace) -> None:
    groups = _by_key(load_records(ns.queries))
    lines = [
        "# NB201: search strategies side by side",
        "",
        "Made by `python benchmarks/nb201_search.py run … && python benchmarks/nb201_search.py "
        "report`, one thread per run. "
        + _records.describe_machine([r.get("machine") for g in groups.values() for r in g])
        + " Seconds per suggestion were measured when each run was made and depend on how "
        "loaded its machine was then.",
        "",
        "Incumbent = mean validation accuracy (over training seeds) of the best cell found so "
        "far, averaged over runs (± standard error); in noisy mode the searcher sees one "
        "seed's accuracy per query but is scored on the mean. Found = runs that evaluated the "
        "optimum cell within 100 / 200 queries. Median = median queries to the optimum "
        "(runs that never found it count as infinite). Repeats = trials that re-evaluated a "
        "canonical class (NB201 rule). Suggest = median seconds per suggestion at 50/100/200 "
        "finished trials; mean = seconds per suggestion over whole runs (botorch-loop re-fits "
        "its hyperparameters on every 5th step only, and 50, 100 and 200 fall between fits).",
        "",
    ]
    fig_data: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    lines += strategy_tables(groups, fig_data)
    summaries = {key: summarize(group) for key, group in groups.items()}
    lines += published_check(summaries)
    lines += fresh_section(groups, load_records(ns.queries, FRESH))
    out = HERE / "results" / "nb201_search.md"
    out.write_text("\n".join(lines))
    print(out.read_text())
    _plot(fig_data, HERE / "results" / "nb201_search.png")
    _plot_cost(fig_data, HERE / "results" / "nb201_search_cost.png")


def _grid_of_panels(fig_data: dict[tuple[str, str], Any]) -> tuple[Any, Any, list[Any]]:
    """A figure with two rows of axes, one column per (dataset, mode), and the columns' keys."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = sorted(fig_data)
    fig, axes = plt.subplots(
        2, max(1, len(panels)), figsize=(4.2 * max(1, len(panels)), 7), squeeze=False
    )
    return fig, axes, panels


def _plot(fig_data: dict[tuple[str, str], dict[str, dict[str, Any]]], path: Path) -> None:
    fig, axes, panels = _grid_of_panels(fig_data)
    for j, key in enumerate(panels):
        ax, ax2 = axes[0, j], axes[1, j]
        for st, s in sorted(fig_data[key].items()):
            x = np.arange(1, len(s["inc_curve"]) + 1)
            (line,) = ax.plot(x, s["inc_curve"], label=st, color=_color(st))
            ax.fill_between(
                x,
                s["inc_curve"] - s["se_curve"],
                s["inc_curve"] + s["se_curve"],
                color=line.get_color(),
                alpha=0.2,
            )
            ax2.plot(x, s["found_curve"], label=st, color=line.get_color())
        opt = next(iter(fig_data[key].values()))["optimum"]
        ax.axhline(opt, color="k", ls="--", lw=0.8, label=f"optimum {opt:.2f}")
        ax.set_title(f"{key[0]}, {key[1]} mode")
        ax.set_xlabel("queries")
        ax.set_ylabel("incumbent mean val. acc. (%)")
        lo = min(s["inc_curve"][9] for s in fig_data[key].values())
        ax.set_ylim(lo - 0.2, None)
        ax.set_xscale("log")
        ax2.set_xlabel("queries")
        ax2.set_ylabel("fraction of runs that found the optimum")
        ax2.set_xscale("log")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _regret_vs_hours(s: dict[str, Any], grid: np.ndarray) -> np.ndarray:
    """Mean regret over runs at each simulated training time in ``grid`` (hours); NaN where
    some run had not yet spent that long."""
    out = np.full(len(grid), np.nan)
    per_run = []
    for hours, regret in zip(s["hours"], s["regret_runs"], strict=True):
        at = np.searchsorted(hours, grid, side="right") - 1  # last query finished by then
        r = np.where(at >= 0, regret[np.clip(at, 0, None)], np.nan)
        r[grid > hours[-1]] = np.nan
        per_run.append(r)
    arr = np.array(per_run)
    ok = ~np.isnan(arr).any(axis=0)
    out[ok] = arr[:, ok].mean(axis=0)
    return out


def _plot_cost(fig_data: dict[tuple[str, str], dict[str, dict[str, Any]]], path: Path) -> None:
    """Regret against simulated training hours, and seconds per suggestion against trials."""
    fig, axes, panels = _grid_of_panels(fig_data)
    for j, key in enumerate(panels):
        ax, ax2 = axes[0, j], axes[1, j]
        top = min(float(s["hours"][:, -1].min()) for s in fig_data[key].values())
        grid = np.geomspace(0.5, top, 200)
        for st, s in sorted(fig_data[key].items()):
            (line,) = ax.plot(grid, _regret_vs_hours(s, grid), label=st, color=_color(st))
            x = np.arange(1, len(s["suggest_curve"]) + 1)
            ax2.plot(x, s["suggest_curve"], label=st, color=line.get_color())
        ax.set_title(f"{key[0]}, {key[1]} mode")
        ax.set_xlabel("simulated training time (hours, table's train_time)")
        ax.set_ylabel("mean regret (points)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax2.set_xlabel("finished trials")
        ax2.set_ylabel("seconds per suggestion (median over runs)")
        ax2.set_yscale("log")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--strategies", default=",".join(DEFAULT_RUN))
    r.add_argument("--datasets", default="cifar10,cifar100,imagenet16-120")
    r.add_argument("--modes", default="mean,noisy")
    r.add_argument("--seeds", type=int, default=20)
    r.add_argument("--seed0", type=int, default=0)
    r.add_argument("--queries", type=int, default=200)
    r.add_argument("--jobs", type=int, default=2)
    r.set_defaults(fn=cmd_run)
    rep = sub.add_parser("report")
    rep.add_argument("--queries", type=int, default=200)
    rep.set_defaults(fn=cmd_report)
    ns = p.parse_args(argv)
    fn: Callable[[argparse.Namespace], None] = ns.fn
    fn(ns)


if __name__ == "__main__":
    sys.exit(main())
