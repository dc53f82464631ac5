"""``bonas explain``: which operations and paths make a cell good, for a study of
``bonas search``.

The effects are :func:`bonas.explain.explain`'s: the surrogate of ``BONASSampler`` fitted on
the study's trials, each operation on each edge and each path averaged over the space under
the model, with credible intervals, and Optuna's parameter importances beside them.
"""

from __future__ import annotations

import argparse
import json

from bonas.cli.base import Command, int_at_least, to_stdout
from bonas.cli.insight import explain_study, pick_objectives, plot_name
from bonas.cli.output import out_dir, output_folder
from bonas.cli.storage import load_study, parse_storage, storage_options
from bonas.exceptions import UsageError
from bonas.report import benchmark_spec

__all__ = ["ExplainCommand"]

# bonas.explain.IMPORTANCE_EVALUATORS, written out so that `bonas --help` imports no numpy.
_IMPORTANCES = ("auto", "fanova", "ped_anova", "none")


class ExplainCommand(Command):
    """``bonas explain``: the effect of each operation on each edge and of each path on a
    study's objective, with credible intervals, as a text table (or ``--json``) and a figure."""

    name = "explain"
    help = "explain which operations and paths make a cell good"
    description = (
        "Fit BONASSampler's surrogate on the study's finished trials and give the effect of "
        "each operation on each edge and of each path on the objective (averaged over the "
        "space under the model, with credible intervals), the motifs that most raise and "
        "lower it, and Optuna's parameter importances beside them. Writes explain.png."
    )
    epilog = "example: bonas explain --study-name nb201-cifar10-mean-bonas-seed0 --json"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        storage_options(parser, study_help="default: the storage's only study")
        parser.add_argument(
            "--objective",
            default=None,
            help="the objective to explain, by name (accuracy, latency, …) or index "
            "(default: every objective of the study)",
        )
        parser.add_argument(
            "--level",
            type=float,
            default=0.9,
            help="credible level of the intervals (default: 0.9)",
        )
        parser.add_argument(
            "--cells",
            type=int_at_least(10),
            default=20_000,
            help="cells the effects average over: the whole space where it has at most this "
            "many, else this many drawn at random (default: 20000)",
        )
        parser.add_argument(
            "--importance",
            choices=_IMPORTANCES,
            default="auto",
            help="Optuna's parameter importances shown beside: fanova, ped_anova, auto "
            "(fanova where scikit-learn is installed) or none (default: auto)",
        )
        parser.add_argument(
            "--seed", type=int_at_least(0), default=0, help="seed of the cells drawn"
        )
        parser.add_argument(
            "--out", default=None, help="folder of the figure (default: bonas-out/STUDY-NAME)"
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help="print one JSON object (each objective's effects and intervals) instead",
        )

    def take_action(self, args: argparse.Namespace) -> int:
        import optuna

        from bonas.explain import format_explanation, plot_effects

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        if not 0.0 < args.level < 1.0:
            raise UsageError(f"--level must be in (0, 1), e.g. 0.9; got {args.level}")
        study = load_study(parse_storage(args.storage), args.study_name)
        spec = benchmark_spec(study)
        objectives = pick_objectives(study, spec, args.objective)
        explanations = explain_study(
            study,
            spec,
            objectives,
            n_cells=args.cells,
            level=args.level,
            importance=args.importance,
            seed=args.seed,
        )
        out = out_dir(args.out, study.study_name)
        several = len(study.directions) > 1
        plots: list[str] = []
        with output_folder(out):
            for ex in explanations:
                path = out / plot_name(ex, several)
                plot_effects(ex, path)
                plots.append(str(path))
        if args.json:
            data = {
                "study_name": study.study_name,
                "objectives": [ex.to_dict() for ex in explanations],
                "files": {"plots": plots},
            }
            to_stdout(json.dumps(data) + "\n")
            return 0
        texts = [format_explanation(ex) for ex in explanations]
        to_stdout(f"study {study.study_name!r}\n\n" + "\n".join(texts))
        to_stdout(f"\nfigure(s): {', '.join(plots)}\n")
        return 0
