"""The ``bonas`` command line.

``bonas search nb201 --dataset cifar10 --trials 100`` runs a search on the NB201 table, and
``bonas search digits`` one that trains the networks on scikit-learn's digits, each in an Optuna
study kept in a storage (an SQLite file in the working directory by default), so the same
command resumes it; ``bonas report`` summarizes an existing study and ``bonas info nb201``
describes the space. ``python -m bonas`` is the same program.

Its public names are :func:`main` and :func:`build_parser`; the modules below are its parts:
:mod:`~bonas.cli.base` (a command, the parser), :mod:`~bonas.cli.search` (the one search
driver), :mod:`~bonas.cli.benchmark` (what a ``bonas search NAME`` command implements),
:mod:`~bonas.cli.nb201` and :mod:`~bonas.cli.digits` (the two of them; ``--objectives`` and the
bounds ``--max-params`` / ``--max-latency`` / ``--max-flops`` of ``nb201`` are
:mod:`~bonas.cli.nb201_multi`'s, their units :mod:`~bonas.cli.units`'s),
:mod:`~bonas.cli.report` (``--html``: :mod:`~bonas.cli.html`), :mod:`~bonas.cli.evaluate`
(``bonas evaluate-surrogates``), :mod:`~bonas.cli.explain` (``bonas explain``; the best cells
and explanations of a study are :mod:`~bonas.cli.insight`'s), and the storage, workers,
session, progress bar and output they share.
Optuna, torch and the tables are imported inside the commands, so ``bonas --help`` is instant.
"""

from __future__ import annotations

from bonas._lazy import moved_names
from bonas.cli.app import build_parser, main

__all__ = ["build_parser", "main"]

# Names bonas.cli held before it became a package; they still work, and warn.
_MOVED = {
    "UsageError": "bonas.exceptions",
    "EXIT_USAGE": "bonas.cli.base",
    "EXIT_INTERRUPTED": "bonas.cli.base",
    "DEFAULT_OUT": "bonas.cli.output",
}


__getattr__ = moved_names(__name__, _MOVED)
