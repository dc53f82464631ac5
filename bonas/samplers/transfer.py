"""Transfer between searches: finished searches and tables on the same space as prior knowledge.

``BONASSampler(space, transfer_from=[...])`` reads each source once: an Optuna study (its
COMPLETE trials, on any storage) or a table of cell → value
(:class:`~bonas.tabular.TabularBenchmark`, e.g. ``NB201Benchmark("cifar10")``). A study's
values are learned by a copy of the sampler's surrogate, fitted once; a table gives the value
of every cell. Either way a source is read as normal scores of its ranks over the space's
classes (so its scale does not matter), and it serves twice:

* zero-shot (Wistuba et al., "Learning hyperparameter optimization initializations", DSAA
  2015): startup trials alternate between the sources' best classes, in order, and the
  proxy's picks;
* a prior mean of the target's surrogate: the target values (copula scale) are modelled as
  ``Σ_i w_i s_i(x) + f(x)``, ``s_i`` the normal score of source ``i``, ``f`` the target's GP,
  and the weights ``w_i ≥ 0`` a non-negative least-squares fit to the values seen, refitted at
  every step (:func:`source_weights`). A source whose ranking the target's values contradict
  gets weight 0: the model is then the target's GP alone.

A source can agree with the target over the space as a whole and still mislead where it
matters, at the top: the cells it ranks best are the ones it makes the search run. So a source
is also checked there (:func:`source_trusted`): once two values are seen, a source whose
best-scored cells among those seen lie, on average, in the lower half of the target's values
is not trusted, and an untrusted source takes no zero-shot trial, no source step and weight 0.
A misleading source so costs the first zero-shot trial and little more.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from bonas._validation import check_paired
from bonas.exceptions import ConfigurationError

if TYPE_CHECKING:
    import optuna

    from bonas.spaces.base import SearchSpace

__all__ = ["SourceData", "read_sources", "source_trusted", "source_weights"]

_OWNER = "BONASSampler"


@dataclass(frozen=True)
class SourceData:
    """One source of ``transfer_from``, read.

    Attributes:
        name: The study's name, or the table's.
        kind: ``"study"`` or ``"table"``.
        direction: ``"maximize"`` or ``"minimize"`` (a table: ``"maximize"``).
        archs: A study's cells with a value (empty for a table).
        values: Their values, oriented so that higher is better.
        table: The table (``None`` for a study).
    """

    name: str
    kind: str
    direction: str
    archs: tuple[Any, ...] = ()
    values: tuple[float, ...] = ()
    table: Any = None

    def table_values(self, cells: Sequence[Any]) -> np.ndarray:
        """A table's mean values of ``cells`` (NaN where the table has no such cell)."""
        from bonas.exceptions import InvalidArchitectureError

        table = self.table
        means = table.mean_accuracies
        out = np.full(len(cells), np.nan)
        for i, cell in enumerate(cells):
            try:
                out[i] = means[table.index(cell)]
            except InvalidArchitectureError:
                continue
        return out


def _describe(source: Any) -> str:
    name = getattr(source, "study_name", None) or getattr(source, "name", None)
    return f"{type(source).__name__} {name!r}" if name else type(source).__name__


def _same_space(space: SearchSpace[Any], other: dict[str, Any]) -> bool:
    mine = space.distributions()
    return set(other) == set(mine) and all(other[k] == mine[k] for k in mine)


def _read_study(space: SearchSpace[Any], study: optuna.Study) -> SourceData | None:
    from optuna.study import StudyDirection
    from optuna.trial import TrialState

    name = study.study_name
    directions = study.directions
    if len(directions) != 1:
        raise ConfigurationError(
            f"The 'transfer_from' parameter of {_OWNER} must hold studies of one objective. "
            f"Got the study {name!r} with {len(directions)} objectives instead. Transfer from "
            "a single-objective study of the same metric."
        )
    sign = 1.0 if directions[0] == StudyDirection.MAXIMIZE else -1.0
    archs, values = [], []
    for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        if not _same_space(space, dict(t.distributions)):
            raise ConfigurationError(
                f"The 'transfer_from' parameter of {_OWNER} must hold sources on the sampler's "
                f"space {space.name!r}. Got the study {name!r}, whose trial {t.number} has the "
                f"parameters {sorted(t.params)} instead of {sorted(space.distributions())} "
                "(or other distributions). Transfer only from a search over the same space."
            )
        value = t.value
        if value is None or not math.isfinite(value):
            continue
        archs.append(space.from_params(dict(t.params)))
        values.append(sign * float(value))
    if not values:
        warnings.warn(
            f"The study {name!r} given in 'transfer_from' of {_OWNER} has no finished trial "
            "with a value; nothing is transferred from it.",
            UserWarning,
            stacklevel=4,
        )
        return None
    direction = "maximize" if sign > 0 else "minimize"
    return SourceData(name, "study", direction, tuple(archs), tuple(values))


def _read_table(space: SearchSpace[Any], table: Any) -> SourceData:
    if not _same_space(space, dict(table.space.distributions())):
        raise ConfigurationError(
            f"The 'transfer_from' parameter of {_OWNER} must hold sources on the sampler's "
            f"space {space.name!r}. Got the table {table.name!r} on the space "
            f"{table.space.name!r} instead. Transfer only from a table of the same space."
        )
    return SourceData(table.name, "table", str(table.direction), table=table)


def read_sources(space: SearchSpace[Any], transfer_from: Any) -> list[SourceData]:
    """Read every source of ``transfer_from`` (a study, a table, or a sequence of them).

    Raises:
        ConfigurationError: for a source of another type, on another space, or a study with
            several objectives. A study without a finished trial is left out, with a warning.
    """
    import optuna

    from bonas.tabular import TabularBenchmark

    if transfer_from is None:
        return []
    many = isinstance(transfer_from, (list, tuple))
    items = list(transfer_from) if many else [transfer_from]
    read: list[SourceData] = []
    for item in items:
        if isinstance(item, optuna.Study):
            data = _read_study(space, item)
        elif isinstance(item, TabularBenchmark):
            data = _read_table(space, item)
        else:
            raise ConfigurationError(
                f"The 'transfer_from' parameter of {_OWNER} must be an Optuna study, a table "
                f"(TabularBenchmark, e.g. NB201Benchmark('cifar10')) or a list of them. Got "
                f"{_describe(item)} instead. Load a study with optuna.load_study(...)."
            )
        if data is not None:
            read.append(data)
    names = [d.name for d in read]
    if len(set(names)) != len(names):
        raise ConfigurationError(
            f"The 'transfer_from' parameter of {_OWNER} must hold distinct sources. Got the "
            f"names {names} instead. Give each source once."
        )
    return read


def source_weights(S: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Non-negative weights of the sources' scores ``S`` `(n, k)` that best explain the target's
    values ``y`` `(n,)` up to a constant (least squares on centred data, weights ``>= 0``).

    A source whose scores fall where the values rise gets weight 0; with fewer than 3 values
    every weight is 0.

    Example:
        >>> S = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, -1.0]])
        >>> source_weights(S, np.array([1.0, 2.0, 3.0])).round(6)
        array([1., 0.])
    """
    from scipy.optimize import nnls

    S = np.asarray(S, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if S.ndim != 2 or y.shape != (S.shape[0],):
        raise ConfigurationError(
            "The 'S' and 'y' parameters of source_weights must be (n, k) and (n,). "
            f"Got shapes {S.shape} and {y.shape} instead."
        )
    if S.shape[0] < 3 or S.shape[1] == 0:
        return np.zeros(S.shape[1])
    Sc = S - S.mean(axis=0)
    yc = y - y.mean()
    if not np.any(Sc) or not np.any(yc):
        return np.zeros(S.shape[1])
    weights, _ = nnls(Sc, yc)
    return np.asarray(weights, dtype=np.float64)


def source_trusted(scores: np.ndarray, y: np.ndarray) -> bool:
    """Whether a source's best-scored cells among those seen do better than the middle of the
    target's values ``y`` there: the quarter of the seen cells (at least one) that the source
    ``scores`` highest must have a mean normalized rank of ``y`` above 0.5 (ranks scaled to
    0 for the worst value, 1 for the best). With fewer than 2 values, trusted.

    Example:
        >>> source_trusted(np.array([3.0, 2.0, 1.0, 0.0]), np.array([0.9, 0.8, 0.1, 0.2]))
        True
        >>> source_trusted(np.array([3.0, 2.0, 1.0, 0.0]), np.array([0.1, 0.8, 0.9, 0.2]))
        False
    """
    from scipy.stats import rankdata

    scores, y = check_paired(scores, y, ("scores", "y"), "source_trusted")
    n = len(y)
    if n < 2:
        return True
    ranks = (rankdata(y) - 1.0) / (n - 1.0)
    top = np.argsort(-scores, kind="stable")[: max(1, n // 4)]
    return bool(ranks[top].mean() > 0.5)
