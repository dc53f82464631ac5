"""Add a zero-cost proxy: how much convolution an NB201 cell holds.

A proxy is a subclass of ``bonas.proxies.Proxy`` that implements ``score(cells)``: one number
per cell, higher = more promising, computed without training (calling the proxy checks that
there is one finite float64 per cell). ``supports(space)`` says which spaces it can score.
Registered by name, it is the warm start of ``BONASSampler``: it picks part of the startup
cells among its top-ranked classes, then weighs on the acquisition as a fading prior while
it agrees with the values seen (``WarmStart``: ``proxy``, ``n_cells``, ``pool``,
``prior_weight``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import optuna

from bonas import BONASSampler, NB201Benchmark, NB201Space, proxies
from bonas.samplers import WarmStart


class ConvCountProxy(proxies.Proxy):
    """The cell's convolutions, a 3×3 counting twice as much as a 1×1 (a capacity score)."""

    WEIGHTS = {"nor_conv_3x3": 2.0, "nor_conv_1x1": 1.0}

    def score(self, cells: Sequence[Any]) -> np.ndarray:
        return np.array([sum(self.WEIGHTS.get(op, 0.0) for op in cell) for cell in cells])

    def supports(self, space: Any) -> bool:
        return isinstance(space, NB201Space)


proxies.register("conv_count", ConvCountProxy)


def main(n_trials: int = 12) -> optuna.Study:
    space = NB201Space()
    warm_start = WarmStart(proxy="conv_count", n_cells=5, pool=100)
    sampler = BONASSampler(space, warm_start=warm_start, seed=0)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.optimize(NB201Benchmark("cifar10").objective, n_trials=n_trials)
    return study


if __name__ == "__main__":
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = main()
    first = [t.user_attrs["arch"] for t in study.trials[:5]]
    print("the proxy's picks:", *first, sep="\n  ")
    print(f"best of {len(study.trials)} trials: {study.best_value:.2f} %")
