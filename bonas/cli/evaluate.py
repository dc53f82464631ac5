"""``bonas evaluate-surrogates``: how well surrogates × encodings (and zero-cost proxies)
predict an NB201 table, against training-set size.

The command is :func:`bonas.evaluation.evaluate_surrogates` on
:class:`~bonas.nb201.table.NB201Benchmark` (resolved here, in the command layer, so that
:mod:`bonas.evaluation` never imports :mod:`bonas.nb201`); it writes ``summary.md``,
``summary.csv`` (means over repeats), ``runs.csv`` (one row per run), ``kendall_tau.png``,
``reliability.png`` and ``summary.json`` to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from bonas.cli.base import Command, int_at_least, to_stderr, to_stdout
from bonas.cli.nb201 import dataset, mode
from bonas.cli.output import DEFAULT_OUT
from bonas.exceptions import MissingDependencyError, first_line

__all__ = ["EvaluateSurrogatesCommand", "name_list", "size_list"]


def name_list(text: str) -> list[str]:
    """An argparse ``type``: names separated by commas (``gp,ensemble,my_pkg:MyModel``)."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"must be names separated by commas; got {text!r}")
    return names


def size_list(text: str) -> list[int]:
    """An argparse ``type``: integers >= 1 separated by commas (``10,20,50``)."""
    sizes = []
    for part in text.split(","):
        try:
            size = int(part)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be integers >= 1 separated by commas; got {text!r}"
            ) from None
        if size < 1:
            raise argparse.ArgumentTypeError(f"must be integers >= 1; got {size} in {text!r}")
        sizes.append(size)
    return sizes


def _optional_names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class EvaluateSurrogatesCommand(Command):
    """``bonas evaluate-surrogates``: rank correlation, top-k precision and calibration of
    surrogates × encodings on an NB201 table, per training-set size."""

    name = "evaluate-surrogates"
    help = "rank correlation and calibration of surrogates on an NB201 table"
    description = (
        "Train each surrogate on each encoding of --train-sizes random NB201 classes, "
        "--repeats times, predict every other class and score the predictions: Kendall tau, "
        "Spearman, precision of the predicted top 1 %% and 5 %%, MAE, Gaussian NLL, coverage "
        "of the central 50 %% and 90 %% intervals, fit and predict times. Zero-cost proxies "
        "(--proxies) are scored beside them on rank metrics. Writes summary.md, summary.csv, "
        "runs.csv, kendall_tau.png, reliability.png and summary.json to --out. A "
        "'module:Class' entry is imported (the working directory is searched last)."
    )
    epilog = (
        "example: bonas evaluate-surrogates --dataset cifar10 --surrogates gp,ensemble "
        "--encodings path,adjacency,wl --train-sizes 10,20,50,100 --repeats 10 --proxies synflow"
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--dataset",
            type=dataset,
            default="cifar10",
            help="the NB201 table: cifar10, cifar100 or imagenet16-120 (default: cifar10)",
        )
        parser.add_argument(
            "--mode",
            type=mode,
            default="mean",
            help="train on mean accuracies, or on one training seed's (noisy) (default: mean)",
        )
        parser.add_argument(
            "--surrogates",
            type=name_list,
            default=["gp", "ensemble"],
            help="registered names or module:Class, separated by commas (default: gp,ensemble)",
        )
        parser.add_argument(
            "--encodings",
            type=name_list,
            default=["path_adjacency"],
            help="registered names or module:Class, separated by commas (default: path_adjacency)",
        )
        parser.add_argument(
            "--train-sizes",
            type=size_list,
            default=[10, 20, 50, 100],
            help="training-set sizes in classes, separated by commas (default: 10,20,50,100)",
        )
        parser.add_argument(
            "--repeats",
            type=int_at_least(1),
            default=10,
            help="runs per surrogate, encoding and size (default: 10)",
        )
        parser.add_argument(
            "--proxies",
            type=_optional_names,
            default=[],
            help="zero-cost proxies scored beside them, e.g. synflow (default: none)",
        )
        parser.add_argument(
            "--target-transform",
            choices=("none", "copula"),
            default="none",
            help="fit on the accuracies, or on their normal scores (default: none)",
        )
        parser.add_argument(
            "--seed", type=int_at_least(0), default=0, help="seed of the runs (default: 0)"
        )
        parser.add_argument(
            "--out",
            default=None,
            help=f"folder of the files written (default: {DEFAULT_OUT}/"
            "evaluate-surrogates-DATASET-MODE)",
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help="print one JSON object to stdout instead of the table (files are still written)",
        )
        parser.add_argument(
            "--quiet", action="store_true", help="no progress bar and no table (files only)"
        )

    def take_action(self, args: argparse.Namespace) -> int:
        from bonas.cli.output import output_folder
        from bonas.cli.progress import ProgressBar
        from bonas.evaluation import evaluate_surrogates, plot_kendall_tau, plot_reliability
        from bonas.evaluation.results import to_markdown, write_csv
        from bonas.nb201.table import NB201Benchmark

        if os.getcwd() not in sys.path:  # "module:Class" of a file in the working directory
            sys.path.append(os.getcwd())
        out = Path(
            args.out or Path(DEFAULT_OUT) / f"evaluate-surrogates-{args.dataset}-{args.mode}"
        )
        started = time.perf_counter()
        with output_folder(out):
            bench = NB201Benchmark(args.dataset)
            show = not (args.json or args.quiet) and sys.stderr.isatty()
            bar = ProgressBar(1, stream=sys.stderr, enabled=show, unit="runs")

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done)

            try:
                result = evaluate_surrogates(
                    bench,
                    surrogates=args.surrogates,
                    encodings=args.encodings,
                    train_sizes=args.train_sizes,
                    repeats=args.repeats,
                    mode=args.mode,
                    proxies=args.proxies,
                    target_transform=args.target_transform,
                    seed=args.seed,
                    progress=progress,
                )
            finally:
                bar.close()
            rows = result.summary()
            table = to_markdown(rows)
            (out / "summary.md").write_text(table, encoding="utf-8")
            files: dict[str, str | None] = {
                "markdown": str(out / "summary.md"),
                "csv": str(write_csv(rows, out / "summary.csv")),
                "runs": str(write_csv(list(result.records), out / "runs.csv")),
            }
            for key, plot in (
                ("kendall_tau", plot_kendall_tau),
                ("reliability", plot_reliability),
            ):
                try:
                    files[key] = str(plot(rows, out / f"{key}.png"))
                except MissingDependencyError as err:
                    files[key] = None
                    to_stderr(f"bonas {self.name}: warning: {first_line(err)}; no plot written\n")
            files["summary"] = str(out / "summary.json")
            data: dict[str, Any] = {
                "command": self.name,
                "dataset": args.dataset,
                "mode": args.mode,
                "surrogates": args.surrogates,
                "encodings": args.encodings,
                "train_sizes": args.train_sizes,
                "repeats": args.repeats,
                "proxies": args.proxies,
                "target_transform": args.target_transform,
                "seed": args.seed,
                "wall_time_s": round(time.perf_counter() - started, 3),
                "summary": rows,
                "runs": list(result.records),
                "files": files,
            }
            (out / "summary.json").write_text(json.dumps(data, indent=2) + "\n", "utf-8")
        if args.json:
            to_stdout(json.dumps(data) + "\n")
        elif not args.quiet:
            written = ", ".join(Path(f).name for f in files.values() if f)
            to_stdout(table + f"\nfiles: {out}/ ({written})\n")
        return 0
