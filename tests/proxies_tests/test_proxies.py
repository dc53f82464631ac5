"""The proxy layer: the contract's checks, the registry, plug-ins, and synflow by name."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bonas import CellSpace, NB201Space, proxies
from bonas.exceptions import ConfigurationError
from bonas.proxies import FunctionProxy, Proxy, as_proxy

SPACE = NB201Space()


class _Convs(Proxy):
    """How many 3x3 convolutions a cell has."""

    def score(self, cells: Any) -> Any:
        return [sum(op == "nor_conv_3x3" for op in SPACE.validate(c)) for c in cells]


def test_a_proxy_returns_one_float64_per_cell() -> None:
    cells = [SPACE.from_key(k) for k in ("333333", "000000", "330000")]
    scores = _Convs()(cells)
    assert scores.dtype == np.float64
    np.testing.assert_array_equal(scores, [6.0, 0.0, 2.0])


@pytest.mark.parametrize(
    ("function", "match"),
    [
        (lambda cells: [1.0] * (len(cells) - 1), "shape"),
        (lambda cells: [math.nan] * len(cells), "NaN"),
        (lambda cells: ["high"] * len(cells), "one number per cell"),
    ],
    ids=["too-few", "nan", "strings"],
)
def test_bad_scores_are_a_clear_error_naming_the_proxy(function: Any, match: str) -> None:
    with pytest.raises(ConfigurationError, match=f"proxy <lambda> .*{match}"):
        as_proxy(function)([SPACE.from_key("000000"), SPACE.from_key("111111")])


def test_functions_are_proxies_and_anything_else_is_refused() -> None:
    wrapped = as_proxy(len)
    assert isinstance(wrapped, FunctionProxy)
    assert wrapped.label == "len"
    proxy = _Convs()
    assert as_proxy(proxy) is proxy
    with pytest.raises(ConfigurationError, match="Proxy or a callable"):
        as_proxy(3)  # type: ignore[arg-type]


def test_synflow_is_registered_by_name_and_scores_nb201_cells_only() -> None:
    assert "synflow" in proxies.available()
    synflow = proxies.make("synflow")
    assert synflow.supports(SPACE)
    assert not synflow.supports(CellSpace.nb101())
    from bonas.nb201.proxies import synflow as direct
    from bonas.nb201.proxies import synflow_table

    cells = [SPACE.from_key(k) for k in ("333132", "000000", "123412")]
    table = synflow_table()
    np.testing.assert_array_equal(synflow(cells), [table[SPACE.canonical(c)] for c in cells])
    np.testing.assert_allclose(synflow(cells), direct(cells), rtol=1e-5)
    assert SPACE.default_proxy == "synflow"
    assert CellSpace.nb101().default_proxy is None


def test_a_registered_proxy_is_made_by_name_and_unknown_names_are_clear_errors() -> None:
    proxies.register("convs_for_test", _Convs)
    try:
        assert isinstance(proxies.make("convs_for_test"), _Convs)
        with pytest.raises(ConfigurationError, match="Unknown proxy 'convs_for_tset'"):
            proxies.get("convs_for_tset")
        with pytest.raises(ConfigurationError, match="subclass of Proxy"):
            proxies.register("not_a_proxy", dict)
    finally:
        proxies._REGISTRY._registered.pop("convs_for_test", None)


def test_a_plugin_declares_a_proxy_in_the_entry_point_group(tmp_path: Path) -> None:
    """A package on the path with a ``bonas.proxies`` entry point adds a proxy by name, and
    BONASSampler's warm start takes it by that name."""
    (tmp_path / "plugin_proxy.py").write_text(
        textwrap.dedent(
            """
            from bonas.proxies import Proxy

            class Ones(Proxy):
                def score(self, cells):
                    return [1.0] * len(cells)
            """
        )
    )
    dist = tmp_path / "plugin_proxy-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: plugin-proxy\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[bonas.proxies]\nones = plugin_proxy:Ones\n")
    code = (
        "from bonas import BONASSampler, NB201Space, WarmStart, proxies\n"
        "print(type(proxies.make('ones')).__name__)\n"
        "s = BONASSampler(NB201Space(), warm_start=WarmStart('ones'))\n"
        "print(s.warm_start.proxy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(tmp_path), "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == ["Ones", "ones"]
