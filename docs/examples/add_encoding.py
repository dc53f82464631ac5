"""Add an encoding: op counts plus the number of live input→output paths.

An encoding is a subclass of ``bonas.encodings.Encoder``: built from a space's ``GraphSpec``,
it names its features and maps a batch of cell graphs to a float64 matrix of a fixed width.
``encode`` validates the graphs and reads them into a ``CellBatch`` (op indices as an array,
the graphs themselves); ``_encode`` is the one method to write. Registered under a name, it
is what ``BONASSampler(space, encoding=name)`` fits its surrogate on.
"""

from __future__ import annotations

import numpy as np
import optuna

from bonas import BONASSampler, NB201Benchmark, NB201Space, encodings
from bonas.encodings import CellBatch, Encoder
from bonas.graph import input_output_paths


class OpCountEncoder(Encoder):
    """How often each op occurs, and how many input→output paths avoid the zero op."""

    name = "op_counts"

    @property
    def n_features(self) -> int:
        return len(self.spec.ops) + 1

    def feature_names(self) -> list[str]:
        return [f"count={op}" for op in self.spec.ops] + ["live_paths"]

    def _encode(self, cells: CellBatch) -> np.ndarray:
        X = np.zeros((len(cells), self.n_features))
        for k in range(len(self.spec.ops)):
            X[:, k] = (cells.ops == k).sum(axis=1)  # -1 pads the smaller graphs: never k
        zero = self.spec.zero_op
        for i, graph in enumerate(cells.graphs):
            X[i, -1] = sum(zero not in path for path in input_output_paths(graph))
        return X


encodings.register("op_counts", OpCountEncoder)


def main(n_trials: int = 12) -> tuple[np.ndarray, optuna.Study]:
    space = NB201Space()
    encoder = encodings.make("op_counts", space.graph_spec)
    X = encoder.encode([space.to_graph(space.from_key(k)) for k in ("333132", "003000")])
    # Synflow is a proxy for trained accuracy; here the encoding is what is shown, so no
    # warm start (BONASSampler's default on NB201 would score all 6,466 classes first).
    sampler = BONASSampler(space, encoding="op_counts", warm_start=None, seed=0)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.optimize(NB201Benchmark("cifar10").objective, n_trials=n_trials)
    return X, study


if __name__ == "__main__":
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    X, study = main()
    print(X)  # [[0. 1. 1. 4. 0. 4.]  [5. 0. 0. 1. 0. 0.]]
    print(f"best of {len(study.trials)} trials: {study.best_value:.2f} %")
