"""Log-EHVI and the probability of feasibility against Monte Carlo and exact cases."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from bonas.acquisition.multi import (
    box_bounds,
    log_ehvi,
    log_probability_feasible,
    reference_point,
)
from bonas.exceptions import ConfigurationError
from bonas.pareto import hypervolume


def _improvement(points: np.ndarray, Y: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """The hypervolume improvement of each of ``points`` over ``Y``, from the boxes."""
    lower, upper = box_bounds(Y, ref)
    gain = np.clip(np.minimum(points[:, None, :], upper[None]) - lower[None], 0, None)
    return gain.prod(axis=2).sum(axis=1)


@pytest.mark.parametrize("m", [2, 3])
def test_the_boxes_give_the_exact_hypervolume_improvement(m: int) -> None:
    rng = np.random.default_rng(m)
    Y = rng.normal(size=(8, m))
    ref = reference_point(Y)
    points = rng.normal(size=(30, m)) + 0.5
    base = hypervolume(Y, ["maximize"] * m, ref)
    want = [hypervolume(np.vstack([Y, p]), ["maximize"] * m, ref) - base for p in points]
    np.testing.assert_allclose(_improvement(points, Y, ref), want, atol=1e-9)


@pytest.mark.parametrize("m", [2, 3])
def test_log_ehvi_matches_monte_carlo(m: int) -> None:
    rng = np.random.default_rng(m)
    Y = rng.normal(size=(8, m))
    ref = reference_point(Y)
    means = rng.normal(size=(4, m)) + 0.5
    stds = np.abs(rng.normal(size=(4, m))) * 0.5 + 0.1
    got = np.exp(log_ehvi(means, stds, Y, ref))
    draws = np.random.default_rng(0).normal(size=(400_000, m))
    want = [_improvement(means[i] + stds[i] * draws, Y, ref).mean() for i in range(4)]
    np.testing.assert_allclose(got, want, rtol=0.03, atol=1e-4)


def test_a_known_objective_enters_exactly() -> None:
    """A zero standard deviation is an exact value: with both known, EHVI is the exact
    hypervolume improvement, and -inf where the point is dominated."""
    Y = np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0]])
    ref = np.array([0.0, 0.0])
    points = np.array([[2.5, 2.5], [1.0, 1.0]])
    got = log_ehvi(points, np.zeros_like(points), Y, ref)
    gain = hypervolume(np.vstack([Y, points[:1]]), ["maximize"] * 2, ref) - hypervolume(
        Y, ["maximize"] * 2, ref
    )
    assert got[0] == pytest.approx(np.log(gain))
    assert got[1] == -np.inf


def test_with_one_objective_it_is_log_ei() -> None:
    from bonas.acquisition import log_expected_improvement

    Y = np.array([[0.2], [1.0], [0.5]])
    means, stds = np.array([[0.8], [1.5], [-3.0]]), np.array([[0.3], [0.2], [0.5]])
    got = log_ehvi(means, stds, Y, reference_point(Y))
    want = log_expected_improvement(means[:, 0], stds[:, 0], 1.0)
    np.testing.assert_allclose(got, want, rtol=1e-9)


def test_far_behind_candidates_still_rank() -> None:
    """Log space keeps an order where plain EHVI underflows to 0."""
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    means = np.array([[-30.0, -30.0], [-40.0, -40.0]])
    got = log_ehvi(means, np.full_like(means, 0.5), Y, np.array([-0.1, -0.1]))
    assert np.all(np.isfinite(got))
    assert got[0] > got[1]


def test_boxes_partition_the_non_dominated_region() -> None:
    Y = np.array([[1.0, 2.0], [2.0, 1.0]])
    lower, upper = box_bounds(Y, np.array([0.0, 0.0]))
    assert lower.shape == upper.shape == (3, 2)
    # No box lies below a front point in both objectives.
    for lo in lower:
        assert not np.any(np.all(Y >= lo + 1e-12, axis=1) & np.all(lo >= 0))


def test_probability_feasible_is_the_normal_cdf() -> None:
    got = log_probability_feasible(np.array([[0.0, 1.0]]), np.array([[1.0, 2.0]]), [0.5])
    np.testing.assert_allclose(np.exp(got), norm.cdf([0.5, -0.25]))


def test_bad_shapes_are_errors() -> None:
    with pytest.raises(ConfigurationError, match="'means' and 'stds'"):
        log_ehvi(np.zeros((3, 2)), np.zeros((3, 3)), np.zeros((2, 2)), np.zeros(2))
