"""``BONASSampler``: Bayesian optimization over a bonas search space, as an Optuna sampler.

The sampler is thin glue: it reads the study's trials, turns their parameters into cells of the
space, and hands the numerical work to the layers below (encoding → surrogate → acquisition).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import optuna
from optuna.distributions import BaseDistribution
from optuna.samplers import BaseSampler, RandomSampler
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial, TrialState

from bonas.exceptions import BonasError, ConfigurationError
from bonas.spaces.base import SearchSpace

if TYPE_CHECKING:
    from optuna.study import Study

    from bonas.encodings.base import Encoder
    from bonas.surrogates.base import Surrogate

__all__ = ["BONASSampler", "SearchState"]

_log = logging.getLogger(__name__)

AcquisitionName = Literal["logei", "noisy_logei", "ucb", "thompson"]
PrunedPolicy = Literal["exclude", "last_value"]
_ACQUISITIONS = ("logei", "noisy_logei", "ucb", "thompson")
_PROPOSAL_ATTR = "bonas:proposal"
_MAX_RESERVATION_TRIES = 8


@dataclass
class SearchState:
    """What the study's trials say, in terms of the space (built anew for every suggestion).

    Attributes:
        archs: The cells with a value to learn from, in trial order.
        values: Their values, oriented so that higher is better.
        pending: Cells that other trials are evaluating now (RUNNING or WAITING).
        taken: Canonical keys never to propose again (complete, pending, pruned, or failed
            ``max_retries + 1`` times).
    """

    archs: list[Hashable] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    pending: list[Hashable] = field(default_factory=list)
    taken: set[str] = field(default_factory=set)


class BONASSampler(BaseSampler):
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
        pruned: PrunedPolicy = "exclude",
        max_retries: int = 1,
        candidate_chunk_size: int = 8192,
        seed: int | None = None,
        independent_sampler: BaseSampler | None = None,
    ) -> None:
        from bonas.surrogates.transforms import TARGET_TRANSFORMS

        if not isinstance(space, SearchSpace):
            raise ConfigurationError(
                "The 'space' parameter of BONASSampler must be a bonas SearchSpace such as "
                f"NB201Space() or CellSpace.nb101(). Got {type(space).__name__} instead."
            )
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
        if pruned not in ("exclude", "last_value"):
            raise ConfigurationError(
                "The 'pruned' parameter of BONASSampler must be 'exclude' or 'last_value'. "
                f"Got {pruned!r} instead."
            )
        if not isinstance(max_retries, int) or max_retries < 0:
            raise ConfigurationError(
                f"The 'max_retries' parameter of BONASSampler must be an int >= 0. "
                f"Got {max_retries!r} instead."
            )
        self.space = space
        if seed is None:
            seed_ = int(np.random.SeedSequence().generate_state(1)[0])
        self._seed: int = seed if seed is not None else seed_
        self._surrogate = self._make_surrogate(surrogate, dict(surrogate_kwargs or {}))
        self._encoder = self._make_encoder(encoding, encoding_kwargs or {})
        self.acquisition = acquisition
        self.acquisition_kwargs = dict(acquisition_kwargs or {})
        self.target_transform = target_transform
        self.n_startup_trials = n_startup_trials
        self.pruned = pruned
        self.max_retries = max_retries
        self.candidate_chunk_size = candidate_chunk_size
        self._independent = independent_sampler or RandomSampler(seed=seed)
        self._lock = threading.RLock()
        self._pool: tuple[list[Any], np.ndarray, dict[str, int]] | None = None
        self._warned: set[str] = set()

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
            reps: dict[str, Any] = {}
            for arch in self.space.enumerate():
                reps.setdefault(self.space.canonical(arch), arch)
            archs = list(reps.values())
            X = self._encode(archs)
            self._pool = (archs, X, {key: i for i, key in enumerate(reps)})
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

    # -- Optuna's sampler API -------------------------------------------------------------
    def reseed_rng(self) -> None:
        self._independent.reseed_rng()

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return self.space.distributions()

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        if not search_space or set(search_space) != set(self.space.distributions()):
            return {}
        if study._is_multi_objective():
            self._warn_once(
                "multi",
                "BONASSampler optimizes one objective; this study has several, so every "
                "parameter falls back to the independent sampler.",
            )
            return {}
        fixed = trial.system_attrs.get("fixed_params", {})
        if fixed and all(name in fixed for name in search_space):
            return {}  # an enqueued trial: its parameters are already chosen
        with self._lock:
            return self._propose_and_reserve(study, trial)

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        self._warn_once(
            f"param:{param_name}",
            f"Parameter {param_name!r} is not part of the space {self.space.name!r}; it is "
            f"sampled by {type(self._independent).__name__}.",
        )
        return self._independent.sample_independent(study, trial, param_name, param_distribution)

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        self._independent.before_trial(study, trial)

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        self._independent.after_trial(study, trial, state, values)

    # -- the search -----------------------------------------------------------------------
    def _rng(self, trial: FrozenTrial) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence([self._seed, trial.number]))

    def read_trials(self, study: Study, exclude: int | None = None) -> SearchState:
        """Read the study's trials into a :class:`SearchState` (cells, values, pending)."""
        state = SearchState()
        failures: Counter[str] = Counter()
        sign = 1.0 if study.direction == StudyDirection.MAXIMIZE else -1.0
        trials = study.get_trials(deepcopy=False)
        for t in trials:
            if t.number == exclude:
                continue
            arch = self._arch_of(t)
            if arch is None:
                continue
            key = self.space.canonical(arch)
            if t.state == TrialState.COMPLETE:
                value = t.value
                if value is None or not math.isfinite(value):
                    continue
                state.archs.append(arch)
                state.values.append(sign * value)
                state.taken.add(key)
            elif t.state in (TrialState.RUNNING, TrialState.WAITING):
                state.pending.append(arch)
                state.taken.add(key)
            elif t.state == TrialState.PRUNED:
                state.taken.add(key)
                if self.pruned == "last_value" and t.intermediate_values:
                    last = t.intermediate_values[max(t.intermediate_values)]
                    if math.isfinite(last):
                        state.archs.append(arch)
                        state.values.append(sign * last)
            elif t.state == TrialState.FAIL:
                failures[key] += 1
                if failures[key] > self.max_retries:
                    state.taken.add(key)
        return state

    def _arch_of(self, t: FrozenTrial) -> Any | None:
        params: dict[str, Any] = dict(t.params)
        if t.state in (TrialState.RUNNING, TrialState.WAITING):
            # A trial still suggesting holds part of its parameters: use the proposal recorded
            # by the sampler, or the parameters fixed by enqueue_trial.
            proposal = t.system_attrs.get(_PROPOSAL_ATTR, {}).get("params")
            proposal = proposal or t.system_attrs.get("fixed_params")
            if isinstance(proposal, dict):
                params = {**proposal, **params}
            if set(params) != set(self.space.distributions()):
                return None
        if not params:
            return None
        try:
            return self.space.from_params(params)
        except (BonasError, ValueError, TypeError, KeyError) as err:
            self._warn_once(
                f"trial:{t.number}",
                f"Trial {t.number} has parameters outside the space ({err}); it is ignored "
                "by the surrogate.",
            )
            return None

    def _propose_and_reserve(self, study: Study, trial: FrozenTrial) -> dict[str, Any]:
        """Propose a cell, record it on the trial, and yield to an earlier reservation.

        Workers that read the study at the same moment see the same data and would propose the
        same cell. So the proposal is written to the trial's system attributes with a time
        stamp, then the study is read again: if another unfinished trial reserved the same
        class earlier (by time stamp, then trial number), or a finished one holds it, this
        trial proposes again without that class. Of two racing workers exactly one yields.
        (Across machines this relies on their clocks agreeing to within a suggestion's time.)
        """
        rng = self._rng(trial)
        state = self.read_trials(study, exclude=trial.number)
        params: dict[str, Any] = {}
        for _ in range(_MAX_RESERVATION_TRIES):
            if len(state.values) < self.n_startup_trials:
                arch = self._random_untaken(state, rng)
            else:
                arch = self._model_based(state, rng)
            params = self.space.to_params(arch)
            stamp = [time.time(), trial.number]
            study._storage.set_trial_system_attr(
                trial._trial_id, _PROPOSAL_ATTR, {"params": params, "stamp": stamp}
            )
            key = self.space.canonical(arch)
            if not self._reserved_elsewhere(study, trial.number, key, stamp):
                return params
            state = self.read_trials(study, exclude=trial.number)
            state.taken.add(key)
        return params

    def _reserved_elsewhere(
        self, study: Study, number: int, key: str, stamp: list[float | int]
    ) -> bool:
        for t in study.get_trials(deepcopy=False):
            if t.number == number or t.state == TrialState.FAIL:
                continue
            if t.state in (TrialState.RUNNING, TrialState.WAITING):
                other = t.system_attrs.get(_PROPOSAL_ATTR)
                if not isinstance(other, dict) or list(other.get("stamp", [])) >= stamp:
                    continue
            arch = self._arch_of(t)
            if arch is not None and self.space.canonical(arch) == key:
                return True
        return False

    def _random_untaken(self, state: SearchState, rng: np.random.Generator) -> Any:
        if self.space.is_enumerable:
            archs, _, index = self._candidate_pool()
            free = [i for key, i in index.items() if key not in state.taken]
            if not free:
                return self._exhausted(state, rng)
            return archs[free[int(rng.integers(len(free)))]]
        for _ in range(100):
            for arch in self.space.sample(64, rng):
                if self.space.canonical(arch) not in state.taken:
                    return arch
        return self._exhausted(state, rng)

    def _exhausted(self, state: SearchState, rng: np.random.Generator) -> Any:
        self._warn_once(
            "exhausted",
            "Every canonical class of the space has been evaluated or is running; BONASSampler "
            "now proposes random cells, which repeat earlier ones.",
        )
        return self.space.sample(1, rng)[0]

    def _candidates(
        self, state: SearchState, rng: np.random.Generator
    ) -> tuple[list[Any], np.ndarray]:
        if self.space.is_enumerable:
            archs, X, index = self._candidate_pool()
            free = np.array([i for key, i in index.items() if key not in state.taken], dtype=int)
            return [archs[i] for i in free], X[free] if len(free) else X[:0]
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
        unique = []
        for arch in cands:
            key = canonical(arch)
            if key not in seen:
                seen.add(key)
                unique.append(arch)
        return unique, self._encode(unique) if unique else np.zeros((0, 1))

    def _model_based(self, state: SearchState, rng: np.random.Generator) -> Any:
        from bonas.acquisition.optimize import argmax_chunked
        from bonas.surrogates.transforms import transform_targets

        cand_archs, X_cand = self._candidates(state, rng)
        if not cand_archs:
            return self._exhausted(state, rng)
        X = self._encode(state.archs)
        y = transform_targets(np.asarray(state.values), self.target_transform)
        surrogate = self._surrogate.fit(X, y)
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
        best = argmax_chunked(acq, X_cand, rng=rng, chunk_size=self.candidate_chunk_size)
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

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            _log.warning(message)
            optuna.logging.get_logger("optuna").debug(message)
