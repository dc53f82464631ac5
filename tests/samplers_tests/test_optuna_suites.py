"""Optuna's shipped sampler conformance suites, the cases that apply to a space sampler.

``BONASSampler`` samples the cell's parameters jointly; every other parameter goes to its
independent sampler, which is what these suites exercise (floats, ints, categoricals, NaN
objectives, partial fixing, conditional parameters, threads, several objectives). The last
test suggests the multi-objective suite's distributions beside a cell that the sampler models
with both objectives, so that the suite's checks hold while the model, not the fallback, runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import optuna
import pytest
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.testing.pytest_samplers import BasicSamplerTestCase, MultiObjectiveSamplerTestCase

from bonas import BONASSampler, NB201Benchmark, NB201Space

optuna.logging.set_verbosity(optuna.logging.WARNING)
SPACE = NB201Space()


class TestBONASSamplerBasic(BasicSamplerTestCase):
    @pytest.fixture
    def sampler(self) -> Callable[[], optuna.samplers.BaseSampler]:
        return lambda: BONASSampler(SPACE, seed=0)


class TestBONASSamplerMultiObjective(MultiObjectiveSamplerTestCase):
    @pytest.fixture
    def sampler(self) -> Callable[[], optuna.samplers.BaseSampler]:
        return lambda: BONASSampler(SPACE, seed=0)


def _suggest(trial: optuna.Trial, name: str, d: BaseDistribution) -> Any:
    """``trial``'s public suggest method for the distribution ``d``."""
    if isinstance(d, FloatDistribution):
        return trial.suggest_float(name, d.low, d.high, step=d.step, log=d.log)
    if isinstance(d, IntDistribution):
        return trial.suggest_int(name, d.low, d.high, step=d.step, log=d.log)
    assert isinstance(d, CategoricalDistribution)
    return trial.suggest_categorical(name, d.choices)


@pytest.mark.parametrize(
    "distribution",
    [
        FloatDistribution(-1.0, 1.0),
        FloatDistribution(1e-7, 1.0, log=True),
        IntDistribution(-10, 10, step=2),
        CategoricalDistribution(("a", "b", "c")),
    ],
)
def test_the_multi_objective_suites_parameters_beside_a_modelled_cell(
    distribution: BaseDistribution,
) -> None:
    """The multi-objective suite's distributions, suggested in a study whose cells the sampler
    really models (accuracy × latency): every value lies in its distribution, and the cells of
    the trials after the startup come from the two objectives' models, not the fallback."""
    bench = NB201Benchmark("cifar10")
    sampler = BONASSampler(SPACE, seed=0, n_startup_trials=4, warm_start=None)
    study = optuna.create_study(directions=["maximize", "minimize"], sampler=sampler)

    def objective(trial: optuna.Trial) -> tuple[float, float]:
        arch = SPACE.suggest(trial)
        _suggest(trial, "x", distribution)
        return bench.query(arch), bench.latency(arch)

    study.optimize(objective, n_trials=7)
    for trial in study.trials:
        assert distribution._contains(distribution.to_internal_repr(trial.params["x"]))
    assert sampler._models.keys() == {"objective:0", "objective:1"}
    assert sampler._ranking is not None
    assert sampler._ranking.trial == 6
