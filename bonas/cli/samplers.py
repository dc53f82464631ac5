"""The samplers ``bonas search --sampler NAME`` can use: a name → factory registry.

A factory takes the search space and the run's options and returns a fresh Optuna sampler; it
imports what it needs when called, so listing the names (``bonas --help``) imports nothing.
A new sampler is one entry in :data:`SAMPLERS`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from bonas._validation import check_choice

if TYPE_CHECKING:
    from optuna.samplers import BaseSampler

    from bonas.spaces.base import SearchSpace

__all__ = ["SAMPLERS", "SamplerFactory", "make_sampler"]


class SamplerFactory(Protocol):
    """Builds a sampler for one run.

    Args:
        space: The space the objective suggests from (``space.suggest(trial)``).
        seed: The run's seed; the same seed gives the same trials.
        mode: The benchmark mode, ``"mean"`` (deterministic values) or ``"noisy"``.
    """

    def __call__(self, space: SearchSpace[Any], *, seed: int, mode: str) -> BaseSampler: ...


def _bonas(
    space: SearchSpace[Any], *, seed: int, mode: str, warm_start: str | None = "auto"
) -> BaseSampler:
    from bonas.samplers import BONASSampler

    # With noisy values the incumbent of log-EI is the best posterior mean, not the luckiest draw.
    if mode == "noisy":
        return BONASSampler(space, seed=seed, acquisition="noisy_logei", warm_start=warm_start)
    return BONASSampler(space, seed=seed, acquisition="logei", warm_start=warm_start)


def _bonas_cold(space: SearchSpace[Any], *, seed: int, mode: str) -> BaseSampler:
    return _bonas(space, seed=seed, mode=mode, warm_start=None)


def _bananas(space: SearchSpace[Any], *, seed: int, mode: str) -> BaseSampler:
    from bonas.samplers import BONASSampler

    return BONASSampler.bananas(space, seed=seed)


def _tpe(space: SearchSpace[Any], *, seed: int, mode: str) -> BaseSampler:
    from optuna.samplers import TPESampler

    return TPESampler(seed=seed)


def _gp(space: SearchSpace[Any], *, seed: int, mode: str) -> BaseSampler:
    import warnings

    from optuna.exceptions import ExperimentalWarning
    from optuna.samplers import GPSampler

    with warnings.catch_warnings():  # deterministic_objective is "experimental" in Optuna 5
        warnings.simplefilter("ignore", ExperimentalWarning)
        return GPSampler(seed=seed, deterministic_objective=mode == "mean")


def _random(space: SearchSpace[Any], *, seed: int, mode: str) -> BaseSampler:
    from optuna.samplers import RandomSampler

    return RandomSampler(seed=seed)


def _evolution(space: SearchSpace[Any], *, seed: int, mode: str) -> BaseSampler:
    from bonas.samplers import EvolutionSampler

    return EvolutionSampler(space, seed=seed)


def _local(space: SearchSpace[Any], *, seed: int, mode: str) -> BaseSampler:
    from bonas.samplers import LocalSearchSampler

    return LocalSearchSampler(space, seed=seed)


def _reinforce(space: SearchSpace[Any], *, seed: int, mode: str) -> BaseSampler:
    from bonas.samplers import REINFORCESampler

    return REINFORCESampler(space, seed=seed)


def _random_search(space: SearchSpace[Any], *, seed: int, mode: str) -> BaseSampler:
    from bonas.samplers import RandomSearchSampler

    return RandomSearchSampler(space, seed=seed)


#: Sampler name → factory. ``bonas``: :class:`~bonas.samplers.BONASSampler` (GP on the path +
#: adjacency encoding, log-EI; noisy log-EI in ``"noisy"`` mode; on NB201 the synflow warm
#: start and prior); ``bonas-cold``: the same without a warm start (every startup cell random,
#: no prior); ``bananas``:
#: :meth:`~bonas.samplers.BONASSampler.bananas`; ``tpe``, ``gp`` and
#: ``random``: Optuna's TPESampler, GPSampler and RandomSampler; ``evolution``, ``local``,
#: ``reinforce`` and ``random-search``: the NAS baselines of :mod:`bonas.samplers`.
SAMPLERS: dict[str, SamplerFactory] = {
    "bonas": _bonas,
    "bonas-cold": _bonas_cold,
    "bananas": _bananas,
    "tpe": _tpe,
    "gp": _gp,
    "random": _random,
    "evolution": _evolution,
    "local": _local,
    "reinforce": _reinforce,
    "random-search": _random_search,
}


def make_sampler(name: str, space: SearchSpace[Any], *, seed: int, mode: str) -> BaseSampler:
    """Build the sampler registered as ``name``.

    Raises:
        ConfigurationError: if ``name`` is not in :data:`SAMPLERS`.
    """
    check_choice(name, "name", "make_sampler", sorted(SAMPLERS))
    return SAMPLERS[name](space, seed=seed, mode=mode)
