"""The Optuna samplers of bonas, over any bonas search space.

:class:`BONASSampler` is Bayesian optimization (encoding → surrogate → acquisition, with a
zero-cost :class:`WarmStart`); the others are the literature's searchers. Each sampler
proposes whole cells of a :class:`~bonas.spaces.base.SearchSpace`, never proposes a canonical
class twice, shares a study with other workers through a reservation recorded on the
trial, works on any Optuna storage and replays exactly from its ``seed``:

* :class:`RandomSearchSampler`: random search (Li & Talwalkar, UAI 2019);
* :class:`EvolutionSampler`: regularized evolution (Real et al., AAAI 2019);
* :class:`REINFORCESampler`: a REINFORCE controller (Williams, 1992; as in NAS-Bench-201);
* :class:`LocalSearchSampler`: local search with restarts (White et al., UAI 2021).

:class:`SpaceSampler` holds what they share; a new strategy implements ``propose``.
"""

from __future__ import annotations

from bonas.samplers.base import Proposal, SearchState, SpaceSampler, class_pool
from bonas.samplers.bo import BONASSampler
from bonas.samplers.evolution import EvolutionSampler
from bonas.samplers.local_search import LocalSearchSampler
from bonas.samplers.random_search import RandomSearchSampler
from bonas.samplers.reinforce import REINFORCESampler
from bonas.samplers.warm_start import WarmStart

__all__ = [
    "BONASSampler",
    "EvolutionSampler",
    "LocalSearchSampler",
    "Proposal",
    "REINFORCESampler",
    "RandomSearchSampler",
    "SearchState",
    "SpaceSampler",
    "WarmStart",
    "class_pool",
]
