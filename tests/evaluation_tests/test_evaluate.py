"""``evaluate_surrogates`` on the NB201 table: the protocol (classes, held-out sets, modes,
seeds), proxies, plug-ins by ``"module:Class"``, the copula back-map, and its errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bonas import NB201Benchmark, TabularBenchmark
from bonas.evaluation import METRICS, RANK_METRICS, evaluate_surrogates
from bonas.exceptions import ConfigurationError
from bonas.proxies import as_proxy
from bonas.spaces.pool import class_pool

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
N_CLASSES = 6466
TIMES = ("fit_seconds", "predict_seconds_per_1000")


@pytest.fixture(scope="module")
def bench() -> NB201Benchmark:
    return NB201Benchmark("cifar10")


def _untimed(records: Any) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k not in TIMES} for r in records]


def test_every_run_is_recorded_with_every_metric(bench: NB201Benchmark) -> None:
    result = evaluate_surrogates(
        bench, surrogates=["gp"], encodings=["path", "adjacency"], train_sizes=[10, 30], repeats=2
    )
    keys = {(r["encoding"], r["train_size"], r["repeat"]) for r in result.records}
    assert keys == {(e, s, k) for e in ("path", "adjacency") for s in (10, 30) for k in (0, 1)}
    for record in result.records:
        assert record["table"] == bench.name
        assert record["mode"] == "mean"
        assert record["n_test"] == N_CLASSES - record["train_size"]
        assert all(isinstance(record[m], float) for m in METRICS), record
        assert 0 < record["kendall_tau"] < 1
        assert 0 <= record["coverage_90"] <= 1
        assert record["coverage_50"] <= record["coverage_90"]
        assert len(record["calibration"]) == 11
    rows = result.summary()
    assert [(r["encoding"], r["train_size"], r["n_runs"]) for r in rows] == [
        ("path", 10, 2),
        ("path", 30, 2),
        ("adjacency", 10, 2),
        ("adjacency", 30, 2),
    ]
    taus = [r["kendall_tau"] for r in result.records[:2]]
    assert rows[0]["kendall_tau"] == pytest.approx(np.mean(taus))


def test_the_same_seed_gives_the_same_records(bench: NB201Benchmark) -> None:
    options: dict[str, Any] = {
        "surrogates": ["gp", "ensemble"],
        "encodings": ["path"],
        "train_sizes": [12],
        "repeats": 2,
    }
    first = evaluate_surrogates(bench, seed=3, **options)
    again = evaluate_surrogates(bench, seed=3, **options)
    other = evaluate_surrogates(bench, seed=4, **options)
    assert _untimed(first.records) == _untimed(again.records)
    assert _untimed(first.records) != _untimed(other.records)
    # Repeats split in blocks give the records of one call.
    block = evaluate_surrogates(bench, seed=3, first_repeat=1, **{**options, "repeats": 1})
    assert _untimed(block.records) == _untimed(first.records[2:])


def test_noisy_mode_trains_on_one_seed_and_is_scored_on_means(bench: NB201Benchmark) -> None:
    options: dict[str, Any] = {
        "surrogates": ["gp"],
        "encodings": ["adjacency"],
        "train_sizes": [40],
        "repeats": 1,
    }
    mean = evaluate_surrogates(bench, mode="mean", **options).records[0]
    noisy = evaluate_surrogates(bench, mode="noisy", **options).records[0]
    assert noisy["mode"] == "noisy"
    assert noisy["n_test"] == mean["n_test"]
    assert noisy["kendall_tau"] != mean["kendall_tau"]
    # A table with one seed per cell has no noise: both modes give the same records.
    space = bench.space
    reps = class_pool(space).representatives
    one_seed = TabularBenchmark.from_mapping(
        space,
        {space.to_string(c): bench.mean_accuracy(c) for c in reps},
        name="one-seed",
        match="canonical",
    )
    a = evaluate_surrogates(one_seed, mode="mean", **options).records[0]
    b = evaluate_surrogates(one_seed, mode="noisy", **options).records[0]
    assert _untimed([a]) == [{**_untimed([b])[0], "mode": "mean"}]
    assert a["kendall_tau"] == pytest.approx(mean["kendall_tau"])


def test_a_proxy_is_scored_on_every_class_by_rank_only(bench: NB201Benchmark) -> None:
    def oracle(cells: list[Any]) -> list[float]:
        return [bench.mean_accuracy(c) for c in cells]

    def flat(cells: list[Any]) -> list[float]:
        return [1.0] * len(cells)

    result = evaluate_surrogates(bench, surrogates=[], proxies=[as_proxy(oracle), flat])
    best, constant = result.records
    assert (best["surrogate"], constant["surrogate"]) == ("oracle", "flat")
    assert best["train_size"] == 0
    assert best["n_test"] == N_CLASSES
    assert best["encoding"] == ""
    assert best["kendall_tau"] == pytest.approx(1.0)
    assert best["precision_top1"] == 1.0
    assert constant["kendall_tau"] == 0.0
    for record in result.records:
        assert all(record[m] is None for m in METRICS if m not in RANK_METRICS)


def test_plug_ins_by_module_and_class(bench: NB201Benchmark, monkeypatch: Any) -> None:
    monkeypatch.syspath_prepend(str(EXAMPLES))
    result = evaluate_surrogates(
        bench,
        surrogates=["forest_surrogate:ForestSurrogate"],
        encodings=["op_pair_encoding:OpPairEncoder", "path"],
        train_sizes=[30],
        repeats=1,
    )
    runs = {r["encoding"]: r for r in result.records}
    assert set(runs) == {"op_pair_encoding:OpPairEncoder", "path"}
    for record in runs.values():
        assert record["surrogate"] == "forest_surrogate:ForestSurrogate"
        assert record["kendall_tau"] > 0.2
        assert 0 < record["coverage_90"] < 1  # the trees' spread is a real interval
    # The same classes by class and instance: the same records.
    from forest_surrogate import ForestSurrogate  # type: ignore[import-not-found]
    from op_pair_encoding import OpPairEncoder  # type: ignore[import-not-found]

    by_class = evaluate_surrogates(
        bench,
        surrogates=[ForestSurrogate],
        encodings=[OpPairEncoder(bench.space.graph_spec)],
        train_sizes=[30],
        repeats=1,
    ).records[0]
    assert by_class["surrogate"] == "ForestSurrogate"
    assert by_class["encoding"] == "op_pairs"
    assert by_class["kendall_tau"] == runs["op_pair_encoding:OpPairEncoder"]["kendall_tau"]


def test_copula_targets_are_scored_in_the_units_of_the_table(bench: NB201Benchmark) -> None:
    space = bench.space
    reps = class_pool(space).representatives
    values = {space.to_string(c): bench.mean_accuracy(c) for c in reps}
    options: dict[str, Any] = {
        "surrogates": ["gp"],
        "encodings": ["path"],
        "train_sizes": [25],
        "repeats": 1,
        "target_transform": "copula",
    }
    tables = [
        TabularBenchmark.from_mapping(
            space, {k: a * v + b for k, v in values.items()}, name="t", match="canonical"
        )
        for a, b in ((1.0, 0.0), (10.0, 3.0))
    ]
    plain, scaled = (evaluate_surrogates(t, **options).records[0] for t in tables)
    assert plain["nll"] is None
    assert plain["target_transform"] == "copula"
    # Normal scores do not see an affine change of the values, and the back-map follows it.
    for metric in (*RANK_METRICS, "coverage_50", "coverage_90"):
        assert scaled[metric] == pytest.approx(plain[metric]), metric
    assert scaled["mae"] == pytest.approx(10 * plain["mae"])


def test_clear_errors_name_the_parameter(bench: NB201Benchmark) -> None:
    def run(**options: Any) -> None:
        evaluate_surrogates(bench, **{"train_sizes": [10], "repeats": 1, **options})

    with pytest.raises(ConfigurationError, match=r"'train_sizes' parameter .* <= 6464"):
        run(train_sizes=[10, 7000])
    with pytest.raises(ConfigurationError, match="'train_sizes' parameter"):
        run(train_sizes=[0])
    with pytest.raises(ConfigurationError, match=r"'surrogates' parameter .*'gpp'.*'gp'"):
        run(surrogates=["gpp"])
    with pytest.raises(ConfigurationError, match=r"'encodings' parameter .*'paths'"):
        run(encodings=["paths"])
    with pytest.raises(ConfigurationError, match=r"'surrogates' parameter .*no_such_module"):
        run(surrogates=["no_such_module:Model"])
    with pytest.raises(ConfigurationError, match=r"'proxies' parameter .*'flow'"):
        run(proxies=["flow"])
    with pytest.raises(ConfigurationError, match=r"'surrogates' parameter .*more than once"):
        run(surrogates=["gp", "gp"])
    with pytest.raises(ConfigurationError, match="'mode' parameter"):
        run(mode="median")


def test_the_forest_example_passes_the_surrogate_conformance_suite(monkeypatch: Any) -> None:
    from bonas.testing.surrogates import check_surrogate

    monkeypatch.syspath_prepend(str(EXAMPLES))
    from forest_surrogate import ForestSurrogate

    check_surrogate(lambda: ForestSurrogate(n_estimators=30, seed=0))
