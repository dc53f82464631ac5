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
    "SamplerError",
    "SpaceTooLargeError",
    "StorageError",
    "SurrogateFitError",
    "UsageError",
    "first_line",
]


def first_line(err: BaseException | str) -> str:
    """The first line of an error's message, its white space folded (the class name if it has
    no message): what a one-line reason or an error printed on one line shows. SQLAlchemy, for
    one, appends a "Background on this error" paragraph that this leaves out.

    Example:
        >>> first_line(ValueError("bad value\\n(Background on this error at: ...)"))
        'bad value'
        >>> first_line(KeyError())
        'KeyError'
    """
    text = str(err).strip() or type(err).__name__
    return " ".join(text.splitlines()[0].split())


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


class SamplerError(BonasError, RuntimeError):
    """A bonas sampler failed while proposing a trial's cell: an error of the sampler, its
    surrogate or its configuration, not of the objective. :func:`bonas.guard_objective` lets
    it through, so the study stops with it instead of failing every later trial the same way;
    the error it wraps is its ``__cause__``."""
