"""Tabular benchmarks as Optuna objectives: a table of accuracies over any bonas space.

A tabular benchmark answers "how good is this cell?" by looking it up instead of training it, so
a search strategy can be run hundreds of times in minutes. :class:`TabularBenchmark` turns any
table ``{cell: accuracy or per-seed accuracies}`` over a bonas space into an objective;
:class:`bonas.nb201.table.NB201Benchmark` is the same for the NAS-Bench-201 table.

Two modes (:data:`MODES`):

* ``"mean"``: a query returns the cell's mean validation accuracy over its training seeds.
* ``"noisy"``: a query returns *one* training seed's accuracy, as if the cell had been trained
  once. The seed is drawn from ``numpy.random.SeedSequence([seed, row, count])`` where ``row`` is
  the cell's row in the table and ``count`` how many times this benchmark object has been asked
  about that cell before. So under one ``seed`` the k-th query of a cell always gets the same
  answer, whatever else was queried in between; different seeds give different answers. In a
  distributed study each process's benchmark object keeps its own counts.

Accuracies are maximized (``direction = "maximize"``). :meth:`TabularBenchmark.regret` and
:meth:`TabularBenchmark.rank` always use mean accuracies, in both modes.
"""

from __future__ import annotations

import collections
import math
import numbers
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal

import numpy as np

from bonas._validation import check_choice, check_seed
from bonas.exceptions import ConfigurationError, InvalidArchitectureError
from bonas.spaces.base import Arch

if TYPE_CHECKING:
    import optuna

    from bonas.spaces.base import SearchSpace

__all__ = ["COLUMNS", "MODES", "Mode", "Table", "TabularBenchmark", "check_mode_and_seed"]

Mode = Literal["mean", "noisy"]
Match = Literal["exact", "canonical"]

#: The modes of every tabular benchmark (and of ``bonas search --mode``).
MODES: tuple[str, ...] = ("mean", "noisy")
_MATCHES: tuple[str, ...] = ("exact", "canonical")
#: The extra columns a table may carry besides accuracies.
COLUMNS: tuple[str, ...] = ("train_time", "model_size", "latency")


# -- the table -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Table:
    """A table as read-only arrays; row ``i`` is one cell.

    Attributes:
        accuracies: ``(n, max_seeds)`` per-seed accuracies, NaN-padded past ``n_seeds[i]``.
        n_seeds: ``(n,)`` how many seeds each row has (at least 1).
        mean: ``(n,)`` the mean over each row's seeds.
        columns: ``name → (n,)`` the extra columns (:data:`COLUMNS`), NaN where unknown.
    """

    accuracies: np.ndarray
    n_seeds: np.ndarray
    mean: np.ndarray
    columns: Mapping[str, np.ndarray]

    @classmethod
    def build(
        cls, accuracies: np.ndarray, n_seeds: np.ndarray, columns: Mapping[str, np.ndarray]
    ) -> Table:
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
        table: Table,
        *,
        texts: Sequence[str] | None = None,
        rows: Mapping[str, int] | None = None,
        match: Match = "exact",
        mode: Mode = "mean",
        seed: int | None = None,
        name: str = "table",
    ) -> None:
        check_mode_and_seed(type(self).__name__, mode, seed)
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
        for column, given in zip(COLUMNS, (train_time, model_size, latency), strict=True):
            columns[column] = _column(space, given, column, rows, key_of)
        data = Table.build(accuracies, n_seeds, columns)
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
        self._record_facts(trial, arch, row)
        return value

    def _record_facts(self, trial: optuna.trial.BaseTrial, arch: Arch, row: int) -> None:
        """Set the user attributes of :meth:`objective` for the cell ``arch`` of row ``row``."""
        trial.set_user_attr("arch", self.space.to_string(arch))
        trial.set_user_attr("canonical", self.space.canonical(arch))
        for column in COLUMNS:
            extra = float(self._table.columns[column][row])
            if not math.isnan(extra):
                trial.set_user_attr(column, extra)
        trial.set_user_attr("regret", float(self._best - self._table.mean[row]))


# -- helpers -------------------------------------------------------------------------------------
def check_mode_and_seed(owner: str, mode: Any, seed: Any) -> None:
    """Check a benchmark's ``mode`` (one of :data:`MODES`) and ``seed`` (None or an int >= 0)."""
    check_choice(mode, "mode", owner, MODES)
    check_seed(seed, owner)


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
