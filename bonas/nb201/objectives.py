"""NAS-Bench-201 as a multi-objective benchmark: accuracy, latency, parameters and FLOPs.

:class:`NB201MultiObjective` puts any subset of NB201's four objectives (:data:`OBJECTIVES`)
over one dataset's table into one Optuna objective, with the directions that go with them,
and knows the true Pareto front of that subset over all 15,625 cells:

* ``accuracy`` (maximize): the table's validation accuracy, as ``bench.query`` gives it (the
  mean over training seeds, or one seed's in ``"noisy"`` mode); learned.
* ``latency`` (minimize): the table's measured latency in seconds; learned.
* ``params`` (minimize): the exact parameter count of the cell's network
  (:func:`~bonas.nb201.costs.count_params`); known.
* ``flops`` (minimize): the exact FLOPs of one forward pass on one image
  (:func:`~bonas.nb201.costs.count_flops`); known.

*Known* objectives are exact functions of the cell, computed rather than learned: a sampler
that is told about them (:attr:`NB201MultiObjective.known`) never has to model them.

Scoring a search: every objective is normalized over the 15,625 cells of the dataset, 1 being
the best value of that objective in the table and 0 the worst (mean accuracy for
``accuracy``), so the reference point of the hypervolume is 0 in every objective and a
hypervolume lies in ``[0, 1]``. The hypervolume regret of the cells a search evaluated is
HV(true front) − HV(their front), each cell scored on its mean accuracy and its table values
whatever the mode. Hypervolumes are :func:`bonas.pareto.hypervolume` (BoTorch's).

Since parameters and FLOPs depend on the numbers of convolution edges, which differ between
the members of one isomorphism class (a convolution on an edge that feeds nothing still has
weights), a front is a front of *cells*; its *classes* are the canonical forms
(``space.canonical``) of its cells.

Example:
    >>> import optuna
    >>> mo = NB201MultiObjective("cifar10", ("accuracy", "params"))
    >>> mo.directions
    ['maximize', 'minimize']
    >>> front = mo.true_front()
    >>> len(front) == len(front.cells), round(mo.hypervolume_regret(front.cells), 12)
    (True, 0.0)
    >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
    >>> study = optuna.create_study(
    ...     directions=mo.directions, sampler=optuna.samplers.RandomSampler(seed=0)
    ... )
    >>> study.optimize(mo.objective, n_trials=5)
    >>> len(study.trials[0].values)
    2
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from bonas._validation import check_number, invalid
from bonas.exceptions import ConfigurationError
from bonas.nb201.costs import count_flops, count_params, flops_table, params_table
from bonas.nb201.table import NB201Benchmark
from bonas.pareto import hypervolume, non_dominated
from bonas.spaces.nb201 import NB201Arch

if TYPE_CHECKING:
    import os

    import optuna

    from bonas.spaces.nb201 import NB201Space
    from bonas.tabular import Mode

__all__ = [
    "KNOWN_OBJECTIVES",
    "OBJECTIVES",
    "ExactCost",
    "NB201MultiObjective",
    "ParetoFront",
]

Direction = Literal["maximize", "minimize"]

#: NB201's objectives and their directions.
OBJECTIVES: dict[str, Direction] = {
    "accuracy": "maximize",
    "latency": "minimize",
    "params": "minimize",
    "flops": "minimize",
}
#: The objectives that are exact functions of the cell (computed, never learned).
KNOWN_OBJECTIVES: tuple[str, ...] = ("params", "flops")

_OWNER = "NB201MultiObjective"
#: The constraints :meth:`NB201MultiObjective.feasible` takes → the objective each bounds.
_CONSTRAINTS = {"max_params": "params", "max_latency": "latency", "max_flops": "flops"}


@dataclass(frozen=True)
class ExactCost:
    """A known objective as a callable ``cell → float``: the parameters or FLOPs of a cell on
    one dataset (:func:`~bonas.nb201.costs.count_params`, :func:`~bonas.nb201.costs.count_flops`).

    Attributes:
        name: ``"params"`` or ``"flops"``.
        dataset: The NB201 dataset.

    Example:
        >>> ExactCost("params", "cifar10")(("none",) * 6)
        73306.0
    """

    name: Literal["params", "flops"]
    dataset: str

    def __call__(self, cell: NB201Arch | Sequence[str] | str) -> float:
        count = count_params if self.name == "params" else count_flops
        return float(count(cell, self.dataset))


@dataclass(frozen=True, eq=False)
class ParetoFront:
    """The true Pareto front of some objectives over all cells of a table.

    Attributes:
        objectives: The objectives' names, one per column of :attr:`values`.
        rows: ``(k,)`` the front's rows in the table (``bench.index``), ascending.
        cells: The front's cells, in the order of :attr:`rows`.
        values: ``(k, m)`` their values in the objectives' units (mean accuracy).
        canonical: The canonical form (isomorphism class) of each cell.
        hypervolume: The front's hypervolume in normalized units (see the module docstring).
        classes: The set of :attr:`canonical`, the front's isomorphism classes.
    """

    objectives: tuple[str, ...]
    rows: np.ndarray
    cells: tuple[NB201Arch, ...]
    values: np.ndarray
    canonical: tuple[str, ...]
    hypervolume: float
    classes: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "classes", frozenset(self.canonical))

    def __len__(self) -> int:
        return len(self.cells)


class NB201MultiObjective:
    """Several of NB201's objectives on one dataset as an Optuna multi-objective problem.

    Args:
        benchmark: An :class:`~bonas.nb201.table.NB201Benchmark`, or a dataset name to build one
            (``"cifar10"``, ``"cifar100"``, ``"imagenet16-120"``).
        objectives: The objectives, in the order :meth:`objective` returns them: distinct names
            of :data:`OBJECTIVES`, at least one.
        mode: ``"mean"`` (the default) or ``"noisy"``, for a benchmark built from a dataset
            name (a benchmark given as such keeps its own).
        seed: The noisy draws' seed, for a benchmark built from a dataset name.
        data_dir: Where the tables are, for a benchmark built from a dataset name (see
            :class:`~bonas.nb201.table.NB201Benchmark`).

    Attributes:
        benchmark: The table.
        dataset: Its dataset.
        space: Its :class:`~bonas.spaces.nb201.NB201Space`.
        objectives: The objectives' names.
        directions: ``"maximize"`` / ``"minimize"`` per objective: pass them to
            ``optuna.create_study(directions=...)``.
        known: Objective index → :class:`ExactCost` for the objectives that are exact functions
            of the cell (``params``, ``flops``).

    Raises:
        ConfigurationError: for an unknown, repeated or missing objective, an unknown dataset,
            mode or seed, or ``mode`` / ``seed`` / ``data_dir`` given with a benchmark.

    Example:
        >>> mo = NB201MultiObjective("cifar100", ("accuracy", "latency", "params"))
        >>> mo.directions, sorted(mo.known)
        (['maximize', 'minimize', 'minimize'], [2])
        >>> mo.values(["333133"]).shape, mo.reference.tolist()
        ((1, 3), [0.0, 0.0, 0.0])
    """

    def __init__(
        self,
        benchmark: NB201Benchmark | str,
        objectives: Sequence[str] = ("accuracy", "latency"),
        *,
        mode: Mode | None = None,
        seed: int | None = None,
        data_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self.objectives: tuple[str, ...] = _check_objectives(objectives)
        if isinstance(benchmark, NB201Benchmark):
            given = {"mode": mode, "seed": seed, "data_dir": data_dir}
            extra = {k: v for k, v in given.items() if v is not None}
            if extra:
                raise ConfigurationError(
                    f"The {sorted(extra)} parameter(s) of {_OWNER} must be left out when a "
                    f"benchmark is given (it has its own). Got {extra!r} instead. Pass them to "
                    f"NB201Benchmark, or give a dataset name."
                )
            self.benchmark = benchmark
        elif isinstance(benchmark, str):
            self.benchmark = NB201Benchmark(
                benchmark, mode="mean" if mode is None else mode, seed=seed, data_dir=data_dir
            )
        else:
            raise invalid(
                _OWNER, "benchmark", "an NB201Benchmark or an NB201 dataset name", benchmark
            )
        self.dataset: str = self.benchmark.dataset
        self.space: NB201Space = self.benchmark.space
        self.directions: list[Direction] = [OBJECTIVES[name] for name in self.objectives]
        self.known: dict[int, ExactCost] = {
            i: ExactCost(name, self.dataset)  # type: ignore[arg-type]
            for i, name in enumerate(self.objectives)
            if name in KNOWN_OBJECTIVES
        }
        self._front: ParetoFront | None = None

    def __repr__(self) -> str:
        return (
            f"{_OWNER}({self.dataset!r}, objectives={self.objectives!r}, "
            f"mode={self.mode!r}, seed={self.seed!r})"
        )

    @property
    def mode(self) -> Mode:
        """The benchmark's mode (how :meth:`objective` reads accuracy)."""
        return self.benchmark.mode

    @property
    def seed(self) -> int | None:
        """The benchmark's seed of noisy draws."""
        return self.benchmark.seed

    # -- the Optuna objective --------------------------------------------------------------------
    def objective(self, trial: optuna.trial.BaseTrial) -> tuple[float, ...]:
        """Ask ``trial`` for a cell (``space.suggest``) and return its values, one per objective.

        Accuracy is the benchmark's :meth:`~bonas.tabular.TabularBenchmark.query` (one seed's in
        ``"noisy"`` mode); the trial gets the user attributes of
        :meth:`NB201Benchmark.objective <bonas.tabular.TabularBenchmark.objective>` (``arch``,
        ``canonical``, ``train_time``, ``model_size``, ``latency``, ``regret``).
        """
        arch = self.space.suggest(trial)
        row = self.benchmark.index(arch)
        values = tuple(
            self.benchmark.query(arch) if name == "accuracy" else float(_column(self, name)[row])
            for name in self.objectives
        )
        self.benchmark._record_facts(trial, arch, row)
        return values

    # -- values of cells -------------------------------------------------------------------------
    def column(self, name: str) -> np.ndarray:
        """``(15625,)`` read-only values of objective ``name`` (any of :data:`OBJECTIVES`, in
        this problem or not) for every row, in its units; accuracy is the mean accuracy."""
        _check_name(name, "name", f"{_OWNER}.column")
        return _column(self, name)

    @functools.cached_property
    def table_values(self) -> np.ndarray:
        """``(15625, m)`` read-only values of the objectives for every row (mean accuracy)."""
        out = np.column_stack([_column(self, name) for name in self.objectives])
        out.flags.writeable = False
        return out

    def values(self, archs: Iterable[NB201Arch | str]) -> np.ndarray:
        """``(n, m)`` values of the cells ``archs`` (cells, cell strings or table keys), each
        on its mean accuracy and its table values, whatever the mode."""
        rows = [self.benchmark.index(arch) for arch in archs]
        return self.table_values[np.asarray(rows, dtype=np.int64)].copy()

    def normalized(self, values: Any) -> np.ndarray:
        """``(n, m)`` ``values`` (in the objectives' units) rescaled per objective so that the
        best value over the table is 1 and the worst 0 (higher is better in every column)."""
        Y = np.asarray(values, dtype=np.float64)
        if Y.ndim != 2 or Y.shape[1] != len(self.objectives):
            raise invalid(
                f"{_OWNER}.normalized",
                "values",
                f"an (n, {len(self.objectives)}) array, one column per objective "
                f"{list(self.objectives)}",
                f"shape {Y.shape}",
            )
        best, worst = self._bounds
        return (Y - worst) / (best - worst)

    @functools.cached_property
    def _bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """The best and the worst value of each objective over the table."""
        high, low = self.table_values.max(axis=0), self.table_values.min(axis=0)
        maximize = np.array([d == "maximize" for d in self.directions])
        return np.where(maximize, high, low), np.where(maximize, low, high)

    # -- hypervolume and the true front ----------------------------------------------------------
    @property
    def reference(self) -> np.ndarray:
        """``(m,)`` the hypervolume's reference point in normalized units: 0, the worst value of
        every objective over the table."""
        return np.zeros(len(self.objectives))

    def hypervolume(self, values: Any) -> float:
        """The hypervolume of ``values`` (``(n, m)``, the objectives' units) in normalized units,
        from :attr:`reference`; in ``[0, 1]`` for values of cells of the table."""
        m = len(self.objectives)
        return hypervolume(self.normalized(values), ["maximize"] * m, self.reference)

    def true_front(self) -> ParetoFront:
        """The cells that no cell of the table dominates on the objectives (mean accuracy);
        cells that tie on every objective belong together. Computed once."""
        if self._front is None:
            Y = self.table_values
            front = Y[non_dominated(Y, self.directions)]
            in_front = (Y[:, None, :] == front[None, :, :]).all(axis=2).any(axis=1)
            rows = np.flatnonzero(in_front)
            cells = tuple(self.benchmark.arch(int(row)) for row in rows)
            rows.flags.writeable = False
            values = Y[rows]
            values.flags.writeable = False
            self._front = ParetoFront(
                objectives=self.objectives,
                rows=rows,
                cells=cells,
                values=values,
                canonical=tuple(self.space.canonical(cell) for cell in cells),
                hypervolume=self.hypervolume(values),
            )
        return self._front

    def hypervolume_regret(self, archs: Iterable[NB201Arch | str]) -> float:
        """HV(true front) − HV(front of ``archs``) in normalized units, each cell on its mean
        accuracy and table values; 0 when ``archs`` hold the front (rounding is cut at 0)."""
        return max(0.0, self.true_front().hypervolume - self.hypervolume(self.values(archs)))

    def front_classes_found(self, archs: Iterable[NB201Arch | str]) -> float:
        """The fraction of the true front's classes that are classes of ``archs``."""
        found = {self.space.canonical(self.space.coerce(arch)) for arch in archs}
        classes = self.true_front().classes
        return len(classes & found) / len(classes)

    # -- constraints -----------------------------------------------------------------------------
    def quantile(self, name: str, q: float) -> float:
        """The ``q``-quantile of objective ``name`` over the 15,625 cells, a value of one of
        them (numpy's ``method="lower"``): e.g. ``quantile("params", 0.5)``, the median cell's
        parameter count, as a threshold for a constraint."""
        owner = f"{_OWNER}.quantile"
        _check_name(name, "name", owner)
        q = check_number(q, "q", owner, low=0.0, high=1.0)
        return float(np.quantile(_column(self, name), q, method="lower"))

    def feasible(
        self,
        *,
        max_params: float | None = None,
        max_latency: float | None = None,
        max_flops: float | None = None,
    ) -> np.ndarray:
        """``(15625,)`` whether each row satisfies every given bound (``≤``; ``None``: none)."""
        bounds = _check_bounds(
            f"{_OWNER}.feasible",
            {"max_params": max_params, "max_latency": max_latency, "max_flops": max_flops},
        )
        mask = np.ones(self.benchmark.n_cells, dtype=bool)
        for key, bound in bounds.items():
            mask &= _column(self, _CONSTRAINTS[key]) <= bound
        return mask

    def constrained_optimum(
        self,
        *,
        max_params: float | None = None,
        max_latency: float | None = None,
        max_flops: float | None = None,
    ) -> tuple[NB201Arch, float]:
        """The most accurate cell (mean accuracy; the first row on ties) among those within
        the given bounds, and its mean accuracy.

        Raises:
            ConfigurationError: if no cell satisfies the bounds (the message gives the least
                value of each bounded objective over the table).

        Example:
            >>> mo = NB201MultiObjective("cifar10")
            >>> cell, accuracy = mo.constrained_optimum(max_params=mo.quantile("params", 0.25))
            >>> count_params(cell, "cifar10") <= mo.quantile("params", 0.25)
            True
        """
        given = {"max_params": max_params, "max_latency": max_latency, "max_flops": max_flops}
        mask = self.feasible(**given)
        if not mask.any():
            bounds = {k: v for k, v in given.items() if v is not None}
            least = ", ".join(
                f"{_CONSTRAINTS[k]} {float(_column(self, _CONSTRAINTS[k]).min())!r}"
                for k in bounds
            )
            raise ConfigurationError(
                f"No cell of NB201 {self.dataset} satisfies {bounds!r}: the least values over "
                f"the table are {least}. Loosen the bounds."
            )
        accuracy = np.where(mask, self.benchmark.mean_accuracies, -np.inf)
        row = int(np.argmax(accuracy))
        return self.benchmark.arch(row), float(accuracy[row])


# -- helpers -------------------------------------------------------------------------------------
def _column(problem: NB201MultiObjective, name: str) -> np.ndarray:
    """The ``(15625,)`` float64 values of objective ``name`` over ``problem``'s table."""
    bench = problem.benchmark
    if name == "accuracy":
        return bench.mean_accuracies
    if name == "latency":
        return bench.latencies
    return _cost_column(bench.dataset, name)


@functools.cache
def _cost_column(dataset: str, name: str) -> np.ndarray:
    """:func:`params_table` or :func:`flops_table` as read-only float64."""
    table = params_table(dataset) if name == "params" else flops_table(dataset)
    out = table.astype(np.float64)
    out.flags.writeable = False
    return out


def _check_name(name: Any, parameter: str, owner: str) -> str:
    if not isinstance(name, str) or name not in OBJECTIVES:
        raise invalid(owner, parameter, f"one of {list(OBJECTIVES)}", name)
    return name


def _check_objectives(objectives: Any) -> tuple[str, ...]:
    expected = (
        f"a sequence of distinct objective names from {list(OBJECTIVES)}, at least one, such "
        "as ('accuracy', 'latency')"
    )
    if isinstance(objectives, str) or not isinstance(objectives, Sequence):
        raise invalid(_OWNER, "objectives", expected, objectives)
    names = tuple(objectives)
    if not names:
        raise invalid(_OWNER, "objectives", expected, objectives, "Name one objective or more.")
    unknown = [n for n in names if not isinstance(n, str) or n not in OBJECTIVES]
    if unknown:
        raise invalid(_OWNER, "objectives", expected, objectives, f"Unknown: {unknown!r}.")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise invalid(
            _OWNER, "objectives", expected, objectives, f"Named more than once: {repeated!r}."
        )
    return names


def _check_bounds(owner: str, bounds: Mapping[str, Any]) -> dict[str, float]:
    return {
        key: check_number(value, key, owner) for key, value in bounds.items() if value is not None
    }
