"""``benchmarks/surrogate_eval.py``: reproducible records per block of repeats, a grid that
splits into blocks, and a report written from the records alone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

Loader = Callable[[str], ModuleType]
TIMES = ("fit_seconds", "predict_seconds_per_1000")


def _untimed(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k not in TIMES} for r in record["records"]]


def test_a_block_of_repeats_is_reproducible(load_benchmark: Loader) -> None:
    bench = load_benchmark("surrogate_eval")
    first = bench.run_one("forest", "adjacency", "cifar10", "noisy", 12, 0, 2)
    again = bench.run_one("forest", "adjacency", "cifar10", "noisy", 12, 0, 2)
    assert _untimed(first) == _untimed(again)
    assert [r["repeat"] for r in first["records"]] == [0, 1]
    assert first["records"][0]["surrogate"] == "forest_surrogate:ForestSurrogate"
    second = bench.run_one("forest", "adjacency", "cifar10", "noisy", 12, 1, 1)
    assert _untimed(second) == _untimed(first)[1:]


def test_the_grid_covers_every_repeat_once_in_blocks(load_benchmark: Loader) -> None:
    bench = load_benchmark("surrogate_eval")
    grid = bench.jobs(["gp"], ["path"], ["cifar10"], ["mean"], [10, 100], 10, 4)
    assert [(job[4], job[5], job[6]) for job in grid] == [
        (10, 0, 4),
        (10, 4, 4),
        (10, 8, 2),
        (100, 0, 4),
        (100, 4, 4),
        (100, 8, 2),
    ]
    names = {bench._path(*job).name for job in grid}
    assert len(names) == len(grid)
    assert "gp__path__cifar10__mean__n10__r8-9.json.gz" in names


def test_the_report_is_made_from_the_records(
    load_benchmark: Loader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bench = load_benchmark("surrogate_eval")
    import _records  # the benchmarks' folder is on sys.path once the script is loaded

    raw = tmp_path / "raw"
    raw.mkdir()
    for variant in ("gp", "gp-copula"):
        for size in (10, 20):
            job = (variant, "path_adjacency", "cifar10", "mean", size, 0, 2)
            record = bench.run_one(*job)
            record["machine"] = _records.machine_facts()
            _records.save(raw / bench._path(*job).name, record)
    monkeypatch.setattr(bench, "OUT", tmp_path / "surrogate_eval.md")
    bench.main(["report", "--raw", str(raw)])
    text = (tmp_path / "surrogate_eval.md").read_text()
    assert "## Kendall τ: nb201-cifar10, mean mode" in text
    assert "| gp-copula | path_adjacency |" in text
    # The goal tables: the default GP against the best other, coverage with its miss.
    assert "| nb201-cifar10 | mean | 10 |" in text
    assert "not available here" in text
    assert (tmp_path / "surrogate_eval_tau_cifar10.png").stat().st_size > 0
    assert (tmp_path / "surrogate_eval_reliability_cifar10.png").stat().st_size > 0
