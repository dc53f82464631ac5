"""Explain a study: which operations and paths make a cell good, with credible intervals.

:func:`explain` fits the surrogate on a study's finished trials and gives, for each operation
on each edge and each input→output path, its main effect on the objective averaged over the
space under the model, with a credible interval; the motifs that most raise and lower the
prediction; and Optuna's parameter importances beside them. :func:`format_explanation`
writes it as a text table and :func:`plot_effects` as a figure. ``bonas explain`` is the same
on the command line.

This layer sits beside the acquisition functions: it uses the surrogates, encodings and
spaces, and nothing above them.
"""

from __future__ import annotations

from bonas.explain.effects import (
    IMPORTANCE_EVALUATORS,
    MIN_TRIALS,
    Effect,
    Explanation,
    explain,
    objective_names,
)
from bonas.explain.results import format_explanation, plot_effects, true_effects

__all__ = [
    "IMPORTANCE_EVALUATORS",
    "MIN_TRIALS",
    "Effect",
    "Explanation",
    "explain",
    "format_explanation",
    "objective_names",
    "plot_effects",
    "true_effects",
]
