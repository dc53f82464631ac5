"""Tests of bonas.nb201.objectives: NB201's multi-objective benchmark and its true fronts.

The fronts are checked by brute force over all 15,625 cells (every cell off the front is
dominated by a front cell), the studies are real Optuna studies, and a hand-made table of 30
cells has a front known by construction.
"""

from __future__ import annotations

import itertools
import pickle

import numpy as np
import optuna
import pytest

from bonas.exceptions import ConfigurationError
from bonas.nb201.costs import count_flops, count_params, flops_table, params_table
from bonas.nb201.objectives import (
    KNOWN_OBJECTIVES,
    OBJECTIVES,
    ExactCost,
    NB201MultiObjective,
)
from bonas.nb201.table import NB201Benchmark
from bonas.pareto import hypervolume, maximized, non_dominated
from bonas.spaces.nb201 import NB201Space
from bonas.tabular import TabularBenchmark

optuna.logging.set_verbosity(optuna.logging.WARNING)

SPACE = NB201Space()
OBJECTIVE_SETS = (
    ("accuracy", "latency"),
    ("accuracy", "params"),
    ("accuracy", "latency", "params"),
)


@pytest.fixture(scope="module")
def bench() -> NB201Benchmark:
    return NB201Benchmark("cifar10")


def _dominated_by(front: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Whether each row of ``Y`` (maximized) is dominated by some row of ``front``."""
    ge = (front[None, :, :] >= Y[:, None, :]).all(axis=2)
    gt = (front[None, :, :] > Y[:, None, :]).any(axis=2)
    return (ge & gt).any(axis=1)


@pytest.mark.parametrize("objectives", OBJECTIVE_SETS)
def test_true_front_is_the_set_of_non_dominated_cells(
    bench: NB201Benchmark, objectives: tuple[str, ...]
) -> None:
    mo = NB201MultiObjective(bench, objectives)
    front = mo.true_front()
    assert 2 <= len(front) < 100  # small, as the issue says
    Y = maximized(mo.table_values, mo.directions)
    on_front = np.zeros(len(Y), dtype=bool)
    on_front[front.rows] = True
    # No front cell is dominated, by anything; every other cell is dominated by a front cell.
    assert not _dominated_by(Y, Y[on_front]).any()
    assert _dominated_by(Y[on_front], Y[~on_front]).all()
    # The front's record is consistent.
    assert front.objectives == objectives
    assert np.array_equal(front.values, mo.values(front.cells))
    assert [mo.benchmark.index(c) for c in front.cells] == front.rows.tolist()
    assert front.canonical == tuple(SPACE.canonical(c) for c in front.cells)
    assert front.classes == set(front.canonical)
    assert 0.0 < front.hypervolume <= 1.0
    assert mo.true_front() is front  # computed once


def test_front_of_each_dataset_holds_the_accuracy_optimum() -> None:
    for dataset in ("cifar10", "cifar100", "imagenet16-120"):
        mo = NB201MultiObjective(dataset, ("accuracy", "params"))
        front = mo.true_front()
        optimum, value = mo.benchmark.optimum
        assert value == front.values[:, 0].max()
        assert SPACE.canonical(optimum) in front.classes


def test_hypervolume_of_the_true_front_beats_every_random_subset(bench: NB201Benchmark) -> None:
    mo = NB201MultiObjective(bench, ("accuracy", "latency", "params"))
    front = mo.true_front()
    rng = np.random.default_rng(0)
    for size in (1, 10, 50, 200, 1000):
        rows = rng.choice(len(SPACE), size=size, replace=False)
        cells = [bench.arch(int(r)) for r in rows]
        hv = mo.hypervolume(mo.values(cells))
        assert 0.0 <= hv <= front.hypervolume
        assert mo.hypervolume_regret(cells) == pytest.approx(front.hypervolume - hv)
    # The front's cells and the whole table have no regret; the front plus anything neither.
    assert mo.hypervolume_regret(front.cells) == pytest.approx(0.0, abs=1e-12)
    assert mo.hypervolume_regret(SPACE.enumerate()) == pytest.approx(0.0, abs=1e-12)
    more = [*front.cells, *(bench.arch(int(r)) for r in rng.choice(len(SPACE), size=30))]
    assert mo.hypervolume_regret(more) == pytest.approx(0.0, abs=1e-12)
    # Leaving out one front cell costs volume; nothing evaluated costs all of it.
    assert mo.hypervolume_regret(front.cells[1:]) > 0.0
    assert mo.hypervolume_regret([]) == front.hypervolume


def test_front_classes_found(bench: NB201Benchmark) -> None:
    mo = NB201MultiObjective(bench, ("accuracy", "latency"))
    front = mo.true_front()
    assert mo.front_classes_found(front.cells) == 1.0
    assert mo.front_classes_found([]) == 0.0
    # One cell of each class counts for the class, whichever member it is.
    members = {c: [a for a in SPACE.enumerate() if SPACE.canonical(a) == c] for c in front.classes}
    one_each = [cells[-1] for cells in members.values()]
    assert mo.front_classes_found(one_each) == 1.0
    half = sorted(front.classes)[: len(front.classes) // 2]
    picked = [members[c][0] for c in half]
    assert mo.front_classes_found(picked) == len(half) / len(front.classes)
    assert mo.front_classes_found([SPACE.to_string(c) for c in picked]) == len(half) / len(
        front.classes
    )


def test_values_are_mean_mode_in_every_mode() -> None:
    noisy = NB201MultiObjective(
        "cifar10", ("params", "accuracy", "flops", "latency"), mode="noisy", seed=3
    )
    assert noisy.mode == "noisy"
    assert noisy.seed == 3
    cells = ["333132", "000000", SPACE.from_key("123401")]
    values = noisy.values(cells)
    bench = noisy.benchmark
    for cell, (p, a, f, lat) in zip(cells, values, strict=True):
        assert p == count_params(cell, "cifar10")
        assert a == bench.mean_accuracy(cell)
        assert f == count_flops(cell, "cifar10")
        assert lat == bench.latency(cell)
    assert noisy.values([]).shape == (0, 4)
    assert np.array_equal(noisy.column("params"), params_table("cifar10"))
    assert np.array_equal(noisy.column("flops"), flops_table("cifar10"))
    assert not noisy.table_values.flags.writeable


def test_normalized_is_one_at_the_best_and_zero_at_the_worst(bench: NB201Benchmark) -> None:
    mo = NB201MultiObjective(bench, ("accuracy", "latency", "params", "flops"))
    Z = mo.normalized(mo.table_values)
    assert np.allclose(Z.max(axis=0), 1.0)
    assert np.allclose(Z.min(axis=0), 0.0)
    assert Z[np.argmax(bench.mean_accuracies), 0] == 1.0
    assert Z[np.argmin(bench.latencies), 1] == 1.0
    assert Z[bench.index("000000"), 2] == 1.0  # the fewest parameters and FLOPs
    assert Z[bench.index("333333"), 3] == 0.0  # the most FLOPs
    assert mo.reference.tolist() == [0.0] * 4
    with pytest.raises(ConfigurationError, match="'values' parameter of NB201MultiObjective"):
        mo.normalized(np.zeros((3, 2)))


def test_known_objectives_are_the_exact_costs() -> None:
    mo = NB201MultiObjective("cifar100", ("flops", "accuracy", "params"))
    assert set(mo.known) == {0, 2}
    cell = SPACE.from_key("333132")
    assert mo.known[0](cell) == float(count_flops(cell, "cifar100"))
    assert mo.known[2](cell) == float(count_params(cell, "cifar100"))
    assert isinstance(mo.known[2](cell), float)
    assert pickle.loads(pickle.dumps(mo.known[2])) == ExactCost("params", "cifar100")
    assert NB201MultiObjective("cifar100", ("accuracy", "latency")).known == {}
    assert set(KNOWN_OBJECTIVES) <= set(OBJECTIVES)


@pytest.mark.parametrize(
    ("sampler", "objectives"),
    [
        (optuna.samplers.NSGAIISampler, ("accuracy", "latency")),
        (optuna.samplers.RandomSampler, ("accuracy", "latency", "params", "flops")),
    ],
)
def test_a_real_multi_objective_study(sampler: type, objectives: tuple[str, ...]) -> None:
    mo = NB201MultiObjective("imagenet16-120", objectives)
    study = optuna.create_study(directions=mo.directions, sampler=sampler(seed=0))
    study.optimize(mo.objective, n_trials=30)
    assert [d.name.lower() for d in study.directions] == list(mo.directions)
    trials = study.get_trials(states=[optuna.trial.TrialState.COMPLETE])
    assert len(trials) == 30
    for trial in trials:
        assert trial.values is not None
        assert len(trial.values) == len(objectives)
        arch = SPACE.from_params(trial.params)
        assert trial.values == mo.values([arch])[0].tolist()
        assert trial.user_attrs["arch"] == SPACE.to_string(arch)
        assert trial.user_attrs["train_time"] == mo.benchmark.train_time(arch)
        assert trial.user_attrs["canonical"] == SPACE.canonical(arch)
    archs = [SPACE.from_params(t.params) for t in trials]
    assert 0.0 < mo.hypervolume_regret(archs) < mo.true_front().hypervolume


def test_noisy_accuracy_is_one_seed_and_a_single_objective_study_works() -> None:
    mo = NB201MultiObjective("cifar10", ("accuracy",), mode="noisy", seed=0)
    assert mo.directions == ["maximize"]
    study = optuna.create_study(directions=mo.directions, sampler=optuna.samplers.RandomSampler(0))
    study.optimize(mo.objective, n_trials=10)
    for trial in study.trials:
        arch = SPACE.from_params(trial.params)
        assert trial.values[0] in mo.benchmark.seed_accuracies(arch)


def test_thresholds_come_from_the_table(bench: NB201Benchmark) -> None:
    mo = NB201MultiObjective(bench)
    params = params_table("cifar10")
    assert mo.quantile("params", 0.5) == float(np.median(params))  # 15,625 cells: a cell's
    assert mo.quantile("params", 0.25) in params
    assert mo.quantile("params", 0.25) <= mo.quantile("params", 0.5)
    assert mo.quantile("latency", 0.5) == float(np.median(bench.latencies))
    assert mo.quantile("flops", 0.0) == float(flops_table("cifar10").min())
    assert mo.quantile("accuracy", 1.0) == bench.optimum[1]
    with pytest.raises(ConfigurationError, match="'q' parameter of NB201MultiObjective.quantile"):
        mo.quantile("params", 1.5)
    with pytest.raises(ConfigurationError, match="'name' parameter of NB201MultiObjective"):
        mo.quantile("size", 0.5)


def test_constrained_optimum_is_the_most_accurate_feasible_cell(bench: NB201Benchmark) -> None:
    mo = NB201MultiObjective(bench, ("accuracy", "latency"))
    assert mo.constrained_optimum() == bench.optimum
    params, latency = params_table("cifar10"), bench.latencies
    cases = [
        {"max_params": mo.quantile("params", 0.5)},
        {"max_params": mo.quantile("params", 0.25)},
        {"max_latency": mo.quantile("latency", 0.5)},
        {"max_params": mo.quantile("params", 0.5), "max_flops": mo.quantile("flops", 0.25)},
    ]
    for bounds in cases:
        cell, value = mo.constrained_optimum(**bounds)
        mask = np.ones(len(SPACE), dtype=bool)
        if "max_params" in bounds:
            mask &= params <= bounds["max_params"]
        if "max_latency" in bounds:
            mask &= latency <= bounds["max_latency"]
        if "max_flops" in bounds:
            mask &= flops_table("cifar10") <= bounds["max_flops"]
        assert np.array_equal(mo.feasible(**bounds), mask)
        assert mask[bench.index(cell)]
        assert value == bench.mean_accuracy(cell) == bench.mean_accuracies[mask].max()
        assert value < bench.optimum[1]  # each of these bounds excludes the optimum


def test_a_bound_no_cell_satisfies_is_a_clear_error(bench: NB201Benchmark) -> None:
    mo = NB201MultiObjective(bench)
    with pytest.raises(
        ConfigurationError, match=r"No cell of NB201 cifar10 satisfies.*max_params"
    ):
        mo.constrained_optimum(max_params=mo.quantile("params", 0.0) - 1)
    with pytest.raises(ConfigurationError, match="'max_latency' parameter"):
        mo.feasible(max_latency=float("nan"))


@pytest.mark.parametrize(
    ("objectives", "match"),
    [
        (
            ("accuracy", "size"),
            r"'objectives' parameter of NB201MultiObjective.*'accuracy', 'latency', 'params', "
            r"'flops'.*Got \('accuracy', 'size'\) instead.*Unknown: \['size'\]",
        ),
        (("accuracy", "params", "accuracy"), r"Named more than once: \['accuracy'\]"),
        ((), r"Got \(\) instead. Name one objective or more"),
        ("accuracy", r"Got 'accuracy' instead"),
        (None, r"Got None instead"),
    ],
)
def test_bad_objectives_are_refused(bench: NB201Benchmark, objectives: object, match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        NB201MultiObjective(bench, objectives)  # type: ignore[arg-type]


def test_bad_benchmark_arguments_are_refused(bench: NB201Benchmark) -> None:
    with pytest.raises(ConfigurationError, match=r"\['mode'\] parameter\(s\) of NB201Multi"):
        NB201MultiObjective(bench, mode="noisy")
    with pytest.raises(ConfigurationError, match="'dataset' parameter of NB201Benchmark"):
        NB201MultiObjective("mnist")
    with pytest.raises(ConfigurationError, match="'benchmark' parameter of NB201MultiObjective"):
        NB201MultiObjective(3)  # type: ignore[arg-type]
    assert repr(NB201MultiObjective(bench)) == (
        "NB201MultiObjective('cifar10', objectives=('accuracy', 'latency'), mode='mean', "
        "seed=None)"
    )


# -- a hand-made table whose front is known ------------------------------------------------------
def test_a_hand_made_table_of_30_cells_has_the_front_it_was_built_with() -> None:
    """Six cells trade accuracy for latency (each more accurate and slower than the last);
    each of the other 24 is slower and less accurate than one of them, so it is dominated."""
    cells = list(itertools.islice(SPACE.enumerate(), 30))
    front_rows = range(6)
    accuracy = {}
    latency = {}
    for i in front_rows:
        accuracy[SPACE.to_string(cells[i])] = 60.0 + 5.0 * i
        latency[SPACE.to_string(cells[i])] = 1.0 + i
    for j, cell in enumerate(cells[6:]):
        beaten = j % 6  # a front cell it is worse than in both objectives
        accuracy[SPACE.to_string(cell)] = 60.0 + 5.0 * beaten - 1.0 - (j // 6)
        latency[SPACE.to_string(cell)] = 1.0 + beaten + 0.5
    table = TabularBenchmark.from_mapping(SPACE, accuracy, latency=latency, name="hand-made")
    Y = np.column_stack([table.mean_accuracies, table.latencies])
    directions = ["maximize", "minimize"]
    mask = non_dominated(Y, directions)
    assert [table.arch(int(r)) for r in np.flatnonzero(mask)] == cells[:6]
    # Its hypervolume from (55 %, 8 s) is a staircase: front cell i, the best within the
    # latencies from its own to the next front cell's (to 8 s for the last), adds that strip.
    reference = [55.0, 8.0]
    steps = [*(1.0 + i for i in front_rows), 8.0]
    staircase = sum((60.0 + 5.0 * i - 55.0) * (steps[i + 1] - steps[i]) for i in front_rows)
    assert hypervolume(Y, directions, reference) == pytest.approx(staircase)
    assert hypervolume(Y[mask], directions, reference) == hypervolume(Y, directions, reference)
    assert hypervolume(Y[~mask], directions, reference) < staircase
