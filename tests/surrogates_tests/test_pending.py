"""``Surrogate.condition`` and the kriging believer, on their own."""

from __future__ import annotations

import numpy as np
import pytest

from bonas.surrogates import Surrogate, make
from bonas.surrogates.base import kriging_believer


class _Mean(Surrogate):
    """Predicts the mean of its targets; counts its fits."""

    def __init__(self) -> None:
        self.fits = 0

    def fit(self, X: np.ndarray, y: np.ndarray) -> _Mean:
        self.n_features_in_ = X.shape[1]
        self.mean_ = float(np.mean(y))
        self.n_ = len(y)
        self.fits += 1
        return self

    def _predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.full(len(X), self.mean_), np.full(len(X), 1.0 / self.n_)


def test_condition_refits_by_default() -> None:
    model = _Mean().fit(np.zeros((3, 2)), np.array([1.0, 2.0, 3.0]))
    assert model.condition(np.zeros((2, 2)), np.array([10.0, 20.0])) is model
    assert (model.fits, model.mean_) == (2, 15.0)


def test_the_gp_conditions_on_new_data_without_changing_its_hyperparameters() -> None:
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(15, 3))
    y = np.sin(3 * X).sum(axis=1)
    gp = make("gp").fit(X, y)
    before = {k: v.clone() for k, v in gp.model_.state_dict().items() if "raw" in k}
    gp.condition(X[:10], y[:10])
    after = {k: v for k, v in gp.model_.state_dict().items() if "raw" in k}
    assert before.keys() == after.keys()
    assert all(np.array_equal(before[k].numpy(), after[k].numpy()) for k in before)
    assert gp.model_.train_inputs[0].shape[0] == 10


def test_the_kriging_believer_keeps_the_mean_and_shrinks_the_uncertainty_at_pending_cells() -> (
    None
):
    rng = np.random.default_rng(1)
    X = rng.uniform(size=(12, 2))
    y = (X**2).sum(axis=1)
    gp = make("gp").fit(X, y)
    X_pend = rng.uniform(size=(3, 2)) + 0.5  # away from the data
    mean0, std0 = gp.predict(X_pend, return_std=True)
    believed = kriging_believer(gp, X, y, X_pend)
    mean1, std1 = believed.predict(X_pend, return_std=True)
    np.testing.assert_allclose(mean1, mean0, atol=1e-3 * max(1.0, float(np.abs(mean0).max())))
    assert np.all(std1 < 0.5 * std0)
    # With nothing pending the surrogate is returned as it is.
    assert kriging_believer(gp, X, y, np.zeros((0, 2))) is gp


def test_the_believer_refuses_pending_cells_of_another_width() -> None:
    model = _Mean().fit(np.zeros((3, 2)), np.array([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="X_pending"):
        kriging_believer(model, np.zeros((3, 2)), np.ones(3), np.zeros((1, 5)))
