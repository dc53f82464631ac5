"""EnsembleSurrogate specifics: seeding, member spread, sampling modes, validation."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from bonas.exceptions import ConfigurationError
from bonas.surrogates import EnsembleSurrogate
from bonas.testing.surrogates import make_task

X, Y, _ = make_task(40, 12, seed=3)
XQ, _, _ = make_task(9, 12, seed=4)


def _fast(**kwargs: Any) -> EnsembleSurrogate:
    return EnsembleSurrogate(epochs=80, **kwargs)


def test_same_seed_same_predictions() -> None:
    a = _fast(seed=7).fit(X, Y).predict_members(XQ)
    b = _fast(seed=7).fit(X, Y).predict_members(XQ)
    np.testing.assert_array_equal(a, b)


def test_refit_with_seed_is_reproducible() -> None:
    model = EnsembleSurrogate(epochs=30, seed=7, bootstrap=True, batch_size=16)
    first = model.fit(X, Y).predict_members(XQ)
    np.testing.assert_array_equal(model.fit(X, Y).predict_members(XQ), first)


def test_different_seeds_differ() -> None:
    a = _fast(seed=1).fit(X, Y).predict_members(XQ)
    b = _fast(seed=2).fit(X, Y).predict_members(XQ)
    assert not np.allclose(a, b)


def test_unseeded_fits_differ() -> None:
    a = _fast().fit(X, Y).predict(XQ)
    b = _fast().fit(X, Y).predict(XQ)
    assert not np.array_equal(a, b)


def test_members_differ_and_std_is_their_spread() -> None:
    model = _fast(n_members=4, seed=0).fit(X, Y)
    members = model.predict_members(XQ)
    assert members.shape == (4, 9)
    mean, std = model.predict(XQ, return_std=True)
    np.testing.assert_allclose(mean, members.mean(axis=0))
    np.testing.assert_allclose(std, np.maximum(members.std(axis=0), 1e-6 * Y.std()))
    assert np.all(std > 1e-6 * Y.std())


def test_std_shrinks_near_training_points() -> None:
    # Training cells use only the first 10 of 20 features; far cells switch the rest on.
    rng = np.random.default_rng(0)
    X_train = np.zeros((60, 20))
    X_train[:, :10] = rng.integers(0, 2, size=(60, 10))
    y_train = X_train[:, :3].sum(axis=1)
    X_new = np.zeros((60, 20))
    X_new[:, :10] = rng.integers(0, 2, size=(60, 10))
    X_far = rng.integers(0, 2, size=(60, 20)).astype(float)
    X_far[:, 10:] = 1.0
    model = EnsembleSurrogate(seed=0).fit(X_train, y_train)
    std_train, std_new, std_far = (
        np.median(model.predict(Xs, return_std=True)[1]) for Xs in (X_train, X_new, X_far)
    )
    assert std_new > 10 * std_train
    assert std_far > 1.5 * std_new


def test_independent_sampling_is_gaussian_per_candidate() -> None:
    model = _fast(seed=0).fit(X, Y)
    draws = model.sample_y(XQ, 3, np.random.default_rng(0))
    mean, std = model.predict(XQ, return_std=True)
    expected = mean + std * np.random.default_rng(0).standard_normal((3, 9))
    np.testing.assert_allclose(draws, expected)


def test_member_sampling_returns_whole_members() -> None:
    model = _fast(n_members=3, sampling="members", seed=0).fit(X, Y)
    members = model.predict_members(XQ)
    draws = model.sample_y(XQ, 12, np.random.default_rng(0))
    assert draws.shape == (12, 9)
    for row in draws:
        assert any(np.array_equal(row, member) for member in members)
    assert len({row.tobytes() for row in draws}) > 1


def test_learns_a_linear_target_with_mae_and_minibatches() -> None:
    X_big, y_big, f_big = make_task(120, 10, seed=5, n_relevant=10)
    model = EnsembleSurrogate(
        hidden=(16,), epochs=60, batch_size=32, loss="mae", bootstrap=True, seed=0
    ).fit(X_big[:80], y_big[:80])
    assert np.corrcoef(model.predict(X_big[80:]), f_big[80:])[0, 1] > 0.9


def _interaction(model: EnsembleSurrogate) -> np.ndarray:
    """Per member, f(x + e0 + e1) - f(x + e0) - f(x + e1) + f(x): zero for an affine f."""
    x = np.zeros((4, X.shape[1]))
    x[[1, 3], 0] = 1.0
    x[[2, 3], 1] = 1.0
    f = model.predict_members(x)
    return f[:, 3] - f[:, 1] - f[:, 2] + f[:, 0]


def test_members_without_hidden_layers_are_linear() -> None:
    """``hidden=()``: each member is an affine map of the features (no interactions); the
    default MLP members are not."""
    linear = _fast(hidden=(), seed=0).fit(X, Y)
    assert linear.predict_members(XQ).shape == (5, 9)
    np.testing.assert_allclose(_interaction(linear), 0.0, atol=1e-4 * Y.std())
    mlp = _fast(seed=0).fit(X, Y)
    assert np.abs(_interaction(mlp)).max() > 1e-2 * Y.std()


@pytest.mark.parametrize("shared", [True, False], ids=["shared-inputs", "bootstrap-inputs"])
@pytest.mark.parametrize("squared", [True, False], ids=["mse", "mae"])
def test_written_out_gradient_equals_autograd(shared: bool, squared: bool) -> None:
    import torch

    from bonas.surrogates.ensemble import (
        _forward,
        _init_theta,
        _loss_grad,
        _param_shapes,
        _unflatten,
    )

    gen = torch.Generator().manual_seed(0)
    shapes = _param_shapes([7, 5, 4, 1], 3)
    theta = _init_theta(shapes, gen, torch.float64)
    Xt = torch.randn((11, 7) if shared else (3, 11, 7), generator=gen, dtype=torch.float64)
    Yt = torch.randn(3, 11, generator=gen, dtype=torch.float64)
    leaf = theta.clone().requires_grad_(True)
    diff = _forward(_unflatten(leaf, shapes), Xt) - Yt
    loss = (diff.square() if squared else diff.abs()).mean(dim=1).sum()
    (expected,) = torch.autograd.grad(loss, leaf)
    got = _loss_grad(_unflatten(theta, shapes), Xt, Yt, squared=squared)
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)


def test_large_candidate_sets_are_chunked() -> None:
    model = _fast(seed=0, chunk_size=4).fit(X, Y)
    whole = _fast(seed=0).fit(X, Y).predict(XQ, return_std=True)
    np.testing.assert_allclose(model.predict(XQ, return_std=True), whole, rtol=1e-6)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("n_members", 0),
        ("n_members", 2.5),
        ("hidden", (32, 0)),
        ("hidden", "64"),
        ("hidden", 64),
        ("epochs", 0),
        ("lr", 0.0),
        ("lr", float("nan")),
        ("weight_decay", -1e-3),
        ("batch_size", 0),
        ("bootstrap", "yes"),
        ("loss", "huber"),
        ("sampling", "joint"),
        ("seed", 1.5),
        ("seed", True),
        ("seed", -1),
        ("chunk_size", 0),
    ],
)
def test_invalid_parameters_are_named(name: str, value: Any) -> None:
    with pytest.raises(ConfigurationError, match=f"'{name}' parameter of EnsembleSurrogate"):
        EnsembleSurrogate(**{name: value}).fit(X, Y)


def test_repr_shows_the_configuration() -> None:
    assert repr(EnsembleSurrogate(n_members=3, seed=4)) == (
        "EnsembleSurrogate(n_members=3, hidden=(32, 32, 32), epochs=200, lr=0.01, seed=4)"
    )
