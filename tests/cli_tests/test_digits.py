"""``bonas search digits``, run as a subprocess on real SQLite files, with a tiny budget.

Each search trains real networks on scikit-learn's digits (2 epochs, a few trials), so the
module takes about a minute on a loaded 2-core machine.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import optuna
import pytest
import torch
from optuna.trial import TrialState

from bonas.testing.cli import COMMAND_TIMEOUT_S, bonas_env, check_ok, check_usage_error, run_bonas


def _env() -> dict[str, str]:
    return bonas_env()


def run(
    *args: str, cwd: Path, timeout: float = COMMAND_TIMEOUT_S
) -> subprocess.CompletedProcess[str]:
    return run_bonas(*args, cwd=cwd, timeout=timeout, env=_env())


ok = check_ok


def digits(url: str, *extra: str, trials: int = 2) -> list[str]:
    args = ["search", "digits", "--trials", str(trials), "--epochs", "2", "--sampler", "tpe"]
    return [*args, "--pruner", "median", "--device", "cpu", "--storage", url, *extra]


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A 2-trial digits search with --json on an SQLite file, shared by the tests below."""
    cwd = tmp_path_factory.mktemp("digits")
    url = f"sqlite:///{cwd / 'runs.db'}"
    result = ok(run(*digits(url, "--json"), cwd=cwd))
    return {"cwd": cwd, "url": url, "data": json.loads(result.stdout)}


def test_search_digits_trains_records_and_writes_files(first_run: dict[str, Any]) -> None:
    data, url = first_run["data"], first_run["url"]
    name = "digits-tpe-median-e2-seed0"
    assert data["study_name"] == name
    assert data["dataset"] == "digits"
    assert (data["sampler"], data["pruner"], data["epochs"], data["seed"]) == (
        "tpe",
        "median",
        2,
        0,
    )
    assert data["network"] == {"C": 8, "N": 1, "in_channels": 1, "num_classes": 10}
    assert data["device"] == "cpu"
    assert data["n_complete"] + data["n_pruned"] == 2 == data["n_trials"]
    assert data["epochs_budget"] == 4
    assert data["epochs_trained"] + data["epochs_saved"] == 4
    assert data["train_time_s"] > 0
    assert data["wall_time_s"] >= data["train_time_s"]

    study = optuna.load_study(storage=url, study_name=name)
    trials = study.get_trials()
    assert study.user_attrs["bonas:benchmark"]["dataset"] == "digits"
    assert sum(t.user_attrs["epochs"] for t in trials) == data["epochs_trained"]
    for t in trials:
        assert t.state in (TrialState.COMPLETE, TrialState.PRUNED)
        assert sorted(t.intermediate_values) == list(range(1, t.user_attrs["epochs"] + 1))
        assert t.user_attrs["n_params"] > 0
        assert t.user_attrs["device"] == "cpu"
    best = max((t for t in trials if t.state == TrialState.COMPLETE), key=lambda t: t.value)
    assert data["best"]["number"] == best.number
    assert data["best"]["accuracy"] == best.value > 10.0  # better than guessing after 2 epochs
    assert data["best"]["arch"] == best.user_attrs["arch"]

    files = {k: first_run["cwd"] / v for k, v in data["files"].items()}  # relative to the cwd
    with open(files["csv"], newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["number"]) for r in rows] == [0, 1]
    assert [int(r["epochs"]) for r in rows] == [t.user_attrs["epochs"] for t in trials]
    assert files["plot"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads(files["summary"].read_text())["n_trials"] == 2


def test_the_same_command_resumes_to_a_larger_total(first_run: dict[str, Any]) -> None:
    url, cwd = first_run["url"], first_run["cwd"]
    name = first_run["data"]["study_name"]
    before = [
        (t.number, t.params, t.value)
        for t in optuna.load_study(storage=url, study_name=name).trials
    ]
    result = ok(run(*digits(url, trials=3), cwd=cwd))
    assert "digits, NB201 cells (C=8, N=1), 2 epochs" in result.stdout
    assert "epochs trained" in result.stdout
    assert "best cell" in result.stdout
    after = optuna.load_study(storage=url, study_name=name).trials
    assert len(after) == 3
    assert [(t.number, t.params, t.value) for t in after[:2]] == before


def test_report_summarizes_a_digits_study(first_run: dict[str, Any], tmp_path: Path) -> None:
    url, made = first_run["url"], first_run["data"]
    name = made["study_name"]
    out = tmp_path / "report"
    result = ok(run("report", "--storage", url, "--study-name", name, "--out", str(out), "--json",
                    cwd=tmp_path))  # fmt: skip
    data = json.loads(result.stdout)
    trials = optuna.load_study(storage=url, study_name=name).get_trials()
    assert data["command"] == "report"
    assert data["study_name"] == name
    for key in ("dataset", "sampler", "pruner", "pruned", "epochs", "seed", "network", "device"):
        assert data[key] == made[key]
    assert data["n_trials"] == len(trials) == data["n_complete"] + data["n_pruned"]
    assert data["epochs_trained"] == sum(t.user_attrs["epochs"] for t in trials)
    assert data["epochs_budget"] == 2 * len(trials)
    best = max((t for t in trials if t.state == TrialState.COMPLETE), key=lambda t: t.value)
    assert (data["best"]["number"], data["best"]["accuracy"]) == (best.number, best.value)
    assert data["best"]["arch"] == best.user_attrs["arch"]
    assert data["train_time_s"] == pytest.approx(sum(t.user_attrs["train_time"] for t in trials))
    assert data["wall_time_s"] is None
    assert {p.name for p in out.iterdir()} >= {"trials.csv", "learning_curves.png", "summary.json"}
    assert json.loads((out / "summary.json").read_text()) == data

    text = ok(run("report", "--storage", url, "--study-name", name, "--out", str(out),
                  cwd=tmp_path)).stdout  # fmt: skip
    assert text.startswith("digits, NB201 cells (C=8, N=1), 2 epochs, sampler tpe, pruner median")
    assert f"trial {best.number})" in text
    assert "epochs trained" in text
    assert "learning_curves.png" in text


@pytest.mark.parametrize(
    ("extra", "hint"),
    [
        (["--pruner", "early"], "--pruner: invalid choice"),
        (["--epochs", "0"], "--epochs: must be an integer >= 1; got 0"),
        (["--device", "tpu"], "--device: must be auto, cpu, cuda or cuda:N; got 'tpu'"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(extra: list[str], hint: str, tmp_path: Path) -> None:
    check_usage_error(run(*digits(f"sqlite:///{tmp_path / 'x.db'}", *extra), cwd=tmp_path), hint)
    assert not (tmp_path / "x.db").exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_a_gpu_exits_2(tmp_path: Path) -> None:
    result = run(*digits(f"sqlite:///{tmp_path / 'x.db'}", "--device", "cuda"), cwd=tmp_path)
    check_usage_error(result, "no CUDA device")


def test_a_study_made_with_other_options_is_not_resumed(first_run: dict[str, Any]) -> None:
    url, cwd = first_run["url"], first_run["cwd"]
    name = first_run["data"]["study_name"]
    n_before = len(optuna.load_study(storage=url, study_name=name).trials)
    args = digits(url, "--study-name", name, trials=4)
    args[args.index("--epochs") + 1] = "3"
    check_usage_error(run(*args, cwd=cwd), "--epochs 2", "run that command to resume")
    assert len(optuna.load_study(storage=url, study_name=name).trials) == n_before


def test_help_is_fast_and_lists_the_options(tmp_path: Path) -> None:
    code = (
        "import sys, contextlib, io\n"
        "from bonas.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    try:\n"
        "        main(['search', 'digits', '--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(sorted(m for m in ('optuna', 'torch', 'sklearn') if m in sys.modules))\n"
        "print(out.getvalue())\n"
    )
    probe = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=_env(), capture_output=True, text=True
    )
    first, _, help_text = probe.stdout.partition("\n")
    assert first == "[]", probe.stderr
    for option in ("--trials", "--epochs", "--pruner", "--sampler", "--seed", "--storage"):
        assert option in help_text
    # no timing typed into the help: it points at the report of the measured ones
    report = "benchmarks/results/digits_search.md"
    assert report in help_text
    assert (Path(__file__).resolve().parents[2] / report).is_file()
    assert "bonas search digits" in ok(run("--help", cwd=tmp_path)).stdout
