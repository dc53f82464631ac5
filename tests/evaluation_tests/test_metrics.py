"""``bonas.evaluation.metrics``: scipy's correlations, the perfect and the constant predictor,
top-set precision with ties, the Gaussian likelihood and interval coverage."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import kendalltau, norm, spearmanr

from bonas.evaluation import metrics
from bonas.exceptions import ConfigurationError


@pytest.mark.parametrize("seed", range(5))
def test_the_correlations_equal_scipys_on_random_data(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.normal(size=300)
    pred = 0.5 * y + rng.normal(size=300)
    # Ties in both, as tables (two-decimal accuracies) and tree ensembles make them.
    y_tied, pred_tied = np.round(y, 1), np.round(pred, 1)
    for a, b in ((y, pred), (y_tied, pred_tied), (y, -pred)):
        assert metrics.kendall_tau(a, b) == pytest.approx(kendalltau(a, b).statistic, abs=1e-12)
        assert metrics.spearman(a, b) == pytest.approx(spearmanr(a, b).statistic, abs=1e-12)
    assert metrics.kendall_tau(y, pred) != pytest.approx(metrics.spearman(y, pred))


def test_a_perfect_predictor_ranks_and_picks_everything_right() -> None:
    y = np.random.default_rng(1).uniform(0, 100, size=1000)
    pred = 3 * y - 7  # any increasing map of the truth is a perfect ranking
    assert metrics.kendall_tau(y, pred) == pytest.approx(1.0)
    assert metrics.spearman(y, pred) == pytest.approx(1.0)
    assert metrics.precision_top(y, pred, 0.01) == 1.0
    assert metrics.precision_top(y, pred, 0.05) == 1.0
    assert metrics.mae(y, y) == 0.0
    # Exactly right with a tiny spread: every interval of every level holds every cell.
    tiny = np.full_like(y, 1e-9)
    for level in metrics.NOMINAL_LEVELS:
        assert metrics.coverage(y, y, tiny, level) == 1.0
    # The reversed ranking is the worst one.
    assert metrics.kendall_tau(y, -pred) == pytest.approx(-1.0)
    assert metrics.precision_top(y, -pred, 0.05) == 0.0


def test_a_constant_predictor_has_tau_zero_and_the_base_rate() -> None:
    y = np.arange(200, dtype=float)
    pred = np.full(200, 5.0)
    assert math.isnan(kendalltau(y, pred).statistic)  # scipy: undefined; bonas: no order
    assert metrics.kendall_tau(y, pred) == 0.0
    assert metrics.spearman(y, pred) == 0.0
    # 10 picks among 200 tied predictions: by expectation 10 × 10 / 200 hits of the top 10.
    assert metrics.precision_top(y, pred, 0.05) == pytest.approx(10 / 200)
    assert metrics.precision_top(y, pred, 0.01) == pytest.approx(2 / 200)


def test_precision_counts_ties_in_the_truth_and_at_the_pick_boundary() -> None:
    y = np.array([1.0, 2.0, 3.0, 3.0, 0.0])
    # k = ceil(0.2 × 5) = 1: the true top set is both cells tied at 3.
    assert metrics.precision_top(y, [0, 0, 0, 9, 1], 0.2) == 1.0
    assert metrics.precision_top(y, [0, 9, 0, 0, 1], 0.2) == 0.0
    # Two predictions tied for the one pick, one of them in the top set: half a hit.
    assert metrics.precision_top(y, [0, 9, 9, 0, 1], 0.2) == 0.5
    # Reordering the cells changes nothing.
    perm = [4, 2, 0, 3, 1]
    assert metrics.precision_top(y[perm], np.array([0, 9, 9, 0, 1])[perm], 0.2) == 0.5


def test_the_likelihood_is_the_gaussian_density_in_the_units_of_the_values() -> None:
    rng = np.random.default_rng(2)
    y, mean, std = rng.normal(size=50), rng.normal(size=50), rng.uniform(0.1, 2.0, size=50)
    expected = -np.mean(norm.logpdf(y, loc=mean, scale=std))
    assert metrics.gaussian_nll(y, mean, std) == pytest.approx(expected)
    # In percentage points: scaling values and spread by 10 adds log(10) per cell.
    scaled = metrics.gaussian_nll(10 * y, 10 * mean, 10 * std)
    assert scaled == pytest.approx(expected + math.log(10))


def test_coverage_counts_the_cells_inside_the_central_interval() -> None:
    mean = np.zeros(4)
    std = np.ones(4)
    # Φ⁻¹(0.75) = 0.674 and Φ⁻¹(0.95) = 1.645 half-widths.
    y = np.array([0.5, -1.0, 1.6, 2.0])
    assert metrics.coverage(y, mean, std, 0.5) == 0.25
    assert metrics.coverage(y, mean, std, 0.9) == 0.75
    assert metrics.coverage(y, mean, 2 * std, 0.9) == 1.0
    # A tiny spread around a wrong mean covers nothing.
    assert metrics.coverage(y, mean + 10, np.full(4, 1e-9), 0.99) == 0.0


def test_bad_inputs_are_refused_with_the_parameter_named() -> None:
    with pytest.raises(ConfigurationError, match="'y_pred' parameter of kendall_tau"):
        metrics.kendall_tau([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(ConfigurationError, match="'y_pred' parameter of spearman"):
        metrics.spearman([1.0, 2.0], [1.0, float("nan")])
    with pytest.raises(ConfigurationError, match="'fraction' parameter of precision_top"):
        metrics.precision_top([1.0, 2.0], [1.0, 2.0], 0.0)
    with pytest.raises(ConfigurationError, match="'std' parameter of coverage"):
        metrics.coverage([1.0, 2.0], [1.0, 2.0], [-1.0, 1.0], 0.5)
