from __future__ import annotations

import numpy as np
import pytest
import torch
from botorch.acquisition.analytic import _log_ei_helper
from hypothesis import given
from hypothesis import strategies as st

from bonas.acquisition.functions import UCB, LogEI, NoisyLogEI, log_expected_improvement
from bonas.acquisition.optimize import argmax_chunked, mutation_candidates
from bonas.exceptions import ConfigurationError
from bonas.spaces import NB201Space
from bonas.surrogates import GPSurrogate


@pytest.mark.parametrize("z", [-60.0, -25.0, -5.0, -1.5, -1.0, -0.3, 0.0, 0.7, 4.0, 30.0])
def test_log_ei_matches_botorch(z: float) -> None:
    # log EI(mean, std=1, best=0) = log h(z) with z = mean: BoTorch's own stable helper.
    ours = log_expected_improvement(np.array([z]), np.array([1.0]), 0.0)[0]
    ref = float(_log_ei_helper(torch.tensor(z, dtype=torch.float64)))
    assert ours == pytest.approx(ref, rel=1e-6, abs=1e-9)


@given(st.floats(-50, 50), st.floats(1e-3, 10), st.floats(-50, 50))
def test_log_ei_is_finite_and_grows_with_the_mean(mean: float, std: float, best: float) -> None:
    lo, hi = log_expected_improvement(np.array([mean, mean + 0.5]), np.array([std, std]), best)
    assert np.isfinite(lo)
    assert np.isfinite(hi)
    assert hi >= lo
    # EI itself is never below the plain improvement of the mean.
    if mean > best + 1e-6:
        assert np.exp(lo) >= (mean - best) * (1 - 1e-9)


def _fitted_gp() -> tuple[GPSurrogate, np.ndarray]:
    rng = np.random.default_rng(0)
    X = (rng.random((30, 12)) < 0.4).astype(float)
    y = X[:, :3].sum(1) + 0.05 * rng.standard_normal(30)
    return GPSurrogate().fit(X, y), X


def test_acquisitions_score_a_batch_and_prefer_good_points() -> None:
    gp, X = _fitted_gp()
    good = np.zeros((1, 12))
    good[0, :3] = 1
    bad = np.zeros((1, 12))
    bad[0, 8:] = 1
    cand = np.vstack([good, bad])
    for acq in (LogEI(gp, best_f=2.0), NoisyLogEI(gp, X_observed=X), UCB(gp, beta=1.0)):
        scores = acq(cand)
        assert scores.shape == (2,)
        assert scores[0] > scores[1]


def test_bad_acquisition_options_are_clear_errors() -> None:
    gp, _ = _fitted_gp()
    with pytest.raises(ConfigurationError, match="'best_f' parameter of LogEI must be a finite"):
        LogEI(gp, best_f=float("nan"))
    with pytest.raises(ConfigurationError, match="'xi' parameter of LogEI.*'0.1'"):
        LogEI(gp, best_f=1.0, xi="0.1")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="'beta' parameter of UCB must be a finite.*>= 0"):
        UCB(gp, beta=-1.0)
    with pytest.raises(ConfigurationError, match="'beta'"):
        UCB(gp, beta=True)


def test_argmax_chunked_scores_every_chunk_and_breaks_ties_with_the_rng() -> None:
    X = np.arange(10.0).reshape(-1, 1)
    assert argmax_chunked(lambda x: x[:, 0], X, rng=np.random.default_rng(0), chunk_size=3) == 9
    flat = [
        argmax_chunked(lambda x: np.zeros(len(x)), X, rng=np.random.default_rng(s))
        for s in range(20)
    ]
    assert len(set(flat)) > 3
    with pytest.raises(ConfigurationError, match="No candidates"):
        argmax_chunked(lambda x: x[:, 0], X[:0], rng=np.random.default_rng(0))


def test_mutation_candidates_exclude_taken_and_reach_two_steps() -> None:
    space = NB201Space()
    start = space.from_key("333132")
    taken = {start, *space.neighbors(start)[:5]}
    cands = mutation_candidates(
        [start],
        space.neighbors,
        space.sample,
        taken=lambda a: a in taken,
        rng=np.random.default_rng(0),
        n_random=10,
    )
    assert not taken & set(cands)
    assert len(cands) == len(set(cands))
    dist = {sum(x != y for x, y in zip(c, start, strict=True)) for c in cands}
    assert {1, 2} <= dist
