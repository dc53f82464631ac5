from __future__ import annotations

from collections.abc import Callable, Sequence

import networkx as nx
import numpy as np
import pytest

from bonas.encodings import WLEncoder
from bonas.exceptions import ConfigurationError, NotFittedError
from bonas.graph import GraphSpec
from bonas.spaces.nb201 import NB201Space

SPACE = NB201Space()
SPEC = SPACE.graph_spec
Dag = Callable[[Sequence[str], Sequence[tuple[int, int]]], nx.DiGraph]
KEYS = ("333132", "000000", "111111", "034121")


def counts(enc: WLEncoder, graph: nx.DiGraph, t: int) -> dict[str, float]:
    """The nonzero counts of iteration ``t``, by label."""
    row = enc.encode([graph])[0].tolist()
    prefix = f"wl{t}:"
    return {
        name[len(prefix) :]: x
        for name, x in zip(enc.feature_names(), row, strict=True)
        if x and name.startswith(prefix)
    }


@pytest.fixture(scope="module")
def fitted(cell_graph: Callable[[str], nx.DiGraph]) -> WLEncoder:
    return WLEncoder(SPEC, h=2).fit([cell_graph(k) for k in KEYS])


# The NB201 op-node graph: node k = 1…6 is edge position k - 1 (1←0, 2←0, 2←1, 3←0, 3←1, 3←2);
# its predecessors are the input (edges from node 0: positions 0, 1, 3) or the op-nodes of the
# edges into its source: node 3 (2←1) and node 5 (3←1) after node 1 (1←0); node 6 (3←2) after
# nodes 2 and 3; the output after nodes 4, 5, 6.


def test_golden_all_skip(fitted: WLEncoder, cell_graph: Callable[[str], nx.DiGraph]) -> None:
    graph = cell_graph("111111")
    assert counts(fitted, graph, 0) == {"input": 1, "output": 1, "skip_connect": 6}
    # Nodes 1, 2, 4 see the input; nodes 3, 5 see node 1; node 6 sees nodes 2 and 3.
    assert counts(fitted, graph, 1) == {
        "input": 1,
        "skip_connect(input)": 3,
        "skip_connect(skip_connect)": 2,
        "skip_connect(skip_connect,skip_connect)": 1,
        "output(skip_connect,skip_connect,skip_connect)": 1,
    }


def test_golden_best_cell(fitted: WLEncoder, cell_graph: Callable[[str], nx.DiGraph]) -> None:
    # 333132: nodes 1, 2, 3, 5 are nor_conv_3x3, node 4 skip_connect, node 6 nor_conv_1x1.
    graph = cell_graph("333132")
    assert counts(fitted, graph, 1) == {
        "input": 1,
        "nor_conv_3x3(input)": 2,  # nodes 1, 2
        "nor_conv_3x3(nor_conv_3x3)": 2,  # nodes 3, 5 (after node 1)
        "skip_connect(input)": 1,  # node 4
        "nor_conv_1x1(nor_conv_3x3,nor_conv_3x3)": 1,  # node 6 (after nodes 2, 3)
        "output(nor_conv_1x1,nor_conv_3x3,skip_connect)": 1,
    }


def test_golden_all_none(fitted: WLEncoder, cell_graph: Callable[[str], nx.DiGraph]) -> None:
    # Iteration 2 nests the iteration-1 labels of the neighbours: nodes 3 and 5 see node 1's
    # "none(input)"; node 6 sees node 2 ("none(input)") and node 3 ("none(none)").
    assert counts(fitted, cell_graph("000000"), 2) == {
        "input": 1,
        "none(input)": 3,
        "none(none(input))": 2,
        "none(none(input),none(none))": 1,
        "output(none(input),none(none),none(none,none))": 1,
    }


def test_vocabulary_is_sorted_and_order_free(cell_graph: Callable[[str], nx.DiGraph]) -> None:
    graphs = [cell_graph(k) for k in KEYS]
    a = WLEncoder(SPEC).fit(graphs)
    b = WLEncoder(SPEC).fit(graphs[::-1])
    assert a.vocabulary_ == b.vocabulary_
    assert a.vocabulary_ is not None
    assert list(a.vocabulary_) == sorted(a.vocabulary_)
    assert a.n_features == len(a.feature_names()) == len(set(a.feature_names()))


def test_unseen_labels_are_ignored(cell_graph: Callable[[str], nx.DiGraph]) -> None:
    enc = WLEncoder(SPEC, h=2).fit([cell_graph("000000")])
    X = enc.encode([cell_graph("111111")])
    # Only what every cell shares remains: input and output at iteration 0, input at 1 and 2.
    assert X.sum() == 4
    assert counts(enc, cell_graph("111111"), 0) == {"input": 1, "output": 1}


def test_min_count(cell_graph: Callable[[str], nx.DiGraph]) -> None:
    graphs = [cell_graph(k) for k in KEYS]
    enc = WLEncoder(SPEC, h=1, min_count=4).fit(graphs)
    # Only labels found in all four cells: input (iterations 0 and 1) and output.
    assert enc.feature_names() == ["wl0:input", "wl0:output", "wl1:input"]


def test_directions(dag: Dag) -> None:
    spec = GraphSpec(ops=("a", "b"), max_nodes=4, max_path_length=2)
    graph = dag(["a", "b"], [(0, 1), (1, 2), (2, 3)])  # input → a → b → output
    names = {
        direction: WLEncoder(spec, h=1, direction=direction).fit([graph]).feature_names()
        for direction in ("in", "out", "both")
    }
    assert "wl1:b(a)" in names["in"]
    assert "wl1:output(b)" in names["in"]
    assert "wl1:a(b)" in names["out"]
    assert "wl1:output" in names["out"]
    assert "wl1:a(b,input)" in names["both"]
    assert "wl1:b(a,output)" in names["both"]


def test_long_labels_are_digested(cell_graph: Callable[[str], nx.DiGraph]) -> None:
    enc = WLEncoder(SPEC, h=4, direction="both").fit([cell_graph("333132")])
    labels = [name.split(":", 1)[1] for name in enc.feature_names()]
    digested = [label for label in labels if label.startswith("#")]
    assert digested
    assert all(len(label) == 17 for label in digested)
    assert max(len(label) for label in labels) <= 160


def test_needs_fit(cell_graph: Callable[[str], nx.DiGraph]) -> None:
    enc = WLEncoder(SPEC)
    for call in (lambda: enc.n_features, enc.feature_names, lambda: enc.encode([])):
        with pytest.raises(NotFittedError, match="WLEncoder is not fitted"):
            call()
    with pytest.raises(ConfigurationError, match="'h' parameter of WLEncoder.*-1"):
        WLEncoder(SPEC, h=-1)
    with pytest.raises(ConfigurationError, match="'direction'"):
        WLEncoder(SPEC, direction="up")  # type: ignore[arg-type]
    assert enc.fit([cell_graph("333132")]).encode([]).shape == (0, enc.n_features)
    assert np.all(enc.encode([cell_graph("333132")]) >= 0)
