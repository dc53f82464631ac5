"""Add a search strategy: hill climbing from the best cell, as an Optuna sampler.

A strategy is a subclass of ``bonas.samplers.base.SpaceSampler`` that implements
``propose(state, rng, trial)``. The base class does the rest: it reads the study into a
``SearchState`` (cells and values, higher is better; the cells other workers are running;
the canonical classes never to propose again), gives each trial its own random generator
seeded from ``seed`` and the trial number, records the proposal on the trial, keeps two
workers from evaluating one class, and leaves parameters outside the space to an independent
sampler.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import optuna
from optuna.trial import FrozenTrial

from bonas import NB201Benchmark, NB201Space
from bonas.samplers.base import SearchState, SpaceSampler


class HillClimbingSampler(SpaceSampler):
    """A few random cells, then a random untaken neighbour of the best cell so far.

    Args:
        space: The search space.
        n_random: Random cells before climbing.
        **options: ``seed``, ``independent_sampler``, ``pruned``, ``max_retries``, as for
            ``SpaceSampler``.
    """

    def __init__(self, space: Any, *, n_random: int = 5, **options: Any) -> None:
        super().__init__(space, **options)
        self.n_random = n_random

    def propose(self, state: SearchState, rng: np.random.Generator, trial: FrozenTrial) -> Any:
        if len(state.values) >= self.n_random:
            best = state.archs[int(np.argmax(state.values))]
            untaken = [
                a for a in self.space.neighbors(best) if self.space.canonical(a) not in state.taken
            ]
            if untaken:
                return untaken[int(rng.integers(len(untaken)))]
        return self.random_untaken(state, rng)  # the start, or a peak with no new neighbour


def main(n_trials: int = 12, seed: int = 0) -> optuna.Study:
    bench = NB201Benchmark("cifar10")
    sampler = HillClimbingSampler(NB201Space(), n_random=5, seed=seed)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.optimize(bench.objective, n_trials=n_trials)
    return study


if __name__ == "__main__":
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = main()
    print(f"best of {len(study.trials)} trials: {study.best_value:.2f} %")
