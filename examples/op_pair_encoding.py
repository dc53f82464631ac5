"""A plug-in encoding: how often each op occurs, and each ordered pair of ops on an edge.

    bonas evaluate-surrogates --surrogates gp --encodings path,op_pair_encoding:OpPairEncoder \\
        --train-sizes 20,50 --repeats 3

(run from this folder, or with it on PYTHONPATH). On NB201's line graph an edge joins two
operations that follow one another in the cell, so the pairs are a bag of 2-grams of the cell.
"""

from __future__ import annotations

import numpy as np

from bonas.encodings import CellBatch, Encoder


class OpPairEncoder(Encoder):
    name = "op_pairs"

    @property
    def n_features(self) -> int:
        return len(self.spec.ops) * (len(self.spec.ops) + 1)

    def feature_names(self) -> list[str]:
        ops = self.spec.ops
        return [f"count={a}" for a in ops] + [f"pair={a}>{b}" for a in ops for b in ops]

    def _encode(self, cells: CellBatch) -> np.ndarray:
        k = len(self.spec.ops)
        X = np.zeros((len(cells), self.n_features))
        for i in range(len(cells)):
            ops = cells.ops[i]  # op of node j + 1 (-1 past the last intermediate node)
            for j in range(k):
                X[i, j] = np.sum(ops == j)
            for u, v in cells.edges[i]:
                if 0 < u and v < cells.n_nodes[i] - 1:  # both ends carry an op
                    X[i, k + k * ops[u - 1] + ops[v - 1]] += 1
        return X
