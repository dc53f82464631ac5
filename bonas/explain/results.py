"""An explanation as text and as a figure, and the true main effects of a table."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bonas.exceptions import ConfigurationError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from bonas.explain.effects import Effect, Explanation
    from bonas.spaces.base import SearchSpace

__all__ = ["format_explanation", "plot_effects", "true_effects"]


def _interval(e: Effect) -> str:
    return f"{e.effect:+9.3f}  [{e.lower:+8.3f}, {e.upper:+8.3f}]"


def format_explanation(ex: Explanation, *, n_paths: int = 10) -> str:
    """The explanation as aligned text: the effects of each operation on each edge, the paths
    that most raise and lower the objective, the motifs, and Optuna's importances beside the
    spread of each parameter's effects.

    Args:
        ex: The explanation.
        n_paths: How many paths to list at each end (highest and lowest effect).
    """
    pct = f"{round(ex.level * 100):d} %"
    over = f"all {ex.n_cells:,} cells" if ex.exact else f"{ex.n_cells:,} cells drawn uniformly"
    lines = [
        f"objective {ex.objective} ({ex.objective_name}, {ex.direction}d): "
        f"{ex.n_trials} finished trials, {ex.surrogate} on {ex.encoding}"
        + (f", prior mean from {ex.prior}" if ex.prior else ""),
        f"effects over {over}, in the objective's units, with {pct} credible intervals; "
        f"mean over the cells {ex.mean[0]:.3f} [{ex.mean[1]:.3f}, {ex.mean[2]:.3f}]",
    ]
    if ex.warning is None:
        lines.append(
            f"trials against the cells: their parameters' value frequencies differ by "
            f"{ex.mismatch:.2f} (uniform draws of as many cells: at most "
            f"{ex.mismatch_limit:.2f} in 99.9 % of cases)"
        )
    else:
        lines += textwrap.wrap(f"NOT a uniform sample. {ex.warning}", width=96)
    lines += [
        "",
        f"{'edge':>4}  {'parameter':<12} {'op':<16} {'effect':>9}  {pct + ' interval':>20}",
    ]
    for e in ex.effects:
        lines.append(f"{e.edge:>4}  {e.parameter or '':<12} {e.op:<16} {_interval(e)}")
    if ex.paths:
        ranked = sorted(ex.paths, key=lambda e: -e.effect)
        shown = ranked if len(ranked) <= 2 * n_paths else ranked[:n_paths] + ranked[-n_paths:]
        lines += ["", f"paths ({len(ex.paths)}; highest and lowest effects):"]
        for e in shown:
            lines.append(f"  {e.name:<52} {_interval(e)}  ({e.share:.1%} of cells)")
    for title, motifs in (("raise", ex.motifs_up), ("lower", ex.motifs_down)):
        if motifs:
            lines += ["", f"motifs that most {title} the prediction (interval clear of 0):"]
            lines += [f"  {e.name:<52} {_interval(e)}" for e in motifs]
    spread = _spread(ex)
    lines += ["", f"{'parameter':<14}{'effect spread':>14}  importance (Optuna)"]
    evaluator = ex.importance_evaluator or "not computed"
    for parameter, width in spread.items():
        share = ex.importances.get(parameter)
        text = f"{share:.3f}" if share is not None else "-"
        lines.append(f"{parameter:<14}{width:>14.3f}  {text}")
    lines.append(f"(effect spread: largest minus smallest effect; importance: {evaluator})")
    return "\n".join(lines) + "\n"


def _spread(ex: Explanation) -> dict[str, float]:
    """Per parameter: its largest effect minus its smallest."""
    out: dict[str, list[float]] = {}
    for e in ex.effects:
        out.setdefault(e.parameter or "", []).append(e.effect)
    return {k: max(v) - min(v) for k, v in out.items()}


def plot_effects(ex: Explanation, path: str | Path | None = None, *, n_paths: int = 8) -> Figure:
    """The effects as a figure: one panel per parameter (its values' effects with their
    credible intervals), then the paths of highest and lowest effect. Saved to ``path``
    (PNG or SVG by its suffix) when given.

    Raises:
        MissingDependencyError: if matplotlib is not installed.
    """
    from bonas.report import new_figure

    params: dict[str, list[Effect]] = {}
    for e in ex.effects:
        params.setdefault(e.parameter or "", []).append(e)
    ranked = sorted(ex.paths, key=lambda e: -e.effect)
    paths = ranked if len(ranked) <= 2 * n_paths else ranked[:n_paths] + ranked[-n_paths:]
    n_panels = len(params) + (1 if paths else 0)
    cols = min(3, n_panels)
    rows = -(-n_panels // cols)
    fig = new_figure(figsize=(4.2 * cols, 2.6 * rows + (1.6 if paths else 0)))
    grid = fig.add_gridspec(rows, cols)
    pct = f"{round(ex.level * 100):d} %"
    for k, (parameter, effects) in enumerate(params.items()):
        ax = fig.add_subplot(grid[k // cols, k % cols])
        _bars(ax, effects, [e.op for e in effects])
        ax.set_title(f"edge {effects[0].edge}: {parameter}", fontsize=9)
    if paths:
        ax = fig.add_subplot(grid[len(params) // cols, len(params) % cols :])
        _bars(ax, paths, [e.op for e in paths])
        ax.set_title("paths (highest and lowest)", fontsize=9)
    fig.suptitle(
        f"{ex.objective_name}: effect under the model ({ex.n_trials} trials, {pct} intervals)",
        fontsize=10,
    )
    if path is not None:
        fig.savefig(path)
    return fig


def _bars(ax: Any, effects: Sequence[Effect], labels: Sequence[str]) -> None:
    y = np.arange(len(effects))
    mean = np.array([e.effect for e in effects])
    err = np.array([[e.effect - e.lower for e in effects], [e.upper - e.effect for e in effects]])
    colors = ["tab:green" if m > 0 else "tab:red" for m in mean]
    ax.barh(y, mean, color=colors, alpha=0.6)
    ax.errorbar(mean, y, xerr=err, fmt="none", ecolor="black", elinewidth=0.8, capsize=2)
    ax.axvline(0.0, color="grey", linewidth=0.6)
    ax.set_yticks(y, [str(label) for label in labels], fontsize=7)
    ax.invert_yaxis()
    ax.tick_params(axis="x", labelsize=7)


def true_effects(
    space: SearchSpace[Any], values: Sequence[float] | np.ndarray
) -> dict[tuple[int, str], float]:
    """The true main effect of each parameter value over an enumerable space: the mean of
    ``values`` over the cells with that value, minus the mean over all cells.

    Args:
        space: An enumerable space.
        values: One value per cell, in :meth:`~bonas.spaces.base.SearchSpace.enumerate`
            order (NB201: ``NB201Benchmark(dataset).mean_accuracies``).

    Returns:
        ``(edge, op) → effect``, keyed as :meth:`Explanation.effect
        <bonas.explain.Explanation.effect>` is.

    Example:
        >>> from bonas.spaces.nb201 import NB201Space
        >>> space = NB201Space()
        >>> values = [float(arch[0] == "nor_conv_3x3") for arch in space.enumerate()]
        >>> truth = true_effects(space, values)
        >>> round(truth[(0, "nor_conv_3x3")], 3), round(truth[(1, "nor_conv_3x3")], 3)
        (0.8, 0.0)
    """
    from bonas.explain.effects import _parameter_groups

    if not space.is_enumerable:
        raise ConfigurationError(
            f"The 'space' parameter of true_effects must be enumerable. Got {space!r} instead."
        )
    cells = list(space.enumerate())
    y = np.asarray(values, dtype=np.float64)
    if y.shape != (len(cells),):
        raise ConfigurationError(
            f"The 'values' parameter of true_effects must hold one value per cell of the "
            f"space ({len(cells)}). Got shape {y.shape} instead."
        )
    columns, meta = _parameter_groups(space, cells)
    counts = columns.sum(axis=0)
    out: dict[tuple[int, str], float] = {}
    for j, (edge, _, op) in enumerate(meta):
        if counts[j] > 0:
            out[(edge, op)] = float(columns[:, j] @ y / counts[j] - y.mean())
    return out
