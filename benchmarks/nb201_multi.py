"""Several objectives and constraints on the NB201 table: a resumable grid and its report.

    python benchmarks/nb201_multi.py run-front --seeds 20 --jobs 2
    python benchmarks/nb201_multi.py run-constrained --seeds 20 --jobs 2
    python benchmarks/nb201_multi.py report

``run-front`` searches the Pareto fronts of the objective sets of :data:`SETS` (accuracy ×
latency, accuracy × parameters, accuracy × latency × parameters) on each dataset, 200 queries
in mean mode, with the searchers of :data:`FRONT_STRATEGIES`; ``run-constrained`` searches the
most accurate cell under each bound of :data:`CONSTRAINTS` (parameters ≤ the median cell's,
≤ the 25th percentile, latency ≤ the median) with those of :data:`CONSTRAINED_STRATEGIES`.
Each writes one gzipped JSON record per run under ``benchmarks/results/raw/nb201_multi/`` and
skips the records that exist, so an interrupted grid resumes; the jobs go seed by seed (every
strategy, set and dataset of a seed before the next seed), so a grid stopped early is balanced.
``report`` reads them and writes ``benchmarks/results/nb201_multi.md`` and
``benchmarks/results/nb201_multi.png``. Every run is one process with one thread.

Scoring (:class:`bonas.nb201.objectives.NB201MultiObjective`): each objective is normalized over
the dataset's 15,625 cells (1 = the best value in the table, 0 = the worst), the hypervolume's
reference point is 0 in every objective, and the hypervolume regret after ``k`` queries is
HV(true front) − HV(front of the first ``k`` cells evaluated), each cell on its mean accuracy.
A constrained search finds the optimum when it evaluates a cell that meets the bound and
belongs to the isomorphism class of the most accurate such cell (members of a class compute the
same function; the table's accuracies of members differ by training noise only, and a sampler
that runs one member per class could not otherwise reach it); the report also counts the runs
that evaluated the optimum cell itself.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # run as a script or loaded by the tests: find _records
    sys.path.insert(0, str(HERE))
import _records  # noqa: E402

RAW = HERE / "results" / "raw" / "nb201_multi"
OUT = HERE / "results" / "nb201_multi.md"
PLOT = HERE / "results" / "nb201_multi.png"
DATASETS = ("cifar10", "cifar100", "imagenet16-120")
#: The objective sets of the front grid, by the name their records and files carry.
SETS: dict[str, tuple[str, ...]] = {
    "accuracy,latency": ("accuracy", "latency"),
    "accuracy,params": ("accuracy", "params"),
    "accuracy,latency,params": ("accuracy", "latency", "params"),
}
#: The bounds of the constrained grid: name → (objective bounded, quantile of the table that is
#: the bound, how the report writes it).
CONSTRAINTS: dict[str, tuple[str, float, str]] = {
    "params-median": ("params", 0.5, "params ≤ the median cell's"),
    "params-p25": ("params", 0.25, "params ≤ the 25th percentile"),
    "latency-median": ("latency", 0.5, "latency ≤ the median"),
}
#: The searchers of the front grid. ``bonas``: BONASSampler with the known objectives
#: (``params``) computed from the cell and its default synflow warm start and prior (on the
#: accuracy; the sampler turns the proxy off where a cost, the latency, is learned);
#: ``bonas-cold``: the same without a warm start (not in the default grid: on the sets with
#: the latency it runs the very trials of ``bonas``); Optuna's NSGAIISampler (its defaults),
#: TPESampler (multivariate, as a user would pick it), GPSampler (logEHVI;
#: ``deterministic_objective=True``, as ``bonas search`` builds it in mean mode, the table's
#: values being deterministic) and RandomSampler.
FRONT_STRATEGIES = ("bonas", "bonas-cold", "nsga2", "tpe", "gp", "random")
DEFAULT_FRONT = ("bonas", "nsga2", "tpe", "gp", "random")
#: The searchers of the constrained grid. ``bonas`` is told a bound on the parameters as a
#: known constraint (computed from the cell, never proposed broken) and learns a bound on the
#: latency from ``trial.set_constraint``; the others (and ``bonas`` on latency) get the
#: constraint through ``trial.set_constraint`` (Optuna 5's GPSampler and TPESampler read
#: ``trial.constraints`` without a ``constraints_func``).
CONSTRAINED_STRATEGIES = ("bonas", "bonas-cold", "gp", "tpe", "random")
DEFAULT_CONSTRAINED = ("bonas", "gp", "tpe")
#: The peers BONASSampler is compared with in the goals of issue #21.
FRONT_PEERS = ("nsga2", "tpe", "gp", "random")
CONSTRAINED_PEERS = ("gp", "tpe")
CHECKPOINTS = (25, 50, 100, 200)
#: Seconds per suggestion are read at these trials, as the mean of the ``TIMING_WINDOW``
#: suggestions that end there (BONASSampler alternates global and local steps, which differ
#: in cost, so a single trial's time depends on its parity).
TIMING_AT = (50, 100, 200)
TIMING_WINDOW = 10
LABELS = {
    "bonas": "BONASSampler (`bonas`)",
    "bonas-cold": "BONASSampler, no warm start (`bonas-cold`)",
    "nsga2": "Optuna NSGAIISampler (`nsga2`)",
    "tpe": "Optuna TPESampler, multivariate (`tpe`)",
    "gp": "Optuna GPSampler (`gp`)",
    "random": "Optuna RandomSampler (`random`)",
}


def _slug(name: str) -> str:
    return name.replace(",", "-")


def _problem(objectives: Sequence[str], dataset: str) -> Any:
    from bonas.nb201.objectives import NB201MultiObjective

    return NB201MultiObjective(dataset, tuple(objectives), mode="mean")


@dataclass(frozen=True)
class Bound:
    """A constraint of the cell, feasible where ``cost(cell) - threshold <= 0``."""

    cost: Callable[[Any], float]
    threshold: float

    def __call__(self, cell: Any) -> float:
        return float(self.cost(cell)) - self.threshold


def _quiet(factory: Callable[[], Any]) -> Any:
    """``factory()`` without Optuna's ExperimentalWarning (multivariate TPE, GPSampler's
    ``deterministic_objective``)."""
    from optuna.exceptions import ExperimentalWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)
        return factory()


def make_sampler(
    strategy: str,
    seed: int,
    space: Any,
    *,
    known_objectives: dict[int, Callable[[Any], float]] | None = None,
    known_constraints: dict[str, Callable[[Any], float]] | None = None,
) -> Any:
    """The samplers of the grids, by name (see :data:`FRONT_STRATEGIES`)."""
    import optuna

    if strategy in ("bonas", "bonas-cold"):
        from bonas import BONASSampler

        return BONASSampler(
            space,
            seed=seed,
            known_objectives=known_objectives,
            known_constraints=known_constraints,
            **({"warm_start": None} if strategy == "bonas-cold" else {}),
        )
    if strategy == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed)
    if strategy == "tpe":
        return _quiet(lambda: optuna.samplers.TPESampler(seed=seed, multivariate=True))
    if strategy == "gp":
        return _quiet(lambda: optuna.samplers.GPSampler(seed=seed, deterministic_objective=True))
    if strategy == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    raise SystemExit(f"unknown strategy {strategy!r}; choose from {', '.join(FRONT_STRATEGIES)}")


def _timed(objective: Callable[[Any], Any]) -> tuple[Callable[[Any], Any], list[float]]:
    """``objective`` and the list it fills with the seconds of each call: Optuna asks the
    sampler at the first suggest, inside the objective, and the table lookup after it takes
    microseconds, so each entry is the time of one suggestion (as nb201_search.py measures)."""
    seconds: list[float] = []

    def timed(trial: Any) -> Any:
        start = time.perf_counter()
        try:
            return objective(trial)
        finally:
            seconds.append(time.perf_counter() - start)

    return timed, seconds


def code_version() -> dict[str, Any]:
    """The commit the grid runs from and the tracked files of ``bonas/`` and ``benchmarks/``
    modified since (a grid runs for hours while the tree may change: each record says what
    made it; untracked files such as the records themselves are left out)."""
    import subprocess

    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(
                ["git", *args], cwd=HERE, capture_output=True, text=True, check=True, timeout=30
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout.strip()

    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "../bonas", ".")
    return {
        "commit": git("rev-parse", "HEAD"),
        "modified": None
        if dirty is None
        else [line.split(None, 1)[1] for line in dirty.splitlines()],
    }


def _setup_process() -> Any:
    os.environ["OMP_NUM_THREADS"] = "1"
    import optuna
    import torch

    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


# -- the front grid ------------------------------------------------------------------------
def run_front(strategy: str, objectives: str, dataset: str, seed: int, queries: int) -> dict:
    """One search of the front of ``objectives`` (a key of :data:`SETS`) in ``queries``
    trials; returns its record."""
    optuna = _setup_process()
    mo = _problem(SETS[objectives], dataset)
    space = mo.space
    known = mo.known if strategy.startswith("bonas") else None
    sampler = make_sampler(strategy, seed, space, known_objectives=known)
    study = optuna.create_study(directions=mo.directions, sampler=sampler)
    objective, suggest_s = _timed(mo.objective)
    wall = time.perf_counter()
    study.optimize(objective, n_trials=queries)
    wall = time.perf_counter() - wall
    cells = [space.to_key(space.from_params(t.params)) for t in study.trials]
    front = mo.true_front()
    canonical = [space.canonical(space.coerce(c)) for c in cells]
    found: set[str] = set()
    classes_found = []
    for key in canonical:
        found.add(key)
        classes_found.append(len(found & front.classes) / len(front.classes))
    return {
        "kind": "front",
        "strategy": strategy,
        "objectives": objectives,
        "directions": list(mo.directions),
        "dataset": dataset,
        "mode": "mean",
        "seed": seed,
        "queries": queries,
        "cells": cells,
        "canonical": canonical,
        "values": [list(t.values) for t in study.trials],
        "hv_regret": [mo.hypervolume_regret(cells[:k]) for k in range(1, len(cells) + 1)],
        "classes_found": classes_found,
        "true_front": {
            "cells": len(front),
            "classes": len(front.classes),
            "hypervolume": front.hypervolume,
        },
        "suggest_s": suggest_s,
        "wall_s": wall,
        "code": code_version(),
    }


def _front_path(strategy: str, objectives: str, dataset: str, seed: int, queries: int) -> Path:
    name = f"{strategy}__{_slug(objectives)}__{dataset}__q{queries}__s{seed}{_records.SUFFIX}"
    return RAW / "front" / name


# -- the constrained grid ------------------------------------------------------------------
def constraint_bound(constraint: str, dataset: str) -> tuple[str, float, Any]:
    """The objective that ``constraint`` bounds, its threshold on ``dataset`` (a quantile of
    the table), and the problem (accuracy only) it was read from."""
    name, q, _ = CONSTRAINTS[constraint]
    mo = _problem(("accuracy",), dataset)
    return name, mo.quantile(name, q), mo


def run_constrained(strategy: str, constraint: str, dataset: str, seed: int, queries: int) -> dict:
    """One search of the most accurate cell under ``constraint`` (a key of
    :data:`CONSTRAINTS`) in at most ``queries`` trials, stopped at the first query that finds
    it (what the report measures ends there); returns its record."""
    optuna = _setup_process()
    from bonas.nb201.objectives import ExactCost

    name, threshold, mo = constraint_bound(constraint, dataset)
    bench, space = mo.benchmark, mo.space
    column = mo.column(name)
    known = strategy.startswith("bonas") and name == "params"
    known_constraints = {name: Bound(ExactCost("params", dataset), threshold)} if known else None
    sampler = make_sampler(strategy, seed, space, known_constraints=known_constraints)

    def objective(trial: Any) -> float:
        arch = space.suggest(trial)
        if not known:
            trial.set_constraint(name, float(column[bench.index(arch)]) - threshold)
        return bench.query(arch)

    best, accuracy = mo.constrained_optimum(**{f"max_{name}": threshold})
    want = space.canonical(best)

    def stop_at_hit(study: Any, trial: Any) -> None:
        arch = space.from_params(trial.params)
        if column[bench.index(arch)] <= threshold and space.canonical(arch) == want:
            study.stop()

    study = optuna.create_study(direction="maximize", sampler=sampler)
    timed, suggest_s = _timed(objective)
    wall = time.perf_counter()
    study.optimize(timed, n_trials=queries, callbacks=[stop_at_hit])
    wall = time.perf_counter() - wall
    cells = [space.to_key(space.from_params(t.params)) for t in study.trials]
    rows = [bench.index(c) for c in cells]
    return {
        "kind": "constrained",
        "strategy": strategy,
        "constraint": constraint,
        "bound": {
            "objective": name,
            "quantile": CONSTRAINTS[constraint][1],
            "threshold": threshold,
        },
        "known": known,
        "dataset": dataset,
        "mode": "mean",
        "seed": seed,
        "queries": queries,
        "stops_at_hit": True,
        "cells": cells,
        "canonical": [space.canonical(space.coerce(c)) for c in cells],
        "accuracy": [float(bench.mean_accuracies[r]) for r in rows],
        "feasible": [bool(column[r] <= threshold) for r in rows],
        "optimum": {
            "cell": space.to_key(best),
            "canonical": space.canonical(best),
            "accuracy": accuracy,
            "feasible_cells": int(mo.feasible(**{f"max_{name}": threshold}).sum()),
        },
        "suggest_s": suggest_s,
        "wall_s": wall,
        "code": code_version(),
    }


def _constrained_path(
    strategy: str, constraint: str, dataset: str, seed: int, queries: int
) -> Path:
    name = f"{strategy}__{constraint}__{dataset}__q{queries}__s{seed}{_records.SUFFIX}"
    return RAW / "constrained" / name


# -- running ---------------------------------------------------------------------------------
def _names(text: str, known: Sequence[str], what: str, sep: str = ",") -> list[str]:
    names = [n.strip() for n in text.split(sep) if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise SystemExit(f"unknown {what} {unknown or text!r}; choose from {', '.join(known)}")
    return names


def _seeds(ns: argparse.Namespace) -> range:
    return range(ns.seed0, ns.seed0 + ns.seeds)


def front_jobs(ns: argparse.Namespace) -> list[tuple[Any, ...]]:
    """The jobs of ``run-front``, seed by seed: a grid stopped early has as many seeds of
    every strategy, set and dataset."""
    strategies = _names(ns.strategies, FRONT_STRATEGIES, "strategy")
    sets = _names(ns.sets, list(SETS), "objective set", sep=";")
    datasets = _names(ns.datasets, DATASETS, "dataset")
    return [
        (st, objectives, ds, seed, ns.queries)
        for seed in _seeds(ns)
        for objectives in sets
        for ds in datasets
        for st in strategies
    ]


def constrained_jobs(ns: argparse.Namespace) -> list[tuple[Any, ...]]:
    """The jobs of ``run-constrained``, seed by seed."""
    strategies = _names(ns.strategies, CONSTRAINED_STRATEGIES, "strategy")
    constraints = _names(ns.constraints, list(CONSTRAINTS), "constraint")
    datasets = _names(ns.datasets, DATASETS, "dataset")
    return [
        (st, constraint, ds, seed, ns.queries)
        for seed in _seeds(ns)
        for constraint in constraints
        for ds in datasets
        for st in strategies
    ]


def cmd_run_front(ns: argparse.Namespace) -> None:
    _records.run_missing(front_jobs(ns), _front_path, run_front, ns.jobs)


def cmd_run_constrained(ns: argparse.Namespace) -> None:
    _records.run_missing(constrained_jobs(ns), _constrained_path, run_constrained, ns.jobs)


# -- report: the numbers ---------------------------------------------------------------------
def load_records(kind: str, queries: int) -> list[dict[str, Any]]:
    """The records of ``kind`` (``"front"`` or ``"constrained"``) of ``queries`` queries."""
    paths = sorted((RAW / kind).glob(f"*__q{queries}__s*{_records.SUFFIX}"))
    return [r for r in _records.load(paths) if r["queries"] == queries]


def checkpoints(queries: int) -> list[int]:
    """The budgets the tables give: those of :data:`CHECKPOINTS` below ``queries``, and
    ``queries``."""
    return sorted({c for c in CHECKPOINTS if c < queries} | {queries})


def mean_se(values: Sequence[float]) -> tuple[float, float]:
    """The mean and its standard error (0 for one value)."""
    x = np.asarray(values, dtype=np.float64)
    se = float(x.std(ddof=1) / np.sqrt(len(x))) if len(x) > 1 else 0.0
    return float(x.mean()), se


def suggestion_seconds(group: Sequence[dict[str, Any]], at: int) -> float | None:
    """Median over runs of the mean seconds of the :data:`TIMING_WINDOW` suggestions that end
    at trial ``at`` (``None`` when the runs are shorter)."""
    runs = [r["suggest_s"] for r in group if len(r["suggest_s"]) >= at]
    if not runs:
        return None
    start = max(0, at - TIMING_WINDOW)
    return float(np.median([np.mean(s[start:at]) for s in runs]))


def first_hit(r: dict[str, Any]) -> int | None:
    """Queries until a constrained run evaluated a feasible cell of the optimum's class."""
    want = r["optimum"]["canonical"]
    for i, (key, ok) in enumerate(zip(r["canonical"], r["feasible"], strict=True)):
        if ok and key == want:
            return i + 1
    return None


def exact_hit(r: dict[str, Any]) -> bool:
    """Whether a constrained run evaluated the optimum cell itself."""
    return r["optimum"]["cell"] in r["cells"]


def median_hit(hits: Sequence[int | None]) -> float:
    """The median of ``hits``, a run that never hit counting as infinite."""
    return float(np.median([np.inf if h is None else h for h in hits]))


def _groups(records: Sequence[dict[str, Any]], key: str) -> dict[tuple[str, str, str], list]:
    out: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for r in records:
        out.setdefault((r[key], r["dataset"], r["strategy"]), []).append(r)
    for group in out.values():
        group.sort(key=lambda r: r["seed"])
    return out


def _order(strategies: Sequence[str], known: Sequence[str]) -> list[str]:
    return sorted(strategies, key=lambda s: known.index(s) if s in known else len(known))


def summarize_front(group: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """HV regret (mean, SE) at the checkpoints, the median fraction of the front's classes
    found by the last query, and seconds per suggestion."""
    q = group[0]["queries"]
    regret = np.array([r["hv_regret"] for r in group])
    return {
        "n": len(group),
        "regret": {c: mean_se(regret[:, c - 1]) for c in checkpoints(q)},
        "classes": float(np.median([r["classes_found"][-1] for r in group])),
        "suggest": {c: suggestion_seconds(group, c) for c in TIMING_AT if c <= q},
        "curve": regret.mean(axis=0),
        "curve_se": (
            regret.std(axis=0, ddof=1) / np.sqrt(len(group))
            if len(group) > 1
            else np.zeros(regret.shape[1])
        ),
    }


def constrained_regret(r: dict[str, Any], at: int) -> float:
    """The optimum's mean accuracy minus the best accuracy of a feasible cell among a
    constrained run's first ``at`` queries (0 once the run found the optimum's class; NaN
    before its first feasible cell)."""
    hit = first_hit(r)
    if hit is not None and hit <= at:
        return 0.0
    seen = [a for a, ok in zip(r["accuracy"][:at], r["feasible"][:at], strict=True) if ok]
    if not seen:
        return float("nan")
    return max(0.0, float(r["optimum"]["accuracy"]) - max(seen))


def summarize_constrained(group: Sequence[dict[str, Any]]) -> dict[str, Any]:
    hits = [first_hit(r) for r in group]
    q = group[0]["queries"]
    regret = {}
    for c in checkpoints(q):
        values = np.array([constrained_regret(r, c) for r in group])
        regret[c] = float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")
    return {
        "n": len(group),
        "median": median_hit(hits),
        "regret": regret,
        "found": sum(h is not None for h in hits),
        "exact": sum(exact_hit(r) for r in group),
        "infeasible": sum(len(r["feasible"]) - sum(r["feasible"]) for r in group),
        "known": bool(group[0]["known"]),
        "suggest": {c: suggestion_seconds(group, c) for c in TIMING_AT if c <= q},
    }


def _median_text(median: float, queries: int) -> str:
    return f">{queries}" if not np.isfinite(median) else f"{median:g}"


def _seconds_text(s: float | None) -> str:
    return "—" if s is None else f"{s:.3f}"


# -- report: the goals -----------------------------------------------------------------------
def front_goal(
    summaries: dict[tuple[str, str, str], dict[str, Any]], queries: int
) -> tuple[bool | None, list[str]]:
    """Whether ``bonas`` has the lowest mean HV regret (no peer strictly lower) at every
    checkpoint of every (set, dataset); the cells where it does not."""
    misses, judged = [], False
    for objectives, ds in sorted({(o, d) for o, d, _ in summaries}):
        ours = summaries.get((objectives, ds, "bonas"))
        peers = {
            p: summaries[(objectives, ds, p)]
            for p in FRONT_PEERS
            if (objectives, ds, p) in summaries
        }
        if ours is None or not peers:
            continue
        for c in checkpoints(queries):
            judged = True
            mine = ours["regret"][c][0]
            best_peer = min(peers, key=lambda p: peers[p]["regret"][c][0])
            theirs = peers[best_peer]["regret"][c][0]
            if theirs < mine:
                misses.append(
                    f"{objectives} on {ds} @{c}: {best_peer} {theirs:.4f} against bonas {mine:.4f}"
                )
    return (not misses) if judged else None, misses


def classes_goal(
    summaries: dict[tuple[str, str, str], dict[str, Any]], target: float = 0.9
) -> tuple[bool | None, list[str]]:
    """Whether ``bonas`` finds at least ``target`` of the true front's classes of accuracy ×
    params by its last query (median over seeds) on every dataset; each dataset's figure."""
    parts, ok = [], []
    for (objectives, ds, st), s in sorted(summaries.items()):
        if objectives == "accuracy,params" and st == "bonas":
            ok.append(s["classes"] >= target)
            parts.append(f"{ds} {s['classes']:.0%} ({s['n']} runs)")
    return (all(ok) if ok else None), parts


def constrained_goal(
    summaries: dict[tuple[str, str, str], dict[str, Any]], queries: int
) -> tuple[bool | None, list[str]]:
    """Whether ``bonas`` needs at most half the median queries of the best peer in every
    (constraint, dataset); a peer that found the optimum in fewer than half its runs counts as
    needing ``queries + 1`` (the least it may need), so bonas must then need at most half that."""
    parts, ok = [], []
    for constraint, ds in sorted({(c, d) for c, d, _ in summaries}):
        ours = summaries.get((constraint, ds, "bonas"))
        peers = {
            p: summaries[(constraint, ds, p)]
            for p in CONSTRAINED_PEERS
            if (constraint, ds, p) in summaries
        }
        if ours is None or not peers:
            continue
        best = min(peers, key=lambda p: peers[p]["median"])
        theirs = peers[best]["median"]
        mine = ours["median"]
        holds = bool(np.isfinite(mine) and 2 * mine <= min(theirs, queries + 1))
        ok.append(holds)
        parts.append(
            f"{constraint} on {ds}: bonas {_median_text(mine, queries)} against {best} "
            f"{_median_text(theirs, queries)} ({'holds' if holds else 'does not hold'})"
        )
    return (all(ok) if ok else None), parts


def infeasible_goal(
    summaries: dict[tuple[str, str, str], dict[str, Any]],
) -> tuple[bool | None, list[str]]:
    """Whether ``bonas`` proposed no infeasible cell in any run under a known constraint."""
    parts, ok = [], []
    for (constraint, ds, st), s in sorted(summaries.items()):
        if st == "bonas" and s["known"]:
            ok.append(s["infeasible"] == 0)
            parts.append(f"{constraint} on {ds}: {s['infeasible']} in {s['n']} runs")
    return (all(ok) if ok else None), parts


def timing_goal(
    groups: dict[tuple[str, str, str], list[dict[str, Any]]],
) -> tuple[bool | None, list[tuple[str, int, float, float]]]:
    """Whether ``bonas`` is no slower than ``gp`` per suggestion at each of :data:`TIMING_AT`,
    per objective set or constraint (runs of every dataset together); the figures."""
    rows: list[tuple[str, int, float, float]] = []
    for task in sorted({t for t, _, _ in groups}):
        ours = [r for (t, _, st), g in groups.items() if t == task and st == "bonas" for r in g]
        gp = [r for (t, _, st), g in groups.items() if t == task and st == "gp" for r in g]
        if not ours or not gp:
            continue
        for at in TIMING_AT:
            a, b = suggestion_seconds(ours, at), suggestion_seconds(gp, at)
            if a is not None and b is not None:
                rows.append((task, at, a, b))
    return (all(a <= b for _, _, a, b in rows) if rows else None), rows


def _verdict(holds: bool | None) -> str:
    return {True: "**holds**", False: "**does not hold**", None: "**not judged** (no records)"}[
        holds
    ]


# -- report: the text ------------------------------------------------------------------------
def front_tables(
    groups: dict[tuple[str, str, str], list[dict[str, Any]]], queries: int
) -> tuple[list[str], dict[tuple[str, str, str], dict[str, Any]]]:
    lines: list[str] = []
    summaries: dict[tuple[str, str, str], dict[str, Any]] = {}
    cps = checkpoints(queries)
    for objectives in [o for o in SETS if any(k[0] == o for k in groups)]:
        lines += [f"### {' × '.join(SETS[objectives])}", ""]
        for ds in [d for d in DATASETS if (objectives, d) in {(k[0], k[1]) for k in groups}]:
            strategies = _order(
                [st for o, d, st in groups if (o, d) == (objectives, ds)], FRONT_STRATEGIES
            )
            tf = groups[(objectives, ds, strategies[0])][0]["true_front"]
            lines += [
                f"**{ds}** (true front: {tf['cells']} cells in {tf['classes']} classes, "
                f"hypervolume {tf['hypervolume']:.4f})",
                "",
                "| strategy | runs | "
                + " | ".join(f"HV regret @{c}" for c in cps)
                + f" | front classes found @{queries} (median) | s / suggestion @"
                + "/".join(str(c) for c in TIMING_AT if c <= queries)
                + " |",
                "|---|---:|" + "---:|" * len(cps) + "---:|---:|",
            ]
            for st in strategies:
                s = summaries[(objectives, ds, st)] = summarize_front(groups[(objectives, ds, st)])
                cells = [f"{m:.4f} ± {se:.4f}" for m, se in (s["regret"][c] for c in cps)]
                secs = " / ".join(_seconds_text(v) for v in s["suggest"].values()) or "—"
                lines.append(
                    f"| {st} | {s['n']} | "
                    + " | ".join(cells)
                    + f" | {s['classes']:.0%} | {secs} |"
                )
            lines.append("")
    return lines, summaries


def optimum_facts(constraint: str, dataset: str) -> str:
    """What makes the constrained optimum easy or hard to find, read from the table: how many
    members its isomorphism class has and how many meet the bound (a cost measured per cell,
    such as the latency, differs between members that compute the same function), how far
    under the bound it lies, and by how much it beats the best feasible cell of another
    class."""
    from bonas.spaces.pool import class_pool

    name, threshold, mo = constraint_bound(constraint, dataset)
    bench, space = mo.benchmark, mo.space
    column = mo.column(name)
    best, accuracy = mo.constrained_optimum(**{f"max_{name}": threshold})
    pool = class_pool(space)
    rows = np.array([bench.index(a) for a in pool.cells])
    cls = pool.class_of
    mine = cls == pool.index[space.canonical(best)]
    ok = column[rows] <= threshold
    others = ok & ~mine
    accuracies = np.asarray(bench.mean_accuracies)[rows]
    gap = accuracy - float(accuracies[others].max()) if others.any() else float("nan")
    margin = threshold - float(column[bench.index(best)])
    under = f"{margin * 1e3:.2f} ms" if name == "latency" else f"{margin:,.0f} {name}"
    return (
        f"its class has {int(mine.sum())} cell(s), {int((mine & ok).sum())} of them within "
        f"the bound; the optimum lies {under} under it and beats the best feasible cell of "
        f"another class by {gap:.2f} points"
    )


def constrained_tables(
    groups: dict[tuple[str, str, str], list[dict[str, Any]]], queries: int
) -> tuple[list[str], dict[tuple[str, str, str], dict[str, Any]]]:
    lines: list[str] = []
    summaries: dict[tuple[str, str, str], dict[str, Any]] = {}
    for constraint in [c for c in CONSTRAINTS if any(k[0] == c for k in groups)]:
        name, q, text = CONSTRAINTS[constraint]
        lines += [f"### {text} (`{constraint}`)", ""]
        for ds in [d for d in DATASETS if (constraint, d) in {(k[0], k[1]) for k in groups}]:
            strategies = _order(
                [st for c, d, st in groups if (c, d) == (constraint, ds)], CONSTRAINED_STRATEGIES
            )
            r0 = groups[(constraint, ds, strategies[0])][0]
            opt = r0["optimum"]
            marks = checkpoints(queries)
            lines += [
                f"**{ds}**: bound {name} ≤ {r0['bound']['threshold']:g} (the {q:g}-quantile "
                f"of the table), met by {opt['feasible_cells']} of 15,625 cells; the optimum "
                f"`{opt['cell']}` has mean accuracy {opt['accuracy']:.2f}; "
                + optimum_facts(constraint, ds),
                "",
                "| strategy | runs | constraint | median queries to the optimum | runs that "
                "found it | runs that evaluated the optimum cell | accuracy regret @"
                + "/".join(str(c) for c in marks)
                + " | infeasible proposals (all runs, up to the hit) | s / suggestion @"
                + "/".join(str(c) for c in TIMING_AT if c <= queries)
                + " |",
                "|---|---:|---|---:|---:|---:|---:|---:|---:|",
            ]
            for st in strategies:
                s = summaries[(constraint, ds, st)] = summarize_constrained(
                    groups[(constraint, ds, st)]
                )
                secs = " / ".join(_seconds_text(v) for v in s["suggest"].values()) or "—"
                regret = " / ".join(f"{v:.2f}" for v in s["regret"].values())
                lines.append(
                    f"| {st} | {s['n']} | {'known' if s['known'] else 'learned'} | "
                    f"{_median_text(s['median'], queries)} | {s['found']} | {s['exact']} | "
                    f"{regret} | {s['infeasible']} | {secs} |"
                )
            lines.append("")
    return lines, summaries


def _grid_line(records: Sequence[dict[str, Any]], key: str, expected_seeds: int) -> str:
    """How complete the grid is: the runs per cell."""
    groups = _groups(records, key)
    counts = sorted({len(g) for g in groups.values()})
    if not counts:
        return "no records"
    span = f"{counts[0]}" if len(counts) == 1 else f"{counts[0]}–{counts[-1]}"
    complete = counts[0] >= expected_seeds
    return f"{len(records)} runs, {span} per strategy and cell" + (
        "" if complete else f" (the issue asks for {expected_seeds}: the grid is not complete)"
    )


RESULTS_PREFIX = "benchmarks/results/"


def code_line(records: Sequence[dict[str, Any]]) -> str:
    """The commits the records were made from, and whether the tree differed from them."""
    commits: dict[str, int] = {}
    modified = 0
    for r in records:
        code = r.get("code") or {}
        key = (code.get("commit") or "not recorded")[:12]
        commits[key] = commits.get(key, 0) + 1
        # A report written under benchmarks/results/ is not code.
        changed = [f for f in code.get("modified") or () if not f.startswith(RESULTS_PREFIX)]
        modified += bool(changed)
    if not commits:
        return "Code: no records."
    text = "Code (as recorded by the runs): " + ", ".join(
        f"commit {c} ({n} runs)" for c, n in sorted(commits.items())
    )
    if modified:
        text += (
            f"; {modified} runs ran with code under bonas/ or benchmarks/ modified since their "
            "commit"
        )
    return text + "."


def report(queries: int = 200, expected_seeds: int = 20) -> str:
    """The report's Markdown, from the records under :data:`RAW`."""
    front = load_records("front", queries)
    constrained = load_records("constrained", queries)
    fgroups = _groups(front, "objectives")
    cgroups = _groups(constrained, "constraint")
    lines = [
        "# NB201: several objectives and constraints",
        "",
        "Made by `python benchmarks/nb201_multi.py run-front --seeds 20 --jobs 2`, "
        "`python benchmarks/nb201_multi.py run-constrained --seeds 20 --jobs 2` and "
        "`python benchmarks/nb201_multi.py report`, one thread per run, mean mode (each "
        f"query returns the cell's mean accuracy over training seeds), {queries} queries per "
        "run. Records: `benchmarks/results/raw/nb201_multi/`. Seconds per suggestion were "
        "measured when each run was made and depend on how loaded its machine was then.",
        "",
        "Strategies: `bonas` is `BONASSampler` told the known objectives (parameters, computed "
        "from the cell) with its default synflow warm start and prior on the accuracy, "
        "which the sampler turns off where a cost is learned (the sets with the latency: "
        "there it runs the trials of `warm_start=None`); `bonas-cold` (where present) the "
        "same without a warm start; `nsga2`, `tpe` (multivariate) and "
        "`random` are Optuna's samplers with their defaults; `gp` is Optuna's GPSampler "
        "(logEHVI with several objectives) with `deterministic_objective=True`, as `bonas "
        "search` builds it in mean mode.",
        "",
        "Hypervolume regret = HV(true front) − HV(front of the cells evaluated so far), each "
        "objective normalized over the dataset's 15,625 cells (1 = best value in the table, "
        "0 = worst) and the reference point 0 in every objective, so the regret lies in "
        "[0, 1] (`bonas.nb201.objectives.NB201MultiObjective`); mean over runs ± standard "
        "error. Front classes found = the fraction of the true front's isomorphism classes "
        f"that the run evaluated within {queries} queries, median over runs. Seconds per "
        f"suggestion at trial t = the mean of the {TIMING_WINDOW} suggestions that end at t "
        "(bonas alternates global and local steps, which cost differently), median over runs.",
        "",
        f"Front grid: {_grid_line(front, 'objectives', expected_seeds)}. Constrained grid: "
        f"{_grid_line(constrained, 'constraint', expected_seeds)}.",
        "",
        "## Pareto fronts: hypervolume regret",
        "",
    ]
    table, fsum = front_tables(fgroups, queries)
    lines += table or ["No records.", ""]
    lines += [
        "## Constrained single objective: the most accurate cell under a bound",
        "",
        "The bound is a quantile of the table (`NB201MultiObjective.quantile`); the optimum is "
        "`NB201MultiObjective.constrained_optimum`. A run finds it when it evaluates a cell "
        "that meets the bound in the optimum's isomorphism class (members of a class compute "
        "the same function; their table accuracies differ by training noise, and a sampler "
        "that runs one member per class could not reach one member otherwise), and a run "
        "stops there; the runs whose hit was the optimum cell itself are counted apart, and "
        "infeasible proposals are those made before the hit (or in all the queries of a run "
        "that never found it). Median queries to it: runs that "
        f"never found it count as infinite, so >{queries} means half the runs or more did not "
        "find it. `known`: the sampler was told the bound as a function of the cell "
        "(`BONASSampler(known_constraints=...)`); `learned`: it got it through "
        "`trial.set_constraint` (feasible when ≤ 0), which Optuna 5's GPSampler and "
        "TPESampler read from `trial.constraints`. Accuracy regret @t: the optimum's mean "
        "accuracy minus the best mean accuracy of a feasible cell among the first t queries "
        "(0 once the run found the optimum), mean over runs. The table's latency is measured "
        "per cell, so the members of one class (one function) differ in latency by "
        "measurement noise and by the work of their unused edges; under a latency bound the "
        "optimum can be the one member of its class that a bound near the class's latencies "
        "lets through, and the best feasible cells of other classes trail it by a few tenths "
        "of a point: each dataset's line says how it is there.",
        "",
    ]
    table, csum = constrained_tables(cgroups, queries)
    lines += table or ["No records.", ""]
    g1, misses = front_goal(fsum, queries)
    g2, classes = classes_goal(fsum)
    g3, medians = constrained_goal(csum, queries)
    g4, infeasible = infeasible_goal(csum)
    g5, timing = timing_goal({**fgroups, **cgroups})
    lines += [
        "## Seconds per suggestion: bonas beside GPSampler",
        "",
        "Every dataset's runs of a task together (median over runs).",
        "",
        "| task | trial | bonas s | gp s | bonas / gp |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [f"| {t} | {at} | {a:.3f} | {b:.3f} | {a / b:.2f} |" for t, at, a, b in timing]
    if not timing:
        lines.append("| — | — | — | — | — |")
    lines += [
        "",
        "## The goals of issue #21, checked on these records",
        "",
        "1. `BONASSampler` has the lowest hypervolume regret at every budget ("
        + ", ".join(str(c) for c in checkpoints(queries))
        + ") in every objective set and dataset, against NSGA-II, TPE, GPSampler and random "
        f"(mean over runs; a tie counts as lowest): {_verdict(g1)}"
        + (f". Where a peer is lower: {'; '.join(misses)}." if misses else "."),
        "2. `BONASSampler` finds at least 90 % of the true front's classes within "
        f"{queries} queries (median over seeds) on accuracy × parameters: {_verdict(g2)}"
        + (f" ({'; '.join(classes)})." if classes else "."),
        "3. Constrained: `BONASSampler` needs at most half the median queries to the "
        "constrained optimum of the best of GPSampler and TPESampler (a peer's >"
        f"{queries} counts as {queries + 1}): {_verdict(g3)}"
        + (f" ({'; '.join(medians)})." if medians else "."),
        "4. `BONASSampler` never proposes an infeasible cell under a known constraint: "
        + _verdict(g4)
        + (f" (infeasible proposals: {'; '.join(infeasible)})." if infeasible else "."),
        "5. Seconds per suggestion at "
        + "/".join(str(c) for c in TIMING_AT)
        + " trials no slower than GPSampler's in the same grid: "
        + _verdict(g5)
        + (
            " (slower: "
            + "; ".join(
                f"{t} @{at}: {a:.3f} s against {b:.3f} s" for t, at, a, b in timing if a > b
            )
            + ")."
            if g5 is False
            else "."
        ),
        "",
        _records.describe_machine([r.get("machine") for r in [*front, *constrained]]),
        "",
        code_line([*front, *constrained]),
        "",
    ]
    return "\n".join(lines)


def plot(queries: int, path: Path) -> None:
    """HV regret against queries, one panel per (objective set, dataset)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = _groups(load_records("front", queries), "objectives")
    sets = [o for o in SETS if any(k[0] == o for k in groups)]
    datasets = [d for d in DATASETS if any(k[1] == d for k in groups)]
    if not sets:
        return
    fig, axes = plt.subplots(
        len(sets), len(datasets), figsize=(4.4 * len(datasets), 3.6 * len(sets)), squeeze=False
    )
    cmap = plt.get_cmap("tab10")
    for i, objectives in enumerate(sets):
        for j, ds in enumerate(datasets):
            ax = axes[i, j]
            strategies = _order(
                [st for o, d, st in groups if (o, d) == (objectives, ds)], FRONT_STRATEGIES
            )
            for st in strategies:
                s = summarize_front(groups[(objectives, ds, st)])
                x = np.arange(1, len(s["curve"]) + 1)
                color = cmap(FRONT_STRATEGIES.index(st))
                ax.plot(x, s["curve"], label=f"{st} ({s['n']})", color=color)
                ax.fill_between(
                    x,
                    s["curve"] - s["curve_se"],
                    s["curve"] + s["curve_se"],
                    color=color,
                    alpha=0.2,
                )
            ax.set_title(f"{' × '.join(SETS[objectives])}, {ds}", fontsize=9)
            ax.set_xlabel("queries")
            ax.set_ylabel("hypervolume regret")
            ax.set_xscale("log")
            ax.set_yscale("log")
            if strategies:
                ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def cmd_report(ns: argparse.Namespace) -> None:
    text = report(ns.queries)
    OUT.write_text(text)
    print(text)
    plot(ns.queries, PLOT)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    for name, fn, strategies in (
        ("run-front", cmd_run_front, DEFAULT_FRONT),
        ("run-constrained", cmd_run_constrained, DEFAULT_CONSTRAINED),
    ):
        r = sub.add_parser(name)
        r.add_argument("--strategies", default=",".join(strategies))
        r.add_argument("--datasets", default=",".join(DATASETS))
        r.add_argument("--seeds", type=int, default=20)
        r.add_argument("--seed0", type=int, default=0)
        r.add_argument("--queries", type=int, default=200)
        r.add_argument("--jobs", type=int, default=2)
        r.set_defaults(fn=fn)
        if name == "run-front":
            r.add_argument(
                "--sets", default=";".join(SETS), help="objective sets, separated by ';'"
            )
        else:
            r.add_argument("--constraints", default=",".join(CONSTRAINTS))
    rep = sub.add_parser("report")
    rep.add_argument("--queries", type=int, default=200)
    rep.set_defaults(fn=cmd_report)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    ns = parse_args(argv)
    fn: Callable[[argparse.Namespace], None] = ns.fn
    fn(ns)


if __name__ == "__main__":
    sys.exit(main())
