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


def test_the_machine_facts_are_those_of_this_process(load_benchmark: Loader) -> None:
    import os
    import platform

    import torch

    records = load_benchmark("_records")
    facts = records.machine_facts(postgresql={"server_version": "15.18"})
    assert facts["cpu_count"] == os.cpu_count()
    assert facts["python"] == platform.python_version()
    assert facts["torch"] == torch.__version__
    assert facts["cuda"] is torch.cuda.is_available()
    assert facts["gpu"] == (torch.cuda.get_device_name(0) if facts["cuda"] else None)
    assert facts["postgresql"] == {"server_version": "15.18"}
    assert isinstance(facts["load_average"], float)


FACTS = {
    "date": "2026-12-02",
    "cpu_count": 16,
    "cpu": "Some CPU",
    "architecture": "x86_64",
    "system": "Linux 6.1",
    "python": "3.12.1",
    "torch": "2.9.0",
    "cuda": True,
    "gpu": "NVIDIA H200",
    "load_average": 0.5,
}


def test_a_report_states_the_recorded_facts_and_never_invents_missing_ones(
    load_benchmark: Loader,
) -> None:
    records = load_benchmark("_records")
    text = records.describe_machine([FACTS])
    for fact in ("16 CPU cores", "Some CPU, x86_64", "Linux 6.1", "Python 3.12.1", "torch 2.9.0"):
        assert fact in text
    assert "GPU NVIDIA H200" in text
    assert "load average 0.5" in text
    assert "2026-12-02" in text
    no_gpu = records.describe_machine([{**FACTS, "cuda": False, "gpu": None}])
    assert "no GPU (torch saw no CUDA device)" in no_gpu
    assert records.describe_machine([None, None]) == f"Machine: {records.NOT_RECORDED}."
    mixed = records.describe_machine([FACTS, {**FACTS, "cpu_count": 2, "load_average": 3.0}, None])
    assert "16 / 2 CPU cores" in mixed
    assert "load average 0.5–3.0" in mixed
    assert "1 of the 3 records does not say the machine" in mixed
    assert records.has_gpu([FACTS]) is True
    assert records.has_gpu([FACTS, None]) is None
