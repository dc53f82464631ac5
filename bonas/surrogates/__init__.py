"""Surrogate models of the objective: the contract, a GP, a deep ensemble, and the registry.

Importing this package does not import torch; the models import it when first fitted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bonas._lazy import lazy_exports
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


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
