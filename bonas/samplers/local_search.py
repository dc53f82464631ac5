"""Local search over a bonas space (White, Nolen, Zela & Hutter, UAI 2021).

White et al., "Exploring the Loss Landscape in Neural Architecture Search", UAI 2021: start at
the best of ``n`` random cells, evaluate the whole neighbourhood of the current cell, move to
its best neighbour if that one is better, and stop at a local optimum; on NAS-Bench-201 this
simple method is among the strongest (naszilla's and NASLib's ``local_search``). On reaching a
local optimum the search restarts from new random cells, never re-evaluating a class.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

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

__all__ = ["LOCAL_SEARCH_ATTR", "LocalSearchSampler"]

#: The trial system attribute of a local-search proposal: ``{"run", "role", "center"}``.
LOCAL_SEARCH_ATTR = "bonas:local_search"


class _Evaluated(NamedTuple):
    value: float
    number: int
    arch: Any


class LocalSearchSampler(SpaceSampler):
    """Local search with restarts (White et al., UAI 2021) as an Optuna sampler.

    A *run* proposes ``n_init`` random cells (role ``"init"``), starts at the best of them and
    then walks: while some neighbour of the current cell (``space.neighbors``) has an untaken
    canonical class, it proposes one of those, at random (role ``"neighbor"``). Once the whole
    neighbourhood is taken it moves to the best evaluated neighbour if that is better than the
    current cell, or else has reached a local optimum and starts a new run. Every proposal
    records ``{"run": r, "role": …, "center": n}`` (``n``: the trial number of the current
    cell, or ``None``) in the trial system attribute ``"bonas:local_search"``.

    The walk is not stored: each suggestion replays it from the trials (the latest run's
    initial cells and every evaluated cell's value), so the sampler works the same from several
    workers and on any storage. A neighbour's value is its class's best value in the study,
    whichever trial evaluated it (one evaluated by an earlier run counts as seen). With several
    workers a neighbourhood may be taken but still running: the walk then moves on as soon as a
    finished neighbour beats the current cell (a later, better neighbour redirects it), and
    otherwise proposes a random untaken cell (role ``"explore"``) rather than wait.

    Args:
        space: The search space the objective suggests from.
        n_init: Random cells at the start of each run (naszilla's and NASLib's default is 10).
        **options: :class:`~bonas.samplers.base.SpaceSampler`'s options (``seed``, ``pruned``, …).

    Example:
        >>> import optuna
        >>> from bonas import LocalSearchSampler, NB201Benchmark
        >>> bench = NB201Benchmark("cifar10")
        >>> study = optuna.create_study(
        ...     direction="maximize", sampler=LocalSearchSampler(bench.space, n_init=3, seed=0)
        ... )
        >>> study.optimize(bench.objective, n_trials=5)
        >>> [t.system_attrs["bonas:local_search"]["role"] for t in study.trials]
        ['init', 'init', 'init', 'neighbor', 'neighbor']
    """

    def __init__(
        self,
        space: SearchSpace[Any],
        *,
        n_init: int = 10,
        **options: Unpack[SpaceSamplerOptions],
    ) -> None:
        super().__init__(space, **options)
        self.n_init = check_int(n_init, "n_init", "LocalSearchSampler", low=1)

    def propose(self, state: SearchState, rng: np.random.Generator, trial: FrozenTrial) -> Any:
        canonical = self.space.canonical
        evaluated: dict[int, _Evaluated] = {}  # trial number → its cell and value
        best_of_class: dict[str, _Evaluated] = {}
        for arch, value, number in zip(state.archs, state.values, state.numbers, strict=True):
            evaluated[number] = item = _Evaluated(value, number, arch)
            key = canonical(arch)
            if key not in best_of_class or value > best_of_class[key].value:
                best_of_class[key] = item
        roles = [
            (t.number, attr)
            for t in state.trials
            if isinstance(attr := t.system_attrs.get(LOCAL_SEARCH_ATTR), dict)
            and isinstance(attr.get("run"), int)
        ]
        run = max((attr["run"] for _, attr in roles), default=0)
        init = [n for n, attr in roles if attr["run"] == run and attr.get("role") == "init"]
        starts = [evaluated[n] for n in init if n in evaluated]

        def tagged(arch: Any, role: str, center: int | None = None, run_: int = run) -> Proposal:
            attr = {"run": run_, "role": role, "center": center}
            return Proposal(arch, {LOCAL_SEARCH_ATTR: attr})

        if len(init) < self.n_init or not starts:
            return tagged(self.random_untaken(state, rng), "init")
        pending = {canonical(arch) for arch in state.pending}
        center = max(starts, key=lambda e: (e.value, -e.number))
        while True:
            center_key = canonical(center.arch)
            neighbors = self.space.neighbors(center.arch)
            untaken = [a for a in neighbors if canonical(a) not in state.taken]
            if untaken:
                return tagged(untaken[int(rng.integers(len(untaken)))], "neighbor", center.number)
            keys = {canonical(a) for a in neighbors} - {center_key}
            known = [best_of_class[k] for k in keys if k in best_of_class]
            best = max(known, key=lambda e: (e.value, -e.number), default=None)
            if best is not None and best.value > center.value:
                center = best  # the values rise strictly along the walk, so it ends
                continue
            if keys & pending:
                return tagged(self.random_untaken(state, rng), "explore")
            return tagged(self.random_untaken(state, rng), "init", run_=run + 1)
