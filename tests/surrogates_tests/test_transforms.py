"""Target transforms: the copula keeps the order, shares ties, and is ``normal_scores(y, y)``."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from bonas.exceptions import ConfigurationError
from bonas.surrogates.transforms import normal_scores, transform_targets


def test_the_copula_is_the_normal_score_of_the_mean_rank() -> None:
    y = np.array([91.2, 10.0, 88.5, 91.2, 90.1])
    z = transform_targets(y, "copula")
    # Ranks 4.5, 1, 2, 4.5, 3 of 5 (the tie shares 4 and 5): Φ⁻¹(rank / 6).
    np.testing.assert_allclose(z, norm.ppf(np.array([4.5, 1, 2, 4.5, 3]) / 6))
    # A monotone change of the metric changes nothing; the broken cell's tail is bounded.
    np.testing.assert_array_equal(transform_targets(np.log(y), "copula"), z)
    assert z.min() == pytest.approx(norm.ppf(1 / 6))


def test_normal_scores_place_new_values_among_a_reference() -> None:
    reference = np.array([3.0, 1.0, 2.0, 2.0])
    z = normal_scores(np.array([0.0, 2.0, 2.5, 9.0, 3.0]), reference)
    # Below all: rank 1/2; a tie with two: mean rank 2.5; between: 3.5 (below 3, not equal);
    # above all: 4.5; equal to the largest: 4. Over len(reference) + 1 = 5.
    np.testing.assert_allclose(z, norm.ppf(np.array([0.5, 2.5, 3.5, 4.5, 4.0]) / 5))
    np.testing.assert_array_equal(
        normal_scores(reference, reference), transform_targets(reference, "copula")
    )


def test_an_unknown_transform_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match="'target_transform'.*'log'"):
        transform_targets(np.ones(3), "log")
