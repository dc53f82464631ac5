"""Train surrogates on random classes of a table and score their predictions of all the others.

:func:`evaluate_surrogates` runs the grid surrogate × encoding × training-set size × repeat on
one :class:`~bonas.tabular.TabularBenchmark` and returns one record per run (the metrics of
:mod:`bonas.evaluation.metrics`); zero-cost proxies are scored by the same call, as predictors
trained on nothing.

The protocol of one run:

1. The table's cells are grouped into isomorphism classes (:func:`~bonas.spaces.pool.class_pool`;
   NB201: 6,466 classes of 15,625 cells) and each class is the first of its cells that the table
   holds. ``train_size`` distinct classes are drawn at random from the generator seeded with
   ``(seed, train_size, repeat)``: every surrogate, encoding and mode of one seed trains on the
   same classes, so they are compared pair by pair.
2. Training values: the class's mean accuracy (``mode="mean"``), or one training seed's accuracy
   drawn at random (``mode="noisy"``, what :class:`~bonas.tabular.TabularBenchmark`'s noisy mode
   returns), in the table's units.
3. The surrogate (a fresh copy each run) is fitted on the encoded training classes, on the raw
   values (``target_transform="none"``) or on their normal scores (``"copula"``, the sampler's
   default transform), and predicts every other class in chunks.
4. The predictions are scored against the held-out classes' *mean* accuracies.

Calibration reads the prediction as a Gaussian ``N(mean, std²)`` per cell, ``std`` being what
``predict(X, return_std=True)`` returns: the spread of the latent function, without
observation noise, which is what a held-out mean accuracy should fall in. With ``"copula"`` the
interval ends and the mean are mapped back to accuracy by the training set's empirical
quantiles (piecewise linear between the training values, flat beyond the best and worst of
them), so MAE and coverage are in accuracy units; the negative log likelihood has no honest
value there (the back-map has no density beyond the training values) and is ``None``.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from bonas._validation import check_choice, check_int, check_seed, invalid
from bonas.evaluation import metrics
from bonas.evaluation.metrics import METRICS, RANK_METRICS
from bonas.evaluation.results import SurrogateEvaluation
from bonas.exceptions import BonasError, ConfigurationError, InvalidArchitectureError

if TYPE_CHECKING:
    from bonas.encodings.base import Encoder
    from bonas.proxies.base import Proxy
    from bonas.surrogates.base import Surrogate
    from bonas.tabular import TabularBenchmark

__all__ = ["METRICS", "RANK_METRICS", "TARGET_TRANSFORMS", "evaluate_surrogates"]

_OWNER = "evaluate_surrogates"
#: What the surrogate is fitted on: the values, or their normal scores (see the module).
TARGET_TRANSFORMS: tuple[str, ...] = ("none", "copula")
_MODES = ("mean", "noisy")


@dataclass(frozen=True)
class _Classes:
    """The classes of the table: one row each, its mean accuracy and per-seed accuracies."""

    cells: list[Any]
    rows: np.ndarray
    mean: np.ndarray
    seeds: np.ndarray
    n_seeds: np.ndarray


def evaluate_surrogates(
    benchmark: TabularBenchmark[Any],
    *,
    surrogates: Sequence[str | Surrogate | type[Surrogate]] = ("gp",),
    encodings: Sequence[str | Encoder | type[Encoder]] = ("path_adjacency",),
    train_sizes: Sequence[int] = (10, 20, 50, 100),
    repeats: int = 10,
    mode: str = "mean",
    proxies: Sequence[str | Proxy | type[Proxy]] = (),
    target_transform: str = "none",
    seed: int = 0,
    first_repeat: int = 0,
    chunk_size: int = 2048,
    progress: Callable[[int, int], None] | None = None,
) -> SurrogateEvaluation:
    """Fit every surrogate × encoding on random classes of ``benchmark`` and score it on the rest.

    Args:
        benchmark: A table over an enumerable space (:class:`~bonas.tabular.TabularBenchmark`,
            :class:`~bonas.nb201.table.NB201Benchmark` among them). Its own ``mode`` is not used.
        surrogates: Each a registered name (``"gp"``, ``"ensemble"``), a ``"module:Class"``
            string, a :class:`~bonas.surrogates.Surrogate` subclass (built with a ``seed`` if it
            takes one) or an instance (deep-copied for every run).
        encodings: Each a registered name (``"path"``, ``"wl"``, …), a ``"module:Class"``
            string, an :class:`~bonas.encodings.Encoder` subclass or an instance. An encoder
            that must be fitted (WL) is fitted on all the classes (no values are used).
        train_sizes: Classes to train on, each from 1 to the number of classes less 2.
        repeats: Runs per surrogate, encoding and size, each on its own random classes.
        mode: ``"mean"`` or ``"noisy"`` (the training values; see the module).
        proxies: Zero-cost proxies (names, ``"module:Class"``, classes, instances or functions
            ``cells -> scores``), scored
            once on every class; their records have ``train_size`` 0 and rank metrics only.
        target_transform: ``"none"`` (fit on the values) or ``"copula"`` (on their normal
            scores, as ``BONASSampler`` does by default).
        seed: Seed of the training classes, the noisy draws and the surrogates' seeds.
        first_repeat: Number of the first repeat (a grid split in blocks of repeats gives
            the records of one call with ``repeats=a + b`` from ``(repeats=a)`` and
            ``(repeats=b, first_repeat=a)``).
        chunk_size: Held-out classes predicted per call of ``predict``.
        progress: Called as ``progress(done, total)`` after every run.

    Returns:
        The records, one per run (:class:`SurrogateEvaluation`). The same arguments give the
        same records except for the two timings.

    Raises:
        ConfigurationError: An unknown surrogate, encoding or proxy, a training size the table
            cannot hold out, or another bad argument; the message names the parameter.

    Example:
        >>> from bonas import TabularBenchmark
        >>> from bonas.spaces.nb201 import NB201Space
        >>> space = NB201Space()
        >>> table = {space.to_string(c): float(space.to_key(c).count("3"))
        ...          for c in space.enumerate()}
        >>> bench = TabularBenchmark.from_mapping(space, table, name="convs")
        >>> result = evaluate_surrogates(
        ...     bench, surrogates=["gp"], encodings=["adjacency"], train_sizes=[30], repeats=1
        ... )
        >>> run = result.records[0]
        >>> run["surrogate"], run["encoding"], run["train_size"], run["n_test"]
        ('gp', 'adjacency', 30, 6436)
        >>> run["kendall_tau"] > 0.7, 0.5 < run["coverage_90"] <= 1.0
        (True, True)
    """
    repeats = check_int(repeats, "repeats", _OWNER, low=1)
    first_repeat = check_int(first_repeat, "first_repeat", _OWNER, low=0)
    chunk_size = check_int(chunk_size, "chunk_size", _OWNER, low=1)
    mode = check_choice(mode, "mode", _OWNER, _MODES)
    target_transform = check_choice(
        target_transform, "target_transform", _OWNER, TARGET_TRANSFORMS
    )
    seed_value = check_seed(seed, _OWNER)
    if seed_value is None:
        raise invalid(_OWNER, "seed", "an int >= 0", seed, "Runs are reproducible by design.")
    space = getattr(benchmark, "space", None)
    if space is None or not callable(getattr(benchmark, "index", None)):
        raise invalid(_OWNER, "benchmark", "a TabularBenchmark", type(benchmark).__name__)
    if not space.is_enumerable:
        raise invalid(
            _OWNER,
            "benchmark",
            "a table over an enumerable space (its classes are what is held out)",
            f"a table over {type(space).__name__}",
        )
    classes = _classes(benchmark)
    n = len(classes.cells)
    sizes = _train_sizes(train_sizes, n)
    models = _labelled(surrogates, "surrogates", _surrogate_factory)
    encoders = _labelled(encodings, "encodings", _encoder_maker)
    scorers = _labelled(proxies, "proxies", _proxy_maker)
    if not models and not scorers:
        raise invalid(_OWNER, "surrogates", "at least one surrogate (or give proxies)", surrogates)
    if models and not encoders:
        raise invalid(_OWNER, "encodings", "at least one encoding", encodings)

    total = len(models) * len(encoders) * len(sizes) * repeats + len(scorers)
    done = 0
    records: list[dict[str, Any]] = []
    base = {"table": benchmark.name, "mode": mode, "target_transform": target_transform}

    def finished(record: dict[str, Any]) -> None:
        nonlocal done
        records.append({**base, **record})
        done += 1
        if progress is not None:
            progress(done, total)

    for label, make_proxy in scorers:
        proxy = make_proxy(space)
        scores = proxy(classes.cells)
        finished(
            {
                "surrogate": label,
                "encoding": "",
                "train_size": 0,
                "repeat": 0,
                "n_test": n,
                **_rank_metrics(classes.mean, scores),
                **dict.fromkeys(METRICS[len(RANK_METRICS) :]),
            }
        )
    if not models:
        return SurrogateEvaluation(tuple(records))
    graphs = [space.to_graph(cell) for cell in classes.cells]
    for enc_label, make_encoder in encoders:
        encoder = make_encoder(space, graphs)
        X_all = np.asarray(encoder.encode(graphs), dtype=np.float64)
        for size in sizes:
            for repeat in range(first_repeat, first_repeat + repeats):
                train, test, y_train, model_seed = _draw(classes, size, repeat, seed_value, mode)
                for sur_label, make_model in models:
                    model = make_model(model_seed)
                    finished(
                        {
                            "surrogate": sur_label,
                            "encoding": enc_label,
                            "train_size": size,
                            "repeat": repeat,
                            "n_test": int(test.shape[0]),
                            **_run(
                                model,
                                X_all,
                                train,
                                test,
                                y_train,
                                classes.mean[test],
                                target_transform=target_transform,
                                chunk_size=chunk_size,
                            ),
                        }
                    )
    return SurrogateEvaluation(tuple(records))


# -- the data ------------------------------------------------------------------------------------
def _classes(benchmark: TabularBenchmark[Any]) -> _Classes:
    """One cell per isomorphism class that the table holds (the first it holds)."""
    from bonas.spaces.pool import class_pool

    pool = class_pool(benchmark.space)
    found: dict[int, tuple[Any, int]] = {}
    for cell, cls in zip(pool.cells, pool.class_of.tolist(), strict=True):
        if cls in found:
            continue
        try:
            found[cls] = (cell, benchmark.index(cell))
        except InvalidArchitectureError:
            continue
    order = sorted(found)
    cells = [found[c][0] for c in order]
    rows = np.array([found[c][1] for c in order], dtype=np.int64)
    if len(cells) < 3:
        raise invalid(
            _OWNER,
            "benchmark",
            "a table of at least 3 isomorphism classes (to train on one and rank two)",
            f"{benchmark.name!r} with {len(cells)}",
        )
    return _Classes(
        cells=cells,
        rows=rows,
        mean=np.asarray(benchmark.mean_accuracies, dtype=np.float64)[rows],
        seeds=np.asarray(benchmark.accuracies, dtype=np.float64)[rows],
        n_seeds=np.asarray(benchmark.seed_counts, dtype=np.int64)[rows],
    )


def _train_sizes(train_sizes: Sequence[int], n: int) -> list[int]:
    expected = f"a list of ints from 1 to {n - 2} (the table's {n} classes less 2 to rank)"
    try:
        sizes = list(train_sizes)
    except TypeError:
        raise invalid(_OWNER, "train_sizes", expected, train_sizes) from None
    if not sizes:
        raise invalid(_OWNER, "train_sizes", expected, train_sizes)
    for size in sizes:
        check_int(size, "train_sizes", _OWNER, low=1, hint=f"It must be {expected}.")
        if size > n - 2:
            raise invalid(
                _OWNER,
                "train_sizes",
                expected,
                sizes,
                f"Leave at least 2 classes out: use sizes <= {n - 2}.",
            )
    return [int(s) for s in dict.fromkeys(sizes)]


def _draw(
    classes: _Classes, size: int, repeat: int, seed: int, mode: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """The training classes, the held-out ones, the training values and the model's seed."""
    n = len(classes.cells)
    rng = np.random.default_rng(np.random.SeedSequence([seed, size, repeat]))
    train = np.sort(rng.choice(n, size=size, replace=False))
    test = np.setdiff1d(np.arange(n), train, assume_unique=True)
    if mode == "noisy":
        pick = rng.integers(classes.n_seeds[train])
        y_train = classes.seeds[train, pick]
    else:
        y_train = classes.mean[train]
    model_seed = int(np.random.SeedSequence([seed, size, repeat, 1]).generate_state(1)[0])
    return train, test, np.asarray(y_train, dtype=np.float64), model_seed


# -- one run -------------------------------------------------------------------------------------
def _run(
    model: Surrogate,
    X_all: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    y_train: np.ndarray,
    y_test: np.ndarray,
    *,
    target_transform: str,
    chunk_size: int,
) -> dict[str, Any]:
    from bonas.surrogates.transforms import normal_scores

    y_fit = normal_scores(y_train, y_train) if target_transform == "copula" else y_train
    start = time.perf_counter()
    model.fit(X_all[train], y_fit)
    fit_seconds = time.perf_counter() - start
    means, stds = [], []
    start = time.perf_counter()
    for lo in range(0, test.shape[0], chunk_size):
        mean, std = model.predict(X_all[test[lo : lo + chunk_size]], return_std=True)
        means.append(np.asarray(mean, dtype=np.float64))
        stds.append(np.asarray(std, dtype=np.float64))
    predict_seconds = time.perf_counter() - start
    mean, std = np.concatenate(means), np.concatenate(stds)
    if mean.shape != y_test.shape or std.shape != y_test.shape:
        raise ConfigurationError(
            f"The surrogate {model!r} must predict one mean and one std per cell: "
            f"{y_test.shape[0]} each. Got shapes {mean.shape} and {std.shape} instead."
        )
    record = _rank_metrics(y_test, mean)
    if target_transform == "copula":
        back = _back_map(y_fit, y_train)
        record["mae"] = metrics.mae(y_test, back(mean))
        record["nll"] = None
        calibration = []
        for level in metrics.NOMINAL_LEVELS:
            half = _half_width(level) * np.maximum(std, 0.0)
            lo_, hi_ = back(mean - half), back(mean + half)
            calibration.append(float(np.mean((y_test >= lo_) & (y_test <= hi_))))
    else:
        record["mae"] = metrics.mae(y_test, mean)
        record["nll"] = metrics.gaussian_nll(y_test, mean, std)
        calibration = [metrics.coverage(y_test, mean, std, lv) for lv in metrics.NOMINAL_LEVELS]
    observed = dict(zip(metrics.NOMINAL_LEVELS, calibration, strict=True))
    record["coverage_50"] = observed[0.5]
    record["coverage_90"] = observed[0.9]
    record["fit_seconds"] = fit_seconds
    record["predict_seconds_per_1000"] = predict_seconds / test.shape[0] * 1000
    record["calibration"] = calibration
    return record


def _rank_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, Any]:
    return {
        "kendall_tau": metrics.kendall_tau(y_true, y_pred),
        "spearman": metrics.spearman(y_true, y_pred),
        "precision_top1": metrics.precision_top(y_true, y_pred, 0.01),
        "precision_top5": metrics.precision_top(y_true, y_pred, 0.05),
    }


def _half_width(level: float) -> float:
    from scipy.special import ndtri

    return float(ndtri((1 + level) / 2))


def _back_map(z: np.ndarray, y: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """The inverse of the training values' normal scores: piecewise linear, flat outside."""
    order = np.argsort(z, kind="stable")
    zs, first = np.unique(z[order], return_index=True)
    ys = y[order][first]

    def back(values: np.ndarray) -> np.ndarray:
        return np.asarray(np.interp(values, zs, ys), dtype=np.float64)

    return back


# -- resolving names -----------------------------------------------------------------------------
def _labelled(
    specs: Any, parameter: str, resolve: Callable[[Any, str], tuple[str, Any]]
) -> list[tuple[str, Any]]:
    if isinstance(specs, (str, type)) or not isinstance(specs, Sequence):
        specs = [specs] if specs is not None else []
    out = [resolve(spec, parameter) for spec in specs]
    labels = [label for label, _ in out]
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        raise invalid(
            _OWNER,
            parameter,
            "distinct entries (each names a row of the tables)",
            labels,
            f"{repeated} appear more than once.",
        )
    return out


def _import_class(spec: str, parameter: str, kind: str) -> type[Any]:
    module_name, _, qualname = spec.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
        for attr in qualname.split("."):
            obj = getattr(obj, attr)
    except (ImportError, AttributeError, ValueError) as err:
        raise invalid(
            _OWNER,
            parameter,
            f"{kind} names or 'module:Class' strings of importable classes",
            spec,
            f"Importing it failed: {err}.",
        ) from None
    if not isinstance(obj, type):
        raise invalid(_OWNER, parameter, f"{kind} classes", spec, f"It is {obj!r}.")
    return obj


def _resolve(spec: Any, parameter: str, registry: Any, kind: str) -> tuple[str, Any]:
    """``(label, class or instance)`` of one entry, or the house error naming ``parameter``."""
    if isinstance(spec, str):
        if ":" in spec and spec not in registry.available():
            cls = _import_class(spec, parameter, kind)
        else:
            try:
                cls = registry.get(spec)
            except ConfigurationError as err:
                raise invalid(
                    _OWNER,
                    parameter,
                    f"{kind} names from {registry.available()}, classes, instances or "
                    "'module:Class' strings",
                    spec,
                    str(err),
                ) from None
        return spec, cls
    cls = spec if isinstance(spec, type) else type(spec)
    name = getattr(cls, "name", None)
    if not isinstance(spec, type) and isinstance(getattr(spec, "label", None), str):
        name = spec.label  # a proxy instance: the name of its function, for one
    return (name if isinstance(name, str) and name else cls.__name__), spec


def _surrogate_factory(spec: Any, parameter: str) -> tuple[str, Callable[[int], Surrogate]]:
    from bonas.surrogates import Surrogate, registry

    label, target = _resolve(spec, parameter, registry, "surrogate")
    if isinstance(target, type):
        if not issubclass(target, Surrogate):
            raise invalid(_OWNER, parameter, "Surrogate subclasses", spec)
        takes_seed = "seed" in inspect.signature(target).parameters

        def build(model_seed: int) -> Surrogate:
            kwargs = {"seed": model_seed} if takes_seed else {}
            return registry.make(target, **kwargs)

        return label, build
    if not isinstance(target, Surrogate):
        raise invalid(
            _OWNER,
            parameter,
            "surrogate names, 'module:Class' strings, Surrogate classes or instances",
            spec,
        )
    return label, lambda _seed: copy.deepcopy(target)


def _encoder_maker(spec: Any, parameter: str) -> tuple[str, Callable[[Any, list[Any]], Encoder]]:
    from bonas.encodings import registry

    label, target = _resolve(spec, parameter, registry, "encoding")

    def build(space: Any, graphs: list[Any]) -> Encoder:
        try:
            encoder = registry.make(target, space.graph_spec)
        except ConfigurationError as err:
            raise invalid(_OWNER, parameter, "encodings of this space", spec, str(err)) from None
        if getattr(encoder, "requires_fit", False) and hasattr(encoder, "fit"):
            encoder.fit(graphs)
        return encoder

    return label, build


def _proxy_maker(spec: Any, parameter: str) -> tuple[str, Callable[[Any], Proxy]]:
    from bonas import proxies

    if callable(spec) and not isinstance(spec, (type, proxies.Proxy)):
        spec = proxies.as_proxy(spec)  # a function cells -> scores
    label, target = _resolve(spec, parameter, proxies, "proxy")

    def build(space: Any) -> Proxy:
        try:
            proxy = proxies.make(target)
        except BonasError as err:
            raise invalid(_OWNER, parameter, "proxies", spec, str(err)) from None
        if not proxy.supports(space):
            raise invalid(
                _OWNER,
                parameter,
                f"proxies that can score the cells of {type(space).__name__}",
                spec,
                "Leave it out for this table.",
            )
        return proxy

    return label, build
