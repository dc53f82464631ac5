"""Tests of bonas.nb201.proxies: synflow on NB201 cells and its cached table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from bonas import NB201Benchmark, NB201Space
from bonas.exceptions import ConfigurationError, InvalidArchitectureError
from bonas.nb201 import proxies
from bonas.nb201.proxies import _SharedNetwork, synflow, synflow_table
from bonas.spaces.nb201 import NB201_OPS

SPACE = NB201Space()
# The small network the table tests score with: the same code, a fraction of the time.
SMALL = {"C": 2, "resolution": 4}


def _synflow_by_definition(key: str, C: int, resolution: int) -> float:
    """sum |θ · ∂R/∂θ| over the conv and linear weights, by reverse mode on one cell."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        net = _SharedNetwork(C, 1).float().eval()
    with torch.no_grad():
        for p in net.parameters():
            p.abs_()
    masks = torch.nn.functional.one_hot(
        torch.tensor([[NB201_OPS.index(op) for op in SPACE.from_key(key)]]), len(NB201_OPS)
    ).float()
    out = net(torch.ones(1, 3, resolution, resolution), masks).sum()
    params = [m.weight for m in net.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    grads = torch.autograd.grad(out, params, allow_unused=True)
    return sum(
        float((p * g).abs().sum()) for p, g in zip(params, grads, strict=True) if g is not None
    )


def test_forward_mode_score_is_the_definition() -> None:
    keys = ["333132", "111111", "404040", "123401", "000000"]
    fast = synflow(keys, C=4, resolution=8)
    slow = [_synflow_by_definition(k, 4, 8) for k in keys]
    np.testing.assert_allclose(fast, slow, rtol=1e-5)


def test_dead_cells_score_zero_and_convolutions_score_high() -> None:
    # 1←0 is none and so are 2←0 and 3←0: no path from input to output.
    dead, convs, skips, pools = synflow(["000000", "333333", "111111", "444444"])
    assert dead == 0.0
    assert convs > skips > 0
    assert convs > pools > 0


def test_scores_do_not_depend_on_the_batch_or_the_input_form() -> None:
    keys = [SPACE.to_key(a) for a in SPACE.enumerate()][::997]
    whole = synflow(keys, **SMALL)
    np.testing.assert_allclose(synflow(keys, batch_size=3, **SMALL), whole, rtol=1e-6)
    as_tuples = synflow([SPACE.from_key(k) for k in keys], **SMALL)
    as_strings = synflow([SPACE.to_string(SPACE.from_key(k)) for k in keys], **SMALL)
    np.testing.assert_array_equal(as_tuples, whole)
    np.testing.assert_array_equal(as_strings, whole)
    assert not np.array_equal(synflow(keys, seed=1, **SMALL), whole)


def test_synflow_tracks_accuracy_on_the_table() -> None:
    """On cifar10 the score ranks cells as their accuracy does, far from chance."""
    from scipy.stats import spearmanr

    bench = NB201Benchmark("cifar10")
    keys = [SPACE.to_key(a) for a in SPACE.enumerate()][::25]
    rho = spearmanr(synflow(keys), [bench.mean_accuracy(k) for k in keys]).statistic
    assert rho > 0.6


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"C": 0}, "'C'"),
        ({"resolution": 2.5}, "'resolution'"),
        ({"batch_size": -1}, "'batch_size'"),
    ],
)
def test_bad_options_are_a_clear_error(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        synflow(["333132"], **kwargs)  # type: ignore[arg-type]


def test_a_cell_outside_nb201_is_a_clear_error() -> None:
    with pytest.raises(InvalidArchitectureError):
        synflow(["33313"])


def test_table_is_computed_once_then_read_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(proxies.CACHE_ENV, str(tmp_path))
    synflow_table.cache_clear()
    table = synflow_table(**SMALL)
    assert len(table) == 6466
    [cached] = tmp_path.glob("nb201-synflow-*.npy")
    assert list(tmp_path.iterdir()) == [cached]  # no temporary file left behind
    key = SPACE.canonical(SPACE.from_key("333132"))
    assert table[key] == pytest.approx(synflow(["333132"], **SMALL)[0], rel=1e-6)

    # A second process reads the file: no scoring at all.
    synflow_table.cache_clear()
    monkeypatch.setattr(proxies, "synflow", _must_not_run)
    assert synflow_table(**SMALL) == table
    synflow_table.cache_clear()


def test_a_cache_that_does_not_fit_is_recomputed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(proxies.CACHE_ENV, str(tmp_path))
    synflow_table.cache_clear()
    first = synflow_table(**SMALL)
    [cached] = tmp_path.glob("nb201-synflow-*.npy")
    np.save(cached, np.zeros(3))
    synflow_table.cache_clear()
    with caplog.at_level("WARNING", logger="bonas.nb201.proxies"):
        assert synflow_table(**SMALL) == first
    assert "does not fit" in caplog.text
    assert np.load(cached).shape == (6466,)
    synflow_table.cache_clear()


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"", "EOFError"),  # e.g. a disk that filled up
        (b"not an array\n" * 8, "ValueError"),
        (b"\x93NUMPY\x01\x00v\x00{'descr'", "ValueError"),  # a header cut short
    ],
    ids=["empty", "not-npy", "cut-short"],
)
def test_an_unreadable_cache_file_is_a_warning_and_is_recomputed(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    content: bytes,
    error: str,
) -> None:
    monkeypatch.setenv(proxies.CACHE_ENV, str(tmp_path))
    synflow_table.cache_clear()
    cached = proxies._cache_path(SMALL)
    assert cached.parent == tmp_path
    cached.write_bytes(content)
    with caplog.at_level("WARNING", logger="bonas.nb201.proxies"):
        table = synflow_table(**SMALL)
    synflow_table.cache_clear()
    assert len(table) == 6466
    [record] = [r for r in caplog.records if r.levelname == "WARNING"]
    message = record.getMessage()
    assert str(cached) in message
    assert error in message
    assert "recomputed" in message
    assert np.load(cached).shape == (6466,)  # replaced by the scores


def test_no_cache_file_yet_is_no_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(proxies.CACHE_ENV, str(tmp_path))
    with caplog.at_level("WARNING", logger="bonas.nb201.proxies"):
        assert proxies._read_cache(proxies._cache_path(SMALL), 6466) is None
    assert not caplog.records


def _must_not_run(*args: object, **kwargs: object) -> np.ndarray:
    raise AssertionError("synflow was recomputed instead of read from the cache")
