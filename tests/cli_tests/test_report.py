"""``bonas report``: the study's spec names the ``bonas search`` command that summarizes it, for
studies made today and by earlier versions (whose specs named no command); its errors are one
line. The studies are real SQLite files, filled here through Optuna."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import optuna
import pytest

from bonas.testing.cli import check_ok, check_usage_error, run_bonas

optuna.logging.set_verbosity(optuna.logging.WARNING)


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_bonas(*args, cwd=cwd)


def _url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'made.db'}"


def _study(tmp_path: Path, spec: Any, name: str = "made") -> optuna.Study:
    study = optuna.create_study(storage=_url(tmp_path), study_name=name, direction="maximize")
    if spec is not None:
        study.set_user_attr("bonas:benchmark", spec)
    return study


def test_an_nb201_study_of_an_earlier_version_is_reported(tmp_path: Path) -> None:
    from bonas.nb201.table import NB201Benchmark

    spec = {"space": "nb201", "dataset": "cifar100", "mode": "noisy", "sampler": "x", "seed": 2}
    study = _study(tmp_path, spec)  # no "command": the spec of bonas search nb201 until now
    bench = NB201Benchmark("cifar100", mode="noisy", seed=2)
    study.optimize(bench.objective, n_trials=3)
    out = tmp_path / "out"
    result = check_ok(run("report", "--storage", _url(tmp_path), "--out", str(out),
                          "--json", cwd=tmp_path))  # fmt: skip
    data = json.loads(result.stdout)
    assert (data["dataset"], data["mode"], data["sampler"], data["seed"]) == (
        "cifar100",
        "noisy",
        "x",
        2,
    )
    assert data["n_complete"] == 3
    best = study.best_trial
    assert data["best"]["number"] == best.number
    assert data["best"]["regret"] == pytest.approx(best.user_attrs["regret"])
    assert (out / "incumbent.png").is_file()


def test_a_digits_study_of_an_earlier_version_is_reported(tmp_path: Path) -> None:
    from bonas.spaces.nb201 import NB201Space

    spec = {
        "space": "nb201",
        "dataset": "digits",
        "mode": "train",
        "sampler": "tpe",
        "pruner": "none",
        "pruned": "exclude",
        "epochs": 3,
        "seed": 0,
        "network": {"C": 8, "N": 1, "in_channels": 1, "num_classes": 10},
        "bonas_version": "0.1.0.dev0",
    }
    study = _study(tmp_path, spec)
    space = NB201Space()

    def trained(trial: optuna.Trial) -> float:  # what TrainingObjective records, untrained
        arch = space.suggest(trial)
        for key, value in (("arch", space.to_string(arch)), ("n_params", 1234)):
            trial.set_user_attr(key, value)
        for key, value in (("epochs", 3), ("train_time", 0.5), ("device", "cpu")):
            trial.set_user_attr(key, value)
        for epoch in (1, 2, 3):
            trial.report(10.0 * epoch + trial.number, epoch)
        return 30.0 + trial.number

    study.optimize(trained, n_trials=2)
    out = tmp_path / "out"
    text = check_ok(run("report", "--storage", _url(tmp_path), "--out", str(out),
                        cwd=tmp_path)).stdout  # fmt: skip
    assert text.startswith("digits, NB201 cells (C=8, N=1), 3 epochs, sampler tpe, pruner none")
    assert "31.00 % (validation, 1,234 parameters)" in text
    assert "2 complete" in text
    assert "6 of 6" in text  # epochs trained of the budget
    assert "1.0 s on cpu" in text
    summary = json.loads((out / "summary.json").read_text())
    assert summary["best"]["number"] == 1
    assert summary["epochs_saved"] == 0
    assert (out / "learning_curves.png").is_file()


CASES = {
    "unknown study": (["--study-name", "nope"], "--study-name"),
    "missing database": (["--storage", "sqlite:///missing.db"], "--storage"),
    "study not made by bonas": (["--study-name", "plain"], "bonas:benchmark"),
    "spec not a dict": (["--study-name", "list"], "must be a dict"),
    "spec of no command bonas has": (["--study-name", "nb101"], "'command': one of"),
    "bad nb201 spec": (["--study-name", "mode"], "'mode' (one of ['mean', 'noisy'])"),
    "two studies, no name": ([], "choose one with --study-name"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_studies_exit_2_with_one_line(case: str, tmp_path: Path) -> None:
    args, hint = CASES[case]
    _study(tmp_path, None, "plain").optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    url = _url(tmp_path)
    _study(tmp_path, ["nb201"], "list")
    _study(tmp_path, {"space": "nb101", "dataset": "cifar10", "mode": "mean"}, "nb101")
    _study(tmp_path, {"command": "nb201", "space": "nb201", "dataset": "cifar10"}, "mode")
    check_usage_error(run("report", "--storage", url, *args, cwd=tmp_path), hint)
