"""Several objectives and constraints in ``bonas search nb201``.

``--objectives accuracy,latency[,params,flops]`` makes the study one of several directions
(:class:`~bonas.nb201.objectives.NB201MultiObjective`), and ``--max-params``, ``--max-latency``
and ``--max-flops`` bound a cell's costs, with one objective or several. This module holds what
those options add to the command: the run's :class:`NB201Problem` (read from the arguments or
from a study's spec), its objective and what its sampler is told, the check that some cell
meets the bounds, and the summary and figure of such a study (:func:`summarize`,
:func:`plot`).

Parameters and FLOPs are exact functions of the cell: the bonas samplers are told about them
(known objectives and known constraints, never proposed beyond a bound), while a bound on the
latency, which the table measures, reaches every sampler as Optuna's
``trial.set_constraint("latency", latency - bound)``; so do the bounds on parameters and FLOPs
for the samplers that are not told about them (Optuna's read ``trial.constraints``).

The summary scores the cells a search evaluated as :class:`NB201MultiObjective` does: each on
its mean accuracy and its table values, the hypervolume in normalized units. Under bounds the
front found is that of the cells within them and its regret is taken against the true front of
those cells.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bonas.cli.benchmark import Objective, Progress, Report, StudyRecord
from bonas.cli.units import format_count, format_seconds
from bonas.exceptions import UsageError

if TYPE_CHECKING:
    import numpy as np
    import optuna
    from optuna.trial import FrozenTrial

    from bonas.cli.samplers import Problem
    from bonas.nb201.objectives import NB201MultiObjective
    from bonas.nb201.table import NB201Benchmark
    from bonas.spaces.nb201 import NB201Arch

__all__ = [
    "BOUNDS",
    "NB201Problem",
    "PARETO_FILE",
    "build_objective",
    "check_satisfiable",
    "objective_names",
    "plot",
    "sampler_problem",
    "summarize",
]

#: The objectives ``--objectives`` takes, in the order a study has them.
NAMES = ("accuracy", "latency", "params", "flops")
#: The bound options (argparse ``dest`` and spec key) → the objective each bounds.
BOUNDS = {"max_params": "params", "max_latency": "latency", "max_flops": "flops"}
#: The figure of a study of several objectives.
PARETO_FILE = "pareto.png"
# Objectives the bonas samplers compute from the cell.
_KNOWN = ("params", "flops")
# Rows of the front found that the printed summary lists (summary.json has them all).
_MAX_ROWS = 20


def objective_names(text: str) -> list[str]:
    """An argparse ``type``: objective names separated by commas, ``accuracy`` among them,
    returned in the order ``accuracy, latency, params, flops`` whatever the order given.

    Example:
        >>> objective_names("latency,accuracy")
        ['accuracy', 'latency']
    """
    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    example = "such as accuracy,latency"
    unknown = [n for n in names if n not in NAMES]
    if not names or unknown:
        raise argparse.ArgumentTypeError(
            f"must be names from {', '.join(NAMES)} separated by commas, {example}; got {text!r}"
        )
    if len(set(names)) != len(names):
        raise argparse.ArgumentTypeError(f"names an objective twice, {example}; got {text!r}")
    if "accuracy" not in names:
        raise argparse.ArgumentTypeError(
            f"must include accuracy (a search of the costs alone is answered by the table), "
            f"{example}; got {text!r}"
        )
    return [n for n in NAMES if n in names]


def format_value(name: str, value: float) -> str:
    """A value of objective ``name`` for people: ``'91.61 %'``, ``'12.35 ms'``, ``'1.532 M'``.

    Example:
        >>> format_value("accuracy", 91.606), format_value("latency", 0.0123456)
        ('91.61 %', '12.35 ms')
        >>> format_value("params", 1531546.0), format_value("flops", 220119040.0)
        ('1.532 M', '220.1 M')
    """
    if name == "accuracy":
        return f"{value:.2f} %"
    if name == "latency":
        return f"{value * 1e3:.2f} ms"
    if name == "params":
        return f"{value / 1e6:.3f} M"
    return f"{value / 1e6:.1f} M"


@dataclass(frozen=True)
class NB201Problem:
    """The objectives and bounds of a ``bonas search nb201`` run.

    Attributes:
        objectives: The study's objectives, accuracy first (names of :data:`NAMES`).
        bounds: Bound option (a key of :data:`BOUNDS`) → its value (a count, or seconds), for
            the options given.
    """

    objectives: tuple[str, ...] = ("accuracy",)
    bounds: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> NB201Problem:
        """The problem of the parsed arguments."""
        bounds = {k: float(getattr(args, k)) for k in BOUNDS if getattr(args, k, None) is not None}
        return cls(tuple(getattr(args, "objectives", None) or ("accuracy",)), bounds)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> NB201Problem:
        """The problem a study's spec records (a spec of an earlier version: accuracy alone)."""
        objectives = spec.get("objectives") or ["accuracy"]
        bounds = {k: float(spec[k]) for k in BOUNDS if isinstance(spec.get(k), (int, float))}
        return cls(tuple(str(n) for n in objectives), bounds)

    @property
    def plain(self) -> bool:
        """One objective (accuracy) and no bounds: the search as it always was."""
        return self.objectives == ("accuracy",) and not self.bounds

    @property
    def several(self) -> bool:
        """Whether the study has several objectives."""
        return len(self.objectives) > 1

    @property
    def limits(self) -> dict[str, float]:
        """Bounded objective → its bound."""
        return {BOUNDS[k]: v for k, v in self.bounds.items()}

    def spec(self) -> dict[str, Any]:
        """What the study's spec records of the problem (bounds only where given)."""
        return {"objectives": list(self.objectives), **self.bounds}

    def describe_bounds(self) -> str:
        """``'params <= 500,000, latency <= 10 ms'``."""
        return ", ".join(f"{name} <= {_bound_text(name, v)}" for name, v in self.limits.items())


def _bound_text(name: str, value: float) -> str:
    return format_seconds(value) if name == "latency" else format_count(value)


def _option(key: str) -> str:
    return "--" + key.replace("_", "-")


# -- the run -------------------------------------------------------------------------------------
def make_problem(bench: NB201Benchmark, problem: NB201Problem) -> NB201MultiObjective:
    """The :class:`NB201MultiObjective` of ``problem`` on ``bench``."""
    from bonas.nb201.objectives import NB201MultiObjective

    return NB201MultiObjective(bench, problem.objectives)


def check_satisfiable(mo: NB201MultiObjective, problem: NB201Problem) -> None:
    """An error naming the bound options if no cell of the table meets them all.

    Raises:
        UsageError: if no cell meets a bound, or the bounds together.
    """
    import numpy as np

    if not problem.bounds:
        return
    where = f"NB201 {mo.dataset}"
    counts = {}
    for key, bound in problem.bounds.items():
        name = BOUNDS[key]
        column = mo.column(name)
        n = int(np.count_nonzero(column <= bound))
        if n == 0:
            least = _bound_text(name, float(column.min()))
            raise UsageError(
                f"{_option(key)} {_bound_text(name, bound)}: no cell of {where} has {name} <= "
                f"{_bound_text(name, bound)} (the least is {least}); raise {_option(key)}"
            )
        counts[key] = n
    if not mo.feasible(**problem.bounds).any():
        each = ", ".join(f"{_option(k)}: {n:,} cells" for k, n in counts.items())
        raise UsageError(
            f"no cell of {where} meets {problem.describe_bounds()} together (each alone: "
            f"{each}); loosen one of them"
        )


@dataclass(frozen=True)
class _Bound:
    """A known constraint: an exact cost of the cell minus its bound (feasible when <= 0)."""

    cost: Any
    bound: float

    def __call__(self, cell: NB201Arch) -> float:
        return float(self.cost(cell)) - self.bound


@dataclass(frozen=True)
class _Function:
    """The objective of a run: :meth:`NB201MultiObjective.objective`, then the bounds the
    sampler is not told about as ``trial.set_constraint(name, value - bound)``."""

    mo: NB201MultiObjective
    measured: Mapping[str, float]

    def __call__(self, trial: optuna.Trial) -> Any:
        values = self.mo.objective(trial)
        if self.measured:
            row = self.mo.benchmark.index(self.mo.space.from_params(trial.params))
            for name, bound in self.measured.items():
                trial.set_constraint(name, float(self.mo.column(name)[row]) - bound)
        return values if len(values) > 1 else values[0]


def _told(sampler: str) -> bool:
    from bonas.cli.samplers import KNOWN_FUNCTIONS

    return sampler in KNOWN_FUNCTIONS


def build_objective(bench: NB201Benchmark, problem: NB201Problem, sampler: str) -> Objective:
    """The objective of a run of ``problem`` with ``sampler`` (checked first: it must handle
    several objectives or bounds, and some cell must meet the bounds).

    Raises:
        UsageError: if the sampler cannot run the problem or no cell meets the bounds.
    """
    from bonas.cli.samplers import CONSTRAINED, MULTI_OBJECTIVE

    if problem.several and sampler not in MULTI_OBJECTIVE:
        raise UsageError(
            f"--sampler {sampler} optimizes one objective; --objectives "
            f"{','.join(problem.objectives)} needs one of {', '.join(sorted(MULTI_OBJECTIVE))}"
        )
    if problem.bounds and sampler not in CONSTRAINED:
        options = " ".join(_option(k) for k in problem.bounds)
        raise UsageError(
            f"--sampler {sampler} does not take constraints into account; {options} needs one "
            f"of {', '.join(sorted(CONSTRAINED))}"
        )
    mo = make_problem(bench, problem)
    check_satisfiable(mo, problem)
    told = _told(sampler)
    measured = {n: v for n, v in problem.limits.items() if not (told and n in _KNOWN)}
    progress = _no_best if problem.several else _progress(mo, problem)
    return Objective(
        _Function(mo, measured), mo.space, directions=tuple(mo.directions), progress=progress
    )


def sampler_problem(dataset: str, problem: NB201Problem, sampler: str) -> Problem:
    """What the sampler of a run is told: the known objectives and constraints (parameters,
    FLOPs) for the bonas samplers, the number of objectives for every sampler."""
    from bonas.cli.samplers import Problem
    from bonas.nb201.objectives import ExactCost

    known_objectives: dict[int, Any] = {}
    known_constraints: dict[str, Any] = {}
    if _told(sampler):
        known_objectives = {
            i: ExactCost(n, dataset)  # type: ignore[arg-type]
            for i, n in enumerate(problem.objectives)
            if n in _KNOWN
        }
        known_constraints = {
            n: _Bound(ExactCost(n, dataset), v)  # type: ignore[arg-type]
            for n, v in problem.limits.items()
            if n in _KNOWN
        }
    return Problem(
        n_objectives=len(problem.objectives),
        known_objectives=known_objectives,
        known_constraints=known_constraints,
        constrained=bool(problem.bounds),
    )


def _no_best(trials: Sequence[FrozenTrial]) -> tuple[float | None, float | None]:
    """Several objectives have no best value: the progress bar shows trials, rate and ETA."""
    return None, None


def _progress(mo: NB201MultiObjective, problem: NB201Problem) -> Progress:
    """The progress bar's best value and regret with one objective under bounds: the best
    feasible trial's and its regret against the constrained optimum."""
    feasible = mo.feasible(**problem.bounds)
    optimum = mo.constrained_optimum(**problem.bounds)[1]

    def progress(trials: Sequence[FrozenTrial]) -> tuple[float | None, float | None]:
        best = _best_feasible(mo, trials, feasible)
        if best is None:
            return None, None
        return best[1], optimum - mo.benchmark.mean_accuracy(best[2])

    return progress


# -- what a study found --------------------------------------------------------------------------
@dataclass(frozen=True)
class _Evaluated:
    """The cells of a study's COMPLETE trials (each once, by its first trial)."""

    numbers: list[int]
    rows: np.ndarray
    archs: list[Any]
    #: The row of every COMPLETE trial, repeats included, by trial number.
    trial_rows: np.ndarray


def _complete(trials: Sequence[FrozenTrial]) -> list[FrozenTrial]:
    from optuna.trial import TrialState

    done = [t for t in trials if t.state == TrialState.COMPLETE and t.values is not None]
    return sorted(done, key=lambda t: t.number)


def _evaluated(mo: NB201MultiObjective, trials: Sequence[FrozenTrial]) -> _Evaluated:
    import numpy as np

    numbers: list[int] = []
    rows: list[int] = []
    archs: list[Any] = []
    trial_rows: list[int] = []
    for t in _complete(trials):
        arch = mo.space.from_params(t.params)
        row = mo.benchmark.index(arch)
        trial_rows.append(row)
        if row not in rows:
            numbers.append(t.number)
            rows.append(row)
            archs.append(arch)
    return _Evaluated(numbers, np.asarray(rows, dtype=np.int64), archs,
                      np.asarray(trial_rows, dtype=np.int64))  # fmt: skip


def _best_feasible(
    mo: NB201MultiObjective, trials: Sequence[FrozenTrial], feasible: np.ndarray
) -> tuple[int, float, Any] | None:
    """The COMPLETE trial within the bounds of the highest accuracy it returned (the earliest
    on ties): its number, that value and its cell."""
    best: tuple[int, float, Any] | None = None
    for t in _complete(trials):
        value = float(t.values[0])
        if not math.isfinite(value) or (best is not None and value <= best[1]):
            continue
        arch = mo.space.from_params(t.params)
        if feasible[mo.benchmark.index(arch)]:
            best = (t.number, value, arch)
    return best


@dataclass(frozen=True)
class _Front:
    """A front of cells of the table: rows, hypervolume (normalized units), classes."""

    rows: np.ndarray
    hypervolume: float
    classes: frozenset[str]


def _front_rows(mo: NB201MultiObjective, rows: np.ndarray) -> np.ndarray:
    """Those of ``rows`` that no other of them dominates (ties on every objective kept)."""

    from bonas.pareto import non_dominated

    if len(rows) == 0:
        return rows
    Y = mo.table_values[rows]
    front = Y[non_dominated(Y, mo.directions)]
    return rows[(Y[:, None, :] == front[None, :, :]).all(axis=2).any(axis=1)]


def _true_front(mo: NB201MultiObjective, feasible: np.ndarray | None) -> _Front:
    """The true front, of every cell or of those within the bounds (``feasible``)."""
    import numpy as np

    if feasible is None:
        front = mo.true_front()
        return _Front(front.rows, front.hypervolume, front.classes)
    rows = _front_rows(mo, np.flatnonzero(feasible))
    classes = frozenset(mo.space.canonical(mo.benchmark.arch(int(r))) for r in rows)
    return _Front(rows, mo.hypervolume(mo.table_values[rows]), classes)


def regret_curve(
    mo: NB201MultiObjective,
    trial_rows: np.ndarray,
    true_hypervolume: float,
    feasible: np.ndarray | None = None,
) -> list[float]:
    """The hypervolume regret after each COMPLETE trial (``trial_rows``: their cells' rows in
    trial order), counting only the cells within the bounds."""
    import numpy as np

    from bonas.pareto import maximized, non_dominated

    dirs = mo.directions
    M = maximized(mo.table_values, dirs)
    front = np.zeros((0, M.shape[1]))
    hv = 0.0
    out = []
    for row in trial_rows:
        if feasible is None or feasible[row]:
            y = M[row]
            if not np.any(np.all(front >= y, axis=1)):
                front = np.vstack([front, y])
                front = front[non_dominated(front, ["maximize"] * len(dirs))]
                hv = mo.hypervolume(np.where(np.asarray(dirs) == "maximize", front, -front))
        out.append(max(0.0, true_hypervolume - hv))
    return out


def _cell(mo: NB201MultiObjective, arch: Any) -> dict[str, Any]:
    from bonas.spaces.pool import class_pool

    pool = class_pool(mo.space)
    canonical = mo.space.canonical(arch)
    representative = pool.representatives[pool.index[canonical]]
    return {
        "arch": mo.space.to_string(arch),
        "key": mo.space.to_key(arch),
        "canonical": canonical,
        "class_key": mo.space.to_key(representative),
    }


def _constraints_data(
    mo: NB201MultiObjective,
    problem: NB201Problem,
    trials: Sequence[FrozenTrial],
    evaluated: _Evaluated,
    feasible: np.ndarray,
) -> dict[str, Any]:
    """The summary's part on the bounds: the bounds, the trials beyond them, the best feasible
    trial and the constrained optimum."""
    import numpy as np

    arch, accuracy = mo.constrained_optimum(**problem.bounds)
    best = _best_feasible(mo, trials, feasible)
    best_data = None
    if best is not None:
        number, value, cell = best
        mean = mo.benchmark.mean_accuracy(cell)
        best_data = {"number": number, **_cell(mo, cell), "value": value, "mean_accuracy": mean}
    return {
        "constraints": {BOUNDS[k]: v for k, v in problem.bounds.items()},
        "n_feasible_cells": int(np.count_nonzero(feasible)),
        "n_infeasible": int(np.count_nonzero(~feasible[evaluated.trial_rows])),
        "best_feasible": best_data,
        "constrained_optimum": {**_cell(mo, arch), "accuracy": accuracy},
        "constrained_regret": None if best_data is None else accuracy - best_data["mean_accuracy"],
    }


def _multi_data(
    mo: NB201MultiObjective,
    problem: NB201Problem,
    evaluated: _Evaluated,
    feasible: np.ndarray | None,
) -> dict[str, Any]:
    """The summary's part on several objectives: the front found, its hypervolume regret and
    the true front's classes found."""
    import numpy as np

    true = _true_front(mo, feasible)
    keep = np.ones(len(evaluated.rows), dtype=bool)
    if feasible is not None:
        keep = feasible[evaluated.rows]
    rows = evaluated.rows[keep]
    archs = [a for a, k in zip(evaluated.archs, keep, strict=True) if k]
    numbers = [n for n, k in zip(evaluated.numbers, keep, strict=True) if k]
    front_rows = set(_front_rows(mo, rows).tolist())
    true_rows = set(true.rows.tolist())
    front = []
    for number, row, arch in zip(numbers, rows.tolist(), archs, strict=True):
        if row in front_rows:
            values = dict(zip(mo.objectives, mo.table_values[row].tolist(), strict=True))
            front.append(
                {
                    "number": number,
                    **_cell(mo, arch),
                    "values": values,
                    "on_true_front": row in true_rows,
                }  # fmt: skip
            )
    front.sort(key=lambda c: -c["values"]["accuracy"])  # the most accurate first
    if feasible is None:
        regret = mo.hypervolume_regret(archs)
        found = mo.front_classes_found(archs)
    else:
        regret = max(0.0, true.hypervolume - mo.hypervolume(mo.table_values[rows]))
        classes = {mo.space.canonical(a) for a in archs}
        found = len(classes & true.classes) / len(true.classes)
    return {
        "front": front,
        "hypervolume": true.hypervolume - regret,
        "hypervolume_regret": regret,
        "front_classes_found": found,
        "n_front_classes_found": round(found * len(true.classes)),
        "true_front": {
            "n_cells": len(true.rows),
            "n_classes": len(true.classes),
            "hypervolume": true.hypervolume,
            "constrained": feasible is not None,
        },
    }


def summarize(
    record: StudyRecord, bench: NB201Benchmark, problem: NB201Problem, *, wall_time_s: float | None
) -> Report:
    """The summary of a study of several objectives or under bounds (``problem``)."""
    from bonas.nb201 import report as nb201_report
    from bonas.report import state_counts, study_duration, total_train_time

    mo = make_problem(bench, problem)
    trials = record.trials
    evaluated = _evaluated(mo, trials)
    feasible = mo.feasible(**problem.bounds) if problem.bounds else None
    spec = record.spec
    seed = spec.get("seed")
    if problem.several:
        data: dict[str, Any] = {
            "study_name": record.study.study_name,
            "space": "nb201",
            "dataset": bench.dataset,
            "mode": bench.mode,
            "sampler": spec.get("sampler") if isinstance(spec.get("sampler"), str) else None,
            "seed": seed if isinstance(seed, int) else None,
            **state_counts(trials),
            "n_cells": bench.n_cells,
            "simulated_train_hours": total_train_time(trials) / 3600.0,
            "study_duration_s": study_duration(trials),
            "wall_time_s": wall_time_s,
        }
    else:
        summary = nb201_report.summarize(
            record.study, bench, trials=trials, wall_time_s=wall_time_s
        )
        data = summary.to_dict()
    data["objectives"] = list(mo.objectives)
    data["directions"] = list(mo.directions)
    if problem.several:
        data.update(_multi_data(mo, problem, evaluated, feasible))
    if feasible is not None:
        data.update(_constraints_data(mo, problem, trials, evaluated, feasible))
    text = _format(data, problem, single=None if problem.several else summary)
    return Report(data, text)


def _format(data: Mapping[str, Any], problem: NB201Problem, single: Any) -> str:
    from bonas.nb201 import report as nb201_report
    from bonas.report import format_counts, format_duration, format_row

    d = data
    tail = ""
    if single is not None:
        # The summary of one objective, with the bounds' lines before its trial counts.
        text = nb201_report.format_summary(single)
        at = text.find(format_row("trials", "").rstrip("\n"))
        text, tail = (text[:at], text[at:]) if at >= 0 else (text, "")
    else:
        sampler = f", sampler {d['sampler']}" if d["sampler"] else ""
        seed = f", seed {d['seed']}" if d["seed"] is not None else ""
        text = (
            f"NB201 {d['dataset']} ({d['mode']} accuracy{sampler}{seed}), study "
            f"{d['study_name']!r}\n"
        )
    rows: list[tuple[str, str]] = []
    objectives = d["objectives"]
    if problem.several:
        rows.append(
            (
                "objectives",
                ", ".join(f"{n} ({v})" for n, v in zip(objectives, d["directions"], strict=True)),
            )  # fmt: skip
        )
    if problem.bounds:
        rows.append(("constraints", problem.describe_bounds()))
    if problem.several:
        true = d["true_front"]
        of = "the true front" + (" within the constraints" if true["constrained"] else "")
        on = sum(c["on_true_front"] for c in d["front"])
        rows.append(
            (
                "Pareto front found",
                f"{len(d['front'])} cells, {on} on {of} ({true['n_cells']} cells, "
                f"{true['n_classes']} classes)",
            )  # fmt: skip
        )
    text += "".join(format_row(name, value) for name, value in rows)
    rows = []
    if problem.several:
        text += _front_table(d["front"], objectives)
        rows.append(
            (
                "hypervolume regret",
                f"{d['hypervolume_regret']:.4f} (hypervolume {d['hypervolume']:.4f} of the true "
                f"front's {d['true_front']['hypervolume']:.4f}, normalized)",
            )  # fmt: skip
        )
        n_classes = d["true_front"]["n_classes"]
        rows.append(
            (
                "front classes found",
                f"{d['n_front_classes_found']} of {n_classes} "
                f"({100 * d['front_classes_found']:.0f} %)",
            )  # fmt: skip
        )
    if problem.bounds:
        optimum = d["constrained_optimum"]
        best = d["best_feasible"]
        if best is None:
            rows.append(("best feasible cell", "none yet (no complete trial within them)"))
        else:
            rows.append(("best feasible cell", f"{best['arch']}  (key {best['key']}, trial "
                                               f"{best['number']})"))  # fmt: skip
            accuracy = f"{best['mean_accuracy']:.2f} %"
            if d["mode"] == "noisy":
                accuracy += f" mean over seeds ({best['value']:.2f} % observed)"
            rows.append(("feasible accuracy", f"{accuracy}; constrained optimum "
                                              f"{optimum['accuracy']:.2f} % "
                                              f"(key {optimum['key']})"))  # fmt: skip
            rows.append(("constrained regret", f"{d['constrained_regret']:.3f}"))
        n = d["n_complete"]
        rows.append(("infeasible trials", f"{d['n_infeasible']} of {n} complete"))
    if not problem.several:
        return text + "".join(format_row(name, value) for name, value in rows) + tail
    if problem.several:
        rows.append(("trials", format_counts(d)))
        rows.append(("simulated training", f"{d['simulated_train_hours']:.1f} h"))
        if d["wall_time_s"] is not None:
            rows.append(("wall time", format_duration(d["wall_time_s"]) + " (this run)"))
        elif d["study_duration_s"] is not None:
            since = " (first trial start to last trial end)"
            rows.append(("wall time", format_duration(d["study_duration_s"]) + since))
    return text + "".join(format_row(name, value) for name, value in rows)


def _front_table(front: Sequence[Mapping[str, Any]], objectives: Sequence[str]) -> str:
    """The cells of the front found, one line each (``*``: on the true front)."""
    if not front:
        return "    (no complete trial yet)\n"
    width = 11
    head = "".join(f"{n:<{width}}" for n in objectives) + f"{'key':<9}{'class':<8}cell\n"
    lines = ["    " + head]
    for c in front[:_MAX_ROWS]:
        values = "".join(f"{format_value(n, c['values'][n]):<{width}}" for n in objectives)
        star = "*" if c["on_true_front"] else " "
        lines.append(f"    {values}{c['key']}{star:<3}{c['class_key']:<8}{c['arch']}\n")
    if len(front) > _MAX_ROWS:
        lines.append(f"    ... and {len(front) - _MAX_ROWS} more (summary.json lists them all)\n")
    lines.append("    (*: on the true front; class: the key of its class's first cell)\n")
    return "".join(lines)


# -- the figure ----------------------------------------------------------------------------------
def plot(
    record: StudyRecord, bench: NB201Benchmark, problem: NB201Problem, path: Path, *, title: str
) -> Path:
    """``pareto.png`` of a study of several objectives: the front found against the true front
    (the first two objectives) and the hypervolume regret after each trial; with one
    objective under bounds, the best feasible accuracy after each trial against the
    constrained optimum.

    Raises:
        MissingDependencyError: if matplotlib is not installed.
    """
    import numpy as np

    from bonas.report import new_figure

    mo = make_problem(bench, problem)
    feasible = mo.feasible(**problem.bounds) if problem.bounds else None
    evaluated = _evaluated(mo, record.trials)
    if not problem.several:
        assert feasible is not None  # a study is summarized here for bounds or objectives
        return _plot_feasible(mo, problem, record.trials, evaluated, feasible, path, title)
    fig = new_figure(figsize=(10.0, 4.2))
    left, right = fig.subplots(1, 2, width_ratios=[1.3, 1.0])
    true = _true_front(mo, feasible)
    # Accuracy (the first objective) on the vertical axis, the second on the horizontal one.
    a_name, c_name = mo.objectives[:2]
    scale = {"accuracy": 1.0, "latency": 1e3, "params": 1e-6, "flops": 1e-6}
    unit = {"accuracy": "%", "latency": "ms", "params": "M", "flops": "M"}

    def xy(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        Y = mo.table_values[rows]
        return Y[:, 1] * scale[c_name], Y[:, 0] * scale[a_name]

    keep = evaluated.rows if feasible is None else evaluated.rows[feasible[evaluated.rows]]
    found = _front_rows(mo, keep)
    if len(evaluated.rows):
        left.scatter(*xy(evaluated.rows), s=9, color="0.7", zorder=2, label="cells evaluated")
    # With two objectives a front is a staircase; with more, its projection is not.
    stairs = len(mo.objectives) == 2
    tx, ty = xy(true.rows)
    order = np.argsort(tx, kind="stable")
    if stairs:
        left.step(tx[order], ty[order], where="post", color="tab:red", linewidth=1, alpha=0.7)
    left.scatter(tx, ty, s=28, facecolors="none", edgecolors="tab:red", zorder=3,
                 label=f"true front ({len(true.rows)} cells)")  # fmt: skip
    if len(found):
        fx, fy = xy(found)
        order = np.argsort(fx, kind="stable")
        if stairs:
            left.step(fx[order], fy[order], where="post", color="tab:blue", linewidth=1.5,
                      zorder=4)  # fmt: skip
        left.scatter(fx, fy, s=18, color="tab:blue", zorder=5,
                     label=f"front found ({len(found)} cells)")  # fmt: skip
    bound = problem.limits.get(c_name)
    if bound is not None:
        left.axvline(bound * scale[c_name], color="0.3", linestyle="--", linewidth=1,
                     label=f"{c_name} <= {_bound_text(c_name, bound)}")  # fmt: skip
    left.set_xlabel(f"{c_name} ({unit[c_name]})")
    left.set_ylabel(f"{a_name}, mean over seeds ({unit[a_name]})")
    if len(mo.objectives) > 2:
        rest = ", ".join(mo.objectives[2:])
        left.set_title(f"{a_name} × {c_name} of {len(mo.objectives)} objectives: the fronts "
                       f"are by all of them (also {rest})", loc="left", fontsize=9,
                       color="0.3")  # fmt: skip
    left.set_ylim(max(float(ty.min()) - 10.0, float(mo.column(a_name).min())), None)
    left.grid(True, alpha=0.3)
    left.legend(loc="lower right", fontsize=8)

    curve = regret_curve(mo, evaluated.trial_rows, true.hypervolume, feasible)
    trials_x = list(range(1, len(curve) + 1))
    if curve:
        right.step(trials_x, curve, where="post", color="tab:blue", linewidth=2)
        right.set_xlim(0.5, len(curve) + 0.5)
        right.set_title(f"final {curve[-1]:.4f}", loc="right", fontsize=9, color="0.3")
    right.set_ylim(0.0, None)
    right.set_xlabel("completed trials")
    right.set_ylabel("hypervolume regret (normalized)")
    right.grid(True, alpha=0.3)
    fig.suptitle(title, x=0.01, horizontalalignment="left", fontsize=11)
    fig.savefig(path, format="png")
    return path


def _plot_feasible(
    mo: NB201MultiObjective,
    problem: NB201Problem,
    trials: Sequence[FrozenTrial],
    evaluated: _Evaluated,
    feasible: np.ndarray,
    path: Path,
    title: str,
) -> Path:
    import numpy as np

    from bonas.report import new_figure

    fig = new_figure()
    ax = fig.add_subplot()
    _, optimum = mo.constrained_optimum(**problem.bounds)
    means = mo.benchmark.mean_accuracies[evaluated.trial_rows]
    ok = feasible[evaluated.trial_rows]
    x = np.arange(1, len(means) + 1)
    ax.axhline(optimum, color="tab:red", linestyle="--", linewidth=1,
               label=f"constrained optimum {optimum:.2f} %")  # fmt: skip
    if len(x):
        ax.scatter(x[ok], means[ok], s=9, color="0.55", zorder=2, label="feasible cell")
        if (~ok).any():
            ax.scatter(x[~ok], means[~ok], s=14, marker="x", color="tab:orange", zorder=2,
                       label="beyond the constraints")  # fmt: skip
        best = np.maximum.accumulate(np.where(ok, means, -np.inf))
        shown = np.isfinite(best)
        if shown.any():
            ax.step(x[shown], best[shown], where="post", color="tab:blue", linewidth=2,
                    zorder=3, label="best feasible (mean accuracy)")  # fmt: skip
        low = max(float(means.min()) - 0.5, optimum - 20.0)
        ax.set_ylim(low, max(optimum, float(means.max())) + 1.0)
        ax.set_xlim(0.5, len(x) + 0.5)
    ax.set_title(title, loc="left", fontsize=11)
    ax.set_title(problem.describe_bounds(), loc="right", fontsize=9, color="0.3")
    ax.set_xlabel("completed trials")
    ax.set_ylabel("validation accuracy (%)")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.savefig(path, format="png")
    return path
