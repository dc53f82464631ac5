"""Deprecated: the tabular benchmarks moved.

:class:`~bonas.tabular.TabularBenchmark` is in :mod:`bonas.tabular`, and
:class:`~bonas.nb201.table.NB201Benchmark` with the NB201 table reading in
:mod:`bonas.nb201.table` (both also ``bonas.TabularBenchmark`` / ``bonas.NB201Benchmark``).
Importing them from here still works and warns.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

__all__: list[str] = []  # nothing new is to be imported from here

_MOVED = {
    "TabularBenchmark": "bonas.tabular",
    "NB201Benchmark": "bonas.nb201.table",
    "NB201_DATASETS": "bonas.nb201.table",
    "NB201_DATA_ENV": "bonas.nb201.table",
    "clear_table_cache": "bonas.nb201.table",
}


def __getattr__(name: str) -> Any:
    module = _MOVED.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    warnings.warn(
        f"bonas.benchmark is deprecated; import {name} from {module} (or bonas) instead.",
        DeprecationWarning,
        stacklevel=2,
    )
    return getattr(importlib.import_module(module), name)
