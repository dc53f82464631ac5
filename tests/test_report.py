"""The generic summary parts of ``bonas.report`` on real Optuna studies, and its NB201 names,
which moved beside the ``bonas search nb201`` command and still import from here."""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path

import optuna
import pytest

from bonas import report
from bonas.report import (
    best_trial,
    finished_count,
    format_counts,
    format_duration,
    state_counts,
    total_train_time,
    write_trials_csv,
)

optuna.logging.set_verbosity(optuna.logging.WARNING)


def _study() -> optuna.Study:
    """Six trials: values 1, 3, 3 (a tie), a pruned one and two failed ones (one with a
    train_time that is not a number)."""
    study = optuna.create_study(direction="maximize")
    for value in (1.0, 3.0, 3.0):
        trial = study.ask()
        trial.set_user_attr("train_time", 2.5)
        study.tell(trial, value)
    study.tell(study.ask(), state=optuna.trial.TrialState.PRUNED)
    study.tell(study.ask(), state=optuna.trial.TrialState.FAIL)
    trial = study.ask()
    trial.set_user_attr("train_time", "not a number")
    study.tell(trial, state=optuna.trial.TrialState.FAIL)
    return study


def test_counts_incumbent_and_training_time_of_a_study() -> None:
    trials = _study().trials
    assert state_counts(trials) == {
        "n_trials": 6,
        "n_complete": 3,
        "n_pruned": 1,
        "n_fail": 2,
        "n_running": 0,
    }
    assert finished_count(trials) == 4
    best = best_trial(trials)
    assert best is not None
    assert (best.number, best.value) == (1, 3.0)  # the earliest of the tie
    assert best_trial([]) is None
    assert total_train_time(trials) == pytest.approx(7.5)  # the string is left out
    assert format_counts(state_counts(trials)) == "3 complete (1 pruned, 2 failed)"


@pytest.mark.parametrize(
    ("seconds", "words", "clock"),
    [
        (0.4, "0.4 s", "0:00"),
        (61, "1 min 01 s", "1:01"),
        (3600, "1 h 00 min", "1:00:00"),
        (math.nan, "?", "?"),
        (-1.0, "?", "?"),
    ],
)
def test_format_duration(seconds: float, words: str, clock: str) -> None:
    assert format_duration(seconds) == words
    assert format_duration(seconds, clock=True) == clock


def test_write_trials_csv_writes_the_columns_asked_for(tmp_path: Path) -> None:
    path = write_trials_csv(_study().trials, tmp_path / "t.csv", attrs=("train_time",))
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["number", "state", "value", "train_time", "datetime"]
    assert [r["state"] for r in rows] == ["COMPLETE"] * 3 + ["PRUNED", "FAIL", "FAIL"]
    assert [r["train_time"] for r in rows][2:4] == ["2.5", ""]


def test_the_nb201_names_still_import_from_here_and_warn() -> None:
    from bonas.exceptions import MissingDependencyError
    from bonas.nb201 import report as nb201_report

    names = ("BestTrial", "Summary", "summarize", "format_summary", "make_benchmark")
    for name in (*names, "incumbent_curve", "plot_incumbent", "nb201_info"):
        with pytest.warns(DeprecationWarning, match=f"bonas.report.{name} is deprecated"):
            assert getattr(report, name) is getattr(nb201_report, name)
    assert report.MissingDependencyError is MissingDependencyError
    with pytest.raises(AttributeError):
        _ = report.no_such_name


def test_plot_without_matplotlib_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from bonas.nb201.table import NB201Benchmark
    from bonas.report import MissingDependencyError, plot_incumbent

    monkeypatch.setitem(sys.modules, "matplotlib.backends.backend_agg", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'bonas\[plot\]'"):
        plot_incumbent([], NB201Benchmark("cifar10"), tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()
