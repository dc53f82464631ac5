"""Target transforms applied before a surrogate is fitted (maximization, higher is better)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bonas._validation import check_choice

__all__ = ["TARGET_TRANSFORMS", "normal_scores", "transform_targets"]


def _identity(y: np.ndarray) -> np.ndarray:
    return y.astype(np.float64, copy=True)


def normal_scores(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Φ⁻¹ of each value's rank among ``reference`` (ties share their mean rank), scaled to
    (0, 1) as rank / (len(reference) + 1): the Gaussian copula of ``reference``, applied to
    ``values`` (which need not be in it). ``normal_scores(y, y)`` is the copula of ``y``."""
    from scipy.special import ndtri

    ref = np.sort(np.asarray(reference, dtype=np.float64))
    values = np.asarray(values, dtype=np.float64)
    # Among the reference: (values below) + (values below or equal) + 1, halved = mean rank.
    twice_rank = np.searchsorted(ref, values, "left") + np.searchsorted(ref, values, "right") + 1
    return np.asarray(ndtri(twice_rank / (2 * len(ref) + 2)), dtype=np.float64)


def _copula(y: np.ndarray) -> np.ndarray:
    """Normal scores of the ranks (ties share their mean rank): a Gaussian copula.

    Architecture accuracies have a long tail of broken cells far below the best; a GP
    on raw values spends its length scales explaining that tail. Ranks mapped through the
    normal quantile function keep the order, bound the tail, and are invariant to any monotone
    change of the metric (as in HEBO, Cowen-Rivers et al. 2022).
    """
    return normal_scores(y, y)


TARGET_TRANSFORMS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "none": _identity,
    "copula": _copula,
}


def transform_targets(y: np.ndarray, name: str) -> np.ndarray:
    """Apply the target transform ``name`` (one of :data:`TARGET_TRANSFORMS`) to ``y`` `(n,)`."""
    check_choice(name, "target_transform", "transform_targets", sorted(TARGET_TRANSFORMS))
    return TARGET_TRANSFORMS[name](np.asarray(y, dtype=np.float64))
