"""What a study found, whatever its benchmark: trial counts, the incumbent, durations, the
trial table and figures.

These are the parts of a summary that hold for every benchmark ``bonas search`` runs; each
``bonas search`` command adds what only it knows (NB201's regret and rank against its table,
the epochs the digits search saved by pruning). The benchmark a study ran on is recorded when
``bonas search`` creates it, as the study user attribute :data:`BENCHMARK_ATTR`
(``{"command": "nb201", "space": "nb201", "dataset": "cifar10", "mode": "mean", ...}``);
:func:`benchmark_spec` reads it back, and ``bonas report`` hands the study to the command it
names.

NB201's summary of a study (``BestTrial``, ``Summary``, ``summarize``, ``format_summary``,
``incumbent_curve``, ``plot_incumbent``, ``make_benchmark``, ``nb201_info``) is defined beside
the ``bonas search nb201`` command and can still be imported from here.

Example:
    >>> import optuna
    >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
    >>> study = optuna.create_study(
    ...     direction="maximize", sampler=optuna.samplers.RandomSampler(seed=0)
    ... )
    >>> study.optimize(lambda trial: trial.suggest_float("x", 0.0, 1.0), n_trials=5)
    >>> state_counts(study.trials)
    {'n_trials': 5, 'n_complete': 5, 'n_pruned': 0, 'n_fail': 0, 'n_running': 0}
    >>> best_trial(study.trials).number == study.best_trial.number
    True
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bonas._lazy import moved_names
from bonas.exceptions import ConfigurationError, MissingDependencyError

if TYPE_CHECKING:
    import optuna
    from matplotlib.figure import Figure
    from optuna.trial import FrozenTrial

__all__ = [
    "BENCHMARK_ATTR",
    "CSV_COLUMNS",
    "MissingDependencyError",
    "benchmark_spec",
    "best_trial",
    "complete_trials",
    "finished_count",
    "format_counts",
    "format_duration",
    "format_row",
    "new_figure",
    "state_counts",
    "study_duration",
    "total_train_time",
    "write_trials_csv",
]

#: The study user attribute naming the benchmark a study ran on.
BENCHMARK_ATTR = "bonas:benchmark"

#: The columns of :func:`write_trials_csv` by default: the user attributes a tabular
#: benchmark's objective records on each trial, between the trial's number, state and value and
#: the time it ended.
CSV_COLUMNS: tuple[str, ...] = (
    "number",
    "state",
    "value",
    "arch",
    "canonical",
    "regret",
    "train_time",
    "datetime",
)

# NB201's summary moved beside the `bonas search nb201` command; its names still work from here,
# imported on first use (so importing this module imports no command).
_MOVED = dict.fromkeys(
    ("BestTrial", "Summary", "summarize", "format_summary", "incumbent_curve", "plot_incumbent")
    + ("make_benchmark", "nb201_info"),
    "bonas.cli.nb201_report",
)


# -- the benchmark of a study --------------------------------------------------------------------
def benchmark_spec(study: optuna.Study) -> dict[str, Any]:
    """The benchmark recorded on ``study`` (its :data:`BENCHMARK_ATTR` user attribute).

    Raises:
        ConfigurationError: if the attribute is missing or is not a dict.
    """
    spec = study.user_attrs.get(BENCHMARK_ATTR)
    if spec is None:
        raise ConfigurationError(
            f"The study {study.study_name!r} has no {BENCHMARK_ATTR!r} user attribute, so bonas "
            "does not know which benchmark its trials ran on. Report on a study made by "
            "`bonas search`, or set the attribute, e.g. study.set_user_attr("
            f"{BENCHMARK_ATTR!r}, {{'command': 'nb201', 'space': 'nb201', 'dataset': 'cifar10', "
            "'mode': 'mean'})."
        )
    if not isinstance(spec, Mapping):
        raise ConfigurationError(
            f"The {BENCHMARK_ATTR!r} user attribute of the study {study.study_name!r} must be a "
            f"dict naming the `bonas search` command that made it. Got {spec!r} instead."
        )
    return dict(spec)


# -- trials --------------------------------------------------------------------------------------
def finished_count(trials: Sequence[FrozenTrial]) -> int:
    """COMPLETE and PRUNED trials: what a requested number of trials (``--trials``) counts."""
    from optuna.trial import TrialState

    return sum(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in trials)


def state_counts(trials: Sequence[FrozenTrial]) -> dict[str, int]:
    """``n_trials`` (all of them), ``n_complete``, ``n_pruned``, ``n_fail`` and ``n_running``
    (RUNNING or WAITING)."""
    from optuna.trial import TrialState

    states = [t.state for t in trials]
    return {
        "n_trials": len(trials),
        "n_complete": states.count(TrialState.COMPLETE),
        "n_pruned": states.count(TrialState.PRUNED),
        "n_fail": states.count(TrialState.FAIL),
        "n_running": states.count(TrialState.RUNNING) + states.count(TrialState.WAITING),
    }


def complete_trials(trials: Sequence[FrozenTrial]) -> list[FrozenTrial]:
    """The COMPLETE trials with a finite value, by trial number."""
    from optuna.trial import TrialState

    done = [
        t
        for t in trials
        if t.state == TrialState.COMPLETE and t.value is not None and math.isfinite(t.value)
    ]
    return sorted(done, key=lambda t: t.number)


def best_trial(trials: Sequence[FrozenTrial]) -> FrozenTrial | None:
    """The incumbent of a maximized study: the COMPLETE trial of the highest finite value, the
    earliest on ties (``None`` while there is none)."""
    best: FrozenTrial | None = None
    for t in complete_trials(trials):
        if best is None or t.value > best.value:  # type: ignore[operator]
            best = t
    return best


def total_train_time(trials: Sequence[FrozenTrial]) -> float:
    """The trials' ``train_time`` user attributes summed, in seconds (real training, or the time
    a tabular benchmark says training would have taken)."""
    return sum(
        float(t.user_attrs["train_time"])
        for t in trials
        if isinstance(t.user_attrs.get("train_time"), (int, float))
    )


def study_duration(trials: Sequence[FrozenTrial]) -> float | None:
    """Seconds from the first trial's start to the last trial's end, across resumed runs
    (``None`` without a finished trial)."""
    starts = [t.datetime_start for t in trials if t.datetime_start is not None]
    ends = [t.datetime_complete for t in trials if t.datetime_complete is not None]
    return (max(ends) - min(starts)).total_seconds() if starts and ends else None


def format_duration(seconds: float, *, clock: bool = False) -> str:
    """A span of time for people: ``'7.4 s'``, ``'12 min 34 s'``, ``'1 h 02 min'``; with
    ``clock``, as a clock shows it: ``'0:07'``, ``'12:34'``, ``'1:02:03'``. ``'?'`` for an
    unknown span (NaN, infinite or negative).

    Example:
        >>> format_duration(7.4), format_duration(754), format_duration(3723)
        ('7.4 s', '12 min 34 s', '1 h 02 min')
        >>> format_duration(7.4, clock=True), format_duration(3723, clock=True)
        ('0:07', '1:02:03')
        >>> format_duration(float("nan"))
        '?'
    """
    if not math.isfinite(seconds) or seconds < 0:
        return "?"
    if seconds < 60 and not clock:
        return f"{seconds:.1f} s"
    hours, rest = divmod(round(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if clock:
        return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {secs:02d} s"


def format_row(name: str, text: str) -> str:
    """One aligned line of a printed summary, with its newline.

    Example:
        >>> format_row("best cell", "none yet")
        '  best cell           none yet\\n'
    """
    return f"  {name:<20}{text}\n"


def format_counts(counts: Mapping[str, Any]) -> str:
    """The trial states of :func:`state_counts` in words.

    Example:
        >>> format_counts({"n_complete": 9, "n_pruned": 2, "n_fail": 0, "n_running": 1})
        '9 complete (2 pruned, 1 running)'
    """
    others = [
        f"{counts[key]} {word}"
        for key, word in (("n_pruned", "pruned"), ("n_fail", "failed"), ("n_running", "running"))
        if counts[key]
    ]
    return f"{counts['n_complete']} complete" + (f" ({', '.join(others)})" if others else "")


# -- files ---------------------------------------------------------------------------------------
def write_trials_csv(
    trials: Sequence[FrozenTrial],
    path: str | Path,
    *,
    attrs: Sequence[str] = CSV_COLUMNS[3:-1],
    floats: Sequence[str] = ("regret", "train_time"),
    objectives: Sequence[str] | None = None,
    constraints: Sequence[str] = (),
) -> Path:
    """Write one row per trial: ``number``, ``state``, ``value``, the user attributes
    ``attrs`` and ``datetime`` (by default the columns :data:`CSV_COLUMNS`).

    ``value`` and the attributes are empty where a trial has none, and the attributes in
    ``floats`` are written as floats; ``datetime`` is when the trial ended (ISO 8601, local
    time of the storage), or when it started if it has not ended.

    A study with several objectives names them in ``objectives`` (one per direction, in
    order): each gets a column of its own in place of ``value``. ``constraints`` adds the
    columns ``constraint:KEY``, the values trials recorded with ``trial.set_constraint(KEY,
    value)`` (feasible when ``<= 0``).

    Returns:
        The path written.
    """
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        values_header = ["value"] if objectives is None else list(objectives)
        keys = list(constraints)
        writer.writerow(
            ["number", "state", *values_header, *attrs, *(f"constraint:{k}" for k in keys)]
            + ["datetime"]
        )
        for t in sorted(trials, key=lambda t: t.number):
            when = t.datetime_complete or t.datetime_start
            user = t.user_attrs
            if objectives is None:
                values = ["" if t.value is None else repr(float(t.value))]
            elif t.values is None:
                values = [""] * len(objectives)
            else:
                values = [repr(float(v)) for v in t.values]
            writer.writerow(
                [
                    t.number,
                    t.state.name,
                    *values,
                    *(_number(user.get(a)) if a in floats else user.get(a, "") for a in attrs),
                    *(_number(t.constraints.get(k)) for k in keys),
                    "" if when is None else when.isoformat(timespec="seconds"),
                ]
            )
    return path


def _number(value: Any) -> str:
    return repr(float(value)) if isinstance(value, (int, float)) else ""


def new_figure(figsize: tuple[float, float] = (7.0, 4.2)) -> Figure:
    """A matplotlib figure on the Agg canvas (no display, no pyplot state).

    Raises:
        MissingDependencyError: if matplotlib is not installed.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as err:
        raise MissingDependencyError(
            f"Plotting needs matplotlib, which is not installed ({err}). Install it with "
            "`pip install 'bonas[plot]'` (or `pip install matplotlib`)."
        ) from err
    fig = Figure(figsize=figsize, dpi=120, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


__getattr__ = moved_names(__name__, dict.fromkeys(_MOVED, "bonas.nb201.report"))
