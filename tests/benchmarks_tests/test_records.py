"""The committed raw records of the benchmark grids (``benchmarks/_records.py``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

Loader = Callable[[str], ModuleType]


def test_a_record_comes_back_rounded_and_the_same_record_gives_the_same_bytes(
    load_benchmark: Loader, tmp_path: Path
) -> None:
    records = load_benchmark("_records")
    record = {"seed": 3, "mean_acc": [91.60666666666667, 90.5], "canonical": ["a", "b"]}
    path = tmp_path / "run.json.gz"
    records.save(path, record)
    first = path.read_bytes()
    records.save(path, record)
    assert path.read_bytes() == first  # no timestamp in the gzip header: git stays clean
    assert records.load([path]) == [
        {"seed": 3, "mean_acc": [91.606667, 90.5], "canonical": ["a", "b"]}
    ]
    assert not list(tmp_path.glob("*.tmp"))


def test_a_path_without_the_suffix_is_refused(load_benchmark: Loader, tmp_path: Path) -> None:
    records = load_benchmark("_records")
    with pytest.raises(ValueError, match=r"'path' parameter must end in '\.json\.gz'"):
        records.save(tmp_path / "run.json", {})
