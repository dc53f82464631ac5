"""What the cells of a ``bonas search`` study say: its space, its best cells (drawn to
``cells/`` by ``bonas search`` and ``bonas report``) and the explanation of its objectives
(``bonas explain``, ``bonas report --html``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bonas.exceptions import ConfigurationError, UsageError
from bonas.report import BENCHMARK_ATTR

if TYPE_CHECKING:
    import optuna
    from optuna.trial import FrozenTrial

    from bonas.explain import Explanation
    from bonas.spaces.base import SearchSpace

__all__ = [
    "CELLS_DIR",
    "EXPLAIN_PLOT",
    "best_cells",
    "draw_best_cells",
    "explain_study",
    "objective_labels",
    "pick_objectives",
    "plot_name",
    "space_of",
]

#: The folder of the drawn best cells, in a study's output folder.
CELLS_DIR = "cells"
#: The file of the effects figure (``explain-OBJECTIVE.png`` with several objectives).
EXPLAIN_PLOT = "explain.png"
#: The spaces a ``bonas search`` study can record, by the spec's ``"space"``.
_SPACES = ("nb201",)


def space_of(spec: Mapping[str, Any]) -> SearchSpace[Any]:
    """The search space a study's spec names (``"space": "nb201"``).

    Raises:
        ConfigurationError: if the spec names no space bonas knows.
    """
    name = spec.get("space")
    if name == "nb201":
        from bonas.spaces.nb201 import NB201Space

        return NB201Space()
    raise ConfigurationError(
        f"The {BENCHMARK_ATTR!r} user attribute must name the study's space ('space': one of "
        f"{list(_SPACES)}). Got {name!r} instead; explain a study of another space from Python "
        "with bonas.explain.explain(study, space)."
    )


def best_cells(
    study: optuna.Study, trials: Sequence[FrozenTrial], space: SearchSpace[Any], k: int = 3
) -> list[tuple[Any, FrozenTrial]]:
    """The best cells of a study, one per isomorphism class: the ``k`` best by value with one
    objective, the Pareto front (at most ``2 k`` cells, first objective best first) with
    several."""
    from optuna.study import StudyDirection
    from optuna.trial import TrialState

    from bonas.exceptions import BonasError

    done = [
        t
        for t in trials
        if t.state == TrialState.COMPLETE
        and t.values is not None
        and all(v == v for v in t.values)
    ]
    signs = [1.0 if d == StudyDirection.MAXIMIZE else -1.0 for d in study.directions]
    if len(signs) > 1:
        done = _front(done, signs)
        limit = 2 * k
    else:
        limit = k
    done.sort(key=lambda t: -signs[0] * t.values[0])
    out: list[tuple[Any, FrozenTrial]] = []
    seen: set[str] = set()
    for t in done:
        try:
            arch = space.from_params(t.params)
        except (BonasError, ValueError, KeyError, TypeError):
            continue
        key = space.canonical(arch)
        if key in seen:
            continue
        seen.add(key)
        out.append((arch, t))
        if len(out) == limit:
            break
    return out


def _front(trials: list[FrozenTrial], signs: Sequence[float]) -> list[FrozenTrial]:
    """The trials no other trial dominates (values oriented by ``signs``)."""
    vals = [[s * v for s, v in zip(signs, t.values or (), strict=True)] for t in trials]
    front = []
    for i, a in enumerate(vals):
        dominated = any(
            all(b_ >= a_ for a_, b_ in zip(a, b, strict=True)) and b != a
            for j, b in enumerate(vals)
            if j != i
        )
        if not dominated:
            front.append(trials[i])
    return front


def draw_best_cells(
    study: optuna.Study, trials: Sequence[FrozenTrial], spec: Mapping[str, Any], out: Path
) -> list[Path]:
    """Draw the :func:`best_cells` to ``out/cells/best-K.png`` and ``.svg``; return the paths
    (none where the spec names no space bonas can draw)."""
    from bonas.draw import draw_cells

    try:
        space = space_of(spec)
    except ConfigurationError:
        return []
    cells = [arch for arch, _ in best_cells(study, trials, space)]
    return draw_cells(space, cells, out / CELLS_DIR, stem="best") if cells else []


def pick_objectives(study: optuna.Study, spec: Mapping[str, Any], given: str | None) -> list[int]:
    """The objectives ``--objective`` names (a name or an index), or all of them."""
    names = objective_labels(study, spec)
    if given is None:
        return list(range(len(names)))
    if given in names:
        return [names.index(given)]
    if given.isdigit() and int(given) < len(names):
        return [int(given)]
    raise UsageError(
        f"--objective must be one of the study's objectives {names} or an index 0-"
        f"{len(names) - 1}; got {given!r}"
    )


def objective_labels(study: optuna.Study, spec: Mapping[str, Any]) -> list[str]:
    """The objectives' names: the spec's ``"objectives"`` (``bonas search nb201
    --objectives``), else the study's metric names, else ``"accuracy"`` for an NB201 study of
    one objective."""
    from bonas.explain import objective_names

    n = len(study.directions)
    listed = spec.get("objectives")
    if isinstance(listed, list) and len(listed) == n:
        return [str(name) for name in listed]
    names = objective_names(study)
    if n == 1 and names == ["value"] and spec.get("space") == "nb201":
        return ["accuracy"]
    return names


def explain_study(
    study: optuna.Study,
    spec: Mapping[str, Any],
    objectives: Sequence[int],
    *,
    n_cells: int = 20_000,
    level: float = 0.9,
    importance: str = "auto",
    seed: int = 0,
) -> list[Explanation]:
    """:func:`bonas.explain.explain` of each of ``objectives`` of a ``bonas search`` study."""
    from bonas.explain import explain

    space = space_of(spec)
    names = objective_labels(study, spec)
    return [
        explain(
            study,
            space,
            objective=i,
            objective_name=names[i],
            n_cells=n_cells,
            level=level,
            importance=importance,
            seed=seed,
        )
        for i in objectives
    ]


def plot_name(ex: Explanation, several: bool) -> str:
    """``explain.png``, or ``explain-NAME.png`` in a study of several objectives."""
    if not several:
        return EXPLAIN_PLOT
    slug = "".join(c if c.isalnum() else "-" for c in ex.objective_name.lower())
    return f"explain-{slug}.png"
