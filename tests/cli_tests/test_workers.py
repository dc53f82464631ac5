"""``bonas search --workers N`` on real storages, storage errors, and passwords kept secret.

The commands run as subprocesses (see test_cli.py). The tests marked ``postgres`` need a
PostgreSQL server and skip unless ``BONAS_TEST_POSTGRES_URL`` is set.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import optuna
import pytest
from optuna.trial import TrialState

from bonas._cli.storage import Redactor, mask_passwords, open_storage, parse_storage
from bonas.guard import FAIL_REASON_ATTR
from bonas.testing.cli import bonas_env, check_ok, run_bonas

optuna.logging.set_verbosity(optuna.logging.WARNING)
SECRET = "bonas-Test-s3cret"


def _env() -> dict[str, str]:
    return bonas_env(drop=("BONAS_STORAGE",))


def run(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return run_bonas(*args, cwd=cwd, timeout=timeout, env=_env())


ok = check_ok


def search(*extra: str, trials: int, sampler: str = "bonas") -> list[str]:
    return ["search", "nb201", "--dataset", "cifar10", "--trials", str(trials)] + [
        "--sampler",
        sampler,
        *extra,
    ]


def _study(url: str, name: str) -> optuna.Study:
    return optuna.load_study(storage=open_storage(parse_storage(url)), study_name=name)


def _check_workers_run(study: optuna.Study, total: int, workers: int) -> None:
    trials = study.get_trials(deepcopy=False)
    assert all(t.state == TrialState.COMPLETE for t in trials)
    # Workers that start their last trials at the same moment may run up to N - 1 more.
    assert total <= len(trials) <= total + workers - 1
    classes = [t.user_attrs["canonical"] for t in trials]
    assert len(classes) == len(set(classes))


def test_three_workers_on_sqlite_reach_the_total_with_distinct_classes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'study.db'}"
    result = ok(
        run(*search("--storage", url, "--workers", "3", "--json", trials=12), cwd=tmp_path)
    )
    data = json.loads(result.stdout)
    assert data["n_complete"] >= 12
    study = _study(url, data["study_name"])
    _check_workers_run(study, 12, 3)


def test_workers_on_a_journal_file_and_a_second_command_adds_a_worker(tmp_path: Path) -> None:
    url = "journal:///runs.log"  # relative to the working folder, like sqlite:///
    args = search(
        "--storage", url, "--workers", "2", "--quiet", trials=10, sampler="random-search"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bonas", *args],
            cwd=tmp_path,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        assert "Traceback" not in err
    study = _study(f"journal:///{tmp_path / 'runs.log'}", "nb201-cifar10-mean-random-search-seed0")
    _check_workers_run(study, 10, 4)


# -- errors ---------------------------------------------------------------------------------------
def _one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0]
    assert result.stdout == ""
    return lines[0]


def test_an_unreachable_postgresql_server_is_one_line_without_the_password(
    tmp_path: Path,
) -> None:
    url = f"postgresql://bonas:{SECRET}@127.0.0.1:1/nas"
    line = _one_line_error(run(*search("--storage", url, trials=2), cwd=tmp_path), "--storage")
    assert SECRET not in line
    assert "bonas:***@127.0.0.1:1/nas" in line
    assert "PostgreSQL server is running" in line


@contextlib.contextmanager
def _locked(db: Path) -> Iterator[None]:
    con = sqlite3.connect(db, isolation_level=None)
    try:
        con.execute("BEGIN EXCLUSIVE")
        yield
    finally:
        con.close()


def test_a_locked_sqlite_database_is_one_line_naming_the_lock(tmp_path: Path) -> None:
    db = tmp_path / "study.db"
    ok(run(*search("--storage", f"sqlite:///{db}", trials=1, sampler="random"), cwd=tmp_path))
    with _locked(db):
        result = run(*search("--storage", f"sqlite:///{db}?timeout=1", trials=2), cwd=tmp_path)
    _one_line_error(result, "--storage", "locked", "?timeout=")


def _made(url: str, name: str, direction: str, benchmark: dict[str, object] | None) -> None:
    study = optuna.create_study(storage=url, study_name=name, direction=direction)
    if benchmark is not None:
        study.set_user_attr("bonas:benchmark", benchmark)


def test_a_study_with_another_direction_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'study.db'}"
    _made(url, "mini", "minimize", None)
    result = run(*search("--storage", url, "--study-name", "mini", trials=2), cwd=tmp_path)
    _one_line_error(result, "not a single maximized objective", "--study-name")


def test_a_study_of_another_search_space_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'study.db'}"
    spec = {"space": "nb101", "dataset": "cifar10", "mode": "mean", "sampler": "bonas", "seed": 0}
    _made(url, "other", "maximize", spec)
    result = run(*search("--storage", url, "--study-name", "other", trials=2), cwd=tmp_path)
    _one_line_error(result, "bonas search nb101", "--study-name")


@pytest.mark.parametrize(
    ("storage", "words"),
    [
        ("sqlite:///:memory:", ["--workers 2", "--storage"]),
        ("journal:///no/such/dir/x.log", ["--storage", "does not exist"]),
        ("sqlite://bonas.db", ["three slashes"]),
        ("not-a-url", ["--storage", "journal"]),
    ],
)
def test_bad_storage_values_are_one_line(tmp_path: Path, storage: str, words: list[str]) -> None:
    result = run(*search("--storage", storage, "--workers", "2", trials=2), cwd=tmp_path)
    _one_line_error(result, *words)


def test_an_enqueued_cell_outside_the_space_fails_alone_and_the_search_goes_on(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'study.db'}"
    name = "nb201-cifar10-mean-random-search-seed0"
    ok(run(*search("--storage", url, trials=2, sampler="random-search"), cwd=tmp_path))
    study = _study(url, name)
    cell = dict(study.trials[0].params)
    cell["edge_1_0"] = "conv_7x7"
    study.enqueue_trial(cell)
    ok(run(*search("--storage", url, trials=4, sampler="random-search"), cwd=tmp_path))
    trials = _study(url, name).trials
    assert [t.state.name for t in trials] == ["COMPLETE"] * 2 + ["FAIL"] + ["COMPLETE"] * 2
    assert "conv_7x7" in trials[2].user_attrs[FAIL_REASON_ATTR]


# -- secrets --------------------------------------------------------------------------------------
def test_passwords_are_masked_in_urls_messages_and_log_records() -> None:
    url = f"postgresql+psycopg://bonas:{SECRET}@db.example:5432/nas"
    assert parse_storage(url).masked == "postgresql+psycopg://bonas:***@db.example:5432/nas"
    assert mask_passwords(f"could not open {url}") == (
        "could not open postgresql+psycopg://bonas:***@db.example:5432/nas"
    )
    encoded = parse_storage("postgresql://bonas:p%40ss%2Fw@host/db")
    assert encoded.password == "p@ss/w"
    record = optuna.logging.get_logger("optuna").makeRecord(
        "optuna", 30, __file__, 1, "login as %s failed with p@ss/w", ("bonas",), None
    )
    Redactor(encoded.secrets).filter(record)
    assert record.getMessage() == "login as bonas failed with ***"


def test_the_resume_command_masks_the_password() -> None:
    from bonas.cli import _resume_command

    args = argparse.Namespace(
        space="nb201",
        dataset="cifar10",
        trials=10,
        mode="mean",
        sampler="bonas",
        seed=0,
        heartbeat=30,
        storage=f"postgresql://bonas:{SECRET}@db.example/nas",
        workers=4,
        out=None,
        json=False,
        quiet=False,
    )
    command = _resume_command(args, "run")
    assert SECRET not in command
    assert "postgresql://bonas:***@db.example/nas" in command
    assert "--workers 4" in command


def _with_password(url: str) -> tuple[str, str]:
    """``url`` with a password (the one it has, or the test's on a trust-auth server)."""
    parts = urlsplit(url)
    if parts.password:
        return url, parts.password
    user = parts.username or "postgres"
    host = parts.hostname or "localhost"
    netloc = f"{user}:{SECRET}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc)), SECRET


@pytest.mark.postgres
def test_a_postgresql_search_writes_its_password_nowhere(
    postgres_url: str, tmp_path: Path
) -> None:
    url, secret = _with_password(postgres_url)
    name = f"secret-{uuid.uuid4().hex[:8]}"
    result = ok(
        run(
            *search("--storage", url, "--study-name", name, "--workers", "2", trials=6),
            cwd=tmp_path,
        )
    )
    report = ok(run("report", "--storage", url, "--study-name", name, "--json", cwd=tmp_path))
    assert json.loads(report.stdout)["n_complete"] >= 6
    assert "***@" in json.loads(report.stdout)["storage"]
    texts = [result.stdout, result.stderr, report.stdout, report.stderr]
    files = [p for p in (tmp_path / "bonas-out").rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"summary.json", "trials.csv", "incumbent.png"}
    for text in texts:
        assert secret not in text
    for path in files:
        assert secret.encode() not in path.read_bytes(), path
