"""Search spaces: what an architecture is, and how a searcher moves through it."""

from __future__ import annotations

from bonas.spaces.base import SearchSpace
from bonas.spaces.cell import NB101_OPS, Cell, CellSpace
from bonas.spaces.nb201 import NB201_EDGES, NB201_OPS, NB201Space

__all__ = [
    "NB101_OPS",
    "NB201_EDGES",
    "NB201_OPS",
    "Cell",
    "CellSpace",
    "NB201Space",
    "SearchSpace",
]
