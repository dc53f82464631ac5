"""The search driver every ``bonas search NAME`` shares: resuming, Ctrl-C, the progress bar,
the spec check and the guarded objective, run as subprocesses on real SQLite files (with the
fast NB201 table under it)."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import optuna

from bonas.guard import FAIL_REASON_ATTR
from bonas.testing.cli import (
    COMMAND_TIMEOUT_S,
    bonas_command,
    bonas_env,
    check_ok,
    check_usage_error,
    run_bonas,
)

REPO = Path(__file__).resolve().parents[2]
SECRET = "bonas-Test-s3cret"
optuna.logging.set_verbosity(optuna.logging.WARNING)


def _env() -> dict[str, str]:
    return bonas_env(drop=("BONAS_STORAGE",))


def _default_sigint() -> None:  # pragma: no cover - runs in the child
    # A child inherits an ignored SIGINT (e.g. from a background job); these tests send one.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run(
    *args: str, cwd: Path, timeout: float = COMMAND_TIMEOUT_S
) -> subprocess.CompletedProcess[str]:
    return run_bonas(*args, cwd=cwd, timeout=timeout, env=_env(), preexec_fn=_default_sigint)


ok = check_ok


def search(*extra: str, trials: int = 4, sampler: str = "tpe") -> list[str]:
    args = ["search", "nb201", "--dataset", "cifar10", "--trials", str(trials)]
    return [*args, "--sampler", sampler, *extra]


def load(url: str, name: str) -> optuna.Study:
    return optuna.load_study(storage=url, study_name=name)


def snapshot(study: optuna.Study) -> list[tuple[Any, ...]]:
    return [
        (t.number, t.state, t.params, t.value, t.user_attrs, t.datetime_start, t.datetime_complete)
        for t in study.get_trials(deepcopy=False)
    ]


# -- resuming and stopping -----------------------------------------------------------------------
def test_resume_goes_on_to_the_new_total_without_repeating_trials(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    ok(run(*search("--storage", url, "--seed", "3", trials=3), cwd=tmp_path))
    name = "nb201-cifar10-mean-tpe-seed3"
    before = snapshot(load(url, name))
    assert len(before) == 3

    ok(run(*search("--storage", url, "--seed", "3", trials=5), cwd=tmp_path))
    after = snapshot(load(url, name))
    assert len(after) == 5
    assert after[:3] == before  # the finished trials are untouched
    assert [t[0] for t in after] == list(range(5))


def test_ctrl_c_stops_cleanly_and_says_how_to_resume(tmp_path: Path) -> None:
    db = tmp_path / "big.db"
    args = search("--storage", f"sqlite:///{db}", trials=100000, sampler="random")
    proc = subprocess.Popen(
        bonas_command(*args),
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )
    try:
        # Waits for what it needs, up to a bound no loaded machine reaches (not a fixed sleep).
        deadline = time.monotonic() + COMMAND_TIMEOUT_S
        while _complete_trials(db) < 2:
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, f"no trial finished in {COMMAND_TIMEOUT_S:.0f} s"
            time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=COMMAND_TIMEOUT_S)
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
        command, cwd=REPO, env=_env(), capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S
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
            bonas_command(*search("--mode", "noisy", trials=3, sampler="random")),
            cwd=tmp_path,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=follower,
            timeout=COMMAND_TIMEOUT_S,
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


# -- the study's spec ---------------------------------------------------------------------------
def _made(url: str, name: str, direction: str, benchmark: dict[str, object] | None) -> None:
    study = optuna.create_study(storage=url, study_name=name, direction=direction)
    if benchmark is not None:
        study.set_user_attr("bonas:benchmark", benchmark)


def test_a_study_with_another_direction_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'study.db'}"
    _made(url, "mini", "minimize", None)
    result = run(*search("--storage", url, "--study-name", "mini", trials=2), cwd=tmp_path)
    check_usage_error(result, "not a single maximized objective", "--study-name")


def test_a_study_of_another_search_space_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'study.db'}"
    spec = {"space": "nb101", "dataset": "cifar10", "mode": "mean", "sampler": "bonas", "seed": 0}
    _made(url, "other", "maximize", spec)
    result = run(*search("--storage", url, "--study-name", "other", trials=2), cwd=tmp_path)
    check_usage_error(result, "bonas search nb101", "--study-name")


# -- a bad trial fails alone --------------------------------------------------------------------
def test_an_enqueued_cell_outside_the_space_fails_alone_and_the_search_goes_on(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'study.db'}"
    name = "nb201-cifar10-mean-random-search-seed0"
    ok(run(*search("--storage", url, trials=2, sampler="random-search"), cwd=tmp_path))
    study = load(url, name)
    cell = dict(study.trials[0].params)
    cell["edge_1_0"] = "conv_7x7"
    study.enqueue_trial(cell)
    ok(run(*search("--storage", url, trials=4, sampler="random-search"), cwd=tmp_path))
    trials = load(url, name).trials
    assert [t.state.name for t in trials] == ["COMPLETE"] * 2 + ["FAIL"] + ["COMPLETE"] * 2
    assert "conv_7x7" in trials[2].user_attrs[FAIL_REASON_ATTR]


# -- the resume command ------------------------------------------------------------------------
def test_the_resume_command_masks_the_password_and_repeats_the_run() -> None:
    from bonas.cli import build_parser
    from bonas.cli.search import resume_command, run_argv

    url = f"postgresql://bonas:{SECRET}@db.example/nas"
    parser = build_parser()
    args = parser.parse_args([*search("--storage", url, "--workers", "4", trials=10)])
    command = resume_command(args, "run")
    assert SECRET not in command
    assert "postgresql://bonas:***@db.example/nas" in command
    assert "--workers 4" in command
    words = shlex.split(command)
    again = parser.parse_args(words[words.index("search") :])  # after the program
    assert run_argv(again, "run") == run_argv(args, "run")
    assert again.dataset == "cifar10"
    assert again.trials == 10
