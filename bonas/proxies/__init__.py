"""Zero-cost proxies by name: the :class:`Proxy` contract, the built-ins and plug-ins.

A third-party package adds a proxy without touching bonas by declaring an entry point::

    # pyproject.toml of the plug-in
    [project.entry-points."bonas.proxies"]
    my_proxy = "my_package.proxies:MyProxy"

after which ``make("my_proxy")`` and ``BONASSampler(space, warm_start=WarmStart("my_proxy"))``
use it. Built-in: ``"synflow"`` (NB201 cells, :class:`bonas.nb201.proxies.SynflowProxy`),
imported only when asked for, so this package never loads torch or :mod:`bonas.nb201`.
"""

from __future__ import annotations

from typing import Any

from bonas._registry import Registry
from bonas.proxies.base import FunctionProxy, Proxy, as_proxy

__all__ = [
    "ENTRY_POINT_GROUP",
    "FunctionProxy",
    "Proxy",
    "as_proxy",
    "available",
    "get",
    "make",
    "register",
]

#: The entry-point group in which plug-in packages declare proxies.
ENTRY_POINT_GROUP = "bonas.proxies"

_REGISTRY: Registry[Proxy] = Registry(
    kind="proxy",
    group=ENTRY_POINT_GROUP,
    base=Proxy,
    builtins={"synflow": "bonas.nb201.proxies:SynflowProxy"},
)


def get(name: str) -> type[Proxy]:
    """Return the proxy class registered as ``name``.

    Example:
        >>> get("synflow").__name__
        'SynflowProxy'
    """
    return _REGISTRY.get(name)


def register(name: str, cls: type[Proxy] | str, *, overwrite: bool = False) -> None:
    """Make a :class:`Proxy` subclass (or a ``"module:Class"`` string) available as ``name``."""
    _REGISTRY.register(name, cls, overwrite=overwrite)


def available() -> list[str]:
    """Sorted names of the built-in, registered and installed plug-in proxies.

    Example:
        >>> "synflow" in available()
        True
    """
    return _REGISTRY.available()


def make(spec: str | Proxy | type[Proxy], /, **kwargs: Any) -> Proxy:
    """Build a proxy from a name or a class with ``kwargs``; an instance passes through."""
    return _REGISTRY.make(spec, **kwargs)
