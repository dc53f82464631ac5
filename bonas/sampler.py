"""``BONASSampler``: Bayesian optimization over a bonas search space, as an Optuna sampler.

The sampler is thin glue: it reads the study's trials, turns their parameters into cells of the
space, and hands the numerical work to the layers below (encoding → surrogate → acquisition).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from bonas.exceptions import ConfigurationError
from bonas.samplers.base import SearchState, SpaceSampler, SpaceSamplerOptions, class_pool

if TYPE_CHECKING:
    from optuna.trial import FrozenTrial
    from typing_extensions import Unpack

    from bonas.encodings.base import Encoder
    from bonas.spaces.base import SearchSpace
    from bonas.surrogates.base import Surrogate

__all__ = ["BONASSampler", "SearchState"]

AcquisitionName = Literal["logei", "noisy_logei", "ucb", "thompson"]
_ACQUISITIONS = ("logei", "noisy_logei", "ucb", "thompson")
# A proposal that lost its class to another worker is drawn among at most this many next-best.
_MAX_SPREAD = 16


@dataclass(frozen=True)
class _Ranking:
    """The candidates of one trial's last model-based proposal, by acquisition value."""

    trial: int
    archs: list[Any]
    keys: list[str]
    order: list[int]


class BONASSampler(SpaceSampler):
    """Bayesian-optimization NAS sampler for Optuna studies over a bonas search space.

    For each trial it fits a surrogate to the finished trials (encoded architectures →
    values), fantasizes the trials other workers are running (kriging believer), and proposes
    the cell that maximizes the acquisition among the canonical classes not yet taken. Where
    the space can be enumerated (NB201), every class is scored; otherwise candidates come from
    mutations of the best cells plus random ones.

    The objective asks for the cell with ``arch = space.suggest(trial)``.

    Args:
        space: The search space the objective suggests from.
        surrogate: A registered surrogate name (``"gp"``, ``"ensemble"``, or a plug-in's),
            a :class:`~bonas.surrogates.Surrogate` instance, or a class.
        surrogate_kwargs: Options for a surrogate given by name or class.
        encoding: A registered encoding name (``"path_adjacency"``, ``"path"``,
            ``"adjacency"``, ``"wl"``, …) or an encoder instance built for ``space.graph_spec``.
        encoding_kwargs: Options for an encoding given by name.
        acquisition: ``"logei"`` (log expected improvement), ``"noisy_logei"`` (log-EI whose
            incumbent is the best posterior mean, for noisy objectives), ``"ucb"`` or
            ``"thompson"`` (independent Thompson sampling).
        acquisition_kwargs: Options of the acquisition, e.g. ``{"beta": 4.0}`` for UCB or
            ``{"xi": 0.1}`` for log-EI.
        target_transform: ``"copula"`` (normal scores of ranks) or ``"none"``.
        n_startup_trials: Trials drawn at random (distinct classes) before the model is used.
        pruned: What PRUNED trials mean. ``"exclude"``: their class is never proposed again
            and their value is not learned from (a pruned run's last report understates the
            cell). ``"last_value"``: the last intermediate value is learned as the cell's value.
        max_retries: A class whose trials FAILED more than this many times is not proposed
            again; below that it may be retried (a crashed worker's cell is retried). FAIL
            trials are never read as values.
        candidate_chunk_size: Candidates scored per batch.
        seed: Seed of every random choice; the same seed gives the same trials.
        independent_sampler: Samples parameters outside the space (default: RandomSampler
            with the same seed). Each such fallback is logged with its reason.

    Example:
        >>> import optuna
        >>> from bonas import BONASSampler, NB201Benchmark, NB201Space
        >>> bench = NB201Benchmark("cifar10")
        >>> sampler = BONASSampler(NB201Space(), seed=0, n_startup_trials=5)
        >>> study = optuna.create_study(direction="maximize", sampler=sampler)
        >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
        >>> study.optimize(bench.objective, n_trials=8)
        >>> len(study.trials)
        8
    """

    def __init__(
        self,
        space: SearchSpace[Any],
        *,
        surrogate: str | Surrogate | type[Surrogate] = "gp",
        surrogate_kwargs: dict[str, Any] | None = None,
        encoding: str | Encoder = "path_adjacency",
        encoding_kwargs: dict[str, Any] | None = None,
        acquisition: AcquisitionName = "logei",
        acquisition_kwargs: dict[str, Any] | None = None,
        target_transform: str = "copula",
        n_startup_trials: int = 10,
        candidate_chunk_size: int = 8192,
        **options: Unpack[SpaceSamplerOptions],
    ) -> None:
        from bonas.surrogates.transforms import TARGET_TRANSFORMS

        super().__init__(space, **options)
        if acquisition not in _ACQUISITIONS:
            raise ConfigurationError(
                "The 'acquisition' parameter of BONASSampler must be one of "
                f"{list(_ACQUISITIONS)}. Got {acquisition!r} instead."
            )
        if target_transform not in TARGET_TRANSFORMS:
            raise ConfigurationError(
                "The 'target_transform' parameter of BONASSampler must be one of "
                f"{sorted(TARGET_TRANSFORMS)}. Got {target_transform!r} instead."
            )
        if not isinstance(n_startup_trials, int) or n_startup_trials < 1:
            raise ConfigurationError(
                "The 'n_startup_trials' parameter of BONASSampler must be an int >= 1. "
                f"Got {n_startup_trials!r} instead."
            )
        self._surrogate = self._make_surrogate(surrogate, dict(surrogate_kwargs or {}))
        self._encoder = self._make_encoder(encoding, encoding_kwargs or {})
        self.acquisition = acquisition
        self.acquisition_kwargs = dict(acquisition_kwargs or {})
        self.target_transform = target_transform
        self.n_startup_trials = n_startup_trials
        self.candidate_chunk_size = candidate_chunk_size
        self._pool: tuple[list[Any], np.ndarray, dict[str, int]] | None = None
        self._fitted_on: tuple[int, ...] | None = None  # trial numbers of the last full fit
        self._ranking: _Ranking | None = None  # the last trial's candidates, best first

    # -- set-up ---------------------------------------------------------------------------
    def _make_surrogate(
        self, surrogate: str | Surrogate | type[Surrogate], kwargs: dict[str, Any]
    ) -> Surrogate:
        """Build the surrogate; one that takes a ``seed`` gets one derived from the sampler's."""
        import inspect

        from bonas.surrogates import registry

        if isinstance(surrogate, (str, type)) and "seed" not in kwargs:
            cls = registry.get(surrogate) if isinstance(surrogate, str) else surrogate
            if "seed" in inspect.signature(cls).parameters:
                kwargs["seed"] = int(np.random.SeedSequence([self._seed, 11]).generate_state(1)[0])
        return registry.make(surrogate, **kwargs)

    def _make_encoder(self, encoding: str | Encoder, kwargs: dict[str, Any]) -> Encoder:
        from bonas import encodings

        encoder = encodings.make(encoding, self.space.graph_spec, **kwargs)
        if hasattr(encoder, "fit") and getattr(encoder, "requires_fit", False):
            rng = np.random.default_rng(np.random.SeedSequence([self._seed, 7]))
            if self.space.is_enumerable:
                archs = list(self.space.enumerate())
            else:
                archs = self.space.sample(2000, rng)
            encoder.fit([self.space.to_graph(a) for a in archs])
        return encoder

    def _candidate_pool(self) -> tuple[list[Any], np.ndarray, dict[str, int]]:
        """One representative per canonical class of an enumerable space, and its encoding."""
        if self._pool is None:
            pool = class_pool(self.space)
            archs = list(pool.representatives)
            self._pool = (archs, self._encode(archs), dict(pool.index))
        return self._pool

    def _encode(self, archs: Sequence[Any]) -> np.ndarray:
        X = self._encoder.encode([self.space.to_graph(a) for a in archs])
        width = self._encoder.n_features
        if X.ndim != 2 or X.shape[1] != width:
            raise ConfigurationError(
                f"The encoder {type(self._encoder).__name__} declares n_features={width} but "
                f"returned an array of shape {X.shape}. A custom encoder's encode() must return "
                "(n_graphs, n_features)."
            )
        return X

    # -- the search -----------------------------------------------------------------------
    def _propose(self, state: SearchState, rng: np.random.Generator, trial: FrozenTrial) -> Any:
        if len(state.values) < self.n_startup_trials:
            return self._random_untaken(state, rng, uniform_over="classes")
        ranking = self._ranking
        if ranking is not None and ranking.trial == trial.number:
            return self._next_ranked(ranking, state, rng)
        return self._model_based(state, rng, trial.number)

    def _next_ranked(self, ranking: _Ranking, state: SearchState, rng: np.random.Generator) -> Any:
        """Propose again after another worker took the cell: no refit (trials finished since
        are learned from at the next trial), a cell drawn among the next best of this trial's
        ranking, as many as workers are choosing, so that the workers that lost the same
        contest spread out instead of colliding again."""
        free = [i for i in ranking.order if ranking.keys[i] not in state.taken]
        if not free:
            return self._exhausted(rng)
        k = min(len(free), len(state.pending) + 1, _MAX_SPREAD)
        return ranking.archs[free[int(rng.integers(k))]]

    def _candidates(
        self, state: SearchState, rng: np.random.Generator
    ) -> tuple[list[Any], np.ndarray, list[str]]:
        if self.space.is_enumerable:
            archs, X, index = self._candidate_pool()
            pairs = [(key, i) for key, i in index.items() if key not in state.taken]
            free = np.array([i for _, i in pairs], dtype=int)
            keys = [key for key, _ in pairs]
            return [archs[i] for i in free], X[free] if len(free) else X[:0], keys
        from bonas.acquisition.optimize import mutation_candidates

        order = np.argsort(state.values)[::-1][:10]
        canonical = self.space.canonical
        cands = mutation_candidates(
            [state.archs[i] for i in order],
            self.space.neighbors,
            self.space.sample,
            taken=lambda a: canonical(a) in state.taken,
            rng=rng,
        )
        # Several candidates may share a class: keep the first of each.
        seen: set[str] = set()
        unique, keys = [], []
        for arch in cands:
            key = canonical(arch)
            if key not in seen:
                seen.add(key)
                unique.append(arch)
                keys.append(key)
        return unique, self._encode(unique) if unique else np.zeros((0, 1)), keys

    def _model_based(self, state: SearchState, rng: np.random.Generator, number: int) -> Any:
        from bonas.acquisition.optimize import argmax_scores, score_chunked
        from bonas.surrogates.transforms import transform_targets

        cand_archs, X_cand, keys = self._candidates(state, rng)
        if not cand_archs:
            return self._exhausted(rng)
        X = self._encode(state.archs)
        y = transform_targets(np.asarray(state.values), self.target_transform)
        fitted_on = tuple(state.numbers)
        if fitted_on == self._fitted_on and hasattr(self._surrogate, "condition"):
            # The same trials as the last fit (a proposal lost to another worker, or a trial
            # failed): keep the hyperparameters, refit the data only.
            surrogate = self._surrogate.condition(X, y)
        else:
            surrogate = self._surrogate.fit(X, y)
            self._fitted_on = fitted_on
        if state.pending:
            # Kriging believer: the pending cells are believed to score the current mean, so
            # the model's uncertainty shrinks around them and the next pick goes elsewhere.
            X_pend = self._encode(state.pending)
            believed = surrogate.predict(X_pend)
            refit: Callable[[np.ndarray, np.ndarray], Any] = getattr(
                surrogate, "condition", surrogate.fit
            )
            surrogate = refit(np.vstack([X, X_pend]), np.concatenate([y, believed]))
        acq = self._acquisition_function(surrogate, X, y, rng)
        scores = score_chunked(acq, X_cand, chunk_size=self.candidate_chunk_size)
        best = argmax_scores(scores, rng=rng)
        order = [best, *(int(i) for i in np.argsort(-scores, kind="stable") if i != best)]
        self._ranking = _Ranking(number, cand_archs, keys, order)
        return cand_archs[best]

    def _acquisition_function(
        self, surrogate: Surrogate, X: np.ndarray, y: np.ndarray, rng: np.random.Generator
    ) -> Callable[[np.ndarray], np.ndarray]:
        from bonas.acquisition import functions as F

        kw = self.acquisition_kwargs
        if self.acquisition == "logei":
            return F.LogEI(surrogate, best_f=float(np.max(y)), **kw)
        if self.acquisition == "noisy_logei":
            return F.NoisyLogEI(surrogate, X_observed=X, **kw)
        if self.acquisition == "ucb":
            return F.UCB(surrogate, **kw)
        return F.ThompsonSampling(surrogate, rng=rng, **kw)
