"""Bad trials fail alone: objectives that raise or return NaN, inf, None or a string, and
enqueued cells outside the space, in real studies with ``BONASSampler``."""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import optuna
import pytest
from optuna.trial import TrialState

from bonas import BONASSampler, NB201Benchmark, NB201Space, guard_objective
from bonas.exceptions import ConfigurationError, SamplerError
from bonas.guard import FAIL_REASON_ATTR, check_value
from bonas.samplers.base import SAMPLER_ERROR_ATTR
from bonas.surrogates import Surrogate

optuna.logging.set_verbosity(optuna.logging.ERROR)
SPACE = NB201Space()
BENCH = NB201Benchmark("cifar10")

BAD_RETURNS: dict[str, tuple[Any, str]] = {
    "NaN": (math.nan, "returned NaN"),
    "inf": (math.inf, "returned inf"),
    "-inf": (-math.inf, "returned -inf"),
    "None": (None, "returned None"),
    "a string": ("abc", "returned the string 'abc'"),
    "a numeric string": ("0.5", "returned the string '0.5'"),
    "a bool": (True, "returned the bool True"),
    "a list": ([91.0], "returned [91.0] (a list)"),
}


def _study(sampler: optuna.samplers.BaseSampler) -> optuna.Study:
    return optuna.create_study(direction="maximize", sampler=sampler)


@pytest.mark.parametrize("case", list(BAD_RETURNS))
def test_a_bad_return_is_a_fail_trial_with_its_reason_and_the_study_goes_on(case: str) -> None:
    bad, reason = BAD_RETURNS[case]
    sampler = BONASSampler(SPACE, seed=0, n_startup_trials=3)
    study = _study(sampler)

    def objective(trial: optuna.Trial) -> Any:
        value = BENCH.objective(trial)
        return bad if trial.number in (2, 5) else value

    study.optimize(guard_objective(objective), n_trials=8)
    states = [t.state for t in study.trials]
    assert states.count(TrialState.FAIL) == 2
    assert states.count(TrialState.COMPLETE) == 6
    for number in (2, 5):
        assert reason in study.trials[number].user_attrs[FAIL_REASON_ATTR]
    # FAIL trials are never learned from, and the study's values are all real accuracies.
    state = sampler.read_trials(study)
    assert len(state.values) == 6
    assert all(math.isfinite(v) and v < 100 for v in state.values)
    assert study.best_value < 100


def test_an_objective_that_raises_fails_its_trial_only() -> None:
    study = _study(BONASSampler(SPACE, seed=0, n_startup_trials=3))

    def objective(trial: optuna.Trial) -> float:
        value = BENCH.objective(trial)
        if trial.number == 1:
            raise RuntimeError("CUDA out of memory\nsecond line")
        return value

    study.optimize(guard_objective(objective), n_trials=5)
    assert [t.state.name for t in study.trials].count("FAIL") == 1
    reason = study.trials[1].user_attrs[FAIL_REASON_ATTR]
    assert reason == "the objective raised RuntimeError: CUDA out of memory"


def test_pruned_trials_and_keyboard_interrupts_pass_through() -> None:
    study = _study(BONASSampler(SPACE, seed=0, n_startup_trials=3))

    def pruned(trial: optuna.Trial) -> float:
        SPACE.suggest(trial)
        raise optuna.TrialPruned()

    study.optimize(guard_objective(pruned), n_trials=2)
    assert {t.state for t in study.trials} == {TrialState.PRUNED}

    def interrupted(trial: optuna.Trial) -> float:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        study.optimize(guard_objective(interrupted), n_trials=1)


@pytest.mark.parametrize("bad", [math.nan, None, "abc"])
def test_without_the_guard_optuna_fails_the_trial_and_the_sampler_goes_on(bad: Any) -> None:
    sampler = BONASSampler(SPACE, seed=0, n_startup_trials=3)
    study = _study(sampler)

    def objective(trial: optuna.Trial) -> Any:
        value = BENCH.objective(trial)
        return bad if trial.number == 4 else value

    study.optimize(objective, n_trials=8)
    assert [t.state.name for t in study.trials].count("FAIL") == 1
    assert len(sampler.read_trials(study).values) == 7


def test_without_the_guard_an_inf_value_is_never_learned_nor_proposed_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sampler = BONASSampler(SPACE, seed=0, n_startup_trials=3)
    study = _study(sampler)

    def objective(trial: optuna.Trial) -> float:
        value = BENCH.objective(trial)
        return math.inf if trial.number == 1 else value

    with caplog.at_level(logging.WARNING, logger="bonas"):
        study.optimize(objective, n_trials=8)
    assert study.trials[1].state == TrialState.COMPLETE  # Optuna's choice, not ours
    state = sampler.read_trials(study)
    assert len(state.values) == 7
    assert np.isfinite(state.values).all()
    classes = [t.user_attrs["canonical"] for t in study.trials]
    assert len(set(classes)) == 8  # the inf trial's class was not proposed again
    assert "returned inf" in caplog.text


def test_an_enqueued_cell_outside_the_space_fails_and_the_study_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    study = _study(BONASSampler(SPACE, seed=0, n_startup_trials=3))
    bad = SPACE.to_params(SPACE.from_key("333132"))
    bad["edge_1_0"] = "conv_7x7"
    study.enqueue_trial(bad)
    with caplog.at_level(logging.WARNING, logger="bonas"):
        study.optimize(guard_objective(BENCH.objective), n_trials=4)
    states = [t.state.name for t in study.trials]
    assert states == ["FAIL", "COMPLETE", "COMPLETE", "COMPLETE"]
    assert "conv_7x7" in study.trials[0].user_attrs[FAIL_REASON_ATTR]
    assert "enqueued with a cell outside the space" in caplog.text


def test_check_value_accepts_numbers_of_any_real_type() -> None:
    for good in (1, 91.5, np.float32(0.5), np.int64(3)):
        assert check_value(good) is None
    assert check_value(np.float64("nan")) is not None


class _BrokenSurrogate(Surrogate):
    """A plug-in surrogate whose fit fails: a bug of the sampler's configuration."""

    def fit(self, X: np.ndarray, y: np.ndarray) -> _BrokenSurrogate:
        raise ZeroDivisionError("the plug-in's fit divides by zero")

    def _predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise AssertionError("never fitted")


def test_a_sampler_that_fails_while_proposing_stops_the_guarded_study() -> None:
    """The sampler's failure is no bad trial: under the guard the study stops with it at the
    first model-based trial, instead of recording FAIL after FAIL until the budget is spent."""
    sampler = BONASSampler(SPACE, seed=0, n_startup_trials=3, surrogate=_BrokenSurrogate())
    study = _study(sampler)
    with pytest.raises(SamplerError, match="failed while proposing the cell of trial 3") as info:
        study.optimize(guard_objective(BENCH.objective), n_trials=10)
    assert isinstance(info.value.__cause__, ZeroDivisionError)
    states = [t.state for t in study.trials]
    assert states == [TrialState.COMPLETE] * 3 + [TrialState.FAIL]
    assert FAIL_REASON_ATTR not in study.trials[3].user_attrs  # not a trial the guard failed
    assert study.trials[3].params == {}  # no cell was proposed for it
    # Optuna created the trial before asking the sampler and finishes it as FAIL; the trial
    # says why, so that it is told apart from a failed objective.
    recorded = study.trials[3].system_attrs[SAMPLER_ERROR_ATTR]
    assert recorded.startswith("SamplerError: BONASSampler failed while proposing")
    assert "ZeroDivisionError" in recorded


def test_a_configuration_error_of_the_objective_stops_the_guarded_study() -> None:
    def objective(trial: optuna.Trial) -> float:
        SPACE.suggest(trial)
        raise ConfigurationError("The 'epochs' parameter of Train must be an int >= 1.")

    study = _study(BONASSampler(SPACE, seed=0))
    with pytest.raises(ConfigurationError, match="'epochs'"):
        study.optimize(guard_objective(objective), n_trials=5)
    assert len(study.trials) == 1


def test_a_bad_sampler_option_is_an_error_before_any_trial() -> None:
    with pytest.raises(ConfigurationError, match="'acquisition_kwargs'.*'bogus'"):
        BONASSampler(SPACE, acquisition_kwargs={"bogus": 1})


def test_several_objectives_get_a_tuple_and_a_bad_one_fails_alone() -> None:
    from bonas.nb201.objectives import NB201MultiObjective

    mo = NB201MultiObjective(BENCH, ("accuracy", "latency"))
    bad = {1: (91.0,), 2: (91.0, math.nan), 3: "0.5"}

    def objective(trial: optuna.Trial) -> Any:
        values = mo.objective(trial)
        return bad.get(trial.number, values)

    study = optuna.create_study(directions=mo.directions, sampler=optuna.samplers.RandomSampler(0))
    study.optimize(guard_objective(objective, n_objectives=2), n_trials=5)
    states = [t.state for t in study.trials]
    assert states == [TrialState.COMPLETE] + [TrialState.FAIL] * 3 + [TrialState.COMPLETE]
    reasons = [study.trials[i].user_attrs[FAIL_REASON_ATTR] for i in (1, 2, 3)]
    assert "must return 2 finite numbers" in reasons[0]
    assert reasons[1].startswith("objective 1: the objective returned NaN")
    assert "must return 2 finite numbers" in reasons[2]
    assert study.trials[0].values == list(mo.values([study.trials[0].user_attrs["arch"]])[0])
    with pytest.raises(ConfigurationError, match="n_objectives"):
        guard_objective(objective, n_objectives=0)
