"""Cells drawn as pictures: the DAG with its operations labelled and its dead parts greyed.

:func:`cell_diagram` says what a picture of a cell shows (its nodes, edges, labels and which
are dead) and :func:`draw_cell` draws it with matplotlib, to PNG or SVG by the file's suffix.

* **NB201** (:class:`~bonas.spaces.nb201.NB201Space`): operations live on edges. The picture is
  the 4-node cell (node 0 the input, node 3 the output) with each of the six edges labelled by
  its operation. An edge is *dead* if its op is ``none`` or it lies on no input→output path
  of edges that are not ``none``; dead edges are drawn dashed and grey.
* **Operations on nodes** (:class:`~bonas.spaces.cell.CellSpace`, NB101 style, and any other
  space, through its cell graph): each node is labelled by its operation; a node on no
  input→output path, and every edge that touches one, is dead.

SVG output gives every node and edge an ``id`` (``node-3``, ``edge-0-3``), so a page or a test
can find them.

Example:
    >>> from bonas.spaces.nb201 import NB201Space
    >>> space = NB201Space()
    >>> d = cell_diagram(space, space.from_key("000300"))
    >>> len(d.nodes), len(d.edges), [e.label for e in d.edges if not e.dead]
    (4, 6, ['nor_conv_3x3'])
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

from bonas.exceptions import ConfigurationError, MissingDependencyError
from bonas.graph import INPUT, OUTPUT

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from bonas.spaces.base import SearchSpace

__all__ = [
    "CellDiagram",
    "DiagramEdge",
    "DiagramNode",
    "cell_diagram",
    "cell_svg",
    "draw_cell",
    "draw_cells",
]

_LIVE = "#1f4e79"
_DEAD = "#b0b0b0"


@dataclass(frozen=True)
class DiagramNode:
    """A node of a drawn cell: its number, label (``"input"``, an op, ``"output"``, or the
    node's number where ops are on edges) and whether it is dead."""

    id: int
    label: str
    dead: bool


@dataclass(frozen=True)
class DiagramEdge:
    """An edge ``source → target`` of a drawn cell, its label (the op where ops are on
    edges, else ``""``) and whether it is dead."""

    source: int
    target: int
    label: str
    dead: bool


@dataclass(frozen=True)
class CellDiagram:
    """What a picture of a cell shows.

    Attributes:
        nodes: The nodes, input first and output last.
        edges: The edges.
        ops_on: ``"edges"`` (NB201) or ``"nodes"``.
        title: A title (the cell's text form by default).
    """

    nodes: tuple[DiagramNode, ...]
    edges: tuple[DiagramEdge, ...]
    ops_on: str
    title: str

    def graph(self) -> nx.DiGraph:
        """The diagram as a :class:`networkx.DiGraph` (``label`` and ``dead`` attributes)."""
        g = nx.DiGraph()
        for n in self.nodes:
            g.add_node(n.id, label=n.label, dead=n.dead)
        for e in self.edges:
            g.add_edge(e.source, e.target, label=e.label, dead=e.dead)
        return g


def cell_diagram(space: SearchSpace[Any], arch: Any) -> CellDiagram:
    """The diagram of ``arch``, a cell of ``space``: ops on the edges for NB201, on the nodes
    for every other space (its cell graph; a :class:`~bonas.spaces.cell.CellSpace` cell as
    given, dead nodes included)."""
    from bonas.spaces.cell import CellSpace
    from bonas.spaces.nb201 import NB201_EDGES, NB201Space

    arch = space.validate(arch)
    title = space.to_string(arch)
    if isinstance(space, NB201Space):
        zero = space.graph_spec.zero_op
        live = nx.DiGraph()
        live.add_nodes_from(range(4))
        live.add_edges_from(
            (frm, to) for (to, frm), op in zip(NB201_EDGES, arch, strict=True) if op != zero
        )
        useful = _on_io_path(live, 0, 3)
        edges = tuple(
            DiagramEdge(frm, to, op, op == zero or not (frm in useful and to in useful))
            for (to, frm), op in zip(NB201_EDGES, arch, strict=True)
        )
        nodes = tuple(DiagramNode(i, str(i), i not in useful) for i in range(4))
        return CellDiagram(nodes, edges, "edges", title)
    if isinstance(space, CellSpace):
        n = arch.n_nodes
        ops = list(arch.ops)
        pairs = [(i, j) for i in range(n) for j in range(n) if arch.matrix[i][j]]
    else:
        g = space.to_graph(arch)
        n = g.number_of_nodes()
        ops = [str(g.nodes[i]["op"]) for i in range(n)]
        pairs = sorted(g.edges)
    dag = nx.DiGraph()
    dag.add_nodes_from(range(n))
    dag.add_edges_from(pairs)
    useful = _on_io_path(dag, 0, n - 1)
    nodes = tuple(DiagramNode(i, ops[i], i not in useful) for i in range(n))
    edges = tuple(DiagramEdge(i, j, "", not (i in useful and j in useful)) for i, j in pairs)
    return CellDiagram(nodes, edges, "nodes", title)


def _on_io_path(g: nx.DiGraph, source: int, target: int) -> set[int]:
    """The nodes on some ``source → target`` path (none if there is no such path)."""
    if not nx.has_path(g, source, target):
        return set()
    down = nx.descendants(g, source) | {source}
    up = nx.ancestors(g, target) | {target}
    return down & up


def _positions(d: CellDiagram) -> dict[int, tuple[float, float]]:
    """Left to right by longest distance from the input; spread vertically within a layer."""
    g = d.graph()
    layer: dict[int, int] = {}
    for v in nx.topological_sort(g):
        preds = list(g.predecessors(v))
        layer[v] = 1 + max(layer[p] for p in preds) if preds else 0
    first, last = d.nodes[0].id, d.nodes[-1].id
    layer[first] = 0
    layer[last] = max(max(layer.values()), 1)
    for v in layer:
        if v not in (first, last) and layer[v] == 0:
            layer[v] = 1  # an isolated (dead) node sits after the input
    if d.ops_on == "edges":  # NB201: a zig-zag keeps the six labelled edges apart
        return {0: (0.0, 0.0), 1: (1.0, 0.8), 2: (2.0, -0.8), 3: (3.0, 0.0)}
    g2 = nx.DiGraph()
    for v, k in layer.items():
        g2.add_node(v, layer=k)
    pos = nx.multipartite_layout(g2, subset_key="layer", align="vertical", scale=1.0)
    return {v: (float(x), float(y)) for v, (x, y) in pos.items()}


def draw_cell(
    space: SearchSpace[Any],
    arch: Any,
    path: str | Path | None = None,
    *,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Draw ``arch``, a cell of ``space``, with matplotlib.

    Args:
        space: The cell's space.
        arch: The cell.
        path: Where to save it: ``.png`` or ``.svg`` (by the suffix); ``None``: not saved.
        ax: Draw on these axes (default: a new figure).
        title: The title (default: the cell's text form; ``""`` for none).

    Returns:
        The figure.

    Raises:
        MissingDependencyError: if matplotlib is not installed.
        ConfigurationError: for a ``path`` that is neither ``.png`` nor ``.svg``.
    """
    if path is not None and Path(path).suffix.lower() not in (".png", ".svg"):
        raise ConfigurationError(
            f"The 'path' parameter of draw_cell must end in .png or .svg. Got {str(path)!r} "
            "instead."
        )
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.patches import FancyArrowPatch
    except ImportError as err:
        raise MissingDependencyError(
            f"Drawing cells needs matplotlib, which is not installed ({err}). Install it with "
            "`pip install 'bonas[plot]'`."
        ) from err
    d = cell_diagram(space, arch)
    pos = _positions(d)
    if ax is None:
        width = 6.4 if d.ops_on == "edges" else 1.6 + 1.3 * len(d.nodes)
        fig = Figure(figsize=(width, 3.4), dpi=110)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
    else:
        fig = ax.figure  # type: ignore[assignment]
    radius = 0.16 if d.ops_on == "edges" else 0.0
    for k, e in enumerate(d.edges):
        (x0, y0), (x1, y1) = pos[e.source], pos[e.target]
        bend = 0.0
        if d.ops_on == "edges" and (e.source, e.target) == (0, 3):
            bend = -0.9  # the long input→output edge arcs above the others
        arrow = FancyArrowPatch(
            (x0, y0),
            (x1, y1),
            arrowstyle="-|>",
            mutation_scale=12,
            connectionstyle=f"arc3,rad={bend}",
            color=_DEAD if e.dead else _LIVE,
            linestyle="--" if e.dead else "-",
            linewidth=1.0 if e.dead else 1.6,
            shrinkA=14,
            shrinkB=14,
            zorder=1,
        )
        arrow.set_gid(f"edge-{e.source}-{e.target}")
        ax.add_patch(arrow)
        if e.label:
            # The middle of the arc (matplotlib's arc3: a quadratic Bézier curve).
            mx = (x0 + x1) / 2 + 0.5 * bend * (y1 - y0)
            my = (y0 + y1) / 2 - 0.5 * bend * (x1 - x0)
            text = ax.text(
                mx,
                my + (0.06 if not bend else 0.0),
                e.label + (" (dead)" if e.dead and e.label != "none" else ""),
                ha="center",
                va="center",
                fontsize=8,
                color="#808080" if e.dead else "black",
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.9},
                zorder=3,
            )
            text.set_gid(f"label-{k}")
    for node in d.nodes:
        x, y = pos[node.id]
        io = node.label in (INPUT, OUTPUT) or node.id in (d.nodes[0].id, d.nodes[-1].id)
        face = "#d9e8f5" if io else ("#f0f0f0" if node.dead else "#fff2cc")
        shown_as = node.label
        if d.ops_on == "edges":
            shown_as = {0: "in", 3: "out"}.get(node.id, node.label)
        label = ax.text(
            x,
            y,
            shown_as,
            ha="center",
            va="center",
            fontsize=8,
            color="#808080" if node.dead else "black",
            bbox={
                "boxstyle": "circle,pad=0.35" if d.ops_on == "edges" else "round,pad=0.35",
                "fc": face,
                "ec": _DEAD if node.dead else _LIVE,
                "ls": "--" if node.dead else "-",
            },
            zorder=4,
        )
        label.set_gid(f"node-{node.id}")
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 0.45 - radius, max(xs) + 0.45 + radius)
    ax.set_ylim(min(ys) - 0.5, max(ys) + (1.25 if d.ops_on == "edges" else 0.5))
    ax.set_axis_off()
    shown = d.title if title is None else title
    if shown:
        ax.set_title(shown, fontsize=7, wrap=True)
    if path is not None:
        fig.savefig(path)
    return fig


def cell_svg(space: SearchSpace[Any], arch: Any, *, title: str | None = None) -> str:
    """The SVG text of :func:`draw_cell`'s picture, without the XML prolog: ready to inline
    in an HTML page."""
    fig = draw_cell(space, arch, title=title)
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    text = buffer.getvalue()
    start = text.find("<svg")
    return text[start:] if start >= 0 else text


def draw_cells(
    space: SearchSpace[Any], archs: Sequence[Any], folder: str | Path, *, stem: str = "cell"
) -> list[Path]:
    """Draw each cell of ``archs`` to ``folder/STEM-K.png`` and ``.svg`` (K from 1);
    return the paths written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for k, arch in enumerate(archs, start=1):
        fig = draw_cell(space, arch)
        for suffix in (".png", ".svg"):
            path = folder / f"{stem}-{k}{suffix}"
            fig.savefig(path)
            written.append(path)
    return written
