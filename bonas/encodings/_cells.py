"""Reading cell graphs into arrays, fast, with the checks of :func:`bonas.graph.check_cell_graph`.

Encoders meet thousands of graphs per call (all 15,625 NB201 cells), and
:func:`~bonas.graph.check_cell_graph` costs more per graph than a whole encoding.
So every graph is first read by a fast path that checks the same conditions through plain dict
lookups (plus, for fixed-edge spaces, that the edges are the space's); only a graph that fails
there goes through :func:`~bonas.graph.check_cell_graph` and the slower diagnosis, which then
raises an :class:`~bonas.exceptions.InvalidGraphError` that says what is wrong.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from bonas._validation import invalid
from bonas.exceptions import ConfigurationError, InvalidGraphError
from bonas.graph import INPUT, OUTPUT, GraphSpec, check_cell_graph

__all__ = ["CellBatch", "SpecInfo", "dag_paths", "read_cells", "spec_info"]

Edges = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class SpecInfo:
    """What is precomputed once per :class:`~bonas.graph.GraphSpec`.

    Attributes:
        spec: The spec.
        op_index: Op name → its index in ``spec.ops``.
        fixed_succ: For a fixed-edge spec, node → the set of its successors; else ``None``.
        fixed_edges: For a fixed-edge spec, its edges sorted; else ``None``.
        fixed_paths: For a fixed-edge spec, the intermediate nodes of every input→output path
            (in the order of :func:`dag_paths`); else ``None``.
    """

    spec: GraphSpec
    op_index: dict[str, int]
    fixed_succ: dict[int, frozenset[int]] | None
    fixed_edges: Edges | None
    fixed_paths: tuple[tuple[int, ...], ...] | None

    @property
    def is_fixed(self) -> bool:
        return self.fixed_edges is not None


@dataclass(frozen=True)
class CellBatch:
    """A batch of validated cell graphs, in the array form encoders compute on.

    Attributes:
        graphs: The graphs as given (validated), `(n,)`.
        n_nodes: The number of nodes of each graph, input and output included, `(n,)` int64.
        ops: ``ops[i, k - 1]`` is the index in ``spec.ops`` of the op of node ``k`` of graph
            ``i``, for the intermediate nodes ``k = 1 … n_nodes[i] - 2``; ``-1`` beyond them.
            Shape `(n, spec.max_nodes - 2)`, int64.
        edges: The edges ``(u, v)`` (``u < v``) of each graph, sorted, `(n,)`. In a fixed-edge
            space every entry is the same tuple.
    """

    graphs: tuple[nx.DiGraph, ...]
    n_nodes: np.ndarray
    ops: np.ndarray
    edges: tuple[Edges, ...]

    def __len__(self) -> int:
        return len(self.graphs)


def _describe(value: Any) -> str:
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{text} (a {type(value).__name__})"


def _bad_spec(owner: str, what: str, got: Any) -> ConfigurationError:
    return invalid(
        owner, "spec", f"a valid bonas.graph.GraphSpec (use space.graph_spec): {what}", got
    )


def spec_info(spec: Any, owner: str) -> SpecInfo:
    """Check ``spec`` and return its precomputed facts.

    Raises:
        ConfigurationError: if ``spec`` is not a consistent :class:`~bonas.graph.GraphSpec`.
    """
    if not isinstance(spec, GraphSpec):
        raise ConfigurationError(
            f"The 'spec' parameter of {owner} must be a bonas.graph.GraphSpec (e.g. "
            f"space.graph_spec). Got {_describe(spec)} instead."
        )
    ops = spec.ops
    if (
        not isinstance(ops, tuple)
        or not ops
        or not all(isinstance(op, str) for op in ops)
        or len(set(ops)) != len(ops)
        or INPUT in ops
        or OUTPUT in ops
    ):
        raise _bad_spec(
            owner,
            f"'ops' must be a non-empty tuple of distinct op names other than "
            f"{INPUT!r} and {OUTPUT!r}",
            ops,
        )
    for field in ("max_nodes", "max_path_length"):
        value = getattr(spec, field)
        low = 2 if field == "max_nodes" else 0
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise _bad_spec(owner, f"{field!r} must be an int >= {low}", value)
    if spec.zero_op is not None and spec.zero_op not in ops:
        raise _bad_spec(owner, f"'zero_op' must be None or one of {list(ops)}", spec.zero_op)
    fixed = spec.fixed_edges
    if fixed is not None:
        n = spec.max_nodes
        if not isinstance(fixed, frozenset) or not all(
            isinstance(e, tuple)
            and len(e) == 2
            and all(isinstance(x, int) and not isinstance(x, bool) for x in e)
            and 0 <= e[0] < e[1] < n
            for e in fixed
        ):
            raise _bad_spec(
                owner,
                f"'fixed_edges' must be None or a frozenset of node pairs (u, v) with "
                f"0 <= u < v < max_nodes={n}",
                fixed,
            )
    return _spec_info(spec)


@functools.lru_cache(maxsize=64)
def _spec_info(spec: GraphSpec) -> SpecInfo:
    op_index = {op: i for i, op in enumerate(spec.ops)}
    if spec.fixed_edges is None:
        return SpecInfo(spec, op_index, None, None, None)
    n = spec.max_nodes
    edges: Edges = tuple(sorted(spec.fixed_edges))
    succ: dict[int, set[int]] = {u: set() for u in range(n)}
    for u, v in edges:
        succ[u].add(v)
    paths = dag_paths(n, edges)
    if not paths:
        raise ConfigurationError(
            "The 'fixed_edges' of the GraphSpec give no path from the input (node 0) to the "
            f"output (node {n - 1}). Got {sorted(edges)}."
        )
    return SpecInfo(spec, op_index, {u: frozenset(s) for u, s in succ.items()}, edges, paths)


@functools.lru_cache(maxsize=65536)
def dag_paths(n: int, edges: Edges) -> tuple[tuple[int, ...], ...]:
    """The intermediate nodes of every path from node ``0`` to node ``n - 1``.

    ``edges`` go from lower to higher node numbers (so the graph is a DAG). Paths are sorted
    by length, then by their node numbers. Cached by structure, so cells that share their edges
    (all of a fixed-edge space, many of a general one) enumerate their paths once.

    Args:
        n: The number of nodes.
        edges: The sorted edges.

    Returns:
        One tuple of intermediate nodes per path; ``()`` for a direct input→output edge.
    """
    succ: list[list[int]] = [[] for _ in range(n)]
    for u, v in edges:
        succ[u].append(v)
    # Prune nodes that cannot reach the output, so the search only walks live branches.
    alive = [False] * n
    alive[n - 1] = True
    for u in range(n - 2, -1, -1):
        alive[u] = any(alive[v] for v in succ[u])
    out: list[tuple[int, ...]] = []
    stack: list[tuple[int, tuple[int, ...]]] = [(0, ())]
    while stack:
        u, prefix = stack.pop()
        for v in reversed(succ[u]):
            if v == n - 1:
                out.append(prefix)
            elif alive[v]:
                stack.append((v, (*prefix, v)))
    out.sort(key=lambda p: (len(p), p))
    return tuple(out)


def _read_fixed(graph: Any, info: SpecInfo) -> list[int] | None:
    """The op indices of the intermediate nodes, or ``None`` if ``graph`` is not a cell here."""
    if not isinstance(graph, nx.DiGraph):
        return None
    n = info.spec.max_nodes
    if len(graph) != n:
        return None
    succ = info.fixed_succ
    assert succ is not None
    for u, nbrs in graph.adjacency():
        expected = succ.get(u)
        if expected is None or nbrs.keys() != expected:
            return None
    return _op_indices(graph, n, info)


def _read_general(graph: Any, info: SpecInfo) -> tuple[int, list[int], Edges] | None:
    """``(n_nodes, op indices, sorted edges)``, or ``None`` if ``graph`` is not a cell here."""
    if not isinstance(graph, nx.DiGraph):
        return None
    n = len(graph)
    if not 2 <= n <= info.spec.max_nodes:
        return None
    edges: list[tuple[int, int]] = []
    try:
        for u, nbrs in graph.adjacency():
            if type(u) is not int or not 0 <= u < n:
                return None
            for v in nbrs:
                if not u < v:
                    return None
                edges.append((u, v))
    except TypeError:  # a node that does not compare with ints
        return None
    edges.sort()
    reached = [False] * n
    reached[0] = True
    for u, v in edges:
        if reached[u]:
            reached[v] = True
    if not reached[n - 1]:
        return None
    ops = _op_indices(graph, n, info)
    return None if ops is None else (n, ops, tuple(edges))


def _diagnose(graph: Any, info: SpecInfo) -> str:
    """Why ``graph`` failed the fast path, in words."""
    if isinstance(graph, nx.DiGraph):
        n = len(graph)
        if n < 2 or set(graph.nodes) != set(range(n)):
            # check_cell_graph would sort the nodes, which fails on mixed types.
            return (
                f"A cell graph must have nodes 0 … n-1 with n >= 2. Got nodes {list(graph.nodes)}."
            )
    try:
        check_cell_graph(graph, info.spec)
    except InvalidGraphError as exc:
        return str(exc)
    n = len(graph)
    if any(type(u) is not int for u in graph.nodes):
        kinds = sorted({type(u).__name__ for u in graph.nodes})
        return f"Its nodes must be the Python ints 0 … {n - 1}. Got node types {kinds}."
    backward = sorted((u, v) for u, v in graph.edges if u >= v)
    if backward:
        return (
            "Its nodes must be numbered in a topological order (every edge u → v with u < v). "
            f"Got the edge(s) {backward}; renumber the nodes."
        )
    if info.is_fixed:
        assert info.fixed_edges is not None
        got = set(graph.edges)
        want = set(info.fixed_edges)
        if n != info.spec.max_nodes or got != want:
            return (
                f"Every cell of this space has {info.spec.max_nodes} nodes and the edges "
                f"{sorted(want)}. Got {n} nodes, missing edges {sorted(want - got)}, extra "
                f"edges {sorted(got - want)}."
            )
    return "It is not a cell graph of this space."  # pragma: no cover - a fast-path gap


def read_cells(graphs: Any, info: SpecInfo, where: str) -> CellBatch:
    """Validate ``graphs`` and read them into a :class:`CellBatch`.

    Args:
        graphs: A sequence of cell graphs.
        info: The spec's facts, from :func:`spec_info`.
        where: ``"Class.method"`` for error messages.

    Raises:
        ConfigurationError: if ``graphs`` is not a sequence (e.g. one graph, a string).
        InvalidGraphError: if an item is not a cell graph of the spec; the message gives its
            position and what is wrong.
    """
    if isinstance(graphs, (nx.Graph, str, bytes)) or not isinstance(graphs, Iterable):
        hint = " Wrap a single graph in a list: [graph]." if isinstance(graphs, nx.Graph) else ""
        raise ConfigurationError(
            f"The 'graphs' parameter of {where} must be a sequence of cell graphs "
            f"(networkx.DiGraph, e.g. [space.to_graph(a) for a in archs]). Got "
            f"{_describe(graphs)} instead.{hint}"
        )
    items = tuple(graphs)
    n_graphs = len(items)
    width = info.spec.max_nodes - 2
    ops = np.full((n_graphs, width), -1, dtype=np.int64)
    n_nodes = np.full(n_graphs, info.spec.max_nodes, dtype=np.int64)
    if info.is_fixed:
        assert info.fixed_edges is not None
        rows: list[list[int]] = []
        for i, graph in enumerate(items):
            row = _read_fixed(graph, info)
            if row is None:
                raise _invalid(where, i, graph, info)
            rows.append(row)
        if n_graphs and width:
            ops[:] = np.asarray(rows, dtype=np.int64)
        edges: tuple[Edges, ...] = (info.fixed_edges,) * n_graphs
    else:
        edge_list: list[Edges] = []
        for i, graph in enumerate(items):
            read = _read_general(graph, info)
            if read is None:
                raise _invalid(where, i, graph, info)
            n, row, graph_edges = read
            n_nodes[i] = n
            ops[i, : n - 2] = row
            edge_list.append(graph_edges)
        edges = tuple(edge_list)
    return CellBatch(graphs=items, n_nodes=n_nodes, ops=ops, edges=edges)


def _invalid(where: str, i: int, graph: Any, info: SpecInfo) -> InvalidGraphError:
    return InvalidGraphError(
        f"The 'graphs' parameter of {where}: item {i} is not a cell graph of this space. "
        f"{_diagnose(graph, info)}"
    )


def _op_indices(graph: nx.DiGraph, n: int, info: SpecInfo) -> list[int] | None:
    """The op index of each intermediate node, or ``None`` if the labels are not a cell's."""
    labels = dict(graph.nodes(data="op"))
    try:
        if labels[0] != INPUT or labels[n - 1] != OUTPUT:
            return None
        index = info.op_index
        return [index[labels[k]] for k in range(1, n - 1)]
    except (KeyError, TypeError):
        return None
