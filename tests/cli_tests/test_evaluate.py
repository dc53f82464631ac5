"""``bonas evaluate-surrogates``, run as a subprocess: the plug-in examples by "module:Class",
synflow beside them, the files it writes, ``--json``, and its one-line errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from bonas.cli.progress import ProgressBar
from bonas.testing.cli import check_ok, check_usage_error, run_bonas

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_the_plug_in_examples_and_synflow_through_the_command(tmp_path: Path) -> None:
    out = tmp_path / "eval"
    result = check_ok(
        run_bonas(
            "evaluate-surrogates",
            "--dataset",
            "cifar100",
            "--surrogates",
            "gp,forest_surrogate:ForestSurrogate",
            "--encodings",
            "path,op_pair_encoding:OpPairEncoder",
            "--train-sizes",
            "10,25",
            "--repeats",
            "2",
            "--proxies",
            "synflow",
            "--out",
            str(out),
            "--json",
            cwd=EXAMPLES,  # the examples are found as modules of the working directory
        )
    )
    data = json.loads(result.stdout)
    assert data["command"] == "evaluate-surrogates"
    assert data["dataset"] == "cifar100"
    rows = data["summary"]
    groups = {(r["surrogate"], r["encoding"], r["train_size"]): r for r in rows}
    plug = ("forest_surrogate:ForestSurrogate", "op_pair_encoding:OpPairEncoder")
    assert set(groups) == {
        ("synflow", "", 0),
        *((s, e, n) for s in ("gp", plug[0]) for e in ("path", plug[1]) for n in (10, 25)),
    }
    assert all(r["n_runs"] == 2 for r in rows if r["train_size"])
    assert len(data["runs"]) == 1 + 2 * 2 * 2 * 2
    synflow = groups["synflow", "", 0]
    assert synflow["kendall_tau"] > 0.3
    assert synflow["coverage_90"] is None
    assert 0 < groups[(*plug, 25)]["coverage_90"] <= 1
    # The files: a markdown table, CSVs with one column per metric named for it, two plots.
    names = {Path(f).name for f in data["files"].values()}
    assert names == {
        "summary.md",
        "summary.csv",
        "runs.csv",
        "kendall_tau.png",
        "reliability.png",
        "summary.json",
    }
    for name in names:
        assert (out / name).stat().st_size > 0
    with (out / "summary.csv").open() as f:
        table = list(csv.DictReader(f))
    for column in ("kendall_tau", "spearman", "precision_top1", "precision_top5", "mae", "nll"):
        assert column in table[0]
    assert {"coverage_50", "coverage_90", "predict_seconds_per_1000"} <= set(table[0])
    assert float(table[1]["kendall_tau"]) == rows[1]["kendall_tau"]
    assert "| synflow |" in (out / "summary.md").read_text()
    assert json.loads((out / "summary.json").read_text())["summary"] == rows


def test_errors_are_one_line_naming_what_to_change(tmp_path: Path) -> None:
    base = ("evaluate-surrogates", "--out", str(tmp_path / "x"), "--repeats", "1")
    line = check_usage_error(
        run_bonas(*base, "--surrogates", "gp,forest", "--train-sizes", "5", cwd=tmp_path),
        "'surrogates' parameter",
        "'forest'",
    )
    assert "Available: ['ensemble', 'gp'" in line
    check_usage_error(
        run_bonas(*base, "--train-sizes", "10,7000", cwd=tmp_path), "'train_sizes'", "6464"
    )
    check_usage_error(
        run_bonas(*base, "--encodings", "pathh", "--train-sizes", "5", cwd=tmp_path),
        "'encodings' parameter",
    )
    check_usage_error(run_bonas(*base, "--train-sizes", "10,x", cwd=tmp_path), "--train-sizes")
    assert not (tmp_path / "x").exists()  # a run that failed leaves no empty folder


def test_the_progress_bar_counts_runs() -> None:
    now = [0.0]
    bar = ProgressBar(8, stream=io.StringIO(), width=100, clock=lambda: now[0], unit="runs")
    now[0] = 2.0
    bar.done = 4
    line = bar.render()
    assert "4/8" in line
    assert "2.00 runs/s" in line
    assert "trials" not in line
