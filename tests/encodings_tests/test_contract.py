"""What every encoder promises: fixed width, float64, named columns, and validated input."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Sequence

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bonas.encodings import (
    AdjacencyEncoder,
    Encoder,
    PathEncoder,
    TruncatedPathEncoder,
    WLEncoder,
)
from bonas.exceptions import BonasError, ConfigurationError, InvalidGraphError
from bonas.graph import GraphSpec
from bonas.spaces.nb201 import NB201Space

SPACE = NB201Space()
SPEC = SPACE.graph_spec
NB101_SPEC = GraphSpec(
    ops=("conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"), max_nodes=7, max_path_length=5
)
Dag = Callable[[Sequence[str], Sequence[tuple[int, int]]], nx.DiGraph]
FIT_SAMPLE = [SPACE.to_graph(a) for a in SPACE.sample(200, np.random.default_rng(0))]


def _encoders(spec: GraphSpec, sample: list[nx.DiGraph]) -> dict[str, Encoder]:
    return {
        "adjacency": AdjacencyEncoder(spec),
        "path": PathEncoder(spec),
        "path_drop_zero": PathEncoder(spec, drop_zero=True),
        "truncated_path": TruncatedPathEncoder(spec, n_paths=20).fit(sample),
        "wl": WLEncoder(spec, h=2).fit(sample),
    }


NB201_ENCODERS = _encoders(SPEC, FIT_SAMPLE)
keys = st.text(alphabet="01234", min_size=6, max_size=6)


@settings(max_examples=50)
@given(batch=st.lists(keys, min_size=0, max_size=8))
def test_fixed_width_on_random_nb201_cells(batch: list[str]) -> None:
    graphs = [SPACE.to_graph(SPACE.from_key(k)) for k in batch]
    for name, enc in NB201_ENCODERS.items():
        X = enc.encode(graphs)
        assert X.shape == (len(batch), enc.n_features), name
        assert X.dtype == np.float64, name
        assert np.isfinite(X).all(), name
        assert (X >= 0).all(), name
        names = enc.feature_names()
        assert len(names) == enc.n_features == len(set(names)), name


def test_widths() -> None:
    widths = {name: enc.n_features for name, enc in NB201_ENCODERS.items()}
    assert widths["adjacency"] == 30
    assert widths["path"] == 155
    assert widths["path_drop_zero"] == 84
    assert widths["truncated_path"] == 20


@pytest.mark.parametrize("name", sorted(NB201_ENCODERS))
def test_rows_do_not_depend_on_the_batch(name: str) -> None:
    enc = NB201_ENCODERS[name]
    graphs = FIT_SAMPLE[:10]
    together = enc.encode(graphs)
    alone = np.vstack([enc.encode([g]) for g in graphs])
    np.testing.assert_array_equal(together, alone)
    assert enc.encode(tuple(graphs)).shape == together.shape


@pytest.mark.parametrize("name", sorted(NB201_ENCODERS))
def test_bad_input(name: str, cell_graph: Callable[[str], nx.DiGraph]) -> None:
    enc = NB201_ENCODERS[name]
    good = cell_graph("333132")
    where = f"{type(enc).__name__}.encode"

    with pytest.raises(ConfigurationError, match=rf"'graphs' parameter of {where}.*\[graph\]"):
        enc.encode(good)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="42"):
        enc.encode(42)  # type: ignore[arg-type]
    with pytest.raises(InvalidGraphError, match="item 1 .*Got str instead"):
        enc.encode([good, "333132"])  # type: ignore[list-item]

    unknown = good.copy()
    unknown.nodes[2]["op"] = "conv_7x7"
    with pytest.raises(InvalidGraphError, match="item 0 .*'conv_7x7'"):
        enc.encode([unknown])

    cycle = good.copy()
    cycle.add_edge(6, 1)
    with pytest.raises(InvalidGraphError, match="acyclic.*cycle"):
        enc.encode([cycle])

    missing = good.copy()
    missing.remove_edge(1, 3)
    with pytest.raises(InvalidGraphError, match=r"missing edges \[\(1, 3\)\]"):
        enc.encode([missing])

    no_op = good.copy()
    del no_op.nodes[4]["op"]
    with pytest.raises(InvalidGraphError, match="Node 4 .*no 'op'"):
        enc.encode([no_op])


def test_errors_are_bonas_errors() -> None:
    for error in (ConfigurationError, InvalidGraphError):
        assert issubclass(error, BonasError)
        assert issubclass(error, ValueError)


@pytest.mark.parametrize("cls", [AdjacencyEncoder, PathEncoder, TruncatedPathEncoder, WLEncoder])
def test_bad_spec(cls: type[Encoder]) -> None:
    with pytest.raises(ConfigurationError, match=rf"'spec' parameter of {cls.__name__}.*'nb201'"):
        cls("nb201")  # type: ignore[arg-type]
    bad_ops = GraphSpec(ops=("a", "a"), max_nodes=4, max_path_length=2)
    with pytest.raises(ConfigurationError, match="distinct op names"):
        cls(bad_ops)
    bad_zero = GraphSpec(ops=("a",), max_nodes=4, max_path_length=2, zero_op="none")
    with pytest.raises(ConfigurationError, match="'zero_op'"):
        cls(bad_zero)
    bad_edges = GraphSpec(
        ops=("a",), max_nodes=3, max_path_length=1, fixed_edges=frozenset({(1, 0), (0, 2)})
    )
    with pytest.raises(ConfigurationError, match="'fixed_edges'"):
        cls(bad_edges)


# -- general DAG spaces --------------------------------------------------------------------
@st.composite
def dags(draw: st.DrawFn) -> nx.DiGraph:
    n = draw(st.integers(2, NB101_SPEC.max_nodes))
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    ops = draw(st.lists(st.sampled_from(NB101_SPEC.ops), min_size=n - 2, max_size=n - 2))
    graph = nx.DiGraph()
    graph.add_nodes_from((i, {"op": op}) for i, op in enumerate(["input", *ops, "output"]))
    graph.add_edges_from(e for e in pairs if draw(st.booleans()))
    if not nx.has_path(graph, 0, n - 1):
        graph.add_edge(0, n - 1)
    return graph


@settings(max_examples=60)
@given(graphs=st.lists(dags(), min_size=1, max_size=5))
def test_fixed_width_on_random_dags(graphs: list[nx.DiGraph]) -> None:
    for enc in _encoders(NB101_SPEC, graphs).values():
        X = enc.encode(graphs)
        assert X.shape == (len(graphs), enc.n_features)
        assert len(enc.feature_names()) == enc.n_features


def test_general_bad_input(dag: Dag) -> None:
    enc = PathEncoder(NB101_SPEC)
    backwards = dag(["maxpool3x3", "maxpool3x3"], [(0, 2), (2, 1), (1, 3)])
    with pytest.raises(InvalidGraphError, match=r"topological order.*\(2, 1\)"):
        enc.encode([backwards])
    too_big = dag(["maxpool3x3"] * 6, [(i, i + 1) for i in range(7)])
    with pytest.raises(InvalidGraphError, match="8 nodes; this space allows at most 7"):
        AdjacencyEncoder(NB101_SPEC).encode([too_big])
    cut = dag(["maxpool3x3"], [(0, 1)])
    with pytest.raises(InvalidGraphError, match="needs a path from input"):
        enc.encode([cut])
    relabelled = nx.relabel_nodes(dag(["maxpool3x3"], [(0, 1), (1, 2)]), {0: "a"})
    with pytest.raises(InvalidGraphError, match="nodes 0 … n-1"):
        enc.encode([relabelled])


def test_no_dependency_on_spaces() -> None:
    code = (
        "import sys, bonas.encodings; "
        "print(any(m.startswith('bonas.spaces') for m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"
