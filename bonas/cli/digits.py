"""``bonas search digits``: a NAS search that really trains, on scikit-learn's digits.

Each trial builds the NB201 network of its cell (sized for 8×8 grey images:
:data:`bonas.nb201.DIGITS_NETWORK`), trains it for ``--epochs`` epochs on the digits and
reports the validation accuracy after every epoch, so an Optuna pruner (``--pruner``) can stop
a hopeless training. The study lives in an Optuna storage like ``bonas search nb201``'s, and
the same command resumes it (:mod:`bonas.cli.search` runs both).
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bonas._validation import check_choice
from bonas.cli.base import int_at_least
from bonas.cli.benchmark import Objective, Report, SearchBenchmark, StudyRecord
from bonas.report import (
    best_trial,
    finished_count,
    format_counts,
    format_duration,
    format_row,
    new_figure,
    state_counts,
    total_train_time,
)

if TYPE_CHECKING:
    import optuna
    from optuna.pruners import BasePruner
    from optuna.samplers import BaseSampler
    from optuna.trial import FrozenTrial

    from bonas.spaces.base import SearchSpace

__all__ = ["PRUNERS", "DigitsSearch", "make_pruner", "summarize"]

#: The ``--pruner`` names.
PRUNERS = ("median", "halving", "hyperband", "none")


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

    Raises:
        ConfigurationError: if ``name`` is not one of :data:`PRUNERS`.
    """
    import optuna

    check_choice(name, "name", "make_pruner", PRUNERS)
    if name == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=2)
    if name == "halving":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=2, reduction_factor=3)
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner(
            min_resource=min(2, epochs), max_resource=epochs, reduction_factor=3
        )
    return optuna.pruners.NopPruner()


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
    from bonas.spaces.nb201 import NB201Space

    n_finished = finished_count(trials)
    trained = sum(_int_attr(t, "epochs") for t in trials)
    found = best_trial(trials)
    best = None
    if found is not None:
        space = NB201Space()
        arch = space.from_params(found.params)
        best = {
            "number": found.number,
            "arch": space.to_string(arch),
            "key": space.to_key(arch),
            "accuracy": found.value,
            "n_params": found.user_attrs.get("n_params"),
        }
    return {
        **state_counts(trials),
        "best": best,
        "epochs_trained": trained,
        "epochs_budget": n_finished * epochs,
        "epochs_saved": max(n_finished * epochs - trained, 0),
        "train_time_s": total_train_time(trials),
    }


def _int_attr(trial: FrozenTrial, name: str) -> int:
    value = trial.user_attrs.get(name)
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else 0


class DigitsSearch(SearchBenchmark):
    """``bonas search digits``: NB201 cells trained for real on the digits, with a pruner."""

    name = "digits"
    help = "search NB201 cells by training them on scikit-learn's 8x8 digits"
    description = (
        "Search NB201 cells by training each one for real on scikit-learn's 8x8 digits "
        "(shipped with scikit-learn: nothing is downloaded), with an Optuna pruner stopping "
        "hopeless trainings. The study is kept in a storage, so the same command resumes "
        "it up to --trials finished trials. Writes trials.csv, learning_curves.png and "
        "summary.json to --out. Needs scikit-learn: pip install 'bonas[digits]'."
    )
    epilog = (
        "example: bonas search digits --trials 30 --epochs 10 --pruner median  "
        "(measured timings, with and without pruning: benchmarks/results/digits_search.md)"
    )
    default_trials = 30
    study_name = "digits-{sampler}-{pruner}-e{epochs}-seed{seed}"
    options = ("epochs", "pruner", "pruned", "device")
    spec_keys = ("epochs", "pruner", "pruned", "sampler", "seed")
    csv_attrs = ("arch", "epochs", "n_params", "train_time", "device")
    csv_floats = ("train_time",)
    plot_file = "learning_curves.png"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--epochs",
            type=int_at_least(1),
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
            "--pruned",
            choices=("last_value", "exclude"),
            default="last_value",
            help="what a pruned trial tells the bonas samplers: its last accuracy, a cheap "
            "low-fidelity estimate (last_value), or nothing (exclude) (default: last_value)",
        )
        parser.add_argument(
            "--device",
            type=_device,
            default="auto",
            help="auto (CUDA when present, else CPU), cpu, cuda or cuda:N (default: auto)",
        )

    def spec(self, args: argparse.Namespace) -> dict[str, Any]:
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
        }

    def objective(self, args: argparse.Namespace) -> Objective:
        from bonas.nb201.digits import DIGITS_NETWORK, load_digits_data
        from bonas.nb201.training import TrainingObjective
        from bonas.spaces.nb201 import NB201Space

        train, valid = load_digits_data()
        objective = TrainingObjective(
            NB201Space(),
            train,
            valid,
            epochs=args.epochs,
            device=args.device,
            seed=args.seed,
            **DIGITS_NETWORK,
        )
        return Objective(objective, objective.space)

    def sampler(self, args: argparse.Namespace, space: SearchSpace[Any]) -> BaseSampler:
        from bonas.cli.samplers import make_sampler
        from bonas.samplers import SpaceSampler

        # Trained accuracies are noisy: the bonas sampler's log-EI uses the best posterior mean.
        sampler = make_sampler(args.sampler, space, seed=args.seed, mode="noisy")
        if isinstance(sampler, SpaceSampler):
            sampler.pruned = args.pruned
        return sampler

    def pruner(self, args: argparse.Namespace) -> BasePruner:
        return make_pruner(args.pruner, args.epochs)

    def summarize(self, record: StudyRecord, *, wall_time_s: float | None) -> Report:
        trials = record.trials
        devices = sorted({str(t.user_attrs["device"]) for t in trials if "device" in t.user_attrs})
        data = {
            "study_name": record.study.study_name,
            **{k: v for k, v in record.spec.items() if k not in ("command", "bonas_version")},
            "device": ", ".join(devices) or None,
            **summarize(trials, int(record.spec["epochs"])),
            "wall_time_s": wall_time_s,
        }
        return Report(data, _format(data))

    def plot(self, record: StudyRecord, path: Path) -> Path:
        """Validation accuracy against epochs, one line per trial; pruned trials end with a
        cross."""
        from optuna.trial import TrialState

        spec = record.spec
        fig = new_figure()  # raises MissingDependencyError without matplotlib
        from matplotlib.ticker import MaxNLocator

        ax = fig.add_subplot()
        labelled: set[str] = set()
        for t in sorted(record.trials, key=lambda t: t.number):
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
        ax.set_xlim(0.5, int(spec["epochs"]) + 0.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(
            f"digits: sampler {spec['sampler']}, pruner {spec['pruner']}, seed {spec['seed']}",
            loc="left",
            fontsize=11,
        )
        ax.grid(True, alpha=0.3)
        if labelled:
            ax.legend(loc="lower right", fontsize=8)
        fig.savefig(path, format="png")
        return path


def _format(r: Mapping[str, Any]) -> str:
    net = r["network"]
    title = (
        f"digits, NB201 cells (C={net['C']}, N={net['N']}), {r['epochs']} epochs, sampler "
        f"{r['sampler']}, pruner {r['pruner']}, seed {r['seed']}, study {r['study_name']!r}\n"
    )
    best = r["best"]
    if best is None:
        rows = [("best cell", "none yet (no complete trial)")]
    else:
        n_params = best["n_params"]
        rows = [
            ("best cell", f"{best['arch']}  (key {best['key']}, trial {best['number']})"),
            ("accuracy", f"{best['accuracy']:.2f} % (validation, {n_params:,} parameters)"),
        ]
    budget = r["epochs_budget"]
    saved = f" ({100.0 * r['epochs_saved'] / budget:.0f} % saved by pruning)" if budget else ""
    device = r["device"] or "no device yet"
    rows += [
        ("trials", format_counts(r)),
        ("epochs trained", f"{r['epochs_trained']} of {budget}{saved}"),
        ("training time", f"{format_duration(r['train_time_s'])} on {device}"),
    ]
    if r["wall_time_s"] is not None:
        rows.append(("wall time", format_duration(r["wall_time_s"]) + " (this run)"))
    return title + "".join(format_row(name, text) for name, text in rows)
