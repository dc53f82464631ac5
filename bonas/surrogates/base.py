"""The surrogate contract: a regression model with uncertainty, shaped like scikit-learn's."""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import Any, Literal, overload

import numpy as np

from bonas._validation import check_int
from bonas.exceptions import ConfigurationError, NotFittedError

__all__ = ["PriorMean", "Surrogate", "check_X", "check_Xy", "kriging_believer"]


def check_X(X: Any, *, n_features: int | None = None, where: str = "X") -> np.ndarray:
    """Return ``X`` as a finite float64 array of shape `(n, d)`, or raise a clear error."""
    arr = np.asarray(X, dtype=np.float64)
    if arr.ndim != 2:
        raise ConfigurationError(
            f"The {where!r} parameter must be a 2-d array of shape (n_samples, n_features). "
            f"Got an array of shape {arr.shape} instead."
        )
    if n_features is not None and arr.shape[1] != n_features:
        raise ConfigurationError(
            f"The {where!r} parameter has {arr.shape[1]} features, but the surrogate was fitted "
            f"on {n_features}. Use the same encoding for fit and predict."
        )
    if not np.all(np.isfinite(arr)):
        raise ConfigurationError(f"The {where!r} parameter must be finite; it holds NaN or inf.")
    return arr


def check_Xy(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Validate a training set: ``X`` `(n, d)` finite, ``y`` `(n,)` finite, ``n >= 1``."""
    X = check_X(X)
    y = np.asarray(y, dtype=np.float64)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ConfigurationError(
            f"The 'y' parameter must have shape ({X.shape[0]},) to match 'X'. "
            f"Got shape {y.shape} instead."
        )
    if X.shape[0] == 0:
        raise ConfigurationError("The 'X' parameter holds no samples; fit needs at least one.")
    if not np.all(np.isfinite(y)):
        bad = np.flatnonzero(~np.isfinite(y))[:5].tolist()
        raise ConfigurationError(
            f"The 'y' parameter must be finite; entries {bad} are NaN or inf. "
            "Drop failed evaluations before fitting."
        )
    return X, y


class Surrogate(abc.ABC):
    """A model of the objective over encoded architectures, with uncertainty.

    Subclasses implement :meth:`fit` and :meth:`_predict`; :meth:`sample_y` defaults to
    independent Gaussian draws from the predictive marginals. Learned state ends in ``_``.
    Targets are maximized: higher ``y`` is better.
    """

    #: The number of features seen by :meth:`fit` (set by ``fit``).
    n_features_in_: int

    @abc.abstractmethod
    def fit(self, X: np.ndarray, y: np.ndarray) -> Surrogate:
        """Fit on ``X`` `(n, d)` and ``y`` `(n,)`; return ``self``."""

    def condition(self, X: np.ndarray, y: np.ndarray) -> Surrogate:
        """Take in ``X`` `(n, d)`, ``y`` `(n,)` as the whole data, keeping what was learned about
        the model (its hyperparameters) where the model can; return ``self``.

        Samplers call it when the data changed but a full fit is not wanted: for pending cells
        believed to score their mean (:func:`kriging_believer`), or when a proposal is made
        again on the trials of the last fit. The default refits (:meth:`fit`); a GP overrides
        it to refit its data with the hyperparameters it has.
        """
        return self.fit(X, y)

    @abc.abstractmethod
    def _predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the predictive mean and standard deviation of ``X`` `(m, d)`, each `(m,)`."""

    @overload
    def predict(self, X: np.ndarray, return_std: Literal[False] = ...) -> np.ndarray: ...

    @overload
    def predict(
        self, X: np.ndarray, return_std: Literal[True]
    ) -> tuple[np.ndarray, np.ndarray]: ...

    def predict(
        self, X: np.ndarray, return_std: bool = False
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Predict the objective of ``X`` `(m, d)`.

        Returns:
            The mean `(m,)`, and with ``return_std=True`` also the standard deviation `(m,)`
            of the latent objective (without observation noise).
        """
        self._check_fitted()
        X = check_X(X, n_features=self.n_features_in_)
        mean, std = self._predict(X)
        return (mean, std) if return_std else mean

    def sample_y(self, X: np.ndarray, n_samples: int, rng: np.random.Generator) -> np.ndarray:
        """Draw ``n_samples`` functions at ``X`` `(m, d)`; returns `(n_samples, m)`.

        The default draws each point independently from its predictive marginal (independent
        Thompson sampling, as BANANAS does); subclasses may draw jointly.
        """
        n_samples = check_int(n_samples, "n_samples", "sample_y", low=0)
        mean, std = self.predict(X, return_std=True)
        return mean + std * rng.standard_normal((int(n_samples), mean.shape[0]))

    def _check_fitted(self) -> None:
        if not hasattr(self, "n_features_in_"):
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet; call fit(X, y) first."
            )


def kriging_believer(
    surrogate: Surrogate, X: np.ndarray, y: np.ndarray, X_pending: np.ndarray
) -> Surrogate:
    """Fantasize pending evaluations: ``X_pending`` `(p, d)` are believed to score what the
    fitted ``surrogate`` predicts for them, and the surrogate is conditioned on the data with
    those beliefs added (Ginsbourger et al. 2010, "kriging believer"). The mean stays, the
    uncertainty shrinks around the pending cells, so the next proposal goes elsewhere.

    Returns:
        The conditioned surrogate (``surrogate`` itself; with no pending cell, unchanged).
    """
    X_pending = check_X(X_pending, n_features=surrogate.n_features_in_, where="X_pending")
    if X_pending.shape[0] == 0:
        return surrogate
    believed = surrogate.predict(X_pending)
    return surrogate.condition(np.vstack([X, X_pending]), np.concatenate([y, believed]))


class PriorMean(Surrogate):
    """A surrogate plus a known prior mean: ``base`` learns ``y - prior_mean(X)``.

    Args:
        base: The surrogate of the residuals (fitted by :meth:`fit`).
        prior_mean: ``X -> (m,)``, the prior mean of encoded cells (e.g. a
            :class:`~bonas.acquisition.prior.TabulatedPrior` holding what a source predicts).

    Predictions are ``prior_mean(X) + base``'s; the uncertainty is ``base``'s.

    Example:
        >>> class Zero(Surrogate):
        ...     def fit(self, X, y):
        ...         self.n_features_in_ = X.shape[1]
        ...         return self
        ...     def _predict(self, X):
        ...         return np.zeros(len(X)), np.ones(len(X))
        >>> model = PriorMean(Zero(), lambda X: 2 * X[:, 0]).fit(np.ones((2, 1)), np.ones(2))
        >>> model.predict(np.array([[3.0]]))
        array([6.])
    """

    def __init__(self, base: Surrogate, prior_mean: Callable[[np.ndarray], np.ndarray]) -> None:
        self.base = base
        self.prior_mean = prior_mean

    def fit(self, X: np.ndarray, y: np.ndarray) -> PriorMean:
        X, y = check_Xy(X, y)
        self.base = self.base.fit(X, y - self.prior_mean(X))
        self.n_features_in_ = self.base.n_features_in_
        return self

    def condition(self, X: np.ndarray, y: np.ndarray) -> PriorMean:
        X, y = check_Xy(X, y)
        self.base = self.base.condition(X, y - self.prior_mean(X))
        self.n_features_in_ = self.base.n_features_in_
        return self

    def _predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mean, std = self.base.predict(X, return_std=True)
        return mean + self.prior_mean(X), std
