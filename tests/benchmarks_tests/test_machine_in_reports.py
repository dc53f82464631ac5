"""Reports state the machine facts their records carry, and say so where a record has none."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

Loader = Callable[[str], ModuleType]

MACHINE = {
    "date": "2026-12-01",
    "cpu_count": 3,
    "cpu": "Test CPU",
    "architecture": "x86_64",
    "system": "Linux 9.9",
    "python": "3.11.7",
    "torch": "2.13.0+cpu",
    "cuda": False,
    "gpu": None,
    "load_average": 1.3,
}


def _count_record(dataset: str, **extra: Any) -> dict[str, Any]:
    return {
        "dataset": dataset,
        "classes": 10,
        "cells": 100,
        "equal": 100,
        "seed_match": 100,
        "odd": 2,
        "low": 1000,
        "high": 2000,
        "seconds": 8.0,
        **extra,
    }


def test_the_param_count_report_writes_the_recorded_machine(load_benchmark: Loader) -> None:
    module = load_benchmark("nb201_param_count")
    record = _count_record("cifar10", cpu_seconds=4.0, nice=10, machine=MACHINE)
    text = module.report([record])
    assert (
        "Machine (as recorded by the runs): 3 CPU cores (Test CPU, x86_64), Linux 9.9, "
        "Python 3.11.7, torch 2.13.0+cpu, no GPU (torch saw no CUDA device); load average 1.3 "
        "at the end of the run; run on 2026-12-01." in text
    )
    assert "the run at niceness 10" in text
    assert "The 100 builds took 0 minutes of CPU in all (40 ms a build)." in text
    assert "not recorded" not in text


def test_the_param_count_report_says_what_old_records_do_not_say(load_benchmark: Loader) -> None:
    module = load_benchmark("nb201_param_count")
    text = module.report([_count_record("cifar10")])
    assert "Machine: not recorded (records made before bonas recorded it)." in text
    assert "The CPU time of the 100 builds: not recorded" in text
    assert "CPU cores" not in text
    both = module.report([_count_record("cifar10", machine=MACHINE), _count_record("cifar100")])
    assert "3 CPU cores" in both
    assert "1 of the 2 records does not say the machine" in both


def _workers_rows() -> list[dict[str, Any]]:
    return [
        {
            "storage": storage,
            "workers": n,
            "complete": 8,
            "trials_per_s": tps,
            "sampler_mean_s": 0.1 * n,
            "sampler_p90_s": 0.2 * n,
            "duplicates": 0,
            "startup_s": 3.0,
        }
        for storage, rates in (("SQLite", (4.0, 5.0, 3.0)), ("PostgreSQL", (2.0, 3.0, 2.5)))
        for n, tps in zip((1, 2, 4), rates, strict=True)
    ]


def test_the_workers_report_writes_the_recorded_cores_and_server(load_benchmark: Loader) -> None:
    module = load_benchmark("workers")
    postgres = {"server_version": "16.2", "fsync": "on", "host": "127.0.0.1"}
    record = {"trials": 8, "rows": _workers_rows(), "machine": {**MACHINE, "postgresql": postgres}}
    text = module.report(record)
    assert "3 CPU cores (Test CPU, x86_64)" in text
    assert "PostgreSQL 16.2, fsync on, on the same machine (host 127.0.0.1)." in text
    assert "With 3 cores, 4 workers are oversubscribed" in text
    assert "SQLite 4.00 → 5.00 → 3.00; PostgreSQL 2.00 → 3.00 → 2.50" in text
    assert "no run evaluated a class twice" in text


def test_the_workers_report_of_an_old_record_says_it_does_not_know(
    load_benchmark: Loader,
) -> None:
    module = load_benchmark("workers")
    text = module.report({"trials": 8, "rows": _workers_rows()})
    assert "Machine: not recorded (records made before bonas recorded it)." in text
    assert "PostgreSQL server: not recorded" in text
    assert "does not say how many cores" in text
    assert "CPU cores" not in text
