from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import optuna
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bonas.exceptions import (
    BonasError,
    ConfigurationError,
    InvalidArchitectureError,
    InvalidGraphError,
    SpaceTooLargeError,
)
from bonas.graph import GraphSpec, check_cell_graph, input_output_paths
from bonas.spaces.cell import NB101_OPS, Cell, CellSpace

NB101 = CellSpace.nb101()
SMALL = CellSpace(["conv", "pool"], n_nodes=5, max_edges=6, name="small")

# A 5-node cell by hand: 0→1→4 is the only input→output path; node 2 is a dead end (no way
# out) and node 3 is unreachable (no way in), so pruning keeps nodes 0, 1 and 4.
#   0 → 1, 0 → 2, 1 → 4, 3 → 4
HAND = Cell(
    (
        (0, 1, 1, 0, 0),
        (0, 0, 0, 0, 1),
        (0, 0, 0, 0, 0),
        (0, 0, 0, 0, 1),
        (0, 0, 0, 0, 0),
    ),
    ("input", "conv", "pool", "conv", "output"),
)
HAND_TEXT = "01100/00001/00000/00001/00000/input,conv,pool,conv,output"


@st.composite
def nb101_cells(draw: st.DrawFn) -> Cell:
    """A valid (pruned) NB101 cell, drawn with the space's own sampler from a drawn seed."""
    seed = draw(st.integers(min_value=0, max_value=2**32 - 1))
    return NB101.sample(1, np.random.default_rng(seed))[0]


@st.composite
def nb101_params(draw: st.DrawFn) -> dict[str, object]:
    """Optuna parameters of NB101 as an independent sampler proposes them (maybe invalid)."""
    params: dict[str, object] = {
        f"edge_{i}_{j}": draw(st.integers(0, 1)) for i, j in itertools.combinations(range(7), 2)
    }
    for k in range(1, 6):
        params[f"op_{k}"] = draw(st.sampled_from(NB101_OPS))
    return params


def relabel(cell: Cell, order: list[int]) -> Cell:
    """The cell whose node ``k`` is node ``order[k]`` of ``cell``."""
    n = cell.n_nodes
    matrix = tuple(tuple(cell.matrix[order[a]][order[b]] for b in range(n)) for a in range(n))
    return Cell(matrix, tuple(cell.ops[v] for v in order))


def pruned_by_networkx(g: nx.DiGraph) -> nx.DiGraph:
    n = g.number_of_nodes()
    live = (nx.descendants(g, 0) | {0}) & (nx.ancestors(g, n - 1) | {n - 1})
    return g.subgraph(live).copy()


def brute_force_valid(space: CellSpace) -> list[nx.DiGraph]:
    """Every valid n_nodes-node raw cell of a tiny space, by NB101's rule, without the space's
    code: a path from input to output, and at most max_edges edges once pruned."""
    n = space.n_nodes
    pairs = list(itertools.combinations(range(n), 2))
    graphs = []
    for bits in itertools.product((0, 1), repeat=len(pairs)):
        for inner in itertools.product(space.ops, repeat=n - 2):
            g = nx.DiGraph()
            g.add_nodes_from((v, {"op": op}) for v, op in enumerate(("input", *inner, "output")))
            g.add_edges_from(p for p, b in zip(pairs, bits, strict=True) if b)
            if nx.has_path(g, 0, n - 1):
                if pruned_by_networkx(g).number_of_edges() <= space.max_edges:
                    graphs.append(g)
    return graphs


def as_cell(g: nx.DiGraph) -> Cell:
    """The cell of a DAG whose integer node labels are in a topological order."""
    nodes = sorted(g.nodes)
    matrix = tuple(tuple(int(g.has_edge(u, v)) for v in nodes) for u in nodes)
    return Cell(matrix, tuple(g.nodes[v]["op"] for v in nodes))


# -- golden values by hand ----------------------------------------------------------------
def test_pruning_graph_params_and_text_of_a_hand_checked_cell() -> None:
    assert SMALL.validate(HAND) is HAND
    assert HAND.n_nodes == 5
    assert HAND.n_edges == 4

    pruned = SMALL.prune(HAND)
    assert pruned == Cell(((0, 1, 0), (0, 0, 1), (0, 0, 0)), ("input", "conv", "output"))
    assert SMALL.prune(pruned) == pruned

    g = SMALL.to_graph(HAND)
    check_cell_graph(g, SMALL.graph_spec)
    assert sorted(g.edges) == [(0, 1), (1, 2)]
    assert [g.nodes[v]["op"] for v in range(3)] == ["input", "conv", "output"]
    assert list(input_output_paths(g)) == [("conv",)]

    assert SMALL.to_params(HAND) == {
        "edge_0_1": 1,
        "edge_0_2": 1,
        "edge_0_3": 0,
        "edge_0_4": 0,
        "edge_1_2": 0,
        "edge_1_3": 0,
        "edge_1_4": 1,
        "edge_2_3": 0,
        "edge_2_4": 0,
        "edge_3_4": 1,
        "op_1": "conv",
        "op_2": "pool",
        "op_3": "conv",
    }
    assert SMALL.to_string(HAND) == HAND_TEXT
    assert SMALL.parse(HAND_TEXT) == HAND
    assert SMALL.to_string(pruned) == "010/001/000/input,conv,output"

    # Dead nodes do not change the key; the key is NB101's 32-hex-digit md5.
    key = SMALL.canonical(HAND)
    assert key == SMALL.canonical(pruned)
    assert len(key) == 32
    assert int(key, 16) >= 0


def test_graph_spec_and_distributions() -> None:
    assert NB101.graph_spec == GraphSpec(
        ops=NB101_OPS, max_nodes=7, max_path_length=5, fixed_edges=None, zero_op=None
    )
    dists = NB101.distributions()
    edge_names = [f"edge_{i}_{j}" for i in range(7) for j in range(i + 1, 7)]
    assert list(dists) == [*edge_names, "op_1", "op_2", "op_3", "op_4", "op_5"]
    assert all(dists[name].choices == (0, 1) for name in edge_names)  # type: ignore[attr-defined]
    assert dists["op_3"].choices == NB101_OPS  # type: ignore[attr-defined]


def test_a_pruned_cell_travels_padded_through_params_and_comes_back_pruned() -> None:
    pruned = SMALL.prune(HAND)
    params = SMALL.to_params(pruned)
    # Padded with isolated dead nodes 2 and 3 of op ops[0] = "conv"; the output moves to 4.
    assert [name for name, value in params.items() if value == 1] == ["edge_0_1", "edge_1_4"]
    assert (params["op_1"], params["op_2"], params["op_3"]) == ("conv", "conv", "conv")
    assert SMALL.from_params(params) == pruned
    assert SMALL.to_params(SMALL.from_params(params)) == params
    # HAND has the same live part, but its dead nodes have edges: it comes back raw.
    assert SMALL.from_params(SMALL.to_params(HAND)) == HAND
    # A smaller cell with a dead node travels as its pruned form.
    small_raw = Cell(
        ((0, 1, 1, 0), (0, 0, 0, 1), (0, 0, 0, 0), (0, 0, 0, 0)), HAND.ops[:3] + ("output",)
    )
    assert SMALL.to_params(small_raw) == params
    assert SMALL.canonical(small_raw) == SMALL.canonical(HAND)


def test_cells_normalise_lists_and_arrays_to_hashable_tuples() -> None:
    as_lists = Cell([list(row) for row in HAND.matrix], list(HAND.ops))  # type: ignore[arg-type]
    as_array = Cell(np.array(HAND.matrix), HAND.ops)  # type: ignore[arg-type]
    assert as_lists == as_array == HAND
    assert len({as_lists, as_array, HAND}) == 1
    assert all(type(x) is int for row in as_array.matrix for x in row)


def test_neighbors_of_a_hand_checked_cell() -> None:
    # The moves act on the pruned cell input → conv → output (2 edges, 3 of 5 nodes):
    # flips: removing 0→1 or 1→2 breaks the path, adding the skip 0→2 is valid (1);
    # op changes: node 1 becomes pool (1); insertions of a node with edges i → new → k for the
    # 3 pairs i < k and 2 ops (6); 4 edges <= 6.
    chain = Cell(((0, 1, 0), (0, 0, 1), (0, 0, 0)), ("input", "conv", "output"))
    nbrs = SMALL.neighbors(HAND)
    assert nbrs == SMALL.neighbors(chain) == SMALL.neighbors(HAND)
    assert [SMALL.to_string(c) for c in nbrs] == [
        "011/001/000/input,conv,output",
        "010/001/000/input,pool,output",
        "0110/0010/0001/0000/input,conv,conv,output",  # 0 → new(1) → conv(2)
        "0110/0010/0001/0000/input,pool,conv,output",
        "0110/0001/0001/0000/input,conv,conv,output",  # 0 → new(2) → output(3)
        "0110/0001/0001/0000/input,conv,pool,output",
        "0100/0011/0001/0000/input,conv,conv,output",  # conv(1) → new(2) → output(3)
        "0100/0011/0001/0000/input,conv,pool,output",
    ]
    for nbr in nbrs:
        assert SMALL.validate(nbr) is nbr
        assert SMALL.prune(nbr) == nbr
        assert SMALL.canonical(nbr) != SMALL.canonical(HAND)


def test_neighbors_respect_the_pruned_edge_budget() -> None:
    # A full 7-node cell with 9 edges: the chain 0→1→…→6 and the skips 0→2, 0→3, 0→6.
    matrix = _chain(7)
    matrix[0][2] = matrix[0][3] = matrix[0][6] = 1
    ops = ("input", *NB101_OPS, *NB101_OPS[:2], "output")
    full = Cell(matrix, ops)  # type: ignore[arg-type]
    assert NB101.validate(full) is full
    assert full.n_edges == 9
    nbrs = NB101.neighbors(full)
    # No edge can be added (10 live edges) and no node inserted (7 nodes already). Of the 9
    # removals, 0→1 and 1→2 both prune node 1; 3→4, 4→5 and 5→6 all prune the chain down to
    # the bare input → output cell; 2→3 prunes nodes 1 and 2: 6 distinct pruned cells. Then
    # 5 op changes × 2 other ops.
    removals = [c for c in nbrs if c.ops == full.ops or c.n_nodes < 7]
    assert len(removals) == 6
    assert sorted(c.n_nodes for c in removals) == [2, 5, 6, 7, 7, 7]
    assert sum(c.matrix == full.matrix for c in nbrs) == 5 * 2
    assert len(nbrs) == len(set(nbrs)) == 6 + 10
    assert all(NB101.validate(c) is c and c.n_edges <= 9 for c in nbrs)


@settings(max_examples=40)
@given(nb101_cells())
def test_neighbors_are_valid_pruned_and_never_isomorphic_to_the_cell(cell: Cell) -> None:
    key = NB101.canonical(cell)
    nbrs = NB101.neighbors(cell)
    assert len(nbrs) == len(set(nbrs)) >= 1
    for nbr in nbrs:
        assert NB101.validate(nbr) is nbr
        assert NB101.prune(nbr) == nbr
        assert NB101.canonical(nbr) != key
    if cell.n_nodes < 7 and cell.n_edges <= 7:
        assert max(c.n_nodes for c in nbrs) == cell.n_nodes + 1  # cells can grow


# -- the canonical form -------------------------------------------------------------------
@settings(max_examples=60)
@given(nb101_cells(), st.data())
def test_canonical_is_invariant_under_relabelling_intermediate_nodes(
    cell: Cell, data: st.DataObject
) -> None:
    # A random topological order with the input first and the output last: relabelling by it
    # keeps the matrix upper triangular, so the relabelled cell is a raw cell of the space.
    n = cell.n_nodes
    order = [0]
    remaining = set(range(1, n - 1))
    while remaining:
        ready = sorted(v for v in remaining if all(not cell.matrix[u][v] for u in remaining))
        v = data.draw(st.sampled_from(ready))
        order.append(v)
        remaining.remove(v)
    order.append(n - 1)
    other = relabel(cell, order)
    assert NB101.validate(other) is other
    assert nx.is_isomorphic(
        NB101.to_graph(cell), NB101.to_graph(other), node_match=lambda a, b: a["op"] == b["op"]
    )
    assert NB101.canonical(other) == NB101.canonical(cell)


def test_isomorphic_relabellings_hash_equal_by_hand() -> None:
    # input → a → output and input → b → output, with a and b swapped between nodes 1 and 2.
    parallel = ((0, 1, 1, 0), (0, 0, 0, 1), (0, 0, 0, 1), (0, 0, 0, 0))
    space = CellSpace(["a", "b"], n_nodes=4, max_edges=6)
    one = Cell(parallel, ("input", "a", "b", "output"))
    two = Cell(parallel, ("input", "b", "a", "output"))
    assert one != two
    assert space.canonical(one) == space.canonical(two)


def test_canonical_tells_obvious_non_isomorphic_cells_apart() -> None:
    space = CellSpace(["a", "b"], n_nodes=4, max_edges=6)
    chain = ((0, 1, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1), (0, 0, 0, 0))
    chain_skip = ((0, 1, 0, 1), (0, 0, 1, 0), (0, 0, 0, 1), (0, 0, 0, 0))
    parallel = ((0, 1, 1, 0), (0, 0, 0, 1), (0, 0, 0, 1), (0, 0, 0, 0))
    cells = [
        Cell(chain, ("input", "a", "b", "output")),
        Cell(chain, ("input", "b", "a", "output")),  # same ops, other order along the path
        Cell(chain, ("input", "a", "a", "output")),
        Cell(chain_skip, ("input", "a", "b", "output")),  # one more live edge
        Cell(parallel, ("input", "a", "b", "output")),  # same nodes, other wiring
        Cell(parallel, ("input", "a", "a", "output")),
    ]
    assert len({space.canonical(c) for c in cells}) == len(cells)


def test_tiny_space_counts_by_hand() -> None:
    # 3 nodes, 2 ops: the pruned cells are input → output, and for each op the chain and the
    # chain with a skip: 1 + 2 + 2 = 5 cells, 5 classes. (Of the 8 raw edge sets, the 4 with a
    # path give 10 raw cells; those with node 1 dead all prune to input → output.)
    tiny = CellSpace(["a", "b"], n_nodes=3, max_edges=3)
    cells = list(tiny.enumerate())
    assert len(cells) == len(set(cells)) == len(tiny) == 5
    assert [c.n_nodes for c in cells] == [2, 3, 3, 3, 3]
    assert len({tiny.canonical(c) for c in cells}) == 5


def test_enumerate_on_a_tiny_space_matches_brute_force_isomorphism_classes() -> None:
    # 4 nodes, 2 ops, at most 4 edges once pruned. Pruned cells: 1 with 2 nodes; 2 matrices
    # with 3 nodes (chain, chain + skip) × 2 ops; with 4 nodes the chain 0→1→2→3 and the 4
    # four-edge matrices that keep both inner nodes live (chain + 0→2, chain + 1→3,
    # chain + 0→3, the two parallel paths 0→1→3, 0→2→3) × 4 ops: 1 + 4 + 20 = 25 cells.
    # Classes: only the parallel paths are symmetric (a,b ~ b,a): 25 - 1 = 24.
    tiny = CellSpace(["a", "b"], n_nodes=4, max_edges=4)
    assert tiny.is_enumerable
    cells = list(tiny.enumerate())
    assert cells == list(tiny.enumerate())  # a fixed order
    assert len(cells) == len(set(cells)) == len(tiny) == 25
    assert all(tiny.validate(c) is c and tiny.prune(c) == c for c in cells)
    assert [c.n_nodes for c in cells] == sorted(c.n_nodes for c in cells)

    # Without the space's code: the pruned forms of every valid raw 4-node cell.
    graphs = brute_force_valid(tiny)
    # Raw cells may exceed the budget (5 edges, one into a dead end); all 6 edges are all live.
    assert max(g.number_of_edges() for g in graphs) == 5
    assert {as_cell(pruned_by_networkx(g)) for g in graphs} == set(cells)

    # Isomorphism classes of the pruned graphs, by brute force.
    representatives: list[nx.DiGraph] = []
    n_classes_of_key: dict[str, set[int]] = {}
    for cell in cells:
        g = _graph_of(cell)
        match = [
            k
            for k, rep in enumerate(representatives)
            if nx.is_isomorphic(g, rep, node_match=lambda a, b: a["op"] == b["op"])
        ]
        assert len(match) <= 1
        if not match:
            match = [len(representatives)]
            representatives.append(g)
        n_classes_of_key.setdefault(tiny.canonical(cell), set()).add(match[0])
    # One class per key and one key per class: the key is exactly the isomorphism class.
    assert all(len(ks) == 1 for ks in n_classes_of_key.values())
    assert len(n_classes_of_key) == len(representatives) == 24


def _graph_of(cell: Cell) -> nx.DiGraph:
    n = cell.n_nodes
    g = nx.DiGraph()
    g.add_nodes_from((v, {"op": op}) for v, op in enumerate(cell.ops))
    g.add_edges_from((i, j) for i in range(n) for j in range(n) if cell.matrix[i][j])
    return g


def test_nb101_is_too_large_to_enumerate() -> None:
    assert not NB101.is_enumerable
    assert NB101.n_cells_bound > CellSpace.ENUMERATION_LIMIT
    with pytest.raises(SpaceTooLargeError, match="nb101"):
        NB101.enumerate()
    with pytest.raises(TypeError, match="nb101"):
        len(NB101)
    assert bool(NB101)


# -- sampling -----------------------------------------------------------------------------
def test_nb101_samples_are_valid_pruned_and_reproducible() -> None:
    cells = NB101.sample(200, np.random.default_rng(0))
    assert cells == NB101.sample(200, np.random.default_rng(0))
    assert len(cells) == 200
    assert len(set(cells)) > 100  # small cells repeat: 1 in 10 is input → output
    for cell in cells:
        assert NB101.validate(cell) is cell
        assert NB101.prune(cell) == cell
        assert 2 <= cell.n_nodes <= 7
        assert cell.n_edges <= 9
        check_cell_graph(NB101.to_graph(cell), NB101.graph_spec)
    assert NB101.sample(0, np.random.default_rng(0)) == []


def test_nb101_sampling_follows_nasbench_rejection_rule() -> None:
    # NB101's sampler draws a raw 7 × 7 upper-triangular matrix (p = 0.5 per edge) and keeps it
    # if the PRUNED cell has a path and <= 9 edges. Exact figures over all 2**21 raw matrices
    # (ops do not matter): 73.3 % are kept; of those, 9.73 % prune to the bare input → output
    # cell and 0.31 % keep all 7 nodes. (A raw-edge budget instead keeps 27.3 %, with 16.8 %
    # bare and 0.84 % of 7 nodes: the 7-node cells are the same, the small ones fewer.)
    # Measured here: 9.92 % bare, 0.375 % with 7 nodes, 4,526 classes; the bounds are about
    # 5 standard errors around the exact figures.
    cells = NB101.sample(20_000, np.random.default_rng(0))
    n_nodes = np.bincount([c.n_nodes for c in cells], minlength=8) / len(cells)
    assert 0.085 < n_nodes[2] < 0.11
    assert 0.0015 < n_nodes[7] < 0.0055
    assert 0.18 < n_nodes[3] < 0.22
    assert 0.28 < n_nodes[5] < 0.32
    assert max(c.n_edges for c in cells) == 9
    # Small cells repeat, so 20,000 draws hold far fewer isomorphism classes.
    n_classes = len({NB101.canonical(c) for c in set(cells)})
    assert 4_000 < n_classes < 5_000


def test_sample_rejects_a_bad_n_and_a_space_it_cannot_fill() -> None:
    with pytest.raises(ConfigurationError, match="'n'"):
        NB101.sample(-1, np.random.default_rng(0))
    with pytest.raises(ConfigurationError, match="'n' parameter of CellSpace.sample.*Got True"):
        NB101.sample(True, np.random.default_rng(0))
    assert len(NB101.sample(np.int64(2), np.random.default_rng(0))) == 2
    # One edge: only cells that prune to the bare input → output cell are valid, and with 28
    # nodes almost every raw draw keeps some inner node live (p below 1e-7 per draw).
    hopeless = CellSpace(["a"], n_nodes=28, max_edges=1)
    with pytest.raises(ConfigurationError, match="max_edges"):
        hopeless.sample(1, np.random.default_rng(0))


# -- round trips --------------------------------------------------------------------------
@settings(max_examples=60)
@given(nb101_cells())
def test_params_and_text_round_trip(cell: Cell) -> None:
    assert NB101.from_params(NB101.to_params(cell)) == cell
    assert NB101.parse(NB101.to_string(cell)) == cell
    assert NB101.canonical(NB101.prune(cell)) == NB101.canonical(cell)


@settings(max_examples=80)
@given(nb101_params())
def test_valid_params_round_trip_through_cells(params: dict[str, object]) -> None:
    try:
        cell = NB101.from_params(params)
    except InvalidArchitectureError:
        return
    assert NB101.to_params(cell) == params
    assert NB101.from_params(NB101.to_params(cell)) == cell


# -- errors -------------------------------------------------------------------------------
def _chain(n: int) -> list[list[int]]:
    return [[1 if j == i + 1 else 0 for j in range(n)] for i in range(n)]


def test_a_cycle_raises_an_invalid_graph_error_quoting_the_cell() -> None:
    matrix = _chain(4)
    matrix[2][1] = 1  # 1 → 2 → 1
    cell = Cell(matrix, ("input", "conv", "pool", "output"))  # type: ignore[arg-type]
    with pytest.raises(InvalidGraphError, match="cycle") as info:
        SMALL.validate(cell)
    assert repr(cell) in str(info.value)
    assert "upper triangular" in str(info.value)
    assert isinstance(info.value, BonasError)
    assert isinstance(info.value, ValueError)


def test_no_input_output_path_raises_an_invalid_graph_error() -> None:
    matrix = _chain(4)
    matrix[1][2] = 0  # input → 1, 2 → output: broken in the middle
    cell = Cell(matrix, ("input", "conv", "pool", "output"))  # type: ignore[arg-type]
    with pytest.raises(InvalidGraphError, match="path from input") as info:
        SMALL.validate(cell)
    assert repr(cell) in str(info.value)
    with pytest.raises(InvalidGraphError, match="path from input"):
        SMALL.to_graph(cell)


def test_unknown_op_raises_an_invalid_architecture_error() -> None:
    cell = Cell(_chain(3), ("input", "conv5x5", "output"))  # type: ignore[arg-type]
    with pytest.raises(InvalidArchitectureError, match="conv5x5") as info:
        SMALL.validate(cell)
    assert repr(cell) in str(info.value)
    assert "['conv', 'pool']" in str(info.value)


def test_too_many_edges_raise_an_invalid_architecture_error() -> None:
    matrix = np.triu(np.ones((7, 7), dtype=int), k=1)
    matrix[0, 6] = matrix[1, 6] = 0  # 21 - 2 = 19 edges, all live
    cell = Cell(matrix, ("input", *NB101_OPS, *NB101_OPS[:2], "output"))  # type: ignore[arg-type]
    with pytest.raises(InvalidArchitectureError, match="at most 9 edges once pruned") as info:
        NB101.validate(cell)
    assert "Got 19 edges after pruning (19 raw)" in str(info.value)
    assert repr(cell) in str(info.value)


def test_a_raw_cell_over_budget_is_valid_when_its_pruned_cell_fits() -> None:
    # Live: input → node 1 → output. Nodes 2-5 have no way to the output; every pair among
    # nodes 0-5 is an edge: 15 + 1 = 16 raw edges, 2 after pruning.
    matrix = [[1 if i < j <= 5 else 0 for j in range(7)] for i in range(7)]
    matrix[1][6] = 1
    ops = ("input", *NB101_OPS, *NB101_OPS[:2], "output")
    dense = Cell(matrix, ops)  # type: ignore[arg-type]
    assert dense.n_edges == 16
    assert NB101.validate(dense) is dense
    pruned = NB101.prune(dense)
    assert NB101.to_string(pruned) == "010/001/000/input,conv3x3-bn-relu,output"
    assert NB101.canonical(dense) == NB101.canonical(pruned)
    assert NB101.parse(NB101.to_string(dense)) == dense
    assert NB101.from_params(NB101.to_params(dense)) == dense
    assert NB101.from_params(NB101.to_params(pruned)) == pruned


def test_a_pruned_cell_over_budget_is_invalid_and_quoted() -> None:
    # Live nodes 0, 1, 2, 3, 4, 6 with the chain 0→1→2→3→4→6 and the skips 0→2, 0→3, 0→4,
    # 1→3, 2→4: 10 live edges. Node 5 is a dead end (0→5, 4→5): 12 raw edges.
    matrix = [[0] * 7 for _ in range(7)]
    for i, j in [(0, 1), (1, 2), (2, 3), (3, 4), (4, 6), (0, 2), (0, 3), (0, 4), (1, 3), (2, 4)]:
        matrix[i][j] = 1
    matrix[0][5] = matrix[4][5] = 1
    cell = Cell(matrix, ("input", *NB101_OPS, *NB101_OPS[:2], "output"))  # type: ignore[arg-type]
    pruned_text = (
        "011110/001100/000110/000010/000001/000000/"
        "input,conv3x3-bn-relu,conv1x1-bn-relu,maxpool3x3,conv3x3-bn-relu,output"
    )
    with pytest.raises(InvalidArchitectureError, match="at most 9 edges once pruned") as info:
        NB101.validate(cell)
    message = str(info.value)
    assert "Got 10 edges after pruning (12 raw)" in message
    assert repr(cell) in message
    assert repr(pruned_text) in message
    # Removing a dead edge does not help; removing a live one does.
    matrix[0][5] = 0
    with pytest.raises(InvalidArchitectureError, match="10 edges after pruning"):
        NB101.validate(Cell(matrix, cell.ops))  # type: ignore[arg-type]
    matrix[1][3] = 0
    assert NB101.validate(Cell(matrix, cell.ops)).n_edges == 10  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("arch", "match"),
    [
        ("01/00/input,output", "parse"),
        (Cell(((0, 1), (0, 0), (0, 0)), ("input", "output")), "n × n"),
        (Cell(((0, 2), (0, 0)), ("input", "output")), "only 0 and 1"),
        (Cell(((0, 1), (0, 0)), ("output", "input")), "start with 'input'"),
        (
            Cell(tuple(tuple(r) for r in _chain(8)), ("input", *["conv"] * 6, "output")),
            "at most 5",
        ),
    ],
)
def test_malformed_architectures_raise_a_clear_error(arch: object, match: str) -> None:
    with pytest.raises(InvalidArchitectureError, match=match) as info:
        SMALL.validate(arch)
    assert repr(arch) in str(info.value)


@pytest.mark.parametrize(
    ("text", "error", "match"),
    [
        ("garbage", InvalidArchitectureError, "0 matrix row"),
        ("011/001/input,conv,output", InvalidArchitectureError, "row 0"),
        ("012/001/000/input,conv,output", InvalidArchitectureError, "row 0"),
        ("011/001/000/input,conv", InvalidArchitectureError, "found 2 ops"),
        ("011/001/000/input,conv5x5,output", InvalidArchitectureError, "conv5x5"),
        ("010/000/000/input,conv,output", InvalidGraphError, "path from input"),
        ("011/101/000/input,conv,output", InvalidGraphError, "cycle"),
    ],
)
def test_bad_text_raises_an_error_quoting_it(
    text: str, error: type[BonasError], match: str
) -> None:
    with pytest.raises(error, match=match) as info:
        SMALL.parse(text)
    assert repr(text) in str(info.value)


def test_bad_params_raise_clear_errors() -> None:
    params = SMALL.to_params(HAND)
    with pytest.raises(InvalidArchitectureError, match="missing"):
        SMALL.from_params({k: v for k, v in params.items() if k != "op_2"})
    with pytest.raises(InvalidArchitectureError, match="unknown op"):
        SMALL.from_params({**params, "op_2": "conv5x5"})
    with pytest.raises(InvalidArchitectureError, match="not 0 or 1"):
        SMALL.from_params({**params, "edge_0_1": 2})
    no_path = {**params, "edge_0_1": 0}
    with pytest.raises(InvalidArchitectureError, match="TrialPruned") as info:
        SMALL.from_params(no_path)
    assert "BONASSampler" in str(info.value)
    assert "path from input" in str(info.value)
    assert repr(no_path) in str(info.value)


def test_bad_constructor_arguments_raise_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="'ops'"):
        CellSpace("conv")
    with pytest.raises(ConfigurationError, match="'ops'"):
        CellSpace(["conv", "conv"])
    with pytest.raises(ConfigurationError, match="'ops'"):
        CellSpace(["input"])
    with pytest.raises(ConfigurationError, match="'ops'"):
        CellSpace(["a,b"])
    with pytest.raises(ConfigurationError, match="'n_nodes'.*>= 2. Got 1.*Input and output"):
        CellSpace(["conv"], n_nodes=1)
    with pytest.raises(ConfigurationError, match="'max_edges'"):
        CellSpace(["conv"], max_edges=0)
    with pytest.raises(ConfigurationError, match="'max_edges'.*Got True"):
        CellSpace(["conv"], max_edges=True)
    with pytest.raises(ConfigurationError, match="'name' parameter of CellSpace"):
        CellSpace(["conv"], name="")


def test_spaces_compare_by_their_hyperparameters() -> None:
    assert CellSpace.nb101() == NB101
    assert hash(CellSpace.nb101()) == hash(NB101)
    assert NB101 != SMALL
    assert repr(SMALL) == "CellSpace(['conv', 'pool'], n_nodes=5, max_edges=6, name='small')"


# -- Optuna -------------------------------------------------------------------------------
def test_suggest_in_a_real_study_prunes_invalid_proposals() -> None:
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    seen: list[Cell] = []

    def objective(trial: optuna.Trial) -> float:
        try:
            cell = NB101.suggest(trial)
        except InvalidArchitectureError as err:
            raise optuna.TrialPruned(str(err)) from None
        seen.append(cell)
        return float(cell.n_edges)

    study.optimize(objective, n_trials=30)
    states = [t.state for t in study.trials]
    assert len(states) == 30
    n_complete = states.count(optuna.trial.TrialState.COMPLETE)
    assert n_complete == len(seen) >= 1
    assert states.count(optuna.trial.TrialState.PRUNED) == 30 - n_complete
    assert set(study.best_params) == set(NB101.distributions())
    assert NB101.from_params(study.best_params) in seen
    for trial in study.trials:
        if trial.state == optuna.trial.TrialState.COMPLETE:
            assert NB101.to_params(NB101.from_params(trial.params)) == trial.params
