"""Add a surrogate: Bayesian linear regression on the encoded cells.

A surrogate is a subclass of ``bonas.surrogates.Surrogate``, shaped like a scikit-learn
regressor: ``__init__`` stores options, ``fit(X, y)`` learns (state ending in ``_``) and
returns ``self``, ``_predict(X)`` gives the predictive mean and standard deviation. The base
class validates the data, and ``sample_y`` (for Thompson sampling) defaults to draws from
the predictive marginals. The conformance suite that bonas' own models pass,
``bonas.testing.surrogates.check_surrogate``, checks a new one.
"""

from __future__ import annotations

import numpy as np
import optuna

from bonas import BONASSampler, NB201Benchmark, NB201Space, surrogates
from bonas.surrogates.base import check_Xy
from bonas.testing.surrogates import check_surrogate


class BayesianLinearSurrogate(surrogates.Surrogate):
    """``y = X w + noise`` with the prior ``w ~ N(0, alpha I)``, on standardized targets.

    Args:
        alpha: Prior variance of each weight.
        noise: Noise variance, in units of the targets' variance.
    """

    def __init__(self, *, alpha: float = 1.0, noise: float = 0.1) -> None:
        self.alpha = alpha
        self.noise = noise

    def fit(self, X: np.ndarray, y: np.ndarray) -> BayesianLinearSurrogate:
        X, y = check_Xy(X, y)
        self.y_mean_, self.y_scale_ = y.mean(), y.std() or 1.0
        z = (y - self.y_mean_) / self.y_scale_
        precision = X.T @ X / self.noise + np.eye(X.shape[1]) / self.alpha
        self.cov_ = np.linalg.inv(precision)  # the posterior of w: N(cov X^T z / noise, cov)
        self.w_ = self.cov_ @ X.T @ z / self.noise
        self.n_features_in_ = X.shape[1]
        return self

    def _predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mean = X @ self.w_
        var = np.einsum("ij,jk,ik->i", X, self.cov_, X)
        return self.y_mean_ + self.y_scale_ * mean, self.y_scale_ * np.sqrt(var)


surrogates.register("bayesian_linear", BayesianLinearSurrogate)


def main(n_trials: int = 12) -> optuna.Study:
    check_surrogate(BayesianLinearSurrogate)  # raises AssertionError on a broken contract
    space = NB201Space()
    sampler = BONASSampler(
        space,
        surrogate="bayesian_linear",
        surrogate_kwargs={"alpha": 0.5},
        encoding="adjacency",
        warm_start=None,  # show the model alone, without the synflow warm start
        seed=0,
    )
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.optimize(NB201Benchmark("cifar10").objective, n_trials=n_trials)
    return study


if __name__ == "__main__":
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = main()
    print(f"best of {len(study.trials)} trials: {study.best_value:.2f} %")
