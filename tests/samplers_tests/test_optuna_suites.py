"""Optuna's shipped sampler conformance suites, the cases that apply to a space sampler.

``BONASSampler`` samples the cell's parameters jointly; every other parameter goes to its
independent sampler, which is what these suites exercise (floats, ints, categoricals, NaN
objectives, partial fixing, conditional parameters, threads, several objectives).
"""

from __future__ import annotations

from collections.abc import Callable

import optuna
import pytest
from optuna.testing.pytest_samplers import BasicSamplerTestCase, MultiObjectiveSamplerTestCase

from bonas import BONASSampler, NB201Space

optuna.logging.set_verbosity(optuna.logging.WARNING)


class TestBONASSamplerBasic(BasicSamplerTestCase):
    @pytest.fixture
    def sampler(self) -> Callable[[], optuna.samplers.BaseSampler]:
        return lambda: BONASSampler(NB201Space(), seed=0)


class TestBONASSamplerMultiObjective(MultiObjectiveSamplerTestCase):
    @pytest.fixture
    def sampler(self) -> Callable[[], optuna.samplers.BaseSampler]:
        return lambda: BONASSampler(NB201Space(), seed=0)
