"""The ``bonas`` program: its parser (:func:`build_parser`) and :func:`main`.

Exit status: 0 on success, 2 for a usage or configuration error (one line on stderr saying what
to change), 130 when interrupted with Ctrl-C (the study stays consistent and a line says how to
resume it).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence

import bonas
from bonas.cli.base import EXIT_INTERRUPTED, EXIT_USAGE, Command, Parser, to_stderr
from bonas.cli.evaluate import EvaluateSurrogatesCommand
from bonas.cli.explain import ExplainCommand
from bonas.cli.nb201 import InfoCommand
from bonas.cli.report import ReportCommand
from bonas.cli.search import SearchCommand
from bonas.exceptions import BonasError, first_line

__all__ = ["COMMANDS", "build_parser", "main"]

#: The ``bonas`` commands.
COMMANDS: tuple[Command, ...] = (
    SearchCommand(),
    ReportCommand(),
    InfoCommand(),
    EvaluateSurrogatesCommand(),
    ExplainCommand(),
)


def build_parser() -> argparse.ArgumentParser:
    """The ``bonas`` argument parser: one subparser per command of :data:`COMMANDS`."""
    parser = Parser(
        prog="bonas",
        description="Neural architecture search by Bayesian optimization, on Optuna.",
        epilog="bonas search digits --help: a search that trains the networks, on 8x8 digits",
    )
    parser.add_argument("--version", action="version", version=f"bonas {bonas.__version__}")
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        sub = command.add_parser(subcommands)
        command.add_arguments(sub)
        sub.set_defaults(handler=command.take_action)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``bonas`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    if args.command is None:
        parser.print_help()
        return 0
    try:
        status: int = args.handler(args)
        return status
    except BonasError as err:  # UsageError and ConfigurationError among them
        to_stderr(f"bonas {args.command}: error: {first_line(err)}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        to_stderr(f"\nbonas {args.command}: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `bonas info | head`: the reader has gone, nothing to report
        with contextlib.suppress(OSError):  # and no error from the interpreter's final flush
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
