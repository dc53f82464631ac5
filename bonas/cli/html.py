"""``bonas report --html``: one self-contained HTML page per study.

The page holds the study's figure (the incumbent plot, or the Pareto front with several
objectives) and the effects figure as PNG data URIs, the best cells as inline SVG, the summary
and the explanation as text: no script, no stylesheet or font from the network, so it opens
anywhere, offline, as one file.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import optuna
    from optuna.trial import FrozenTrial

    from bonas.explain import Explanation

__all__ = ["HTML_FILE", "write_html"]

#: The page's file name in the output folder.
HTML_FILE = "report.html"

_STYLE = """
body { font-family: sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; border-bottom: 1px solid #ccc; }
pre { background: #f6f8fa; padding: 0.8em; overflow-x: auto; font-size: 0.8em; }
img { max-width: 100%; } .cells { display: flex; flex-wrap: wrap; gap: 1em; }
.cell { border: 1px solid #ddd; padding: 0.4em; max-width: 520px; }
.cell svg { width: 100%; height: auto; } .note { color: #555; font-size: 0.9em; }
.warn { background: #fff4e0; border-left: 4px solid #e08a00; padding: 0.5em 0.8em; }
"""


def _png(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'


def write_html(
    out: Path,
    *,
    study: optuna.Study,
    spec: Mapping[str, Any],
    summary: str,
    plot: Path | None,
    cells: Sequence[tuple[Any, FrozenTrial]],
    explanations: Sequence[Explanation],
    explain_error: str | None = None,
) -> Path:
    """Write ``out/report.html`` and return its path.

    Args:
        out: The output folder.
        study: The study.
        spec: Its spec.
        summary: The summary's text (as ``bonas report`` prints it).
        plot: The study's figure (incumbent or Pareto front), or ``None``.
        cells: The best cells and their trials, drawn inline.
        explanations: The explanation of each objective.
        explain_error: Why there is no explanation (e.g. too few trials), shown instead.
    """
    from bonas.cli.insight import space_of
    from bonas.draw import cell_svg
    from bonas.explain import format_explanation, plot_effects

    several = len(study.directions) > 1
    title = f"bonas report: {study.study_name}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<pre>{html.escape(summary)}</pre>",
    ]
    if plot is not None and plot.is_file():
        heading = "Pareto front" if several else "Incumbent"
        parts += [f"<h2>{heading}</h2>", _png(plot)]
    if cells:
        space = space_of(spec)
        parts += ["<h2>Best cells</h2>", '<div class="cells">']
        for k, (arch, trial) in enumerate(cells, start=1):
            values = ", ".join(f"{v:.4g}" for v in trial.values or ())
            caption = f"#{k}: trial {trial.number}, value {values}"
            parts.append(
                f'<div class="cell" id="cell-{k}"><div>{html.escape(caption)}</div>'
                f"{cell_svg(space, arch, title=space.to_string(arch))}</div>"
            )
        parts.append("</div>")
    parts.append("<h2>What makes a cell good</h2>")
    if explain_error is not None:
        parts.append(f'<p class="note">No explanation: {html.escape(explain_error)}</p>')
    for ex in explanations:
        figure = out / f".explain-{ex.objective}.png"
        plot_effects(ex, figure)
        parts.append(f"<h3>{html.escape(ex.objective_name)} ({ex.direction}d)</h3>")
        if ex.warning is not None:
            parts.append(f'<p class="warn" id="not-uniform">{html.escape(ex.warning)}</p>')
        parts += [
            _png(figure),
            f"<pre>{html.escape(format_explanation(ex))}</pre>",
        ]
        figure.unlink()
    parts += [
        '<p class="note">Made by <code>bonas report --html</code>; every image is inline.</p>',
        "</body></html>",
    ]
    path = out / HTML_FILE
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return path
