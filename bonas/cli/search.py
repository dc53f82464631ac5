"""``bonas search NAME``: run a search in an Optuna study kept in a storage, resumably.

One driver for every search command (:class:`~bonas.cli.benchmark.SearchBenchmark`): it opens
or resumes the study and checks that it ran the same benchmark, starts the ``--workers``, runs
the trials with the progress bar, stops cleanly on Ctrl-C, routes the logs to ``bonas.log``,
and writes the output folder. The same command resumes a study up to ``--trials`` finished
(COMPLETE or PRUNED) trials, counting every worker's.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import bonas
from bonas.cli.base import EXIT_INTERRUPTED, Command, int_at_least, to_stderr
from bonas.cli.benchmark import SearchBenchmark, option_text, spec_command
from bonas.cli.digits import DigitsSearch
from bonas.cli.nb201 import NB201Search
from bonas.cli.output import out_dir, output_folder, output_options, write_outputs
from bonas.cli.samplers import SAMPLERS
from bonas.cli.session import Session, graceful_sigint, routed_logs, stop_cleanly
from bonas.cli.storage import (
    DEFAULT_STORAGE,
    StorageURL,
    describe_error,
    open_study,
    parse_storage,
    storage_errors,
    storage_options,
)
from bonas.cli.workers import WORKER_FLAG, StopAtTotal, WorkerPool, lock_path, worker_options
from bonas.exceptions import BonasError, UsageError
from bonas.report import BENCHMARK_ATTR, best_trial, finished_count

if TYPE_CHECKING:
    import optuna
    from optuna.trial import FrozenTrial

    from bonas.cli.benchmark import Objective

__all__ = [
    "SEARCHES",
    "SearchCommand",
    "check_spec",
    "find_search",
    "incumbent",
    "resume_command",
    "run_argv",
]

#: The ``bonas search NAME`` commands by name; ``bonas report`` summarizes their studies too.
SEARCHES: dict[str, SearchBenchmark] = {s.name: s for s in (NB201Search(), DigitsSearch())}


def find_search(spec: Mapping[str, Any]) -> SearchBenchmark | None:
    """The search command that made a study with ``spec`` (``None`` if bonas has none by the
    name the spec gives, see :func:`~bonas.cli.benchmark.spec_command`)."""
    name = spec_command(spec)
    return SEARCHES.get(name) if name is not None else None


class SearchCommand(Command):
    """``bonas search``: one subcommand per :class:`~bonas.cli.benchmark.SearchBenchmark`."""

    name = "search"
    help = "search a NAS benchmark (resumable)"
    description = (
        "Search a benchmark with a sampler, in an Optuna study kept in a storage so that the "
        "same command resumes it up to --trials finished trials. `bonas search NAME --help` "
        "tells what each one writes to --out."
    )
    epilog = (
        "example: bonas search nb201 --dataset cifar10 --trials 100  "
        "(Ctrl-C stops after the current trial; the same command resumes)"
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        subcommands = parser.add_subparsers(dest="benchmark", required=True)
        for benchmark in SEARCHES.values():
            sub = benchmark.add_parser(subcommands)
            benchmark.add_arguments(sub)
            _shared_options(sub, benchmark)
            sub.set_defaults(search=benchmark)

    def take_action(self, args: argparse.Namespace) -> int:
        benchmark: SearchBenchmark = args.search
        started_at = time.perf_counter()
        storage = parse_storage(args.storage)
        if args.workers > 1 and not storage.shared:
            raise UsageError(
                f"--workers {args.workers} needs a storage that several processes can open, "
                f"and {storage.masked} is an SQLite database in memory; pass --storage "
                f"{DEFAULT_STORAGE}, a journal file or a PostgreSQL URL"
            )
        study_name = args.study_name or benchmark.default_study_name(args)
        out = out_dir(args.out, study_name)
        session = Session(secrets=storage.secrets, terminal=not args.worker)
        # A run that fails before writing anything (the storage does not open) leaves no
        # empty output folder behind.
        with output_folder(out), routed_logs(out / "bonas.log", session):
            objective = benchmark.objective(args)  # a missing table or device: no study yet
            sampler = benchmark.sampler(args, objective.space)  # a bad source: no study yet
            study = open_study(
                storage, study_name, heartbeat=args.heartbeat, directions=objective.directions
            )
            spec = {"command": benchmark.name, **benchmark.spec(args)}
            stored = {**spec, "bonas_version": bonas.__version__}
            check_spec(study, storage, stored, directions=objective.directions)
            finished = finished_count(study.get_trials(deepcopy=False))
            n_run = args.trials - finished
            if n_run <= 0 and not (args.quiet or args.worker):
                to_stderr(
                    f"bonas search: the study {study_name!r} already has {finished} finished "
                    f"trials (--trials {args.trials}); nothing to run, reporting it\n"
                )
            if n_run > 0:
                status = self._run(args, study, sampler, objective, storage, out, session, n_run)
                if status is not None:
                    return status
            if args.worker:
                return 0
            write_outputs(
                benchmark,
                study,
                spec,
                out,
                command=f"search {benchmark.name}",
                storage=storage.masked,
                requested_trials=args.trials,
                wall_time_s=time.perf_counter() - started_at if n_run > 0 else None,
                as_json=args.json,
                quiet=args.quiet,
                logged=session.logged,
            )
        return 0

    def _run(
        self,
        args: argparse.Namespace,
        study: optuna.Study,
        sampler: optuna.samplers.BaseSampler,
        objective: Objective,
        storage: StorageURL,
        out: Path,
        session: Session,
        n_run: int,
    ) -> int | None:
        """Run the trials (with the workers); the exit status if the run was interrupted."""
        if args.workers > 1:
            argv = [*run_argv(args, study.study_name), "--out", str(out.resolve())]
            argv += ["--quiet", WORKER_FLAG]
            session.pool = WorkerPool(argv, storage.absolute().url, args.workers - 1).start()
        wait = storage.has_heartbeat and args.heartbeat > 0
        try:
            done = _optimize(
                args,
                study,
                sampler,
                objective,
                session,
                n_run,
                wait_for_running=wait,
                storage_url=storage.absolute().url,
            )
        except KeyboardInterrupt:
            session.stop_requested = True
            done = -1
        except BonasError:
            raise
        except storage_errors() as err:  # the database went away in the middle of the run
            raise UsageError(
                f"{describe_error(storage, err)}; the finished trials are kept and the same "
                "command resumes"
            ) from None
        finally:
            _wait_for_workers(session)
        if not (session.stop_requested and done < args.trials):
            return None
        stop_cleanly(study, session)
        if args.worker:
            return EXIT_INTERRUPTED  # the parent says how to resume
        total_done = finished_count(study.get_trials(deepcopy=False))
        masked = " (the password shows as ***: put it back)" if storage.secrets else ""
        to_stderr(
            f"bonas search: interrupted with {total_done} of {args.trials} trials finished; "
            f"the study {study.study_name!r} is saved. Resume with{masked}:\n"
            f"  {resume_command(args, study.study_name)}\n"
        )
        return EXIT_INTERRUPTED


def _shared_options(parser: argparse.ArgumentParser, benchmark: SearchBenchmark) -> None:
    """The options of every ``bonas search NAME``."""
    parser.add_argument(
        "--trials",
        type=int_at_least(1),
        default=benchmark.default_trials,
        help="finished (complete or pruned) trials the study should have at the end "
        f"(default: {benchmark.default_trials})",
    )
    parser.add_argument(
        "--sampler",
        choices=sorted(SAMPLERS),
        default="bonas",
        help="bonas (BONASSampler), Optuna's tpe, gp, nsga2 or random, or a NAS baseline "
        "(default: bonas)",
    )
    parser.add_argument(
        "--seed", type=int_at_least(0), default=0, help="seed of the run (default: 0)"
    )
    storage_options(parser, study_help=f"default: {benchmark.study_name_help()}")
    worker_options(parser)
    output_options(parser)
    parser.add_argument(
        "--quiet", action="store_true", help="no progress bar and no summary (files only)"
    )


def check_spec(
    study: optuna.Study,
    storage: StorageURL,
    want: dict[str, Any],
    *,
    directions: Sequence[str] = ("maximize",),
) -> None:
    """Record the benchmark ``want`` on a new study, or check that an existing one ran the
    same (the same command, and the same values of its
    :attr:`~bonas.cli.benchmark.SearchBenchmark.spec_keys`), with the same ``directions``.

    Raises:
        UsageError: if the study was made otherwise; the message quotes the command that made
            it.
    """
    have = study.user_attrs.get(BENCHMARK_ATTR)
    where = f"the study {study.study_name!r} in {storage.masked}"
    if have is None:
        _check_directions(study, where, directions)
        if study.get_trials(deepcopy=False):
            raise UsageError(
                f"{where} already has trials but was not made by `bonas search`; pass another "
                "--study-name"
            )
        study.set_user_attr(BENCHMARK_ATTR, want)
        return
    if not isinstance(have, dict):
        raise UsageError(
            f"{where} has a malformed {BENCHMARK_ATTR!r} user attribute ({have!r}); pass "
            "another --study-name"
        )
    maker = find_search(have)
    if maker is None:
        raise UsageError(
            f"{where} was made by `bonas search {spec_command(have)}`, which this bonas does not "
            "have; pass another --study-name"
        )
    if maker.name == want["command"] and maker.same_spec(have, want):
        _check_directions(study, where, directions)
        return
    raise UsageError(
        f"{where} was made by `bonas search {maker.describe(have)}`; run that command to "
        "resume it, or pass another --study-name"
    )


def _check_directions(study: optuna.Study, where: str, directions: Sequence[str]) -> None:
    """An error if ``study`` does not have ``directions``."""
    have = [d.name.lower() for d in study.directions]
    if have == [str(d).lower() for d in directions]:
        return
    if list(directions) == ["maximize"]:
        wanted = "a single maximized objective"
    else:
        wanted = "a study of the directions " + ", ".join(directions)
    raise UsageError(
        f"{where} is not {wanted} (its directions: {', '.join(have)}), so it is not this "
        "bonas search; pass another --study-name"
    )


def incumbent(trials: Sequence[FrozenTrial]) -> tuple[float | None, float | None]:
    """The best value among the COMPLETE trials and that trial's ``regret`` user attribute
    (what the progress bar shows)."""
    best = best_trial(trials)
    if best is None:
        return None, None
    regret = best.user_attrs.get("regret")
    return best.value, float(regret) if isinstance(regret, (int, float)) else None


def run_argv(args: argparse.Namespace, study_name: str) -> list[str]:
    """The ``bonas search`` arguments that define this run (no storage, output or workers):
    the command's own :attr:`~bonas.cli.benchmark.SearchBenchmark.options`, then the shared
    ones."""
    benchmark: SearchBenchmark = args.search
    parts = ["search", benchmark.name]
    for dest in benchmark.options:
        value = getattr(args, dest)
        if value is not None:  # an option not given
            parts += [f"--{dest.replace('_', '-')}", option_text(value)]
    parts += ["--trials", str(args.trials), "--sampler", args.sampler, "--seed", str(args.seed)]
    parts += ["--study-name", study_name, "--heartbeat", str(args.heartbeat)]
    return parts


def resume_command(args: argparse.Namespace, study_name: str) -> str:
    """The exact command that resumes this run, from any folder (a password shows as ***)."""
    argv0 = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    prog = [sys.executable, "-m", "bonas"] if argv0 == "__main__.py" else ["bonas"]
    parts = [*prog, *run_argv(args, study_name)]
    parts += ["--storage", parse_storage(args.storage).absolute().masked]
    if args.workers > 1:
        parts += ["--workers", str(args.workers)]
    if args.out is not None:
        parts += ["--out", str(Path(args.out).resolve())]
    parts += ["--json"] if args.json else []
    parts += ["--quiet"] if args.quiet else []
    return shlex.join(parts)


def _wait_for_workers(session: Session) -> None:
    """Wait for the ``--workers`` processes; say which ones failed."""
    if session.pool is None:
        return
    for i, status in enumerate(session.pool.wait(), start=1):
        if status not in (0, EXIT_INTERRUPTED):
            to_stderr(f"bonas search: warning: worker process {i} exited with status {status}\n")
    session.pool = None


def _optimize(
    args: argparse.Namespace,
    study: optuna.Study,
    sampler: optuna.samplers.BaseSampler,
    objective: Objective,
    session: Session,
    n_run: int,
    *,
    wait_for_running: bool,
    storage_url: str,
) -> int:
    """Run trials until the study has ``args.trials`` finished ones (counting every worker's);
    returns the finished trials at the end. The workers on this machine decide on their next
    trial one at a time (:class:`~bonas.cli.workers.StopAtTotal`'s lock)."""
    from bonas.cli.progress import ProgressBar
    from bonas.guard import guard_objective

    benchmark: SearchBenchmark = args.search
    study.sampler = sampler
    pruner = benchmark.pruner(args)
    if pruner is not None:
        study.pruner = pruner
    trials = study.get_trials(deepcopy=False)
    finished = done = finished_count(trials)
    progress = objective.progress or incumbent
    best, regret = progress(trials)
    show = not (args.json or args.quiet) and sys.stderr.isatty()
    bar = ProgressBar(args.trials, initial=finished, stream=sys.stderr, enabled=show)
    session.bar = bar
    # A bad trial (an objective error, an enqueued cell outside the space) fails alone, with
    # its reason in the trial's user attribute "fail_reason".
    guarded = guard_objective(objective.function, n_objectives=len(objective.directions))
    # Every worker stops when the study has the total, with no overshoot.
    stopper = StopAtTotal(
        args.trials,
        wait_for_running=wait_for_running,
        should_stop=lambda: session.stop_requested,
        lock=lock_path(storage_url, study.study_name),
    )

    def run_trial(trial: optuna.Trial) -> Any:
        stopper.release()  # this trial exists: the other workers may decide
        session.started.add(trial.number)
        return guarded(trial)

    def callback(study: optuna.Study, trial: FrozenTrial) -> None:
        nonlocal done, best, regret
        stopper(study, trial)
        done = stopper.finished
        best, regret = progress(stopper.trials)
        bar.update(done, best, regret, note="stopping" if session.stop_requested else "")
        if session.stop_requested:
            study.stop()

    bar.update(finished, best, regret)
    try:
        with graceful_sigint(session):
            # The bound only ends a run whose trials keep failing; the callback ends the others.
            if stopper.check(study):
                study.optimize(run_trial, n_trials=2 * n_run + 10, callbacks=[callback])
            done = stopper.finished
    finally:
        stopper.release()
        bar.close()
        session.bar = None
    return done
