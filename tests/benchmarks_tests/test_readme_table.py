"""The results table of README.md and docs/results.md agrees with the committed grid records."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

Loader = Callable[[str], ModuleType]


def test_the_committed_tables_agree_with_the_records(
    load_benchmark: Loader, capsys: pytest.CaptureFixture[str]
) -> None:
    table = load_benchmark("readme_table")
    assert table.main(["--check"]) == 0, capsys.readouterr().err


def test_check_fails_on_a_changed_figure_and_the_rewrite_restores_it(
    load_benchmark: Loader, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = load_benchmark("readme_table")
    readme = tmp_path / "README.md"
    shutil.copy(table.ROOT / "README.md", readme)
    text = readme.read_text()
    row = next(line for line in text.split("\n") if line.startswith("| BONASSampler (`bonas`) |"))
    cells = row.split(" | ")
    cells[1] = "19 (20/20)" if cells[1] != "19 (20/20)" else "21 (20/20)"
    readme.write_text(text.replace(row, " | ".join(cells)))
    assert table.main(["--check", str(readme)]) == 1
    assert "differs from the records" in capsys.readouterr().err
    assert table.main([str(readme)]) == 0
    assert readme.read_text() == text
    assert table.main(["--check", str(readme)]) == 0


def test_the_table_reads_the_grid_as_the_full_report_does(load_benchmark: Loader) -> None:
    table = load_benchmark("readme_table")
    search = load_benchmark("nb201_search")
    groups = table.load_groups()
    assert {st for _, _, st in groups} == set(table.SHOWN)
    key = ("cifar10", "mean", "bonas")
    s = search.summarize(groups[key])
    lines = table.table(groups)
    row = next(line for line in lines if line.startswith("| BONASSampler (`bonas`) |"))
    assert row.split(" | ")[1] == f"{s['median']:g} ({s['found100']}/{s['n']})"
    assert lines[0] == table.START
    assert lines[-1] == table.END


def test_a_file_without_the_markers_is_an_error(load_benchmark: Loader, tmp_path: Path) -> None:
    table = load_benchmark("readme_table")
    page = tmp_path / "page.md"
    page.write_text("no table here\n")
    with pytest.raises(SystemExit, match="must hold one line"):
        table.main(["--check", str(page)])


def test_check_fails_on_a_changed_fresh_seed_figure(
    load_benchmark: Loader, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = load_benchmark("readme_table")
    readme = tmp_path / "README.md"
    shutil.copy(table.ROOT / "README.md", readme)
    text = readme.read_text()
    fresh = text[text.index(table.FRESH_START) : text.index(table.FRESH_END)]
    row = next(line for line in fresh.split("\n") if line.startswith("| Optuna GPSampler |"))
    cells = row.split(" | ")
    cells[1] = "1 (20/20)"
    readme.write_text(text.replace(row, " | ".join(cells)))
    assert table.main(["--check", str(readme)]) == 1
    assert "differs from the records" in capsys.readouterr().err
    assert table.main([str(readme)]) == 0
    assert readme.read_text() == text


def test_the_fresh_seed_block_names_where_bonas_does_worse(load_benchmark: Loader) -> None:
    """The verdict is computed: make bonas' fresh runs on one cell never find the optimum and
    the block says bonas is worse there, and that GPSampler beats it."""
    table = load_benchmark("readme_table")
    search = load_benchmark("nb201_search")
    groups = table.load_groups()
    fresh = table.load_groups(search.FRESH, table.FRESH_SHOWN)
    key = ("cifar10", "mean", "bonas")
    fresh[key] = [dict(r, mean_acc=[0.0] * len(r["mean_acc"])) for r in fresh[key]]
    assert all(search.first_hit(r) is None for r in fresh[key])
    lines = table.fresh_table(groups, fresh)
    assert lines[0] == table.FRESH_START
    assert lines[-1] == table.FRESH_END
    verdict = lines[-2]
    assert "in fewer runs than above on cifar10 mean" in verdict
    assert "gp on cifar10 mean" in verdict
