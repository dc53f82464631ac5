"""The bonas error tree.

Every error that bonas raises on purpose is a :class:`BonasError`. Each subclass also inherits
the builtin exception a caller would naturally catch, so ``except ValueError`` keeps working.
"""

from __future__ import annotations

__all__ = [
    "BonasError",
    "BenchmarkDataError",
    "ConfigurationError",
    "InvalidArchitectureError",
    "InvalidGraphError",
    "MissingDependencyError",
    "NotFittedError",
    "SpaceTooLargeError",
    "StorageError",
    "SurrogateFitError",
    "UsageError",
]


class BonasError(Exception):
    """Base class of every error raised by bonas."""


class InvalidArchitectureError(BonasError, ValueError):
    """An architecture (a cell string, an op name, Optuna parameters) is not in the space."""


class InvalidGraphError(BonasError, ValueError):
    """A graph is not a valid cell: a cycle, no input→output path, a missing op label, …"""


class ConfigurationError(BonasError, ValueError):
    """A constructor or function argument is invalid (unknown name, bad value, wrong width)."""


class SpaceTooLargeError(BonasError, TypeError):
    """The space cannot be listed: ``enumerate()`` was called on a space that is too large."""


class NotFittedError(BonasError, RuntimeError):
    """A stateful object (fitted encoder, surrogate) was used before ``fit``."""


class BenchmarkDataError(BonasError, RuntimeError):
    """A benchmark table is missing or broken; the message says how to install it."""


class SurrogateFitError(BonasError, RuntimeError):
    """A surrogate cannot be fitted to the data it was given: e.g. a GP whose covariance stays
    not positive definite even with jitter (many duplicate points with different values)."""


class StorageError(BonasError, RuntimeError):
    """A study's storage cannot be opened or used: a bad URL, a database that cannot be reached
    or is locked, a missing driver. The message never holds the URL's password."""


class MissingDependencyError(BonasError, ImportError):
    """An optional dependency is not installed (matplotlib for plots, scikit-learn for the
    digits data); the message names the ``pip install`` that brings it."""


class UsageError(BonasError, ValueError):
    """A command-line mistake the user fixes by changing the command; the message says what
    to change (``bonas`` prints it on one line and exits with status 2)."""
