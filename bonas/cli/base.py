"""What every ``bonas`` command is made of: :class:`Command` (one subclass per command, as in
Optuna's ``optuna/cli.py``), the parser whose errors are one line, the exit statuses, and the
two streams the command writes to (the library itself never prints)."""

from __future__ import annotations

import abc
import argparse
import sys
from collections.abc import Callable
from typing import Any, ClassVar, NoReturn

__all__ = [
    "EXIT_INTERRUPTED",
    "EXIT_USAGE",
    "Command",
    "Parser",
    "Subcommand",
    "int_at_least",
    "to_stderr",
    "to_stdout",
]

#: Exit status of a usage or configuration error.
EXIT_USAGE = 2
#: Exit status after Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130


def to_stdout(text: str) -> None:
    """Write ``text`` to stdout at once (results: the summary, a JSON object)."""
    sys.stdout.write(text)
    sys.stdout.flush()


def to_stderr(text: str) -> None:
    """Write ``text`` to stderr at once (messages: errors, warnings, how to resume)."""
    sys.stderr.write(text)
    sys.stderr.flush()


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line: what is wrong and where to read more."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def int_at_least(low: int) -> Callable[[str], int]:
    """An argparse ``type``: an integer ``>= low``, else a one-line error saying so."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer; got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be an integer >= {low}; got {value}")
        return value

    parse.__name__ = f"integer >= {low}"
    return parse


class Subcommand:
    """What ``--help`` says of a command (``bonas NAME``) or a search (``bonas search NAME``)."""

    #: The word on the command line.
    name: ClassVar[str]
    #: One line in the parent's ``--help``.
    help: ClassVar[str]
    #: The paragraph at the top of its own ``--help``.
    description: ClassVar[str]
    #: The line at the bottom of its own ``--help`` (an example).
    epilog: ClassVar[str | None] = None

    def add_parser(self, subparsers: Any) -> argparse.ArgumentParser:
        """Its parser, added to ``subparsers`` (what ``add_subparsers()`` returned)."""
        parser: argparse.ArgumentParser = subparsers.add_parser(
            self.name, help=self.help, description=self.description, epilog=self.epilog
        )
        return parser


class Command(Subcommand, abc.ABC):
    """One ``bonas`` command: its arguments and what it does.

    ``bonas`` makes one subparser per command, calls :meth:`add_arguments` on it, and runs
    :meth:`take_action` with the parsed arguments. Optuna, torch and the tables are imported
    inside :meth:`take_action`, so ``bonas --help`` stays instant.
    """

    @abc.abstractmethod
    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Add the command's arguments to its subparser."""

    @abc.abstractmethod
    def take_action(self, args: argparse.Namespace) -> int:
        """Run the command; returns the exit status. A :class:`~bonas.exceptions.BonasError`
        (a :class:`~bonas.exceptions.UsageError` among them) becomes one line on stderr and the
        status :data:`EXIT_USAGE`."""
