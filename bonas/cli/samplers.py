"""The samplers ``bonas search --sampler NAME`` can use: a name → factory registry.

A factory takes the search space and the run's options and returns a fresh Optuna sampler; it
imports what it needs when called, so listing the names (``bonas --help``) imports nothing.
A new sampler is one entry in :data:`SAMPLERS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from bonas._validation import check_choice

if TYPE_CHECKING:
    from optuna.samplers import BaseSampler

    from bonas.spaces.base import SearchSpace

__all__ = [
    "CONSTRAINED",
    "KNOWN_FUNCTIONS",
    "MULTI_OBJECTIVE",
    "PLAIN",
    "SAMPLERS",
    "Problem",
    "SamplerFactory",
    "make_sampler",
]


@dataclass(frozen=True)
class Problem:
    """What a run asks of its sampler besides the space: its objectives and constraints.

    Attributes:
        n_objectives: The study's objectives (``len(directions)``).
        known_objectives: Objective index → exact function of the cell (the samplers of
            :data:`KNOWN_FUNCTIONS` compute them instead of learning them).
        known_constraints: Name → exact function of the cell, feasible where ``<= 0`` (the
            samplers of :data:`KNOWN_FUNCTIONS` never propose a cell that breaks one; the
            others read them from ``trial.set_constraint``, which the objective then calls).
        constrained: Whether the run has constraints at all (known or measured).
        transfer_from: Studies or tables of other datasets (the bonas samplers'
            ``transfer_from``).
    """

    n_objectives: int = 1
    known_objectives: Mapping[int, Callable[[Any], float]] = field(default_factory=dict)
    known_constraints: Mapping[str, Callable[[Any], float]] = field(default_factory=dict)
    constrained: bool = False
    transfer_from: tuple[Any, ...] = ()


#: One objective, no constraints.
PLAIN = Problem()


class SamplerFactory(Protocol):
    """Builds a sampler for one run.

    Args:
        space: The space the objective suggests from (``space.suggest(trial)``).
        seed: The run's seed; the same seed gives the same trials.
        mode: The benchmark mode, ``"mean"`` (deterministic values) or ``"noisy"``.
        problem: The run's objectives and constraints.
    """

    def __call__(
        self, space: SearchSpace[Any], *, seed: int, mode: str, problem: Problem = PLAIN
    ) -> BaseSampler: ...


def _bonas(
    space: SearchSpace[Any],
    *,
    seed: int,
    mode: str,
    problem: Problem = PLAIN,
    warm_start: str | None = "auto",
) -> BaseSampler:
    from bonas.samplers import BONASSampler

    known: dict[str, Any] = {}
    if problem.known_objectives:
        known["known_objectives"] = dict(problem.known_objectives)
    if problem.known_constraints:
        known["known_constraints"] = dict(problem.known_constraints)
    if problem.transfer_from:
        known["transfer_from"] = list(problem.transfer_from)
    # With noisy values the incumbent of log-EI is the best posterior mean, not the luckiest draw.
    acquisition: Literal["logei", "noisy_logei"] = "noisy_logei" if mode == "noisy" else "logei"
    return BONASSampler(space, seed=seed, acquisition=acquisition, warm_start=warm_start, **known)


def _bonas_cold(
    space: SearchSpace[Any], *, seed: int, mode: str, problem: Problem = PLAIN
) -> BaseSampler:
    return _bonas(space, seed=seed, mode=mode, problem=problem, warm_start=None)


def _bananas(
    space: SearchSpace[Any], *, seed: int, mode: str, problem: Problem = PLAIN
) -> BaseSampler:
    from bonas.samplers import BONASSampler

    return BONASSampler.bananas(space, seed=seed)


def _tpe(
    space: SearchSpace[Any], *, seed: int, mode: str, problem: Problem = PLAIN
) -> BaseSampler:
    from optuna.samplers import TPESampler

    return TPESampler(seed=seed)


def _gp(space: SearchSpace[Any], *, seed: int, mode: str, problem: Problem = PLAIN) -> BaseSampler:
    import warnings

    from optuna.exceptions import ExperimentalWarning
    from optuna.samplers import GPSampler

    with warnings.catch_warnings():  # deterministic_objective is "experimental" in Optuna 5
        warnings.simplefilter("ignore", ExperimentalWarning)
        return GPSampler(seed=seed, deterministic_objective=mode == "mean")


def _nsga2(
    space: SearchSpace[Any], *, seed: int, mode: str, problem: Problem = PLAIN
) -> BaseSampler:
    from optuna.samplers import NSGAIISampler

    return NSGAIISampler(seed=seed)


def _random(
    space: SearchSpace[Any], *, seed: int, mode: str, problem: Problem = PLAIN
) -> BaseSampler:
    from optuna.samplers import RandomSampler

    return RandomSampler(seed=seed)


def _evolution(
    space: SearchSpace[Any], *, seed: int, mode: str, problem: Problem = PLAIN
) -> BaseSampler:
    from bonas.samplers import EvolutionSampler

    return EvolutionSampler(space, seed=seed)


def _local(
    space: SearchSpace[Any], *, seed: int, mode: str, problem: Problem = PLAIN
) -> BaseSampler:
    from bonas.samplers import LocalSearchSampler

    return LocalSearchSampler(space, seed=seed)


def _reinforce(
    space: SearchSpace[Any], *, seed: int, mode: str, problem: Problem = PLAIN
) -> BaseSampler:
    from bonas.samplers import REINFORCESampler

    return REINFORCESampler(space, seed=seed)


def _random_search(
    space: SearchSpace[Any], *, seed: int, mode: str, problem: Problem = PLAIN
) -> BaseSampler:
    from bonas.samplers import RandomSearchSampler

    return RandomSearchSampler(space, seed=seed)


#: Sampler name → factory. ``bonas``: :class:`~bonas.samplers.BONASSampler` (GP on the path +
#: adjacency encoding, log-EI; noisy log-EI in ``"noisy"`` mode; on NB201 the synflow warm
#: start and prior; with several objectives a surrogate per learned one and log-EHVI, told the
#: run's known objectives and constraints); ``bonas-cold``: the same without a warm start
#: (every startup cell random, no prior); ``bananas``:
#: :meth:`~bonas.samplers.BONASSampler.bananas`; ``tpe``, ``gp`` and
#: ``random``: Optuna's TPESampler, GPSampler and RandomSampler; ``nsga2``: Optuna's
#: NSGAIISampler; ``evolution``, ``local``, ``reinforce`` and ``random-search``: the NAS
#: baselines of :mod:`bonas.samplers`.
SAMPLERS: dict[str, SamplerFactory] = {
    "bonas": _bonas,
    "bonas-cold": _bonas_cold,
    "bananas": _bananas,
    "tpe": _tpe,
    "gp": _gp,
    "nsga2": _nsga2,
    "random": _random,
    "evolution": _evolution,
    "local": _local,
    "reinforce": _reinforce,
    "random-search": _random_search,
}


#: The samplers that search several objectives (the others optimize one).
MULTI_OBJECTIVE: frozenset[str] = frozenset(
    ("bonas", "bonas-cold", "tpe", "gp", "nsga2", "random")
)
#: The samplers that take constraints into account, or (``random``) ignore them by design.
CONSTRAINED: frozenset[str] = MULTI_OBJECTIVE
#: The samplers told about :attr:`Problem.known_objectives` and
#: :attr:`Problem.known_constraints` (they compute them from the cell).
KNOWN_FUNCTIONS: frozenset[str] = frozenset(("bonas", "bonas-cold"))


def make_sampler(
    name: str, space: SearchSpace[Any], *, seed: int, mode: str, problem: Problem = PLAIN
) -> BaseSampler:
    """Build the sampler registered as ``name`` for a run of ``problem`` (default: one
    objective, no constraints).

    Raises:
        ConfigurationError: if ``name`` is not in :data:`SAMPLERS`.
    """
    check_choice(name, "name", "make_sampler", sorted(SAMPLERS))
    return SAMPLERS[name](space, seed=seed, mode=mode, problem=problem)
