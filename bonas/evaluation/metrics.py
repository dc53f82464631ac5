"""The metrics of a surrogate's predictions on held-out cells: ranking, error, calibration.

Every function takes the true values first and the predictions second, as 1-d float64 arrays
of one length (the held-out cells), and returns a float. Higher true values are better.

* Ranking: :func:`kendall_tau` (Kendall's τ-b), :func:`spearman` (Spearman's ρ),
  :func:`precision_top` (the share of the predicted top fraction that is in the true top set).
  A constant predictor orders nothing: its τ and ρ are 0 (scipy says NaN) and its top-set
  precision is the base rate, the share of a random pick.
* Error: :func:`mae`.
* Calibration, from a Gaussian predictive distribution ``N(mean, std²)`` per cell:
  :func:`gaussian_nll` and :func:`coverage` of the central interval of a nominal level.
"""

from __future__ import annotations

import math

import numpy as np

from bonas._validation import check_number, invalid

__all__ = [
    "METRICS",
    "NOMINAL_LEVELS",
    "RANK_METRICS",
    "coverage",
    "gaussian_nll",
    "kendall_tau",
    "mae",
    "precision_top",
    "spearman",
]

#: The rank metrics, the only ones a proxy (which predicts no accuracy) is scored on.
RANK_METRICS: tuple[str, ...] = ("kendall_tau", "spearman", "precision_top1", "precision_top5")
#: Every metric of a run of :func:`bonas.evaluation.evaluate_surrogates`, in the order of the
#: tables.
METRICS: tuple[str, ...] = (
    *RANK_METRICS,
    "mae",
    "nll",
    "coverage_50",
    "coverage_90",
    "fit_seconds",
    "predict_seconds_per_1000",
)
#: The nominal levels at which :func:`bonas.evaluation.evaluate_surrogates` records the coverage
#: of the central predictive interval (the reliability diagram's x axis).
NOMINAL_LEVELS: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)

#: The smallest standard deviation the calibration metrics divide by (a zero spread would make
#: the likelihood infinite and every interval a point).
_MIN_STD = 1e-12


def _pair(y_true: object, y_pred: object, owner: str) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(y_true, dtype=np.float64)
    b = np.asarray(y_pred, dtype=np.float64)
    if a.ndim != 1 or a.shape != b.shape or a.shape[0] < 2:
        raise invalid(
            owner,
            "y_pred",
            f"a 1-d array of the shape of 'y_true' {a.shape}, with at least 2 values",
            f"an array of shape {b.shape}",
        )
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise invalid(owner, "y_pred", "finite, as 'y_true' must be", "NaN or inf")
    return a, b


def kendall_tau(y_true: object, y_pred: object) -> float:
    """Kendall's τ-b between true values and predictions (ties corrected, as scipy's default).

    A constant ``y_true`` or ``y_pred`` gives 0: it orders no pair.

    Example:
        >>> round(kendall_tau([1.0, 2.0, 3.0, 4.0], [10.0, 20.0, 40.0, 30.0]), 6)
        0.666667
    """
    from scipy.stats import kendalltau

    a, b = _pair(y_true, y_pred, "kendall_tau")
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return 0.0
    return float(kendalltau(a, b).statistic)


def spearman(y_true: object, y_pred: object) -> float:
    """Spearman's ρ: the Pearson correlation of the ranks (ties share their mean rank).

    A constant ``y_true`` or ``y_pred`` gives 0.

    Example:
        >>> spearman([1.0, 2.0, 3.0, 4.0], [10.0, 20.0, 40.0, 30.0])
        0.8
    """
    from scipy.stats import rankdata

    a, b = _pair(y_true, y_pred, "spearman")
    ra, rb = rankdata(a) - (len(a) + 1) / 2, rankdata(b) - (len(b) + 1) / 2
    den = math.sqrt(float(ra @ ra) * float(rb @ rb))
    return 0.0 if den == 0 else float(ra @ rb) / den


def precision_top(y_true: object, y_pred: object, fraction: float) -> float:
    """The share of the predicted top ``fraction`` of cells that is in the true top set.

    ``k = ceil(fraction · n)`` cells are picked by prediction; the true top set is the ``k``
    best cells by true value, with every cell tied with the ``k``-th. Cells tied in prediction
    at the pick's boundary count by expectation (as if the tie were broken at random), so a
    constant predictor scores the base rate and the result does not depend on the order of
    the cells.

    Example:
        >>> precision_top([1.0, 2.0, 3.0, 4.0], [0.0, 1.0, 3.0, 2.0], 0.5)
        1.0
        >>> precision_top([1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 0.0, 0.0], 0.5)
        0.5
    """
    fraction = check_number(fraction, "fraction", "precision_top", low=0, low_open=True, high=1)
    a, b = _pair(y_true, y_pred, "precision_top")
    k = max(1, math.ceil(fraction * len(a) - 1e-9))
    true_top = a >= np.sort(a)[-k]
    cut = np.sort(b)[-k]
    above, tied = b > cut, b == cut
    hits = float(np.sum(true_top & above))
    share = (k - int(np.sum(above))) / int(np.sum(tied))
    hits += share * float(np.sum(true_top & tied))
    return hits / k


def mae(y_true: object, y_pred: object) -> float:
    """The mean absolute error.

    Example:
        >>> mae([1.0, 2.0], [1.5, 1.0])
        0.75
    """
    a, b = _pair(y_true, y_pred, "mae")
    return float(np.mean(np.abs(a - b)))


def _spread(std: object, n: int, owner: str) -> np.ndarray:
    s = np.asarray(std, dtype=np.float64)
    if s.shape != (n,) or not np.all(np.isfinite(s)) or np.any(s < 0):
        raise invalid(owner, "std", f"a finite array >= 0 of shape ({n},)", f"shape {s.shape}")
    return np.maximum(s, _MIN_STD)


def gaussian_nll(y_true: object, mean: object, std: object) -> float:
    """The mean negative log likelihood of ``y_true`` under ``N(mean, std²)``, per cell.

    In the units of ``y_true`` (an accuracy in %: the density per percentage point).
    Standard deviations below ``1e-12`` are raised to it.

    Example:
        >>> round(gaussian_nll([0.0], [0.0], [1.0]), 6)  # log(2π) / 2
        0.918939
    """
    a = np.atleast_1d(np.asarray(y_true, dtype=np.float64))
    m = np.atleast_1d(np.asarray(mean, dtype=np.float64))
    if a.ndim != 1 or m.shape != a.shape:
        raise invalid("gaussian_nll", "mean", f"an array of shape {a.shape}", m.shape)
    s = _spread(std, a.shape[0], "gaussian_nll")
    z = (a - m) / s
    return float(np.mean(0.5 * math.log(2 * math.pi) + np.log(s) + 0.5 * z * z))


def coverage(y_true: object, mean: object, std: object, level: float) -> float:
    """The share of ``y_true`` inside the central ``level`` interval of ``N(mean, std²)``.

    The interval is ``mean ± Φ⁻¹((1 + level) / 2) · std`` (ends included); a calibrated model
    covers about ``level`` of the cells.

    Example:
        >>> coverage([0.0, 1.0, 3.0], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0], 0.9)  # ±1.645
        0.6666666666666666
    """
    from scipy.special import ndtri

    level = check_number(level, "level", "coverage", low=0, low_open=True, high=1)
    a = np.atleast_1d(np.asarray(y_true, dtype=np.float64))
    m = np.atleast_1d(np.asarray(mean, dtype=np.float64))
    if a.ndim != 1 or m.shape != a.shape:
        raise invalid("coverage", "mean", f"an array of shape {a.shape}", m.shape)
    s = _spread(std, a.shape[0], "coverage")
    half = float(ndtri((1 + level) / 2)) * s
    return float(np.mean(np.abs(a - m) <= half))
