"""Acquisition over several objectives and constraints: log expected hypervolume improvement.

Every objective is maximized here (the sampler negates minimized ones first) and given per
candidate as a Gaussian marginal ``N(mean, std²)``: a learned objective's surrogate prediction,
or a known objective's exact value with ``std = 0``. The marginals are taken as independent
(one surrogate per objective), so the expected improvement of the hypervolume has a closed
form over a box decomposition of the region the current front does not dominate (BoTorch's
``FastNondominatedPartitioning``): for boxes ``[l_k, u_k]``,

    EHVI(x) = Σ_k Π_j E[(min(Y_j, u_kj) − l_kj)₊],   E[(min(Y, u) − l)₊] = σ (h(z_l) − h(z_u)),

with ``z = (μ − ·)/σ`` and ``h(z) = φ(z) + zΦ(z)``; this module computes its logarithm stably
(Daulton et al., NeurIPS 2020, for EHVI; Ament et al., NeurIPS 2023, for working in log space),
so candidates far behind the front still rank instead of all scoring 0.

A learned constraint (feasible when ``c ≤ 0``) adds ``log P(c ≤ 0)`` under its surrogate's
Gaussian prediction (Gardner et al., ICML 2014); known constraints never reach here, as the
sampler drops the cells that break them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bonas.acquisition.functions import _log_h
from bonas.exceptions import ConfigurationError

__all__ = ["box_bounds", "log_ehvi", "log_probability_feasible", "reference_point"]


def reference_point(Y: np.ndarray, margin: float = 0.1) -> np.ndarray:
    """A reference point below every observed point: the worst value of each (maximized)
    objective less ``margin`` times its observed range (1 where the range is 0)."""
    Y = np.asarray(Y, dtype=np.float64)
    lo, hi = Y.min(axis=0), Y.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    return lo - margin * span


def box_bounds(Y: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper corners `(k, m)` of the boxes that partition the region above
    ``reference`` that no row of ``Y`` (maximized) dominates; upper corners may be ``inf``."""
    import torch
    from botorch.utils.multi_objective.box_decompositions.non_dominated import (
        FastNondominatedPartitioning,
    )

    ref = torch.as_tensor(np.asarray(reference, dtype=np.float64))
    Y = np.asarray(Y, dtype=np.float64)
    Y = Y[np.all(Y > reference, axis=1)]
    m = len(reference)
    if len(Y) == 0:
        return np.asarray(reference, dtype=np.float64)[None], np.full((1, m), np.inf)
    if m == 1:  # one objective: the region above the best point (EHVI is then EI)
        return Y.max(axis=0, keepdims=True), np.full((1, 1), np.inf)
    part = FastNondominatedPartitioning(ref_point=ref, Y=torch.from_numpy(Y))
    bounds = part.get_hypercell_bounds().numpy()
    return bounds[0], bounds[1]


def _log_box_factor(
    mean: np.ndarray, std: np.ndarray, lower: np.ndarray, upper: np.ndarray
) -> np.ndarray:
    """``log E[(min(Y, u) − l)₊]`` for ``Y ~ N(mean, std²)``: candidates `(n,)` × boxes
    `(k,)` → `(n, k)`; exact where ``std == 0``."""
    mu, sd = mean[:, None], std[:, None]
    lo, up = lower[None, :], upper[None, :]
    out = np.full((len(mean), len(lower)), -np.inf)
    exact = (sd <= 0).ravel()
    if exact.any():
        gain = np.minimum(mu[exact], up) - lo
        with np.errstate(divide="ignore"):
            out[exact] = np.where(gain > 0, np.log(np.where(gain > 0, gain, 1.0)), -np.inf)
    rand = ~exact
    if rand.any():
        s = sd[rand]
        m = mu[rand]
        log_hl = _log_h((m - lo) / s)
        finite = np.isfinite(up)
        log_hu = np.where(finite, _log_h(np.where(finite, (m - up) / s, 0.0)), -np.inf)
        # log(h(z_l) − h(z_u)) = log h(z_l) + log(1 − exp(log h(z_u) − log h(z_l))).
        d = np.minimum(log_hu - log_hl, 0.0)
        with np.errstate(divide="ignore"):
            log1mexp = np.where(d < -0.6931, np.log1p(-np.exp(d)), np.log(-np.expm1(d)))
        out[rand] = np.log(s) + log_hl + log1mexp
    return out


def log_ehvi(
    means: np.ndarray,
    stds: np.ndarray,
    Y: np.ndarray,
    reference: np.ndarray,
) -> np.ndarray:
    """Log expected hypervolume improvement of candidates over the points ``Y`` `(p, m)`.

    Args:
        means: `(n, m)` predicted means of every (maximized) objective.
        stds: `(n, m)` predicted standard deviations; 0 for a known objective.
        Y: The points whose front is to be improved (observed, and believed pending ones).
        reference: `(m,)` the reference point (see :func:`reference_point`).

    Returns:
        `(n,)` the log of the expected improvement; ``-inf`` where no improvement is
        possible (a known objective already dominated, for instance).
    """
    means = np.asarray(means, dtype=np.float64)
    stds = np.asarray(stds, dtype=np.float64)
    if means.ndim != 2 or means.shape != stds.shape or means.shape[1] != len(reference):
        raise ConfigurationError(
            "The 'means' and 'stds' parameters of log_ehvi must both be (n, m) with m = "
            f"{len(reference)} objectives. Got {means.shape} and {stds.shape} instead."
        )
    lower, upper = box_bounds(Y, np.asarray(reference, dtype=np.float64))
    total = np.zeros((len(means), len(lower)))
    for j in range(means.shape[1]):
        total += _log_box_factor(means[:, j], stds[:, j], lower[:, j], upper[:, j])
    peak = total.max(axis=1, keepdims=True)
    safe = np.where(np.isfinite(peak), peak, 0.0)
    with np.errstate(divide="ignore"):
        out = np.log(np.exp(total - safe).sum(axis=1)) + safe[:, 0]
    return np.where(np.isfinite(peak[:, 0]), out, -np.inf)


def log_probability_feasible(
    means: Sequence[np.ndarray] | np.ndarray,
    stds: Sequence[np.ndarray] | np.ndarray,
    thresholds: Sequence[float] | np.ndarray,
) -> np.ndarray:
    """``Σ_c log P(C_c ≤ threshold_c)`` for independent Gaussian constraints; `(n,)`."""
    from scipy.special import log_ndtr

    means = np.atleast_2d(np.asarray(means, dtype=np.float64))
    stds = np.maximum(np.atleast_2d(np.asarray(stds, dtype=np.float64)), 1e-12)
    thr = np.asarray(thresholds, dtype=np.float64)[:, None]
    return np.asarray(log_ndtr((thr - means) / stds).sum(axis=0))
