from __future__ import annotations

from collections.abc import Callable, Sequence

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bonas.encodings import PathEncoder, TruncatedPathEncoder
from bonas.exceptions import ConfigurationError, InvalidGraphError, NotFittedError
from bonas.graph import GraphSpec, input_output_paths
from bonas.spaces.nb201 import NB201_OPS, NB201Space

SPACE = NB201Space()
SPEC = SPACE.graph_spec
NB101_OPS = ("conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3")
NB101_SPEC = GraphSpec(ops=NB101_OPS, max_nodes=7, max_path_length=5)
#: The four input→output paths of an NB201 cell, as edge positions (NB201_FACTS.md).
BLUEPRINTS = ((3,), (0, 4), (1, 5), (0, 2, 5))
keys = st.text(alphabet="01234", min_size=6, max_size=6)

Dag = Callable[[Sequence[str], Sequence[tuple[int, int]]], nx.DiGraph]


def nonzero(X: np.ndarray) -> list[int]:
    return X[0].nonzero()[0].tolist()


# How the golden indices are derived. Edge positions p = 0…5 are the NB201 edges 1←0, 2←0,
# 2←1, 3←0, 3←1, 3←2 and the key's digit p is the op index of edge p (0 none, 1 skip_connect,
# 2 nor_conv_1x1, 3 nor_conv_3x3, 4 avg_pool_3x3). The paths are the blueprints [3], [0,4],
# [1,5], [0,2,5]. Default encoding (5 ops): offsets 0 (length 1), 5 (length 2), 30 (length 3),
# and a path's index is offset + its op indices read as a base-5 number, first op first.
#   333132: [3]=(1) -> 1; [0,4]=(3,3) -> 5+15+3=23; [1,5]=(3,2) -> 5+15+2=22;
#           [0,2,5]=(3,3,2) -> 30+75+15+2=122.
#   000000: [3]=(0) -> 0; [0,4]=[1,5]=(0,0) -> 5; [0,2,5]=(0,0,0) -> 30.
#   111111: [3]=(1) -> 1; (1,1) -> 5+5+1=11; (1,1,1) -> 30+25+5+1=61.
#   034121 (edge 0 is none, so paths [0,4] and [0,2,5] are dead):
#           [3]=(1) -> 1; [0,4]=(0,2) -> 5+0+2=7; [1,5]=(3,1) -> 5+15+1=21;
#           [0,2,5]=(0,4,1) -> 30+0+20+1=51.
# drop_zero: the alphabet loses none, so skip 0, 1x1 1, 3x3 2, pool 3 (digit = op index - 1);
# offsets 0, 4, 20; paths through none are left out.
#   333132: (0) -> 0; (2,2) -> 4+8+2=14; (2,1) -> 4+8+1=13; (2,2,1) -> 20+32+8+1=61.
#   000000: every path goes through none -> nothing.
#   111111: (0) -> 0; (0,0) -> 4; (0,0,0) -> 20.
#   034121: [3]=(0) -> 0; [1,5]=(2,0) -> 4+8+0=12; [0,4] and [0,2,5] dropped.
GOLDEN = {
    "333132": ([1, 22, 23, 122], [0, 13, 14, 61]),
    "000000": ([0, 5, 30], []),
    "111111": ([1, 11, 61], [0, 4, 20]),
    "034121": ([1, 7, 21, 51], [0, 12]),
}


@pytest.mark.parametrize("key", sorted(GOLDEN))
def test_golden_vectors(key: str, cell_graph: Callable[[str], nx.DiGraph]) -> None:
    full, dropped = GOLDEN[key]
    graphs = [cell_graph(key)]
    assert nonzero(PathEncoder(SPEC).encode(graphs)) == full
    assert nonzero(PathEncoder(SPEC, drop_zero=True).encode(graphs)) == dropped


def test_widths_and_feature_names() -> None:
    enc = PathEncoder(SPEC)
    names = enc.feature_names()
    assert enc.n_features == len(names) == 5 + 25 + 125
    assert names[:2] == ["input>none>output", "input>skip_connect>output"]
    assert names[5] == "input>none>none>output"
    assert names[22] == "input>nor_conv_3x3>nor_conv_1x1>output"
    assert names[-1] == "input>avg_pool_3x3>avg_pool_3x3>avg_pool_3x3>output"
    dropped = PathEncoder(SPEC, drop_zero=True)
    assert dropped.n_features == len(dropped.feature_names()) == 4 + 16 + 64
    assert not any("none" in name for name in dropped.feature_names())


@pytest.mark.parametrize("drop_zero", [False, True])
def test_feature_index_formula(drop_zero: bool) -> None:
    # index = sum(|A|**l for l < L, l >= 1) + the base-|A| number of the ops, first op first.
    enc = PathEncoder(SPEC, drop_zero=drop_zero)
    alphabet = [op for op in NB201_OPS if not (drop_zero and op == "none")]
    a = len(alphabet)
    for j, name in enumerate(enc.feature_names()):
        ops = name.split(">")[1:-1]
        code = 0
        for op in ops:
            code = code * a + alphabet.index(op)
        assert j == sum(a**length for length in range(1, len(ops))) + code


@given(key=keys, drop_zero=st.booleans())
def test_matches_networkx_paths(key: str, drop_zero: bool) -> None:
    graph = SPACE.to_graph(SPACE.from_key(key))
    enc = PathEncoder(SPEC, drop_zero=drop_zero)
    names = enc.feature_names()
    got = {names[j] for j in nonzero(enc.encode([graph]))}
    want = {
        ">".join(("input", *ops, "output"))
        for ops in input_output_paths(graph)
        if not (drop_zero and "none" in ops)
    }
    assert got == want


def dead_positions(key: str) -> list[int]:
    """Edges whose every path also runs through another none edge."""
    return [
        p
        for p in range(6)
        if all(any(key[q] == "0" for q in path if q != p) for path in BLUEPRINTS if p in path)
    ]


@given(key=keys, data=st.data())
def test_drop_zero_ignores_dead_edges(key: str, data: st.DataObject) -> None:
    if not dead_positions(key):
        key = "0" + key[1:]  # edge 1←0 is none: edges 2←1 and 3←1 are dead
    position = data.draw(st.sampled_from(dead_positions(key)), label="position")
    op = data.draw(st.sampled_from("01234"), label="op")
    other = key[:position] + op + key[position + 1 :]
    graphs = [SPACE.to_graph(SPACE.from_key(k)) for k in (key, other)]
    X = PathEncoder(SPEC, drop_zero=True).encode(graphs)
    np.testing.assert_array_equal(X[0], X[1])


def test_same_features_as_naszilla(all_graphs: list[nx.DiGraph]) -> None:
    # naszilla's definition (nas_bench_201/cell_201.py): ops ordered
    # [avg_pool_3x3, nor_conv_1x1, nor_conv_3x3, none, skip_connect], path index = offset
    # (0, 5, 30) + sum(op_j * 5**j), i.e. the first op is the least significant digit.
    naszilla_ops = ["avg_pool_3x3", "nor_conv_1x1", "nor_conv_3x3", "none", "skip_connect"]

    def naszilla_index(ops: Sequence[str]) -> int:
        offset = {1: 0, 2: 5, 3: 30}[len(ops)]
        return offset + sum(naszilla_ops.index(op) * 5**j for j, op in enumerate(ops))

    enc = PathEncoder(SPEC)
    ours_to_naszilla = [naszilla_index(n.split(">")[1:-1]) for n in enc.feature_names()]
    assert sorted(ours_to_naszilla) == list(range(155))
    X = enc.encode(all_graphs)
    reference = np.zeros_like(X)
    for i, arch in enumerate(SPACE.enumerate()):
        for path in BLUEPRINTS:
            reference[i, naszilla_index([arch[p] for p in path])] = 1.0
    np.testing.assert_array_equal(X, reference[:, ours_to_naszilla])


@given(key=keys, drop_zero=st.booleans())
def test_general_path_code_agrees_with_the_fixed_edge_code(key: str, drop_zero: bool) -> None:
    general = GraphSpec(ops=NB201_OPS, max_nodes=8, max_path_length=3, zero_op="none")
    graph = SPACE.to_graph(SPACE.from_key(key))
    fixed = PathEncoder(SPEC, drop_zero=drop_zero).encode([graph])
    as_dag = PathEncoder(general, drop_zero=drop_zero, include_empty=False).encode([graph])
    np.testing.assert_array_equal(fixed, as_dag)


def test_general_dags_by_hand(dag: Dag) -> None:
    # NB101 ops conv3x3 0, conv1x1 1, maxpool 2; lengths 0…5 with the empty path included
    # (general space): offsets 0, 1, 4, 13, 40, 121 and 1+3+9+27+81+243 = 364 features.
    enc = PathEncoder(NB101_SPEC)
    assert enc.n_features == 364
    assert enc.feature_names()[0] == "input>output"
    # input → conv3x3 → conv1x1 → output, plus input → output:
    # the empty path -> 0; (conv3x3, conv1x1) = (0, 1) -> 4 + 0*3 + 1 = 5.
    chain = dag(["conv3x3-bn-relu", "conv1x1-bn-relu"], [(0, 1), (1, 2), (2, 3), (0, 3)])
    # A diamond: 0→1 (maxpool), 0→2 (conv3x3), both → 3 (conv1x1) → output 4:
    # (maxpool, conv1x1) = (2, 1) -> 4 + 6 + 1 = 11; (conv3x3, conv1x1) = (0, 1) -> 5.
    diamond = dag(
        ["maxpool3x3", "conv3x3-bn-relu", "conv1x1-bn-relu"],
        [(0, 1), (0, 2), (1, 3), (2, 3), (3, 4)],
    )
    X = enc.encode([chain, diamond])
    assert X[0].nonzero()[0].tolist() == [0, 5]
    assert X[1].nonzero()[0].tolist() == [5, 11]
    # Without the empty path: offsets 0, 3, 12, … so (0, 1) -> 3 + 1 = 4.
    no_empty = PathEncoder(NB101_SPEC, include_empty=False)
    assert no_empty.n_features == 363
    assert no_empty.encode([chain])[0].nonzero()[0].tolist() == [4]


def test_a_path_longer_than_the_spec_allows(dag: Dag) -> None:
    short = GraphSpec(ops=NB101_OPS, max_nodes=7, max_path_length=1)
    chain = dag(["maxpool3x3", "maxpool3x3"], [(0, 1), (1, 2), (2, 3)])
    with pytest.raises(InvalidGraphError, match="max_path_length=1"):
        PathEncoder(short).encode([chain])


def test_options_are_checked() -> None:
    with pytest.raises(ConfigurationError, match="'drop_zero' parameter of PathEncoder.*'yes'"):
        PathEncoder(SPEC, drop_zero="yes")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="'include_empty'"):
        PathEncoder(SPEC, include_empty=1)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="'n_paths' parameter.*0"):
        TruncatedPathEncoder(SPEC, n_paths=0)


def test_drop_zero_without_a_zero_op_changes_nothing(dag: Dag) -> None:
    chain = dag(["conv3x3-bn-relu"], [(0, 1), (1, 2)])
    a = PathEncoder(NB101_SPEC).encode([chain])
    b = PathEncoder(NB101_SPEC, drop_zero=True).encode([chain])
    np.testing.assert_array_equal(a, b)


# -- truncated path ----------------------------------------------------------------------
def test_truncated_golden(cell_graph: Callable[[str], nx.DiGraph]) -> None:
    # Full-encoding columns (see GOLDEN): 333132 {1,22,23,122}, 000000 {0,5,30},
    # 111111 {1,11,61}. Column 1 (input>skip_connect>output) is in two cells, every other in
    # one; ties go to the lower column: kept [1, 0, 5, 11, 22].
    graphs = [cell_graph(k) for k in ("333132", "000000", "111111")]
    enc = TruncatedPathEncoder(SPEC, n_paths=5).fit(graphs)
    assert enc.paths_ is not None
    assert enc.counts_ is not None
    assert enc.paths_.tolist() == [1, 0, 5, 11, 22]
    assert enc.counts_.tolist() == [2, 1, 1, 1, 1]
    assert enc.feature_names()[:2] == ["input>skip_connect>output", "input>none>output"]
    X = enc.encode(graphs)
    np.testing.assert_array_equal(X, [[1, 0, 0, 0, 1], [0, 1, 1, 0, 0], [1, 0, 0, 1, 0]])
    # The choice does not depend on the order of the sample.
    again = TruncatedPathEncoder(SPEC, n_paths=5).fit(graphs[::-1])
    assert again.paths_ is not None
    assert again.paths_.tolist() == enc.paths_.tolist()


def test_truncated_needs_fit_and_caps_its_width(cell_graph: Callable[[str], nx.DiGraph]) -> None:
    enc = TruncatedPathEncoder(SPEC, n_paths=1000, drop_zero=True)
    assert enc.n_features == 84
    with pytest.raises(NotFittedError, match="fit"):
        enc.encode([cell_graph("333132")])
    with pytest.raises(NotFittedError):
        enc.feature_names()
    with pytest.raises(ConfigurationError, match="at least one"):
        enc.fit([])
    enc.fit([cell_graph("333132")])
    assert enc.encode([cell_graph("333132")]).shape == (1, 84)


def test_truncated_prefix_property(all_graphs: list[nx.DiGraph]) -> None:
    sample = all_graphs[::50]
    big = TruncatedPathEncoder(SPEC, n_paths=40).fit(sample)
    small = TruncatedPathEncoder(SPEC, n_paths=10).fit(sample)
    assert big.feature_names()[:10] == small.feature_names()
    assert big.counts_ is not None
    assert np.all(np.diff(big.counts_) <= 0)


def test_all_cells_encode(all_graphs: list[nx.DiGraph]) -> None:
    X = PathEncoder(SPEC, drop_zero=True).encode(all_graphs)
    assert X.shape == (15625, 84)
    assert X.dtype == np.float64
    # A row is all zeros exactly when every path of the cell runs through a none edge.
    dead = [
        all(any(arch[p] == "none" for p in path) for path in BLUEPRINTS)
        for arch in SPACE.enumerate()
    ]
    np.testing.assert_array_equal(X.sum(axis=1) == 0, dead)
