"""Surrogates by name: the built-ins, classes registered at run time, and plug-ins.

A third-party package adds a surrogate without touching bonas by declaring an entry point::

    # pyproject.toml of the plug-in
    [project.entry-points."bonas.surrogates"]
    my_model = "my_package.models:MyModelSurrogate"

after which ``make("my_model")`` (and ``BONASSampler(space, surrogate="my_model")``) builds
one. Plug-ins are imported only when their name is asked for.
"""

from __future__ import annotations

from typing import Any

from bonas._registry import Registry
from bonas.surrogates.base import Surrogate

__all__ = ["ENTRY_POINT_GROUP", "available", "get", "make", "register"]

#: The entry-point group in which plug-in packages declare surrogates.
ENTRY_POINT_GROUP = "bonas.surrogates"

_REGISTRY: Registry[Surrogate] = Registry(
    kind="surrogate",
    group=ENTRY_POINT_GROUP,
    base=Surrogate,
    builtins={
        "gp": "bonas.surrogates.gp:GPSurrogate",
        "ensemble": "bonas.surrogates.ensemble:EnsembleSurrogate",
    },
)


def get(name: str) -> type[Surrogate]:
    """Return the surrogate class registered as ``name``.

    Example:
        >>> get("gp").__name__
        'GPSurrogate'

    Raises:
        ConfigurationError: ``name`` is unknown (the message lists the available names), or
            its plug-in fails to import.
    """
    return _REGISTRY.get(name)


def register(name: str, cls: type[Surrogate] | str, *, overwrite: bool = False) -> None:
    """Make a :class:`~bonas.surrogates.Surrogate` subclass available as ``name``.

    Args:
        name: The name to build it by, e.g. in ``make(name)`` or ``BONASSampler(surrogate=)``.
        cls: The class, or a ``"module:Class"`` string imported on first use.
        overwrite: Replace a class already registered under ``name`` (a built-in included).
    """
    _REGISTRY.register(name, cls, overwrite=overwrite)


def available() -> list[str]:
    """Sorted names of the built-in, registered and installed plug-in surrogates.

    Example:
        >>> {"ensemble", "gp"} <= set(available())
        True
    """
    return _REGISTRY.available()


def make(spec: str | Surrogate | type[Surrogate], /, **kwargs: Any) -> Surrogate:
    """Build a surrogate from a name or a class with ``kwargs``; an instance passes through.

    Example:
        >>> make("ensemble", n_members=3, seed=0)
        EnsembleSurrogate(n_members=3, hidden=(32, 32, 32), epochs=200, lr=0.01, seed=0)

    Raises:
        ConfigurationError: Unknown name, a class that is not a Surrogate, options the class
            does not accept, or options given along with an instance.
    """
    return _REGISTRY.make(spec, **kwargs)
