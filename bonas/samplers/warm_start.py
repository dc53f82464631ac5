"""The zero-cost warm start of :class:`~bonas.samplers.BONASSampler`, as one options object.

:class:`WarmStart` says which proxy scores the untrained cells, how many of the startup
trials it picks and from how large a top list, and how much it weighs as a πBO prior on the
model-based trials afterwards (:mod:`bonas.acquisition.prior`). :class:`ProxyGuide` is the
sampler's working state for it: the proxy's scores of the reference cells, computed once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from bonas._validation import check_int, check_number, invalid
from bonas.exceptions import ConfigurationError
from bonas.proxies.base import Proxy

if TYPE_CHECKING:
    from bonas.spaces.base import SearchSpace

__all__ = ["DEFAULT_PRIOR_WEIGHT", "ProxyGuide", "WarmStart"]

#: ``prior_weight`` with the log-EI acquisitions when none is given (the choice is measured
#: in ``benchmarks/results/zero_cost.md``).
DEFAULT_PRIOR_WEIGHT = 5.0
#: Acquisitions whose values are on a log scale, to which a log prior can be added.
LOG_SCALE_ACQUISITIONS = ("logei", "noisy_logei")
# Cells a proxy scores on a space that cannot be listed (its best make the warm-start pool).
_REFERENCE_SAMPLE = 2000


@dataclass(frozen=True)
class WarmStart:
    """How a zero-cost proxy starts a search and then steers it.

    Args:
        proxy: A registered proxy name (``"synflow"``, or a plug-in's; :mod:`bonas.proxies`),
            a :class:`~bonas.proxies.Proxy`, or a callable that maps a list of cells to one
            score each (higher: more promising).
        n_cells: Startup trials the proxy picks, drawn at random among the untaken classes in
            its top ``pool``; the rest of the startup stays random. ``None``: half of the
            startup trials, rounded up.
        pool: Size of the proxy's top list those cells are drawn from.
        prior_weight: How much the proxy steers the model-based trials, as a prior on the
            acquisition (πBO, Hvarfner et al. 2022): each candidate's log-EI gets
            ``prior_weight × ρ⁺ / n × z``, with ``z`` the normal score of the candidate's proxy
            rank among the reference cells, ``n`` the model-based trials so far (the prior
            fades) and ``ρ⁺`` the proxy's Spearman correlation with the values seen so far, or
            0 where it is not positive (a proxy the data contradict is ignored). ``0``: the
            proxy picks startup cells only. ``None``: :data:`DEFAULT_PRIOR_WEIGHT` with the
            log-EI acquisitions, 0 with UCB and Thompson sampling (not on a log scale).

    Example:
        >>> WarmStart("synflow", n_cells=3).pool
        100
    """

    proxy: str | Proxy | Callable[[list[Any]], Any]
    n_cells: int | None = None
    pool: int = 100
    prior_weight: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.proxy, (str, Proxy)) and not callable(self.proxy):
            raise invalid(
                "WarmStart",
                "proxy",
                "a proxy name, a Proxy or a callable (cells -> scores)",
                self.proxy,
            )
        if self.n_cells is not None:
            check_int(self.n_cells, "n_cells", "WarmStart", low=0)
        check_int(self.pool, "pool", "WarmStart", low=1)
        if self.prior_weight is not None:
            check_number(
                self.prior_weight, "prior_weight", "WarmStart", low=0, hint="(0: no prior)"
            )

    def resolved(self, n_startup_trials: int, acquisition: str, owner: str) -> WarmStart:
        """A copy with the defaults filled in for a sampler's ``n_startup_trials`` and
        ``acquisition``, checked against them."""
        n_cells = (n_startup_trials + 1) // 2 if self.n_cells is None else self.n_cells
        if n_cells > n_startup_trials:
            raise invalid(
                "WarmStart",
                "n_cells",
                f"an int in [0, n_startup_trials={n_startup_trials}]",
                n_cells,
                f"({owner} starts with {n_startup_trials} trials.)",
            )
        log_scale = acquisition in LOG_SCALE_ACQUISITIONS
        weight = self.prior_weight
        if weight is None:
            weight = DEFAULT_PRIOR_WEIGHT if log_scale else 0.0
        if weight > 0 and not log_scale:
            raise ConfigurationError(
                f"The 'prior_weight' parameter of WarmStart is {weight!r}, but the acquisition "
                f"{acquisition!r} of {owner} is not on a log scale, so a prior cannot be added "
                "to it. Use acquisition='logei' or 'noisy_logei', or prior_weight=0."
            )
        return dataclasses.replace(self, n_cells=n_cells, prior_weight=float(weight))


def make_proxy(spec: str | Proxy | Callable[[list[Any]], Any]) -> Proxy:
    """The :class:`~bonas.proxies.Proxy` that ``spec`` names or wraps."""
    from bonas import proxies

    if isinstance(spec, str):
        return proxies.make(spec)
    return proxies.as_proxy(spec)


class ProxyGuide:
    """A proxy's scores of a space's reference cells, computed once, and what follows.

    The reference cells are one per class of an enumerable space, else ``2000`` sampled cells
    (distinct classes, drawn with ``seed``). Cells outside them are scored as they come and
    kept.
    """

    def __init__(self, space: SearchSpace[Any], proxy: Proxy, *, pool: int, seed: int) -> None:
        self.space = space
        self.proxy = proxy
        self.pool = pool
        self.seed = seed
        self._reference: tuple[list[Any], list[str], np.ndarray] | None = None
        self._top: tuple[frozenset[str], list[Any], list[str]] | None = None
        self._memo: dict[str, float] = {}

    def reference(self) -> tuple[list[Any], list[str], np.ndarray]:
        """The reference cells, their canonical keys and the proxy's scores of them."""
        if self._reference is None:
            space = self.space
            if space.is_enumerable:
                from bonas.spaces.pool import class_pool

                classes = class_pool(space)
                cells, keys = list(classes.representatives), list(classes.index)
            else:
                rng = np.random.default_rng(np.random.SeedSequence([self.seed, 13]))
                by_key = {space.canonical(a): a for a in space.sample(_REFERENCE_SAMPLE, rng)}
                cells, keys = list(by_key.values()), list(by_key)
            scores = self.scores(cells)
            self._reference = (cells, keys, scores)
            self._memo.update(zip(keys, scores.tolist(), strict=True))
        return self._reference

    def top(self, excluded: frozenset[str] = frozenset()) -> tuple[list[Any], list[str]]:
        """The proxy's ``pool`` best reference cells (one per class) and their keys, leaving
        out the classes of ``excluded`` (canonical keys): under a known constraint the pool is
        the proxy's best among the classes that may be proposed, not the best of the space
        (synflow's best cells are the biggest, the first a parameter bound rules out)."""
        if self._top is None or self._top[0] != excluded:
            cells, keys, scores = self.reference()
            order = np.argsort(-scores, kind="stable")
            best = [i for i in order if keys[i] not in excluded][: self.pool]
            self._top = (excluded, [cells[i] for i in best], [keys[i] for i in best])
        return self._top[1], self._top[2]

    def scores(self, cells: Sequence[Any]) -> np.ndarray:
        """The proxy's scores of ``cells``; a proxy that returns bad scores is an error that
        names the ``warm_start`` parameter."""
        try:
            return self.proxy(cells)
        except ConfigurationError as err:
            raise ConfigurationError(f"The 'warm_start' proxy of BONASSampler: {err}") from None

    def normal_scores(self, cells: Sequence[Any], keys: Sequence[str]) -> np.ndarray:
        """The proxy's view of ``cells`` (whose canonical keys are ``keys``) as normal scores
        of their ranks among the reference cells' scores, so that its scale does not matter."""
        from bonas.surrogates.transforms import normal_scores

        _, _, reference = self.reference()
        memo = self._memo
        missing = [i for i, key in enumerate(keys) if key not in memo]
        if missing:
            fresh = self.scores([cells[i] for i in missing])
            memo.update(zip((keys[i] for i in missing), fresh.tolist(), strict=True))
        return normal_scores(np.array([memo[key] for key in keys]), reference)
