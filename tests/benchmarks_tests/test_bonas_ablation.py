"""``benchmarks/bonas_ablation.py``: valid variants, reproducible runs that stop, a report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from bonas import BONASSampler, NB201Space

Loader = Callable[[str], ModuleType]


def test_every_variant_is_a_valid_sampler_configuration(load_benchmark: Loader) -> None:
    ablation = load_benchmark("bonas_ablation")
    space = NB201Space()
    for name, options in ablation.VARIANTS.items():
        assert isinstance(BONASSampler(space, seed=0, **options), BONASSampler), name
    assert ablation.VARIANTS["default"] == {}


def test_a_run_is_reproducible_and_stops_at_the_optimum(load_benchmark: Loader) -> None:
    ablation = load_benchmark("bonas_ablation")
    first = ablation.run_one("default", "cifar100", 3, 13)
    assert first == {
        **ablation.run_one("default", "cifar100", 3, 13),
        "suggest_s": first["suggest_s"],
    }
    assert len(first["ranks"]) == 13
    assert ablation.run_one("default", "cifar100", 4, 13)["ranks"] != first["ranks"]
    # A run ends at its first evaluation of the optimum (rank 1), or at its budget.
    ranks = ablation.run_one("default", "cifar10", 14, 100)["ranks"]
    assert 1 not in ranks[:-1]
    assert ranks[-1] == 1 or len(ranks) == 100


def test_the_report_counts_runs_that_never_found_the_optimum_as_infinite(
    load_benchmark: Loader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ablation = load_benchmark("bonas_ablation")
    monkeypatch.setattr(ablation, "RAW", tmp_path)
    monkeypatch.setattr(ablation, "OUT", tmp_path / "out.md")
    for seed, ranks in enumerate([[9, 5, 1], [30, 20, 10, 2, 1], [50, 40, 30, 20]]):
        record = {
            "variant": "default",
            "dataset": "cifar10",
            "seed": seed,
            "queries": 5,
            "ranks": ranks,
            "suggest_s": [0.1] * len(ranks),
        }
        ablation._records.save(ablation._path("default", "cifar10", seed, 5), record)
    ablation.main(["report", "--queries", "5"])
    row = next(
        line for line in (tmp_path / "out.md").read_text().splitlines() if "| default" in line
    )
    # Optimum at 3, 5 and never: median 5; found 2 / 3; top-10 at 2, 3 and never: median 3.
    assert row == "| default | cifar10 | 3 | 5 | 2 / 3 | 3 | 0.100 |"
