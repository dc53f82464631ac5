"""``SpaceSampler``: the mechanics every bonas sampler shares, whatever its search strategy.

A bonas sampler proposes a whole cell of a :class:`~bonas.spaces.base.SearchSpace` at once
(Optuna's *relative* sampling) and leaves every other parameter to an independent sampler. What
differs between strategies is only how the next cell is chosen; this module holds the rest:

* reading the study's trials into a :class:`SearchState` (cells, values oriented so that higher
  is better, the cells other workers are running, the canonical classes never to propose again);
* one random generator per trial, ``SeedSequence([seed, trial.number])``, so a study replays
  exactly from its seed whatever the storage;
* the reservation that lets several workers share one study without evaluating a class twice:
  a proposal is written on the trial (system attribute ``"bonas:proposal"``) and kept only if a
  read made after that write finds no other trial holding the class (the lowest trial number
  wins among trials still choosing);
* the fall-back to the independent sampler for foreign parameters, with a logged reason;
* a failure while proposing raised as :class:`~bonas.exceptions.SamplerError`, which stops the
  study (under :func:`bonas.guard_objective` too). Optuna has already created the trial by
  then and finishes it as FAIL when the error leaves the objective; the trial has no
  parameters and carries the error in its system attribute ``"bonas:sampler_error"``, so it is
  told apart from a failed objective.

A strategy subclasses :class:`SpaceSampler` and implements :meth:`SpaceSampler.propose`.
"""

from __future__ import annotations

import abc
import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypedDict

import numpy as np
import optuna
from optuna.samplers import BaseSampler, RandomSampler
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial, TrialState

from bonas._validation import check_choice, check_int, check_seed
from bonas.exceptions import BonasError, ConfigurationError, SamplerError, first_line
from bonas.spaces.base import SearchSpace
from bonas.spaces.pool import ClassPool, class_pool

if TYPE_CHECKING:
    from optuna.distributions import BaseDistribution
    from optuna.study import Study

__all__ = [
    "SpaceSamplerOptions",
    "PROPOSAL_ATTR",
    "SAMPLER_ERROR_ATTR",
    "ClassPool",
    "Proposal",
    "PrunedPolicy",
    "SearchState",
    "SpaceSampler",
    "UniformOver",
    "class_pool",
]

PrunedPolicy = Literal["exclude", "last_value"]


class SpaceSamplerOptions(TypedDict, total=False):
    """The keyword options every :class:`SpaceSampler` takes (see its arguments)."""

    seed: int | None
    independent_sampler: BaseSampler | None
    pruned: PrunedPolicy
    max_retries: int


UniformOver = Literal["cells", "classes"]

#: The trial system attribute holding a sampler's proposal: ``{"params": …, "stamp": […]}``.
PROPOSAL_ATTR = "bonas:proposal"
#: The trial system attribute holding the error that stopped a sampler while it was proposing
#: that trial's cell (the trial has no parameters; Optuna finishes it as FAIL).
SAMPLER_ERROR_ATTR = "bonas:sampler_error"
_MAX_RESERVATION_TRIES = 6
# Then this many random untaken classes, before giving up and running a held class.
_MAX_RANDOM_TRIES = 20
# A trial whose proposal is contested by later trials still choosing waits this long for them
# to withdraw, reading the study every _CONTEST_POLL_S seconds.
_CONTEST_WAIT_S = 5.0
_CONTEST_POLL_S = 0.05
# Random proposals on a space that cannot be listed: batches of this many cells, this many times.
_SAMPLE_BATCH = 64
_SAMPLE_ROUNDS = 100


@dataclass
class SearchState:
    """What the study's trials say, in terms of the space (built anew for every suggestion).

    Attributes:
        archs: The cells with a value to learn from, in trial order.
        values: Their values, oriented so that higher is better (in a study with several
            objectives: the first objective's).
        objectives: In a study with several objectives, every objective's value of each
            cell of ``archs``, each oriented so that higher is better (empty otherwise).
        constraints: The constraint values each cell of ``archs`` recorded
            (``trial.constraints``: feasible when every value is ≤ 0; empty dicts if none).
        signs: One per objective of the study: ``1.0`` where it is maximized, ``-1.0`` where
            it is minimized (the values above are multiplied by these).
        numbers: The trial numbers of ``archs`` (same order).
        pending: Cells that other trials are evaluating now (RUNNING or WAITING).
        taken: Canonical keys never to propose again (complete, pending, pruned, or failed
            ``max_retries + 1`` times).
        trials: Every trial read (all states, the trial being sampled excluded), in trial
            order, for strategies that keep their books in trial attributes.
    """

    archs: list[Hashable] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    objectives: list[tuple[float, ...]] = field(default_factory=list)
    constraints: list[dict[str, float]] = field(default_factory=list)
    signs: tuple[float, ...] = (1.0,)
    numbers: list[int] = field(default_factory=list)
    pending: list[Hashable] = field(default_factory=list)
    taken: set[str] = field(default_factory=set)
    trials: list[FrozenTrial] = field(default_factory=list)

    @property
    def feasible(self) -> np.ndarray:
        """Whether each cell of ``archs`` met every constraint it recorded (``True`` where
        it recorded none)."""
        return np.array([all(v <= 0 for v in c.values()) for c in self.constraints], dtype=bool)


@dataclass(frozen=True)
class Proposal:
    """A proposed cell and the trial system attributes to record with it.

    :meth:`SpaceSampler.propose` returns either a bare cell or a ``Proposal``; the attributes
    (JSON-serializable values) are written on the trial once its reservation holds, e.g. the
    parent of an evolved cell.
    """

    arch: Any
    system_attrs: Mapping[str, Any] = field(default_factory=dict)


class SpaceSampler(BaseSampler, abc.ABC):
    """Base class of the Optuna samplers that propose whole cells of a bonas search space.

    For each trial, :meth:`sample_relative` reads the study into a :class:`SearchState`, asks
    :meth:`propose` for a cell whose canonical class is not taken, records it on the trial and
    makes sure no other worker reserved the same class first. The objective asks for the cell
    with ``arch = space.suggest(trial)``; parameters outside the space go to the independent
    sampler. Enqueued trials (``study.enqueue_trial``) are evaluated as given.

    Subclasses implement :meth:`propose` and may read the helpers :meth:`random_untaken`,
    :meth:`_warn_once` and :meth:`read_trials`.

    Args:
        space: The search space the objective suggests from.
        seed: Seed of every random choice; the same seed gives the same trials.
        independent_sampler: Samples parameters outside the space (default: RandomSampler with
            the same seed). Each such fall-back is logged with its reason.
        pruned: What PRUNED trials mean. ``"exclude"``: their class is never proposed again
            and their value is not learned from. ``"last_value"``: the last intermediate value
            is read as the cell's value.
        max_retries: A class whose trials FAILED more than this many times is not proposed
            again; below that it may be retried. FAIL trials are never read as values.
    """

    #: Whether :meth:`propose` handles studies with several objectives; if not, such a study's
    #: parameters fall back to the independent sampler, with a logged reason.
    supports_multi_objective: ClassVar[bool] = False

    def __init__(
        self,
        space: SearchSpace[Any],
        *,
        seed: int | None = None,
        independent_sampler: BaseSampler | None = None,
        pruned: PrunedPolicy = "exclude",
        max_retries: int = 1,
    ) -> None:
        name = type(self).__name__
        if not isinstance(space, SearchSpace):
            raise ConfigurationError(
                f"The 'space' parameter of {name} must be a bonas SearchSpace such as "
                f"NB201Space() or CellSpace.nb101(). Got {type(space).__name__} instead."
            )
        check_seed(seed, name)
        check_choice(pruned, "pruned", name, ("exclude", "last_value"))
        check_int(max_retries, "max_retries", name, low=0)
        self.space = space
        self._seed: int = (
            int(seed) if seed is not None else int(np.random.SeedSequence().generate_state(1)[0])
        )
        self.pruned: PrunedPolicy = pruned
        self.max_retries = max_retries
        self._independent = independent_sampler or RandomSampler(seed=seed)
        self._lock = threading.RLock()
        self._warned: set[str] = set()

    # -- the strategy ---------------------------------------------------------------------
    @abc.abstractmethod
    def propose(self, state: SearchState, rng: np.random.Generator, trial: FrozenTrial) -> Any:
        """Return the next cell (or a :class:`Proposal`) given what the study holds.

        The cell's canonical class should not be in ``state.taken``; draw every random choice
        from ``rng`` (seeded from the sampler's seed and the trial number). Called again, with
        the reserved class added to ``state.taken``, if another worker reserved it first.
        """

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
        if study._is_multi_objective() and not self.supports_multi_objective:
            self._warn_once(
                "multi",
                f"{type(self).__name__} optimizes one objective; this study has several, so "
                "every parameter falls back to the independent sampler.",
            )
            return {}
        fixed = trial.system_attrs.get("fixed_params", {})
        if fixed and all(name in fixed for name in search_space):
            return {}  # an enqueued trial: its parameters are already chosen
        with self._lock:
            try:
                return self._propose_and_reserve(study, trial)
            except (SamplerError, ConfigurationError) as err:
                _mark_sampler_error(study, trial, err)
                raise
            except Exception as err:  # the sampler's failure, not the objective's
                error = SamplerError(
                    f"{type(self).__name__} failed while proposing the cell of trial "
                    f"{trial.number}: {type(err).__name__}: {first_line(err)}"
                )
                _mark_sampler_error(study, trial, error)
                raise error from err

    def _check_enqueued(self, trial: FrozenTrial, fixed: Mapping[str, Any]) -> None:
        """Log why an enqueued cell is not in the space (its objective will then fail)."""
        try:
            self.space.from_params({name: fixed[name] for name in self.space.distributions()})
        except (BonasError, ValueError, TypeError, KeyError) as err:
            logging.getLogger(type(self).__module__).warning(
                "Trial %d was enqueued with a cell outside the space %r (%s); it fails when "
                "the objective suggests the cell. Enqueue space.to_params(cell) instead.",
                trial.number,
                self.space.name,
                " ".join(str(err).split()),
            )

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
        fixed = trial.system_attrs.get("fixed_params")
        if isinstance(fixed, dict) and set(self.space.distributions()) <= set(fixed):
            self._check_enqueued(trial, fixed)
        self._independent.before_trial(study, trial)

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        self._independent.after_trial(study, trial, state, values)

    # -- reading the study ----------------------------------------------------------------
    def _rng(self, trial: FrozenTrial) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence([self._seed, trial.number]))

    def read_trials(self, study: Study, exclude: int | None = None) -> SearchState:
        """Read the study's trials into a :class:`SearchState` (cells, values, pending).

        Args:
            study: The study.
            exclude: A trial number to leave out (the trial being sampled).
        """
        state = SearchState(taken=set(self.excluded_classes()))
        failures: Counter[str] = Counter()
        signs = [1.0 if d == StudyDirection.MAXIMIZE else -1.0 for d in study.directions]
        sign, several = signs[0], len(signs) > 1
        state.signs = tuple(signs)
        for t in study.get_trials(deepcopy=False):
            if t.number == exclude:
                continue
            state.trials.append(t)
            arch = self._arch_of(t)
            if arch is None:
                continue
            key = self.space.canonical(arch)
            if t.state == TrialState.COMPLETE:
                values = t.values or [math.nan]
                value = values[0] if all(math.isfinite(v) for v in values) else math.nan
                if not math.isfinite(value):
                    # Optuna stores an objective's inf as a COMPLETE value: the class was
                    # evaluated (never propose it again) but the value is not learned from.
                    state.taken.add(key)
                    self._warn_once(
                        f"value:{t.number}",
                        f"Trial {t.number} returned {t.values if several else t.value}; "
                        f"{type(self).__name__} does not "
                        "learn from values that are not finite (wrap the objective in "
                        "bonas.guard_objective to fail such trials instead).",
                    )
                    continue
                state.archs.append(arch)
                state.values.append(sign * value)
                if several:
                    oriented = (g * v for g, v in zip(signs, values, strict=True))
                    state.objectives.append(tuple(oriented))
                state.constraints.append(dict(t.constraints))
                state.numbers.append(t.number)
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
                        state.constraints.append(dict(t.constraints))
                        state.numbers.append(t.number)
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
            proposal = t.system_attrs.get(PROPOSAL_ATTR, {}).get("params")
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
                f"Trial {t.number} has parameters outside the space ({err}); "
                f"{type(self).__name__} ignores it.",
            )
            return None

    # -- the reservation ------------------------------------------------------------------
    def _propose_and_reserve(self, study: Study, trial: FrozenTrial) -> dict[str, Any]:
        """Propose a cell, record it on the trial, and keep it only if no other trial holds it.

        Workers that read the study at the same moment see the same data and would propose the
        same cell. So the proposal is written to the trial's system attributes, then the study
        is read again (see :meth:`_contest`). A trial keeps its cell only if, on a read made
        after its own write, no other trial holds the class: of two workers that both keep a
        class, the later writer would have seen the earlier one, so no class is run twice
        whatever the clocks or the storage's write delays. Among trials still choosing, the
        lowest trial number wins and the others withdraw and propose again without that class.
        """
        rng = self._rng(trial)
        state = self.read_trials(study, exclude=trial.number)
        params: dict[str, Any] = {}
        attrs: Mapping[str, Any] = {}
        storage = study._storage
        for attempt in range(_MAX_RESERVATION_TRIES + _MAX_RANDOM_TRIES):
            # After a few lost contests, a random untaken class: cheap, and unlikely to collide.
            if attempt < _MAX_RESERVATION_TRIES:
                proposal = self.propose(state, rng, trial)
            else:
                proposal = self.random_untaken(state, rng)
            if isinstance(proposal, Proposal):
                arch, attrs = proposal.arch, proposal.system_attrs
            else:
                arch, attrs = proposal, {}
            arch = self.representative(arch)
            params = self.space.to_params(arch)
            stamp = [time.time(), trial.number]
            storage.set_trial_system_attr(
                trial._trial_id, PROPOSAL_ATTR, {"params": params, "stamp": stamp}
            )
            key = self.space.canonical(arch)
            if self._contest(study, trial.number, key):
                break
            # Withdraw at once, so that the winner of the contest need not wait for the refit.
            storage.set_trial_system_attr(
                trial._trial_id, PROPOSAL_ATTR, {"params": None, "stamp": stamp}
            )
            state = self.read_trials(study, exclude=trial.number)
            state.taken.add(key)
        else:
            self._warn_once(
                "reservation",
                f"Trial {trial.number} lost {_MAX_RESERVATION_TRIES + _MAX_RANDOM_TRIES} "
                "reservations in a row to other workers; it runs a class another trial holds.",
            )
            storage.set_trial_system_attr(
                trial._trial_id, PROPOSAL_ATTR, {"params": params, "stamp": [time.time()]}
            )
        for name, value in attrs.items():
            storage.set_trial_system_attr(trial._trial_id, name, value)
        return params

    def _contest(self, study: Study, number: int, key: str) -> bool:
        """Whether trial ``number``, having written its proposal of class ``key``, keeps it.

        Another trial that holds ``key`` for good (finished but not FAILED, enqueued, retried,
        or running with its parameters stored) makes this one yield. Trials still choosing
        (their proposal written, no parameter stored yet) contest it: a lower trial number
        makes this one yield; with only higher ones, this trial waits (at most
        ``_CONTEST_WAIT_S``) for them to withdraw, and yields if one of them keeps the class.
        """
        names = set(self.space.distributions())
        deadline = time.monotonic() + _CONTEST_WAIT_S
        while True:
            contenders = False
            for t in study.get_trials(deepcopy=False):
                if t.number == number or t.state == TrialState.FAIL:
                    continue
                arch = self._arch_of(t)
                if arch is None or self.space.canonical(arch) != key:
                    continue
                choosing = (
                    t.state == TrialState.RUNNING
                    and not names.intersection(t.params)
                    and "fixed_params" not in t.system_attrs
                )
                if not choosing or t.number < number:
                    return False
                contenders = True
            if not contenders:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(_CONTEST_POLL_S)

    # -- helpers for strategies -----------------------------------------------------------
    def random_untaken(
        self,
        state: SearchState,
        rng: np.random.Generator,
        *,
        uniform_over: UniformOver = "cells",
    ) -> Any:
        """A random cell whose class is not taken.

        ``"cells"``: uniform over the cells of untaken classes (a class is drawn in proportion
        to its size, as a random search without deduplication would draw it, conditioned on the
        class being new). ``"classes"``: uniform over untaken classes (one representative
        each); it needs an enumerable space. A space that cannot be listed draws from
        ``space.sample`` (uniform as the space defines it) and rejects taken classes.
        """
        if self.space.is_enumerable:
            pool = class_pool(self.space)
            if uniform_over == "classes":
                free = [i for key, i in pool.index.items() if key not in state.taken]
                if not free:
                    return self.exhausted(rng)
                return pool.representatives[free[int(rng.integers(len(free)))]]
            free_class = np.ones(len(pool.representatives), dtype=bool)
            free_class[[pool.index[k] for k in state.taken if k in pool.index]] = False
            free_cells = np.flatnonzero(free_class[pool.class_of])
            if len(free_cells) == 0:
                return self.exhausted(rng)
            return pool.cells[int(free_cells[rng.integers(len(free_cells))])]
        canonical = self.space.canonical
        for _ in range(_SAMPLE_ROUNDS):
            for arch in self.space.sample(_SAMPLE_BATCH, rng):
                if canonical(arch) not in state.taken and self.admissible(arch):
                    return arch
        return self.exhausted(rng)

    def excluded_classes(self) -> frozenset[str]:
        """Canonical keys never to propose whatever the trials say (default: none); a
        subclass with known constraints returns the classes no cell of which satisfies them."""
        return frozenset()

    def admissible(self, arch: Any) -> bool:
        """Whether ``arch`` may be proposed at all (default: every cell); a subclass with
        known constraints says no to the cells that break them."""
        return True

    def representative(self, arch: Any) -> Any:
        """The cell to run for ``arch``'s class (default: ``arch`` itself). A subclass may
        choose another member of the same class, e.g. the one with the fewest parameters when
        parameters are an objective: members compute the same function, so their accuracies
        agree while their costs need not."""
        return arch

    def exhausted(self, rng: np.random.Generator) -> Any:
        self._warn_once(
            "exhausted",
            f"Every canonical class of the space has been evaluated or is running (or none was "
            f"found among {_SAMPLE_ROUNDS * _SAMPLE_BATCH} random cells); "
            f"{type(self).__name__} now proposes random cells, which repeat earlier ones.",
        )
        return self.space.sample(1, rng)[0]

    def _warn_once(self, key: str, message: str, level: int = logging.WARNING) -> None:
        if key not in self._warned:
            self._warned.add(key)
            logging.getLogger(type(self).__module__).log(level, message)
            optuna.logging.get_logger("optuna").debug(message)


def _mark_sampler_error(study: Study, trial: FrozenTrial, err: BaseException) -> None:
    """Write ``err`` on ``trial`` (:data:`SAMPLER_ERROR_ATTR`); never mask it with another."""
    try:
        study._storage.set_trial_system_attr(
            trial._trial_id, SAMPLER_ERROR_ATTR, f"{type(err).__name__}: {first_line(err)}"
        )
    except Exception:  # noqa: BLE001 - the sampler's error is what the user must see
        logging.getLogger(__name__).debug("could not record the sampler's error", exc_info=True)
