"""Surrogate models of the objective: the contract, a GP, a deep ensemble, and the registry.

Importing this package does not import torch; the models import it when first fitted.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from bonas.surrogates.base import Surrogate
from bonas.surrogates.registry import available, get, make, register

__all__ = [
    "EnsembleSurrogate",
    "GPSurrogate",
    "Surrogate",
    "available",
    "get",
    "make",
    "register",
]

_LAZY = {
    "GPSurrogate": "bonas.surrogates.gp",
    "EnsembleSurrogate": "bonas.surrogates.ensemble",
}

if TYPE_CHECKING:
    from bonas.surrogates.ensemble import EnsembleSurrogate
    from bonas.surrogates.gp import GPSurrogate


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'bonas.surrogates' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
