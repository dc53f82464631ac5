"""Several worker processes on one study: ``bonas search … --workers N``.

A worker is the same ``bonas search`` command run against the same storage and study name, so
running the command in another terminal (or on another machine, against PostgreSQL) adds a
worker, and ``--workers N`` starts N - 1 more local processes next to this one. They share
nothing but the storage: the sampler's reservations keep them off each other's cells, the
heartbeats let them retry a dead worker's trial, and :class:`StopAtTotal` stops them together
at the requested number of finished trials.

A worker process gets the storage URL through the environment (:data:`STORAGE_ENV`), never on
its command line, so a password stays out of process listings. It runs in its own session:
the parent forwards Ctrl-C to it, exactly once per Ctrl-C.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

try:
    import fcntl
except ImportError:  # not on Windows: no lock there
    fcntl = None  # type: ignore[assignment]

from bonas.cli.base import int_at_least
from bonas.cli.storage import STORAGE_ENV
from bonas.report import finished_count

if TYPE_CHECKING:
    import optuna
    from optuna.trial import FrozenTrial

__all__ = ["WORKER_FLAG", "StopAtTotal", "WorkerPool", "lock_path", "worker_options"]

#: The hidden option that makes ``bonas search`` a worker started by ``--workers``: it runs
#: trials and writes its log, and leaves the summary, files and progress bar to the parent.
WORKER_FLAG = "--worker"
#: Seconds between two looks at the study while the last trials are in other workers' hands.
_POLL_S = 0.25


def worker_options(parser: argparse.ArgumentParser) -> None:
    """``--workers`` and ``--heartbeat`` (and the hidden :data:`WORKER_FLAG`)."""
    parser.add_argument(
        "--workers",
        type=int_at_least(1),
        default=1,
        help="worker processes to run on this machine (default: 1); running the same command "
        "elsewhere against the same --storage and --study-name adds more",
    )
    parser.add_argument(
        "--heartbeat",
        type=int_at_least(0),
        default=30,
        metavar="SECONDS",
        help="a running trial's heartbeat interval on a database storage: a trial silent for "
        "twice as long is marked FAIL and run again by another worker (default: 30; 0: off)",
    )
    parser.add_argument(WORKER_FLAG, action="store_true", help=argparse.SUPPRESS)


def lock_path(storage_url: str, study_name: str) -> Path:
    """The lock file that the workers of one study on this machine share (a name derived
    from the storage URL and the study name, in the temporary directory)."""
    digest = hashlib.sha256(f"{storage_url}\n{study_name}".encode()).hexdigest()[:20]
    return Path(tempfile.gettempdir()) / f"bonas-{digest}.lock"


class StopAtTotal:
    """An Optuna callback that stops this worker when the study has ``total`` finished trials.

    Optuna's ``MaxTrialsCallback`` stops only after the total is reached, so N workers
    overshoot it by up to N - 1 trials. Here a worker whose next trial is not needed (the
    finished trials plus those running elsewhere reach the total) waits instead, and goes on
    only if one of those fails: a dead worker's trial is failed by the heartbeat check and
    enqueued again, and a waiting worker runs it. Without heartbeats (journal storage) a dead
    worker's trial would keep the others waiting for ever, so there they do not wait.

    Deciding that a next trial is needed and creating it are two steps, so two workers that
    decide at the same moment could both create one. With ``lock``, a file that every worker
    on this machine opens (:func:`lock_path`), a worker holds the lock from its decision
    until its new trial exists (call :meth:`release` once the trial has started, and
    :meth:`check` before the first one), so the workers of one machine never overshoot;
    workers on other machines are not covered by it.

    Args:
        total: The finished (COMPLETE or PRUNED) trials the study should have.
        wait_for_running: Wait while other workers' running trials could reach the total.
        should_stop: Called while waiting; ``True`` stops at once (Ctrl-C).
        lock: The lock file shared by this machine's workers of the study, or ``None``.
    """

    def __init__(
        self,
        total: int,
        *,
        wait_for_running: bool,
        should_stop: Callable[[], bool] = lambda: False,
        lock: Path | None = None,
    ) -> None:
        self.total = total
        self.wait_for_running = wait_for_running
        self.should_stop = should_stop
        self.trials: list[FrozenTrial] = []
        self.lock = lock
        self._lock_file: IO[bytes] | None = None

    @property
    def finished(self) -> int:
        """The finished trials at the last look."""
        return finished_count(self.trials)

    def _acquire(self) -> None:
        if self.lock is None or self._lock_file is not None or fcntl is None:
            return
        handle = open(self.lock, "a+b")  # held across calls, closed in release
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        self._lock_file = handle

    def release(self) -> None:
        """Let the other workers decide (call it once this worker's new trial exists)."""
        handle, self._lock_file = self._lock_file, None
        if handle is not None:
            assert fcntl is not None
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            handle.close()

    def check(self, study: optuna.Study) -> bool:
        """Whether this worker should run a trial now (waiting as :meth:`__call__` does);
        with a lock, it is held until :meth:`release`. For the first trial of a run."""
        from optuna.storages import fail_stale_trials
        from optuna.trial import TrialState

        while True:
            self._acquire()
            self.trials = study.get_trials(deepcopy=False)
            finished = finished_count(self.trials)
            if finished >= self.total or self.should_stop():
                self.release()
                return False
            if not self.wait_for_running:
                return True
            running = sum(t.state == TrialState.RUNNING for t in self.trials)
            if finished + running < self.total:
                return True
            self.release()
            time.sleep(_POLL_S)
            with warnings.catch_warnings():  # "experimental" since Optuna 2.9
                warnings.simplefilter("ignore")
                fail_stale_trials(study)

    def __call__(self, study: optuna.Study, trial: FrozenTrial) -> None:
        if not self.check(study):
            study.stop()


@dataclass
class WorkerPool:
    """The worker processes ``--workers N`` started next to this one.

    Args:
        argv: The ``bonas`` arguments of a worker (``search … --worker``), without
            ``--storage``.
        storage_url: The storage, passed to each worker in :data:`STORAGE_ENV`.
        n: How many processes to start.
    """

    argv: Sequence[str]
    storage_url: str
    n: int
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self) -> WorkerPool:
        env = {**os.environ, STORAGE_ENV: self.storage_url}
        for _ in range(self.n):
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "bonas", *self.argv],
                    env=env,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,  # Ctrl-C reaches it once, forwarded by the parent
                )
            )
        return self

    def interrupt(self) -> None:
        """Forward a Ctrl-C to every worker still running (safe in a signal handler)."""
        for p in self.processes:
            if p.returncode is None:
                try:
                    os.kill(p.pid, signal.SIGINT)
                except ProcessLookupError:
                    pass

    def wait(self) -> list[int]:
        """Wait for every worker; returns their exit statuses."""
        return [p.wait() for p in self.processes]
