"""Acquisition functions over a surrogate: batched, higher is better.

Each acquisition is built from a fitted :class:`~bonas.surrogates.Surrogate` and scores a
candidate matrix ``X`` `(m, d)` with ``acq(X) -> (m,)``. They work with any surrogate that
predicts a mean and a standard deviation, so a user's own model gets them all.
"""

from __future__ import annotations

import abc
import math

import numpy as np

from bonas._validation import check_number
from bonas.surrogates.base import Surrogate

__all__ = [
    "Acquisition",
    "LogEI",
    "NoisyLogEI",
    "ThompsonSampling",
    "UCB",
    "log_expected_improvement",
]

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
_SQRT_2 = math.sqrt(2.0)


def _log_h(z: np.ndarray) -> np.ndarray:
    """``log(φ(z) + z Φ(z))``, accurate for every ``z`` (Ament et al., NeurIPS 2023).

    For ``z > -1`` the direct formula is exact enough; below, ``φ(z) + zΦ(z)`` cancels
    catastrophically, so it is written with the scaled complementary error function:
    ``h(z) = φ(z) (1 - sqrt(π/2) |z| erfcx(|z|/√2))``.
    """
    from scipy.special import erfcx, log_ndtr

    z = np.asarray(z, dtype=np.float64)
    out = np.empty_like(z)
    hi = z > -1.0
    zh = z[hi]
    out[hi] = np.log(np.exp(-0.5 * zh**2 - _LOG_SQRT_2PI) + zh * np.exp(log_ndtr(zh)))
    zl = -z[~hi]  # > 1
    tail = 1.0 - math.sqrt(math.pi / 2) * zl * erfcx(zl / _SQRT_2)
    # For very large |z| the bracket underflows; use its asymptote 1/z² (1 - 3/z² ...).
    tail = np.where(tail > 1e-12, tail, 1.0 / zl**2 - 3.0 / zl**4)
    out[~hi] = -0.5 * zl**2 - _LOG_SQRT_2PI + np.log(tail)
    return out


def log_expected_improvement(
    mean: np.ndarray, std: np.ndarray, best_f: float, *, xi: float = 0.0
) -> np.ndarray:
    """``log E[max(f - best_f - xi, 0)]`` for Gaussian ``f ~ N(mean, std²)``, stably.

    Log-EI keeps a useful ordering where plain EI underflows to zero (Ament et al.,
    "Unexpected improvements to expected improvement", NeurIPS 2023); BoTorch's
    ``LogExpectedImprovement`` computes the same quantity.
    """
    std = np.maximum(std, 1e-12)
    z = (mean - best_f - xi) / std
    return _log_h(z) + np.log(std)


class Acquisition(abc.ABC):
    """Scores candidates with a fitted surrogate; higher is better."""

    def __init__(self, surrogate: Surrogate) -> None:
        self.surrogate = surrogate

    @abc.abstractmethod
    def __call__(self, X: np.ndarray) -> np.ndarray:
        """Score ``X`` `(m, d)`; returns `(m,)`."""


class LogEI(Acquisition):
    """Log expected improvement over ``best_f`` (the best observed value, if not given).

    Args:
        surrogate: A fitted surrogate.
        best_f: The incumbent value to improve on.
        xi: An extra margin that favours exploration (0: plain log-EI).
    """

    def __init__(self, surrogate: Surrogate, *, best_f: float, xi: float = 0.0) -> None:
        super().__init__(surrogate)
        self.best_f = check_number(best_f, "best_f", "LogEI")
        self.xi = check_number(xi, "xi", type(self).__name__)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        mean, std = self.surrogate.predict(X, return_std=True)
        return log_expected_improvement(mean, std, self.best_f, xi=self.xi)


class NoisyLogEI(LogEI):
    """Log-EI for noisy objectives: the incumbent is the best *posterior mean* among the
    evaluated points (the "plug-in" noisy EI of Picheny et al. 2013), not the best noisy
    observation, which a lucky draw inflates.

    Args:
        surrogate: A fitted surrogate.
        X_observed: The evaluated points `(n, d)`.
    """

    def __init__(self, surrogate: Surrogate, *, X_observed: np.ndarray, xi: float = 0.0) -> None:
        best = float(np.max(surrogate.predict(X_observed)))
        super().__init__(surrogate, best_f=best, xi=xi)


class UCB(Acquisition):
    """Upper confidence bound ``mean + sqrt(beta) * std`` (Srinivas et al. 2010)."""

    def __init__(self, surrogate: Surrogate, *, beta: float = 2.0) -> None:
        super().__init__(surrogate)
        self.beta = check_number(beta, "beta", "UCB", low=0)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        mean, std = self.surrogate.predict(X, return_std=True)
        return mean + math.sqrt(self.beta) * std


class ThompsonSampling(Acquisition):
    """One draw of the surrogate's ``sample_y`` (independent per candidate by default, as in
    BANANAS: White et al., AAAI 2021); the argmax of the draw is the Thompson choice."""

    def __init__(self, surrogate: Surrogate, *, rng: np.random.Generator) -> None:
        super().__init__(surrogate)
        self.rng = rng

    def __call__(self, X: np.ndarray) -> np.ndarray:
        return self.surrogate.sample_y(X, 1, self.rng)[0]
