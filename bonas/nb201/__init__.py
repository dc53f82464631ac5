"""NAS-Bench-201 as real networks: the PyTorch model of any cell, and an objective that trains it.

* :mod:`bonas.nb201.network`: :func:`build_network`, NB201's network for a cell (Dong & Yang,
  "NAS-Bench-201: Extending the Scope of Reproducible Neural Architecture Search", ICLR 2020).

The tabular benchmark stays in :mod:`bonas.benchmark`. torch is imported when a name of this
package is first used, so ``import bonas.nb201`` is cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_LAZY = {
    "NB201Network": "bonas.nb201.network",
    "build_network": "bonas.nb201.network",
    "count_parameters": "bonas.nb201.network",
}

__all__ = [
    "NB201Network",
    "build_network",
    "count_parameters",
]

if TYPE_CHECKING:
    from bonas.nb201.network import NB201Network, build_network, count_parameters


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'bonas.nb201' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
