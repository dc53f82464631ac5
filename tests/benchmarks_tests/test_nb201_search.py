"""The benchmark grid of ``benchmarks/nb201_search.py``: one cell re-run gives the same numbers."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _harness() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "nb201_search", ROOT / "benchmarks" / "nb201_search.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["nb201_search"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("strategy", "mode"),
    [("bonas", "noisy"), ("bananas", "mean"), ("evolution", "noisy"), ("tpe", "mean")],
)
def test_a_grid_cell_rerun_with_its_seed_gives_identical_numbers(strategy: str, mode: str) -> None:
    harness = _harness()
    keys = ("mean_acc", "observed", "canonical", "train_time")
    first = harness.run_one(strategy, "cifar100", mode, 5, 14)
    again = harness.run_one(strategy, "cifar100", mode, 5, 14)
    assert {k: first[k] for k in keys} == {k: again[k] for k in keys}
    assert len(first["observed"]) == 14
    other = harness.run_one(strategy, "cifar100", mode, 6, 14)
    assert other["canonical"] != first["canonical"]


def test_every_strategy_of_the_grid_runs() -> None:
    harness = _harness()
    for strategy in harness.STRATEGIES:
        record = harness.run_one(strategy, "cifar10", "mean", 0, 3)
        assert len(record["mean_acc"]) == 3, strategy
    with pytest.raises(SystemExit, match="unknown strategy"):
        harness.make_sampler("nope", 0, "mean")
