"""Random search over a bonas space, without repeating a canonical class.

Random search is the baseline every NAS method must beat (Li & Talwalkar, "Random Search and
Reproducibility for Neural Architecture Search", UAI 2019; Yang, Esperança & Carlucci, "NAS
Evaluation is Frustratingly Hard", ICLR 2020).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bonas._validation import check_choice
from bonas.exceptions import ConfigurationError
from bonas.samplers.base import (
    SearchState,
    SpaceSampler,
    SpaceSamplerOptions,
    UniformOver,
)

if TYPE_CHECKING:
    import numpy as np
    from optuna.trial import FrozenTrial
    from typing_extensions import Unpack

    from bonas.spaces.base import SearchSpace

__all__ = ["RandomSearchSampler"]


class RandomSearchSampler(SpaceSampler):
    """Random search: every trial a random cell whose canonical class is new to the study.

    Which distribution? naszilla and NASLib draw *cells* uniformly (NB201: each of the 5^6 op
    strings equally likely; NB101: their rejection sampler, ``CellSpace.sample``). The default,
    ``uniform_over="cells"``, keeps that distribution but never repeats a class: a cell is drawn
    uniformly among the cells whose class is untaken, so a class is drawn in proportion to its
    size (NB201 under NB201's rule: 5,116 of the 6,466 classes hold one cell; the largest holds
    275 cells that all compute one ``nor_conv_3x3`` of the input). ``uniform_over="classes"``
    draws the untaken classes uniformly instead (one representative each; enumerable spaces
    only), which spends fewer queries on such degenerate cells.

    Args:
        space: The search space the objective suggests from.
        uniform_over: ``"cells"`` (the peers' distribution, deduplicated) or ``"classes"``.
        **options: :class:`~bonas.samplers.base.SpaceSampler`'s options (``seed``, ``pruned``, …).

    Raises:
        ConfigurationError: for an unknown ``uniform_over``, or ``"classes"`` on a space that
            cannot be enumerated.

    Example:
        >>> import optuna
        >>> from bonas import NB201Benchmark, RandomSearchSampler
        >>> bench = NB201Benchmark("cifar10")
        >>> study = optuna.create_study(
        ...     direction="maximize", sampler=RandomSearchSampler(bench.space, seed=0)
        ... )
        >>> study.optimize(bench.objective, n_trials=5)
        >>> len({t.user_attrs["canonical"] for t in study.trials})
        5
    """

    def __init__(
        self,
        space: SearchSpace[Any],
        *,
        uniform_over: UniformOver = "cells",
        **options: Unpack[SpaceSamplerOptions],
    ) -> None:
        super().__init__(space, **options)
        check_choice(uniform_over, "uniform_over", "RandomSearchSampler", ("cells", "classes"))
        if uniform_over == "classes" and not space.is_enumerable:
            raise ConfigurationError(
                "The 'uniform_over' parameter of RandomSearchSampler can be 'classes' only for "
                f"an enumerable space; {space.name!r} is too large to list. Use 'cells'."
            )
        self.uniform_over: UniformOver = uniform_over

    def propose(self, state: SearchState, rng: np.random.Generator, trial: FrozenTrial) -> Any:
        return self.random_untaken(state, rng, uniform_over=self.uniform_over)
