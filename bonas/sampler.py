"""Deprecated: ``BONASSampler`` lives in :mod:`bonas.samplers.bo` (and is ``bonas.BONASSampler``).

``from bonas.sampler import BONASSampler`` still works and warns.
"""

from __future__ import annotations

import warnings
from typing import Any

__all__: list[str] = []  # nothing new is to be imported from here
_MOVED = ("BONASSampler", "SearchState")


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        warnings.warn(
            f"bonas.sampler is deprecated; import {name} from bonas.samplers (or bonas) instead.",
            DeprecationWarning,
            stacklevel=2,
        )
        from bonas.samplers import bo

        return getattr(bo, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
