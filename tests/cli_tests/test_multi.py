"""``bonas search nb201`` with several objectives (``--objectives``) and bounds on a cell's
costs (``--max-params``, ``--max-latency``, ``--max-flops``), run as subprocesses on real SQLite
files, and checked against the table and :class:`~bonas.nb201.objectives.NB201MultiObjective`
computed here."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path
from typing import Any

import optuna
import pytest
from optuna.study import StudyDirection
from optuna.trial import TrialState

from bonas.nb201.costs import count_params
from bonas.nb201.objectives import NB201MultiObjective
from bonas.pareto import non_dominated
from bonas.testing.cli import check_ok, check_usage_error, run_bonas

optuna.logging.set_verbosity(optuna.logging.WARNING)
PNG = b"\x89PNG\r\n\x1a\n"
MO = NB201MultiObjective("cifar10", ("accuracy", "latency"))


def run(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return run_bonas(*args, cwd=cwd, timeout=timeout)


def search(url: str, *extra: str, trials: int = 12, sampler: str = "bonas") -> list[str]:
    args = ["search", "nb201", "--dataset", "cifar10", "--trials", str(trials)]
    return [*args, "--sampler", sampler, "--storage", url, *extra]


def cells(study: optuna.Study) -> list[Any]:
    complete = study.get_trials(states=(TrialState.COMPLETE,))
    return [MO.space.from_params(t.params) for t in complete]


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A 12-trial BONASSampler search of accuracy × latency, shared by the tests that read it."""
    cwd = tmp_path_factory.mktemp("two")
    url = f"sqlite:///{cwd / 'multi.db'}"
    out = cwd / "out"
    args = search(url, "--objectives", "accuracy,latency", "--out", str(out), "--study-name", "ms")
    result = check_ok(run(*args, cwd=cwd))
    return {"cwd": cwd, "url": url, "out": out, "stdout": result.stdout}


# -- several objectives --------------------------------------------------------------------------
def test_two_objectives_make_a_study_of_two_directions(two: dict[str, Any]) -> None:
    study = optuna.load_study(storage=two["url"], study_name="ms")
    assert study.directions == [StudyDirection.MAXIMIZE, StudyDirection.MINIMIZE]
    assert study.user_attrs["bonas:benchmark"]["objectives"] == ["accuracy", "latency"]
    complete = study.get_trials(states=(TrialState.COMPLETE,))
    assert len(complete) == 12
    for t in complete:  # the values are the cell's accuracy and table latency
        row = MO.benchmark.index(MO.space.from_params(t.params))
        assert t.values == [pytest.approx(MO.benchmark.query(MO.benchmark.arch(row))),
                            pytest.approx(MO.column("latency")[row])]  # fmt: skip


def test_the_summary_lists_the_pareto_cells_found_and_the_regret(two: dict[str, Any]) -> None:
    study = optuna.load_study(storage=two["url"], study_name="ms")
    found = cells(study)
    data = json.loads((two["out"] / "summary.json").read_text())
    # The front: the evaluated cells that no other evaluated cell dominates (mean accuracy).
    values = MO.values(found)
    mask = non_dominated(values, MO.directions)
    expected = {MO.space.to_string(a) for a, m in zip(found, mask, strict=True) if m}
    assert {c["arch"] for c in data["front"]} == expected
    true_rows = set(MO.true_front().rows.tolist())
    for c in data["front"]:
        arch = MO.space.coerce(c["arch"])
        assert c["canonical"] == MO.space.canonical(arch)
        assert c["values"] == {"accuracy": pytest.approx(MO.values([arch])[0, 0]),
                               "latency": pytest.approx(MO.values([arch])[0, 1])}  # fmt: skip
        assert c["on_true_front"] == (MO.benchmark.index(arch) in true_rows)
    assert data["hypervolume_regret"] == pytest.approx(MO.hypervolume_regret(found))
    assert data["front_classes_found"] == pytest.approx(MO.front_classes_found(found))
    assert data["true_front"]["n_cells"] == len(MO.true_front())
    assert data["objectives"] == ["accuracy", "latency"]

    text = two["stdout"]
    assert "accuracy (maximize), latency (minimize)" in text
    assert f"Pareto front found  {len(expected)} cells" in text
    assert f"hypervolume regret  {data['hypervolume_regret']:.4f}" in text
    assert "front classes found" in text
    for arch in expected:
        assert arch in text


def test_the_figure_and_the_trials_table(two: dict[str, Any]) -> None:
    out = two["out"]
    assert (out / "pareto.png").read_bytes()[:8] == PNG
    assert not (out / "incumbent.png").exists()
    with (out / "trials.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[:4] == ["number", "state", "accuracy", "latency"]
    assert len(rows) == 12
    assert all(float(r["latency"]) > 0 for r in rows)


def test_report_prints_the_same_summary(two: dict[str, Any], tmp_path: Path) -> None:
    made = json.loads((two["out"] / "summary.json").read_text())
    out = tmp_path / "report"
    result = check_ok(run("report", "--storage", two["url"], "--out", str(out), "--json",
                          cwd=tmp_path))  # fmt: skip
    data = json.loads(result.stdout)
    for key in ("front", "hypervolume_regret", "front_classes_found", "true_front", "n_complete"):
        assert data[key] == made[key]
    assert (out / "pareto.png").read_bytes()[:8] == PNG
    text = check_ok(run("report", "--storage", two["url"], "--out", str(out), cwd=tmp_path))
    assert "Pareto front found" in text.stdout
    assert "hypervolume regret" in text.stdout


def test_resuming_with_other_objectives_is_refused(two: dict[str, Any]) -> None:
    args = search(two["url"], "--objectives", "accuracy,params", "--study-name", "ms", trials=14)
    line = check_usage_error(run(*args, cwd=two["cwd"]), "--study-name")
    assert "--objectives accuracy,latency" in line  # the command that made the study
    study = optuna.load_study(storage=two["url"], study_name="ms")
    assert len(study.trials) == 12


def test_resume_and_workers_as_for_one_objective(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    name = "nb201-cifar10-mean-tpe-seed0-accuracy-params"
    first = search(url, "--objectives", "params,accuracy", "--quiet", trials=4, sampler="tpe")
    check_ok(run(*first, cwd=tmp_path))
    before = [(t.number, t.params, t.values) for t in optuna.load_study(
        storage=url, study_name=name).trials]  # fmt: skip
    again = search(url, "--objectives", "accuracy,params", "--workers", "2", "--quiet",
                   trials=10, sampler="tpe")  # fmt: skip
    check_ok(run(*again, cwd=tmp_path))
    study = optuna.load_study(storage=url, study_name=name)
    assert len(study.get_trials(states=(TrialState.COMPLETE,))) == 10
    assert [(t.number, t.params, t.values) for t in study.trials[:4]] == before
    mo = NB201MultiObjective("cifar10", ("accuracy", "params"))
    for t in study.trials:
        assert t.values[1] == count_params(mo.space.from_params(t.params), "cifar10")


# -- bounds --------------------------------------------------------------------------------------
def test_bounds_are_kept_and_the_constrained_optimum_scored(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    out = tmp_path / "out"
    limit, latency = 300_000, 0.015
    args = search(
        url, "--max-params", "0.3M", "--max-latency", "15ms", "--out", str(out), "--json"
    )
    data = json.loads(check_ok(run(*args, cwd=tmp_path)).stdout)
    name = "nb201-cifar10-mean-bonas-seed0-max-params300K-max-latency15ms"
    study = optuna.load_study(storage=url, study_name=name)
    assert study.directions == [StudyDirection.MAXIMIZE]
    spec = study.user_attrs["bonas:benchmark"]
    assert (spec["max_params"], spec["max_latency"]) == (limit, latency)
    complete = study.get_trials(states=(TrialState.COMPLETE,))
    assert len(complete) == 12
    mo = NB201MultiObjective("cifar10", ("accuracy",))
    beyond = 0
    for t in complete:
        arch = mo.space.from_params(t.params)
        # Parameters are known to BONASSampler: no cell beyond the bound is ever proposed.
        assert count_params(arch, "cifar10") <= limit
        # The latency is measured: each trial records it as a constraint.
        measured = float(mo.column("latency")[mo.benchmark.index(arch)])
        assert t.constraints == {"latency": pytest.approx(measured - latency)}
        beyond += measured > latency
    cell, optimum = mo.constrained_optimum(max_params=limit, max_latency=latency)
    assert data["constraints"] == {"params": limit, "latency": latency}
    assert data["n_infeasible"] == beyond
    assert data["constrained_optimum"]["arch"] == mo.space.to_string(cell)
    best = data["best_feasible"]
    if best is not None:
        assert data["constrained_regret"] == pytest.approx(optimum - best["mean_accuracy"])
    assert (out / "incumbent.png").read_bytes()[:8] == PNG


BAD = {
    "count unit": (["--max-params", "5X"], ["--max-params", "'5X'", "0.5M"]),
    "negative count": (["--max-flops=-100M"], ["--max-flops", "'-100M'"]),
    "time unit": (["--max-latency", "10parsecs"], ["--max-latency", "'10parsecs'", "10ms"]),
    "unknown objective": (["--objectives", "accuracy,size"], ["--objectives", "'accuracy,size'"]),
    "no accuracy": (["--objectives", "latency,params"], ["--objectives", "accuracy"]),
    "a sampler of one objective": (
        ["--objectives", "accuracy,latency", "--sampler", "evolution"],
        ["--sampler evolution", "--objectives"],
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_option_exits_2_naming_it(case: str, tmp_path: Path) -> None:
    args, words = BAD[case]
    base = ["search", "nb201", "--dataset", "cifar10", "--storage", f"sqlite:///{tmp_path}/x.db"]
    check_usage_error(run(*base, *args, cwd=tmp_path), *words)
    assert not (tmp_path / "x.db").exists()


def test_a_bound_no_cell_meets_is_an_error_before_any_trial(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    line = check_usage_error(run(*search(url, "--max-params", "1K"), cwd=tmp_path), "--max-params")
    assert "73,306" in line  # the fewest parameters of a cell
    assert not (tmp_path / "x.db").exists()  # no study, no trial
    line = check_usage_error(
        run(*search(url, "--objectives", "accuracy,latency", "--max-latency", "1ms"),
            cwd=tmp_path), "--max-latency")  # fmt: skip
    assert not (tmp_path / "x.db").exists()


def test_a_study_made_before_objectives_existed_resumes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    name = "nb201-cifar10-mean-tpe-seed0"
    study = optuna.create_study(storage=url, study_name=name, direction="maximize")
    spec = {"command": "nb201", "space": "nb201", "dataset": "cifar10", "mode": "mean",
            "sampler": "tpe", "seed": 0}  # fmt: skip
    study.set_user_attr("bonas:benchmark", spec)
    check_ok(run(*search(url, "--quiet", trials=3, sampler="tpe"), cwd=tmp_path))
    assert len(optuna.load_study(storage=url, study_name=name).trials) == 3
