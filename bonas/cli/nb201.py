"""``bonas search nb201`` (a search on the NAS-Bench-201 table) and ``bonas info nb201``.

Each trial looks its cell up in the table of ``--dataset``, so a search of a hundred trials
takes seconds; the summary compares the incumbent with the table's optimum (regret, rank), from
:mod:`bonas.nb201.report`. ``--objectives`` (several objectives) and ``--max-params`` /
``--max-latency`` / ``--max-flops`` (bounds on a cell's costs) are
:mod:`bonas.cli.nb201_multi`'s.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bonas.cli import nb201_multi
from bonas.cli.base import Command, to_stdout
from bonas.cli.benchmark import Objective, Report, SearchBenchmark, StudyRecord
from bonas.cli.nb201_multi import BOUNDS, NB201Problem, objective_names
from bonas.cli.units import compact_count, count, format_seconds, latency
from bonas.nb201 import report as nb201_report
from bonas.nb201.report import make_benchmark
from bonas.report import CSV_COLUMNS, format_row

if TYPE_CHECKING:
    from collections.abc import Sequence

    from optuna.samplers import BaseSampler
    from optuna.trial import FrozenTrial

    from bonas.spaces.base import SearchSpace

__all__ = [
    "InfoCommand",
    "NB201Search",
    "dataset",
    "format_trust",
    "mode",
    "transfer_source",
    "transfer_sources",
]
#: The trial system attribute where BONASSampler records each source's weight.
_TRANSFER_ATTR = "bonas:transfer"


def transfer_sources(args: argparse.Namespace) -> tuple[Any, ...]:
    """The sources of ``--transfer-from``: ``nb201:DATASET`` (the table), ``STUDY`` (in
    ``--storage``) or ``STUDY@URL``."""
    from bonas.cli.samplers import KNOWN_FUNCTIONS
    from bonas.cli.storage import load_study, parse_storage
    from bonas.exceptions import UsageError
    from bonas.nb201 import NB201Benchmark

    if args.sampler not in KNOWN_FUNCTIONS:
        raise UsageError(
            f"--transfer-from needs a bonas sampler ({', '.join(sorted(KNOWN_FUNCTIONS))}); "
            f"--sampler {args.sampler} cannot use a source"
        )
    sources: list[Any] = []
    for text in args.transfer_from:
        if text.startswith("nb201:"):  # the dataset was checked with the options
            sources.append(NB201Benchmark(text.removeprefix("nb201:")))
            continue
        name, at, url = text.partition("@")
        storage = parse_storage(url if at else args.storage)
        sources.append(load_study(storage, name))
    return tuple(sources)


def transfer_source(text: str) -> str:
    """An argparse ``type``: a source of ``--transfer-from``, ``nb201:DATASET`` (checked here),
    ``STUDY`` or ``STUDY@URL`` (loaded when the search starts)."""
    if text.startswith("nb201:"):
        return "nb201:" + dataset(text.removeprefix("nb201:"))
    name, _, _ = text.partition("@")
    if not name.strip():
        raise argparse.ArgumentTypeError(
            f"must be STUDY, STUDY@URL or nb201:DATASET (e.g. nb201:cifar10); got {text!r}"
        )
    return text


def transfer_trust(trials: Sequence[FrozenTrial]) -> dict[str, float | None] | None:
    """Each source's weight at the last trial that recorded them (``None`` for a source not
    yet weighed: the startup); ``None`` where no trial did."""
    for trial in reversed(trials):
        weights = trial.system_attrs.get(_TRANSFER_ATTR)
        if isinstance(weights, dict):
            return {str(k): None if v is None else float(v) for k, v in weights.items()}
    return None


def format_trust(weights: Mapping[str, float | None]) -> str:
    """``c10 weight 0.93 (trusted); swapped weight 0.00 (ignored: the values contradict it)``."""

    def text(w: float | None) -> str:
        if w is None:
            return "its best cells started the search; not weighed yet"
        if w > 0:
            return f"weight {w:.2f} (trusted)"
        return "weight 0.00 (ignored: the values contradict it)"

    return "; ".join(f"{name} {text(w)}" for name, w in weights.items())


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
        "trials.csv, incumbent.png (pareto.png with several objectives) and summary.json to "
        "--out."
    )
    epilog = (
        "example: bonas search nb201 --dataset cifar10 --trials 100  "
        "(Ctrl-C stops after the current trial; the same command resumes)"
    )
    default_trials = 100
    study_name = "nb201-{dataset}-{mode}-{sampler}-seed{seed}"
    options = ("dataset", "mode", "objectives", *BOUNDS)
    spec_keys = ("dataset", "mode", "objectives", *BOUNDS, "transfer_from", "sampler", "seed")
    spec_defaults = {"objectives": ["accuracy"], **dict.fromkeys(BOUNDS), "transfer_from": None}
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
        parser.add_argument(
            "--objectives",
            type=objective_names,
            default=["accuracy"],
            metavar="NAMES",
            help="the study's objectives, separated by commas: accuracy (maximized) and any of "
            "latency, params, flops (minimized), e.g. accuracy,latency (default: accuracy); "
            "params and flops are exact, and the bonas samplers compute them",
        )
        parser.add_argument(
            "--max-params",
            type=count,
            default=None,
            metavar="N",
            help="a bound on the cell's parameters, e.g. 0.5M, 500K or 500000 (never proposed "
            "beyond it by the bonas samplers)",
        )
        parser.add_argument(
            "--max-latency",
            type=latency,
            default=None,
            metavar="TIME",
            help="a bound on the cell's measured latency (the table's), e.g. 10ms, 0.01s or "
            "10000us (a plain number is in seconds); the trial records it with "
            "trial.set_constraint",
        )
        parser.add_argument(
            "--max-flops",
            type=count,
            default=None,
            metavar="N",
            help="a bound on the FLOPs of one forward pass on one image, e.g. 100M",
        )
        parser.add_argument(
            "--transfer-from",
            action="append",
            type=transfer_source,
            default=None,
            metavar="SOURCE",
            help="what another search learned, as prior knowledge (bonas samplers; repeat for "
            "several): STUDY (a study in --storage), STUDY@URL (in another storage) or "
            "nb201:DATASET (that dataset's whole table)",
        )

    def spec(self, args: argparse.Namespace) -> dict[str, Any]:
        return {
            "space": "nb201",
            "dataset": args.dataset,
            "mode": args.mode,
            **NB201Problem.from_args(args).spec(),
            **({"transfer_from": list(args.transfer_from)} if args.transfer_from else {}),
            "sampler": args.sampler,
            "seed": args.seed,
        }

    def default_study_name(self, args: argparse.Namespace) -> str:
        """``nb201-DATASET-MODE-SAMPLER-seedSEED``, then the objectives other than accuracy
        alone and the bounds: ``…-seed0-accuracy-latency-max-params500K-max-latency10ms``."""
        name = super().default_study_name(args)
        problem = NB201Problem.from_args(args)
        if problem.objectives != ("accuracy",):
            name += "-" + "-".join(problem.objectives)
        for key, value in problem.bounds.items():
            text = format_seconds(value) if key == "max_latency" else compact_count(value)
            name += f"-{key.replace('_', '-')}{text.replace(' ', '')}"
        for source in args.transfer_from or ():
            name += "-from-" + source.partition("@")[0]
        return name

    def study_name_help(self) -> str:
        return super().study_name_help() + "[-OBJECTIVES][-max-params N…]"

    def objective(self, args: argparse.Namespace) -> Objective:
        bench = make_benchmark(self.spec(args))
        problem = NB201Problem.from_args(args)
        if problem.plain:
            return Objective(bench.objective, bench.space)
        return nb201_multi.build_objective(bench, problem, args.sampler)

    def sampler(self, args: argparse.Namespace, space: SearchSpace[Any]) -> BaseSampler:
        from bonas.cli.samplers import make_sampler

        problem = nb201_multi.sampler_problem(
            args.dataset, NB201Problem.from_args(args), args.sampler
        )
        if args.transfer_from:
            problem = dataclasses.replace(problem, transfer_from=transfer_sources(args))
        return make_sampler(args.sampler, space, seed=args.seed, mode=args.mode, problem=problem)

    def summarize(self, record: StudyRecord, *, wall_time_s: float | None) -> Report:
        bench = make_benchmark(record.spec)
        problem = NB201Problem.from_spec(record.spec)
        if not problem.plain:
            return nb201_multi.summarize(record, bench, problem, wall_time_s=wall_time_s)
        summary = nb201_report.summarize(
            record.study, bench, trials=record.trials, wall_time_s=wall_time_s
        )
        data, text = summary.to_dict(), nb201_report.format_summary(summary)
        trust = transfer_trust(record.trials)
        if trust is not None:
            data["transfer_weights"] = trust
            text += format_row("transfer", format_trust(trust))
        return Report(data, text)

    def plot_name(self, spec: Mapping[str, Any]) -> str:
        """``pareto.png`` for a study of several objectives, else ``incumbent.png``."""
        several = NB201Problem.from_spec(spec).several
        return nb201_multi.PARETO_FILE if several else self.plot_file

    def plot(self, record: StudyRecord, path: Path) -> Path:
        spec = record.spec
        title = f"NB201 {spec['dataset']} ({spec['mode']})"
        if isinstance(spec.get("sampler"), str):
            title += f", sampler {spec['sampler']}, seed {spec.get('seed')}"
        bench = make_benchmark(spec)
        problem = NB201Problem.from_spec(spec)
        if not problem.plain:
            return nb201_multi.plot(record, bench, problem, path, title=title)
        return nb201_report.plot_incumbent(record.trials, bench, path, title=title)

    def write_trials(self, record: StudyRecord, path: Path) -> Path:
        """``trials.csv``; with several objectives a column per objective instead of
        ``value``, and a ``constraint:NAME`` column per constraint the trials recorded."""
        from bonas.report import write_trials_csv

        problem = NB201Problem.from_spec(record.spec)
        keys = sorted({k for t in record.trials for k in t.constraints})
        return write_trials_csv(
            record.trials,
            path,
            attrs=self.csv_attrs,
            floats=self.csv_floats,
            objectives=list(problem.objectives) if problem.several else None,
            constraints=keys,
        )


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
