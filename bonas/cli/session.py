"""The running side of ``bonas search``: the state of one run (:class:`Session`), where the
logs go while the progress bar is shown (:func:`routed_logs`), and Ctrl-C
(:func:`graceful_sigint`, :func:`stop_cleanly`).

The first Ctrl-C lets the current trial finish and stops; a second stops at once. Either way
the trials this run started and left RUNNING are marked FAIL, so the study stays consistent and
the same command resumes it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from bonas.cli.base import to_stderr
from bonas.cli.storage import Redactor, storage_errors
from bonas.exceptions import first_line

if TYPE_CHECKING:
    import optuna

    from bonas.cli.progress import ProgressBar
    from bonas.cli.workers import WorkerPool

__all__ = ["Session", "graceful_sigint", "routed_logs", "stop_cleanly"]


@dataclass
class Session:
    """The mutable state of one ``bonas search`` run, shared by the callback and handlers."""

    bar: ProgressBar | None = None
    stop_requested: bool = False
    hard_interrupt: bool = False
    started: set[int] = field(default_factory=set)
    logged: int = 0
    #: Strings never to write (the storage URL's password), masked in every log record.
    secrets: tuple[str, ...] = ()
    #: Whether Optuna's warnings also go to the terminal (not in a ``--workers`` child).
    terminal: bool = True
    #: The worker processes started by ``--workers`` (Ctrl-C is forwarded to them).
    pool: WorkerPool | None = None


class _TerminalHandler(logging.Handler):
    """Optuna's warnings on stderr, on their own line above the progress bar."""

    def __init__(self, session: Session) -> None:
        super().__init__(logging.WARNING)
        self.session = session

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self.session.bar is not None:
                self.session.bar.clear()
            to_stderr(
                f"{record.name.split('.')[0]}: {record.levelname.lower()}: "
                f"{first_line(record.getMessage())}\n"
            )
        except Exception:  # pragma: no cover - logging must never raise
            self.handleError(record)


class _CountingFileHandler(logging.FileHandler):
    def __init__(self, path: Path, session: Session) -> None:
        super().__init__(path, encoding="utf-8", delay=True)
        self.session = session
        self.setFormatter(
            logging.Formatter("%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s")
        )

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING and not record.name.startswith("optuna"):
            self.session.logged += 1  # Optuna's own warnings are on the terminal already
        super().emit(record)


@contextlib.contextmanager
def routed_logs(log_file: Path, session: Session) -> Iterator[None]:
    """Send bonas' and the libraries' warnings to ``log_file``, Optuna's also to stderr.

    Optuna logs at WARNING (no line per trial); after a second Ctrl-C its "Trial N failed"
    records (with the KeyboardInterrupt traceback) are dropped.
    """
    import optuna

    def not_interrupted(record: logging.LogRecord) -> bool:
        return not (session.hard_interrupt and record.getMessage().startswith("Trial "))

    redactor = Redactor(session.secrets)  # no password in any log line
    to_file = _CountingFileHandler(log_file, session)
    to_file.addFilter(not_interrupted)
    to_file.addFilter(redactor)
    to_terminal: logging.Handler = _TerminalHandler(session)
    if not session.terminal:
        to_terminal = logging.NullHandler()
    to_terminal.addFilter(not_interrupted)
    to_terminal.addFilter(redactor)
    optuna_log = logging.getLogger("optuna")
    bonas_log = logging.getLogger("bonas")
    warnings_log = logging.getLogger("py.warnings")
    saved = (
        optuna.logging.get_verbosity(),
        bonas_log.level,
        bonas_log.propagate,
        warnings_log.propagate,
    )
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    optuna.logging.disable_default_handler()
    optuna_log.addHandler(to_file)
    optuna_log.addHandler(to_terminal)
    bonas_log.setLevel(logging.INFO)
    bonas_log.propagate = False
    bonas_log.addHandler(to_file)
    logging.captureWarnings(True)
    warnings_log.propagate = False
    warnings_log.addHandler(to_file)
    try:
        yield
    finally:
        for logger in (optuna_log, bonas_log, warnings_log):
            for handler in (to_file, to_terminal):
                logger.removeHandler(handler)
        to_file.close()
        logging.captureWarnings(False)
        optuna.logging.set_verbosity(saved[0])
        optuna.logging.enable_default_handler()
        bonas_log.setLevel(saved[1])
        bonas_log.propagate = saved[2]
        warnings_log.propagate = saved[3]


@contextlib.contextmanager
def graceful_sigint(session: Session) -> Iterator[None]:
    """First Ctrl-C: stop after the current trial. Second: raise KeyboardInterrupt at once."""

    def handler(signum: int, frame: FrameType | None) -> None:
        if session.pool is not None:
            session.pool.interrupt()  # each worker gets exactly this Ctrl-C
        if session.stop_requested:
            session.hard_interrupt = True
            raise KeyboardInterrupt
        session.stop_requested = True
        bar_shown = session.bar is not None and session.bar.enabled
        # os.write: a signal handler must not re-enter the buffered sys.stderr.
        os.write(
            2,
            (
                ("\r\x1b[K" if bar_shown else "")
                + "bonas: stopping after the current trial (Ctrl-C again to stop at once)\n"
            ).encode(),
        )

    try:
        if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:  # e.g. a background job: keep it
            yield
            return
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread: keep the default behaviour
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def stop_cleanly(study: optuna.Study, session: Session) -> None:
    """Mark FAIL the trials this run started and left RUNNING (interrupted outside the
    objective, where Optuna does not catch it)."""
    from optuna.trial import TrialState

    with contextlib.suppress(*storage_errors(), RuntimeError):
        for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            if t.number in session.started:
                study.tell(t.number, state=TrialState.FAIL)
