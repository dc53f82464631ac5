"""bonas.pareto: fronts and hypervolumes in the objectives' own units and directions."""

from __future__ import annotations

import numpy as np
import optuna
import pytest

from bonas.exceptions import ConfigurationError
from bonas.pareto import hypervolume, maximized, non_dominated


def test_minimized_columns_are_negated() -> None:
    Y = maximized([[1.0, 2.0]], ["maximize", optuna.study.StudyDirection.MINIMIZE])
    assert Y.tolist() == [[1.0, -2.0]]


def test_the_front_is_what_no_other_point_dominates() -> None:
    rng = np.random.default_rng(0)
    Y = rng.normal(size=(60, 3))
    dirs = ["maximize", "minimize", "maximize"]
    mask = non_dominated(Y, dirs)
    Z = maximized(Y, dirs)
    for i in range(len(Y)):
        dominated = np.any(np.all(Z >= Z[i], axis=1) & np.any(Z > Z[i], axis=1))
        assert mask[i] == (not dominated)


def test_hypervolume_of_a_staircase() -> None:
    # accuracy (max) x latency (min): boxes 30x1 and 20x3 overlap in 20x1.
    Y = [[90.0, 3.0], [80.0, 1.0], [70.0, 2.0]]
    assert hypervolume(Y, ["maximize", "minimize"], [60.0, 4.0]) == pytest.approx(70.0)
    # Points not better than the reference add nothing.
    assert hypervolume([[50.0, 1.0]], ["maximize", "minimize"], [60.0, 4.0]) == 0.0


@pytest.mark.parametrize(
    ("values", "directions", "match"),
    [
        ([[1.0, 2.0]], ["maximize", "sideways"], "'directions'"),
        ([[1.0, 2.0]], [], "at least one"),
        ([[1.0, 2.0, 3.0]], ["maximize", "minimize"], r"\(n, 2\)"),
        ([[1.0, float("nan")]], ["maximize", "minimize"], "finite"),
    ],
)
def test_bad_input_is_an_error(values: list, directions: list, match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        non_dominated(values, directions)
