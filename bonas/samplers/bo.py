"""``BONASSampler``: Bayesian optimization over a bonas search space, as an Optuna sampler.

The sampler is thin glue: it reads the study's trials, turns their parameters into cells of the
space, and hands the numerical work to the layers below (encoding → surrogate → acquisition).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from bonas._validation import bind_options, check_choice, check_int, invalid
from bonas.exceptions import ConfigurationError
from bonas.proxies.base import Proxy
from bonas.samplers.base import Proposal, SearchState, SpaceSampler, SpaceSamplerOptions
from bonas.samplers.known import KnownFunctions
from bonas.samplers.transfer import SourceData, read_sources, source_trusted, source_weights
from bonas.samplers.warm_start import ProxyGuide, WarmStart, make_proxy
from bonas.spaces.pool import class_pool

if TYPE_CHECKING:
    import optuna
    from optuna.trial import FrozenTrial
    from typing_extensions import Unpack

    from bonas.acquisition.functions import Acquisition
    from bonas.encodings.base import Encoder
    from bonas.spaces.base import SearchSpace
    from bonas.surrogates.base import Surrogate

__all__ = ["BONASSampler", "SearchState", "WarmStart"]

AcquisitionName = Literal["logei", "noisy_logei", "ucb", "thompson"]
_ACQUISITIONS = ("logei", "noisy_logei", "ucb", "thompson")
_ENCODING_MEMO_LIMIT = 200_000  # cells whose encoding is kept between suggestions
_ZERO_SHOT_POOL = 1000  # the sources' best classes kept for the zero-shot startup
CandidateSearch = Literal["auto", "enumerate", "mutation"]
_CANDIDATE_SEARCHES = ("auto", "enumerate", "mutation")
# A proposal that lost its class to another worker is drawn among at most this many next-best.
_MAX_SPREAD = 16
#: The trial system attribute holding the weight of each ``transfer_from`` source at that trial.
TRANSFER_ATTR = "bonas:transfer"
# The options BONASSampler passes to each acquisition itself (acquisition_kwargs may not).
_ACQUISITION_GIVEN = {
    "logei": ("surrogate", "best_f"),
    "noisy_logei": ("surrogate", "X_observed"),
    "ucb": ("surrogate",),
    "thompson": ("surrogate", "rng"),
}
# The warm-start keywords of earlier versions, now fields of WarmStart.
_LEGACY_WARM_START = {
    "n_warm_start": "n_cells",
    "warm_start_pool": "pool",
    "prior_weight": "prior_weight",
}


@dataclass(frozen=True)
class _Ranking:
    """The candidates of one trial's last model-based proposal, by acquisition value."""

    trial: int
    archs: list[Any]
    keys: list[str]
    order: list[int]


class BONASSampler(SpaceSampler):
    """Bayesian-optimization NAS sampler for Optuna studies over a bonas search space.

    In a study with several objectives (``directions=[...]``), each objective that is not
    known gets a surrogate of its own, and the next cell maximizes the log expected
    hypervolume improvement (:mod:`bonas.acquisition.multi`); the warm start and its prior
    concern the first objective (put the accuracy first), and are used only where every other
    objective is known (a proxy that grows with the cell's size would favour the costly end
    of a learned cost such as latency).

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
        warm_start: A zero-cost proxy that picks part of the startup trials and then steers
            the model-based ones as a fading prior: a :class:`WarmStart` (the proxy and how
            it is used), or only its proxy — a registered proxy name (``"synflow"``, NB201
            only; :mod:`bonas.proxies`), a :class:`~bonas.proxies.Proxy` or a callable that
            maps a list of cells to one score each (higher: more promising) — with
            :class:`WarmStart`'s defaults. ``"auto"`` (default): the space's
            :attr:`~bonas.spaces.base.SearchSpace.default_proxy` (synflow on an
            :class:`~bonas.NB201Space`, none on other spaces). ``None``: every startup trial is
            random and there is no prior. What synflow does on NB201, also where it points the
            wrong way, is measured in ``benchmarks/results/zero_cost.md``; pass ``None`` when
            the objective is not the accuracy of a trained network (a latency, a parameter
            count, a synthetic function of the cell).
        n_warm_start: Deprecated: ``WarmStart(n_cells=...)``.
        warm_start_pool: Deprecated: ``WarmStart(pool=...)``.
        prior_weight: Deprecated: ``WarmStart(prior_weight=...)``.
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
        known_objectives: The objectives that are exact functions of the cell (a parameter
            or FLOP count, a formula), as objective index (position in the study's
            ``directions``) → function of the cell returning the objective's value: computed
            for every candidate, never modelled. The objective must still return them.
        known_constraints: Constraints that are exact functions of the cell, as name →
            function (or a list of functions); a cell is feasible where each is ``<= 0``. No
            cell that breaks one is ever proposed, and of a class the member that meets them
            is run; a space no cell of which meets them is an error here. Constraints the
            objective measures go through Optuna's ``trial.set_constraint(key, value)``
            (feasible when ``<= 0``) and are learned, each by a surrogate, as a probability
            of feasibility; while some candidate is more likely feasible than not, none that
            is not is proposed.
        transfer_from: What finished searches on other datasets learned, on the same space
            and with the same direction (:mod:`bonas.samplers.transfer`): an Optuna study (any
            storage; its COMPLETE trials are learned once by a copy of the surrogate), a table
            (:class:`~bonas.tabular.TabularBenchmark`, e.g. ``NB201Benchmark("cifar10")``), or
            a list of them. ``n_transfer_cells`` startup trials are the sources' best classes
            (zero-shot), alternating with the proxy's picks; then the sources are the prior
            mean of the surrogate, weighted by a non-negative least-squares fit to the values
            seen, and every other model-based trial is the best untaken class by the sources
            so weighted. A source the values contradict, or whose best-scored cells among those
            seen do worse than the middle of the values
            (:func:`~bonas.samplers.transfer.source_trusted`), gets weight 0 and no zero-shot
            trial (:attr:`transfer_weights_` and each trial's system attribute
            ``"bonas:transfer"`` hold the weights). A source on another space is an error; a
            study with no finished trial is left out with a warning.
        n_transfer_cells: Startup trials taken from the sources' best classes, in order,
            alternating with the proxy's picks (zero-shot first). ``None``: half of the
            startup trials, rounded up.
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
        warm_start: WarmStart | str | Proxy | Callable[[list[Any]], Any] | None = "auto",
        n_warm_start: int | None = None,
        warm_start_pool: int | None = None,
        prior_weight: float | None = None,
        candidate_search: CandidateSearch = "auto",
        candidate_kwargs: dict[str, Any] | None = None,
        local_every: int = 2,
        candidate_chunk_size: int = 8192,
        known_objectives: Mapping[int, Callable[[Any], float]] | None = None,
        known_constraints: Mapping[str, Callable[[Any], float]]
        | Sequence[Callable[[Any], float]]
        | None = None,
        transfer_from: optuna.Study | Any | Sequence[Any] | None = None,
        n_transfer_cells: int | None = None,
        **options: Unpack[SpaceSamplerOptions],
    ) -> None:
        from bonas.surrogates.transforms import TARGET_TRANSFORMS

        super().__init__(space, **options)
        owner = "BONASSampler"
        check_choice(acquisition, "acquisition", owner, _ACQUISITIONS)
        check_choice(target_transform, "target_transform", owner, sorted(TARGET_TRANSFORMS))
        check_int(n_startup_trials, "n_startup_trials", owner, low=1)
        check_int(local_every, "local_every", owner, low=0, hint="(0: no local steps)")
        check_choice(candidate_search, "candidate_search", owner, _CANDIDATE_SEARCHES)
        if candidate_search == "enumerate" and not space.is_enumerable:
            raise ConfigurationError(
                "The 'candidate_search' parameter of BONASSampler is 'enumerate', but "
                f"{type(space).__name__} cannot be enumerated. Use 'mutation' or 'auto'."
            )
        check_int(candidate_chunk_size, "candidate_chunk_size", owner, low=1)
        self.acquisition_kwargs = self._check_acquisition_kwargs(acquisition, acquisition_kwargs)
        self.candidate_kwargs = self._check_candidate_kwargs(candidate_kwargs)
        legacy: dict[str, Any] = {
            "n_warm_start": n_warm_start,
            "warm_start_pool": warm_start_pool,
            "prior_weight": prior_weight,
        }
        self._warm_start_given = not (isinstance(warm_start, str) and warm_start == "auto")
        self.warm_start, self._proxy = self._resolve_warm_start(
            warm_start, legacy, n_startup_trials, acquisition
        )
        self._surrogate = self._make_surrogate(surrogate, dict(surrogate_kwargs or {}))
        self._encoder = self._make_encoder(encoding, encoding_kwargs or {})
        self.acquisition = acquisition
        self.target_transform = target_transform
        self.n_startup_trials = n_startup_trials
        # The proxy's scores, computed once when first needed.
        self._guide: ProxyGuide | None = None
        if self.warm_start is not None and self._proxy is not None:
            self._guide = ProxyGuide(
                space, self._proxy, pool=self.warm_start.pool, seed=self._seed
            )
        self.candidate_search = candidate_search
        self.local_every = local_every
        self.candidate_chunk_size = candidate_chunk_size
        self._pool: tuple[list[Any], np.ndarray, dict[str, int]] | None = None
        self._encoding_memo: dict[Any, np.ndarray] = {}
        self._fitted_on: tuple[int, ...] | None = None  # trial numbers of the last full fit
        self._ranking: _Ranking | None = None  # the last trial's candidates, best first
        self.known = KnownFunctions(space, known_objectives, known_constraints, owner)
        # One surrogate per learned objective and constraint (several objectives, or learned
        # constraints), copied from the one above, and the trials each was last fitted on.
        self._models: dict[str, Surrogate] = {}
        self._models_fitted_on: dict[str, tuple[int, ...]] = {}
        self._signs: tuple[float, ...] = (1.0,)
        # Transfer: the sources as read, their scores of the space's cells (built when first
        # needed), their best classes in order, and the weights at the last model-based trial.
        self._sources: list[SourceData] = read_sources(space, transfer_from)
        if n_transfer_cells is None:
            n_transfer_cells = (n_startup_trials + 1) // 2 if self._sources else 0
        check_int(n_transfer_cells, "n_transfer_cells", owner, low=0, high=n_startup_trials)
        self.n_transfer_cells = n_transfer_cells if self._sources else 0
        # Every other model-based trial (an odd number of values seen) is a source step.
        self.transfer_every = 2
        # Whether a source is checked where it matters, on the cells it ranks best
        # (:func:`~bonas.samplers.transfer.source_trusted`); off: pure zero-shot and weights.
        self.transfer_check = True
        self._source_guides: list[ProxyGuide] | None = None
        self._zero_shot: tuple[list[Any], list[str]] | None = None
        self.transfer_weights_: dict[str, float] = {}
        self.transfer_rho_: dict[str, float] = {}

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

    # The warm-start options of earlier versions, read from the WarmStart.
    @property
    def n_warm_start(self) -> int:
        """Startup trials the proxy picks (``warm_start.n_cells``; 0 without a warm start)."""
        return 0 if self.warm_start is None else int(self.warm_start.n_cells or 0)

    @property
    def warm_start_pool(self) -> int | None:
        """``warm_start.pool`` (``None`` without a warm start)."""
        return None if self.warm_start is None else self.warm_start.pool

    @property
    def prior_weight(self) -> float:
        """``warm_start.prior_weight`` (0 without a warm start)."""
        return 0.0 if self.warm_start is None else float(self.warm_start.prior_weight or 0.0)

    def _resolve_warm_start(
        self,
        warm_start: Any,
        legacy: dict[str, Any],
        n_startup_trials: int,
        acquisition: str,
    ) -> tuple[WarmStart | None, Proxy | None]:
        """The :class:`WarmStart` that ``warm_start`` stands for, defaults filled in for this
        sampler and checked against its space, and its proxy; ``None`` for no warm start."""
        given = {k: v for k, v in legacy.items() if v is not None}
        if given:
            warnings.warn(
                f"The {sorted(given)} parameters of BONASSampler are deprecated; pass "
                "warm_start=WarmStart(proxy, "
                + ", ".join(f"{_LEGACY_WARM_START[k]}=..." for k in sorted(given))
                + ") instead.",
                DeprecationWarning,
                stacklevel=3,
            )
        if isinstance(warm_start, str) and warm_start == "auto":
            warm_start = self.space.default_proxy
        if warm_start is None:
            return None, None
        if isinstance(warm_start, WarmStart) and given:
            raise ConfigurationError(
                f"The {sorted(given)} parameters of BONASSampler cannot be combined with "
                "warm_start=WarmStart(...): set them on the WarmStart."
            )
        if not isinstance(warm_start, WarmStart):
            if not isinstance(warm_start, (str, Proxy)) and not callable(warm_start):
                raise invalid(
                    "BONASSampler",
                    "warm_start",
                    "None, 'auto', a WarmStart, a proxy name, a Proxy or a callable "
                    "(cells -> scores)",
                    warm_start,
                )
            fields = {_LEGACY_WARM_START[k]: v for k, v in given.items()}
            warm_start = WarmStart(warm_start, **fields)
        if isinstance(warm_start.proxy, str):
            from bonas import proxies

            if warm_start.proxy not in proxies.available():
                raise invalid(
                    "BONASSampler",
                    "warm_start",
                    f"None, 'auto', a WarmStart, a Proxy, a callable or one of the proxies "
                    f"{proxies.available()}",
                    warm_start.proxy,
                )
        proxy = make_proxy(warm_start.proxy)
        if not proxy.supports(self.space):
            raise ConfigurationError(
                f"The 'warm_start' parameter of BONASSampler names the proxy {proxy.label!r}, "
                f"which does not score the cells of a {type(self.space).__name__}. Pass a proxy "
                "or a callable that scores this space's cells, or warm_start=None."
            )
        return warm_start.resolved(n_startup_trials, acquisition, "BONASSampler"), proxy

    @staticmethod
    def _check_acquisition_kwargs(acquisition: str, kwargs: Any) -> dict[str, Any]:
        """``acquisition_kwargs`` bound against the acquisition they go to, now."""
        from bonas.acquisition import functions as F

        classes = {
            "logei": F.LogEI,
            "noisy_logei": F.NoisyLogEI,
            "ucb": F.UCB,
            "thompson": F.ThompsonSampling,
        }
        return bind_options(
            classes[acquisition],
            kwargs,
            "acquisition_kwargs",
            "BONASSampler",
            given=_ACQUISITION_GIVEN[acquisition],
        )

    @staticmethod
    def _check_candidate_kwargs(kwargs: Any) -> dict[str, Any]:
        """``candidate_kwargs`` bound against the mutation search, now."""
        from bonas.acquisition.optimize import mutation_candidates

        options = dict(kwargs or {})
        n_incumbents = options.pop("n_incumbents", None)
        if n_incumbents is not None:
            check_int(n_incumbents, "candidate_kwargs['n_incumbents']", "BONASSampler", low=1)
        checked = bind_options(
            mutation_candidates,
            options,
            "candidate_kwargs",
            "BONASSampler",
            given=("incumbents", "neighbors", "sample", "taken", "rng"),
        )
        if n_incumbents is not None:
            checked["n_incumbents"] = n_incumbents
        return checked

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
            excluded = self.known.excluded()
            index = {key: i for key, i in pool.index.items() if key not in excluded}
            archs = [self.representative(a) for a in pool.representatives]
            self._pool = (archs, self._encode(archs), index)
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

    # -- known objectives and constraints -------------------------------------------------
    supports_multi_objective = True

    def excluded_classes(self) -> frozenset[str]:
        return self.known.excluded()

    def admissible(self, arch: Any) -> bool:
        return self.known.feasible(arch)

    def representative(self, arch: Any) -> Any:
        return self.known.representative(arch, self._known_signs())

    def _known_signs(self) -> tuple[float, ...]:
        """The known objectives' directions (+1 maximize), in index order."""
        return tuple(self._signs[i] for i in sorted(self.known.objectives) if i < len(self._signs))

    # -- the search -----------------------------------------------------------------------
    def propose(self, state: SearchState, rng: np.random.Generator, trial: FrozenTrial) -> Any:
        arch = self._propose(state, rng, trial)
        if self._sources:
            # Each source's weight at this trial (None: the startup, before any is weighed).
            weights = {s.name: self.transfer_weights_.get(s.name) for s in self._sources}
            return Proposal(arch, {TRANSFER_ATTR: weights})
        return arch

    def _propose(self, state: SearchState, rng: np.random.Generator, trial: FrozenTrial) -> Any:
        if state.signs != self._signs:
            self.known.check_study(len(state.signs))
            self._signs = state.signs
            self._pool = None  # the representatives depend on the directions
        if self._sources:
            self._check_source_directions(state)
        if len(state.values) < self.n_startup_trials:
            slot = self._startup_slot(len(state.values) + len(state.pending))
            if slot == "zero-shot" and self._zero_shot_trusted(state):
                # Zero-shot: the sources' best classes, in order.
                cells, keys = self._zero_shot_order()
                for cell, key in zip(cells, keys, strict=True):
                    if key not in state.taken:
                        return cell
            if slot != "random" and self._guide is not None and self._proxy_applies(state):
                archs, keys = self._guide.top(self.excluded_classes())
                free = [i for i, key in enumerate(keys) if key not in state.taken]
                if free:
                    return archs[free[int(rng.integers(len(free)))]]
            return self.random_untaken(state, rng, uniform_over="classes")
        ranking = self._ranking
        if ranking is not None and ranking.trial == trial.number:
            return self._next_ranked(ranking, state, rng)
        arch = None
        if self._sources and len(state.values) % self.transfer_every == 1:
            arch = self._source_step(state)
        if arch is not None:
            self._ranking = None
            return arch
        if len(state.signs) > 1 or any(state.constraints):
            arch = self._model_based_multi(state, rng, trial.number)
        else:
            arch = self._model_based(state, rng, trial.number)
        return arch

    # -- transfer -------------------------------------------------------------------------
    def _startup_slot(self, started: int) -> str:
        """What startup trial ``started`` (0-based) is: ``"zero-shot"``, ``"proxy"`` or
        ``"random"``. The sources' best classes and the proxy's picks alternate (zero-shot
        first) while both last, then the longer of the two goes on, then random classes."""
        n_zero, n_proxy = self.n_transfer_cells, self.n_warm_start
        both = min(n_zero, n_proxy)
        if started < 2 * both:
            return "zero-shot" if started % 2 == 0 else "proxy"
        rest = started - 2 * both
        if rest < n_zero - both:
            return "zero-shot"
        if rest < n_zero - both + n_proxy - both:
            return "proxy"
        return "random"

    def _zero_shot_trusted(self, state: SearchState) -> bool:
        """Whether the sources (their summed normal scores, the zero-shot order's) pass
        :func:`~bonas.samplers.transfer.source_trusted` on the values seen; an untrusted
        zero-shot trial goes to the proxy (else a random class)."""
        if not self.transfer_check or len(state.values) < 2:
            return True
        from bonas.surrogates.transforms import transform_targets

        y = transform_targets(np.asarray(state.values), self.target_transform)
        return source_trusted(self._source_scores(state.archs).sum(axis=1), y)

    def _source_weights(self, S: np.ndarray, y: np.ndarray) -> np.ndarray:
        """:func:`~bonas.samplers.transfer.source_weights`, with 0 for a source that fails
        :func:`~bonas.samplers.transfer.source_trusted` (unless :attr:`transfer_check` is
        off)."""
        weights = source_weights(S, y)
        if self.transfer_check:
            for j in range(S.shape[1]):
                if weights[j] > 0 and not source_trusted(S[:, j], y):
                    weights[j] = 0.0
        return weights

    def _check_source_directions(self, state: SearchState) -> None:
        target = "maximize" if state.signs[0] > 0 else "minimize"
        for source in self._sources:
            if source.direction != target:
                raise ConfigurationError(
                    f"The 'transfer_from' parameter of BONASSampler must hold sources with the "
                    f"direction of the study's (first) objective, {target!r}. Got the "
                    f"{source.kind} {source.name!r}, which is to {source.direction!r}, instead. "
                    "Transfer only from a search of the same metric."
                )

    def _source_step(self, state: SearchState) -> Any | None:
        """The untaken class the sources, weighted as the values seen say, rank best; ``None``
        when every weight is 0 (the sources are contradicted)."""
        from bonas.surrogates.transforms import normal_scores, transform_targets

        y = transform_targets(np.asarray(state.values), self.target_transform)
        weights = self._source_weights(self._source_scores(state.archs), y)
        if not weights.any():
            return None
        guides = self._guides()
        cells, keys, _ = guides[0].reference()
        total = np.zeros(len(keys))
        for guide, w in zip(guides, weights, strict=True):
            if w > 0:
                scores = guide.reference()[2]
                total += w * normal_scores(scores, scores)
        for i in np.argsort(-total, kind="stable"):
            if keys[i] not in state.taken:
                return self.representative(cells[i])
        return None

    def _guides(self) -> list[ProxyGuide]:
        """Each source's scores of the space's cells (a study's: its surrogate's prediction,
        fitted once on its trials; a table's: its values), as proxies."""
        if self._source_guides is None:
            guides = []
            for source in self._sources:
                scorer = self._source_scorer(source)
                guides.append(ProxyGuide(self.space, make_proxy(scorer), pool=1, seed=self._seed))
            self._source_guides = guides
        return self._source_guides

    def _source_scorer(self, source: SourceData) -> Callable[[list[Any]], np.ndarray]:
        if source.kind == "table":

            def table_scores(cells: list[Any]) -> np.ndarray:
                values = source.table_values(cells)
                # A cell the table lacks scores below every cell it has.
                low = np.nanmin(values) - 1.0 if np.isfinite(values).any() else 0.0
                return np.where(np.isfinite(values), values, low)

            return table_scores
        import copy

        from bonas.surrogates.transforms import transform_targets

        model = copy.deepcopy(self._surrogate)
        y = transform_targets(np.asarray(source.values), "copula")
        model.fit(self._encode(list(source.archs)), y)

        def study_scores(cells: list[Any]) -> np.ndarray:
            return self._predict_chunked(model, self._encode(cells))[0]

        return study_scores

    def _zero_shot_order(self) -> tuple[list[Any], list[str]]:
        """The reference classes by the sources' mean normal score, best first (the top
        ``_ZERO_SHOT_POOL``)."""
        if self._zero_shot is None:
            from bonas.surrogates.transforms import normal_scores

            guides = self._guides()
            cells, keys, _ = guides[0].reference()
            total = np.zeros(len(keys))
            for guide in guides:
                scores = guide.reference()[2]
                total += normal_scores(scores, scores)
            best = np.argsort(-total, kind="stable")[:_ZERO_SHOT_POOL]
            self._zero_shot = ([cells[i] for i in best], [keys[i] for i in best])
        return self._zero_shot

    def _source_scores(
        self, archs: Sequence[Any], keys: Sequence[str] | None = None
    ) -> np.ndarray:
        """``(len(archs), n_sources)``: each source's normal score of each cell."""
        if keys is None:
            keys = [self.space.canonical(a) for a in archs]
        guides = self._guides()
        S = np.zeros((len(archs), len(guides)))
        for j, guide in enumerate(guides):
            S[:, j] = guide.normal_scores(archs, keys)
        return S

    def _transfer_mean(
        self,
        state: SearchState,
        y: np.ndarray,
        rows: Sequence[tuple[Sequence[Any], Sequence[str] | None]],
    ) -> tuple[np.ndarray, list[np.ndarray]] | None:
        """The sources' weights fitted to the values seen (``y``, copula scale), recorded in
        :attr:`transfer_weights_`, and the prior mean ``S @ w`` of the observed cells and of
        each block of ``rows`` (cells); ``None`` when every weight is 0."""
        from scipy.stats import spearmanr

        S_obs = self._source_scores(state.archs)
        weights = self._source_weights(S_obs, y)
        self.transfer_weights_ = {
            source.name: float(w) for source, w in zip(self._sources, weights, strict=True)
        }
        if len(y) >= 3:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.transfer_rho_ = {
                    source.name: float(spearmanr(S_obs[:, j], y)[0])
                    for j, source in enumerate(self._sources)
                }
        if not weights.any():
            return None
        blocks = [self._source_scores(cells, keys) @ weights for cells, keys in rows]
        return S_obs @ weights, blocks

    def _proxy_applies(self, state: SearchState) -> bool:
        """Whether the warm start's proxy may pick startup cells and steer the search: with
        one objective, or when every objective after the first is known. A proxy such as
        synflow grows with the cell's size, so its top cells lie at the costly end of a front
        whose cost the sampler learns (a latency): there it would pull the search away from
        the cheap end it cannot see (``benchmarks/results/nb201_multi.md``)."""
        learned = [j for j in range(1, len(state.signs)) if j not in self.known.objectives]
        if learned and self._guide is not None:
            self._warn_once(
                "proxy-off",
                f"BONASSampler: the warm start's proxy is not used in this study: objective(s) "
                f"{learned} are learned, and a proxy that grows with the cell's size would "
                "favour their costly end; every startup cell is random and there is no prior. "
                "Declare exact objectives through known_objectives to keep it.",
                logging.WARNING if self._warm_start_given else logging.INFO,
            )
        return not learned

    def _prior_exponent(self, state: SearchState) -> float:
        """The πBO exponent of the proxy's prior at this step (0: no prior); see
        :func:`~bonas.acquisition.prior.gated_weight`."""
        from bonas.acquisition.prior import MIN_VALUES, gated_weight

        if (
            self._guide is None
            or self.prior_weight == 0
            or len(state.values) < MIN_VALUES
            or not self._proxy_applies(state)
        ):
            return 0.0
        seen = self._guide.normal_scores(
            state.archs, [self.space.canonical(a) for a in state.archs]
        )
        n_model = max(1, len(state.values) - self.n_startup_trials + 1)
        return gated_weight(self.prior_weight, seen, np.asarray(state.values), n_model)

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
        # A local step: only the untaken classes one move from the best cell (several
        # objectives: from a cell of the front found so far, drawn at random).
        front = self._front_order(state)
        best = state.archs[int(front[rng.integers(len(front))]) if state.objectives else front[0]]
        near = {self.space.canonical(a) for a in self.space.neighbors(best)}
        keep = [i for i, key in enumerate(keys) if key in near]
        if not keep:
            return archs, X, keys
        return [archs[i] for i in keep], X[keep], [keys[i] for i in keep]

    @staticmethod
    def _front_order(state: SearchState) -> np.ndarray:
        """Indices of ``state.archs``, best first: by value; with several objectives, the
        cells of the front found so far first (by trial order), then the rest by the first
        objective. Under learned constraints the cells that met them all come first (the
        front among them only), so local steps and mutations start from feasible cells."""
        by_value = np.argsort(state.values, kind="stable")[::-1]
        feasible = state.feasible
        if state.objectives:
            from bonas.pareto import non_dominated

            Y = np.asarray(state.objectives)
            on_front = np.zeros(len(Y), dtype=bool)
            if feasible.any():
                rows = np.flatnonzero(feasible)
                on_front[rows] = non_dominated(Y[rows], ["maximize"] * Y.shape[1])
            first = np.flatnonzero(on_front)
            by_value = by_value[~on_front[by_value]]
        else:
            first = np.zeros(0, dtype=int)
        rest = np.concatenate([by_value[feasible[by_value]], by_value[~feasible[by_value]]])
        return np.concatenate([first, rest]).astype(int)

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
        order = self._front_order(state)[: kwargs.pop("n_incumbents", 10)]
        canonical = self.space.canonical
        admissible = self.admissible
        cands = mutation_candidates(
            [state.archs[i] for i in order],
            self.space.neighbors,
            self.space.sample,
            taken=lambda a: canonical(a) in state.taken or not admissible(a),
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
        from bonas.surrogates.base import kriging_believer
        from bonas.surrogates.transforms import transform_targets

        cand_archs, X_cand, keys = self._candidates(state, rng)
        if not cand_archs:
            # Every mutation of the best cells is taken (or the space is used up, which
            # random_untaken reports).
            return self.random_untaken(state, rng)
        X = self._encode(state.archs)
        y = transform_targets(np.asarray(state.values), self.target_transform)
        model: Surrogate = self._surrogate
        if self._sources:
            prior = self._transfer_mean(state, y, [(cand_archs, keys), (state.pending, None)])
            if prior is not None:
                from bonas.acquisition.prior import TabulatedPrior
                from bonas.surrogates.base import PriorMean

                m_obs, (m_cand, m_pend) = prior
                X_pend = self._encode(state.pending) if state.pending else X[:0]
                rows = np.vstack([X, X_cand, X_pend])
                table = TabulatedPrior(rows, np.concatenate([m_obs, m_cand, m_pend]))
                model = PriorMean(self._surrogate, table)
        fitted_on = tuple(state.numbers)
        if fitted_on == self._fitted_on:
            # The same trials as the last fit (a proposal lost to another worker, or a trial
            # failed): keep the hyperparameters, refit the data only.
            surrogate = model.condition(X, y)
        else:
            surrogate = model.fit(X, y)
            self._fitted_on = fitted_on
        if state.pending:
            # The pending cells are believed to score the current mean, so the model's
            # uncertainty shrinks around them and the next pick goes elsewhere.
            surrogate = kriging_believer(surrogate, X, y, self._encode(state.pending))
        acq = self._acquisition_function(surrogate, X, y, rng)
        weight = self._prior_exponent(state)
        if weight > 0:
            assert self._guide is not None  # a weight > 0 needs a proxy
            from bonas.acquisition.prior import PriorGuided, TabulatedPrior

            log_prior = TabulatedPrior(X_cand, self._guide.normal_scores(cand_archs, keys))
            acq = PriorGuided(acq, log_prior, weight=weight)
        scores = score_chunked(acq, X_cand, chunk_size=self.candidate_chunk_size)
        best = argmax_scores(scores, rng=rng)
        order = [best, *(int(i) for i in np.argsort(-scores, kind="stable") if i != best)]
        self._ranking = _Ranking(number, cand_archs, keys, order)
        return cand_archs[best]

    # -- several objectives, learned constraints -----------------------------------------
    def _fit_model(self, name: str, X: np.ndarray, y: np.ndarray, numbers: Sequence[int]) -> Any:
        """The surrogate ``name`` (a copy of the sampler's own) fitted on ``X``, ``y``; refit
        from scratch only when trials were added since its last fit."""
        import copy

        model = self._models.get(name)
        if model is None:
            model = self._models[name] = copy.deepcopy(self._surrogate)
        key = tuple(numbers)
        if self._models_fitted_on.get(name) == key:
            return model.condition(X, y)
        self._models_fitted_on[name] = key
        return model.fit(X, y)

    def _predict_chunked(self, model: Any, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        step = self.candidate_chunk_size
        parts = [model.predict(X[i : i + step], return_std=True) for i in range(0, len(X), step)]
        if not parts:
            return np.zeros(0), np.zeros(0)
        return np.concatenate([m for m, _ in parts]), np.concatenate([s for _, s in parts])

    def _model_based_multi(self, state: SearchState, rng: np.random.Generator, number: int) -> Any:
        """A model-based step with several objectives or learned constraints: log-EHVI over
        the learned objectives' surrogates and the known objectives' exact values (with one
        objective it is log-EI), plus the log-probability that every learned constraint
        holds; the pending cells are believed at their predicted values."""
        from bonas.acquisition.multi import log_ehvi, log_probability_feasible, reference_point
        from bonas.acquisition.optimize import argmax_scores
        from bonas.surrogates.base import kriging_believer
        from bonas.surrogates.transforms import transform_targets

        cand_archs, X_cand, keys = self._candidates(state, rng)
        if not cand_archs:
            return self.random_untaken(state, rng)
        signs = np.asarray(state.signs)
        n_obj = len(signs)
        Y = np.asarray(state.objectives) if n_obj > 1 else np.asarray(state.values)[:, None]
        X = self._encode(state.archs)
        X_pend = self._encode(state.pending) if state.pending else np.zeros((0, X.shape[1]))
        Z = np.empty_like(Y)
        means = np.zeros((len(cand_archs), n_obj))
        stds = np.zeros((len(cand_archs), n_obj))
        Z_pend = np.zeros((len(state.pending), n_obj))
        known = sorted(self.known.objectives)
        for j in (j for j in range(n_obj) if j not in self.known.objectives):
            z = transform_targets(Y[:, j], self.target_transform)
            Z[:, j] = z
            # The sources concern the first objective: there, a prior mean (see _model_based).
            prior = None
            if j == 0 and self._sources:
                prior = self._transfer_mean(state, z, [(cand_archs, keys), (state.pending, None)])
            m_obs, m_cand, m_pend = (prior[0], *prior[1]) if prior is not None else (0.0, 0.0, 0.0)
            model = self._fit_model(f"objective:{j}", X, z - m_obs, state.numbers)
            if len(X_pend):
                Z_pend[:, j] = model.predict(X_pend) + m_pend
                model = kriging_believer(model, X, z - m_obs, X_pend)
            means[:, j], stds[:, j] = self._predict_chunked(model, X_cand)
            means[:, j] += m_cand
        if known:
            k_signs = signs[known]
            K_obs = self.known.objective_values(state.archs) * k_signs
            center = K_obs.mean(axis=0)
            scale = np.where(K_obs.std(axis=0) > 0, K_obs.std(axis=0), 1.0)
            Z[:, known] = (K_obs - center) / scale
            means[:, known] = (self.known.objective_values(cand_archs) * k_signs - center) / scale
            if len(X_pend):
                K_pend = self.known.objective_values(state.pending) * k_signs
                Z_pend[:, known] = (K_pend - center) / scale
        # Learned constraints: one surrogate each, on the trials that recorded it.
        feasible = state.feasible
        log_pof = np.zeros(len(cand_archs))
        for name in sorted(set().union(*state.constraints)):
            rows = [i for i, c in enumerate(state.constraints) if name in c]
            c = np.array([state.constraints[i][name] for i in rows])
            if len(rows) < 2:
                continue
            center_c = float(c.mean())
            scale_c = float(c.std()) if c.std() > 0 else 1.0
            model = self._fit_model(
                f"constraint:{name}",
                X[rows],
                (c - center_c) / scale_c,
                [state.numbers[i] for i in rows],
            )
            m, sd = self._predict_chunked(model, X_cand)
            log_pof += log_probability_feasible(m[None], sd[None], [-center_c / scale_c])
        if feasible.any():
            front = np.vstack([Z[feasible], Z_pend])
            reference = reference_point(np.vstack([Z, Z_pend]))
            scores = log_ehvi(means, stds, front, reference) + log_pof
        else:  # nothing feasible yet: look for feasibility first
            scores = log_pof
        weight = self._prior_exponent(state)
        if weight > 0:
            assert self._guide is not None  # a weight > 0 needs a proxy
            scores = scores + weight * self._guide.normal_scores(cand_archs, keys)
        likely = log_pof >= np.log(0.5)
        if likely.any() and not likely.all():
            # Neither the prior nor a large improvement may buy a cell that the constraints'
            # models think more likely infeasible than not, while any other is likely feasible.
            scores = np.where(likely, scores, -np.inf)
        best = argmax_scores(scores, rng=rng)
        order = [best, *(int(i) for i in np.argsort(-scores, kind="stable") if i != best)]
        self._ranking = _Ranking(number, cand_archs, keys, order)
        return cand_archs[best]

    def _acquisition_function(
        self, surrogate: Surrogate, X: np.ndarray, y: np.ndarray, rng: np.random.Generator
    ) -> Acquisition:
        from bonas.acquisition import functions as F

        kw = self.acquisition_kwargs
        if self.acquisition == "logei":
            return F.LogEI(surrogate, best_f=float(np.max(y)), **kw)
        if self.acquisition == "noisy_logei":
            return F.NoisyLogEI(surrogate, X_observed=X, **kw)
        if self.acquisition == "ucb":
            return F.UCB(surrogate, **kw)
        return F.ThompsonSampling(surrogate, rng=rng, **kw)
