"""Objectives and constraints that are exact functions of the cell: computed, never modelled.

A parameter count, a FLOP count or a user's formula needs no surrogate: the sampler evaluates
it on every candidate. :class:`KnownFunctions` holds such functions and answers the sampler's
questions about them:

* ``feasible(arch)``: whether a cell meets every known constraint (``c(arch) <= 0``), so that
  no cell that breaks one is ever proposed;
* on an enumerable space, for each canonical class, the member to run (:meth:`representative`):
  a feasible one and, when objectives are known, the one best on them (members compute the
  same function, so their accuracies agree, while a convolution on an edge that feeds nothing
  still costs parameters); and the classes no member of which is feasible
  (:meth:`excluded`);
* the known objectives' values of candidates (:meth:`objective_values`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

import numpy as np

from bonas._validation import invalid
from bonas.exceptions import ConfigurationError
from bonas.spaces.base import SearchSpace
from bonas.spaces.pool import class_pool

__all__ = ["KnownFunctions"]

CellFunction = Callable[[Any], float]


def _check_objectives(known: Any, owner: str) -> dict[int, CellFunction]:
    if known is None:
        return {}
    if not isinstance(known, Mapping):
        raise invalid(
            owner,
            "known_objectives",
            "a dict of objective index -> function of the cell (e.g. {1: count_params})",
            known,
        )
    out: dict[int, CellFunction] = {}
    for index, fn in known.items():
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise invalid(
                owner,
                "known_objectives",
                "keyed by objective indices (ints >= 0, the position in the study's directions)",
                index,
            )
        if not callable(fn):
            raise invalid(owner, f"known_objectives[{index}]", "a function of the cell", fn)
        out[index] = fn
    return out


def _check_constraints(known: Any, owner: str) -> dict[str, CellFunction]:
    if known is None:
        return {}
    if isinstance(known, Mapping):
        items = list(known.items())
    elif isinstance(known, Sequence) and not isinstance(known, str):
        items = [(str(i), fn) for i, fn in enumerate(known)]
    else:
        raise invalid(
            owner,
            "known_constraints",
            "a dict of name -> function of the cell (feasible where it is <= 0), or a list "
            "of such functions",
            known,
        )
    out: dict[str, CellFunction] = {}
    for name, fn in items:
        if not callable(fn):
            raise invalid(owner, f"known_constraints[{name!r}]", "a function of the cell", fn)
        out[str(name)] = fn
    return out


class KnownFunctions:
    """The known objectives and constraints of one sampler.

    Args:
        space: The sampler's space.
        objectives: Objective index (position in the study's directions) → function of the
            cell returning that objective's value, in the objective's own units.
        constraints: Name → function of the cell; a cell is feasible where every one is
            ``<= 0``.
        owner: The sampler's name, for messages.

    Raises:
        ConfigurationError: if an option is malformed, or (enumerable spaces) if no cell of
            the space meets the constraints; the message gives each constraint's count.
    """

    def __init__(
        self,
        space: SearchSpace[Any],
        objectives: Any = None,
        constraints: Any = None,
        owner: str = "BONASSampler",
    ) -> None:
        self.space = space
        self.owner = owner
        self.objectives = _check_objectives(objectives, owner)
        self.constraints = _check_constraints(constraints, owner)
        self._feasible_memo: dict[Hashable, bool] = {}
        self._values_memo: dict[Hashable, np.ndarray] = {}
        self._reps: dict[tuple[float, ...], dict[str, Any]] = {}
        self._excluded: frozenset[str] = frozenset()
        if self.constraints and space.is_enumerable:
            self._excluded = self._check_satisfiable()

    def __bool__(self) -> bool:
        return bool(self.objectives or self.constraints)

    # -- constraints --------------------------------------------------------------------
    def _value(self, fn: CellFunction, arch: Any, what: str) -> float:
        value = fn(arch)
        try:
            out = float(value)
        except (TypeError, ValueError):
            raise ConfigurationError(
                f"The {what} of {self.owner} must return a number for every cell. Got "
                f"{value!r} for {self.space.to_string(arch)!r} instead."
            ) from None
        if not np.isfinite(out):
            raise ConfigurationError(
                f"The {what} of {self.owner} must return a finite number for every cell. Got "
                f"{out} for {self.space.to_string(arch)!r} instead."
            )
        return out

    def feasible(self, arch: Any) -> bool:
        """Whether ``arch`` meets every known constraint."""
        if not self.constraints:
            return True
        hit = self._feasible_memo.get(arch)
        if hit is None:
            hit = all(
                self._value(fn, arch, f"known constraint {name!r}") <= 0
                for name, fn in self.constraints.items()
            )
            self._feasible_memo[arch] = hit
        return hit

    def _check_satisfiable(self) -> frozenset[str]:
        """The classes without a feasible member; an error if that is every class."""
        pool = class_pool(self.space)
        ok = np.fromiter((self.feasible(a) for a in pool.cells), dtype=bool, count=len(pool.cells))
        if not ok.any():
            counts = ", ".join(
                f"{name!r} holds for "
                f"{sum(self._value(fn, a, f'known constraint {name!r}') <= 0 for a in pool.cells)}"
                for name, fn in self.constraints.items()
            )
            raise ConfigurationError(
                f"The 'known_constraints' parameter of {self.owner}: no cell of the space meets "
                f"them all ({counts} of its {len(pool.cells)} cells). Loosen a constraint."
            )
        has_feasible = np.zeros(len(pool.representatives), dtype=bool)
        has_feasible[pool.class_of[ok]] = True
        keys = {i: key for key, i in pool.index.items()}
        return frozenset(keys[int(i)] for i in np.flatnonzero(~has_feasible))

    def excluded(self) -> frozenset[str]:
        """The canonical keys of the classes no member of which is feasible (enumerable
        spaces; empty otherwise)."""
        return self._excluded

    # -- objectives ---------------------------------------------------------------------
    def check_study(self, n_objectives: int) -> None:
        """An error if a known objective's index is not one of the study's objectives."""
        bad = [i for i in self.objectives if i >= n_objectives]
        if bad:
            raise ConfigurationError(
                f"The 'known_objectives' parameter of {self.owner} names objective {bad[0]}, "
                f"but the study has {n_objectives} objective(s) (indices 0 to "
                f"{n_objectives - 1}). Key it by the position in the study's directions."
            )

    def objective_values(self, archs: Sequence[Any]) -> np.ndarray:
        """``(len(archs), k)`` the known objectives' values, in index order, own units."""
        order = sorted(self.objectives)
        rows = []
        for arch in archs:
            row = self._values_memo.get(arch)
            if row is None:
                row = np.array(
                    [self._value(self.objectives[i], arch, f"known objective {i}") for i in order]
                )
                self._values_memo[arch] = row
            rows.append(row)
        return np.array(rows).reshape(len(archs), len(order))

    # -- the member of a class to run ---------------------------------------------------
    def representative(self, arch: Any, signs: Sequence[float] = ()) -> Any:
        """The member of ``arch``'s class to run: feasible, and best on the known objectives
        (oriented by ``signs``, +1 maximize / -1 minimize, one per known objective in index
        order; ties and trade-offs between members: the first in enumeration order).
        ``arch`` itself on a space that cannot be listed."""
        if not self or not self.space.is_enumerable:
            return arch
        reps = self._reps.get(tuple(signs))
        if reps is None:
            reps = self._reps[tuple(signs)] = self._representatives(tuple(signs))
        return reps.get(self.space.canonical(arch), arch)

    def _representatives(self, signs: tuple[float, ...]) -> dict[str, Any]:
        pool = class_pool(self.space)
        ok = np.fromiter((self.feasible(a) for a in pool.cells), dtype=bool, count=len(pool.cells))
        use_objectives = bool(self.objectives) and len(signs) == len(self.objectives)
        if use_objectives:
            K = self.objective_values(pool.cells) * np.asarray(signs)
        order = np.argsort(pool.class_of, kind="stable")
        bounds = np.flatnonzero(np.diff(pool.class_of[order])) + 1
        keys = {i: key for key, i in pool.index.items()}
        out: dict[str, Any] = {}
        for members in np.split(order, bounds):
            members = members[ok[members]]
            if len(members) == 0:
                continue
            best = int(members[0])
            if use_objectives and len(members) > 1:
                # The first member that no other member dominates on the known objectives.
                sub = K[members]
                for i, row in zip(members, sub, strict=True):
                    if not np.any(np.all(sub >= row, axis=1) & np.any(sub > row, axis=1)):
                        best = int(i)
                        break
            out[keys[int(pool.class_of[best])]] = pool.cells[best]
        return out
