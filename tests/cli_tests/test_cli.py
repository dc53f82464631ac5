"""The ``bonas`` command, run as a subprocess on real SQLite files.

Every run uses ``sys.executable -m bonas`` with the repository root on ``PYTHONPATH``, so the
tests work whether or not the package is installed. Searches stay short (a few trials, mostly
with Optuna's fast samplers); the whole module takes well under two minutes on a loaded 2-core
machine.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shlex
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import optuna
import pytest

from bonas._cli.progress import ProgressBar, format_duration
from bonas.testing.cli import bonas_command, bonas_env, check_ok, run_bonas

REPO = Path(__file__).resolve().parents[2]
NB201_CELLS = 15625


def _env() -> dict[str, str]:
    return bonas_env()


def _default_sigint() -> None:  # pragma: no cover - runs in the child
    # A child inherits an ignored SIGINT (e.g. from a background job); these tests send one.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def bonas_cmd(*args: str) -> list[str]:
    return bonas_command(*args)


def run(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return run_bonas(*args, cwd=cwd, timeout=timeout, preexec_fn=_default_sigint)


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


def snapshot(study: optuna.Study) -> list[tuple[Any, ...]]:
    return [
        (t.number, t.state, t.params, t.value, t.user_attrs, t.datetime_start, t.datetime_complete)
        for t in study.get_trials(deepcopy=False)
    ]


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

    ok(run(*search(tmp_path, trials=6, sampler="bonas"), cwd=tmp_path, timeout=300))
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


def test_resume_goes_on_to_the_new_total_without_repeating_trials(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    ok(run(*search(tmp_path, "--storage", url, "--seed", "3", trials=3), cwd=tmp_path))
    name = "nb201-cifar10-mean-tpe-seed3"
    before = snapshot(load(url, name))
    assert len(before) == 3

    ok(run(*search(tmp_path, "--storage", url, "--seed", "3", trials=5), cwd=tmp_path))
    after = snapshot(load(url, name))
    assert len(after) == 5
    assert after[:3] == before  # the finished trials are untouched
    assert [t[0] for t in after] == list(range(5))


def test_ctrl_c_stops_cleanly_and_says_how_to_resume(tmp_path: Path) -> None:
    db = tmp_path / "big.db"
    args = search(tmp_path, "--storage", f"sqlite:///{db}", trials=100000, sampler="random")
    proc = subprocess.Popen(
        bonas_cmd(*args),
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )
    try:
        deadline = time.monotonic() + 60
        while _complete_trials(db) < 2:
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, "no trial finished within 60 s"
            time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "Resume with:" in stderr
    assert stdout == ""

    name = "nb201-cifar10-mean-random-seed0"
    study = load(f"sqlite:///{db}", name)
    states = {t.state for t in study.trials}
    assert states <= {optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.FAIL}
    n_done = len(study.get_trials(states=(optuna.trial.TrialState.COMPLETE,)))
    assert n_done >= 2

    command = shlex.split(stderr.split("Resume with:", 1)[1].strip().splitlines()[0])
    assert command[command.index("--study-name") + 1] == name
    assert command[command.index("--storage") + 1] == f"sqlite:///{db}"
    assert command[command.index("--trials") + 1] == "100000"
    # The same command with a total already reached only reports.
    command[command.index("--trials") + 1] = "2"
    resumed = subprocess.run(
        command, cwd=REPO, env=_env(), capture_output=True, text=True, timeout=120
    )
    assert resumed.returncode == 0, resumed.stderr
    assert "nothing to run" in resumed.stderr
    assert f"{n_done} complete" in resumed.stdout
    assert len(load(f"sqlite:///{db}", name).trials) == len(study.trials)


def _complete_trials(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(db, timeout=5)) as con:
            row = con.execute("SELECT COUNT(*) FROM trials WHERE state = 'COMPLETE'").fetchone()
    except sqlite3.OperationalError:  # the tables are not created yet
        return 0
    return int(row[0])


def test_progress_bar_is_drawn_on_a_terminal(tmp_path: Path) -> None:
    leader, follower = os.openpty()
    try:
        proc = subprocess.run(
            bonas_cmd(*search(tmp_path, "--mode", "noisy", trials=3, sampler="random")),
            cwd=tmp_path,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=follower,
            timeout=120,
        )
        os.close(follower)
        follower = -1
        drawn = b""
        with contextlib.suppress(OSError):  # EIO once the terminal's other end is closed
            while chunk := os.read(leader, 4096):
                drawn += chunk
    finally:
        os.close(leader)
        if follower != -1:
            os.close(follower)
    assert proc.returncode == 0
    text = drawn.decode()
    assert "\r" in text
    assert "3/3" in text
    assert "ETA" in text
    assert "best" in text
    assert "Traceback" not in text
    assert b"noisy" in proc.stdout


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
    "unknown space": (["search", "nb101", "--dataset", "cifar10"], "space"),
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
    "report, unknown study": (
        ["report", "--storage", "{plain}", "--study-name", "nope"],
        "--study-name",
    ),
    "report, missing database": (["report", "--storage", "sqlite:///missing.db"], "--storage"),
    "report, study not made by bonas": (
        ["report", "--storage", "{plain}", "--study-name", "plain"],
        "bonas:benchmark",
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
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert hint in lines[0]
    assert result.stdout == ""


def test_a_study_made_for_another_dataset_is_not_resumed(tpe_run: dict[str, Any]) -> None:
    cwd = tpe_run["cwd"]
    name = json.loads(tpe_run["stdout"])["study_name"]
    args = ["search", "nb201", "--dataset", "cifar100", "--trials", "8", "--sampler", "tpe"]
    result = run(*args, "--study-name", name, cwd=cwd)
    assert result.returncode == 2
    assert "--dataset cifar10 " in result.stderr
    assert len(result.stderr.splitlines()) == 1


# -- the command itself --------------------------------------------------------------------------
def test_help_and_version_import_nothing_heavy(tmp_path: Path) -> None:
    code = (
        "import sys, contextlib, io\n"
        "from bonas.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        main(['--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(sorted(m for m in ('optuna', 'torch', 'numpy', 'bonas.samplers.bo') "
        "if m in sys.modules))\n"
    )
    probe = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=_env(), capture_output=True, text=True
    )
    assert probe.stdout.strip() == "[]", probe.stderr
    version = ok(run("--version", cwd=tmp_path)).stdout
    assert version.startswith("bonas ")
    assert "search" in ok(run("--help", cwd=tmp_path)).stdout


def test_dataset_names_agree_with_the_benchmark() -> None:
    from bonas import cli
    from bonas.nb201.table import NB201_DATASETS

    assert tuple(NB201_DATASETS) == cli._DATASETS


# -- the progress bar ----------------------------------------------------------------------------
class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_progress_bar_line_shows_count_best_regret_rate_and_eta() -> None:
    stream, clock = io.StringIO(), FakeClock()
    bar = ProgressBar(100, initial=20, stream=stream, width=120, clock=clock)
    assert "20/100" in bar.render()
    assert "ETA ?" in bar.render()
    clock.now = 10.0
    bar.update(40, 91.234, 0.3726)
    line = stream.getvalue().rsplit("\r", 1)[1]
    assert line.startswith(" 40/100 |")
    assert "best 91.23%" in line
    assert "regret 0.373" in line
    assert "2.00 trials/s" in line
    assert "ETA 0:30" in line
    bar.close()
    assert stream.getvalue().endswith("\n")


def test_progress_bar_fits_narrow_terminals_and_can_be_disabled() -> None:
    stream = io.StringIO()
    bar = ProgressBar(10, stream=stream, width=30, clock=FakeClock())
    bar.update(3, 90.0, 1.0)
    assert all(len(line.replace("\x1b[K", "")) < 30 for line in stream.getvalue().split("\r"))
    quiet = io.StringIO()
    off = ProgressBar(10, stream=quiet, enabled=False)
    off.update(3, 90.0, 1.0)
    off.close()
    assert quiet.getvalue() == ""


@pytest.mark.parametrize(
    ("seconds", "text"), [(0.4, "0:00"), (61, "1:01"), (3600, "1:00:00"), (float("nan"), "?")]
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_plot_without_matplotlib_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from bonas.nb201.table import NB201Benchmark
    from bonas.report import MissingDependencyError, plot_incumbent

    monkeypatch.setitem(sys.modules, "matplotlib.backends.backend_agg", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'bonas\[plot\]'"):
        plot_incumbent([], NB201Benchmark("cifar10"), tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()
