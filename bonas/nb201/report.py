"""NB201's summary of a study: the incumbent's regret and rank against the table, the table's
optimum, the incumbent plot, and the size of the space (``bonas info nb201``).

It works on any Optuna study whose trials ran :meth:`bonas.tabular.TabularBenchmark.objective`
on an NB201 table, whichever sampler made them; the generic parts (counts, the incumbent, the
trial table) are :mod:`bonas.report`'s (the old import path of this module's names, which
still works and warns).

Example:
    >>> import optuna
    >>> from bonas.nb201.table import NB201Benchmark
    >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
    >>> bench = NB201Benchmark("cifar10")
    >>> study = optuna.create_study(
    ...     direction="maximize", sampler=optuna.samplers.RandomSampler(seed=0)
    ... )
    >>> study.set_user_attr(BENCHMARK_ATTR, {"command": "nb201", "space": "nb201",
    ...                                      "dataset": "cifar10", "mode": "mean"})
    >>> study.optimize(bench.objective, n_trials=5)
    >>> summary = summarize(study, bench)
    >>> summary.n_complete, summary.best is not None, summary.n_cells
    (5, True, 15625)
    >>> summary.best.regret == bench.optimum[1] - summary.best.mean_accuracy
    True
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bonas._validation import invalid
from bonas.report import (
    BENCHMARK_ATTR,
    best_trial,
    complete_trials,
    format_counts,
    format_duration,
    format_row,
    new_figure,
    state_counts,
    study_duration,
    total_train_time,
)

if TYPE_CHECKING:
    import optuna
    from optuna.trial import FrozenTrial

    from bonas.nb201.table import NB201Benchmark

__all__ = [
    "BENCHMARK_ATTR",
    "BestTrial",
    "Summary",
    "format_summary",
    "incumbent_curve",
    "make_benchmark",
    "nb201_info",
    "plot_incumbent",
    "summarize",
]


@dataclass(frozen=True)
class BestTrial:
    """The incumbent: the COMPLETE trial of the highest value (the earliest on ties).

    Attributes:
        number: Its trial number.
        arch: Its cell as an NB201 string.
        key: Its NB201 table key (six digits, one op index per edge).
        value: The value the trial returned (one training seed's accuracy in noisy mode).
        mean_accuracy: The cell's mean validation accuracy over its training seeds, in %.
        regret: The optimum's mean accuracy minus the cell's.
        rank: 1 for the best cell of the table; tied cells share the better rank.
    """

    number: int
    arch: str
    key: str
    value: float
    mean_accuracy: float
    regret: float
    rank: int


@dataclass(frozen=True)
class Summary:
    """What a study found (see :func:`summarize`); :meth:`to_dict` is its JSON form.

    Attributes:
        study_name: The study's name.
        space: ``"nb201"``.
        dataset: The NB201 dataset.
        mode: ``"mean"`` or ``"noisy"``.
        sampler: The sampler name recorded at creation (``None`` if unknown).
        seed: The run's seed recorded at creation (``None`` if unknown).
        n_trials: All trials of the study, whatever their state.
        n_complete: COMPLETE trials.
        n_pruned: PRUNED trials.
        n_fail: FAIL trials.
        n_running: RUNNING or WAITING trials.
        best: The incumbent, or ``None`` while no trial is complete.
        n_cells: Cells in the table (15,625).
        optimum_arch: The best cell of the table.
        optimum_value: Its mean accuracy, in %.
        simulated_train_hours: The trials' ``train_time`` user attributes summed, in hours:
            how long training the sampled cells would have taken.
        study_duration_s: From the first trial's start to the last trial's end, across resumed
            runs (``None`` without finished trials).
        wall_time_s: How long the command that made this summary ran its trials, if it did.
    """

    study_name: str
    space: str
    dataset: str
    mode: str
    sampler: str | None
    seed: int | None
    n_trials: int
    n_complete: int
    n_pruned: int
    n_fail: int
    n_running: int
    best: BestTrial | None
    n_cells: int
    optimum_arch: str
    optimum_value: float
    simulated_train_hours: float
    study_duration_s: float | None
    wall_time_s: float | None

    @property
    def n_finished(self) -> int:
        """COMPLETE and PRUNED trials: the ones that count towards a requested total."""
        return self.n_complete + self.n_pruned

    def to_dict(self) -> dict[str, Any]:
        """A dict of plain JSON types."""
        return asdict(self)


def make_benchmark(spec: Mapping[str, Any]) -> NB201Benchmark:
    """The benchmark of a study's :data:`~bonas.report.BENCHMARK_ATTR` spec (see
    :func:`bonas.report.benchmark_spec`); in noisy mode seeded with the spec's ``seed``.

    Raises:
        ConfigurationError: if ``spec`` does not name NB201, one of its datasets and a mode.
    """
    from bonas.nb201.table import NB201_DATASETS, NB201Benchmark
    from bonas.tabular import MODES

    if (
        not isinstance(spec, Mapping)
        or spec.get("space") != "nb201"
        or spec.get("dataset") not in NB201_DATASETS
        or spec.get("mode") not in MODES
    ):
        raise invalid(
            "make_benchmark",
            "spec",
            f"a dict with 'space': 'nb201', 'dataset' (one of {list(NB201_DATASETS)}) and "
            f"'mode' (one of {list(MODES)})",
            spec,
        )
    seed = spec.get("seed")
    return NB201Benchmark(
        spec["dataset"], mode=spec["mode"], seed=seed if spec["mode"] == "noisy" else None
    )


def summarize(
    study: optuna.Study,
    bench: NB201Benchmark,
    *,
    trials: Sequence[FrozenTrial] | None = None,
    wall_time_s: float | None = None,
) -> Summary:
    """Summarize ``study``, whose trials ran ``bench.objective``.

    Args:
        study: The study (maximized).
        bench: Its benchmark (mean accuracy, regret and rank come from the table, so they are
            exact in noisy mode too).
        trials: The study's trials if already read (saves a storage round trip).
        wall_time_s: The wall time of the run that made the trials, if known.

    Returns:
        The summary. Its ``dataset``, ``mode``, ``sampler`` and ``seed`` come from the study's
        :data:`~bonas.report.BENCHMARK_ATTR` attribute where it has one, else from ``bench``.
    """
    if trials is None:
        trials = study.get_trials(deepcopy=False)
    spec = study.user_attrs.get(BENCHMARK_ATTR)
    spec = spec if isinstance(spec, Mapping) else {}
    found = best_trial(trials)
    best = None
    if found is not None:
        arch = bench.space.from_params(found.params)
        best = BestTrial(
            number=found.number,
            arch=bench.space.to_string(arch),
            key=bench.space.to_key(arch),
            value=float(found.value),  # type: ignore[arg-type]
            mean_accuracy=bench.mean_accuracy(arch),
            regret=bench.regret(arch),
            rank=bench.rank(arch),
        )
    optimum_arch, optimum_value = bench.optimum
    seed = spec.get("seed")
    return Summary(
        study_name=study.study_name,
        space=str(spec.get("space", "nb201")),
        dataset=str(spec.get("dataset", bench.dataset)),
        mode=str(spec.get("mode", bench.mode)),
        sampler=spec.get("sampler") if isinstance(spec.get("sampler"), str) else None,
        seed=seed if isinstance(seed, int) else None,
        **state_counts(trials),
        best=best,
        n_cells=bench.n_cells,
        optimum_arch=bench.space.to_string(optimum_arch),
        optimum_value=optimum_value,
        simulated_train_hours=total_train_time(trials) / 3600.0,
        study_duration_s=study_duration(trials),
        wall_time_s=wall_time_s,
    )


def incumbent_curve(
    trials: Sequence[FrozenTrial], bench: NB201Benchmark
) -> tuple[list[float], list[float]]:
    """The values of the COMPLETE trials and the incumbent's mean accuracy after each.

    Returns:
        ``(values, incumbent)``, both as long as the number of COMPLETE trials, in trial-number
        order: ``values[i]`` is what the i-th complete trial returned, ``incumbent[i]`` the mean
        accuracy of the best of the first ``i + 1`` (by returned value; in mean mode the running
        maximum of ``values``).
    """
    values: list[float] = []
    incumbent: list[float] = []
    best_value = -math.inf
    best_mean = math.nan
    for t in complete_trials(trials):
        value = float(t.value)  # type: ignore[arg-type]
        values.append(value)
        if value > best_value:
            best_value = value
            best_mean = bench.mean_accuracy(bench.space.from_params(t.params))
        incumbent.append(best_mean)
    return values, incumbent


def format_summary(summary: Summary) -> str:
    """The summary as a few aligned lines of text (ends with a newline)."""
    s = summary
    sampler = f", sampler {s.sampler}" if s.sampler else ""
    seed = f", seed {s.seed}" if s.seed is not None else ""
    rows = []
    if s.best is None:
        rows.append(("best cell", "none yet (no complete trial)"))
    else:
        b = s.best
        accuracy = f"{b.mean_accuracy:.2f} %"
        if s.mode == "noisy":
            accuracy += f" mean over seeds ({b.value:.2f} % observed)"
        rows += [
            ("best cell", f"{b.arch}  (key {b.key}, trial {b.number})"),
            ("accuracy", f"{accuracy}; optimum {s.optimum_value:.2f} %"),
            ("regret", f"{b.regret:.3f}"),
            ("rank", f"{b.rank:,} of {s.n_cells:,} cells"),
        ]
    rows.append(("trials", format_counts(vars(s))))
    rows.append(("simulated training", f"{s.simulated_train_hours:.1f} h"))
    if s.wall_time_s is not None:
        rows.append(("wall time", format_duration(s.wall_time_s) + " (this run)"))
    elif s.study_duration_s is not None:
        since = " (first trial start to last trial end)"
        rows.append(("wall time", format_duration(s.study_duration_s) + since))
    title = f"NB201 {s.dataset} ({s.mode} accuracy{sampler}{seed}), study {s.study_name!r}\n"
    return title + "".join(format_row(name, text) for name, text in rows)


def plot_incumbent(
    trials: Sequence[FrozenTrial],
    bench: NB201Benchmark,
    path: str | Path,
    *,
    title: str | None = None,
) -> Path:
    """Plot the incumbent's mean accuracy against completed trials, with the optimum marked.

    Grey dots are the values the trials returned, the step line the incumbent's mean
    accuracy, the dashed line the table's optimum, and a star the first trial that found it.
    Uses matplotlib's Agg canvas (no display, no pyplot state).

    Returns:
        The path written (a PNG).

    Raises:
        MissingDependencyError: if matplotlib is not installed.
    """
    fig = new_figure()
    path = Path(path)
    values, incumbent = incumbent_curve(trials, bench)
    optimum_arch, optimum = bench.optimum
    x = list(range(1, len(values) + 1))
    ax = fig.add_subplot()
    label_optimum = f"optimum {optimum:.2f} % ({bench.space.to_key(optimum_arch)})"
    ax.axhline(optimum, color="tab:red", linestyle="--", linewidth=1, label=label_optimum)
    if values:
        low = max(min(incumbent) - 0.5, optimum - 20.0)
        hidden = sum(v < low for v in values)
        dots = "trial value" + (f" ({hidden} below the axis)" if hidden else "")
        ax.scatter(x, values, s=9, color="0.65", zorder=2, label=dots)
        ax.step(
            x,
            incumbent,
            where="post",
            color="tab:blue",
            linewidth=2,
            zorder=3,
            label="incumbent (mean accuracy)",
        )
        found = next((i for i, v in enumerate(incumbent) if v >= optimum), None)
        if found is not None:
            ax.plot(
                x[found],
                optimum,
                marker="*",
                markersize=14,
                color="tab:red",
                zorder=4,
                linestyle="none",
                label=f"optimum found at trial {x[found]}",
            )
        top = max(optimum, max(values))
        ax.set_ylim(low, top + max(0.5, 0.04 * (top - low)))
        ax.set_xlim(0.5, len(x) + 0.5)
        final = optimum - incumbent[-1]
        ax.set_title(title or f"NB201 {bench.dataset} ({bench.mode})", loc="left", fontsize=11)
        ax.set_title(f"final regret {final:.3f}", loc="right", fontsize=9, color="0.3")
    else:
        ax.set_title(title or f"NB201 {bench.dataset} ({bench.mode}): no complete trial yet")
    ax.set_xlabel("completed trials")
    ax.set_ylabel("validation accuracy (%)")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.savefig(path, format="png")
    return path


def nb201_info() -> dict[str, Any]:
    """NB201's size and, per dataset, the optimum of its table.

    Returns:
        ``{"space": "nb201", "n_cells": 15625, "n_classes": 6466, "datasets": {name: {"optimum":
        cell string, "key": table key, "accuracy": mean accuracy in %, ...}}}``.
    """
    import numpy as np

    from bonas.nb201.table import NB201_DATASETS, NB201Benchmark
    from bonas.spaces.nb201 import NB201Space

    space = NB201Space()
    n_classes = len({space.canonical(a) for a in space.enumerate()})
    datasets: dict[str, Any] = {}
    for name in NB201_DATASETS:
        bench = NB201Benchmark(name)
        arch, value = bench.optimum
        means = bench.mean_accuracies
        datasets[name] = {
            "optimum": space.to_string(arch),
            "key": space.to_key(arch),
            "accuracy": value,
            "median_accuracy": float(np.median(means)),
            "train_time_s": bench.train_time(arch),
        }
    return {"space": "nb201", "n_cells": len(space), "n_classes": n_classes, "datasets": datasets}
