"""bonas.draw: NB201 cells (ops on edges, dead edges) and NB101 cells (ops on nodes, dead
nodes), as diagrams and as the PNG and SVG files drawn from them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bonas.draw import cell_diagram, cell_svg, draw_cell, draw_cells
from bonas.exceptions import ConfigurationError
from bonas.spaces.cell import CellSpace
from bonas.spaces.nb201 import NB201Space

NB101_CELL = (
    "0110100/0000001/0001000/0000000/0000001/0000001/0000000/"
    "input,conv3x3-bn-relu,conv1x1-bn-relu,maxpool3x3,conv3x3-bn-relu,conv1x1-bn-relu,output"
)


def _ids(svg: str, kind: str) -> list[str]:
    return re.findall(rf'id="({kind}-[0-9-]+)"', svg)


def test_an_nb201_cell_has_four_nodes_and_six_labelled_edges(tmp_path: Path) -> None:
    space = NB201Space()
    # 1<-0 conv3x3, 2<-0 skip, 2<-1 none, 3<-0 none, 3<-1 none, 3<-2 conv1x1: node 1 reaches
    # the output only through `none`, so its input edge is dead too.
    arch = space.from_key("310002")
    d = cell_diagram(space, arch)
    assert (len(d.nodes), len(d.edges), d.ops_on) == (4, 6, "edges")
    live = {(e.source, e.target): e.label for e in d.edges if not e.dead}
    assert live == {(0, 2): "skip_connect", (2, 3): "nor_conv_1x1"}
    assert [n.dead for n in d.nodes] == [False, True, False, False]
    draw_cell(space, arch, tmp_path / "c.png")
    draw_cell(space, arch, tmp_path / "c.svg")
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = (tmp_path / "c.svg").read_text()
    assert len(_ids(svg, "node")) == 4
    assert len(_ids(svg, "edge")) == 6
    for op in ("skip_connect", "nor_conv_1x1", "nor_conv_3x3 (dead)", "none"):
        assert op in svg


def test_the_best_nb201_cell_has_every_edge_alive() -> None:
    space = NB201Space()
    d = cell_diagram(space, space.from_key("333132"))
    assert not any(e.dead for e in d.edges)
    assert not any(n.dead for n in d.nodes)
    assert sorted(e.label for e in d.edges).count("nor_conv_3x3") == 4


def test_an_nb101_cell_has_its_ops_on_nodes_and_dead_nodes_greyed(tmp_path: Path) -> None:
    space = CellSpace.nb101()
    cell = space.parse(NB101_CELL)
    d = cell_diagram(space, cell)
    assert (len(d.nodes), len(d.edges), d.ops_on) == (7, 7, "nodes")
    assert [n.label for n in d.nodes] == list(cell.ops)
    dead = {n.id for n in d.nodes if n.dead}
    assert dead == {2, 3, 5}  # pruning keeps input, the two conv3x3 nodes and output
    assert space.prune(cell).n_nodes == 7 - len(dead)
    assert {(e.source, e.target) for e in d.edges if not e.dead} == {
        (0, 1),
        (0, 4),
        (1, 6),
        (4, 6),
    }
    svg = cell_svg(space, cell)
    assert svg.startswith("<svg")
    assert len(_ids(svg, "node")) == 7
    assert len(_ids(svg, "edge")) == 7
    written = draw_cells(space, [cell, space.prune(cell)], tmp_path / "cells")
    assert [p.name for p in written] == ["cell-1.png", "cell-1.svg", "cell-2.png", "cell-2.svg"]
    pruned = (tmp_path / "cells" / "cell-2.svg").read_text()
    assert len(_ids(pruned, "node")) == 4
    assert len(_ids(pruned, "edge")) == 4


def test_a_bad_suffix_is_refused(tmp_path: Path) -> None:
    space = NB201Space()
    with pytest.raises(ConfigurationError, match="'path' parameter of draw_cell"):
        draw_cell(space, space.from_key("333132"), tmp_path / "c.jpg")
