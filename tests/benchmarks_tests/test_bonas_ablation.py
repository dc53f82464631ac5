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
    # The default less its warm start, and every variant without one.
    assert ablation.VARIANTS[ablation.DEFAULT] == {"warm_start": None}
    assert all(options["warm_start"] is None for options in ablation.VARIANTS.values())
    # Every other variant changes the previous default, which differs from the default only
    # in its local steps.
    assert ablation.VARIANTS[ablation.PREVIOUS] == {"warm_start": None, "local_every": 0}
    assert BONASSampler(space).local_every != 0
    for name, options in ablation.VARIANTS.items():
        if name != ablation.DEFAULT:
            assert options["local_every"] == 0, name


def test_a_run_is_reproducible_and_stops_at_the_optimum(load_benchmark: Loader) -> None:
    ablation = load_benchmark("bonas_ablation")
    first = ablation.run_one(ablation.DEFAULT, "cifar100", 3, 13)
    assert first == {
        **ablation.run_one(ablation.DEFAULT, "cifar100", 3, 13),
        "suggest_s": first["suggest_s"],
    }
    assert len(first["ranks"]) == 13
    assert ablation.run_one(ablation.DEFAULT, "cifar100", 4, 13)["ranks"] != first["ranks"]
    # A run ends at its first evaluation of the optimum (rank 1), or at its budget.
    ranks = ablation.run_one(ablation.DEFAULT, "cifar10", 14, 100)["ranks"]
    assert 1 not in ranks[:-1]
    assert ranks[-1] == 1 or len(ranks) == 100


def _save_run(
    ablation: ModuleType, variant: str, dataset: str, seed: int, queries: int, ranks: list[int]
) -> None:
    """A record of one run, as ``run`` writes it (0.1 s per suggestion)."""
    record = {
        "variant": variant,
        "dataset": dataset,
        "seed": seed,
        "queries": queries,
        "ranks": ranks,
        "suggest_s": [0.1] * len(ranks),
    }
    ablation._records.save(ablation._path(variant, dataset, seed, queries), record)


@pytest.fixture
def ablation(
    load_benchmark: Loader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> ModuleType:
    """The ablation script, writing its records and report under ``tmp_path``."""
    module = load_benchmark("bonas_ablation")
    monkeypatch.setattr(module, "RAW", tmp_path)
    monkeypatch.setattr(module, "OUT", tmp_path / "out.md")
    return module


def test_the_report_counts_runs_that_never_found_the_optimum_as_infinite(
    ablation: ModuleType, tmp_path: Path
) -> None:
    runs = {
        ablation.DEFAULT: [[9, 5, 1], [30, 20, 10, 2, 1], [50, 40, 30, 20]],
        ablation.PREVIOUS: [[1], [30, 20, 10, 2, 3], [50, 40, 30, 20]],
        "RBF kernel": [[1], [30, 20, 10, 2, 3], [50, 40, 1]],
    }
    for variant, seed, ranks in ((v, s, r) for v, rs in runs.items() for s, r in enumerate(rs)):
        _save_run(ablation, variant, "cifar10", seed, 5, ranks)
    ablation.main(["report", "--queries", "5"])
    lines = (tmp_path / "out.md").read_text().splitlines()
    row = next(line for line in lines if f"| {ablation.DEFAULT} |" in line)
    # Optimum at 3, 5 and never: median 5, capped mean (3 + 5 + 5) / 3; found 2 / 3;
    # top-10 at 2, 3 and never: median 3.
    assert row == f"| {ablation.DEFAULT} | cifar10 | 3 | 5 | 4.3 | 2 / 3 | — | 3 | 0.100 |"
    # The previous default against the default, seed by seed: sooner in seed 0, later in
    # seed 1, a tie in seed 2.
    prev = next(line for line in lines if f"| {ablation.PREVIOUS}" in line)
    assert prev.endswith("| cifar10 | 3 | >5 | 3.7 | 1 / 3 | 1 / 1 | 3 | 0.100 |")
    # A one-change variant against the previous default: a tie, a tie, sooner in seed 2.
    rbf = next(line for line in lines if "| RBF kernel" in line)
    assert rbf == "| RBF kernel | cifar10 | 3 | 3 | 3.0 | 2 / 3 | 1 / 0 | 3 | 0.100 |"


def test_each_block_of_seeds_is_reported_apart(ablation: ModuleType, tmp_path: Path) -> None:
    (_, first_title, _), (held, held_title, _), (fresh, fresh_title, _) = ablation.SEED_BLOCKS
    runs = ((0, [30, 1]), (1, [20, 1]), (held, [50, 40, 30, 20]), (held + 1, [1]), (fresh, [1]))
    for seed, ranks in runs:
        _save_run(ablation, ablation.DEFAULT, "cifar100", seed, 4, ranks)
    ablation.main(["report", "--queries", "4"])
    text = (tmp_path / "out.md").read_text()
    head, rest = text.split(f"## Seeds {held}–{held + 1}: {held_title}")
    held_out, fresh_block = rest.split(f"## Seeds {fresh}–{fresh}: {fresh_title}")
    assert f"## Seeds 0–1: {first_title}" in head
    # Seeds 0 and 1 found the optimum at query 2; the held-out seeds never and at query 1.
    row = f"| {ablation.DEFAULT} | cifar100 |"
    assert f"{row} 2 | 2 | 2.0 | 2 / 2 | — | 2 | 0.100 |" in head
    assert f"{row} 2 | >4 | 2.5 | 1 / 2 | — | >4 | 0.100 |" in held_out
    assert f"{row} 1 | 1 | 1.0 | 1 / 1 | — | 1 | 0.100 |" in fresh_block
