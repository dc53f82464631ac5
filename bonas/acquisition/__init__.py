"""Acquisition functions and the discrete optimizers that maximize them over cells."""

from __future__ import annotations

from bonas.acquisition.functions import (
    UCB,
    Acquisition,
    LogEI,
    NoisyLogEI,
    ThompsonSampling,
    log_expected_improvement,
)
from bonas.acquisition.optimize import argmax_chunked, mutation_candidates

__all__ = [
    "UCB",
    "Acquisition",
    "LogEI",
    "NoisyLogEI",
    "ThompsonSampling",
    "argmax_chunked",
    "log_expected_improvement",
    "mutation_candidates",
]
