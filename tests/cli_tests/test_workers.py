"""``bonas search --workers N`` on real storages, and a password kept out of every file.

The commands run as subprocesses (see test_search.py). The tests marked ``postgres`` need a
PostgreSQL server and skip unless ``BONAS_TEST_POSTGRES_URL`` is set.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import optuna
import pytest
from optuna.trial import TrialState

from bonas.cli.storage import open_storage, parse_storage
from bonas.testing.cli import COMMAND_TIMEOUT_S, bonas_env, check_ok, run_bonas

optuna.logging.set_verbosity(optuna.logging.WARNING)
SECRET = "bonas-Test-s3cret"


def _env() -> dict[str, str]:
    return bonas_env(drop=("BONAS_STORAGE",))


def run(
    *args: str, cwd: Path, timeout: float = COMMAND_TIMEOUT_S
) -> subprocess.CompletedProcess[str]:
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
        out, err = p.communicate(timeout=COMMAND_TIMEOUT_S)
        assert p.returncode == 0, err
        assert "Traceback" not in err
    study = _study(f"journal:///{tmp_path / 'runs.log'}", "nb201-cifar10-mean-random-search-seed0")
    _check_workers_run(study, 10, 4)


# -- secrets --------------------------------------------------------------------------------------
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


@pytest.mark.parametrize("locked", [True, False])
def test_a_worker_deciding_while_another_creates_its_trial_waits_for_it(
    tmp_path: Path, locked: bool
) -> None:
    """Two workers of one study decide on a next trial at the same moment, one trial short
    of the total. With the shared lock the second decides only once the first one's trial
    exists, sees that the total is in hand and runs none; without it both would run one."""
    import threading

    from bonas.cli.workers import StopAtTotal, lock_path

    url = f"sqlite:///{tmp_path / 'study.db'}"
    study = optuna.create_study(storage=url, study_name="race")
    lock = lock_path(url, "race") if locked else None
    first = StopAtTotal(1, wait_for_running=True, lock=lock)
    second = StopAtTotal(1, wait_for_running=True, lock=lock)
    assert first.check(study)  # the first decides to run the last trial
    decided: list[bool] = []
    other = threading.Thread(target=lambda: decided.append(second.check(study)))
    other.start()
    other.join(timeout=1.0)
    # Without the lock the second has already decided, before the first trial exists.
    assert other.is_alive() == locked
    trial = study.ask()  # the first one's trial exists ...
    first.release()  # ... and the first lets the others decide
    study.tell(trial, 1.0)
    other.join(timeout=30)
    second.release()
    assert decided == [not locked]
    assert len(study.trials) == 1
