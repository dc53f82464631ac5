"""Weisfeiler–Lehman subtree features, the explicit feature map of the WL graph kernel
(Shervashidze et al., JMLR 2011) as used for NAS by NAS-BOWL (Ru, Wan, Dong & Osborne,
"Interpretable Neural Architecture Search via Bayesian Optimisation with Weisfeiler-Lehman
Kernels", ICLR 2021)."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from bonas._validation import check_choice, check_int
from bonas.encodings.base import CellBatch, Encoder
from bonas.graph import INPUT, OUTPUT

if TYPE_CHECKING:
    import networkx as nx

    from bonas.graph import GraphSpec

__all__ = ["WLEncoder"]

Direction = Literal["in", "out", "both"]
_DIRECTIONS = ("in", "out", "both")
#: Labels longer than this are replaced by a digest, so that deep iterations stay cheap.
_MAX_LABEL = 160


def _compact(label: str) -> str:
    if len(label) <= _MAX_LABEL:
        return label
    return "#" + hashlib.blake2b(label.encode(), digest_size=8).hexdigest()


class WLEncoder(Encoder):
    """Counts of Weisfeiler–Lehman subtree labels at iterations ``0 … h``.

    Iteration 0 labels every node with its op (``"input"`` and ``"output"`` included). At
    iteration ``t`` a node's label is its op followed by the sorted labels its neighbours had at
    ``t - 1``, e.g. ``"nor_conv_3x3(input)"`` and ``"output(nor_conv_1x1(input),…)"``: the
    depth-``t`` subtree seen from the node, which is exactly the information of a WL colour.
    A node without neighbours keeps its op as label. These strings are the compressed labels:
    they are deterministic (no Python ``hash()``, no dependence on the order graphs are seen) and
    readable; a label longer than 160 characters is replaced by ``"#"`` and a 64-bit BLAKE2b
    digest of it. (Labels are exact for op names without the characters ``"(),"``.)

    :meth:`fit` collects the vocabulary: every ``(t, label)`` seen in at least ``min_count`` of
    the sample's graphs, sorted by ``t`` and then by label; column ``j`` counts the nodes that
    carry the ``j``-th entry, and its name is ``"wl<t>:<label>"``. Labels not in the vocabulary
    are ignored by :meth:`encode` (they add to no column), so fit on a sample that covers the
    cells to encode. Learned state: ``vocabulary_``
    (``(t, label)`` → column).

    The vocabulary grows quickly with ``h``: fitted on all 15,625 NB201 cells it has 148 labels
    for ``h=1``, 10,179 for ``h=2`` (nearly every cell has its own depth-2 label at the output)
    and 26,460 for ``h=3``, while ``h=2, min_count=5`` keeps 804; NAS-BOWL fits on the evaluated
    cells only (tens to hundreds). Fit on such a sample, or raise ``min_count``, to keep the
    matrix small.

    NAS-BOWL's kernel is the inner product of these count vectors (usually normalized); use
    them with a linear or cosine kernel, or any surrogate.

    Args:
        spec: The graph spec of the space.
        h: The number of WL iterations (NAS-BOWL uses small values; 2 by default).
        direction: Which neighbours refine a label: ``"in"`` (predecessors: the computation
            that feeds a node), ``"out"`` (successors) or ``"both"`` (the undirected graph).
        min_count: Keep only labels found in at least this many of the fitted graphs (like
            scikit-learn's ``min_df``); 1 keeps every label seen.

    Example:
        >>> from bonas.spaces.nb201 import NB201Space
        >>> space = NB201Space()
        >>> graphs = [space.to_graph(space.from_key(k)) for k in ("111111", "333132")]
        >>> enc = WLEncoder(space.graph_spec, h=1).fit(graphs)
        >>> row = enc.encode(graphs[:1])[0].tolist()
        >>> {name: x for name, x in zip(enc.feature_names(), row) if x and name[2] == "1"}
        ... # doctest: +NORMALIZE_WHITESPACE
        {'wl1:input': 1.0, 'wl1:output(skip_connect,skip_connect,skip_connect)': 1.0,
         'wl1:skip_connect(input)': 3.0, 'wl1:skip_connect(skip_connect)': 2.0,
         'wl1:skip_connect(skip_connect,skip_connect)': 1.0}
    """

    name = "wl"
    requires_fit = True

    def __init__(
        self, spec: GraphSpec, *, h: int = 2, direction: Direction = "in", min_count: int = 1
    ) -> None:
        super().__init__(spec)
        owner = type(self).__name__
        self.h = check_int(h, "h", owner, low=0)
        self.direction: Direction = check_choice(direction, "direction", owner, _DIRECTIONS)
        self.min_count = check_int(min_count, "min_count", owner, low=1)
        self.vocabulary_: dict[tuple[int, str], int] | None = None

    def _options(self) -> dict[str, Any]:
        return {"h": self.h, "direction": self.direction, "min_count": self.min_count}

    def _is_fitted(self) -> bool:
        return self.vocabulary_ is not None

    @property
    def n_features(self) -> int:
        self._check_fitted()
        return len(self.vocabulary_)  # type: ignore[arg-type]

    def feature_names(self) -> list[str]:
        self._check_fitted()
        return [f"wl{t}:{label}" for t, label in self.vocabulary_]  # type: ignore[union-attr]

    def fit(self, graphs: Sequence[nx.DiGraph]) -> WLEncoder:
        """Collect the label vocabulary of ``graphs`` (at least one cell graph).

        Returns:
            ``self``.
        """
        frequency: Counter[tuple[int, str]] = Counter()
        for labels in self._labels(self._read_fit_graphs(graphs)):
            frequency.update({(t, label) for t, level in enumerate(labels) for label in level})
        seen = [key for key, count in frequency.items() if count >= self.min_count]
        self.vocabulary_ = {key: j for j, key in enumerate(sorted(seen))}
        return self

    def _encode(self, cells: CellBatch) -> np.ndarray:
        vocabulary = self.vocabulary_
        assert vocabulary is not None
        by_level: list[dict[str, int]] = [{} for _ in range(self.h + 1)]
        for (t, label), column in vocabulary.items():
            by_level[t][label] = column
        rows: list[int] = []
        cols: list[int] = []
        for i, labels in enumerate(self._labels(cells)):
            for columns, level in zip(by_level, labels, strict=True):
                for label in level:
                    j = columns.get(label)
                    if j is not None:
                        rows.append(i)
                        cols.append(j)
        X = np.zeros((len(cells), len(vocabulary)))
        np.add.at(X, (np.asarray(rows, dtype=np.intp), np.asarray(cols, dtype=np.intp)), 1.0)
        return X

    def _labels(self, cells: CellBatch) -> list[list[list[str]]]:
        """``labels[i][t][v]``: the label of node ``v`` of graph ``i`` at iteration ``t``."""
        names = (*self.spec.ops, "")
        neighbours_of: dict[tuple[int, tuple[tuple[int, int], ...]], list[list[int]]] = {}
        out = []
        for n, edges, row in zip(
            cells.n_nodes.tolist(), cells.edges, cells.ops.tolist(), strict=True
        ):
            key = (n, edges)
            neighbours = neighbours_of.get(key)
            if neighbours is None:
                neighbours = [[] for _ in range(n)]
                for u, v in edges:
                    if self.direction != "out":
                        neighbours[v].append(u)
                    if self.direction != "in":
                        neighbours[u].append(v)
                neighbours_of[key] = neighbours
            ops = [INPUT, *(names[k] for k in row[: n - 2]), OUTPUT]
            level = ops
            levels = [level]
            for _ in range(self.h):
                level = [
                    _compact(f"{op}({','.join(sorted([level[u] for u in nbrs]))})") if nbrs else op
                    for op, nbrs in zip(ops, neighbours, strict=True)
                ]
                levels.append(level)
            out.append(levels)
        return out
