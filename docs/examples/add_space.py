"""Add a search space: a chain of layers, one operation per layer.

A space is a subclass of ``bonas.SearchSpace``. It says what a cell is (here a tuple of op
names), how to draw, list and change cells, the cell's graph (what encoders read), its text
form, a canonical key per isomorphism class, and its Optuna parameters. Every sampler of
bonas then searches it; here BONASSampler does, on a table made up for the example.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from typing import Any

import networkx as nx
import numpy as np
import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution

from bonas import BONASSampler, SearchSpace, TabularBenchmark
from bonas.exceptions import InvalidArchitectureError
from bonas.graph import INPUT, OUTPUT, GraphSpec

Chain = tuple[str, ...]
OPS = ("conv3x3", "conv1x1", "maxpool")


class ChainSpace(SearchSpace[Chain]):
    """``depth`` layers in a row, each one of :data:`OPS`: ``3 ** depth`` cells."""

    name = "chain"

    def __init__(self, depth: int = 4) -> None:
        self.depth = depth
        # Nodes: 0 the input, 1 … depth the layers, depth + 1 the output. Every cell has the
        # same edges, so the encoders skip the adjacency bits.
        edges = frozenset((i, i + 1) for i in range(depth + 1))
        self._spec = GraphSpec(
            ops=OPS, max_nodes=depth + 2, max_path_length=depth, fixed_edges=edges
        )

    @property
    def graph_spec(self) -> GraphSpec:
        return self._spec

    @property
    def is_enumerable(self) -> bool:
        return True

    def enumerate(self) -> Iterator[Chain]:
        yield from itertools.product(OPS, repeat=self.depth)

    def sample(self, n: int, rng: np.random.Generator) -> list[Chain]:
        rows = rng.integers(len(OPS), size=(n, self.depth))
        return [tuple(OPS[i] for i in row) for row in rows]

    def neighbors(self, arch: Chain) -> list[Chain]:
        arch = self.validate(arch)
        return [
            arch[:i] + (op,) + arch[i + 1 :]
            for i in range(self.depth)
            for op in OPS
            if op != arch[i]
        ]

    def validate(self, arch: Any) -> Chain:
        if not isinstance(arch, tuple) or len(arch) != self.depth or not set(arch) <= set(OPS):
            raise InvalidArchitectureError(
                f"A chain cell is a tuple of {self.depth} ops from {list(OPS)}. Got {arch!r}."
            )
        return arch

    def to_graph(self, arch: Chain) -> nx.DiGraph:
        ops = (INPUT, *self.validate(arch), OUTPUT)
        graph = nx.DiGraph()
        graph.add_nodes_from((i, {"op": op}) for i, op in enumerate(ops))
        nx.add_path(graph, range(len(ops)))
        return graph

    def canonical(self, arch: Chain) -> str:
        return self.to_string(arch)  # no two chains are isomorphic: the text is the key

    def to_string(self, arch: Chain) -> str:
        return "-".join(self.validate(arch))

    def parse(self, text: str) -> Chain:
        return self.validate(tuple(text.split("-")))

    def distributions(self) -> dict[str, BaseDistribution]:
        return {f"layer_{i}": CategoricalDistribution(OPS) for i in range(self.depth)}

    def to_params(self, arch: Chain) -> dict[str, Any]:
        return {f"layer_{i}": op for i, op in enumerate(self.validate(arch))}

    def from_params(self, params: Mapping[str, Any]) -> Chain:
        return self.validate(tuple(params[f"layer_{i}"] for i in range(self.depth)))


def made_up_accuracy(arch: Chain) -> float:
    """A made-up table: convolutions help, more so late in the chain; pooling once helps."""
    value = 50.0 + sum(
        (1 + i) * {"conv3x3": 3, "conv1x1": 2}.get(op, 0) for i, op in enumerate(arch)
    )
    return value + (4.0 if arch.count("maxpool") == 1 else 0.0)


def main(n_trials: int = 12) -> tuple[ChainSpace, optuna.Study]:
    space = ChainSpace(depth=4)
    table = {space.to_string(a): made_up_accuracy(a) for a in space.enumerate()}
    bench = TabularBenchmark.from_mapping(space, table, name="chain")
    sampler = BONASSampler(space, seed=0, n_startup_trials=6)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.optimize(bench.objective, n_trials=n_trials)
    return space, study


if __name__ == "__main__":
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space, study = main()
    best = space.from_params(study.best_params)
    print(f"best of {len(study.trials)} trials: {space.to_string(best)}, {study.best_value}")
