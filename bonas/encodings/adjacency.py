"""The adjacency one-hot encoding (Ying et al. 2019; White et al. 2020, "A Study on Encodings for
Neural Architecture Search", NeurIPS 2020)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from bonas.encodings.base import CellBatch, Encoder

if TYPE_CHECKING:
    from bonas.graph import GraphSpec

__all__ = ["AdjacencyEncoder"]


class AdjacencyEncoder(Encoder):
    """Adjacency bits and a one-hot op per node slot.

    Fixed-edge spaces (``spec.fixed_edges`` set, e.g. NAS-Bench-201's op-node graph): the edges
    are the same in every cell, so only the ops are encoded: for each intermediate node
    ``k = 1 … max_nodes - 2`` in order, a one-hot block over ``spec.ops``. Column
    ``(k - 1) * len(ops) + op_index``. NB201: 6 × 5 = 30 features, named
    ``"edge_<to>_<from>=<op>"`` after the NB201 edge the node stands for (the ``"edge"``
    attribute of :meth:`NB201Space.to_graph <bonas.spaces.nb201.NB201Space.to_graph>` and its
    Optuna parameter names); these are read off ``spec.fixed_edges`` as a line graph, and where
    that fails the names are ``"node<k>=<op>"``.

    General DAG spaces (NAS-Bench-101 style, ``fixed_edges is None``): the BANANAS "adjacency
    one-hot" encoding of White et al. (2020). A cell with ``n < max_nodes`` nodes is first padded
    to ``N = max_nodes`` by inserting empty nodes just before the output, as NAS-Bench-101 does
    (node ``i < n - 1`` stays ``i``, the output becomes ``N - 1``). Then come

    * the strictly upper-triangular adjacency bits, row-major: ``"edge_<i>_<j>"`` for
      ``0 <= i < j < N`` (``N (N - 1) / 2`` of them; the all-zero lower triangle of the
      reference implementation is left out);
    * a one-hot block over ``spec.ops`` per intermediate slot ``k = 1 … N - 2``:
      ``"op_<k>=<op>"``; the blocks of padding slots are all zero.

    NB101 (7 nodes, 3 ops): 21 + 5 × 3 = 36 features. The names match
    :class:`~bonas.spaces.cell.CellSpace`'s Optuna parameters.

    Args:
        spec: The graph spec of the space.

    Example:
        >>> from bonas.spaces.nb201 import NB201Space
        >>> space = NB201Space()
        >>> enc = AdjacencyEncoder(space.graph_spec)
        >>> X = enc.encode([space.to_graph(space.from_key("333132"))])
        >>> X.shape, [enc.feature_names()[i] for i in X[0].nonzero()[0]][:2]
        ((1, 30), ['edge_1_0=nor_conv_3x3', 'edge_2_0=nor_conv_3x3'])
    """

    name = "adjacency"

    def __init__(self, spec: GraphSpec) -> None:
        super().__init__(spec)
        n = spec.max_nodes
        self._n_ops = len(spec.ops)
        self._n_slots = n - 2
        if self._info.is_fixed:
            self._n_bits = 0
            self._bit_index = np.zeros((n, n), dtype=np.int64)
        else:
            self._n_bits = n * (n - 1) // 2
            rows, cols = np.triu_indices(n, k=1)
            self._bit_index = np.full((n, n), -1, dtype=np.int64)
            self._bit_index[rows, cols] = np.arange(self._n_bits)

    @property
    def n_features(self) -> int:
        return self._n_bits + self._n_slots * self._n_ops

    def feature_names(self) -> list[str]:
        n = self.spec.max_nodes
        if self._info.is_fixed:
            slots = _line_graph_edge_names(self.spec) or [f"node{k}" for k in range(1, n - 1)]
            return [f"{slot}={op}" for slot in slots for op in self.spec.ops]
        bits = [f"edge_{i}_{j}" for i in range(n) for j in range(i + 1, n)]
        return bits + [f"op_{k}={op}" for k in range(1, n - 1) for op in self.spec.ops]

    def _encode(self, cells: CellBatch) -> np.ndarray:
        n_graphs = len(cells)
        X = np.zeros((n_graphs, self.n_features))
        if n_graphs == 0:
            return X
        # One-hot ops: slot k - 1 of graph i holds op ops[i, k - 1] (-1 for padding).
        slot = np.arange(self._n_slots)
        rows, cols = np.nonzero(cells.ops >= 0)
        X[rows, self._n_bits + slot[cols] * self._n_ops + cells.ops[rows, cols]] = 1.0
        if not self._info.is_fixed:
            last = self.spec.max_nodes - 1
            for i, (n, edges) in enumerate(zip(cells.n_nodes.tolist(), cells.edges, strict=True)):
                for u, v in edges:
                    X[i, self._bit_index[u, last if v == n - 1 else v]] = 1.0
        return X


def _line_graph_edge_names(spec: GraphSpec) -> list[str] | None:
    """``"edge_<to>_<from>"`` for every intermediate node of a line graph, else ``None``.

    In the op-node form of an ops-on-edges cell (NB201), node ``k`` is an edge ``from → to`` of
    the original cell. Its successors are the out-edges of ``to`` and its predecessors the
    in-edges of ``from`` (or the input node). So the op-nodes that share a successor set are the
    in-edges of one original node; those nodes, numbered in a topological order (ties by their
    smallest op-node), give each op-node its ``(to, from)``.
    """
    assert spec.fixed_edges is not None
    n = spec.max_nodes
    inner = range(1, n - 1)
    pred: dict[int, frozenset[int]] = {}
    succ: dict[int, frozenset[int]] = {}
    for k in inner:
        pred[k] = frozenset(u for u, v in spec.fixed_edges if v == k)
        succ[k] = frozenset(v for u, v in spec.fixed_edges if u == k)
    # An original node (other than the input) is identified by its in-edges; its out-edges are
    # the successor set its in-edges share.
    groups: dict[frozenset[int], list[int]] = {}
    for k in inner:
        groups.setdefault(succ[k], []).append(k)
    in_edges = {out: frozenset(members) for out, members in groups.items()}
    source: dict[int, frozenset[int] | None] = {}  # op-node → in-edges of its source (None: input)
    for k in inner:
        if pred[k] == frozenset({0}):
            source[k] = None
        elif pred[k] in in_edges.values() and 0 not in pred[k]:
            source[k] = pred[k]
        else:
            return None
    # Each group's out-edges must be exactly the op-nodes whose source it is.
    for out, members in in_edges.items():
        if out != frozenset({n - 1}) and {k for k in inner if source[k] == members} != out:
            return None
    # Number the original nodes: the input 0, then a topological order of the groups.
    order: list[frozenset[int]] = []
    remaining = dict(in_edges)
    while remaining:
        ready = [
            members
            for members in remaining.values()
            if all(source[k] is None or source[k] in order for k in members)
        ]
        if not ready:
            return None
        nxt = min(ready, key=min)
        order.append(nxt)
        del remaining[next(out for out, m in remaining.items() if m == nxt)]
    number = {members: i + 1 for i, members in enumerate(order)}
    names = []
    for k in inner:
        to = next(number[m] for m in order if k in m)
        src = source[k]
        names.append(f"edge_{to}_{0 if src is None else number[src]}")
    if len(set(names)) != len(names):
        return None
    return names
