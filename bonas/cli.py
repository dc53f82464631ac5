"""The ``bonas`` command line."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import bonas

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bonas",
        description="Neural architecture search by Bayesian optimization, on Optuna.",
    )
    parser.add_argument("--version", action="version", version=f"bonas {bonas.__version__}")
    parser.add_subparsers(dest="command", metavar="COMMAND")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    return 0
