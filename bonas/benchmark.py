"""Deprecated: the tabular benchmarks moved.

:class:`~bonas.tabular.TabularBenchmark` is in :mod:`bonas.tabular`, and
:class:`~bonas.nb201.table.NB201Benchmark` with the NB201 table reading in
:mod:`bonas.nb201.table` (both also ``bonas.TabularBenchmark`` / ``bonas.NB201Benchmark``).
Importing them from here still works and warns.
"""

from __future__ import annotations

from bonas._lazy import moved_names

__all__: list[str] = []  # nothing new is to be imported from here

_MOVED = {
    "TabularBenchmark": "bonas.tabular",
    "NB201Benchmark": "bonas.nb201.table",
    "NB201_DATASETS": "bonas.nb201.table",
    "NB201_DATA_ENV": "bonas.nb201.table",
    "clear_table_cache": "bonas.nb201.table",
}


__getattr__ = moved_names(__name__, _MOVED)
