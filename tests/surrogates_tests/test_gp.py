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


@pytest.mark.parametrize("kernel", ["tanimoto", "matern", "rbf"])
def test_predictions_equal_the_botorch_posterior_of_the_fitted_model(kernel: str) -> None:
    # GPSurrogate predicts from one cached Cholesky factor instead of model.posterior(); the
    # mean and the latent standard deviation must be BoTorch's, in the units of y.
    bench = NB201Benchmark("cifar10")
    space = bench.space
    rng = np.random.default_rng(0)
    train, cands = space.sample(30, rng), space.sample(300, rng)
    enc = encodings.make("path_adjacency", space.graph_spec)
    X = enc.encode([space.to_graph(a) for a in train])
    X_cand = enc.encode([space.to_graph(a) for a in cands])
    y = np.array([bench.mean_accuracy(a) for a in train])

    gp = GPSurrogate(kernel=kernel, chunk_size=64).fit(X, y)
    mean, std = gp.predict(X_cand, return_std=True)
    with torch.no_grad():
        posterior = gp.model_.posterior(torch.as_tensor(X_cand, dtype=torch.float64))
    np.testing.assert_allclose(mean, posterior.mean.squeeze(-1).numpy(), rtol=0, atol=1e-8)
    np.testing.assert_allclose(
        std, posterior.variance.squeeze(-1).sqrt().numpy(), rtol=0, atol=1e-8
    )
    assert np.ptp(mean) > 1.0  # not a flat model: the check compares something


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
