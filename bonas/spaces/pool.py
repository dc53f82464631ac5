"""The canonical classes of an enumerable space: every cell, its class, one cell per class.

A pure utility of the space layer: samplers score one representative per class, proxies and
benchmarks tabulate by class, and all of them share the one listing (cached per space).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from bonas.spaces.base import SearchSpace

__all__ = ["ClassPool", "class_pool"]


@dataclass(frozen=True)
class ClassPool:
    """Every cell of an enumerable space and its canonical class.

    Attributes:
        cells: Every cell, in :meth:`~bonas.spaces.base.SearchSpace.enumerate` order.
        class_of: ``(n_cells,)`` the class id of each cell.
        representatives: The first cell of each class, by class id (classes are numbered in
            the order they first appear).
        index: Canonical key → class id.
    """

    cells: tuple[Any, ...]
    class_of: np.ndarray
    representatives: tuple[Any, ...]
    index: Mapping[str, int]


@functools.lru_cache(maxsize=8)
def class_pool(space: SearchSpace[Any]) -> ClassPool:
    """List an enumerable ``space`` with the class of every cell (cached per space).

    Example:
        >>> from bonas import NB201Space
        >>> pool = class_pool(NB201Space())
        >>> len(pool.cells), len(pool.representatives)
        (15625, 6466)
    """
    cells = tuple(space.enumerate())
    index: dict[str, int] = {}
    reps: list[Any] = []
    class_of = np.empty(len(cells), dtype=np.int64)
    for i, arch in enumerate(cells):
        key = space.canonical(arch)
        if key not in index:
            index[key] = len(reps)
            reps.append(arch)
        class_of[i] = index[key]
    class_of.setflags(write=False)
    return ClassPool(cells, class_of, tuple(reps), index)
