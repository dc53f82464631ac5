"""bonas: neural architecture search by Bayesian optimization, on Optuna.

The public names are imported lazily, so ``import bonas`` and ``bonas --help`` stay instant;
torch and BoTorch load only when a surrogate is first fitted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bonas._lazy import lazy_exports

__version__ = "0.1.0.dev0"

_LAZY = {
    "NB201Space": "bonas.spaces.nb201",
    "CellSpace": "bonas.spaces.cell",
    "SearchSpace": "bonas.spaces.base",
    "NB201Benchmark": "bonas.nb201.table",
    "NB201MultiObjective": "bonas.nb201.objectives",
    "TabularBenchmark": "bonas.tabular",
    "BONASSampler": "bonas.samplers",
    "WarmStart": "bonas.samplers",
    "EvolutionSampler": "bonas.samplers",
    "LocalSearchSampler": "bonas.samplers",
    "REINFORCESampler": "bonas.samplers",
    "RandomSearchSampler": "bonas.samplers",
    "guard_objective": "bonas.guard",
}

__all__ = [
    "BONASSampler",
    "CellSpace",
    "EvolutionSampler",
    "LocalSearchSampler",
    "NB201Benchmark",
    "NB201MultiObjective",
    "NB201Space",
    "REINFORCESampler",
    "RandomSearchSampler",
    "SearchSpace",
    "TabularBenchmark",
    "WarmStart",
    "__version__",
    "guard_objective",
]

if TYPE_CHECKING:
    from bonas.guard import guard_objective
    from bonas.nb201.objectives import NB201MultiObjective
    from bonas.nb201.table import NB201Benchmark
    from bonas.samplers import (
        BONASSampler,
        EvolutionSampler,
        LocalSearchSampler,
        RandomSearchSampler,
        REINFORCESampler,
        WarmStart,
    )
    from bonas.spaces.base import SearchSpace
    from bonas.spaces.cell import CellSpace
    from bonas.spaces.nb201 import NB201Space
    from bonas.tabular import TabularBenchmark


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
