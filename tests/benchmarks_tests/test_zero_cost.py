"""``benchmarks/zero_cost.py``: the swapped landscape, reproducible runs that stop, a report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from bonas import BONASSampler, NB201Space

Loader = Callable[[str], ModuleType]


def test_every_variant_builds_the_sampler_its_name_says(load_benchmark: Loader) -> None:
    zero_cost = load_benchmark("zero_cost")
    built = {
        name: BONASSampler(NB201Space(), seed=0, **options)
        for name, options in zero_cost.VARIANTS.items()
    }
    assert built["no warm start"].warm_start is None
    expected = {  # name → (startup cells from synflow, prior weight)
        "synflow, 5 of 10 startup trials": (5, 0.0),
        "synflow, 10 of 10 startup trials": (10, 0.0),
        "synflow, 5 of 10 and prior (weight 5)": (5, 5.0),
    }
    for name, (n_cells, weight) in expected.items():
        warm = built[name].warm_start
        assert warm is not None, name
        assert (warm.proxy, warm.n_cells, warm.prior_weight) == ("synflow", n_cells, weight)
    assert set(built) == {"no warm start", *expected}


def test_the_swapped_landscape_exchanges_conv3x3_and_pooling(load_benchmark: Loader) -> None:
    zero_cost = load_benchmark("zero_cost")
    bench, scored_as = zero_cost.landscape("cifar10-swapped")
    space = bench.space
    arch = space.from_key("333142")
    assert space.to_key(scored_as(arch)) == "444132"
    assert scored_as(scored_as(arch)) == arch
    # Its optimum is the table's optimum with pools for convolutions: far from synflow's top.
    best = max(space.enumerate(), key=lambda a: bench.mean_accuracy(scored_as(a)))
    assert space.to_key(scored_as(best)) == space.to_key(bench.optimum[0])
    assert space.to_key(best).count("4") >= 3
    plain, identity = zero_cost.landscape("cifar100")
    assert identity(arch) is arch
    with pytest.raises(SystemExit, match="unknown landscape"):
        zero_cost.landscape("cifar10-rotated")


def test_a_run_is_reproducible_and_stops_at_the_optimum(load_benchmark: Loader) -> None:
    zero_cost = load_benchmark("zero_cost")
    variant = "synflow, 5 of 10 startup trials"
    first = zero_cost.run_one(variant, "cifar100-swapped", 3, 12)
    assert first == zero_cost.run_one(variant, "cifar100-swapped", 3, 12)
    assert len(first["ranks"]) == 12
    assert zero_cost.run_one(variant, "cifar100-swapped", 4, 12)["ranks"] != first["ranks"]
    ranks = zero_cost.run_one(variant, "cifar100", 0, 100)["ranks"]
    assert 1 not in ranks[:-1]
    assert ranks[-1] == 1 or len(ranks) == 100


def test_report_pairs_runs_by_seed(
    load_benchmark: Loader, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    zero_cost = load_benchmark("zero_cost")
    monkeypatch.setattr(zero_cost, "RAW", tmp_path / "raw")
    monkeypatch.setattr(zero_cost, "OUT", tmp_path / "zero_cost.md")
    monkeypatch.setattr(zero_cost, "_scores_table", lambda: ["(scores)"])
    (tmp_path / "raw").mkdir()
    runs = {
        ("no warm start", 0): [5, 1],  # found at query 2
        ("no warm start", 1): [5] * 100,  # never
        ("synflow, 5 of 10 startup trials", 0): [1],  # sooner
        ("synflow, 5 of 10 startup trials", 1): [5, 5, 1],  # sooner
        # Against the 5-of-10 start: later in seed 0, sooner in seed 1.
        ("synflow, 5 of 10 and prior (weight 5)", 0): [5, 1],
        ("synflow, 5 of 10 and prior (weight 5)", 1): [5, 1],
    }
    for (variant, seed), ranks in runs.items():
        record = {
            "variant": variant,
            "landscape": "cifar10",
            "seed": seed,
            "queries": 100,
            "ranks": ranks,
        }
        zero_cost._records.save(zero_cost._path(variant, "cifar10", seed, 100), record)
    zero_cost.main(["report"])
    text = (tmp_path / "zero_cost.md").read_text()
    assert "| cifar10 | no warm start | 2 | >100 | 51.0 | 1 / 2 | 1 | — |" in text
    assert (
        "| cifar10 | synflow, 5 of 10 startup trials | 2 | 2 | 2.0 | 2 / 2 | 2 "
        "| 2 / 0 (no warm start) |" in text
    )
    assert (
        "| cifar10 | synflow, 5 of 10 and prior (weight 5) | 2 | 2 | 2.0 | 2 / 2 | 2 "
        "| 1 / 1 (synflow, 5 of 10 startup trials) |" in text
    )


def test_run_writes_the_missing_records_only(
    load_benchmark: Loader,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    zero_cost = load_benchmark("zero_cost")
    monkeypatch.setattr(zero_cost, "RAW", tmp_path / "raw")
    args = ["run", "--landscapes", "cifar100", "--seeds", "2", "--queries", "3", "--jobs", "1"]
    zero_cost.main([*args, "--variants", "no warm start"])
    assert sorted(p.name for p in (tmp_path / "raw").iterdir()) == [
        "no-warm-start__cifar100__q3__s0.json.gz",
        "no-warm-start__cifar100__q3__s1.json.gz",
    ]
    [record] = zero_cost._records.load(
        [tmp_path / "raw" / "no-warm-start__cifar100__q3__s1.json.gz"]
    )
    assert record.pop("machine")["cpu_count"] >= 1  # the worker's facts, as the run ended
    assert record == zero_cost.run_one("no warm start", "cifar100", 1, 3)
    capsys.readouterr()
    zero_cost.main([*args, "--variants", "no warm start"])
    assert "0 runs to do" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="unknown variants"):
        zero_cost.main([*args, "--variants", "no warm start;lucky start"])


def test_the_prior_variant_is_the_default_on_nb201(load_benchmark: Loader) -> None:
    """The variant with the prior is what ``BONASSampler(NB201Space())`` does: same trials."""
    import optuna

    from bonas import NB201Benchmark

    zero_cost = load_benchmark("zero_cost")
    bench = NB201Benchmark("cifar100")
    runs = []
    for options in ({}, zero_cost.VARIANTS["synflow, 5 of 10 and prior (weight 5)"]):
        sampler = BONASSampler(NB201Space(), seed=2, **options)
        study = optuna.create_study(direction="maximize", sampler=sampler)
        study.optimize(bench.objective, n_trials=14)
        runs.append([t.params for t in study.trials])
    assert runs[0] == runs[1]
