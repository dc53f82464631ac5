"""Regularized (aging) evolution over a bonas space (Real et al., AAAI 2019).

Real, Aggarwal, Huang & Le, "Regularized Evolution for Image Classifier Architecture Search",
AAAI 2019, Algorithm 1: a population of ``P`` cells; each cycle samples ``S`` of them, mutates
the best of the sample, adds the child and removes the *oldest* member (not the worst), so every
cell lives for ``P`` cycles and good cells survive only through their descendants.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bonas._validation import check_int
from bonas.samplers.base import (
    Proposal,
    SearchState,
    SpaceSampler,
    SpaceSamplerOptions,
)

if TYPE_CHECKING:
    import numpy as np
    from optuna.trial import FrozenTrial
    from typing_extensions import Unpack

    from bonas.spaces.base import SearchSpace

__all__ = ["PARENT_ATTR", "EvolutionSampler"]

#: The trial system attribute holding the trial number of an evolved cell's parent.
PARENT_ATTR = "bonas:parent"
# Tournaments drawn before a cell whose every mutation is taken gives way to a random cell.
_MAX_TOURNAMENTS = 10


class EvolutionSampler(SpaceSampler):
    """Regularized evolution (Real et al., AAAI 2019) as an Optuna sampler.

    The population is derived from the study every time, never stored: it is the last
    ``population_size`` trials with a value, in trial order (trial numbers are birth order, so
    the oldest dies). This makes the sampler stateless, so it works the same from several
    workers and on any storage. Until ``n_startup_trials`` trials have a value, cells are drawn
    at random (Real et al. fill the population with ``P`` random cells first). Then each trial
    draws a tournament of ``tournament_size`` distinct members uniformly, takes the best as
    parent and proposes a random one-edge mutation of it: a cell drawn uniformly from
    ``space.neighbors(parent)`` among those whose canonical class is not taken. A parent whose
    every neighbour is taken gives way to a new tournament (10 at most), then to a random cell.
    An evolved trial records its parent's number in the system attribute ``"bonas:parent"``.

    Defaults are the setting of White et al.'s naszilla/BANANAS comparisons (population 30,
    tournament 10), the strongest of the settings in our NB201 runs; NB201's own REA baseline
    (Dong & Yang, ICLR 2020) uses 10 and 3, Real et al.'s large-scale runs 100 and 25.

    Args:
        space: The search space the objective suggests from.
        population_size: ``P``, how many of the latest evaluated cells form the population.
        tournament_size: ``S``, how many members compete to be the parent (at most the
            population's size).
        n_startup_trials: Random trials before evolution starts (default: ``population_size``).
        **options: :class:`~bonas.samplers.base.SpaceSampler`'s options (``seed``, ``pruned``, …).

    Example:
        >>> import optuna
        >>> from bonas import EvolutionSampler, NB201Benchmark
        >>> bench = NB201Benchmark("cifar10")
        >>> sampler = EvolutionSampler(bench.space, population_size=5, tournament_size=2, seed=0)
        >>> study = optuna.create_study(direction="maximize", sampler=sampler)
        >>> study.optimize(bench.objective, n_trials=8)
        >>> [t.system_attrs.get("bonas:parent") is not None for t in study.trials][4:]
        [False, True, True, True]
    """

    def __init__(
        self,
        space: SearchSpace[Any],
        *,
        population_size: int = 30,
        tournament_size: int = 10,
        n_startup_trials: int | None = None,
        **options: Unpack[SpaceSamplerOptions],
    ) -> None:
        super().__init__(space, **options)
        owner = "EvolutionSampler"
        self.population_size = check_int(population_size, "population_size", owner, low=1)
        self.tournament_size = check_int(
            tournament_size,
            "tournament_size",
            owner,
            low=1,
            high=self.population_size,
            hint="A tournament is drawn from the population (at most 'population_size').",
        )
        self.n_startup_trials = (
            self.population_size
            if n_startup_trials is None
            else check_int(
                n_startup_trials,
                "n_startup_trials",
                owner,
                low=1,
                hint="None starts with 'population_size' random cells.",
            )
        )

    def population(self, state: SearchState) -> list[int]:
        """The population: indices into ``state.archs`` of the last ``population_size`` cells."""
        n = len(state.archs)
        return list(range(max(0, n - self.population_size), n))

    def propose(self, state: SearchState, rng: np.random.Generator, trial: FrozenTrial) -> Any:
        if len(state.values) < self.n_startup_trials:
            return self.random_untaken(state, rng)
        members = self.population(state)
        size = min(self.tournament_size, len(members))
        canonical = self.space.canonical
        for _ in range(_MAX_TOURNAMENTS):
            sample = rng.choice(len(members), size=size, replace=False)
            parent = max((members[i] for i in sample), key=lambda i: (state.values[i], -i))
            children = [
                arch
                for arch in self.space.neighbors(state.archs[parent])
                if canonical(arch) not in state.taken
            ]
            if children:
                child = children[int(rng.integers(len(children)))]
                return Proposal(child, {PARENT_ATTR: state.numbers[parent]})
        return self.random_untaken(state, rng)
