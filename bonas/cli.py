"""The ``bonas`` command line.

``bonas search nb201 --dataset cifar10 --trials 100`` runs a search on the NB201 table in an
Optuna study kept in a storage (an SQLite file in the working directory by default), so the same
command resumes it; ``bonas report`` summarizes an existing study and ``bonas info nb201``
describes the space. ``python -m bonas`` is the same program.

Exit status: 0 on success, 2 for a usage or configuration error (one line on stderr saying what
to change), 130 when interrupted with Ctrl-C (the study stays consistent and a line says how to
resume it). Optuna, torch and the tables are imported inside the commands, so ``bonas --help``
is instant.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import shlex
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

import bonas
from bonas._cli.samplers import SAMPLERS
from bonas._cli.storage import DEFAULT_STORAGE, STORAGE_ENV
from bonas._cli.workers import WORKER_FLAG
from bonas.exceptions import BonasError

if TYPE_CHECKING:
    import optuna
    from optuna.trial import FrozenTrial

    from bonas._cli.progress import ProgressBar
    from bonas._cli.storage import StorageURL
    from bonas._cli.workers import WorkerPool
    from bonas.nb201.table import NB201Benchmark

__all__ = ["build_parser", "main"]

#: Exit status of a usage or configuration error.
EXIT_USAGE = 2
#: Exit status after Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130

DEFAULT_OUT = "bonas-out"
_SPACES = ("nb201",)
# The names of bonas.benchmark.NB201_DATASETS, repeated here so `bonas --help` imports no table
# code (a test checks that the two agree).
_DATASETS = ("cifar10", "cifar100", "imagenet16-120")
_DATASET_ALIASES = {"imagenet": "imagenet16-120"}
_MODES = ("mean", "noisy")


class UsageError(Exception):
    """A mistake the user can fix by changing the command; the message says what to change."""


def _out(text: str) -> None:
    """Write to stdout (the library itself never prints)."""
    sys.stdout.write(text)
    sys.stdout.flush()


def _err(text: str) -> None:
    sys.stderr.write(text)
    sys.stderr.flush()


def _one_line(err: BaseException | str) -> str:
    """The first line of an error message (SQLAlchemy appends a 'Background' paragraph)."""
    text = str(err).strip() or type(err).__name__
    return " ".join(text.splitlines()[0].split())


# -- the parser ----------------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line: what is wrong and where to read more."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _dataset(text: str) -> str:
    name = text.strip().lower()
    name = _DATASET_ALIASES.get(name, name)
    if name not in _DATASETS:
        raise argparse.ArgumentTypeError(
            f"must be one of {', '.join(_DATASETS)} (or imagenet); got {text!r}"
        )
    return name


def _int_at_least(low: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer; got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be an integer >= {low}; got {value}")
        return value

    parse.__name__ = f"integer >= {low}"
    return parse


def build_parser() -> argparse.ArgumentParser:
    """The ``bonas`` argument parser (subcommands ``search``, ``report``, ``info``)."""
    parser = _Parser(
        prog="bonas",
        description="Neural architecture search by Bayesian optimization, on Optuna.",
        epilog="bonas search digits --help: a search that trains the networks, on 8x8 digits",
    )
    parser.add_argument("--version", action="version", version=f"bonas {bonas.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    search = commands.add_parser(
        "search",
        help="search a NAS benchmark (resumable)",
        description=(
            "Search the NAS-Bench-201 table with a sampler, in an Optuna study kept in a storage "
            "so that the same command resumes it up to --trials finished trials. Writes "
            "trials.csv, incumbent.png and summary.json to --out."
        ),
        epilog=(
            "example: bonas search nb201 --dataset cifar10 --trials 100  "
            "(Ctrl-C stops after the current trial; the same command resumes)"
        ),
    )
    search.add_argument("space", choices=_SPACES, help="the search space (nb201)")
    search.add_argument(
        "--dataset",
        type=_dataset,
        required=True,
        help="cifar10 (NB201's cifar10-valid), cifar100 or imagenet16-120",
    )
    search.add_argument(
        "--trials",
        type=_int_at_least(1),
        default=100,
        help="finished trials the study should have at the end (default: 100)",
    )
    search.add_argument(
        "--mode",
        choices=_MODES,
        default="mean",
        help="mean: a trial returns the cell's mean accuracy; noisy: one training seed's "
        "(default: mean)",
    )
    search.add_argument(
        "--sampler",
        choices=sorted(SAMPLERS),
        default="bonas",
        help="bonas (BONASSampler), or Optuna's tpe, gp or random (default: bonas)",
    )
    search.add_argument(
        "--seed", type=_int_at_least(0), default=0, help="seed of the run (default: 0)"
    )
    _storage_options(search, study_help="default: nb201-DATASET-MODE-SAMPLER-seedSEED")
    _worker_options(search)
    _output_options(search)
    search.add_argument(
        "--quiet", action="store_true", help="no progress bar and no summary (files only)"
    )
    search.set_defaults(handler=_search)

    report = commands.add_parser(
        "report",
        help="summarize an existing study",
        description=(
            "Summarize a study made by `bonas search` (whichever sampler made it) and write its "
            "trials.csv, incumbent.png and summary.json."
        ),
    )
    _storage_options(report, study_help="default: the storage's only study")
    _output_options(report)
    report.set_defaults(handler=_report)

    info = commands.add_parser(
        "info",
        help="describe a search space and its benchmark tables",
        description="The size of a search space and the optimum of each dataset's table.",
    )
    info.add_argument("space", choices=_SPACES, help="the search space (nb201)")
    info.add_argument("--json", action="store_true", help="print one JSON object")
    info.set_defaults(handler=_info)
    return parser


def _storage_options(parser: argparse.ArgumentParser, *, study_help: str) -> None:
    parser.add_argument(
        "--storage",
        default=os.environ.get(STORAGE_ENV) or DEFAULT_STORAGE,
        help=f"where the study is kept: {DEFAULT_STORAGE} (the default, a file in this "
        "folder), postgresql://USER@HOST/DB, or an Optuna journal file journal:///PATH.log; "
        f"the environment variable {STORAGE_ENV} sets the default",
    )
    parser.add_argument("--study-name", default=None, help=f"the study ({study_help})")


def _worker_options(parser: argparse.ArgumentParser) -> None:
    """``--workers`` and ``--heartbeat``: several processes on one study (bonas._cli.workers)."""
    parser.add_argument(
        "--workers",
        type=_int_at_least(1),
        default=1,
        help="worker processes to run on this machine (default: 1); running the same command "
        "elsewhere against the same --storage and --study-name adds more",
    )
    parser.add_argument(
        "--heartbeat",
        type=_int_at_least(0),
        default=30,
        metavar="SECONDS",
        help="a running trial's heartbeat interval on a database storage: a trial silent for "
        "twice as long is marked FAIL and run again by another worker (default: 30; 0: off)",
    )
    parser.add_argument(WORKER_FLAG, action="store_true", help=argparse.SUPPRESS)


def _output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        default=None,
        help=f"folder of the files written (default: {DEFAULT_OUT}/STUDY-NAME)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object to stdout instead of the summary (files are still written)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``bonas`` command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:2] == ["search", "digits"]:  # real training on scikit-learn's digits
        from bonas._cli.digits import build_parser as digits_parser

        parser, argv = digits_parser(), argv[2:]
    else:
        parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        status: int = args.handler(args)
        return status
    except UsageError as err:
        _err(f"bonas {args.command}: error: {_one_line(err)}\n")
        return EXIT_USAGE
    except BonasError as err:
        _err(f"bonas {args.command}: error: {_one_line(err)}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        _err(f"\nbonas {args.command}: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `bonas info | head`: the reader has gone, nothing to report
        with contextlib.suppress(OSError):  # and no error from the interpreter's final flush
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


# -- storage and study ---------------------------------------------------------------------------
# The storage URL forms, heartbeats and password masking live in bonas._cli.storage, shared by
# every search subcommand; these helpers turn its errors into one-line usage errors.
def _storage(url: str) -> StorageURL:
    """Parse ``--storage`` (a :class:`~bonas.exceptions.StorageError` says what to change)."""
    from bonas._cli.storage import parse_storage

    return parse_storage(url)


def _absolute_storage(url: str) -> str:
    """``url`` with a relative file path made absolute and its password masked (for printing
    a command that can be run from elsewhere)."""
    return _storage(url).absolute().masked


def _storage_errors() -> tuple[type[BaseException], ...]:
    from bonas._cli.storage import storage_errors

    return storage_errors()


def _open_study(url: str, name: str, *, heartbeat: int | None = None) -> optuna.Study:
    """Create the study ``name`` in ``url`` (maximized), or load it if it exists.

    ``heartbeat``: seconds between the heartbeats of a running trial (RDB storages), so that a
    dead worker's trial is failed and retried by the others.
    """
    import optuna

    from bonas._cli.storage import describe_error, open_storage

    storage = _storage(url)
    interval = heartbeat if heartbeat and storage.has_heartbeat else None
    backend = open_storage(storage, heartbeat_interval=interval)
    try:
        study = optuna.create_study(
            storage=backend,
            study_name=name,
            direction="maximize",
            load_if_exists=True,
            sampler=optuna.samplers.RandomSampler(),
        )
    except _storage_errors() as err:
        raise UsageError(describe_error(storage, err)) from None
    if study.directions != [optuna.study.StudyDirection.MAXIMIZE]:
        raise UsageError(
            f"the study {name!r} in {storage.masked} is not a single maximized objective, so "
            "it is not a bonas search; pass another --study-name"
        )
    return study


def _load_study(url: str, name: str | None) -> optuna.Study:
    """Load an existing study; ``name=None`` picks the storage's only study."""
    import optuna

    from bonas._cli.storage import describe_error, open_storage

    storage = _storage(url)
    if storage.path is not None and not storage.path.exists():
        raise UsageError(
            f"the file {str(storage.path)!r} of --storage {storage.masked} does not exist; pass "
            "the --storage of a `bonas search` run"
        )
    try:
        backend = open_storage(storage)  # opened once: each opening checks the schema
        names = optuna.get_all_study_names(storage=backend)
        if name is None:
            if len(names) != 1:
                listed = ", ".join(sorted(names)) or "none"
                raise UsageError(
                    f"the storage {storage.masked} holds {len(names)} studies ({listed}); "
                    "choose one with --study-name"
                )
            name = names[0]
        if name not in names:
            listed = ", ".join(sorted(names)) or "none"
            raise UsageError(
                f"no study named {name!r} in {storage.masked} (its studies: {listed}); pass "
                "one of them to --study-name"
            )
        return optuna.load_study(
            storage=backend, study_name=name, sampler=optuna.samplers.RandomSampler()
        )
    except _storage_errors() as err:
        raise UsageError(describe_error(storage, err)) from None


def _study_spec(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "space": args.space,
        "dataset": args.dataset,
        "mode": args.mode,
        "sampler": args.sampler,
        "seed": args.seed,
        "bonas_version": bonas.__version__,
    }


def _check_spec(study: optuna.Study, url: str, want: dict[str, Any]) -> None:
    """Record the benchmark on a new study, or check that an existing one ran the same."""
    from bonas.report import BENCHMARK_ATTR

    have = study.user_attrs.get(BENCHMARK_ATTR)
    url = _storage(url).masked
    if have is None:
        if study.get_trials(deepcopy=False):
            raise UsageError(
                f"the study {study.study_name!r} in {url} already has trials but was not made "
                "by `bonas search`; pass another --study-name"
            )
        study.set_user_attr(BENCHMARK_ATTR, want)
        return
    if not isinstance(have, dict):
        raise UsageError(
            f"the study {study.study_name!r} in {url} has a malformed {BENCHMARK_ATTR!r} user "
            f"attribute ({have!r}); pass another --study-name"
        )
    keys = ("space", "dataset", "mode", "sampler", "seed")
    if any(have.get(k) != want[k] for k in keys):
        made = " ".join(f"--{k} {have.get(k)}" if k != "space" else str(have.get(k)) for k in keys)
        raise UsageError(
            f"the study {study.study_name!r} in {url} was made by `bonas search {made}`; run "
            "that command to resume it, or pass another --study-name"
        )


def _default_study_name(args: argparse.Namespace) -> str:
    return f"{args.space}-{args.dataset}-{args.mode}-{args.sampler}-seed{args.seed}"


def _out_dir(given: str | None, study_name: str) -> Path:
    if given is not None:
        return Path(given)
    return Path(DEFAULT_OUT) / (re.sub(r"[^A-Za-z0-9._-]+", "_", study_name) or "study")


def _prepare_out(out: Path) -> None:
    """Create ``out`` and check that a file can be written in it."""
    import tempfile

    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".bonas-write-test-"):
            pass
    except OSError as err:
        raise UsageError(
            f"cannot write to the output folder {str(out)!r} ({err.strerror or err}); pass "
            "--out a folder you can write to"
        ) from None


# -- logging while the bar is shown --------------------------------------------------------------
@dataclass
class _Session:
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

    def __init__(self, session: _Session) -> None:
        super().__init__(logging.WARNING)
        self.session = session

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self.session.bar is not None:
                self.session.bar.clear()
            _err(
                f"{record.name.split('.')[0]}: {record.levelname.lower()}: "
                f"{_one_line(record.getMessage())}\n"
            )
        except Exception:  # pragma: no cover - logging must never raise
            self.handleError(record)


class _CountingFileHandler(logging.FileHandler):
    def __init__(self, path: Path, session: _Session) -> None:
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
def _routed_logs(log_file: Path, session: _Session) -> Iterator[None]:
    """Send bonas' and the libraries' warnings to ``log_file``, Optuna's also to stderr.

    Optuna logs at WARNING (no line per trial); after a second Ctrl-C its "Trial N failed"
    records (with the KeyboardInterrupt traceback) are dropped.
    """
    import optuna

    from bonas._cli.storage import Redactor

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
def _graceful_sigint(session: _Session) -> Iterator[None]:
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


# -- search --------------------------------------------------------------------------------------
def _finished(trials: Sequence[FrozenTrial]) -> int:
    from optuna.trial import TrialState

    return sum(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in trials)


def _incumbent(trials: Sequence[FrozenTrial]) -> tuple[float | None, float | None]:
    """The best value among COMPLETE trials and that trial's regret (user attribute)."""
    from optuna.trial import TrialState

    best: FrozenTrial | None = None
    for t in trials:
        if t.state == TrialState.COMPLETE and t.value is not None:
            if best is None or t.value > best.value:  # type: ignore[operator]
                best = t
    if best is None:
        return None, None
    regret = best.user_attrs.get("regret")
    return best.value, float(regret) if isinstance(regret, (int, float)) else None


def _search_argv(args: argparse.Namespace, study_name: str) -> list[str]:
    """The ``bonas search`` arguments that define this run (no storage, output or workers)."""
    parts = ["search", args.space, "--dataset", args.dataset]
    parts += ["--trials", str(args.trials), "--mode", args.mode, "--sampler", args.sampler]
    parts += ["--seed", str(args.seed), "--study-name", study_name]
    parts += ["--heartbeat", str(args.heartbeat)]
    return parts


def _resume_command(args: argparse.Namespace, study_name: str) -> str:
    """The exact command that resumes this run, from any folder (a password shows as ***)."""
    argv0 = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    prog = [sys.executable, "-m", "bonas"] if argv0 == "__main__.py" else ["bonas"]
    parts = [*prog, *_search_argv(args, study_name)]
    parts += ["--storage", _absolute_storage(args.storage)]
    if args.workers > 1:
        parts += ["--workers", str(args.workers)]
    if args.out is not None:
        parts += ["--out", str(Path(args.out).resolve())]
    parts += ["--json"] if args.json else []
    parts += ["--quiet"] if args.quiet else []
    return shlex.join(parts)


def _start_workers(
    args: argparse.Namespace, study_name: str, storage: StorageURL, out: Path
) -> WorkerPool:
    """Start the ``--workers N`` - 1 other processes of this run (bonas._cli.workers)."""
    from bonas._cli.workers import WorkerPool

    argv = [*_search_argv(args, study_name), "--out", str(out.resolve()), "--quiet", WORKER_FLAG]
    return WorkerPool(argv, storage.absolute().url, args.workers - 1).start()


def _search(args: argparse.Namespace) -> int:
    from bonas._cli.storage import describe_error

    started_at = time.perf_counter()
    storage = _storage(args.storage)
    if args.workers > 1 and not storage.shared:
        raise UsageError(
            f"--workers {args.workers} needs a storage that several processes can open, and "
            f"{storage.masked} is an SQLite database in memory; pass --storage "
            f"{DEFAULT_STORAGE}, a journal file or a PostgreSQL URL"
        )
    study_name = args.study_name or _default_study_name(args)
    out = _out_dir(args.out, study_name)
    _prepare_out(out)
    session = _Session(secrets=storage.secrets, terminal=not args.worker)
    with _routed_logs(out / "bonas.log", session):
        study = _open_study(args.storage, study_name, heartbeat=args.heartbeat)
        _check_spec(study, args.storage, _study_spec(args))
        trials = study.get_trials(deepcopy=False)
        finished = _finished(trials)
        n_run = args.trials - finished
        if n_run <= 0 and not (args.quiet or args.worker):
            _err(
                f"bonas search: the study {study_name!r} already has {finished} finished trials "
                f"(--trials {args.trials}); nothing to run, reporting it\n"
            )
        bench = _benchmark(args)
        if n_run > 0:
            if args.workers > 1:
                session.pool = _start_workers(args, study_name, storage, out)
            wait = storage.has_heartbeat and args.heartbeat > 0
            try:
                done = _run(args, study, bench, session, finished, n_run, wait_for_running=wait)
            except KeyboardInterrupt:
                session.stop_requested = True
                done = -1
            except BonasError:
                raise
            except _storage_errors() as err:  # the database went away in the middle of the run
                raise UsageError(
                    f"{describe_error(storage, err)}; the finished trials are kept and the same "
                    "command resumes"
                ) from None
            finally:
                _wait_for_workers(session)
            if session.stop_requested and done < args.trials:
                _stop_cleanly(study, session)
                if args.worker:
                    return EXIT_INTERRUPTED  # the parent says how to resume
                total_done = _finished(study.get_trials(deepcopy=False))
                masked = " (the password shows as ***: put it back)" if storage.secrets else ""
                _err(
                    f"bonas search: interrupted with {total_done} of {args.trials} trials "
                    f"finished; the study {study_name!r} is saved. Resume with{masked}:\n"
                    f"  {_resume_command(args, study_name)}\n"
                )
                return EXIT_INTERRUPTED
        if args.worker:
            return 0
        elapsed = time.perf_counter() - started_at if n_run > 0 else None
        _finish(args, study, bench, out, elapsed, session)
    return 0


def _wait_for_workers(session: _Session) -> None:
    """Wait for the ``--workers`` processes; say which ones failed."""
    if session.pool is None:
        return
    for i, status in enumerate(session.pool.wait(), start=1):
        if status not in (0, EXIT_INTERRUPTED):
            _err(f"bonas search: warning: worker process {i} exited with status {status}\n")
    session.pool = None


def _benchmark(args: argparse.Namespace) -> NB201Benchmark:
    from bonas.nb201.table import NB201Benchmark

    return NB201Benchmark(
        args.dataset, mode=args.mode, seed=args.seed if args.mode == "noisy" else None
    )


def _run(
    args: argparse.Namespace,
    study: optuna.Study,
    bench: NB201Benchmark,
    session: _Session,
    finished: int,
    n_run: int,
    *,
    wait_for_running: bool,
) -> int:
    """Run trials until the study has ``args.trials`` finished ones (counting every worker's);
    returns the finished trials at the end."""
    from bonas._cli.progress import ProgressBar
    from bonas._cli.samplers import make_sampler
    from bonas._cli.workers import StopAtTotal
    from bonas.guard import guard_objective

    study.sampler = make_sampler(args.sampler, bench.space, seed=args.seed, mode=args.mode)
    best, regret = _incumbent(study.get_trials(deepcopy=False))
    show = not (args.json or args.quiet) and sys.stderr.isatty()
    bar = ProgressBar(args.trials, initial=finished, stream=sys.stderr, enabled=show)
    session.bar = bar
    done = finished
    # A bad trial (an objective error, an enqueued cell outside the space) fails alone, with
    # its reason in the trial's user attribute "fail_reason".
    guarded = guard_objective(bench.objective)
    # Every worker stops when the study has the total, with no overshoot.
    stopper = StopAtTotal(
        args.trials,
        wait_for_running=wait_for_running,
        should_stop=lambda: session.stop_requested,
    )

    def objective(trial: optuna.Trial) -> float:
        session.started.add(trial.number)
        return guarded(trial)

    def callback(study: optuna.Study, trial: FrozenTrial) -> None:
        nonlocal done, best, regret
        stopper(study, trial)
        done = stopper.finished
        best, regret = _incumbent(stopper.trials)
        bar.update(done, best, regret, note="stopping" if session.stop_requested else "")
        if session.stop_requested:
            study.stop()

    bar.update(finished, best, regret)
    try:
        with _graceful_sigint(session):
            # The bound only ends a run whose trials keep failing; the callback ends the others.
            study.optimize(objective, n_trials=2 * n_run + 10, callbacks=[callback])
    finally:
        bar.close()
        session.bar = None
    return done


def _stop_cleanly(study: optuna.Study, session: _Session) -> None:
    """Mark FAIL the trials this run started and left RUNNING (interrupted outside the
    objective, where Optuna does not catch it)."""
    from optuna.trial import TrialState

    with contextlib.suppress(*_storage_errors(), RuntimeError):
        for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            if t.number in session.started:
                study.tell(t.number, state=TrialState.FAIL)


def _finish(
    args: argparse.Namespace,
    study: optuna.Study,
    bench: NB201Benchmark,
    out: Path,
    wall_time_s: float | None,
    session: _Session | None,
) -> None:
    """Summarize, write the files, and print the summary (or the JSON object)."""
    from bonas import report

    trials = study.get_trials(deepcopy=False)
    summary = report.summarize(study, bench, trials=trials, wall_time_s=wall_time_s)
    files: dict[str, str | None] = {}
    files["csv"] = str(report.write_trials_csv(trials, out / "trials.csv"))
    title = f"NB201 {summary.dataset} ({summary.mode})"
    if summary.sampler:
        title += f", sampler {summary.sampler}, seed {summary.seed}"
    try:
        plot = report.plot_incumbent(trials, bench, out / "incumbent.png", title=title)
        files["plot"] = str(plot)
    except report.MissingDependencyError as err:
        files["plot"] = None
        _err(f"bonas {args.command}: warning: {_one_line(err)}; no plot written\n")
    files["summary"] = str(out / "summary.json")
    result = {
        "command": args.command,
        "storage": _storage(args.storage).masked,
        "requested_trials": getattr(args, "trials", None),
        **summary.to_dict(),
        "files": files,
    }
    (out / "summary.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    quiet = getattr(args, "quiet", False)
    if args.json:
        _out(json.dumps(result) + "\n")
    elif not quiet:
        written = ", ".join(Path(f).name for f in files.values() if f)
        _out(report.format_summary(summary) + f"  {'files':<20}{out}/ ({written})\n")
    if session is not None and session.logged and not quiet:
        _err(
            f"bonas {args.command}: {session.logged} warning(s) from the sampler and libraries "
            f"are in {out / 'bonas.log'}\n"
        )


# -- report and info -----------------------------------------------------------------------------
def _report(args: argparse.Namespace) -> int:
    import optuna

    from bonas import report

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = _load_study(args.storage, args.study_name)
    spec = report.benchmark_spec(study)
    out = _out_dir(args.out, study.study_name)
    _prepare_out(out)
    bench = report.make_benchmark(spec)
    _finish(args, study, bench, out, None, None)
    return 0


def _info(args: argparse.Namespace) -> int:
    from bonas import report

    info = report.nb201_info()
    if args.json:
        _out(json.dumps(info) + "\n")
        return 0
    lines = [
        f"NB201 (NAS-Bench-201): {info['n_cells']:,} cells (6 edges, 5 ops each), "
        f"{info['n_classes']:,} isomorphism classes",
        f"  {'dataset':<16}{'optimum':>9}  {'median':>7}  {'key':<7} cell",
    ]
    for name, d in info["datasets"].items():
        lines.append(
            f"  {name:<16}{d['accuracy']:>7.2f} %  {d['median_accuracy']:>5.2f} %  "
            f"{d['key']:<7} {d['optimum']}"
        )
    lines.append("  (mean validation accuracy over training seeds; cifar10 is cifar10-valid)")
    _out("\n".join(lines) + "\n")
    return 0
