"""The graph form every bonas layer speaks, and the facts about it that encoders need.

An architecture is turned by its space into a **cell graph**: a :class:`networkx.DiGraph` whose

* nodes are the integers ``0 … n-1`` in a topological order,
* node ``0`` has ``op == "input"`` and node ``n-1`` has ``op == "output"``,
* every other node carries its operation name in the node attribute ``"op"``.

Spaces whose operations live on edges (NAS-Bench-201) are given in this form through their line
graph: each edge becomes an op-node, so paths through the graph are sequences of operations in
both kinds of space. The encoders in :mod:`bonas.encodings` read only this form and a
:class:`GraphSpec`, never a space object.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import networkx as nx

from bonas.exceptions import InvalidGraphError

__all__ = ["INPUT", "OUTPUT", "GraphSpec", "check_cell_graph", "input_output_paths", "node_ops"]

INPUT = "input"
OUTPUT = "output"


@dataclass(frozen=True)
class GraphSpec:
    """What an encoder must know about the graphs of one space to give them a fixed width.

    Attributes:
        ops: The operation alphabet of the intermediate nodes, in a fixed order.
        max_nodes: The largest number of nodes (input and output included) of a cell graph.
        max_path_length: The largest number of intermediate nodes on an input→output path.
        fixed_edges: Where every cell has the same edges (NB201's line graph), those edges;
            encoders then skip the adjacency bits, which would be constant. ``None`` otherwise.
        zero_op: The op that multiplies its input by zero (NB201's ``"none"``), or ``None``.
    """

    ops: tuple[str, ...]
    max_nodes: int
    max_path_length: int
    fixed_edges: frozenset[tuple[int, int]] | None = None
    zero_op: str | None = None


def node_ops(graph: nx.DiGraph) -> list[str]:
    """Return the op labels of ``graph`` in node order ``0 … n-1``."""
    return [graph.nodes[i]["op"] for i in range(graph.number_of_nodes())]


def check_cell_graph(graph: nx.DiGraph, spec: GraphSpec | None = None) -> None:
    """Raise :class:`~bonas.exceptions.InvalidGraphError` unless ``graph`` is a cell graph.

    Args:
        graph: The graph to check.
        spec: If given, also check that ops are in ``spec.ops`` and the size fits.
    """
    if not isinstance(graph, nx.DiGraph):
        raise InvalidGraphError(
            f"A cell graph must be a networkx.DiGraph. Got {type(graph).__name__} instead."
        )
    n = graph.number_of_nodes()
    if n < 2 or set(graph.nodes) != set(range(n)):
        raise InvalidGraphError(
            f"A cell graph must have nodes 0 … n-1 with n >= 2. Got nodes {list(graph.nodes)}."
        )
    if not nx.is_directed_acyclic_graph(graph):
        cycle = nx.find_cycle(graph)
        raise InvalidGraphError(f"A cell graph must be acyclic. Got the cycle {cycle}.")
    for i in range(n):
        if "op" not in graph.nodes[i]:
            raise InvalidGraphError(f"Node {i} of the cell graph has no 'op' attribute.")
    ops = node_ops(graph)
    if ops[0] != INPUT or ops[-1] != OUTPUT:
        raise InvalidGraphError(
            f"Node 0 must have op {INPUT!r} and node {n - 1} op {OUTPUT!r}. "
            f"Got {ops[0]!r} and {ops[-1]!r}."
        )
    if not nx.has_path(graph, 0, n - 1):
        raise InvalidGraphError(
            f"A cell graph needs a path from input (node 0) to output (node {n - 1}). "
            f"Got edges {sorted(graph.edges)}."
        )
    if spec is not None:
        if n > spec.max_nodes:
            raise InvalidGraphError(
                f"The cell graph has {n} nodes; this space allows at most {spec.max_nodes}."
            )
        unknown = sorted({op for op in ops[1:-1] if op not in spec.ops})
        if unknown:
            raise InvalidGraphError(
                f"Unknown op(s) {unknown} in the cell graph; expected ops from {list(spec.ops)}."
            )


def input_output_paths(graph: nx.DiGraph) -> Iterator[tuple[str, ...]]:
    """Yield the op sequence (intermediate nodes only) of every input→output path.

    Example:
        >>> g = nx.DiGraph()
        >>> g.add_nodes_from([(0, {"op": "input"}), (1, {"op": "conv"}), (2, {"op": "output"})])
        >>> g.add_edges_from([(0, 1), (1, 2), (0, 2)])
        >>> sorted(input_output_paths(g))
        [(), ('conv',)]
    """
    n = graph.number_of_nodes()
    ops = node_ops(graph)
    for path in nx.all_simple_paths(graph, 0, n - 1):
        yield tuple(ops[i] for i in path[1:-1])
