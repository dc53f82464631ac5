"""BONASSampler on studies with several objectives, and with known and learned constraints."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import optuna
import pytest
from optuna.trial import TrialState

from bonas import BONASSampler, NB201Benchmark, NB201Space
from bonas.exceptions import ConfigurationError
from bonas.pareto import hypervolume
from bonas.spaces.pool import class_pool

optuna.logging.set_verbosity(optuna.logging.WARNING)
SPACE = NB201Space()
BENCH = NB201Benchmark("cifar10")
POOL = class_pool(SPACE)
SIZES = np.array([BENCH.model_size(a) for a in POOL.cells])


def size(arch: Any) -> float:
    return BENCH.model_size(arch)


def accuracy_and_size(trial: optuna.Trial) -> tuple[float, float]:
    arch = SPACE.suggest(trial)
    return BENCH.query(arch), BENCH.model_size(arch)


def accuracy_and_latency(trial: optuna.Trial) -> tuple[float, float]:
    arch = SPACE.suggest(trial)
    return BENCH.query(arch), BENCH.latency(arch)


def _mo_study(sampler: optuna.samplers.BaseSampler) -> optuna.Study:
    return optuna.create_study(directions=["maximize", "minimize"], sampler=sampler)


def _cells(study: optuna.Study) -> list[Any]:
    return [SPACE.from_params(t.params) for t in study.trials if t.params]


def test_several_objectives_are_modelled_not_handed_to_the_random_sampler(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sampler = BONASSampler(SPACE, seed=0, n_startup_trials=6, warm_start=None)
    study = _mo_study(sampler)
    with caplog.at_level(logging.WARNING):
        study.optimize(accuracy_and_latency, n_trials=16)
    assert not any("independent sampler" in r.getMessage() for r in caplog.records)
    # Each model-based trial took the top cell of a ranking made for it: the model chose it.
    assert sampler._ranking is not None
    assert sampler._ranking.trial == 15
    assert sampler._models.keys() == {"objective:0", "objective:1"}
    classes = [SPACE.canonical(a) for a in _cells(study)]
    assert len(set(classes)) == 16  # no class twice


def test_the_model_based_front_beats_a_random_one_of_the_same_size() -> None:
    """Hypervolume (accuracy × latency, normalized over the table) after 30 trials: the
    sampler's front against random search's, both on three seeds."""
    acc = np.array([BENCH.mean_accuracy(a) for a in POOL.cells])
    lat = np.array([BENCH.latency(a) for a in POOL.cells])

    def hv(cells: list[Any]) -> float:
        Y = np.array([[BENCH.mean_accuracy(a), BENCH.latency(a)] for a in cells])
        Y = np.column_stack(
            [(Y[:, 0] - acc.min()) / np.ptp(acc), (lat.max() - Y[:, 1]) / np.ptp(lat)]
        )
        return hypervolume(Y, ["maximize", "maximize"], [0.0, 0.0])

    ours, theirs = [], []
    for seed in range(3):
        study = _mo_study(BONASSampler(SPACE, seed=seed, n_startup_trials=8, warm_start=None))
        study.optimize(accuracy_and_latency, n_trials=30)
        ours.append(hv(_cells(study)))
        rand = _mo_study(optuna.samplers.RandomSampler(seed=seed))
        rand.optimize(accuracy_and_latency, n_trials=30)
        theirs.append(hv(_cells(rand)))
    assert np.mean(ours) > np.mean(theirs)


class CountingProxy:
    """synflow-like scores (the cell's size) that count the cells they were asked about."""

    def __init__(self) -> None:
        self.cells = 0

    def __call__(self, cells: list[Any]) -> np.ndarray:
        self.cells += len(cells)
        return np.array([BENCH.model_size(a) for a in cells], dtype=np.float64)


def test_a_learned_cost_objective_turns_the_proxy_off(caplog: pytest.LogCaptureFixture) -> None:
    """With a learned second objective (latency), a proxy that grows with size would pull
    the search to the costly end of the front: no startup cell and no prior come from it, so
    the trials are those of warm_start=None, and the sampler says so once."""
    proxy = CountingProxy()
    warm = BONASSampler(SPACE, seed=3, n_startup_trials=6, warm_start=proxy)
    cold = BONASSampler(SPACE, seed=3, n_startup_trials=6, warm_start=None)
    with caplog.at_level(logging.INFO, logger="bonas.samplers.bo"):
        ours = _mo_study(warm)
        ours.optimize(accuracy_and_latency, n_trials=14)
    theirs = _mo_study(cold)
    theirs.optimize(accuracy_and_latency, n_trials=14)
    assert [t.params for t in ours.trials] == [t.params for t in theirs.trials]
    assert proxy.cells == 0  # never asked
    told = [r for r in caplog.records if "proxy is not used" in r.getMessage()]
    assert len(told) == 1
    assert told[0].levelno == logging.WARNING  # the proxy was asked for, so it is a warning


def test_with_every_other_objective_known_the_proxy_picks_the_startup_cells() -> None:
    """Accuracy × a known size: the proxy's top cells start the search as with one
    objective (it can be weighed against the exact size)."""
    proxy = CountingProxy()
    sampler = BONASSampler(
        SPACE, seed=3, n_startup_trials=6, warm_start=proxy, known_objectives={1: size}
    )
    study = _mo_study(sampler)
    study.optimize(accuracy_and_size, n_trials=3)
    assert proxy.cells > 0
    top = set(sampler._guide.top()[1]) if sampler._guide is not None else set()
    assert all(SPACE.canonical(a) in top for a in _cells(study))


def test_a_known_objective_runs_the_leanest_member_of_each_class() -> None:
    """Members of a class compute one function; with the size known, the member run is the
    smallest one of its class (an unused convolution still has parameters)."""
    sampler = BONASSampler(SPACE, seed=1, n_startup_trials=6, known_objectives={1: size})
    study = _mo_study(sampler)
    study.optimize(accuracy_and_size, n_trials=14)
    for arch in _cells(study):
        members = POOL.class_of == POOL.index[SPACE.canonical(arch)]
        assert BENCH.model_size(arch) == pytest.approx(SIZES[members].min())
    assert "objective:1" not in sampler._models  # computed, never modelled


def _size_bounded(limit: float) -> BONASSampler:
    """A sampler told, as a known constraint, that a cell's size must not pass ``limit``."""
    return BONASSampler(
        SPACE,
        seed=0,
        n_startup_trials=6,
        known_constraints={"max_size": lambda a: BENCH.model_size(a) - limit},
    )


def test_a_known_constraint_is_never_broken() -> None:
    limit = float(np.quantile(SIZES, 0.25))
    sampler = _size_bounded(limit)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.optimize(BENCH.objective, n_trials=20)
    sizes = [BENCH.model_size(a) for a in _cells(study)]
    assert len(sizes) == 20
    assert max(sizes) <= limit
    # The constrained optimum is what it looks for: the best feasible cells beat random ones.
    accuracies = np.array([BENCH.mean_accuracy(a) for a in POOL.cells])
    feasible = accuracies[SIZES <= limit]
    assert max(t.value for t in study.trials) > np.quantile(feasible, 0.95)


def test_under_a_known_constraint_the_proxy_picks_among_feasible_classes() -> None:
    """synflow's best cells are the biggest, all ruled out by a bound on the size: the warm
    start's picks are the proxy's best among the classes that meet it, not random cells."""
    sampler = _size_bounded(float(np.quantile(SIZES, 0.25)))
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.optimize(BENCH.objective, n_trials=sampler.n_warm_start)
    assert sampler._guide is not None
    excluded = sampler.excluded_classes()
    assert not set(sampler._guide.top()[1]) - excluded  # the space's top: all too big
    feasible_top = set(sampler._guide.top(excluded)[1])
    assert len(feasible_top) == sampler.warm_start_pool
    assert all(SPACE.canonical(a) in feasible_top for a in _cells(study))


def test_a_constraint_no_cell_meets_is_an_error_naming_it() -> None:
    with pytest.raises(ConfigurationError, match="'known_constraints'.*'tiny' holds for 0"):
        BONASSampler(SPACE, known_constraints={"tiny": lambda a: BENCH.model_size(a) - 0.01})


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"known_objectives": [size]}, "'known_objectives'.*dict"),
        ({"known_objectives": {-1: size}}, "'known_objectives'.*indices"),
        ({"known_objectives": {1: "size"}}, r"'known_objectives\[1\]'.*function"),
        ({"known_constraints": 3}, "'known_constraints'"),
        ({"known_constraints": {"c": None}}, r"'known_constraints\['c'\]'"),
    ],
)
def test_malformed_known_options_are_errors_at_construction(
    options: dict[str, Any], match: str
) -> None:
    with pytest.raises(ConfigurationError, match=match):
        BONASSampler(SPACE, **options)


def test_a_known_objective_outside_the_study_stops_it() -> None:
    study = _mo_study(BONASSampler(SPACE, seed=0, known_objectives={2: size}))
    with pytest.raises(ConfigurationError, match="objective 2.*2 objective"):
        study.optimize(accuracy_and_size, n_trials=3)


def test_a_learned_constraint_steers_the_proposals_to_feasible_cells() -> None:
    """Latency at most its 20th percentile, told through trial.set_constraint: the
    model-based trials are feasible more often than those of the same sampler not told."""
    lats = np.array([BENCH.latency(a) for a in POOL.cells])
    limit = float(np.quantile(lats, 0.2))

    def run(tell: bool, seed: int) -> tuple[BONASSampler, list[bool]]:
        def objective(trial: optuna.Trial) -> float:
            arch = SPACE.suggest(trial)
            if tell:
                trial.set_constraint("latency", BENCH.latency(arch) - limit)
            return BENCH.query(arch)

        sampler = BONASSampler(SPACE, seed=seed, n_startup_trials=10, warm_start=None)
        study = optuna.create_study(direction="maximize", sampler=sampler)
        study.optimize(objective, n_trials=30)
        later = [SPACE.from_params(t.params) for t in study.trials if t.number >= 10]
        return sampler, [BENCH.latency(a) <= limit for a in later]

    told = [run(True, seed) for seed in (0, 1)]
    assert all("constraint:latency" in sampler._models for sampler, _ in told)
    feasible_told = np.mean([f for _, runs in told for f in runs])
    feasible_not = np.mean([f for seed in (0, 1) for f in run(False, seed)[1]])
    assert feasible_told > feasible_not + 0.1


def test_with_its_defaults_a_learned_constraint_keeps_most_proposals_feasible() -> None:
    """Latency at most the median, learned, with the default synflow warm start and prior
    (which favour large, slow cells): local steps start from feasible cells and a cell the
    constraint's model finds more likely infeasible than not is not proposed while others
    are likely feasible, so most model-based trials meet the bound."""
    lats = np.array([BENCH.latency(a) for a in POOL.cells])
    limit = float(np.median(lats))

    def objective(trial: optuna.Trial) -> float:
        arch = SPACE.suggest(trial)
        trial.set_constraint("latency", BENCH.latency(arch) - limit)
        return BENCH.query(arch)

    feasible = []
    for seed in (0, 1):
        study = optuna.create_study(direction="maximize", sampler=BONASSampler(SPACE, seed=seed))
        study.optimize(objective, n_trials=40)
        feasible += [t.constraints["latency"] <= 0 for t in study.trials[10:]]
    assert np.mean(feasible) > 0.5


def test_same_seed_same_trials_with_several_objectives() -> None:
    runs = []
    for _ in range(2):
        study = _mo_study(BONASSampler(SPACE, seed=5, n_startup_trials=5, warm_start=None))
        study.optimize(accuracy_and_latency, n_trials=9)
        runs.append([t.params for t in study.trials])
    assert runs[0] == runs[1]


def test_failed_and_infinite_trials_of_a_multi_objective_study_are_not_learned() -> None:
    def objective(trial: optuna.Trial) -> tuple[float, float]:
        arch = SPACE.suggest(trial)
        if trial.number == 2:
            raise RuntimeError("worker died")
        if trial.number == 3:
            return BENCH.query(arch), float("inf")
        return BENCH.query(arch), BENCH.latency(arch)

    sampler = BONASSampler(SPACE, seed=0, n_startup_trials=5, warm_start=None)
    study = _mo_study(sampler)
    study.optimize(objective, n_trials=10, catch=(RuntimeError,))
    state = sampler.read_trials(study)
    assert len(state.objectives) == len(state.archs) == 8  # trial 2 failed, trial 3 was inf
    assert [t.state for t in study.trials].count(TrialState.FAIL) == 1
    assert all(np.isfinite(state.objectives).ravel())
