"""``BONASSampler``: Bayesian optimization over a bonas search space, as an Optuna sampler.

The sampler is thin glue: it reads the study's trials, turns their parameters into cells of the
space, and hands the numerical work to the layers below (encoding → surrogate → acquisition).
"""

from __future__ import annotations

import warnings
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
_ENCODING_MEMO_LIMIT = 200_000  # cells whose encoding is kept between suggestions
CandidateSearch = Literal["auto", "enumerate", "mutation"]
_CANDIDATE_SEARCHES = ("auto", "enumerate", "mutation")
# A proposal that lost its class to another worker is drawn among at most this many next-best.
_MAX_SPREAD = 16
_WARM_STARTS = ("synflow",)
# Cells a proxy scores on a space that cannot be listed (its best make the warm-start pool).
_WARM_SAMPLE = 2000
# The default prior_weight with the log-EI acquisitions (benchmarks/results/zero_cost.md).
_PRIOR_WEIGHT = 5.0


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
    mutations of the best cells plus random ones. Every other model-based trial is a local
    step that looks only one move from the best cell so far (``local_every``). On NB201 a
    zero-cost proxy (synflow) picks half the startup cells and then weighs on the acquisition
    as a fading prior while it agrees with the values seen (``warm_start``, ``prior_weight``).

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
        warm_start: A zero-cost proxy that picks the first ``n_warm_start`` of the startup
            trials: ``"synflow"`` (NB201 only, :func:`bonas.nb201.proxies.synflow`, computed
            once per machine and cached) or a callable that maps a list of cells to one score
            each (higher: more promising). Those trials are drawn at random among the untaken
            classes in the proxy's top ``warm_start_pool``; the rest of the startup stays
            random. ``"auto"`` (default): synflow on an :class:`~bonas.NB201Space`, no warm
            start on other spaces. ``None``: every startup trial is random. On NB201 synflow
            lowered the queries to the optimum on cifar10 and cifar100 and cost nothing
            measurable where it points the wrong way (``benchmarks/results/zero_cost.md``); pass
            ``None`` when the objective is not the accuracy of a trained network (a latency, a
            parameter count, a synthetic function of the cell).
        n_warm_start: Startup trials the proxy picks, at most ``n_startup_trials``; default:
            half of them, rounded up (5 of 10).
        warm_start_pool: Size of the proxy's top list they are drawn from.
        prior_weight: How much the warm-start proxy also steers the model-based trials, as a
            prior on the acquisition (πBO, Hvarfner et al. 2022): each candidate's log-EI gets
            ``prior_weight × ρ⁺ / n × z``, with ``z`` the normal score of the candidate's
            proxy rank, ``n`` the model-based trials so far (the prior fades as data comes
            in) and ``ρ⁺`` the proxy's Spearman correlation with the values seen so far, or 0
            where it is not positive (a proxy the data contradict is ignored). ``0``: the
            proxy picks startup cells only. Default (``None``): 5 with the
            log-EI acquisitions, 0 with UCB and Thompson sampling, whose values are not on a
            log scale. No effect without a warm start.
        candidate_search: Where the acquisition looks. ``"enumerate"`` scores every untaken
            canonical class (enumerable spaces only); ``"mutation"`` scores the mutations of
            the best cells found so far plus random cells (BANANAS' acquisition search);
            ``"auto"`` enumerates where the space can be enumerated and mutates otherwise.
        candidate_kwargs: Options of the mutation search
            (:func:`~bonas.acquisition.optimize.mutation_candidates`), e.g.
            ``{"n_incumbents": 10, "depth": 1, "n_random": 0}``.
        local_every: Every ``local_every``-th model-based trial (when the number of finished
            trials is a multiple of it) scores only the untaken classes one move away from
            the best cell so far (``space.neighbors``), and all candidates when those are
            taken; ``0`` turns local steps off. The default, ``2``, alternates global and
            local steps: once a good cell is found, its better neighbours are tried sooner
            than the global acquisition would (``benchmarks/results/bonas_ablation.md``).
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
        warm_start: str | Callable[[list[Any]], Any] | None = "auto",
        n_warm_start: int | None = None,
        warm_start_pool: int = 100,
        prior_weight: float | None = None,
        candidate_search: CandidateSearch = "auto",
        candidate_kwargs: dict[str, Any] | None = None,
        local_every: int = 2,
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
        self._check_warm_start(warm_start, n_warm_start, warm_start_pool, n_startup_trials)
        self._prior_weight = self._check_prior_weight(prior_weight, acquisition)
        if isinstance(local_every, bool) or not isinstance(local_every, int) or local_every < 0:
            raise ConfigurationError(
                "The 'local_every' parameter of BONASSampler must be an int >= 0 (0: no local "
                f"steps). Got {local_every!r} instead."
            )
        if candidate_search not in _CANDIDATE_SEARCHES:
            raise ConfigurationError(
                "The 'candidate_search' parameter of BONASSampler must be one of "
                f"{list(_CANDIDATE_SEARCHES)}. Got {candidate_search!r} instead."
            )
        if candidate_search == "enumerate" and not space.is_enumerable:
            raise ConfigurationError(
                "The 'candidate_search' parameter of BONASSampler is 'enumerate', but "
                f"{type(space).__name__} cannot be enumerated. Use 'mutation' or 'auto'."
            )
        self._surrogate = self._make_surrogate(surrogate, dict(surrogate_kwargs or {}))
        self._encoder = self._make_encoder(encoding, encoding_kwargs or {})
        self.acquisition = acquisition
        self.acquisition_kwargs = dict(acquisition_kwargs or {})
        self.target_transform = target_transform
        self.n_startup_trials = n_startup_trials
        self.warm_start = warm_start
        self._proxy = self._resolve_warm_start(warm_start)  # None, "synflow" or a callable
        self.n_warm_start = (n_startup_trials + 1) // 2 if n_warm_start is None else n_warm_start
        self.warm_start_pool = warm_start_pool
        self.prior_weight = prior_weight
        self._warm_pool: tuple[list[Any], list[str]] | None = None  # the proxy's top classes
        # The proxy's reference cells, keys and scores, and its scores by key.
        self._proxy_ref: tuple[list[Any], list[str], np.ndarray] | None = None
        self._proxy_memo: dict[str, float] = {}
        self.candidate_search = candidate_search
        self.candidate_kwargs = dict(candidate_kwargs or {})
        self.local_every = local_every
        self.candidate_chunk_size = candidate_chunk_size
        self._pool: tuple[list[Any], np.ndarray, dict[str, int]] | None = None
        self._encoding_memo: dict[Any, np.ndarray] = {}
        self._fitted_on: tuple[int, ...] | None = None  # trial numbers of the last full fit
        self._ranking: _Ranking | None = None  # the last trial's candidates, best first

    @classmethod
    def bananas(cls, space: SearchSpace[Any], **options: Any) -> BONASSampler:
        """BANANAS (White, Neiswanger & Savani, AAAI 2021) as a configuration of this sampler.

        A deep ensemble of 5 MLPs on the path encoding, trained on the raw values; independent
        Thompson sampling; candidates from one-edge mutations of the 10 best cells found so far
        plus 100 random cells (the paper's mutation-based acquisition search, also on
        enumerable spaces), no local steps; 10 random cells to start (no warm start).
        ``options`` override any of these (``candidate_kwargs`` key by key) and take the shared
        sampler options (``seed``, …).

        Example:
            >>> from bonas import BONASSampler, NB201Space
            >>> BONASSampler.bananas(NB201Space(), seed=0).acquisition
            'thompson'
        """
        config: dict[str, Any] = {
            "surrogate": "ensemble",
            "encoding": "path",
            "acquisition": "thompson",
            "target_transform": "none",
            "n_startup_trials": 10,
            "warm_start": None,
            "candidate_search": "mutation",
            "candidate_kwargs": {"n_incumbents": 10, "depth": 1, "n_random": 100},
            "local_every": 0,
        }
        config["candidate_kwargs"].update(options.pop("candidate_kwargs", None) or {})
        config.update(options)
        return cls(space, **config)

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

    def _is_nb201(self) -> bool:
        from bonas.spaces.nb201 import NB201Space

        return isinstance(self.space, NB201Space)

    def _resolve_warm_start(self, warm_start: Any) -> str | Callable[[list[Any]], Any] | None:
        """The proxy ``warm_start`` stands for: ``"auto"`` is synflow on NB201, else none."""
        if warm_start == "auto":
            return "synflow" if self._is_nb201() else None
        return warm_start

    @staticmethod
    def _check_prior_weight(prior_weight: Any, acquisition: str) -> float:
        """``prior_weight`` as a number, the default resolved for ``acquisition``."""
        log_scale = acquisition in ("logei", "noisy_logei")
        if prior_weight is None:
            return _PRIOR_WEIGHT if log_scale else 0.0
        if (
            isinstance(prior_weight, bool)
            or not isinstance(prior_weight, (int, float))
            or not 0 <= prior_weight < float("inf")
        ):
            raise ConfigurationError(
                "The 'prior_weight' parameter of BONASSampler must be a finite number >= 0 "
                f"(0: no prior) or None. Got {prior_weight!r} instead."
            )
        if prior_weight > 0 and not log_scale:
            raise ConfigurationError(
                f"The 'prior_weight' parameter of BONASSampler is {prior_weight!r}, but the "
                f"acquisition {acquisition!r} is not on a log scale, so a prior cannot be added "
                "to it. Use acquisition='logei' or 'noisy_logei', or prior_weight=0."
            )
        return float(prior_weight)

    def _check_warm_start(
        self, warm_start: Any, n_warm_start: Any, pool: Any, n_startup_trials: int
    ) -> None:
        if warm_start is not None and not callable(warm_start):
            if warm_start not in ("auto", *_WARM_STARTS):
                raise ConfigurationError(
                    "The 'warm_start' parameter of BONASSampler must be None, 'auto', one of "
                    f"{list(_WARM_STARTS)} or a callable (cells -> scores). Got {warm_start!r} "
                    "instead."
                )
            if warm_start == "synflow" and not self._is_nb201():
                raise ConfigurationError(
                    f"The 'warm_start' parameter of BONASSampler is {warm_start!r}, which scores "
                    f"NB201 networks, but the space is a {type(self.space).__name__}. Pass a "
                    "callable that scores this space's cells, or warm_start=None."
                )
        checks: list[tuple[str, Any, int, int | None]] = [("warm_start_pool", pool, 1, None)]
        if n_warm_start is not None:
            checks.append(("n_warm_start", n_warm_start, 0, n_startup_trials))
        for name, value, low, high in checks:
            if (
                isinstance(value, bool)
                or not isinstance(value, int)
                or value < low
                or (high is not None and value > high)
            ):
                bound = (
                    f"an int in [{low}, n_startup_trials={high}]" if high else f"an int >= {low}"
                )
                raise ConfigurationError(
                    f"The '{name}' parameter of BONASSampler must be {bound}. "
                    f"Got {value!r} instead."
                )

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
        """The encoding of ``archs``, one row each; rows of cells met before come from a memo
        (the mutation search meets most of its candidates again at the next step)."""
        width = self._encoder.n_features
        memo = self._encoding_memo
        missing = [a for a in dict.fromkeys(archs) if a not in memo]
        if missing:
            X_new = self._encoder.encode([self.space.to_graph(a) for a in missing])
            if X_new.ndim != 2 or X_new.shape != (len(missing), width):
                raise ConfigurationError(
                    f"The encoder {type(self._encoder).__name__} declares n_features={width} "
                    f"but returned an array of shape {X_new.shape} for {len(missing)} graphs. "
                    "A custom encoder's encode() must return (n_graphs, n_features)."
                )
            if len(memo) + len(missing) > _ENCODING_MEMO_LIMIT:
                memo.clear()
            memo.update(zip(missing, X_new, strict=True))
        if not archs:
            return np.zeros((0, width))
        return np.stack([memo[a] for a in archs])

    # -- the search -----------------------------------------------------------------------
    def propose(self, state: SearchState, rng: np.random.Generator, trial: FrozenTrial) -> Any:
        if len(state.values) < self.n_startup_trials:
            started = len(state.values) + len(state.pending)
            if self._proxy is not None and started < self.n_warm_start:
                archs, keys = self._warm_start_pool()
                free = [i for i, key in enumerate(keys) if key not in state.taken]
                if free:
                    return archs[free[int(rng.integers(len(free)))]]
            return self.random_untaken(state, rng, uniform_over="classes")
        ranking = self._ranking
        if ranking is not None and ranking.trial == trial.number:
            return self._next_ranked(ranking, state, rng)
        return self._model_based(state, rng, trial.number)

    def _warm_start_pool(self) -> tuple[list[Any], list[str]]:
        """The proxy's ``warm_start_pool`` best classes (one cell each) and their keys."""
        if self._warm_pool is None:
            cells, keys, scores = self._proxy_reference()
            top = np.argsort(-scores, kind="stable")[: self.warm_start_pool]
            self._warm_pool = ([cells[i] for i in top], [keys[i] for i in top])
        return self._warm_pool

    def _proxy_reference(self) -> tuple[list[Any], list[str], np.ndarray]:
        """The cells the proxy is scored on once: one per class of an enumerable space, else
        ``_WARM_SAMPLE`` sampled cells (distinct classes); their keys and scores."""
        if self._proxy_ref is not None:
            return self._proxy_ref
        if self.space.is_enumerable:
            pool = class_pool(self.space)
            cells, keys = list(pool.representatives), list(pool.index)  # both in class order
        else:
            rng = np.random.default_rng(np.random.SeedSequence([self._seed, 13]))
            by_key = {self.space.canonical(a): a for a in self.space.sample(_WARM_SAMPLE, rng)}
            cells, keys = list(by_key.values()), list(by_key)
        scores = self._proxy_scores(cells, keys)
        self._proxy_ref = (cells, keys, scores)
        self._proxy_memo = dict(zip(keys, scores.tolist(), strict=True))
        return self._proxy_ref

    def _proxy_scores(self, cells: list[Any], keys: list[str]) -> np.ndarray:
        """The proxy's score of each of ``cells`` (whose canonical keys are ``keys``)."""
        if self._proxy == "synflow":
            from bonas.nb201.proxies import synflow_table

            table = synflow_table()
            return np.array([table[key] for key in keys])
        assert callable(self._proxy)
        name = getattr(self._proxy, "__name__", type(self._proxy).__name__)
        returned = self._proxy(cells)
        try:
            scores = np.asarray(returned, dtype=float)
        except (TypeError, ValueError):
            raise ConfigurationError(
                f"The 'warm_start' proxy {name} of BONASSampler must return one number per "
                f"cell. Got {type(returned).__name__} {str(returned)[:80]!r}."
            ) from None
        if scores.shape != (len(cells),) or not np.all(np.isfinite(scores)):
            raise ConfigurationError(
                f"The 'warm_start' proxy {name} of BONASSampler must return one finite "
                f"score per cell: {len(cells)} for the {len(cells)} cells it was given. "
                f"Got an array of shape {scores.shape}"
                f"{'' if scores.shape != (len(cells),) else ' with NaN or inf in it'}."
            )
        return scores

    def _proxy_normal_scores(self, archs: Sequence[Any], keys: Sequence[str]) -> np.ndarray:
        """The proxy's view of ``archs`` as normal scores of their ranks among the reference
        cells' proxy scores (the copula of the targets, applied to the proxy), so that its
        scale does not matter. Cells outside the reference are scored and kept."""
        from bonas.surrogates.transforms import normal_scores

        _, _, reference = self._proxy_reference()
        memo = self._proxy_memo
        missing = [i for i, key in enumerate(keys) if key not in memo]
        if missing:
            fresh = self._proxy_scores([archs[i] for i in missing], [keys[i] for i in missing])
            memo.update(zip((keys[i] for i in missing), fresh.tolist(), strict=True))
        return normal_scores(np.array([memo[key] for key in keys]), reference)

    def _prior_term(
        self, state: SearchState, archs: Sequence[Any], keys: Sequence[str]
    ) -> np.ndarray | None:
        """What the proxy adds to the candidates' log-acquisition (πBO): ``prior_weight`` ×
        max(0, the proxy's rank correlation with the values seen so far) / (model-based
        trials so far) × the candidates' normal scores; ``None`` when that weight is 0."""
        if self._proxy is None or self._prior_weight == 0 or len(state.values) < 3:
            return None
        from scipy.stats import spearmanr

        seen = self._proxy_normal_scores(
            state.archs, [self.space.canonical(a) for a in state.archs]
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # constant input: NaN, handled below
            rho = float(spearmanr(seen, state.values)[0])
        if not rho > 0:  # NaN (constant values or scores) counts as no agreement
            return None
        n_model = max(1, len(state.values) - self.n_startup_trials + 1)
        weight = self._prior_weight * rho / n_model
        return weight * self._proxy_normal_scores(archs, keys)

    def _next_ranked(self, ranking: _Ranking, state: SearchState, rng: np.random.Generator) -> Any:
        """Propose again after another worker took the cell: no refit (trials finished since
        are learned from at the next trial), a cell drawn among the next best of this trial's
        ranking, as many as workers are choosing, so that the workers that lost the same
        contest spread out instead of colliding again."""
        free = [i for i in ranking.order if ranking.keys[i] not in state.taken]
        if not free:
            return self.exhausted(rng)
        k = min(len(free), len(state.pending) + 1, _MAX_SPREAD)
        return ranking.archs[free[int(rng.integers(k))]]

    def _candidates(
        self, state: SearchState, rng: np.random.Generator
    ) -> tuple[list[Any], np.ndarray, list[str]]:
        archs, X, keys = self._all_candidates(state, rng)
        n = len(state.values)
        if not self.local_every or n % self.local_every or not keys:
            return archs, X, keys
        # A local step: only the untaken classes one move from the best cell.
        best = state.archs[int(np.argmax(state.values))]
        near = {self.space.canonical(a) for a in self.space.neighbors(best)}
        keep = [i for i, key in enumerate(keys) if key in near]
        if not keep:
            return archs, X, keys
        return [archs[i] for i in keep], X[keep], [keys[i] for i in keep]

    def _all_candidates(
        self, state: SearchState, rng: np.random.Generator
    ) -> tuple[list[Any], np.ndarray, list[str]]:
        if self.candidate_search != "mutation" and self.space.is_enumerable:
            archs, X, index = self._candidate_pool()
            pairs = [(key, i) for key, i in index.items() if key not in state.taken]
            free = np.array([i for _, i in pairs], dtype=int)
            keys = [key for key, _ in pairs]
            return [archs[i] for i in free], X[free] if len(free) else X[:0], keys
        from bonas.acquisition.optimize import mutation_candidates

        kwargs = dict(self.candidate_kwargs)
        order = np.argsort(state.values, kind="stable")[::-1][: kwargs.pop("n_incumbents", 10)]
        canonical = self.space.canonical
        cands = mutation_candidates(
            [state.archs[i] for i in order],
            self.space.neighbors,
            self.space.sample,
            taken=lambda a: canonical(a) in state.taken,
            rng=rng,
            **kwargs,
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
        return unique, self._encode(unique), keys

    def _model_based(self, state: SearchState, rng: np.random.Generator, number: int) -> Any:
        from bonas.acquisition.optimize import argmax_scores, score_chunked
        from bonas.surrogates.transforms import transform_targets

        cand_archs, X_cand, keys = self._candidates(state, rng)
        if not cand_archs:
            # Every mutation of the best cells is taken (or the space is used up, which
            # random_untaken reports).
            return self.random_untaken(state, rng)
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
        prior = self._prior_term(state, cand_archs, keys)
        if prior is not None:
            scores = scores + prior
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
