"""``bonas report``: summarize a study that ``bonas search`` made, whichever its benchmark and
sampler, and write its files again.

The study's spec (:data:`~bonas.report.BENCHMARK_ATTR`) names the ``bonas search`` command that
made it (:func:`~bonas.cli.search.find_search`), and that command summarizes and plots it.
"""

from __future__ import annotations

import argparse

from bonas.cli.base import Command
from bonas.cli.output import out_dir, output_options, prepare_out, write_outputs
from bonas.cli.search import SEARCHES, find_search
from bonas.cli.storage import load_study, parse_storage, storage_options
from bonas.exceptions import ConfigurationError
from bonas.report import BENCHMARK_ATTR, benchmark_spec

__all__ = ["ReportCommand"]


class ReportCommand(Command):
    """``bonas report``: the summary, ``trials.csv``, the figure, the best cells and
    ``summary.json`` of a study, from the ``bonas search`` command that made it; with
    ``--html``, also one self-contained page (``report.html``)."""

    name = "report"
    help = "summarize an existing study"
    description = (
        "Summarize a study made by `bonas search` (whichever benchmark and sampler made it) "
        "and write its trials.csv, figure and summary.json."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        storage_options(parser, study_help="default: the storage's only study")
        output_options(parser)
        parser.add_argument(
            "--html",
            action="store_true",
            help="also write report.html: one self-contained page with the figure, the best "
            "cells drawn and the explanation (bonas explain) of each objective",
        )

    def take_action(self, args: argparse.Namespace) -> int:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        storage = parse_storage(args.storage)
        study = load_study(storage, args.study_name)
        spec = benchmark_spec(study)
        benchmark = find_search(spec)
        if benchmark is None:
            raise ConfigurationError(
                f"The {BENCHMARK_ATTR!r} user attribute of the study {study.study_name!r} must "
                f"name the `bonas search` command that made it ('command': one of "
                f"{sorted(SEARCHES)}). Got {spec!r} instead."
            )
        out = out_dir(args.out, study.study_name)
        prepare_out(out)
        write_outputs(
            benchmark,
            study,
            spec,
            out,
            command="report",
            storage=storage.masked,
            requested_trials=None,
            wall_time_s=None,
            as_json=args.json,
            html=args.html,
        )
        return 0
