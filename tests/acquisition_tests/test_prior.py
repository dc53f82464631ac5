"""The πBO prior on its own: the gate and fade of its weight, the tabulated prior, the wrapper."""

from __future__ import annotations

import numpy as np
import pytest

from bonas.acquisition import LogEI
from bonas.acquisition.prior import PriorGuided, TabulatedPrior, gated_weight
from bonas.exceptions import ConfigurationError
from bonas.surrogates import make


def test_the_weight_is_the_rank_correlation_faded_by_the_model_based_steps() -> None:
    prior = np.array([1.0, 2.0, 3.0, 4.0])
    values = np.array([10.0, 20.0, 40.0, 30.0])  # Spearman 0.8
    assert gated_weight(5.0, prior, values, 1) == pytest.approx(4.0)
    assert gated_weight(5.0, prior, values, 4) == pytest.approx(1.0)  # 1/n fade
    assert gated_weight(0.0, prior, values, 1) == 0.0


def test_a_prior_the_data_contradict_or_cannot_judge_gets_no_weight() -> None:
    prior = np.array([1.0, 2.0, 3.0, 4.0])
    assert gated_weight(5.0, prior, -prior, 1) == 0.0  # negative correlation
    assert gated_weight(5.0, prior, np.ones(4), 1) == 0.0  # constant values: undefined
    assert gated_weight(5.0, np.ones(4), prior, 1) == 0.0  # constant prior: undefined
    assert gated_weight(5.0, prior[:2], prior[:2], 1) == 0.0  # fewer than 3 values


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((-1.0, np.ones(3), np.ones(3), 1), "'weight'"),
        ((1.0, np.ones(3), np.ones(3), 0), "'n_model'"),
        ((1.0, np.ones(3), np.ones(4), 1), "one length"),
    ],
)
def test_bad_gate_arguments_are_clear_errors(args: tuple, match: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ConfigurationError, match=match):
        gated_weight(*args)


def test_a_tabulated_prior_is_looked_up_by_row_in_any_order() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 4))
    log_prior = rng.normal(size=50)
    prior = TabulatedPrior(X, log_prior)
    order = rng.permutation(50)[:20]
    np.testing.assert_array_equal(prior(X[order]), log_prior[order])
    with pytest.raises(ConfigurationError, match="no prior"):
        prior(rng.normal(size=(1, 4)))
    with pytest.raises(ConfigurationError, match="4 features"):
        prior(X[:, :3])


def test_cells_the_encoding_does_not_tell_apart_share_the_mean_of_their_priors() -> None:
    X = np.array([[0.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    prior = TabulatedPrior(X, np.array([1.0, 3.0, 5.0]))
    np.testing.assert_array_equal(prior(X), [2.0, 2.0, 5.0])


def test_the_wrapper_adds_the_weighted_log_prior_to_log_ei() -> None:
    """πBO on a log scale: log-EI + weight × log prior, exactly; weight 0 is log-EI itself."""
    rng = np.random.default_rng(1)
    X = rng.uniform(size=(12, 3))
    y = X.sum(axis=1)
    model = make("gp").fit(X, y)
    log_ei = LogEI(model, best_f=float(y.max()))
    X_new = rng.uniform(size=(30, 3))
    z = rng.normal(size=30)
    steered = PriorGuided(log_ei, TabulatedPrior(X_new, z), weight=2.5)
    np.testing.assert_allclose(steered(X_new), log_ei(X_new) + 2.5 * z, rtol=0, atol=0)
    flat = PriorGuided(log_ei, TabulatedPrior(X_new, z), weight=0)
    np.testing.assert_array_equal(flat(X_new), log_ei(X_new))
    # A strong prior moves the argmax to the prior's best candidate.
    strong = PriorGuided(log_ei, TabulatedPrior(X_new, z), weight=1e6)
    assert int(np.argmax(strong(X_new))) == int(np.argmax(z))
    with pytest.raises(ConfigurationError, match="'weight'"):
        PriorGuided(log_ei, TabulatedPrior(X_new, z), weight=-1)
