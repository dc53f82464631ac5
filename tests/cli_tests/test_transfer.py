"""``bonas search nb201 --transfer-from``: a whole table, a study in the same storage and a
study in another one, run as subprocesses on real SQLite files; the summary says how much each
source was trusted."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from bonas import NB201Benchmark, NB201Space
from bonas.testing.cli import check_ok, check_usage_error, run_bonas

optuna.logging.set_verbosity(optuna.logging.WARNING)
SPACE = NB201Space()


def search(url: str, dataset: str, *extra: str, trials: int) -> list[str]:
    args = ["search", "nb201", "--dataset", dataset, "--trials", str(trials), "--storage", url]
    return [*args, *extra]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_bonas(*args, cwd=cwd, timeout=300)


def first_cells(url: str, name: str, n: int) -> list[str]:
    study = optuna.load_study(storage=url, study_name=name)
    trials = study.get_trials(states=(TrialState.COMPLETE,))
    return [SPACE.canonical(SPACE.from_params(t.params)) for t in trials[:n]]


def test_a_table_source_starts_with_its_best_class_and_is_reported(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 't.db'}"
    out = tmp_path / "out"
    args = search(url, "cifar100", "--transfer-from", "nb201:cifar10", trials=12)
    result = check_ok(run(*args, "--study-name", "t", "--out", str(out), cwd=tmp_path))
    c10 = NB201Benchmark("cifar10")
    assert first_cells(url, "t", 1) == [SPACE.canonical(c10.optimum[0])]
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["transfer_weights"]) == {"nb201-cifar10"}
    assert "nb201-cifar10 weight" in result.stdout
    # The source is recorded with the study, so that the same command resumes it.
    study = optuna.load_study(storage=url, study_name="t")
    assert study.user_attrs["bonas:benchmark"]["transfer_from"] == ["nb201:cifar10"]


def test_a_study_source_from_this_storage_and_from_another(tmp_path: Path) -> None:
    here, there = f"sqlite:///{tmp_path / 'here.db'}", f"sqlite:///{tmp_path / 'there.db'}"
    for url in (here, there):
        check_ok(run(*search(url, "cifar10", "--study-name", "c10", trials=12), cwd=tmp_path))
    for name, source, url in (("a", "c10", here), ("b", f"c10@{there}", here)):
        args = search(url, "cifar100", "--transfer-from", source, "--study-name", name, trials=12)
        result = check_ok(run(*args, cwd=tmp_path))
        assert "c10 weight" in result.stdout or "c10 its best cells" in result.stdout
    # The same source study in either storage: the same search.
    assert first_cells(here, "a", 12) == first_cells(here, "b", 12)


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--transfer-from", "nosuch"], ["nosuch"]),
        (["--transfer-from", "nb201:mnist"], ["--transfer-from", "mnist"]),
        (["--transfer-from", "@sqlite:///x.db"], ["--transfer-from", "STUDY@URL"]),
        (["--transfer-from", "nb201:cifar10", "--sampler", "tpe"], ["--transfer-from", "tpe"]),
    ],
)
def test_a_bad_source_is_refused_before_any_trial(
    extra: list[str], words: list[str], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'e.db'}"
    check_ok(run(*search(url, "cifar10", "--study-name", "c10", trials=1), cwd=tmp_path))
    check_usage_error(run(*search(url, "cifar100", *extra, trials=3), cwd=tmp_path), *words)
    assert optuna.get_all_study_names(storage=url) == ["c10"]
