"""Pareto fronts and hypervolume of several objectives, over BoTorch's maintained routines.

Values are given as an ``(n, m)`` array in the objectives' own units with one direction per
column (``"maximize"`` / ``"minimize"``, or Optuna's :class:`~optuna.study.StudyDirection`);
the functions here turn them into BoTorch's convention (every column maximized) once, and
nowhere else. The dominance test is :func:`botorch.utils.multi_objective.pareto.is_non_dominated`
and the volume :class:`botorch.utils.multi_objective.hypervolume.Hypervolume`.

Example:
    >>> import numpy as np
    >>> Y = np.array([[90.0, 3.0], [80.0, 1.0], [70.0, 2.0]])  # accuracy (max), latency (min)
    >>> non_dominated(Y, ["maximize", "minimize"]).tolist()
    [True, True, False]
    >>> hypervolume(Y, ["maximize", "minimize"], reference=[60.0, 4.0])
    70.0
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from bonas.exceptions import ConfigurationError

__all__ = ["directions_of", "hypervolume", "maximized", "non_dominated"]


def directions_of(directions: Sequence[Any], parameter: str = "directions") -> list[bool]:
    """One flag per objective, ``True`` where it is maximized; ``directions`` holds
    ``"maximize"`` / ``"minimize"`` or :class:`optuna.study.StudyDirection` members."""
    flags = []
    for d in directions:
        name = getattr(d, "name", d)
        name = str(name).lower()
        if name not in ("maximize", "minimize"):
            raise ConfigurationError(
                f"The {parameter!r} parameter must hold 'maximize' or 'minimize' per objective. "
                f"Got {d!r} instead."
            )
        flags.append(name == "maximize")
    if not flags:
        raise ConfigurationError(
            f"The {parameter!r} parameter must name at least one direction. Got none."
        )
    return flags


def maximized(values: Any, directions: Sequence[Any]) -> np.ndarray:
    """``values`` as a float64 ``(n, m)`` array with the minimized columns negated."""
    flags = directions_of(directions)
    Y = np.asarray(values, dtype=np.float64)
    if Y.ndim == 1:
        Y = Y.reshape(-1, len(flags)) if Y.size else Y.reshape(0, len(flags))
    if Y.ndim != 2 or Y.shape[1] != len(flags):
        raise ConfigurationError(
            f"The 'values' parameter must be an (n, {len(flags)}) array, one column per "
            f"direction. Got shape {Y.shape} instead."
        )
    if not np.all(np.isfinite(Y)):
        raise ConfigurationError(
            "The 'values' parameter must hold finite numbers. Got NaN or inf; drop the failed "
            "trials before computing a front."
        )
    return np.where(np.asarray(flags), Y, -Y)


def non_dominated(values: Any, directions: Sequence[Any]) -> np.ndarray:
    """A boolean mask of the rows of ``values`` that no other row dominates (of equal rows,
    the first only)."""
    import torch
    from botorch.utils.multi_objective.pareto import is_non_dominated

    Y = maximized(values, directions)
    if len(Y) == 0:
        return np.zeros(0, dtype=bool)
    mask = is_non_dominated(torch.from_numpy(Y), maximize=True, deduplicate=True)
    return np.asarray(mask.numpy(), dtype=bool)


def hypervolume(values: Any, directions: Sequence[Any], reference: Any) -> float:
    """The volume dominated by ``values`` and bounded by ``reference`` (same units and
    directions); rows no better than ``reference`` in every objective add nothing."""
    import torch
    from botorch.utils.multi_objective.hypervolume import Hypervolume

    flags = directions_of(directions)
    ref = maximized(np.asarray(reference, dtype=np.float64).reshape(1, -1), directions)[0]
    Y = maximized(values, directions)
    Y = Y[np.all(Y > ref, axis=1)]
    if len(Y) == 0:
        return 0.0
    front = Y[non_dominated(Y, ["maximize"] * len(flags))]
    return float(Hypervolume(torch.from_numpy(ref)).compute(torch.from_numpy(front)))
