"""``GPSurrogate``: its own prediction path agrees with BoTorch's posterior."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from bonas import NB201Benchmark, encodings
from bonas.surrogates import GPSurrogate


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
