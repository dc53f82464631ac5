"""Peer search strategies as Optuna samplers over any bonas search space.

Each sampler proposes whole cells of a :class:`~bonas.spaces.base.SearchSpace`, never proposes a
canonical class twice, shares a study with other workers through a reservation recorded on the
trial, works on any Optuna storage and replays exactly from its ``seed``:

* :class:`RandomSearchSampler`: random search (Li & Talwalkar, UAI 2019);
* :class:`EvolutionSampler`: regularized evolution (Real et al., AAAI 2019);
* :class:`REINFORCESampler`: a REINFORCE controller (Williams, 1992; as in NAS-Bench-201);
* :class:`LocalSearchSampler`: local search with restarts (White et al., UAI 2021).

:class:`SpaceSampler` holds what they share; a new strategy implements ``propose``.
"""

from __future__ import annotations

from bonas.samplers.base import Proposal, SearchState, SpaceSampler, class_pool
from bonas.samplers.evolution import EvolutionSampler
from bonas.samplers.local_search import LocalSearchSampler
from bonas.samplers.random_search import RandomSearchSampler
from bonas.samplers.reinforce import REINFORCESampler

__all__ = [
    "EvolutionSampler",
    "LocalSearchSampler",
    "Proposal",
    "REINFORCESampler",
    "RandomSearchSampler",
    "SearchState",
    "SpaceSampler",
    "class_pool",
]
