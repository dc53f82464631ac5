"""Encodings: batched, pure functions from cell graphs to fixed-width float64 feature matrices.

Every encoder is built from a space's :class:`~bonas.graph.GraphSpec` and reads only the cell
graphs of :mod:`bonas.graph`, never a space object:

* ``"adjacency"``, :class:`AdjacencyEncoder`: NB201 30 features (6 edges × 5 ops);
* ``"path"``, :class:`PathEncoder`: NB201 155 (84 with ``drop_zero=True``);
* ``"truncated_path"``, :class:`TruncatedPathEncoder`: the ``n_paths`` most frequent paths;
* ``"wl"``, :class:`WLEncoder`: Weisfeiler–Lehman label counts over a fitted vocabulary;
* ``"path_adjacency"``, :class:`PathAdjacencyEncoder`: path (``drop_zero``) + adjacency, 114.

More come from :func:`register` or the ``bonas.encodings`` entry-point group (see
:mod:`bonas.encodings.registry`); :func:`make` builds any of them by name.

Example:
    >>> import numpy as np
    >>> from bonas import encodings
    >>> from bonas.spaces.nb201 import NB201Space
    >>> space = NB201Space()
    >>> enc = encodings.make("path", space.graph_spec, drop_zero=True)
    >>> enc.encode([space.to_graph(a) for a in space.sample(3, np.random.default_rng(0))]).shape
    (3, 84)
"""

from __future__ import annotations

from bonas.encodings.adjacency import AdjacencyEncoder
from bonas.encodings.base import CellBatch, Encoder
from bonas.encodings.concat import ConcatEncoder, PathAdjacencyEncoder
from bonas.encodings.path import PathEncoder, TruncatedPathEncoder
from bonas.encodings.registry import ENTRY_POINT_GROUP, available, get, make, register
from bonas.encodings.wl import WLEncoder

__all__ = [
    "ENTRY_POINT_GROUP",
    "AdjacencyEncoder",
    "CellBatch",
    "ConcatEncoder",
    "Encoder",
    "PathAdjacencyEncoder",
    "PathEncoder",
    "TruncatedPathEncoder",
    "WLEncoder",
    "available",
    "get",
    "make",
    "register",
]
