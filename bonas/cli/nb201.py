"""``bonas search nb201`` (a search on the NAS-Bench-201 table) and ``bonas info nb201``.

Each trial looks its cell up in the table of ``--dataset``, so a search of a hundred trials
takes seconds; the summary compares the incumbent with the table's optimum (regret, rank), from
:mod:`bonas.nb201.report`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bonas.cli.base import Command, to_stdout
from bonas.cli.benchmark import Objective, Report, SearchBenchmark, StudyRecord
from bonas.nb201 import report as nb201_report
from bonas.nb201.report import make_benchmark
from bonas.report import CSV_COLUMNS

if TYPE_CHECKING:
    from optuna.samplers import BaseSampler

    from bonas.spaces.base import SearchSpace

__all__ = ["InfoCommand", "NB201Search", "dataset", "mode"]

_SPACES = ("nb201",)


def dataset(text: str) -> str:
    """An argparse ``type``: an NB201 dataset name (or an alias such as ``imagenet``)."""
    from bonas.nb201.table import DATASET_ALIASES, NB201_DATASETS

    name = text.strip().lower()
    name = DATASET_ALIASES.get(name, name)
    if name not in NB201_DATASETS:
        aliases = ", ".join(DATASET_ALIASES)
        raise argparse.ArgumentTypeError(
            f"must be one of {', '.join(NB201_DATASETS)} (or {aliases}); got {text!r}"
        )
    return name


def mode(text: str) -> str:
    """An argparse ``type``: a tabular benchmark's mode (:data:`bonas.tabular.MODES`)."""
    from bonas.tabular import MODES

    if text not in MODES:
        raise argparse.ArgumentTypeError(f"must be one of {', '.join(MODES)}; got {text!r}")
    return text


class NB201Search(SearchBenchmark):
    """``bonas search nb201``: the NB201 table of one dataset, in mean or noisy mode."""

    name = "nb201"
    help = "search the NAS-Bench-201 table"
    description = (
        "Search the NAS-Bench-201 table with a sampler, in an Optuna study kept in a storage "
        "so that the same command resumes it up to --trials finished trials. Writes "
        "trials.csv, incumbent.png and summary.json to --out."
    )
    epilog = (
        "example: bonas search nb201 --dataset cifar10 --trials 100  "
        "(Ctrl-C stops after the current trial; the same command resumes)"
    )
    default_trials = 100
    study_name = "nb201-{dataset}-{mode}-{sampler}-seed{seed}"
    options = ("dataset", "mode")
    spec_keys = ("dataset", "mode", "sampler", "seed")
    csv_attrs = CSV_COLUMNS[3:-1]
    csv_floats = ("regret", "train_time")
    plot_file = "incumbent.png"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--dataset",
            type=dataset,
            required=True,
            help="cifar10 (NB201's cifar10-valid), cifar100 or imagenet16-120",
        )
        parser.add_argument(
            "--mode",
            type=mode,
            default="mean",
            help="mean: a trial returns the cell's mean accuracy; noisy: one training seed's "
            "(default: mean)",
        )

    def spec(self, args: argparse.Namespace) -> dict[str, Any]:
        return {
            "space": "nb201",
            "dataset": args.dataset,
            "mode": args.mode,
            "sampler": args.sampler,
            "seed": args.seed,
        }

    def objective(self, args: argparse.Namespace) -> Objective:
        bench = make_benchmark(self.spec(args))
        return Objective(bench.objective, bench.space)

    def sampler(self, args: argparse.Namespace, space: SearchSpace[Any]) -> BaseSampler:
        from bonas.cli.samplers import make_sampler

        return make_sampler(args.sampler, space, seed=args.seed, mode=args.mode)

    def summarize(self, record: StudyRecord, *, wall_time_s: float | None) -> Report:
        bench = make_benchmark(record.spec)
        summary = nb201_report.summarize(
            record.study, bench, trials=record.trials, wall_time_s=wall_time_s
        )
        return Report(summary.to_dict(), nb201_report.format_summary(summary))

    def plot(self, record: StudyRecord, path: Path) -> Path:
        spec = record.spec
        title = f"NB201 {spec['dataset']} ({spec['mode']})"
        if isinstance(spec.get("sampler"), str):
            title += f", sampler {spec['sampler']}, seed {spec.get('seed')}"
        return nb201_report.plot_incumbent(record.trials, make_benchmark(spec), path, title=title)


class InfoCommand(Command):
    """``bonas info nb201``: NB201's size and the optimum of each dataset's table."""

    name = "info"
    help = "describe a search space and its benchmark tables"
    description = "The size of a search space and the optimum of each dataset's table."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("space", choices=_SPACES, help="the search space (nb201)")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def take_action(self, args: argparse.Namespace) -> int:
        info = nb201_report.nb201_info()
        if args.json:
            to_stdout(json.dumps(info) + "\n")
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
        to_stdout("\n".join(lines) + "\n")
        return 0
