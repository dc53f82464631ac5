"""The benchmark grid of ``benchmarks/nb201_search.py``: one cell re-run gives the same numbers."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import pytest

Loader = Callable[[str], ModuleType]


@pytest.mark.parametrize(
    ("strategy", "mode"),
    [
        ("bonas", "noisy"),
        ("bananas", "mean"),
        ("evolution", "noisy"),
        ("tpe", "mean"),
        ("botorch-loop", "noisy"),
    ],
)
def test_a_grid_cell_rerun_with_its_seed_gives_identical_numbers(
    strategy: str, mode: str, load_benchmark: Loader
) -> None:
    harness = load_benchmark("nb201_search")
    keys = ("mean_acc", "observed", "canonical", "train_time")
    first = harness.run_one(strategy, "cifar100", mode, 5, 14)
    again = harness.run_one(strategy, "cifar100", mode, 5, 14)
    assert {k: first[k] for k in keys} == {k: again[k] for k in keys}
    assert len(first["observed"]) == 14
    other = harness.run_one(strategy, "cifar100", mode, 6, 14)
    assert other["canonical"] != first["canonical"]


def test_every_strategy_of_the_grid_runs(load_benchmark: Loader) -> None:
    harness = load_benchmark("nb201_search")
    for strategy in harness.STRATEGIES:
        record = harness.run_one(strategy, "cifar10", "mean", 0, 3)
        assert len(record["mean_acc"]) == 3, strategy
    with pytest.raises(SystemExit, match="unknown strategy"):
        harness.make_sampler("nope", 0, "mean")


def test_fisher_exact_test_of_the_found_counts(load_benchmark: Loader) -> None:
    harness = load_benchmark("nb201_search")
    # One miss among 30 runs lands in the 10 reference runs with probability 10 / 30.
    assert harness.fisher_p(20, 20, 9, 10) == pytest.approx(1 / 3)
    # scipy.stats.fisher_exact([[3, 7], [7, 3]]) gives p = 0.1789.
    assert harness.fisher_p(3, 10, 7, 10) == pytest.approx(0.178895, abs=1e-6)
    assert harness.fisher_p(5, 10, 5, 10) == pytest.approx(1.0)


def test_the_grids_default_run_leaves_out_the_slow_botorch_loop(load_benchmark: Loader) -> None:
    harness = load_benchmark("nb201_search")
    assert "botorch-loop" in harness.STRATEGIES
    assert set(harness.DEFAULT_RUN) == set(harness.STRATEGIES) - {"botorch-loop"}
