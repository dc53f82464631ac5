"""What the fitted model says makes a cell good: main effects of operations and paths.

The surrogate (by default :class:`~bonas.surrogates.GPSurrogate` on the encoding
``BONASSampler`` uses) is fitted on the study's finished trials, on the objective's own values
(no copula: an effect is a difference of mean objective values, and the copula's normal scores
cannot be mapped back to the objective's units). Over a set of cells ``C`` drawn uniformly from
the space (all of them where the space can be enumerated), the **effect** of a *feature* —
operation ``o`` on edge ``e``, or an input→output path — is

    E[ mean of f over the cells of C that have the feature ] − E[ mean of f over C ]

under the model's posterior of the latent objective ``f``. Each is a linear functional of
``f``, so for a Gaussian process its posterior is Gaussian and computed exactly
(:meth:`GPSurrogate.predict_linear <bonas.surrogates.GPSurrogate.predict_linear>`); the
credible interval is the central one of that Gaussian. A surrogate without
``predict_linear`` gives intervals from the quantiles of its joint draws (``sample_y``).

This is the main effect of a functional ANOVA (Hooker 2007; Hutter, Hoos & Leyton-Brown,
"An Efficient Approach for Assessing Hyperparameter Importance", ICML 2014) under a GP
posterior, given with its uncertainty rather than as a share of variance.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from bonas._validation import check_choice, check_int, check_number, invalid
from bonas.exceptions import ConfigurationError

if TYPE_CHECKING:
    import optuna
    from optuna.trial import FrozenTrial

    from bonas.encodings.base import Encoder
    from bonas.spaces.base import SearchSpace
    from bonas.surrogates.base import Surrogate

__all__ = [
    "IMPORTANCE_EVALUATORS",
    "MIN_TRIALS",
    "Effect",
    "Explanation",
    "explain",
    "objective_names",
]

_log = logging.getLogger(__name__)

#: The fewest finished trials (COMPLETE, finite value) a study needs to be explained.
MIN_TRIALS = 10
#: Optuna's parameter-importance evaluators :func:`explain` can put beside the effects.
IMPORTANCE_EVALUATORS: tuple[str, ...] = ("auto", "fanova", "ped_anova", "none")
# A path feature is reported only where at least this many cells of the set have it.
_MIN_GROUP = 5
# Trials whose mismatch exceeds this quantile of uniform draws' are flagged as not uniform.
_MISMATCH_QUANTILE = 0.999


@dataclass(frozen=True)
class Effect:
    """The posterior of one feature's main effect on the objective.

    Attributes:
        kind: ``"op"`` (a parameter of the space takes a value: an operation on an edge of
            NB201, an operation of a node or an edge bit of a :class:`~bonas.spaces.CellSpace`)
            or ``"path"`` (an input→output path through these operations).
        name: ``"edge_1_0=nor_conv_3x3"`` or ``"input>nor_conv_3x3>output"``.
        edge: For ``"op"``: the parameter's index in the space's order (NB201: the edge, 0–5
            in :data:`~bonas.spaces.nb201.NB201_EDGES` order); ``None`` for a path.
        parameter: For ``"op"``: the Optuna parameter's name; ``None`` for a path.
        op: For ``"op"``: the value (operation name), as text; for a path, the path's
            operations joined by ``>``.
        effect: Posterior mean of the effect, in the objective's units.
        lower: Lower end of the credible interval.
        upper: Upper end of the credible interval.
        std: Posterior standard deviation.
        share: Share of the cells of the space that have the feature.
    """

    kind: str
    name: str
    edge: int | None
    parameter: str | None
    op: str
    effect: float
    lower: float
    upper: float
    std: float
    share: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Explanation:
    """The effects of one objective of a study, and what they were computed from.

    Attributes:
        objective: The objective's index in the study's directions.
        objective_name: Its name (the study's metric name, else ``"value"`` or
            ``"objective N"``).
        direction: ``"maximize"`` or ``"minimize"``.
        n_trials: The finished trials the model was fitted on.
        mean: Posterior mean of the objective averaged over the cells, and its interval.
        effects: One per parameter value (``kind == "op"``), in the space's parameter order.
        paths: One per input→output path seen in the cells (``kind == "path"``).
        importances: Optuna's parameter importances (name → share), or ``{}``.
        importance_evaluator: The evaluator that made them (``"fanova"``, ``"ped_anova"``), or
            ``None``.
        level: The credible level of the intervals (0.9: from the 5 % to the 95 % quantile).
        n_cells: The cells the effects average over.
        exact: Whether those are every cell of the space (else a uniform random sample).
        surrogate: The surrogate's ``repr``.
        encoding: The encoder's ``repr``.
        motifs_up: The features (operations on edges, paths) whose interval lies above zero,
            the largest effects first (at most ``n_motifs``).
        motifs_down: Those whose interval lies below zero, the most negative first.
        prior: The proxy that was the model's prior mean and its fitted slope, or ``None``.
        mismatch: How far the trials are from a uniform sample of the cells: the total
            variation distance between the frequencies of each parameter's values among the
            trials and among the cells, averaged over the parameters (0: the same frequencies;
            1: no value in common).
        mismatch_limit: The mismatch that uniform draws of as many cells exceed in 0.1 % of
            cases (2,000 draws with ``seed``). Above it the trials are not a uniform sample (a
            search's trials crowd where the objective is good): the effects then average over
            cells unlike any trial, and their intervals are narrower than the error
            (``benchmarks/results/explain_truth.md``).
    """

    objective: int
    objective_name: str
    direction: str
    n_trials: int
    mean: tuple[float, float, float]
    effects: list[Effect]
    paths: list[Effect]
    importances: dict[str, float]
    importance_evaluator: str | None
    level: float
    n_cells: int
    exact: bool
    surrogate: str
    encoding: str
    motifs_up: list[Effect] = field(default_factory=list)
    motifs_down: list[Effect] = field(default_factory=list)
    prior: str | None = None
    mismatch: float = 0.0
    mismatch_limit: float = 1.0

    @property
    def uniform(self) -> bool:
        """Whether the trials look like a uniform sample of the cells
        (``mismatch <= mismatch_limit``): only then do the intervals average over cells like
        the trials."""
        return self.mismatch <= self.mismatch_limit

    @property
    def warning(self) -> str | None:
        """What to say of intervals whose trials are not a uniform sample (``None`` where they
        are): the one wording of the log, the text table and the HTML page."""
        if self.uniform:
            return None
        return (
            "The trials are not a uniform sample of the space: their parameters' values differ "
            f"in frequency from the cells' by {self.mismatch:.2f} (uniform draws of "
            f"{self.n_trials} cells: at most {self.mismatch_limit:.2f} in 99.9 % of cases). "
            "A search's trials crowd where the objective is good, so the effects average over "
            "cells unlike any trial and their intervals are narrower than their error; explain "
            "uniform trials (e.g. a RandomSampler study) for effects over the whole space."
        )

    def effect(self, edge: int, op: str) -> Effect:
        """The effect of value ``op`` of the parameter at index ``edge``.

        Raises:
            KeyError: if the explanation has no such effect.
        """
        for e in self.effects:
            if e.edge == edge and e.op == str(op):
                return e
        raise KeyError(f"no effect of {op!r} on edge {edge}")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types: what ``bonas explain --json`` prints, one per objective."""
        return {
            "objective": self.objective,
            "objective_name": self.objective_name,
            "direction": self.direction,
            "n_trials": self.n_trials,
            "level": self.level,
            "n_cells": self.n_cells,
            "exact": self.exact,
            "surrogate": self.surrogate,
            "encoding": self.encoding,
            "prior": self.prior,
            "mismatch": self.mismatch,
            "mismatch_limit": self.mismatch_limit,
            "uniform": self.uniform,
            "mean": {"mean": self.mean[0], "lower": self.mean[1], "upper": self.mean[2]},
            "effects": [e.to_dict() for e in self.effects],
            "paths": [e.to_dict() for e in self.paths],
            "motifs": {
                "raise": [e.to_dict() for e in self.motifs_up],
                "lower": [e.to_dict() for e in self.motifs_down],
            },
            "importances": dict(self.importances),
            "importance_evaluator": self.importance_evaluator,
        }


def objective_names(study: optuna.Study) -> list[str]:
    """The names of the study's objectives: its metric names where set, else ``"value"`` for
    one objective and ``"objective 0"``, ``"objective 1"``, … for several."""
    n = len(study.directions)
    names = study.metric_names
    if names is not None and len(names) == n:
        return [str(name) for name in names]
    return ["value"] if n == 1 else [f"objective {i}" for i in range(n)]


def explain(
    study: optuna.Study,
    space: SearchSpace[Any],
    *,
    objective: int = 0,
    objective_name: str | None = None,
    surrogate: str | Surrogate | type[Surrogate] = "gp",
    surrogate_kwargs: dict[str, Any] | None = None,
    encoding: str | Encoder = "path_adjacency",
    n_cells: int = 20_000,
    level: float = 0.9,
    n_motifs: int = 5,
    importance: str = "auto",
    prior: str | None = "auto",
    seed: int = 0,
    trials: Sequence[FrozenTrial] | None = None,
) -> Explanation:
    """Explain one objective of ``study``: the effect of each operation on each edge and of
    each path, with credible intervals, the motifs that most raise and lower it, and Optuna's
    parameter importances beside them.

    Args:
        study: A study whose trials suggested their cells from ``space``
            (``arch = space.suggest(trial)``), with one objective or several.
        space: The space of the study's cells.
        objective: Which objective (index into ``study.directions``).
        objective_name: Its name in the explanation (default: :func:`objective_names`).
        surrogate: A registered surrogate name, a surrogate or a class (default: the GP of
            ``BONASSampler``).
        surrogate_kwargs: Options of a surrogate given by name or class.
        encoding: A registered encoding name or an encoder (default: ``BONASSampler``'s).
        n_cells: The cells the effects average over: every cell where the space can be
            enumerated and has at most this many, else this many drawn uniformly with ``seed``.
        level: The credible level of the intervals, in (0, 1).
        n_motifs: How many features to list as raising and as lowering the objective most.
        importance: ``"fanova"`` (Optuna's fANOVA; needs scikit-learn), ``"ped_anova"``,
            ``"auto"`` (fANOVA where scikit-learn is installed, else PED-ANOVA) or
            ``"none"``.
        prior: A zero-cost proxy (:mod:`bonas.proxies`) whose scores are the model's prior
            mean: the objective is modelled as ``a + b·s(x) + f(x)``, ``s`` the proxy's normal
            score of the cell among the cells explained, ``a, b`` a least-squares fit to the
            trials (their uncertainty is added to every interval) and ``f`` the surrogate on
            what the proxy leaves. A search's trials crowd where the objective is good, so
            without it the model knows little of the rest of the space, over which the
            effects average (``benchmarks/results/explain_truth.md``). ``"auto"``: the space's
            :attr:`~bonas.spaces.base.SearchSpace.default_proxy` (synflow on NB201; none where
            the space has none); ``None``: no prior.
        seed: Seed of the cells drawn and of the importance evaluator.
        trials: The trials to use instead of the study's (e.g. the first 50).

    Returns:
        The :class:`Explanation`.

    Raises:
        ConfigurationError: if the study has fewer than :data:`MIN_TRIALS` finished trials
            with a finite value of the objective, or an argument is out of range.

    Example:
        >>> import optuna
        >>> from bonas import NB201Benchmark, NB201Space
        >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
        >>> bench = NB201Benchmark("cifar10")
        >>> study = optuna.create_study(
        ...     direction="maximize", sampler=optuna.samplers.RandomSampler(seed=0))
        >>> study.optimize(bench.objective, n_trials=20)
        >>> ex = explain(study, NB201Space(), n_cells=500, importance="none")
        >>> len(ex.effects), ex.effect(0, "none").effect < 0
        (30, True)
    """
    from scipy.special import ndtri

    from bonas import encodings
    from bonas.surrogates import registry

    owner = "explain"
    n_objectives = len(study.directions)
    check_int(objective, "objective", owner, low=0, high=n_objectives - 1)
    check_int(n_cells, "n_cells", owner, low=10)
    check_int(n_motifs, "n_motifs", owner, low=0)
    level = check_number(level, "level", owner, low=0.0, low_open=True)
    if level >= 1.0:
        raise invalid(owner, "level", "a finite number in (0, 1), e.g. 0.9", level)
    check_choice(importance, "importance", owner, IMPORTANCE_EVALUATORS)
    rng = np.random.default_rng(seed)

    used = list(study.get_trials(deepcopy=False) if trials is None else trials)
    archs, y, kept = _finished(used, space, objective)
    if len(y) < MIN_TRIALS:
        raise ConfigurationError(
            f"The 'study' parameter of explain must have at least {MIN_TRIALS} finished trials "
            f"with a finite value of objective {objective}, whose cells are in the space "
            f"{space.name!r}. Got {len(y)} instead; run more trials (e.g. `bonas search … "
            f"--trials {MIN_TRIALS}` resumes the study) and explain it again."
        )

    encoder = encodings.make(encoding, space.graph_spec)
    cells, exact = _cells(space, n_cells, rng)
    if getattr(encoder, "requires_fit", False) and hasattr(encoder, "fit"):
        encoder.fit([space.to_graph(a) for a in cells])
    X_train = encoder.encode([space.to_graph(a) for a in archs])
    if isinstance(surrogate, (str, type)):
        model: Any = registry.make(surrogate, **dict(surrogate_kwargs or {}))
    else:
        model = surrogate
    line = _PriorLine.fit(space, prior, cells, archs, y)  # None without a prior
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X_train, y if line is None else y - line.on_trials)
    X = encoder.encode([space.to_graph(a) for a in cells])

    # The features: one column per (parameter, value), then one per path.
    op_columns, op_meta = _parameter_groups(space, cells)
    mismatch, mismatch_limit = _mismatch(
        space, archs, op_columns, op_meta, np.random.default_rng(seed)
    )
    path_columns, path_names = _path_groups(space, cells)
    groups = np.hstack([op_columns, path_columns])
    counts = groups.sum(axis=0)
    n = len(cells)
    # Weights: column 0 the mean over the cells; then each feature's effect.
    present = np.where(counts > 0, counts, 1.0)
    A = np.hstack([np.full((n, 1), 1.0 / n), groups / present - 1.0 / n])
    mean, std = _linear_posterior(model, X, A, rng)
    if line is not None:
        mean, std = line.add_to(mean, std, A)
    z = float(ndtri(0.5 + level / 2))

    effects: list[Effect] = []
    for j, (edge, parameter, op) in enumerate(op_meta):
        if counts[j] == 0:
            continue
        effects.append(
            _effect(
                "op", f"{parameter}={op}", edge, parameter, op, mean, std, 1 + j, z, counts[j] / n
            )
        )
    paths: list[Effect] = []
    offset = len(op_meta)
    for j, name in enumerate(path_names):
        if counts[offset + j] < _MIN_GROUP:
            continue
        ops = name.split(">")[1:-1]
        paths.append(
            _effect(
                "path",
                name,
                None,
                None,
                ">".join(ops),
                mean,
                std,
                1 + offset + j,
                z,
                counts[offset + j] / n,
            )
        )
    # Motifs: the operations on edges and the paths whose interval lies above (below) zero,
    # the largest effects first.
    motifs = sorted(effects + paths, key=lambda e: e.effect)
    motifs_up = [e for e in reversed(motifs) if e.lower > 0][:n_motifs]
    motifs_down = [e for e in motifs if e.upper < 0][:n_motifs]

    importances, evaluator = _importances(study, space, used, objective, importance, seed)
    name = objective_name or objective_names(study)[objective]
    explanation = Explanation(
        objective=objective,
        objective_name=name,
        direction=study.directions[objective].name.lower(),
        n_trials=len(y),
        mean=(float(mean[0]), float(mean[0] - z * std[0]), float(mean[0] + z * std[0])),
        effects=effects,
        paths=paths,
        importances=importances,
        importance_evaluator=evaluator,
        level=float(level),
        n_cells=n,
        exact=exact,
        surrogate=repr(model),
        encoding=repr(encoder),
        prior=None if line is None else f"{line.name} (slope {line.coef[1]:.3g})",
        mismatch=mismatch,
        mismatch_limit=mismatch_limit,
        motifs_up=motifs_up,
        motifs_down=motifs_down,
    )
    if explanation.warning is not None:
        _log.warning("%s", explanation.warning)
    return explanation


def _prior_scores(
    space: SearchSpace[Any], name: str, cells: Sequence[Any], archs: Sequence[Any]
) -> tuple[np.ndarray, np.ndarray]:
    """The proxy ``name``'s normal scores of ``cells`` and of ``archs`` (the trials' cells),
    ranked among the classes of ``cells``; each class is scored once."""
    from bonas import proxies
    from bonas.surrogates.transforms import normal_scores

    keys_cells = [space.canonical(a) for a in cells]
    keys_archs = [space.canonical(a) for a in archs]
    first: dict[str, Any] = {}
    for key, arch in zip([*keys_cells, *keys_archs], [*cells, *archs], strict=True):
        first.setdefault(key, arch)
    proxy = proxies.make(name)
    raw = dict(zip(first, np.asarray(proxy(list(first.values())), dtype=np.float64), strict=True))
    reference = np.array([raw[k] for k in dict.fromkeys(keys_cells)])
    s_cells = normal_scores(np.array([raw[k] for k in keys_cells]), reference)
    s_archs = normal_scores(np.array([raw[k] for k in keys_archs]), reference)
    return s_cells, s_archs


@dataclass(frozen=True)
class _PriorLine:
    """``a + b·s``: a proxy's normal score ``s``, the line a least-squares fit to the
    trials, with the covariance of ``(a, b)``."""

    name: str
    coef: np.ndarray
    cov: np.ndarray
    s_cells: np.ndarray
    on_trials: np.ndarray  # the line's values at the trials' cells

    @classmethod
    def fit(
        cls,
        space: SearchSpace[Any],
        prior: Any,
        cells: Sequence[Any],
        archs: Sequence[Any],
        y: np.ndarray,
    ) -> _PriorLine | None:
        """The line of ``prior`` (``"auto"``: the space's default proxy; ``None``: none)
        fitted to the trials' values ``y``; ``None`` without a prior."""
        name = space.default_proxy if prior == "auto" else prior
        if name is None:
            return None
        if not isinstance(name, str):
            raise invalid("explain", "prior", "'auto', a registered proxy's name or None", prior)
        s_cells, s_archs = _prior_scores(space, name, cells, archs)
        D = np.column_stack([np.ones(len(s_archs)), s_archs])
        coef, *_ = np.linalg.lstsq(D, y, rcond=None)
        resid = y - D @ coef
        sigma2 = float(resid @ resid) / max(len(y) - 2, 1)
        cov = sigma2 * np.linalg.pinv(D.T @ D)
        return cls(name, coef, cov, s_cells, D @ coef)

    def add_to(
        self, mean: np.ndarray, std: np.ndarray, A: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The functionals ``A.T @ (a + b·s + f)`` over the cells: the line's part added to
        the mean of ``A.T @ f`` and, as an independent term, its variance to the variance."""
        V = np.column_stack([A.sum(axis=0), A.T @ self.s_cells])
        extra = np.einsum("ij,jk,ik->i", V, self.cov, V)
        return mean + V @ self.coef, np.sqrt(std**2 + np.clip(extra, 0.0, None))


def _effect(
    kind: str,
    name: str,
    edge: int | None,
    parameter: str | None,
    op: str,
    mean: np.ndarray,
    std: np.ndarray,
    column: int,
    z: float,
    share: float,
) -> Effect:
    m, s = float(mean[column]), float(std[column])
    return Effect(kind, name, edge, parameter, op, m, m - z * s, m + z * s, s, float(share))


def _finished(
    trials: Sequence[FrozenTrial], space: SearchSpace[Any], objective: int
) -> tuple[list[Any], np.ndarray, list[FrozenTrial]]:
    """The cells and values of the COMPLETE trials with a finite value of ``objective``."""
    from optuna.trial import TrialState

    from bonas.exceptions import BonasError

    archs: list[Any] = []
    values: list[float] = []
    kept: list[FrozenTrial] = []
    for t in trials:
        if t.state != TrialState.COMPLETE or t.values is None:
            continue
        value = t.values[objective]
        if not math.isfinite(value):
            continue
        try:
            arch = space.from_params(t.params)
        except (BonasError, ValueError, KeyError, TypeError):
            continue  # a trial of another space, or with parameters outside this one
        archs.append(arch)
        values.append(float(value))
        kept.append(t)
    return archs, np.asarray(values, dtype=np.float64), kept


def _cells(
    space: SearchSpace[Any], n_cells: int, rng: np.random.Generator
) -> tuple[list[Any], bool]:
    """Every cell of an enumerable space of at most ``n_cells``, else ``n_cells`` drawn."""
    if space.is_enumerable:
        size = getattr(space, "__len__", None)
        if size is not None and len(space) <= n_cells:  # type: ignore[arg-type]
            return list(space.enumerate()), True
    return space.sample(n_cells, rng), False


def _parameter_groups(
    space: SearchSpace[Any], cells: Sequence[Any]
) -> tuple[np.ndarray, list[tuple[int, str, str]]]:
    """One indicator column per (parameter, value) of the space's Optuna parameters."""
    from optuna.distributions import CategoricalDistribution, IntDistribution

    distributions = space.distributions()
    meta: list[tuple[int, str, str]] = []
    index: dict[tuple[str, Any], int] = {}
    for edge, (parameter, dist) in enumerate(distributions.items()):
        if isinstance(dist, CategoricalDistribution):
            choices: list[Any] = list(dist.choices)
        elif isinstance(dist, IntDistribution):
            choices = list(range(dist.low, dist.high + 1, dist.step))
        else:
            continue
        for choice in choices:
            index[(parameter, choice)] = len(meta)
            meta.append((edge, parameter, str(choice)))
    columns = np.zeros((len(cells), len(meta)))
    for i, arch in enumerate(cells):
        for parameter, value in space.to_params(arch).items():
            j = index.get((parameter, value))
            if j is not None:
                columns[i, j] = 1.0
    return columns, meta


def _mismatch(
    space: SearchSpace[Any],
    archs: Sequence[Any],
    columns: np.ndarray,
    meta: Sequence[tuple[int, str, str]],
    rng: np.random.Generator,
    n_draws: int = 2000,
    chunk: int = 250,
) -> tuple[float, float]:
    """The total variation distance between the trials' and the cells' frequencies of each
    parameter's values, averaged over the parameters; and its :data:`_MISMATCH_QUANTILE`
    quantile over ``n_draws`` uniform draws (with replacement) of as many cells, drawn
    ``chunk`` at a time."""
    index = np.array([m[0] for m in meta])  # each value column's parameter
    parameters = np.unique(index)
    if len(parameters) == 0:
        return 0.0, 1.0
    member = (index[None, :] == parameters[:, None]).astype(np.float64)  # (params, columns)
    reference = columns.mean(axis=0)

    def distance(frequencies: np.ndarray) -> np.ndarray:
        return 0.5 * (np.abs(frequencies - reference) @ member.T).mean(axis=-1)

    drawn = np.concatenate(
        [
            distance(columns[rng.integers(0, len(columns), (chunk, len(archs)))].mean(axis=1))
            for _ in range(n_draws // chunk)
        ]
    )
    trial_columns, _ = _parameter_groups(space, archs)
    return float(distance(trial_columns.mean(axis=0))), float(
        np.quantile(drawn, _MISMATCH_QUANTILE)
    )


def _path_groups(space: SearchSpace[Any], cells: Sequence[Any]) -> tuple[np.ndarray, list[str]]:
    """One indicator column per input→output path (the path encoding, paths through the zero
    op left out), only the paths some cell has."""
    from bonas.encodings.path import PathEncoder

    encoder = PathEncoder(space.graph_spec, drop_zero=True)
    columns = encoder.encode([space.to_graph(a) for a in cells])
    names = encoder.feature_names()
    seen = np.flatnonzero(columns.sum(axis=0) > 0)
    return columns[:, seen], [names[j] for j in seen]


def _linear_posterior(
    model: Any, X: np.ndarray, A: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean and standard deviation of ``A.T @ f(X)``: exact where the model has
    ``predict_linear`` (a GP), else from 1,000 joint draws of ``sample_y``."""
    if hasattr(model, "predict_linear"):
        mean, cov = model.predict_linear(X, A)
        return mean, np.sqrt(np.clip(np.diag(cov), 0.0, None))
    draws = model.sample_y(X, 1000, rng) @ A
    return draws.mean(axis=0), draws.std(axis=0)


def _importances(
    study: optuna.Study,
    space: SearchSpace[Any],
    trials: Sequence[FrozenTrial],
    objective: int,
    importance: str,
    seed: int,
) -> tuple[dict[str, float], str | None]:
    """Optuna's parameter importances of the objective, on the trials used."""
    if importance == "none":
        return {}, None
    import optuna
    from optuna.importance import (
        FanovaImportanceEvaluator,
        PedAnovaImportanceEvaluator,
        get_param_importances,
    )

    name = importance
    if importance == "auto":
        try:
            import sklearn  # noqa: F401
        except ImportError:
            name = "ped_anova"
        else:
            name = "fanova"
    evaluator: optuna.importance.BaseImportanceEvaluator
    if name == "fanova":
        evaluator = FanovaImportanceEvaluator(seed=seed)
    else:
        evaluator = PedAnovaImportanceEvaluator()
    view = optuna.create_study(directions=study.directions)
    view.add_trials(list(trials))
    params = list(space.distributions())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = get_param_importances(
                view, evaluator=evaluator, params=params, target=lambda t: t.values[objective]
            )
    except (ValueError, RuntimeError, ImportError) as err:
        _log.warning("Optuna's %s importances failed (%s); none shown.", name, err)
        return {}, None
    return {k: float(v) for k, v in values.items()}, name
