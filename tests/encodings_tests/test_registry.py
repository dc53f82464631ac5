from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from bonas import encodings
from bonas.encodings import (
    AdjacencyEncoder,
    CellBatch,
    Encoder,
    PathEncoder,
    TruncatedPathEncoder,
    WLEncoder,
)
from bonas.exceptions import ConfigurationError
from bonas.graph import GraphSpec
from bonas.spaces.nb201 import NB201Space

SPEC = NB201Space().graph_spec
BUILT_IN = {
    "adjacency": AdjacencyEncoder,
    "path": PathEncoder,
    "truncated_path": TruncatedPathEncoder,
    "wl": WLEncoder,
}


class EdgeCount(Encoder):
    """A third-party encoder: the number of non-zero ops."""

    name = "edge_count"

    def __init__(self, spec: GraphSpec, *, scale: float = 1.0) -> None:
        super().__init__(spec)
        self.scale = scale

    @property
    def n_features(self) -> int:
        return 1

    def feature_names(self) -> list[str]:
        return ["n_nonzero_ops"]

    def _encode(self, cells: CellBatch) -> np.ndarray:
        zero = self.spec.ops.index(self.spec.zero_op) if self.spec.zero_op else -1
        live = (cells.ops >= 0) & (cells.ops != zero)
        return self.scale * live.sum(axis=1, keepdims=True).astype(np.float64)


def test_built_in_names() -> None:
    assert set(BUILT_IN) <= set(encodings.available())
    assert encodings.available() == sorted(encodings.available())
    for name, cls in BUILT_IN.items():
        assert encodings.get(name) is cls
        assert cls.name == name


def test_unknown_name_lists_the_available_ones() -> None:
    with pytest.raises(ConfigurationError, match=r"Unknown encoding 'bananas'.*'adjacency'"):
        encodings.get("bananas")
    with pytest.raises(ConfigurationError, match="Did you mean 'path'"):
        encodings.get("paths")
    with pytest.raises(ConfigurationError, match="name of an encoding must be a str.*int"):
        encodings.get(42)  # type: ignore[arg-type]


@pytest.mark.usefixtures("clean_registry")
def test_register_a_third_party_encoder(cell_graph: Callable[[str], nx.DiGraph]) -> None:
    assert encodings.register("edge_count", EdgeCount) is EdgeCount
    assert "edge_count" in encodings.available()
    enc = encodings.make("edge_count", SPEC, scale=2.0)
    assert isinstance(enc, EdgeCount)
    X = enc.encode([cell_graph("034121"), cell_graph("000000")])
    np.testing.assert_array_equal(X, [[10.0], [0.0]])
    # Registering the same class again is fine; another class needs overwrite=True.
    encodings.register("edge_count", EdgeCount)
    with pytest.raises(ConfigurationError, match=r"An encoding named 'edge_count'.*EdgeCount"):
        encodings.register("edge_count", PathEncoder)
    encodings.register("edge_count", PathEncoder, overwrite=True)
    assert encodings.get("edge_count") is PathEncoder


@pytest.mark.usefixtures("clean_registry")
def test_register_checks_its_arguments() -> None:
    with pytest.raises(ConfigurationError, match="'nope' must be a subclass of Encoder.*dict"):
        encodings.register("nope", dict)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="'nope' must be a subclass of Encoder"):
        encodings.register("nope", PathEncoder(SPEC))  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="'cls' parameter.*'module:Class' string"):
        encodings.register("nope", "PathEncoder")
    with pytest.raises(ConfigurationError, match="'name' parameter.*''"):
        encodings.register("", EdgeCount)
    with pytest.raises(ConfigurationError, match="An encoding named 'path'"):
        encodings.register("path", EdgeCount)  # a built-in's name is taken too
    assert "nope" not in encodings.available()


@pytest.mark.usefixtures("clean_registry")
def test_register_a_module_class_string(cell_graph: Callable[[str], nx.DiGraph]) -> None:
    """A "module:Class" string is imported on first use, as an entry point's value is."""
    spelled = f"{EdgeCount.__module__}:{EdgeCount.__qualname__}"
    assert encodings.register("edge_count_lazy", spelled) == spelled
    assert "edge_count_lazy" in encodings.available()
    assert encodings.get("edge_count_lazy") is EdgeCount
    # The same class spelled as a string or given as a class is the same registration.
    encodings.register("edge_count_lazy", EdgeCount)
    X = encodings.make("edge_count_lazy", SPEC).encode([cell_graph("034121")])
    np.testing.assert_array_equal(X, [[5.0]])
    encodings.register("broken", "bonas_test_no_such_module:Thing")
    with pytest.raises(ConfigurationError, match="'broken' could not be loaded"):
        encodings.get("broken")


def test_make() -> None:
    enc = encodings.make("path", SPEC, drop_zero=True)
    assert isinstance(enc, PathEncoder)
    assert enc.n_features == 84
    assert encodings.make(enc, SPEC) is enc
    with pytest.raises(
        ConfigurationError,
        match=r"Invalid options for the encoding PathEncoder: .*'drop_zeros'.*"
        r"Its options: \['drop_zero', 'include_empty'\]",
    ):
        encodings.make("path", SPEC, drop_zeros=True)
    with pytest.raises(ConfigurationError, match="only accepted with an encoding name"):
        encodings.make(enc, SPEC, drop_zero=False)
    other = GraphSpec(ops=("a",), max_nodes=3, max_path_length=1)
    with pytest.raises(ConfigurationError, match="another graph spec"):
        encodings.make(enc, other)
    by_class = encodings.make(PathEncoder, SPEC, include_empty=True)
    assert isinstance(by_class, PathEncoder)
    assert by_class.n_features == 156
    with pytest.raises(ConfigurationError, match="'dict' must be a subclass of Encoder"):
        encodings.make(dict, SPEC)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="'name_or_encoder'.*42"):
        encodings.make(42, SPEC)  # type: ignore[arg-type]


class DuckEncoder:
    """Not an Encoder subclass, but it has encode() and n_features."""

    n_features = 1

    def encode(self, graphs: list[nx.DiGraph]) -> np.ndarray:
        return np.ones((len(graphs), 1))


def test_make_passes_duck_typed_encoders_through() -> None:
    duck = DuckEncoder()
    assert encodings.make(duck, SPEC) is duck  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="only accepted with an encoding name"):
        encodings.make(duck, SPEC, scale=2)  # type: ignore[arg-type]


def _install_distribution(where: Path, name: str, entry_points: str) -> None:
    """Metadata of an installed distribution ``name`` in ``where`` (a folder on ``sys.path``)
    that declares ``entry_points`` (the text of its ``entry_points.txt``)."""
    info = where / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(entry_points)


@pytest.fixture
def plugin_dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A real installed distribution declaring 'bonas.encodings' entry points, on sys.path."""
    module = "bonas_test_plugin_encoders"
    (tmp_path / f"{module}.py").write_text(
        textwrap.dedent(
            """
            import numpy as np

            from bonas.encodings import Encoder


            class OpSlots(Encoder):
                @property
                def n_features(self):
                    return self.spec.max_nodes - 2

                def feature_names(self):
                    return [f"slot{k}" for k in range(1, self.spec.max_nodes - 1)]

                def _encode(self, cells):
                    return cells.ops.astype(np.float64)


            class OpSlotsToo(OpSlots):
                pass


            NOT_AN_ENCODER = 42
            """
        )
    )
    _install_distribution(
        tmp_path,
        "bonas-test-plugin",
        "[bonas.encodings]\n"
        f"op_slots = {module}:OpSlots\n"
        f"not_an_encoder = {module}:NOT_AN_ENCODER\n"
        "missing_module = bonas_test_no_such_module:Thing\n"
        # A built-in name: the built-in wins.
        f"path = {module}:OpSlots\n",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, module, raising=False)
    return tmp_path


@pytest.mark.usefixtures("clean_registry", "plugin_dist")
def test_entry_points_are_discovered(cell_graph: Callable[[str], nx.DiGraph]) -> None:
    assert {"op_slots", "not_an_encoder", "missing_module"} <= set(encodings.available())
    cls = encodings.get("op_slots")
    assert cls.__name__ == "OpSlots"
    assert issubclass(cls, Encoder)
    X = encodings.make("op_slots", SPEC).encode([cell_graph("333132")])
    np.testing.assert_array_equal(X, [[3, 3, 3, 1, 3, 2]])
    assert encodings.get("path") is PathEncoder
    with pytest.raises(ConfigurationError, match="must be a subclass of Encoder. Got 42"):
        encodings.get("not_an_encoder")
    with pytest.raises(ConfigurationError, match="'missing_module' could not be loaded.*entry"):
        encodings.get("missing_module")


@pytest.mark.usefixtures("clean_registry")
def test_two_plugins_declaring_one_name_warn(plugin_dist: Path) -> None:
    _install_distribution(
        plugin_dist,
        "bonas-test-plugin-two",
        "[bonas.encodings]\nop_slots = bonas_test_plugin_encoders:OpSlotsToo\n",
    )
    with pytest.warns(UserWarning, match="Several plug-ins declare the encoding 'op_slots'"):
        cls = encodings.get("op_slots")
    assert cls.__name__ in ("OpSlots", "OpSlotsToo")
    assert encodings.get("op_slots") is cls  # resolved once: no second warning


def test_entry_points_are_gone_without_the_distribution() -> None:
    assert "op_slots" not in encodings.available()
