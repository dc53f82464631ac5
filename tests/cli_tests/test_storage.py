"""Where a study is kept (``bonas.cli.storage``): storage URLs and their errors, each one line
on stderr, and passwords kept out of every message. The commands run as subprocesses on real
storages (see test_search.py)."""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import optuna
import pytest

from bonas.cli.storage import Redactor, mask_passwords, parse_storage
from bonas.testing.cli import COMMAND_TIMEOUT_S, bonas_env, check_ok, check_usage_error, run_bonas

SECRET = "bonas-Test-s3cret"


def run(
    *args: str, cwd: Path, timeout: float = COMMAND_TIMEOUT_S
) -> subprocess.CompletedProcess[str]:
    return run_bonas(*args, cwd=cwd, timeout=timeout, env=bonas_env(drop=("BONAS_STORAGE",)))


ok = check_ok


def search(*extra: str, trials: int, sampler: str = "bonas") -> list[str]:
    args = ["search", "nb201", "--dataset", "cifar10", "--trials", str(trials)]
    return [*args, "--sampler", sampler, *extra]


def test_an_unreachable_postgresql_server_is_one_line_without_the_password(
    tmp_path: Path,
) -> None:
    url = f"postgresql://bonas:{SECRET}@127.0.0.1:1/nas"
    line = check_usage_error(run(*search("--storage", url, trials=2), cwd=tmp_path), "--storage")
    assert SECRET not in line
    assert "bonas:***@127.0.0.1:1/nas" in line
    assert "PostgreSQL server is running" in line


@pytest.mark.parametrize(
    ("storage", "words"),
    [
        ("postgresql://nobody@127.0.0.1:1/x", ["--storage", "PostgreSQL server is running"]),
        ("sqlite:///no/such/folder/x.db", ["--storage", "does not exist"]),
        ("nosuchdialect://x", ["--storage", "sqlite:///bonas.db"]),
    ],
    ids=["postgresql-down", "sqlite-no-folder", "unknown-dialect"],
)
def test_a_storage_that_does_not_open_leaves_no_output_folder(
    tmp_path: Path, storage: str, words: list[str]
) -> None:
    check_usage_error(run(*search("--storage", storage, trials=2), cwd=tmp_path), *words)
    assert list(tmp_path.iterdir()) == []  # no empty bonas-out/<study>/


def test_a_failed_run_keeps_the_output_folders_that_were_there(tmp_path: Path) -> None:
    (tmp_path / "bonas-out").mkdir()
    mine = tmp_path / "mine"
    mine.mkdir()
    bad = "sqlite:///no/such/folder/x.db"
    check_usage_error(run(*search("--storage", bad, trials=2), cwd=tmp_path), "--storage")
    check_usage_error(
        run(*search("--storage", bad, "--out", "mine", trials=2), cwd=tmp_path), "--storage"
    )
    check_usage_error(
        run(*search("--storage", bad, "--out", "new/deeper", trials=2), cwd=tmp_path), "--storage"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bonas-out", "mine"]  # no new/
    assert list((tmp_path / "bonas-out").iterdir()) == []  # the study's folder went again
    assert list(mine.iterdir()) == []


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
    check_usage_error(result, "--storage", "locked", "?timeout=")


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
    check_usage_error(result, *words)


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
