"""The multi-objective and constrained grids of ``benchmarks/nb201_multi.py``: a tiny grid
into a temporary folder, its records checked against the table, and its report's numbers
against a direct computation from those records."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from bonas.nb201.costs import count_params
from bonas.nb201.objectives import NB201MultiObjective

Loader = Callable[[str], ModuleType]
QUERIES = 12


@pytest.fixture
def multi(load_benchmark: Loader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The script, writing its records, report and plot under ``tmp_path``."""
    module = load_benchmark("nb201_multi")
    monkeypatch.setattr(module, "RAW", tmp_path / "raw")
    monkeypatch.setattr(module, "OUT", tmp_path / "nb201_multi.md")
    monkeypatch.setattr(module, "PLOT", tmp_path / "nb201_multi.png")
    return module


def _run(multi: ModuleType, command: str, *options: str) -> None:
    multi.main(
        [
            command,
            "--datasets",
            "cifar10",
            "--seeds",
            "1",
            "--queries",
            str(QUERIES),
            "--jobs",
            "1",
        ]
        + list(options)
    )


def _row(text: str, strategy: str, after: str) -> list[str]:
    """The cells of ``strategy``'s first table row after the line that starts with ``after``."""
    rest = text[text.index(after) :]
    line = next(x for x in rest.splitlines() if x.startswith(f"| {strategy} |"))
    return [c.strip() for c in line.strip("|").split("|")]


def _first_hit(record: dict[str, Any], mo: NB201MultiObjective, bound: float) -> int | None:
    """The first query that evaluated a cell within ``bound`` in the optimum's class."""
    name = record["bound"]["objective"]
    best, _ = mo.constrained_optimum(**{f"max_{name}": bound})
    for i, key in enumerate(record["cells"]):
        cell = mo.space.coerce(key)
        if mo.column(name)[mo.benchmark.index(cell)] <= bound and mo.space.canonical(
            cell
        ) == mo.space.canonical(best):
            return i + 1
    return None


def test_a_tiny_grid_writes_records_and_a_report_computed_from_them(
    multi: ModuleType, tmp_path: Path
) -> None:
    _run(multi, "run-front", "--strategies", "bonas,random", "--sets", "accuracy,params")
    _run(
        multi,
        "run-constrained",
        "--strategies",
        "bonas,gp",
        "--constraints",
        "params-p25,latency-median",
    )
    front_files = sorted(p.name for p in (tmp_path / "raw" / "front").iterdir())
    assert front_files == [
        f"{st}__accuracy-params__cifar10__q{QUERIES}__s0.json.gz" for st in ("bonas", "random")
    ]
    mo = NB201MultiObjective("cifar10", ("accuracy", "params"))
    front = {r["strategy"]: r for r in multi.load_records("front", QUERIES)}
    for strategy, r in front.items():
        assert (r["objectives"], r["dataset"], r["seed"], r["mode"]) == (
            "accuracy,params",
            "cifar10",
            0,
            "mean",
        )
        assert len(r["cells"]) == len(r["suggest_s"]) == len(r["hv_regret"]) == QUERIES
        # The values are the cell's mean accuracy and its exact parameter count.
        np.testing.assert_allclose(r["values"], mo.values(r["cells"]), rtol=1e-6)
        assert [v[1] for v in r["values"]] == [count_params(c, "cifar10") for c in r["cells"]]
        regret = [mo.hypervolume_regret(r["cells"][:k]) for k in range(1, QUERIES + 1)]
        np.testing.assert_allclose(r["hv_regret"], regret, atol=1e-6)
        assert r["classes_found"][-1] == pytest.approx(mo.front_classes_found(r["cells"]))
        assert r["true_front"]["classes"] == len(mo.true_front().classes), strategy
        assert r["machine"]["cpu_count"] is not None
        assert len(r["code"]["commit"]) == 40
    # BONASSampler runs one member per class: no class twice.
    assert len(set(front["bonas"]["canonical"])) == QUERIES

    constrained = {
        (r["strategy"], r["constraint"]): r for r in multi.load_records("constrained", QUERIES)
    }
    assert sorted(constrained) == [
        (st, c) for st in ("bonas", "gp") for c in ("latency-median", "params-p25")
    ]
    single = NB201MultiObjective("cifar10", ("accuracy",))
    for (strategy, _), r in constrained.items():
        name = r["bound"]["objective"]
        bound = single.quantile(name, r["bound"]["quantile"])
        # Records keep 6 decimals (a latency in seconds to the microsecond).
        assert r["bound"]["threshold"] == pytest.approx(bound, abs=1e-6)
        column = single.column(name)
        rows = [single.benchmark.index(c) for c in r["cells"]]
        assert r["feasible"] == [bool(column[i] <= bound) for i in rows]
        assert r["accuracy"] == pytest.approx([single.benchmark.mean_accuracies[i] for i in rows])
        assert r["known"] == (strategy == "bonas" and name == "params")
    # A known constraint is never broken.
    assert all(constrained[("bonas", "params-p25")]["feasible"])

    multi.main(["report", "--queries", str(QUERIES)])
    text = (tmp_path / "nb201_multi.md").read_text()
    assert (tmp_path / "nb201_multi.png").stat().st_size > 0
    for strategy, r in front.items():
        cells = _row(text, strategy, "**cifar10** (true front")
        regret = mo.hypervolume_regret(r["cells"])
        assert cells[:3] == [strategy, "1", f"{regret:.4f} ± 0.0000"]
        assert cells[3] == f"{mo.front_classes_found(r['cells']):.0%}"
    for (strategy, constraint), r in constrained.items():
        name = r["bound"]["objective"]
        bound = single.quantile(name, r["bound"]["quantile"])
        hit = _first_hit(r, single, bound)
        # A run stops at the query that finds the optimum.
        assert len(r["cells"]) == (QUERIES if hit is None else hit)
        heading = multi.CONSTRAINTS[constraint][2]
        cells = _row(text, strategy, f"### {heading}")
        optimum, _ = single.constrained_optimum(**{f"max_{name}": bound})
        exact = int(single.space.to_key(optimum) in r["cells"])
        infeasible = sum(not ok for ok in r["feasible"])
        # Accuracy regret: the optimum's accuracy minus the best feasible cell's so far.
        cols = single.column(name)
        feasible = [
            single.benchmark.mean_accuracy(single.space.from_key(k))
            for k in r["cells"]
            if cols[single.benchmark.index(single.space.from_key(k))] <= bound
        ]
        best_acc = single.benchmark.mean_accuracy(optimum)
        regret = 0.0 if hit is not None else best_acc - max(feasible)
        assert cells[1:8] == [
            "1",
            "known" if r["known"] else "learned",
            f">{QUERIES}" if hit is None else f"{hit:g}",
            str(int(hit is not None)),
            str(exact),
            f"{regret:.2f}",
            str(infeasible),
        ]
    # The goal on known constraints is computed from the records: bonas broke none.
    assert re.search(r"4\. `BONASSampler` never proposes .*: \*\*holds\*\*", text)
    assert "params-p25 on cifar10: 0 in 1 runs" in text
    assert "the grid is not complete" in text
    assert "Machine (as recorded by the runs):" in text
    commit = front["bonas"]["code"]["commit"][:12]
    assert f"Code (as recorded by the runs): commit {commit} (6 runs)" in text


def test_a_constrained_run_finds_the_optimum_in_its_class(multi: ModuleType) -> None:
    record = {
        "optimum": {"canonical": "C", "cell": "000002"},
        "canonical": ["A", "C", "C", "B"],
        "feasible": [True, False, True, True],
        "cells": ["000000", "000001", "000003", "000004"],
    }
    # The second cell is of the optimum's class but breaks the bound; the third is the hit,
    # though it is not the optimum cell itself.
    assert multi.first_hit(record) == 3
    assert not multi.exact_hit(record)
    assert multi.median_hit([3, None, 5]) == 5
    assert multi.median_hit([3, None, None]) == np.inf


def test_the_jobs_go_seed_by_seed(multi: ModuleType) -> None:
    jobs = multi.front_jobs(multi.parse_args(["run-front", "--seeds", "2", "--seed0", "3"]))
    per_seed = len(multi.DEFAULT_FRONT) * len(multi.SETS) * len(multi.DATASETS)
    assert [job[3] for job in jobs] == [3] * per_seed + [4] * per_seed
    assert {job[:3] for job in jobs[:per_seed]} == {job[:3] for job in jobs[per_seed:]}
    jobs = multi.constrained_jobs(multi.parse_args(["run-constrained", "--seeds", "1"]))
    assert {job[0] for job in jobs} == set(multi.DEFAULT_CONSTRAINED)
    assert {job[1] for job in jobs} == set(multi.CONSTRAINTS)
    with pytest.raises(SystemExit, match="unknown strategy"):
        multi.front_jobs(multi.parse_args(["run-front", "--strategies", "bonas,nope"]))
