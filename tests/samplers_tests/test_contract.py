"""What every bonas peer sampler promises: valid, distinct, reproducible cells on any space
and storage, shared safely between workers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import optuna
import pytest

from bonas import BONASSampler, CellSpace, NB201Benchmark, NB201Space
from bonas.exceptions import ConfigurationError
from bonas.samplers import (
    EvolutionSampler,
    LocalSearchSampler,
    RandomSearchSampler,
    REINFORCESampler,
    SpaceSampler,
)
from bonas.spaces.base import SearchSpace

optuna.logging.set_verbosity(optuna.logging.WARNING)

Factory = Callable[..., SpaceSampler]
SAMPLERS: dict[str, Factory] = {
    "random": RandomSearchSampler,
    "evolution": EvolutionSampler,
    "reinforce": REINFORCESampler,
    "local_search": LocalSearchSampler,
    # BANANAS with shorter ensemble training, so that the suite stays quick.
    "bananas": lambda space, **kw: BONASSampler.bananas(
        space, **{"surrogate_kwargs": {"epochs": 50}, **kw}
    ),
}
# Smaller settings, so that a short study reaches each strategy's own moves.
SHORT: dict[str, dict[str, Any]] = {
    "random": {},
    "evolution": {"population_size": 6, "tournament_size": 3},
    "reinforce": {"learning_rate": 0.05},
    "local_search": {"n_init": 5},
    "bananas": {"n_startup_trials": 4},
}
NAMES = list(SAMPLERS)


@pytest.fixture(scope="module")
def bench() -> NB201Benchmark:
    return NB201Benchmark("cifar10")


def _study(sampler: optuna.samplers.BaseSampler, storage: str | None = None) -> optuna.Study:
    return optuna.create_study(direction="maximize", sampler=sampler, storage=storage)


def _classes(space: SearchSpace[Any], study: optuna.Study) -> list[str]:
    return [space.canonical(space.from_params(t.params)) for t in study.trials if t.params]


@pytest.mark.parametrize("name", NAMES)
def test_valid_distinct_cells_on_nb201(name: str, bench: NB201Benchmark) -> None:
    study = _study(SAMPLERS[name](bench.space, seed=0))
    study.optimize(bench.objective, n_trials=60)
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
    classes = _classes(bench.space, study)
    assert len(classes) == len(set(classes)) == 60
    # The benchmark's objective recorded the same class: the parameters are the cell.
    assert classes == [t.user_attrs["canonical"] for t in study.trials]


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_trials(name: str, bench: NB201Benchmark) -> None:
    runs = []
    for seed in (3, 3, 4):
        study = _study(SAMPLERS[name](bench.space, seed=seed, **SHORT[name]))
        study.optimize(bench.objective, n_trials=25)
        runs.append([t.params for t in study.trials])
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def _nb101_objective(space: CellSpace) -> Callable[[optuna.Trial], float]:
    def objective(trial: optuna.Trial) -> float:
        graph = space.to_graph(space.suggest(trial))
        ops = [graph.nodes[v]["op"] for v in graph.nodes]
        return ops.count("conv3x3-bn-relu") + 0.5 * graph.number_of_edges() / 9

    return objective


@pytest.mark.parametrize("name", NAMES)
def test_valid_distinct_cells_on_nb101(name: str) -> None:
    space = CellSpace.nb101()
    study = _study(SAMPLERS[name](space, seed=0, **SHORT[name]))
    study.optimize(_nb101_objective(space), n_trials=30)
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
    cells = [space.from_params(t.params) for t in study.trials]
    assert all(space.validate(c) is c for c in cells)
    keys = [space.canonical(c) for c in cells]
    assert len(keys) == len(set(keys)) == 30


@pytest.mark.parametrize("name", NAMES)
def test_sqlite_storage_with_two_threads(name: str, bench: NB201Benchmark, tmp_path: Path) -> None:
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    study = _study(SAMPLERS[name](bench.space, seed=0, **SHORT[name]), storage=storage)
    study.optimize(bench.objective, n_trials=10, n_jobs=2)
    classes = _classes(bench.space, study)
    assert len(classes) == len(set(classes)) == 10
    again = optuna.load_study(study_name=study.study_name, storage=storage)
    assert [t.params for t in again.trials] == [t.params for t in study.trials]


@pytest.mark.parametrize("name", NAMES)
def test_running_trials_are_avoided_and_enqueued_trials_kept(
    name: str, bench: NB201Benchmark
) -> None:
    space = bench.space
    study = _study(SAMPLERS[name](space, seed=1, **SHORT[name]))
    best = space.from_key("333132")
    study.enqueue_trial(space.to_params(best))
    study.optimize(bench.objective, n_trials=8)
    assert space.from_params(study.trials[0].params) == best
    running = [study.ask() for _ in range(4)]  # asked, not told: RUNNING
    archs = [space.suggest(t) for t in running]
    keys = {space.canonical(a) for a in archs} | set(_classes(space, study)[:8])
    assert len(keys) == 12
    for trial, arch in zip(running, archs, strict=True):
        study.tell(trial, bench.query(arch))


def test_minimize_and_failed_trials(bench: NB201Benchmark) -> None:
    space = bench.space
    study = optuna.create_study(
        direction="minimize",
        sampler=EvolutionSampler(space, population_size=5, tournament_size=2, seed=0),
    )

    def objective(trial: optuna.Trial) -> float:
        arch = space.suggest(trial)
        if trial.number == 3:
            raise RuntimeError("the GPU fell over")
        return bench.regret(arch)

    study.optimize(objective, n_trials=20, catch=(RuntimeError,))
    assert study.trials[3].state == optuna.trial.TrialState.FAIL
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    values = [float(t.value) for t in complete]  # type: ignore[arg-type]
    # Evolution minimizes: its latest children's mean regret beats the random start's.
    assert sum(values[-8:]) / 8 < sum(values[:5]) / 5


@pytest.mark.parametrize(
    "make",
    [
        lambda space: LocalSearchSampler(space, n_init=2, seed=0),
        lambda space: BONASSampler(space, n_startup_trials=2, seed=0),
    ],
    ids=["local_search", "bonas"],
)
def test_extra_parameters_fall_back_with_a_logged_reason(
    make: Callable[[SearchSpace[Any]], SpaceSampler],
    bench: NB201Benchmark,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The fallback lives in SpaceSampler, so BONASSampler is checked here with the baselines.
    study = _study(make(bench.space))

    def objective(trial: optuna.Trial) -> float:
        lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
        return bench.objective(trial) - lr

    with caplog.at_level(logging.WARNING, logger="bonas"):
        study.optimize(objective, n_trials=4)
    assert "'lr' is not part of the space" in caplog.text
    assert all("lr" in t.params for t in study.trials)


def test_random_search_over_classes_and_its_limits() -> None:
    space = NB201Space()
    sampler = RandomSearchSampler(space, uniform_over="classes", seed=0)
    study = _study(sampler)
    study.optimize(lambda t: float(len(set(space.suggest(t)))), n_trials=20)
    assert len(set(_classes(space, study))) == 20
    with pytest.raises(ConfigurationError, match="'uniform_over'.*enumerable"):
        RandomSearchSampler(CellSpace.nb101(), uniform_over="classes")


@pytest.mark.parametrize(
    ("factory", "kwargs", "match"),
    [
        (RandomSearchSampler, {"uniform_over": "arches"}, "'uniform_over'"),
        (RandomSearchSampler, {"seed": 1.5}, "'seed'"),
        (RandomSearchSampler, {"max_retries": -1}, "'max_retries'"),
        (EvolutionSampler, {"population_size": 0}, "'population_size'"),
        (EvolutionSampler, {"population_size": True}, "'population_size'.*Got True"),
        (
            EvolutionSampler,
            {"population_size": 5, "tournament_size": 6},
            r"'tournament_size'.*an int >= 1 and <= 5. Got 6.*at most 'population_size'",
        ),
        (EvolutionSampler, {"n_startup_trials": 0}, "'n_startup_trials'"),
        (EvolutionSampler, {"n_startup_trials": False}, "'n_startup_trials'.*Got False"),
        (REINFORCESampler, {"learning_rate": 0.0}, "'learning_rate'"),
        (REINFORCESampler, {"learning_rate": True}, "'learning_rate'.*Got True"),
        (REINFORCESampler, {"ema_momentum": 1.0}, r"'ema_momentum'.*\[0, 1\)"),
        (REINFORCESampler, {"max_draws": True}, "'max_draws'.*Got True"),
        (LocalSearchSampler, {"n_init": 0}, "'n_init'"),
        (LocalSearchSampler, {"n_init": 2.0}, "'n_init'.*Got 2.0"),
        (LocalSearchSampler, {"pruned": "keep"}, "'pruned'"),
    ],
)
def test_bad_configuration_is_a_clear_error(
    factory: Factory, kwargs: dict[str, Any], match: str
) -> None:
    with pytest.raises(ConfigurationError, match=match):
        factory(NB201Space(), **kwargs)


@pytest.mark.parametrize("name", NAMES)
def test_space_must_be_a_bonas_space(name: str) -> None:
    with pytest.raises(ConfigurationError, match="'space'.*SearchSpace"):
        SAMPLERS[name]({"edge": ["a", "b"]})
