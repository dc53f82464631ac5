"""πBO: a user's or a proxy's belief about where good cells lie, as a prior on the acquisition.

Hvarfner et al., "πBO: Augmenting Acquisition Functions with User Beliefs for Bayesian
Optimization" (ICLR 2022) multiply the acquisition by the prior raised to ``β / n``, so the
prior steers the first model-based steps and fades as data comes in. On a log-scale
acquisition (log-EI) that is an added term: ``log α(x) + β / n · log π(x)``. BoTorch's
``PriorGuidedAcquisitionFunction`` is the model of :class:`PriorGuided`.

bonas' prior is a zero-cost proxy read as normal scores of its ranks (so its scale does not
matter), and :func:`gated_weight` switches it off while the proxy disagrees with the values
seen (a proxy that points the wrong way costs nothing).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from bonas._validation import check_int, check_number, check_paired
from bonas.acquisition.functions import Acquisition
from bonas.exceptions import ConfigurationError

__all__ = ["PriorGuided", "TabulatedPrior", "gated_weight"]

#: Fewer values than this give no rank correlation worth trusting: no prior.
MIN_VALUES = 3


def gated_weight(
    weight: float, prior_seen: np.ndarray, values_seen: np.ndarray, n_model: int
) -> float:
    """The prior's exponent at this step: ``weight × max(0, ρ) / n_model``.

    ``ρ`` is the Spearman correlation between the prior at the cells seen so far and their
    values; the weight is 0 when ``ρ`` is not positive (or undefined: constant values or
    prior), or when fewer than 3 values are known. ``n_model`` counts the model-based steps
    so far, this one included (the 1/n fade of πBO).

    Example:
        >>> gated_weight(5.0, np.array([1.0, 2.0, 3.0]), np.array([10.0, 30.0, 20.0]), 2)
        1.25
        >>> gated_weight(5.0, np.array([1.0, 2.0, 3.0]), np.array([30.0, 20.0, 10.0]), 2)
        0.0
    """
    from scipy.stats import spearmanr

    weight = check_number(weight, "weight", "gated_weight", low=0)
    n_model = check_int(n_model, "n_model", "gated_weight", low=1)
    prior_seen, values_seen = check_paired(
        prior_seen, values_seen, ("prior_seen", "values_seen"), "gated_weight"
    )
    if weight == 0 or len(values_seen) < MIN_VALUES:
        return 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # constant input: NaN, handled below
        rho = float(spearmanr(prior_seen, values_seen)[0])
    if not rho > 0:  # NaN (constant values or prior) counts as no agreement
        return 0.0
    return weight * rho / n_model


class TabulatedPrior:
    """A log prior known at a fixed set of encoded cells, looked up by row.

    Args:
        X: ``(n, d)`` the encoded cells.
        log_prior: ``(n,)`` their log prior (e.g. normal scores of a proxy's ranks).

    Calling it on rows of ``X`` (in any order, any subset) returns their log prior; a row
    that is not in ``X`` is an error. Cells the encoding does not tell apart (rows that repeat
    in ``X``) share one prior, the mean of theirs.

    Example:
        >>> prior = TabulatedPrior(np.eye(3), np.array([0.5, -1.0, 2.0]))
        >>> prior(np.eye(3)[[2, 0]])
        array([2. , 0.5])
    """

    def __init__(self, X: np.ndarray, log_prior: np.ndarray) -> None:
        X = np.ascontiguousarray(X, dtype=np.float64)
        log_prior = np.asarray(log_prior, dtype=np.float64)
        if X.ndim != 2 or log_prior.shape != (X.shape[0],):
            raise ConfigurationError(
                "The 'X' and 'log_prior' parameters of TabulatedPrior must be (n, d) and (n,). "
                f"Got shapes {X.shape} and {log_prior.shape} instead."
            )
        self.n_features = X.shape[1]
        rows: dict[bytes, list[float]] = {}
        for row, value in zip(X, log_prior.tolist(), strict=True):
            rows.setdefault(row.tobytes(), []).append(value)
        self._table = {
            key: values[0] if len(values) == 1 else float(np.mean(values))
            for key, values in rows.items()
        }

    def __call__(self, X: np.ndarray) -> np.ndarray:
        X = np.ascontiguousarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ConfigurationError(
                f"TabulatedPrior holds cells of {self.n_features} features. "
                f"Got an array of shape {X.shape} instead."
            )
        try:
            return np.array([self._table[row.tobytes()] for row in X], dtype=np.float64)
        except KeyError:
            raise ConfigurationError(
                "TabulatedPrior was asked for a cell it holds no prior for."
            ) from None


class PriorGuided(Acquisition):
    """A log-scale acquisition plus ``weight`` times a log prior (πBO).

    Args:
        acquisition: The acquisition to steer; its values must be on a log scale (log-EI).
        log_prior: ``X -> (m,)`` the log prior of candidates ``X`` (a :class:`TabulatedPrior`,
            or any function of the encoded cells).
        weight: The prior's exponent, ``β / n`` in πBO (see :func:`gated_weight`); 0 leaves
            the acquisition as it is.

    Example:
        >>> class Flat(Acquisition):
        ...     def __call__(self, X):
        ...         return np.zeros(len(X))
        >>> steered = PriorGuided(Flat(None), lambda X: X[:, 0], weight=2.0)
        >>> steered(np.array([[1.0], [3.0]]))
        array([2., 6.])
    """

    def __init__(
        self,
        acquisition: Acquisition,
        log_prior: Callable[[np.ndarray], np.ndarray],
        *,
        weight: float,
    ) -> None:
        super().__init__(acquisition.surrogate)
        self.acquisition = acquisition
        self.log_prior = log_prior
        self.weight = check_number(weight, "weight", "PriorGuided", low=0)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        values = self.acquisition(X)
        if self.weight == 0:
            return values
        return values + self.weight * self.log_prior(X)
