"""How well a surrogate predicts a table: rank correlation, top-k precision and calibration
against training-set size, for any surrogate × encoding, and zero-cost proxies beside them.

:func:`evaluate_surrogates` trains on random isomorphism classes of a
:class:`~bonas.tabular.TabularBenchmark` and scores the predictions of every other class;
:mod:`~bonas.evaluation.metrics` holds the metrics, :mod:`~bonas.evaluation.results` the
summary, tables and figures. ``bonas evaluate-surrogates`` is the same on the command line.

This layer sits beside the acquisition functions: it uses the surrogates, encodings, proxies
and tables, and nothing above them.
"""

from __future__ import annotations

from bonas.evaluation.evaluate import METRICS, RANK_METRICS, TARGET_TRANSFORMS, evaluate_surrogates
from bonas.evaluation.metrics import (
    NOMINAL_LEVELS,
    coverage,
    gaussian_nll,
    kendall_tau,
    mae,
    precision_top,
    spearman,
)
from bonas.evaluation.results import (
    SurrogateEvaluation,
    plot_kendall_tau,
    plot_reliability,
    summarize,
    to_markdown,
    write_csv,
)

__all__ = [
    "METRICS",
    "NOMINAL_LEVELS",
    "RANK_METRICS",
    "TARGET_TRANSFORMS",
    "SurrogateEvaluation",
    "coverage",
    "evaluate_surrogates",
    "gaussian_nll",
    "kendall_tau",
    "mae",
    "plot_kendall_tau",
    "plot_reliability",
    "precision_top",
    "spearman",
    "summarize",
    "to_markdown",
    "write_csv",
]
