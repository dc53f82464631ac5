"""Deprecated: ``BONASSampler`` lives in :mod:`bonas.samplers.bo` (and is ``bonas.BONASSampler``).

``from bonas.sampler import BONASSampler`` still works and warns.
"""

from __future__ import annotations

from bonas._lazy import moved_names

__all__: list[str] = []  # nothing new is to be imported from here
_MOVED = ("BONASSampler", "SearchState")


__getattr__ = moved_names(__name__, dict.fromkeys(_MOVED, "bonas.samplers"))
