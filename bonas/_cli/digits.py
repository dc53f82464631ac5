"""``bonas search digits``: a NAS search that really trains, on scikit-learn's digits.

Each trial builds the NB201 network of its cell (sized for 8×8 grey images:
:data:`bonas.nb201.DIGITS_NETWORK`), trains it for ``--epochs`` epochs on the digits and
reports the validation accuracy after every epoch, so an Optuna pruner (``--pruner``) can stop
a hopeless training. The study lives in an Optuna storage like ``bonas search nb201``'s: the
same command resumes it. The shared machinery (storage, logging, Ctrl-C, progress bar) is
:mod:`bonas.cli`'s.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import bonas
from bonas._cli.samplers import SAMPLERS
from bonas.cli import (
    EXIT_INTERRUPTED,
    UsageError,
    _absolute_storage,
    _err,
    _finished,
    _graceful_sigint,
    _int_at_least,
    _one_line,
    _open_study,
    _out,
    _out_dir,
    _output_options,
    _Parser,
    _prepare_out,
    _routed_logs,
    _Session,
    _stop_cleanly,
    _storage_options,
)

if TYPE_CHECKING:
    import optuna
    from optuna.trial import FrozenTrial

    from bonas.nb201.training import TrainingObjective

__all__ = ["PRUNERS", "build_parser", "make_pruner", "summarize"]

#: The ``--pruner`` names.
PRUNERS = ("median", "halving", "hyperband", "none")
#: The study user attribute of a ``bonas search`` study (the one :mod:`bonas.report` reads).
_SPEC_ATTR = "bonas:benchmark"
#: The recorded options that must agree for a study to be resumed.
_SPEC_KEYS = ("dataset", "sampler", "pruner", "pruned", "epochs", "seed")
_CSV_COLUMNS = (
    "number",
    "state",
    "value",
    "arch",
    "epochs",
    "n_params",
    "train_time",
    "device",
    "datetime",
)


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``bonas search digits``."""
    parser = _Parser(
        prog="bonas search digits",
        description=(
            "Search NB201 cells by training each one for real on scikit-learn's 8x8 digits "
            "(shipped with scikit-learn: nothing is downloaded), with an Optuna pruner stopping "
            "hopeless trainings. The study is kept in a storage, so the same command resumes "
            "it up to --trials finished trials. Writes trials.csv, learning_curves.png and "
            "summary.json to --out. Needs scikit-learn: pip install 'bonas[digits]'."
        ),
        epilog=(
            "example: bonas search digits --trials 30 --epochs 10 --pruner median  "
            "(about 3 minutes on 2 CPU cores)"
        ),
    )
    parser.add_argument(
        "--trials",
        type=_int_at_least(1),
        default=30,
        help="finished (complete or pruned) trials the study should have (default: 30)",
    )
    parser.add_argument(
        "--epochs",
        type=_int_at_least(1),
        default=10,
        help="training epochs of a trial that is not pruned (default: 10)",
    )
    parser.add_argument(
        "--pruner",
        choices=PRUNERS,
        default="median",
        help="Optuna's MedianPruner, SuccessiveHalvingPruner or HyperbandPruner, or none "
        "(default: median)",
    )
    parser.add_argument(
        "--sampler",
        choices=sorted(SAMPLERS),
        default="bonas",
        help="bonas (BONASSampler), Optuna's tpe, gp or random, or a NAS baseline "
        "(default: bonas)",
    )
    parser.add_argument(
        "--pruned",
        choices=("last_value", "exclude"),
        default="last_value",
        help="what a pruned trial tells the bonas samplers: its last accuracy, a cheap "
        "low-fidelity estimate (last_value), or nothing (exclude) (default: last_value)",
    )
    parser.add_argument(
        "--seed", type=_int_at_least(0), default=0, help="seed of the run (default: 0)"
    )
    parser.add_argument(
        "--device",
        type=_device,
        default="auto",
        help="auto (CUDA when present, else CPU), cpu, cuda or cuda:N (default: auto)",
    )
    _storage_options(parser, study_help="default: digits-SAMPLER-PRUNER-eEPOCHS-seedSEED")
    _output_options(parser)
    parser.add_argument(
        "--quiet", action="store_true", help="no progress bar and no summary (files only)"
    )
    parser.set_defaults(command="search", handler=_search)
    return parser


def _device(text: str) -> str:
    name = text.strip().lower()
    if re.fullmatch(r"auto|cpu|mps|cuda(:\d+)?", name) is None:
        raise argparse.ArgumentTypeError(f"must be auto, cpu, cuda or cuda:N; got {text!r}")
    return name


def make_pruner(name: str, epochs: int) -> optuna.pruners.BasePruner:
    """The pruner of ``--pruner name`` for trials of ``epochs`` epochs.

    ``median``: ``MedianPruner(n_startup_trials=5, n_warmup_steps=2)`` (no pruning in the
    first two epochs, nor before five trials have finished); ``halving``:
    ``SuccessiveHalvingPruner(min_resource=2, reduction_factor=3)``; ``hyperband``:
    ``HyperbandPruner(min_resource=2, max_resource=epochs, reduction_factor=3)``; ``none``:
    ``NopPruner``.
    """
    import optuna

    if name == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=2)
    if name == "halving":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=2, reduction_factor=3)
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner(
            min_resource=min(2, epochs), max_resource=epochs, reduction_factor=3
        )
    if name == "none":
        return optuna.pruners.NopPruner()
    raise UsageError(f"--pruner must be one of {', '.join(PRUNERS)}; got {name!r}")


# -- the study -----------------------------------------------------------------------------------
def _spec(args: argparse.Namespace) -> dict[str, Any]:
    from bonas.nb201.digits import DIGITS_NETWORK

    return {
        "space": "nb201",
        "dataset": "digits",
        "mode": "train",
        "sampler": args.sampler,
        "pruner": args.pruner,
        "pruned": args.pruned,
        "epochs": args.epochs,
        "seed": args.seed,
        "network": dict(DIGITS_NETWORK),
        "bonas_version": bonas.__version__,
    }


def _check_spec(study: optuna.Study, url: str, want: dict[str, Any]) -> None:
    """Record the run's options on a new study, or check that an existing one ran the same."""
    have = study.user_attrs.get(_SPEC_ATTR)
    if have is None:
        if study.get_trials(deepcopy=False):
            raise UsageError(
                f"the study {study.study_name!r} in {url} already has trials but was not made "
                "by `bonas search digits`; pass another --study-name"
            )
        study.set_user_attr(_SPEC_ATTR, want)
        return
    if not isinstance(have, dict) or have.get("dataset") != "digits":
        raise UsageError(
            f"the study {study.study_name!r} in {url} was not made by `bonas search digits` "
            f"(it records {_SPEC_ATTR} = {have!r}); pass another --study-name"
        )
    if any(have.get(k) != want[k] for k in _SPEC_KEYS[1:]):
        made = " ".join(f"--{k} {have.get(k)}" for k in _SPEC_KEYS[1:])
        raise UsageError(
            f"the study {study.study_name!r} in {url} was made by `bonas search digits {made}`; "
            "run that command to resume it, or pass another --study-name"
        )


def _default_study_name(args: argparse.Namespace) -> str:
    return f"digits-{args.sampler}-{args.pruner}-e{args.epochs}-seed{args.seed}"


def _resume_command(args: argparse.Namespace, study_name: str) -> str:
    argv0 = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    prog = [sys.executable, "-m", "bonas"] if argv0 == "__main__.py" else ["bonas"]
    parts = [*prog, "search", "digits", "--trials", str(args.trials)]
    parts += ["--epochs", str(args.epochs), "--pruner", args.pruner, "--sampler", args.sampler]
    parts += ["--pruned", args.pruned, "--seed", str(args.seed), "--device", args.device]
    parts += ["--storage", _absolute_storage(args.storage), "--study-name", study_name]
    if args.out is not None:
        parts += ["--out", str(Path(args.out).resolve())]
    parts += ["--json"] if args.json else []
    parts += ["--quiet"] if args.quiet else []
    return shlex.join(parts)


# -- search --------------------------------------------------------------------------------------
def _objective(args: argparse.Namespace) -> TrainingObjective:
    from bonas.nb201.digits import DIGITS_NETWORK, load_digits_data
    from bonas.nb201.training import TrainingObjective
    from bonas.spaces.nb201 import NB201Space

    train, valid = load_digits_data()
    return TrainingObjective(
        NB201Space(),
        train,
        valid,
        epochs=args.epochs,
        device=args.device,
        seed=args.seed,
        **DIGITS_NETWORK,
    )


def _search(args: argparse.Namespace) -> int:
    started_at = time.perf_counter()
    study_name = args.study_name or _default_study_name(args)
    out = _out_dir(args.out, study_name)
    _prepare_out(out)
    session = _Session()
    with _routed_logs(out / "bonas.log", session):
        objective = _objective(args)  # the data and the device first: errors before any study
        study = _open_study(args.storage, study_name)
        _check_spec(study, args.storage, _spec(args))
        finished = _finished(study.get_trials(deepcopy=False))
        n_run = args.trials - finished
        if n_run <= 0 and not args.quiet:
            _err(
                f"bonas search: the study {study_name!r} already has {finished} finished trials "
                f"(--trials {args.trials}); nothing to run, reporting it\n"
            )
        if n_run > 0:
            try:
                done = _run(args, study, objective, session, finished, n_run)
            except KeyboardInterrupt:
                session.stop_requested = True
                done = -1
            if session.stop_requested and done < args.trials:
                _stop_cleanly(study, session)
                total_done = _finished(study.get_trials(deepcopy=False))
                _err(
                    f"bonas search: interrupted with {total_done} of {args.trials} trials "
                    f"finished; the study {study_name!r} is saved. Resume with:\n"
                    f"  {_resume_command(args, study_name)}\n"
                )
                return EXIT_INTERRUPTED
        elapsed = time.perf_counter() - started_at if n_run > 0 else None
        _finish(args, study, out, elapsed, str(objective.device))
    return 0


def _run(
    args: argparse.Namespace,
    study: optuna.Study,
    objective: TrainingObjective,
    session: _Session,
    finished: int,
    n_run: int,
) -> int:
    """Run up to ``n_run`` trials; returns the finished trials at the end."""
    from optuna.study import MaxTrialsCallback
    from optuna.trial import TrialState

    from bonas._cli.progress import ProgressBar
    from bonas._cli.samplers import make_sampler
    from bonas.samplers.base import SpaceSampler

    # Trained accuracies are noisy: the bonas sampler's log-EI uses the best posterior mean.
    sampler = make_sampler(args.sampler, objective.space, seed=args.seed, mode="noisy")
    if isinstance(sampler, SpaceSampler):
        sampler.pruned = args.pruned
    study.sampler = sampler
    study.pruner = make_pruner(args.pruner, args.epochs)
    best = _best_value(study.get_trials(deepcopy=False))
    show = not (args.json or args.quiet) and sys.stderr.isatty()
    bar = ProgressBar(args.trials, initial=finished, stream=sys.stderr, enabled=show)
    session.bar = bar
    done = finished

    def run_trial(trial: optuna.Trial) -> float:
        session.started.add(trial.number)
        return objective(trial)

    def callback(study: optuna.Study, trial: FrozenTrial) -> None:
        nonlocal done, best
        if trial.state in (TrialState.COMPLETE, TrialState.PRUNED):
            done += 1
        if trial.state == TrialState.COMPLETE and trial.value is not None:
            best = trial.value if best is None else max(best, trial.value)
        bar.update(done, best, None, note="stopping" if session.stop_requested else "")
        if session.stop_requested:
            study.stop()

    bar.update(finished, best, None)
    try:
        with _graceful_sigint(session):
            total = MaxTrialsCallback(args.trials, states=(TrialState.COMPLETE, TrialState.PRUNED))
            study.optimize(run_trial, n_trials=n_run, callbacks=[callback, total])
    finally:
        bar.close()
        session.bar = None
    return done


def _best_value(trials: Sequence[FrozenTrial]) -> float | None:
    from bonas.report import _best

    best = _best(trials)
    return None if best is None else best.value


# -- the summary ---------------------------------------------------------------------------------
def summarize(trials: Sequence[FrozenTrial], epochs: int) -> dict[str, Any]:
    """What a digits study's trials found and cost (plain JSON types).

    Args:
        trials: The study's trials.
        epochs: The epoch budget of an unpruned trial.

    Returns:
        ``n_trials``, ``n_complete``, ``n_pruned``, ``n_fail``, ``n_running``; ``best`` (the
        COMPLETE trial of the highest accuracy: ``number``, ``arch``, ``key``, ``accuracy``,
        ``n_params``; ``None`` while none is complete); ``epochs_trained`` (over all trials),
        ``epochs_budget`` (finished trials × ``epochs``: what training them all to the end
        would have taken), ``epochs_saved`` (the difference) and ``train_time_s`` (the trials'
        training seconds summed).
    """
    from optuna.trial import TrialState

    from bonas.report import _best
    from bonas.spaces.nb201 import NB201Space

    states = [t.state for t in trials]
    n_finished = states.count(TrialState.COMPLETE) + states.count(TrialState.PRUNED)
    trained = sum(_int_attr(t, "epochs") for t in trials)
    best_trial = _best(trials)
    best = None
    if best_trial is not None:
        space = NB201Space()
        arch = space.from_params(best_trial.params)
        best = {
            "number": best_trial.number,
            "arch": space.to_string(arch),
            "key": space.to_key(arch),
            "accuracy": best_trial.value,
            "n_params": best_trial.user_attrs.get("n_params"),
        }
    train_time = sum(
        float(t.user_attrs["train_time"])
        for t in trials
        if isinstance(t.user_attrs.get("train_time"), (int, float))
    )
    return {
        "n_trials": len(trials),
        "n_complete": states.count(TrialState.COMPLETE),
        "n_pruned": states.count(TrialState.PRUNED),
        "n_fail": states.count(TrialState.FAIL),
        "n_running": states.count(TrialState.RUNNING) + states.count(TrialState.WAITING),
        "best": best,
        "epochs_trained": trained,
        "epochs_budget": n_finished * epochs,
        "epochs_saved": max(n_finished * epochs - trained, 0),
        "train_time_s": train_time,
    }


def _int_attr(trial: FrozenTrial, name: str) -> int:
    value = trial.user_attrs.get(name)
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else 0


def _finish(
    args: argparse.Namespace,
    study: optuna.Study,
    out: Path,
    wall_time_s: float | None,
    device: str,
) -> None:
    """Summarize, write the files, and print the summary (or the JSON object)."""
    from bonas import report

    trials = study.get_trials(deepcopy=False)
    summary = summarize(trials, args.epochs)
    files: dict[str, str | None] = {"csv": str(_write_csv(trials, out / "trials.csv"))}
    try:
        files["plot"] = str(_plot_curves(trials, args, out / "learning_curves.png"))
    except report.MissingDependencyError as err:
        files["plot"] = None
        _err(f"bonas search: warning: {_one_line(err)}; no plot written\n")
    files["summary"] = str(out / "summary.json")
    result = {
        "command": "search digits",
        "study_name": study.study_name,
        "storage": args.storage,
        **{k: v for k, v in _spec(args).items() if k != "bonas_version"},
        "device": device,
        "requested_trials": args.trials,
        **summary,
        "wall_time_s": wall_time_s,
        "files": files,
    }
    (out / "summary.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if args.json:
        _out(json.dumps(result) + "\n")
    elif not args.quiet:
        written = ", ".join(Path(f).name for f in files.values() if f)
        _out(_format(result) + f"  {'files':<20}{out}/ ({written})\n")


def _format(r: dict[str, Any]) -> str:
    from bonas.report import _seconds

    net = r["network"]
    lines = [
        f"digits, NB201 cells (C={net['C']}, N={net['N']}), {r['epochs']} epochs, sampler "
        f"{r['sampler']}, pruner {r['pruner']}, seed {r['seed']}, study {r['study_name']!r}"
    ]

    def row(name: str, text: str) -> None:
        lines.append(f"  {name:<20}{text}")

    best = r["best"]
    if best is None:
        row("best cell", "none yet (no complete trial)")
    else:
        row("best cell", f"{best['arch']}  (key {best['key']}, trial {best['number']})")
        row("accuracy", f"{best['accuracy']:.2f} % (validation, {best['n_params']:,} parameters)")
    others = [
        f"{n} {name}"
        for n, name in (
            (r["n_pruned"], "pruned"),
            (r["n_fail"], "failed"),
            (r["n_running"], "running"),
        )
        if n
    ]
    row("trials", f"{r['n_complete']} complete" + (f", {', '.join(others)}" if others else ""))
    budget = r["epochs_budget"]
    saved = f" ({100.0 * r['epochs_saved'] / budget:.0f} % saved by pruning)" if budget else ""
    row("epochs trained", f"{r['epochs_trained']} of {budget}{saved}")
    row("training time", f"{_seconds(r['train_time_s'])} on {r['device']}")
    if r["wall_time_s"] is not None:
        row("wall time", _seconds(r["wall_time_s"]) + " (this run)")
    return "\n".join(lines) + "\n"


def _write_csv(trials: Sequence[FrozenTrial], path: Path) -> Path:
    from bonas.report import write_trials_csv

    return write_trials_csv(trials, path, attrs=_CSV_COLUMNS[3:-1], floats=("train_time",))


def _plot_curves(trials: Sequence[FrozenTrial], args: argparse.Namespace, path: Path) -> Path:
    """Validation accuracy against epochs, one line per trial; pruned trials end with a cross."""
    from optuna.trial import TrialState

    from bonas.report import new_figure

    fig = new_figure()  # raises MissingDependencyError without matplotlib
    from matplotlib.ticker import MaxNLocator

    ax = fig.add_subplot()
    labelled: set[str] = set()
    for t in sorted(trials, key=lambda t: t.number):
        if not t.intermediate_values:
            continue
        steps = sorted(t.intermediate_values)
        values = [t.intermediate_values[s] for s in steps]
        pruned = t.state == TrialState.PRUNED
        label = "pruned" if pruned else "complete"
        color = "tab:red" if pruned else "tab:blue"
        ax.plot(
            steps,
            values,
            color=color,
            alpha=0.5,
            linewidth=1,
            label=None if label in labelled else label,
        )
        labelled.add(label)
        if pruned and math.isfinite(values[-1]):
            ax.plot(steps[-1], values[-1], marker="x", color=color, linestyle="none")
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation accuracy (%)")
    ax.set_xlim(0.5, args.epochs + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(
        f"digits: sampler {args.sampler}, pruner {args.pruner}, seed {args.seed}",
        loc="left",
        fontsize=11,
    )
    ax.grid(True, alpha=0.3)
    if labelled:
        ax.legend(loc="lower right", fontsize=8)
    fig.savefig(path, format="png")
    return path
