"""``bonas search nb201`` and ``bonas info nb201``, run as subprocesses on real SQLite files.

Every run uses ``sys.executable -m bonas`` with the repository root on ``PYTHONPATH``, so the
tests work whether or not the package is installed. Searches stay short (a few trials, mostly
with Optuna's fast samplers); the whole module takes about a minute on a loaded 2-core machine.
"""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path
from typing import Any

import optuna
import pytest

from bonas.testing.cli import COMMAND_TIMEOUT_S, check_ok, check_usage_error, run_bonas

NB201_CELLS = 15625


def run(
    *args: str, cwd: Path, timeout: float = COMMAND_TIMEOUT_S
) -> subprocess.CompletedProcess[str]:
    return run_bonas(*args, cwd=cwd, timeout=timeout)


ok = check_ok


def search(cwd: Path, *extra: str, trials: int = 4, sampler: str = "tpe") -> list[str]:
    return [
        "search",
        "nb201",
        "--dataset",
        "cifar10",
        "--trials",
        str(trials),
        "--sampler",
        sampler,
        *extra,
    ]


def load(url: str, name: str) -> optuna.Study:
    return optuna.load_study(storage=url, study_name=name)


@pytest.fixture(scope="module")
def tpe_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A 4-trial TPE search with --json, shared by the tests that only read it."""
    cwd = tmp_path_factory.mktemp("tpe")
    result = ok(run(*search(cwd, "--json"), cwd=cwd))
    return {"cwd": cwd, "stdout": result.stdout, "stderr": result.stderr}


# -- search --------------------------------------------------------------------------------------
def test_search_with_bonas_sampler_prints_summary_and_writes_files(tmp_path: Path) -> None:
    result = ok(run(*search(tmp_path, trials=11, sampler="bonas"), cwd=tmp_path))
    out = result.stdout
    for word in ("best cell", "accuracy", "regret", "rank", "of 15,625 cells", "11 complete"):
        assert word in out
    assert "simulated training" in out
    assert "wall time" in out
    assert "\r" not in result.stderr  # no progress bar when stderr is not a terminal

    name = "nb201-cifar10-mean-bonas-seed0"
    study = load(f"sqlite:///{tmp_path / 'bonas.db'}", name)  # the default storage
    assert len(study.trials) == 11
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
    assert study.user_attrs["bonas:benchmark"]["dataset"] == "cifar10"
    assert study.best_trial.user_attrs["arch"] in out

    folder = tmp_path / "bonas-out" / name
    with (folder / "trials.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "number",
        "state",
        "value",
        "arch",
        "canonical",
        "regret",
        "train_time",
        "datetime",
    ]
    assert [int(r["number"]) for r in rows] == list(range(11))
    assert {r["state"] for r in rows} == {"COMPLETE"}
    assert all(float(r["train_time"]) > 0 and float(r["regret"]) >= 0 for r in rows)
    assert (folder / "incumbent.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["n_complete"] == 11
    assert summary["sampler"] == "bonas"
    hours = sum(float(r["train_time"]) for r in rows) / 3600
    assert summary["simulated_train_hours"] == pytest.approx(hours)


def test_search_starts_from_synflows_top(tmp_path: Path) -> None:
    """``--sampler bonas`` (the default): the first 5 trials come from synflow's top 100
    classes (the synflow warm start on NB201)."""
    from bonas import NB201Space
    from bonas.nb201.proxies import synflow_table

    ok(run(*search(tmp_path, trials=6, sampler="bonas"), cwd=tmp_path))
    study = load(f"sqlite:///{tmp_path / 'bonas.db'}", "nb201-cifar10-mean-bonas-seed0")
    space = NB201Space()
    classes = [space.canonical(space.from_params(t.params)) for t in study.trials]
    table = synflow_table()
    top = set(sorted(table, key=lambda key: -table[key])[:100])
    assert len(set(classes)) == 6
    assert all(key in top for key in classes[:5])


def test_json_prints_one_object_and_still_writes_files(tpe_run: dict[str, Any]) -> None:
    data = json.loads(tpe_run["stdout"])
    assert data["study_name"] == "nb201-cifar10-mean-tpe-seed0"
    assert data["n_complete"] == 4
    assert data["requested_trials"] == 4
    assert data["n_cells"] == NB201_CELLS
    best = data["best"]
    assert best["regret"] == pytest.approx(data["optimum_value"] - best["mean_accuracy"])
    assert 1 <= best["rank"] <= NB201_CELLS
    for key in ("csv", "plot", "summary"):
        assert (tpe_run["cwd"] / data["files"][key]).is_file()


# -- report and info -----------------------------------------------------------------------------
def test_report_summarizes_a_study_made_by_tpe(tpe_run: dict[str, Any], tmp_path: Path) -> None:
    made = json.loads(tpe_run["stdout"])
    url = f"sqlite:///{tpe_run['cwd'] / 'bonas.db'}"
    out = tmp_path / "report"
    # No --study-name: the storage's only study.
    result = ok(run("report", "--storage", url, "--out", str(out), "--json", cwd=tmp_path))
    data = json.loads(result.stdout)
    assert data["study_name"] == made["study_name"]
    assert data["best"] == made["best"]
    assert data["sampler"] == "tpe"
    assert data["n_complete"] == 4
    assert data["wall_time_s"] is None
    assert {p.name for p in out.iterdir()} >= {"trials.csv", "incumbent.png", "summary.json"}


def test_info_lists_datasets_optima_and_sizes(tmp_path: Path) -> None:
    text = ok(run("info", "nb201", cwd=tmp_path)).stdout
    assert "15,625 cells" in text
    assert "6,466 isomorphism classes" in text
    for name in ("cifar10", "cifar100", "imagenet16-120"):
        assert name in text
    assert "91.61 %" in text
    data = json.loads(ok(run("info", "nb201", "--json", cwd=tmp_path)).stdout)
    assert data["n_cells"] == NB201_CELLS
    assert data["n_classes"] == 6466
    assert data["datasets"]["cifar10"]["key"] == "333132"


# -- errors --------------------------------------------------------------------------------------
def _plain_study(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'plain.db'}"
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(storage=url, study_name="plain", direction="maximize")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    return url


BAD_ARGUMENTS = {
    "unknown dataset": (["search", "nb201", "--dataset", "mnist"], "--dataset"),
    "zero trials": (["search", "nb201", "--dataset", "cifar10", "--trials", "0"], "--trials"),
    "negative trials": (["search", "nb201", "--dataset", "cifar10", "--trials", "-3"], ">= 1"),
    "unknown sampler": (["search", "nb201", "--dataset", "cifar10", "--sampler", "x"], "sampler"),
    "unknown search command": (["search", "nb101", "--dataset", "cifar10"], "'nb101'"),
    "bad storage URL": (
        ["search", "nb201", "--dataset", "cifar10", "--storage", "nosuchdb://x"],
        "--storage",
    ),
    "storage folder missing": (
        ["search", "nb201", "--dataset", "cifar10", "--storage", "sqlite:///{tmp}/no/dir/x.db"],
        "--storage",
    ),
    "unwritable output folder": (
        ["search", "nb201", "--dataset", "cifar10", "--out", "{tmp}/a-file/sub"],
        "--out",
    ),
    "search, study made for another benchmark": (
        [
            "search",
            "nb201",
            "--dataset",
            "cifar10",
            "--storage",
            "{plain}",
            "--study-name",
            "plain",
        ],
        "--study-name",
    ),  # fmt: skip
}


@pytest.mark.parametrize("case", list(BAD_ARGUMENTS))
def test_bad_arguments_exit_2_with_one_line(case: str, tmp_path: Path) -> None:
    args, hint = BAD_ARGUMENTS[case]
    (tmp_path / "a-file").write_text("not a folder")
    plain = _plain_study(tmp_path) if any("{plain}" in a for a in args) else ""
    args = [a.format(tmp=tmp_path, plain=plain) for a in args]
    check_usage_error(run(*args, cwd=tmp_path), hint)


def test_a_study_made_for_another_dataset_is_not_resumed(tpe_run: dict[str, Any]) -> None:
    cwd = tpe_run["cwd"]
    name = json.loads(tpe_run["stdout"])["study_name"]
    args = ["search", "nb201", "--dataset", "cifar100", "--trials", "8", "--sampler", "tpe"]
    check_usage_error(run(*args, "--study-name", name, cwd=cwd), "--dataset cifar10 ")


def test_dataset_names_are_the_tables() -> None:
    from bonas.cli import build_parser
    from bonas.nb201.table import DATASET_ALIASES, NB201_DATASETS

    parser = build_parser()

    def parsed(name: str) -> str:
        args = parser.parse_args(["search", "nb201", "--dataset", name])
        return str(args.dataset)

    assert [parsed(name) for name in NB201_DATASETS] == list(NB201_DATASETS)
    assert [parsed(alias) for alias in DATASET_ALIASES] == list(DATASET_ALIASES.values())
