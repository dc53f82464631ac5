"""``GPSurrogate``: its own prediction path agrees with BoTorch's posterior; its errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from bonas import encodings
from bonas.exceptions import BonasError, ConfigurationError, SurrogateFitError
from bonas.nb201.table import NB201Benchmark
from bonas.surrogates import GPSurrogate
from bonas.surrogates.gp import _cholesky_with_jitter


def _nb201_task() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """30 NB201 cells to fit on (path-adjacency encoded), their accuracies, 300 candidates."""
    bench = NB201Benchmark("cifar10")
    space = bench.space
    rng = np.random.default_rng(0)
    train, cands = space.sample(30, rng), space.sample(300, rng)
    enc = encodings.make("path_adjacency", space.graph_spec)
    X = enc.encode([space.to_graph(a) for a in train])
    X_cand = enc.encode([space.to_graph(a) for a in cands])
    y = np.array([bench.mean_accuracy(a) for a in train])
    return X, y, X_cand


@pytest.mark.parametrize("kernel", ["tanimoto", "matern", "rbf"])
def test_predictions_equal_the_botorch_posterior_of_the_fitted_model(kernel: str) -> None:
    # GPSurrogate predicts from one cached Cholesky factor instead of model.posterior(); the
    # mean and the latent standard deviation must be BoTorch's, in the units of y. Under
    # no_grad the Matérn kernel computes exact distances for both (see the next test).
    X, y, X_cand = _nb201_task()
    gp = GPSurrogate(kernel=kernel, chunk_size=64).fit(X, y)
    mean, std = gp.predict(X_cand, return_std=True)
    with torch.no_grad():
        posterior = gp.model_.posterior(torch.as_tensor(X_cand, dtype=torch.float64))
    np.testing.assert_allclose(mean, posterior.mean.squeeze(-1).numpy(), rtol=0, atol=1e-8)
    np.testing.assert_allclose(
        std, posterior.variance.squeeze(-1).sqrt().numpy(), rtol=0, atol=1e-8
    )
    assert np.ptp(mean) > 1.0  # not a flat model: the check compares something


def test_matern_predictions_are_the_exact_posterior_whatever_the_chunk() -> None:
    # The ARD fit gives some binary features lengthscales ~1e-6 here. GPyTorch's distances
    # (|a|² + |b|² - 2<a, b> after centring by the mean of x1) lost ~1e-4 of the squared
    # distances to cancellation, so predictions were off by ~2e-3 and changed with the
    # chunk (BoTorch's posterior was off as well). The exact posterior, by hand in float64
    # from the fitted hyperparameters, with the Matérn-5/2 formula written out:
    X, y, X_cand = _nb201_task()
    gp = GPSurrogate(kernel="matern", chunk_size=64).fit(X, y)
    model = gp.model_
    ls = model.covar_module.base_kernel.lengthscale.detach().numpy().reshape(-1)
    scale = float(model.covar_module.outputscale.detach())
    noise = float(model.likelihood.noise.detach().reshape(()))
    const = float(model.mean_module.constant.detach().reshape(()))

    def matern52(A: np.ndarray, B: np.ndarray) -> np.ndarray:
        r = np.sqrt((((A[:, None, :] - B[None, :, :]) / ls) ** 2).sum(-1))
        return scale * (1 + np.sqrt(5) * r + 5 / 3 * r**2) * np.exp(-np.sqrt(5) * r)

    y_mean, y_std = y.mean(), y.std(ddof=1)  # Standardize(m=1)
    K = matern52(X, X) + noise * np.eye(len(X))
    K_star = matern52(X_cand, X)
    exact_mean = (K_star @ np.linalg.solve(K, (y - y_mean) / y_std - const) + const) * y_std
    exact_var = scale - np.einsum("ij,ji->i", K_star, np.linalg.solve(K, K_star.T))
    exact_mean, exact_std = exact_mean + y_mean, np.sqrt(exact_var) * y_std

    for chunk_size in (64, len(X_cand)):
        gp.chunk_size, gp._cache_ = chunk_size, None
        mean, std = gp.predict(X_cand, return_std=True)
        np.testing.assert_allclose(mean, exact_mean, rtol=0, atol=1e-8)
        np.testing.assert_allclose(std, exact_std, rtol=0, atol=1e-8)
    assert np.ptp(exact_mean) > 1.0


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"refit_every": True}, "'refit_every' parameter of GPSurrogate must be an int >= 1"),
        ({"refit_every": 0}, "'refit_every'.*Got 0 instead"),
        ({"refit_every": 2.0}, "'refit_every'.*Got 2.0 instead"),
        ({"kernel": "linear"}, r"'kernel' parameter of GPSurrogate must be one of \['matern'"),
    ],
)
def test_invalid_options_are_refused_at_fit(options: dict[str, object], match: str) -> None:
    X, y = np.eye(3), np.arange(3.0)
    with pytest.raises(ConfigurationError, match=match):
        GPSurrogate(**options).fit(X, y)  # type: ignore[arg-type]


def _hyperparameters(gp: GPSurrogate) -> dict[str, np.ndarray]:
    return {k: v.numpy().copy() for k, v in gp.model_.state_dict().items() if "raw" in k}


def test_refit_every_re_optimizes_on_every_kth_fit_only() -> None:
    """``refit_every=2`` (a numpy int is accepted): the 2nd fit keeps the hyperparameters of
    the 1st on the new data, the 3rd optimizes them again."""
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(24, 3))
    y = np.sin(4 * X).sum(axis=1)
    gp = GPSurrogate(kernel="rbf", refit_every=np.int64(2))  # type: ignore[arg-type]
    first = _hyperparameters(gp.fit(X[:8], y[:8]))
    second = _hyperparameters(gp.fit(X[:16], y[:16]))
    third = _hyperparameters(gp.fit(X, y))
    assert gp.n_fits_ == 3
    assert gp.model_.train_inputs[0].shape[0] == 24
    assert all(np.array_equal(first[k], second[k]) for k in first)
    assert any(not np.allclose(second[k], third[k]) for k in second)


def test_a_covariance_that_stays_indefinite_is_a_fit_error() -> None:
    K = -torch.eye(3, dtype=torch.float64)  # no jitter up to 1e-3 makes it positive definite
    with pytest.raises(SurrogateFitError, match="not positive definite even with jitter") as info:
        _cholesky_with_jitter(K)
    assert isinstance(info.value, BonasError)
    assert isinstance(info.value, RuntimeError)
