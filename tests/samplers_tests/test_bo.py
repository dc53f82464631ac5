from __future__ import annotations

import math
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pytest

from bonas import (
    BONASSampler,
    CellSpace,
    NB201Benchmark,
    NB201Space,
    WarmStart,
    guard_objective,
)
from bonas.exceptions import BonasError, ConfigurationError
from bonas.spaces import SearchSpace
from bonas.surrogates import Surrogate, register

optuna.logging.set_verbosity(optuna.logging.WARNING)
SPACE = NB201Space()
NB101 = CellSpace.nb101()


def _study(sampler: optuna.samplers.BaseSampler, storage: str | None = None) -> optuna.Study:
    return optuna.create_study(direction="maximize", sampler=sampler, storage=storage)


def _classes(study: optuna.Study) -> list[str]:
    return [SPACE.canonical(SPACE.from_params(t.params)) for t in study.trials if t.params]


def test_same_seed_same_trials() -> None:
    bench = NB201Benchmark("cifar10")
    runs = []
    for _ in range(2):
        study = _study(BONASSampler(SPACE, seed=3, n_startup_trials=4))
        study.optimize(bench.objective, n_trials=10)
        runs.append([t.params for t in study.trials])
    assert runs[0] == runs[1]
    other = _study(BONASSampler(SPACE, seed=4, n_startup_trials=4))
    other.optimize(bench.objective, n_trials=10)
    assert [t.params for t in other.trials] != runs[0]


def test_never_repeats_a_canonical_class_and_improves_on_random() -> None:
    bench = NB201Benchmark("cifar10")
    study = _study(BONASSampler(SPACE, seed=0, n_startup_trials=5))
    study.optimize(bench.objective, n_trials=30)
    classes = _classes(study)
    assert len(classes) == len(set(classes)) == 30
    # The model-based half beats the random start: its mean is higher.
    values = [t.value for t in study.trials]
    assert np.mean(values[15:]) > np.mean(values[:5])
    assert bench.regret(SPACE.from_params(study.best_params)) < 1.0


def test_running_trials_are_not_proposed_again() -> None:
    bench = NB201Benchmark("cifar10")
    sampler = BONASSampler(SPACE, seed=0, n_startup_trials=3)
    study = _study(sampler)
    study.optimize(bench.objective, n_trials=5)
    # Three trials asked but not told: they are RUNNING, and the sampler must avoid them.
    running = [study.ask() for _ in range(3)]
    archs = [SPACE.suggest(t) for t in running]
    keys = {SPACE.canonical(a) for a in archs} | set(_classes(study)[:5])
    assert len(keys) == 8
    for t, a in zip(running, archs, strict=True):
        study.tell(t, bench.query(a))


def _failing_class_run(max_retries: int) -> tuple[list[bool], int]:
    """A study whose first model-based cell fails every time it is evaluated: for each trial,
    whether it ran that cell's class; and how many values the sampler learns from."""
    bench = NB201Benchmark("cifar10")
    sampler = BONASSampler(
        SPACE, seed=0, n_startup_trials=4, warm_start=None, max_retries=max_retries
    )
    study = _study(sampler)
    broken: list[str] = []

    def objective(trial: optuna.Trial) -> float:
        arch = SPACE.suggest(trial)
        key = SPACE.canonical(arch)
        if trial.number == 4:
            broken.append(key)
        if key in broken:
            raise RuntimeError("this cell crashes the GPU")
        return bench.query(arch)

    study.optimize(guard_objective(objective), n_trials=4 + max_retries + 3)
    ran = [SPACE.canonical(SPACE.from_params(t.params)) in broken for t in study.trials]
    return ran, len(sampler.read_trials(study).values)


@pytest.mark.parametrize("max_retries", [0, 1, 2])
def test_a_failed_class_is_retried_max_retries_times_then_never_proposed(
    max_retries: int,
) -> None:
    """A FAIL trial teaches the model nothing, so the model proposes the same class again (a
    crashed worker's cell is retried) until it has failed ``max_retries + 1`` times; then the
    class is excluded and the study moves on. FAIL trials are never read as values."""
    ran_broken, n_values = _failing_class_run(max_retries)
    assert ran_broken == [False] * 4 + [True] * (max_retries + 1) + [False] * 2
    assert n_values == 4 + 2


def _pending_then_next(seed: int, *, first_fails: bool) -> tuple[Any, Any]:
    """After 6 finished trials: the cell of trial 6, then that of trial 7, asked while trial 6
    is still RUNNING (``first_fails=False``) or after it FAILED (``max_retries=0``: its class
    is taken, but nothing is pending)."""
    bench = NB201Benchmark("cifar10")
    sampler = BONASSampler(
        SPACE, seed=seed, n_startup_trials=6, warm_start=None, local_every=0, max_retries=0
    )
    study = _study(sampler)
    study.optimize(bench.objective, n_trials=6)
    first = study.ask()
    pending = SPACE.suggest(first)
    if first_fails:
        study.tell(first, state=optuna.trial.TrialState.FAIL)
    return pending, SPACE.suggest(study.ask())


def _edges_apart(a: Any, b: Any) -> int:
    return sum(x != y for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_pending_cell_is_fantasized_so_the_next_proposal_moves_away_from_it(seed: int) -> None:
    """Kriging believer: while trial 6 runs, trial 7's model believes it scores its predicted
    mean, so the uncertainty (and the EI) around trial 6's cell shrinks. Without that belief
    (trial 6 failed instead: its class is taken, nothing is pending) the same model's
    runner-up is a neighbour of trial 6's cell; with it, trial 7 goes further away."""
    pending, runner_up = _pending_then_next(seed, first_fails=True)
    same, fantasized = _pending_then_next(seed, first_fails=False)
    assert same == pending  # the same data and seed: the same first proposal
    assert _edges_apart(pending, runner_up) == 1
    assert SPACE.canonical(fantasized) != SPACE.canonical(runner_up)
    assert _edges_apart(pending, fantasized) >= 2


def _pruned_run(pruned: str) -> tuple[BONASSampler, optuna.Study]:
    """Trial 4, the first model-based one, reports 10.0 and is pruned; the others report half
    their accuracy, then complete with it."""
    bench = NB201Benchmark("cifar10")
    sampler = BONASSampler(SPACE, seed=0, n_startup_trials=4, warm_start=None, pruned=pruned)  # type: ignore[arg-type]
    study = _study(sampler)

    def objective(trial: optuna.Trial) -> float:
        accuracy = bench.query(SPACE.suggest(trial))
        trial.report(accuracy / 2, 0)
        if trial.number == 4:
            trial.report(10.0, 1)
            raise optuna.TrialPruned()
        return accuracy

    study.optimize(objective, n_trials=7)
    return sampler, study


def test_pruned_trials_are_learned_from_or_not_as_the_pruned_option_says() -> None:
    """``pruned="exclude"``: the pruned trial's value is not learned; ``"last_value"``: its
    last report (10.0) is. Either way its class is never proposed again, and the trial after
    it, proposed from different data, differs."""
    runs = {}
    for pruned in ("exclude", "last_value"):
        sampler, study = _pruned_run(pruned)
        assert study.trials[4].state == optuna.trial.TrialState.PRUNED
        state = sampler.read_trials(study)
        learned = dict(zip(state.numbers, state.values, strict=True))
        if pruned == "exclude":
            assert sorted(learned) == [0, 1, 2, 3, 5, 6]
        else:
            assert sorted(learned) == list(range(7))
            assert learned[4] == 10.0
        runs[pruned] = _classes(study)
        assert len(set(runs[pruned])) == 7  # the pruned class was not proposed again
    assert runs["exclude"][:5] == runs["last_value"][:5]
    assert runs["exclude"][5] != runs["last_value"][5]


def test_nan_objective_becomes_a_fail_trial_and_the_study_goes_on() -> None:
    sampler = BONASSampler(SPACE, seed=0, n_startup_trials=2)
    study = _study(sampler)

    def objective(trial: optuna.Trial) -> float:
        arch = SPACE.suggest(trial)
        return math.nan if trial.number == 3 else float(SPACE.index(arch) % 97)

    study.optimize(objective, n_trials=6)
    assert [t.state.name for t in study.trials].count("FAIL") == 1
    assert len(sampler.read_trials(study).values) == 5


def test_minimize_direction_is_respected() -> None:
    bench = NB201Benchmark("cifar10")
    study = optuna.create_study(
        direction="minimize", sampler=BONASSampler(SPACE, seed=0, n_startup_trials=5)
    )
    study.optimize(lambda t: bench.regret(SPACE.suggest(t)), n_trials=20)
    assert study.best_value < 1.0
    # The model minimizes: its trials' mean regret is below the random start's.
    regrets = np.array([t.value for t in study.trials], dtype=float)
    assert np.mean(regrets[10:]) < np.mean(regrets[:5])


def test_enqueued_trial_is_evaluated_as_given() -> None:
    bench = NB201Benchmark("cifar10")
    study = _study(BONASSampler(SPACE, seed=0, n_startup_trials=2))
    best = SPACE.from_key("333132")
    study.enqueue_trial(SPACE.to_params(best))
    study.optimize(bench.objective, n_trials=3)
    assert SPACE.from_params(study.trials[0].params) == best


def test_sqlite_storage_and_threads(tmp_path: Path) -> None:
    bench = NB201Benchmark("cifar10")
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    study = _study(BONASSampler(SPACE, seed=0, n_startup_trials=4), storage=storage)
    study.optimize(bench.objective, n_trials=16, n_jobs=2)
    classes = _classes(study)
    assert len(classes) == len(set(classes)) == 16
    again = optuna.load_study(study_name=study.study_name, storage=storage)
    assert len(again.trials) == 16


_WORKER = """
import sys
import optuna
from bonas import BONASSampler, NB201Benchmark, NB201Space

optuna.logging.set_verbosity(optuna.logging.WARNING)
storage, name, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
bench = NB201Benchmark("cifar10")
sampler = BONASSampler(NB201Space(), seed=seed, n_startup_trials=3)
study = optuna.load_study(study_name=name, storage=storage, sampler=sampler)
study.optimize(bench.objective, n_trials=8)
"""


def test_two_processes_on_one_sqlite_study_never_share_a_class(tmp_path: Path) -> None:
    storage = f"sqlite:///{tmp_path / 'shared.db'}"
    optuna.create_study(study_name="shared", storage=storage, direction="maximize")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "OMP_NUM_THREADS": "1"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, storage, "shared", str(seed)],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in (0, 1)
    ]
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
    study = optuna.load_study(study_name="shared", storage=storage)
    classes = _classes(study)
    # The two workers read the same trials at the same moments and would propose the same
    # cells; the reservation recorded on each trial makes exactly one of them yield.
    assert len(classes) == len(set(classes)) == 16


class _RacingSampler(BONASSampler):
    """Worker B of a race: having read the study and chosen its cell, it lets worker A run its
    whole ``ask`` before it writes its proposal, as two workers that read the study at the same
    moment do."""

    def __init__(self, space: NB201Space, *, rival: optuna.Study, **options: Any) -> None:
        super().__init__(space, **options)
        self.rival: optuna.Study | None = rival
        self.choices: list[Any] = []
        self.rival_cell: Any = None

    def propose(self, state: Any, rng: np.random.Generator, trial: Any) -> Any:
        arch = super().propose(state, rng, trial)
        self.choices.append(arch)
        if self.rival is not None:
            rival, self.rival = self.rival, None
            self.rival_cell = SPACE.suggest(rival.ask())
        return arch


def test_two_workers_that_choose_at_once_do_not_take_the_same_class(tmp_path: Path) -> None:
    """The reservation, with the race made to happen: B and A read the same trials and choose
    the same cell; A writes it first, so B's read after its own write finds A holding the
    class, and B proposes another."""
    bench = NB201Benchmark("cifar10")
    storage = f"sqlite:///{tmp_path / 'race.db'}"
    optuna.create_study(study_name="race", storage=storage, direction="maximize")
    options: dict[str, Any] = {"seed": 0, "n_startup_trials": 5, "warm_start": None}
    a = optuna.load_study(
        study_name="race", storage=storage, sampler=BONASSampler(SPACE, **options)
    )
    a.optimize(bench.objective, n_trials=5)
    racing = _RacingSampler(SPACE, rival=a, **options)
    b = optuna.load_study(study_name="race", storage=storage, sampler=racing)
    cell_b = SPACE.suggest(b.ask())
    first_choice = racing.choices[0]
    assert racing.rival_cell == first_choice  # the race happened: both chose one cell
    assert SPACE.canonical(cell_b) != SPACE.canonical(first_choice)
    assert len(racing.choices) == 2  # B yielded once and chose again
    running = [t for t in b.trials if t.state == optuna.trial.TrialState.RUNNING]
    assert len({SPACE.canonical(SPACE.from_params(t.params)) for t in running}) == 2


class KNNSurrogate(Surrogate):
    """A 20-line plug-in: mean and spread of the k nearest training targets; counts its fits."""

    def __init__(self, *, k: int = 5) -> None:
        self.k = k
        self.fitted_on: list[int] = []

    def fit(self, X: np.ndarray, y: np.ndarray) -> KNNSurrogate:
        self.fitted_on.append(len(y))
        self.X_, self.y_ = np.asarray(X, float), np.asarray(y, float)
        self.n_features_in_ = self.X_.shape[1]
        return self

    def _predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        d = ((X[:, None, :] - self.X_[None, :, :]) ** 2).sum(-1)
        idx = np.argsort(d, axis=1)[:, : self.k]
        near = self.y_[idx]
        return near.mean(1), near.std(1) + 0.1 * np.sqrt(d.min(1) + 1.0)


def test_a_plug_in_surrogate_registered_by_name_drives_the_model_based_trials() -> None:
    """The sampler builds the registered class and fits it once per model-based trial, on
    every trial finished by then."""
    register("knn_test", KNNSurrogate)
    bench = NB201Benchmark("cifar10")
    sampler = BONASSampler(SPACE, surrogate="knn_test", seed=0, n_startup_trials=5)
    study = _study(sampler)
    study.optimize(bench.objective, n_trials=20)
    assert len(set(_classes(study))) == 20
    model = sampler._surrogate
    assert isinstance(model, KNNSurrogate)
    assert model.fitted_on == list(range(5, 20))
    assert max(t.value for t in study.trials) > 88.0


def test_the_acquisition_option_chooses_the_model_based_trials() -> None:
    """On the ensemble, from the same random start, UCB and Thompson sampling propose other
    model-based trials than log-EI; noisy log-EI runs too (distinct classes)."""
    bench = NB201Benchmark("cifar10")
    runs = {}
    for acq in ("logei", "ucb", "thompson", "noisy_logei"):
        study = _study(
            BONASSampler(
                SPACE,
                surrogate="ensemble",
                acquisition=acq,
                seed=0,
                n_startup_trials=4,
                warm_start=None,  # no prior on log-EI either: only the acquisition differs
            )
        )
        study.optimize(bench.objective, n_trials=8)
        runs[acq] = _classes(study)
        assert len(set(runs[acq])) == 8
        assert runs[acq][:4] == runs["logei"][:4]
    assert runs["ucb"][4:] != runs["logei"][4:]
    assert runs["thompson"][4:] != runs["logei"][4:]
    assert runs["thompson"][4:] != runs["ucb"][4:]


def test_nb101_cell_space_proposes_valid_distinct_cells() -> None:
    space = CellSpace.nb101()
    sampler = BONASSampler(space, seed=0, n_startup_trials=5)
    study = _study(sampler)

    def objective(trial: optuna.Trial) -> float:
        cell = space.suggest(trial)
        g = space.to_graph(cell)
        ops = [g.nodes[i]["op"] for i in g.nodes]
        return ops.count("conv3x3-bn-relu") + 0.5 * g.number_of_edges() / 9

    study.optimize(objective, n_trials=15)
    keys = [space.canonical(space.from_params(t.params)) for t in study.trials]
    assert len(keys) == len(set(keys)) == 15


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"surrogate": "no_such_model"}, "no_such_model"),
        ({"encoding": "no_such_encoding"}, "no_such_encoding"),
        ({"acquisition": "ei"}, "'acquisition'"),
        ({"n_startup_trials": 0}, "'n_startup_trials'"),
        ({"pruned": "keep"}, "'pruned'"),
        ({"target_transform": "log"}, "'target_transform'"),
        ({"candidate_search": "grid"}, "'candidate_search'"),
        ({"local_every": -1}, "'local_every'"),
        ({"local_every": True}, "'local_every'"),
        ({"warm_start": "gradnorm"}, "'warm_start'.*one of the proxies"),
        ({"warm_start": 3}, "'warm_start'.*Got 3"),
        ({"warm_start": {"proxy": "synflow"}}, "'warm_start'"),
        ({"candidate_chunk_size": 0}, "'candidate_chunk_size'.*int >= 1"),
        ({"acquisition_kwargs": {"bogus": 1}}, "'acquisition_kwargs'.*LogEI.*'bogus'"),
        ({"acquisition_kwargs": {"best_f": 1.0}}, "'acquisition_kwargs'.*must not set 'best_f'"),
        ({"acquisition": "ucb", "acquisition_kwargs": {"xi": 1}}, "'acquisition_kwargs'.*UCB"),
        ({"acquisition_kwargs": ["xi"]}, "'acquisition_kwargs'.*dict"),
        ({"candidate_kwargs": {"depth": 1, "width": 2}}, "'candidate_kwargs'.*'width'"),
        ({"candidate_kwargs": {"n_incumbents": 0}}, "n_incumbents.*int >= 1"),
    ],
)
def test_bad_configuration_is_a_clear_error(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ConfigurationError, match=match) as info:
        BONASSampler(SPACE, **kwargs)  # type: ignore[arg-type]
    assert isinstance(info.value, BonasError)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"n_cells": -1}, "'n_cells' parameter of WarmStart.*int >= 0"),
        ({"pool": 0}, "'pool' parameter of WarmStart.*int >= 1"),
        ({"pool": True}, "'pool'"),
        ({"prior_weight": -1.0}, "'prior_weight'.*finite number >= 0"),
        ({"prior_weight": math.inf}, "'prior_weight'.*finite number >= 0"),
        ({"prior_weight": "high"}, "'prior_weight'.*Got 'high'"),
        ({"prior_weight": True}, "'prior_weight'"),
    ],
)
def test_bad_warm_start_options_are_refused_when_given(
    options: dict[str, object], match: str
) -> None:
    with pytest.raises(ConfigurationError, match=match):
        WarmStart(len, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"warm_start": WarmStart(len, n_cells=11)}, "'n_cells'.*n_startup_trials=10"),
        (
            {"warm_start": WarmStart(len, n_cells=3), "n_startup_trials": 2},
            "'n_cells'.*n_startup_trials=2",
        ),
        (
            {"warm_start": WarmStart(len, prior_weight=1.0), "acquisition": "ucb"},
            "'prior_weight'.*not on a log scale",
        ),
    ],
)
def test_warm_start_options_are_checked_against_the_sampler(
    kwargs: dict[str, object], match: str
) -> None:
    with pytest.raises(ConfigurationError, match=match):
        BONASSampler(SPACE, **kwargs)  # type: ignore[arg-type]


def test_the_warm_start_keywords_of_earlier_versions_still_work_and_warn() -> None:
    """``n_warm_start``, ``warm_start_pool`` and ``prior_weight`` are deprecated spellings of
    the WarmStart fields: they warn, and give the sampler of the WarmStart they stand for."""
    with pytest.warns(DeprecationWarning, match="WarmStart"):
        old = BONASSampler(SPACE, seed=0, warm_start=len, n_warm_start=2, warm_start_pool=7)
    assert old.warm_start == WarmStart(len, n_cells=2, pool=7, prior_weight=5.0)
    assert (old.n_warm_start, old.warm_start_pool, old.prior_weight) == (2, 7, 5.0)
    with (
        pytest.warns(DeprecationWarning, match="deprecated"),
        pytest.raises(ConfigurationError, match="combined"),
    ):
        BONASSampler(SPACE, warm_start=WarmStart(len), prior_weight=0)
    with pytest.warns(DeprecationWarning, match="deprecated"):
        BONASSampler(SPACE, warm_start=len, prior_weight=1.0, acquisition="logei")


def test_bonas_sampler_keeps_its_old_import_path() -> None:
    import bonas.samplers

    with pytest.warns(DeprecationWarning, match=r"bonas\.sampler\.BONASSampler is deprecated"):
        from bonas.sampler import BONASSampler as Old
    assert Old is bonas.samplers.BONASSampler is BONASSampler


def test_enumerating_a_space_that_cannot_be_listed_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match="cannot be enumerated"):
        BONASSampler(CellSpace.nb101(), candidate_search="enumerate")


def test_bananas_proposes_mutations_of_the_best_cells() -> None:
    """BANANAS' acquisition search: after the random start every proposal is a one-edge
    mutation of one of the 10 best cells so far or one of the random extra cells; the
    configuration is the paper's (ensemble, path encoding, Thompson sampling)."""
    sampler = BONASSampler.bananas(SPACE, seed=0, candidate_kwargs={"n_random": 0})
    assert (sampler.acquisition, sampler.candidate_search) == ("thompson", "mutation")
    assert type(sampler._surrogate).__name__ == "EnsembleSurrogate"
    bench = NB201Benchmark("cifar10")
    study = _study(sampler)
    study.optimize(bench.objective, n_trials=16)
    keys = _classes(study)
    assert len(keys) == len(set(keys)) == 16
    for n in range(10, 16):
        done = study.trials[:n]
        best = sorted(done, key=lambda t: t.value, reverse=True)[:10]
        best_archs = [SPACE.from_params(t.params) for t in best]
        arch = SPACE.from_params(study.trials[n].params)
        assert any(
            sum(a != b for a, b in zip(arch, inc, strict=True)) == 1 for inc in best_archs
        ), n


def _nb101_score(cell: Any) -> float:
    """A deterministic objective on NB101 cells: conv3x3 nodes, then edges."""
    g = NB101.to_graph(cell)
    ops = [g.nodes[i]["op"] for i in g.nodes]
    return ops.count("conv3x3-bn-relu") + 0.1 * g.number_of_edges()


@pytest.mark.parametrize(
    ("space", "score"),
    [(SPACE, NB201Benchmark("cifar10").query), (NB101, _nb101_score)],
    ids=["nb201", "nb101"],
)
def test_local_steps_propose_a_neighbour_of_the_best_cell(
    space: SearchSpace[Any], score: Callable[[Any], float]
) -> None:
    """With ``local_every=2`` every model-based trial that follows an even number of finished
    trials is a class one move from the best cell so far."""
    sampler = BONASSampler(space, seed=0, n_startup_trials=4, local_every=2)
    study = _study(sampler)
    study.optimize(lambda t: score(space.suggest(t)), n_trials=14)
    keys = [space.canonical(space.from_params(t.params)) for t in study.trials]
    assert len(keys) == len(set(keys)) == 14
    local = []
    for n in range(4, 14):
        best = max(study.trials[:n], key=lambda t: t.value or -math.inf)
        near = {space.canonical(a) for a in space.neighbors(space.from_params(best.params))}
        local.append(keys[n] in near)
    assert local[0::2] == [True] * 5


def test_space_must_be_a_bonas_space() -> None:
    with pytest.raises(ConfigurationError, match="'space'"):
        BONASSampler({"edge": [1, 2]})  # type: ignore[arg-type]


class _BadEncoder:
    n_features = 7

    def encode(self, graphs: list[object]) -> np.ndarray:
        return np.zeros((len(graphs), 3))


def test_encoder_width_mismatch_is_a_clear_error() -> None:
    sampler = BONASSampler(SPACE, encoding=_BadEncoder(), seed=0, n_startup_trials=2)  # type: ignore[arg-type]
    study = _study(sampler)
    bench = NB201Benchmark("cifar10")
    with pytest.raises(ConfigurationError, match="n_features=7"):
        study.optimize(bench.objective, n_trials=3)


class _CountingProxy:
    """A zero-cost proxy for tests: the number of ``conv_op`` in a cell's graph; counts calls."""

    def __init__(self, space: SearchSpace[Any], conv_op: str) -> None:
        self.space, self.conv_op, self.calls = space, conv_op, 0

    def __call__(self, cells: list[Any]) -> list[float]:
        self.calls += 1
        graphs = [self.space.to_graph(c) for c in cells]
        return [
            sum(d.get("op") == self.conv_op for *_, d in g.edges(data=True))
            + sum(d.get("op") == self.conv_op for _, d in g.nodes(data=True))
            for g in graphs
        ]


@pytest.mark.parametrize(
    ("space", "conv_op", "score"),
    [
        (SPACE, "nor_conv_3x3", NB201Benchmark("cifar10").query),
        (NB101, "conv3x3-bn-relu", _nb101_score),
    ],
    ids=["nb201", "nb101"],
)
def test_warm_start_draws_the_first_trials_from_the_proxys_top(
    space: SearchSpace[Any], conv_op: str, score: Callable[[Any], float]
) -> None:
    """The first ``n_warm_start`` trials come from the proxy's top ``warm_start_pool`` classes
    (scored once), distinct and drawn at random; the rest of the startup is random."""
    proxy = _CountingProxy(space, conv_op)
    runs, pools = [], []
    for seed in (0, 0, 1):
        proxy.calls = 0
        sampler = BONASSampler(
            space, seed=seed, n_startup_trials=6,
            warm_start=WarmStart(proxy, n_cells=4, pool=30, prior_weight=0),
        )  # fmt: skip
        study = _study(sampler)
        study.optimize(lambda t: score(space.suggest(t)), n_trials=8)
        assert proxy.calls == 1
        runs.append([space.canonical(space.from_params(t.params)) for t in study.trials])
        assert sampler._guide is not None
        archs, keys = sampler._guide.top()
        assert len(keys) == 30
        # A space that cannot be listed: the pool is the best of cells sampled with the seed.
        pools.append(set(keys))
    if space.is_enumerable:  # the pool is the proxy's best 30 classes
        from bonas.spaces.pool import class_pool

        every = proxy(list(class_pool(space).representatives))
        assert sorted(proxy(archs)) == sorted(every)[-30:]
    first, again, other = runs
    assert first == again  # same seed, same trials
    assert first[:4] != other[:4]  # another seed draws other cells of the pool
    for run, top in zip(runs, pools, strict=True):
        assert len(set(run)) == 8
        assert all(key in top for key in run[:4])
    # The other two startup trials are random: over the three runs not all in the pool.
    assert not all(key in top for run, top in zip(runs, pools, strict=True) for key in run[4:6])


def test_synflow_warm_start_on_nb201() -> None:
    """On NB201 the default (``warm_start="auto"``) is synflow: the first 5 of the 10 startup
    trials come from its top 100 classes; ``warm_start=None`` draws them all at random."""
    from bonas.nb201.proxies import synflow_table

    table = synflow_table()
    top = set(sorted(table, key=lambda k: -table[k])[:100])
    bench = NB201Benchmark("cifar10")
    runs = {}
    for warm_start in ("auto", "synflow", None):
        study = _study(BONASSampler(SPACE, seed=0, warm_start=warm_start))
        study.optimize(bench.objective, n_trials=7)
        runs[warm_start] = _classes(study)
    assert all(key in top for key in runs["synflow"][:5])
    assert len(set(runs["synflow"])) == 7
    assert runs["auto"] == runs["synflow"]
    assert not all(key in top for key in runs[None][:5])
    # The default is "auto".
    study = _study(BONASSampler(SPACE, seed=0))
    study.optimize(bench.objective, n_trials=7)
    assert _classes(study) == runs["auto"]


def test_auto_warm_start_is_none_off_nb201_and_for_bananas() -> None:
    """``"auto"`` has no proxy for other spaces; BANANAS starts from random cells."""
    runs = []
    for warm_start in ("auto", None):
        study = _study(BONASSampler(NB101, seed=0, warm_start=warm_start, n_startup_trials=4))
        study.optimize(lambda t: _nb101_score(NB101.suggest(t)), n_trials=6)
        runs.append([t.params for t in study.trials])
    assert runs[0] == runs[1]
    assert BONASSampler.bananas(SPACE, seed=0).warm_start is None


def test_synflow_warm_start_needs_an_nb201_space() -> None:
    with pytest.raises(ConfigurationError, match="'synflow', which does not score the cells of"):
        BONASSampler(NB101, warm_start="synflow")


@pytest.mark.parametrize(
    ("proxy", "got"),
    [
        (lambda cells: [1.0] * (len(cells) - 1), "shape"),
        (lambda cells: [math.nan] * len(cells), "NaN"),
        (lambda cells: ["high"] * len(cells), "one number per cell"),
    ],
    ids=["too-few-scores", "nan", "strings"],
)
def test_a_proxy_with_bad_scores_is_a_clear_error(proxy: Callable[[Any], Any], got: str) -> None:
    study = _study(BONASSampler(SPACE, seed=0, warm_start=proxy))
    with pytest.raises(ConfigurationError, match=f"'warm_start' proxy .*{got}"):
        study.optimize(NB201Benchmark("cifar10").objective, n_trials=2)


def _oracle(sign: float) -> Callable[[list[Any]], list[float]]:
    """A proxy that knows the cifar10 table (``sign`` 1) or points the other way (-1)."""
    bench = NB201Benchmark("cifar10")
    return lambda cells: [sign * bench.mean_accuracy(c) for c in cells]


def _nb201_run(**options: Any) -> list[str]:
    bench = NB201Benchmark("cifar10")
    # 5 random trials: the first model-based trial is a global one (5 finished is odd).
    study = _study(BONASSampler(SPACE, seed=0, n_startup_trials=5, **options))
    study.optimize(bench.objective, n_trials=9)
    return _classes(study)


def test_a_prior_that_agrees_with_the_data_steers_the_model_based_trials() -> None:
    """πBO: with a proxy that ranks cells as the objective does, a large ``prior_weight``
    makes the first model-based trial the proxy's best untaken class, the optimum here."""
    bench = NB201Benchmark("cifar10")
    optimum = SPACE.canonical(bench.optimum[0])
    steered = _nb201_run(warm_start=WarmStart(_oracle(1.0), n_cells=0, prior_weight=1000.0))
    plain = _nb201_run(warm_start=WarmStart(_oracle(1.0), n_cells=0, prior_weight=0))
    assert steered[:5] == plain[:5]  # the random start is the same
    assert steered[5] == optimum
    assert plain[5:] != steered[5:]


def test_a_prior_that_the_data_contradict_is_ignored() -> None:
    """A proxy whose ranks correlate negatively with the values seen gets no weight: the
    trials are those of ``prior_weight=0``."""
    contrary = _nb201_run(warm_start=WarmStart(_oracle(-1.0), n_cells=0, prior_weight=1000.0))
    assert contrary == _nb201_run(warm_start=WarmStart(_oracle(-1.0), n_cells=0, prior_weight=0))


def test_the_prior_weight_fades_with_the_model_based_trials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """πBO's 1/n: the n-th model-based trial's acquisition gets the prior with the exponent
    ``prior_weight × ρ / n``, ρ the proxy's Spearman correlation with the values seen."""
    from scipy.stats import spearmanr

    from bonas.acquisition import prior

    weights: list[float] = []

    class _Recorded(prior.PriorGuided):
        def __init__(self, *args: Any, weight: float, **kwargs: Any) -> None:
            weights.append(weight)
            super().__init__(*args, weight=weight, **kwargs)

    monkeypatch.setattr(prior, "PriorGuided", _Recorded)
    bench = NB201Benchmark("cifar10")
    proxy = _oracle(1.0)
    sampler = BONASSampler(
        SPACE, seed=0, n_startup_trials=5, warm_start=WarmStart(proxy, n_cells=0, prior_weight=4.0)
    )
    study = _study(sampler)
    study.optimize(bench.objective, n_trials=9)
    expected = []
    for n in range(5, 9):
        cells = [SPACE.from_params(t.params) for t in study.trials[:n]]
        rho = float(spearmanr(proxy(cells), [t.value for t in study.trials[:n]])[0])
        expected.append(4.0 * rho / (n - 5 + 1))
    assert weights == pytest.approx(expected, rel=1e-12)
    assert weights[0] > 3.0  # the proxy agrees with the data, so the prior is on


def test_the_prior_scores_mutation_candidates_on_a_space_that_cannot_be_listed() -> None:
    """On NB101 the mutation candidates outside the 2,000 reference cells are scored by the
    proxy as they come (memoized), and the study still proposes distinct valid cells."""
    proxy = _CountingProxy(NB101, "conv3x3-bn-relu")
    runs = {}
    for weight in (0.0, 50.0):
        proxy.calls = 0
        sampler = BONASSampler(
            NB101, seed=0, n_startup_trials=5, warm_start=WarmStart(proxy, prior_weight=weight)
        )
        study = _study(sampler)
        study.optimize(lambda t: _nb101_score(NB101.suggest(t)), n_trials=12)
        cells = [NB101.from_params(t.params) for t in study.trials]
        assert len({NB101.canonical(c) for c in cells}) == 12
        runs[weight] = (proxy.calls, [NB101.canonical(c) for c in cells])
    assert runs[0.0][0] == 1  # the reference cells only
    assert runs[50.0][0] > 1  # and the candidates, as they come
    assert runs[0.0][1][:5] == runs[50.0][1][:5]
