"""``benchmarks/explain_truth.py``: the scores of a run and the report written from records."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

Loader = Callable[[str], ModuleType]


def _effects(values: list[float], width: float) -> list[dict[str, object]]:
    return [
        {"edge": i, "op": "none", "effect": v, "lower": v - width, "upper": v + width}
        for i, v in enumerate(values)
    ]


def test_score_is_spearman_and_the_share_inside(load_benchmark: Loader) -> None:
    bench = load_benchmark("explain_truth")
    true = {(i, "none"): float(v) for i, v in enumerate([1.0, 2.0, 3.0, 4.0])}
    # Same order as the truth, and two of four true effects inside +-0.6.
    scored = bench.score(_effects([1.5, 2.1, 3.9, 4.0], 0.6), true)
    assert scored["spearman"] == pytest.approx(1.0)
    assert scored["coverage"] == pytest.approx(0.75)
    reversed_ = bench.score(_effects([4.0, 3.0, 2.0, 1.0], 0.1), true)
    assert reversed_["spearman"] == pytest.approx(-1.0)
    assert reversed_["coverage"] == 0.0


def test_the_report_is_written_from_the_records_only(
    load_benchmark: Loader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bench = load_benchmark("explain_truth")
    records = load_benchmark("_records")
    monkeypatch.setattr(bench, "RAW", tmp_path / "raw")
    monkeypatch.setattr(bench, "OUT", tmp_path / "out.md")
    (tmp_path / "raw").mkdir()
    for seed, (rho, cov) in enumerate([(0.97, 0.9), (0.85, 0.8)]):
        records.save(
            bench._path("random", "cifar10", seed, 100),
            {
                "strategy": "random",
                "dataset": "cifar10",
                "seed": seed,
                "budget": 100,
                "effects": _effects([0.0] * 10, 1.0),
                "spearman": rho,
                "coverage": cov,
                "explain_s": 2.0,
                "surrogate": "GP",
                "encoding": "enc",
                "mismatch": 0.08 if seed == 0 else 0.4,
                "uniform": seed == 0,
            },
        )
    bench.main(["report"])
    text = (tmp_path / "out.md").read_text()
    assert "A slice of the grid" in text
    assert "median Spearman 0.91 (goal ≥ 0.9: met); coverage 85.0% (goal 85%–95%: met)" in text
    assert (
        "| Optuna RandomSampler | cifar10 | 100 | 2 | 0.91 (0.85–0.97) | 85.0% (17/20) | "
        "2.00 | 1/2 |" in text
    )
    assert (
        "- flagged not uniform: 1 explanations (mismatch 0.40–0.40), coverage of the 90 % "
        "intervals 80.0% (8/10), median Spearman 0.85" in text
    )
    assert "- not flagged: 1 explanations (mismatch 0.08–0.08), coverage" in text
