from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import networkx as nx
import pytest

from bonas.encodings import registry
from bonas.graph import GraphSpec
from bonas.spaces.nb201 import NB201Space

#: NAS-Bench-101's ops and cell size: a general (not fixed-edge) spec for hand-built DAGs.
NB101_SPEC = GraphSpec(
    ops=("conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"), max_nodes=7, max_path_length=5
)


def make_dag(ops: Sequence[str], edges: Sequence[tuple[int, int]]) -> nx.DiGraph:
    """A cell graph in bonas.graph form: ``ops`` are the intermediate nodes' ops."""
    graph = nx.DiGraph()
    labels = ["input", *ops, "output"]
    graph.add_nodes_from((i, {"op": op}) for i, op in enumerate(labels))
    graph.add_edges_from(edges)
    return graph


@pytest.fixture(scope="session")
def nb201() -> NB201Space:
    return NB201Space()


@pytest.fixture(scope="session")
def cell_graph(nb201: NB201Space) -> Callable[[str], nx.DiGraph]:
    """The graph of an NB201 table key such as ``'333132'``."""
    return lambda key: nb201.to_graph(nb201.from_key(key))


@pytest.fixture(scope="session")
def all_graphs(nb201: NB201Space) -> list[nx.DiGraph]:
    """The 15,625 NB201 cell graphs, in key order."""
    return [nb201.to_graph(a) for a in nb201.enumerate()]


@pytest.fixture(scope="session")
def dag() -> Callable[[Sequence[str], Sequence[tuple[int, int]]], nx.DiGraph]:
    return make_dag


@pytest.fixture
def clean_registry() -> Iterator[None]:
    """Restore the encoder registry after a test that registers names (or loads plug-ins)."""
    saved = dict(registry._REGISTRY._registered), dict(registry._REGISTRY._resolved)
    yield
    for current, before in zip(
        (registry._REGISTRY._registered, registry._REGISTRY._resolved), saved, strict=True
    ):
        current.clear()
        current.update(before)
