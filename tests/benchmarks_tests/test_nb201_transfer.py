"""The transfer grid of ``benchmarks/nb201_transfer.py``: a tiny grid into a temporary folder,
its records checked against the table and against each other, and its report's numbers
against a direct computation from those records."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from bonas import NB201Benchmark

Loader = Callable[[str], ModuleType]
QUERIES = 12
SOURCE_TRIALS = 8


@pytest.fixture
def transfer(
    load_benchmark: Loader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> ModuleType:
    """The script, writing its records and report under ``tmp_path``."""
    module = load_benchmark("nb201_transfer")
    monkeypatch.setattr(module, "RAW", tmp_path / "raw")
    monkeypatch.setattr(module, "OUT", tmp_path / "nb201_transfer.md")
    return module


def _row(text: str, label: str, strategy: str) -> list[str]:
    line = next(x for x in text.splitlines() if x.startswith(f"| {label} | {strategy} |"))
    return [c.strip() for c in line.strip("|").split("|")]


def test_a_tiny_grid_writes_records_and_a_report_computed_from_them(
    transfer: ModuleType, tmp_path: Path
) -> None:
    transfer.main(
        [
            "run",
            "--pairs",
            "cifar10:cifar100",
            "--modes",
            "mean",
            "--seeds",
            "1",
            "--queries",
            str(QUERIES),
            "--source-trials",
            str(SOURCE_TRIALS),
            "--speed-trials",
            "6",
            "--strategies",
            "transfer,zero-shot,none,speed",
            "--jobs",
            "1",
        ]
    )
    raw = tmp_path / "raw"
    assert sorted(p.name for p in (raw / "sources").iterdir()) == [
        f"cifar10__mean__n{SOURCE_TRIALS}__s1000.json.gz"
    ]
    runs = sorted(p.name for p in (raw / "runs").iterdir())
    end = f"mean__q{QUERIES}__s0.json.gz"
    assert runs == sorted(
        [f"none__cifar100__{end}"]
        + [
            f"{st}__{src}__cifar10-to-cifar100__{end}"
            for st in ("transfer", "zero-shot")
            for src in ("table", "study", "swapped")
        ]
    )
    (source,) = transfer.load_records("sources")
    assert source["study_seed"] == 1000
    assert len(source["cells"]) == len(source["values"]) == SOURCE_TRIALS
    c10 = NB201Benchmark("cifar10")
    assert source["values"] == pytest.approx([c10.mean_accuracy(k) for k in source["cells"]])

    c100 = NB201Benchmark("cifar100")
    optimum = c100.space.canonical(c100.optimum[0])
    records = {(r["strategy"], r["source"]): r for r in transfer.load_records("runs", QUERIES)}
    for (strategy, source_kind), r in records.items():
        assert r["optimum"]["canonical"] == optimum
        assert r["mean_acc"] == pytest.approx([c100.mean_accuracy(k) for k in r["cells"]])
        assert r["observed"] == pytest.approx(r["mean_acc"])  # mean mode
        hit = transfer.first_hit(r)
        # A run stops at the query that finds the optimum class.
        assert len(r["cells"]) == (QUERIES if hit is None else hit), (strategy, source_kind)
        assert len(r["suggest_s"]) == len(r["cells"])
        assert len(r["code"]["commit"]) == 40
        assert r["machine"]["cpu_count"] is not None
    # The whole cifar10 table makes cifar100's optimum the second zero-shot cell (documented
    # in docs/transfer.md), and the table's zero-shot order is the table's best classes.
    assert transfer.first_hit(records[("zero-shot", "table")]) == 2
    top = np.argsort(-c10.mean_accuracies, kind="stable")
    assert (
        c10.space.canonical(c10.arch(int(top[0])))
        == records[("zero-shot", "table")]["canonical"][0]
    )
    # The swapped table's best cell is the cifar10 optimum with conv3x3 and pooling exchanged.
    swapped = transfer.SwappedNB201("cifar10")
    best = c10.space.to_key(c10.optimum[0]).translate(str.maketrans("34", "43"))
    assert swapped.space.to_key(swapped.optimum[0]) == best
    assert swapped.mean_accuracy(best) == pytest.approx(c10.optimum[1])

    (speed,) = transfer.load_records("speed")
    for name in ("bonas", "gp"):
        assert len(speed["samplers"][name]["suggest_s"]) == 6

    transfer.main(["report", "--queries", str(QUERIES)])
    text = (tmp_path / "nb201_transfer.md").read_text()
    for (strategy, source_kind), r in records.items():
        hit = transfer.first_hit(r)
        label = (
            "— (no transfer)"
            if strategy == "none"
            else {
                "table": "table cifar10",
                "study": f"{SOURCE_TRIALS}-trial study cifar10",
                "swapped": "swapped table cifar10",
            }[source_kind]
        )
        cells = _row(text, label, strategy)
        regret = c100.optimum[1] - max(r["mean_acc"][:10])
        assert cells[2:6] == [
            "1",
            f">{QUERIES}" if hit is None else f"{hit:g}",
            f"{QUERIES if hit is None else hit:.1f}",
            f"{regret:.2f}",
        ]
    assert "the grid is not complete" in text
    assert "3. A swapped table as the source" in text
    assert "Machine (as recorded by the runs):" in text
    assert "| speed (bonas then GPSampler) | 1 |" in text


def test_the_jobs_go_seed_by_seed_with_the_source_studies_first(transfer: ModuleType) -> None:
    grid = transfer.jobs(transfer.parse_args(["run", "--seeds", "2", "--seed0", "3"]))
    studies, runs, studies2, runs2 = grid
    # One source study per (source dataset, mode), before the seed's runs.
    assert sorted((j[2], j[4]) for j in studies) == [
        (ds, mode) for ds in transfer.DATASETS for mode in transfer.MODES
    ]
    assert {j[5] for j in studies + runs} == {3}
    assert {j[5] for j in studies2 + runs2} == {4}
    # none once per (target, mode); transfer and zero-shot per pair, source and mode.
    assert sum(j[0] == "none" for j in runs) == len(transfer.DATASETS) * len(transfer.MODES)
    n = len(transfer.PAIRS) * len(transfer.MODES) * len(transfer.SOURCES)
    assert sum(j[0] == "transfer" for j in runs) == sum(j[0] == "zero-shot" for j in runs) == n
    assert len({transfer.job_path(*j) for j in runs}) == len(runs)
    with pytest.raises(SystemExit, match="unknown pair"):
        transfer.jobs(transfer.parse_args(["run", "--pairs", "cifar10:cifar10"]))
    with pytest.raises(SystemExit, match="--queries"):
        transfer.jobs(transfer.parse_args(["run", "--queries", "2000"]))


def test_the_goals_are_judged_on_every_run(transfer: ModuleType) -> None:
    def summary(hits: list[int | None]) -> dict[str, object]:
        return {
            "n": len(hits),
            "hits": dict(enumerate(hits)),
            "median": transfer.median_hit(hits),
            "found": sum(h is not None for h in hits),
        }

    summaries = {
        ("mean", "cifar100", "study", "cifar10", "transfer"): summary([2, 3, 60]),
        ("mean", "imagenet16-120", "table", "cifar10", "transfer"): summary([30, 40, None]),
        ("mean", "imagenet16-120", "-", "-", "none"): summary([150, None, 90]),
        ("mean", "cifar100", "swapped", "cifar10", "transfer"): summary([20, 11, 11]),
        ("mean", "cifar100", "-", "-", "none"): summary([11, 11, 11]),
    }
    (line,) = transfer.goal_cifar100(summaries, 200, 20)
    # One run out of 50: missed whatever the other seeds do.
    assert line == "mean mode: median 3, within 50 in 2 of 3 runs: **missed**"
    lines = transfer.goal_imagenet(summaries, 200, 20)
    assert "not within 100 on seed 2 (>200): **missed**" in lines[0]
    assert lines[1] == "mean mode, no transfer: found within 200 in 2 of 3 runs"
    swapped, ok = transfer.goal_swapped(summaries, 200, 20)
    assert ok is False
    assert swapped == [
        "mean mode, swapped cifar10 → cifar100: 14.0 against 11.0 without transfer (3 seeds): "
        "missed so far (3 of the 20 runs asked for)"
    ]
    assert transfer.capped([None, 5, 300], 200).tolist() == [200.0, 5.0, 200.0]
