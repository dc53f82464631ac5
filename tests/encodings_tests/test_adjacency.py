from __future__ import annotations

from collections.abc import Callable, Sequence

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bonas.encodings import AdjacencyEncoder
from bonas.graph import GraphSpec
from bonas.spaces.nb201 import NB201_EDGES, NB201Space

SPACE = NB201Space()
SPEC = SPACE.graph_spec
NB101_SPEC = GraphSpec(
    ops=("conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"), max_nodes=7, max_path_length=5
)
Dag = Callable[[Sequence[str], Sequence[tuple[int, int]]], nx.DiGraph]

# NB201: node k = 1…6 stands for edge position k - 1 and gets the block of columns
# 5(k-1) … 5(k-1)+4, one per op in index order; so the column of edge p is 5p + op index.
#   333132 -> 0+3, 5+3, 10+3, 15+1, 20+3, 25+2 = 3, 8, 13, 16, 23, 27
#   000000 -> 0, 5, 10, 15, 20, 25;   111111 -> 1, 6, 11, 16, 21, 26
#   034121 -> 0, 8, 14, 16, 22, 26
GOLDEN = {
    "333132": [3, 8, 13, 16, 23, 27],
    "000000": [0, 5, 10, 15, 20, 25],
    "111111": [1, 6, 11, 16, 21, 26],
    "034121": [0, 8, 14, 16, 22, 26],
}


@pytest.mark.parametrize("key", sorted(GOLDEN))
def test_nb201_golden_vectors(key: str, cell_graph: Callable[[str], nx.DiGraph]) -> None:
    X = AdjacencyEncoder(SPEC).encode([cell_graph(key)])
    assert X.shape == (1, 30)
    assert X[0].nonzero()[0].tolist() == GOLDEN[key]


def test_nb201_names_follow_the_edges(cell_graph: Callable[[str], nx.DiGraph]) -> None:
    names = AdjacencyEncoder(SPEC).feature_names()
    assert len(names) == 30
    graph = cell_graph("333132")
    for p, (to, frm) in enumerate(NB201_EDGES):
        # The same edge as the node's "edge" attribute and the Optuna parameter name.
        assert graph.nodes[1 + p]["edge"] == (to, frm)
        assert names[5 * p] == f"{SPACE.param_name(p)}=none"
        assert names[5 * p + 3] == f"edge_{to}_{frm}=nor_conv_3x3"


def test_names_fall_back_to_node_numbers() -> None:
    # Fixed edges that are no line graph: node 2's inputs mix the input node and node 1.
    spec = GraphSpec(
        ops=("a", "b"),
        max_nodes=4,
        max_path_length=2,
        fixed_edges=frozenset({(0, 1), (0, 2), (1, 2), (1, 3), (2, 3)}),
    )
    assert AdjacencyEncoder(spec).feature_names() == ["node1=a", "node1=b", "node2=a", "node2=b"]


@given(key=st.text(alphabet="01234", min_size=6, max_size=6))
def test_one_hot_per_edge(key: str) -> None:
    X = AdjacencyEncoder(SPEC).encode([SPACE.to_graph(SPACE.from_key(key))])
    blocks = X.reshape(6, 5)
    np.testing.assert_array_equal(blocks.sum(axis=1), np.ones(6))
    assert "".join(str(i) for i in blocks.argmax(axis=1)) == key


def test_general_dag_is_padded_before_the_output(dag: Dag) -> None:
    enc = AdjacencyEncoder(NB101_SPEC)
    names = enc.feature_names()
    # 7 × 6 / 2 = 21 upper-triangular bits, then 5 slots × 3 ops.
    assert enc.n_features == len(names) == 36
    assert names[:2] == ["edge_0_1", "edge_0_2"]
    assert names[20] == "edge_5_6"
    assert names[21:24] == ["op_1=conv3x3-bn-relu", "op_1=conv1x1-bn-relu", "op_1=maxpool3x3"]
    # 4 nodes: input → conv3x3 (1) → conv1x1 (2) → output (3), and input → output. Padded to 7
    # nodes the output becomes node 6. Row-major bit of (i, j): rows 0…5 hold 6, 5, 4, 3, 2, 1
    # bits, so (0,1) -> 0, (0,6) -> 5, (1,2) -> 6 + 0 = 6, (2,6) -> 6 + 5 + 3 = 14.
    # Ops: slot 1 conv3x3 -> 21 + 0 = 21, slot 2 conv1x1 -> 21 + 3 + 1 = 25.
    chain = dag(["conv3x3-bn-relu", "conv1x1-bn-relu"], [(0, 1), (1, 2), (2, 3), (0, 3)])
    X = enc.encode([chain])
    assert X[0].nonzero()[0].tolist() == [0, 5, 6, 14, 21, 25]


def test_general_dag_full_size(dag: Dag) -> None:
    # 7 nodes, no padding: a chain 0→1→…→6 of maxpools. Bits (i, i+1): 0, 6, 11, 15, 18, 20;
    # ops: slot k maxpool -> 21 + 3(k-1) + 2 = 23, 26, 29, 32, 35.
    chain = dag(["maxpool3x3"] * 5, [(i, i + 1) for i in range(6)])
    X = AdjacencyEncoder(NB101_SPEC).encode([chain])
    assert X[0].nonzero()[0].tolist() == [0, 6, 11, 15, 18, 20, 23, 26, 29, 32, 35]


def test_smallest_cell(dag: Dag) -> None:
    # input → output only: the bit (0, 6) and no ops.
    X = AdjacencyEncoder(NB101_SPEC).encode([dag([], [(0, 1)])])
    assert X[0].nonzero()[0].tolist() == [5]
