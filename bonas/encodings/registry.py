"""Encoders by name: the built-ins, :func:`register`, and the ``bonas.encodings`` entry points.

A third-party package adds an encoder without touching bonas by declaring an entry point in
the ``bonas.encodings`` group whose value is its :class:`~bonas.encodings.Encoder` subclass, e.g.
in its ``pyproject.toml``::

    [project.entry-points."bonas.encodings"]
    my_encoding = "my_package.encoders:MyEncoder"

The names are resolved by the one registry of :mod:`bonas._registry` (shared with the
surrogates): registered and built-in names win, entry points are looked up only for other names
and loaded only when :func:`get` asks for their name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from bonas._registry import Registry
from bonas.encodings.adjacency import AdjacencyEncoder
from bonas.encodings.base import Encoder
from bonas.encodings.concat import PathAdjacencyEncoder
from bonas.encodings.path import PathEncoder, TruncatedPathEncoder
from bonas.encodings.wl import WLEncoder
from bonas.exceptions import ConfigurationError

if TYPE_CHECKING:
    from bonas.graph import GraphSpec

__all__ = ["ENTRY_POINT_GROUP", "available", "get", "make", "register"]

#: The entry-point group third-party encoders are declared in.
ENTRY_POINT_GROUP = "bonas.encodings"

_BUILT_IN = (AdjacencyEncoder, PathEncoder, TruncatedPathEncoder, WLEncoder, PathAdjacencyEncoder)
_REGISTRY: Registry[Encoder] = Registry(
    kind="encoding", group=ENTRY_POINT_GROUP, base=Encoder, builtins={c.name: c for c in _BUILT_IN}
)


def register(
    name: str, cls: type[Encoder] | str, *, overwrite: bool = False
) -> type[Encoder] | str:
    """Make ``cls`` available as ``name`` to :func:`get`, :func:`make` and the sampler.

    Args:
        name: The name, e.g. ``"my_encoding"``.
        cls: An :class:`~bonas.encodings.Encoder` subclass, or a ``"module:Class"`` string
            imported on first use.
        overwrite: Replace a different class already registered under ``name`` (a built-in
            included).

    Returns:
        ``cls``, so that ``register`` can be used on a class definition's result.

    Raises:
        ConfigurationError: if ``name`` is not a non-empty string, ``cls`` is not an encoder
            class (or a ``"module:Class"`` string), or ``name`` is taken by another class and
            ``overwrite`` is false.

    Example:
        >>> from bonas.encodings import PathEncoder, get, register
        >>> class MyPath(PathEncoder):
        ...     pass
        >>> register("my_path_doctest", MyPath) is get("my_path_doctest")
        True
    """
    _REGISTRY.register(name, cls, overwrite=overwrite)
    return cls


def available() -> list[str]:
    """The names :func:`get` accepts: built-in, registered and declared by plug-ins, sorted."""
    return _REGISTRY.available()


def get(name: str) -> type[Encoder]:
    """The encoder class registered (or declared as an entry point) under ``name``.

    Raises:
        ConfigurationError: if no encoder has that name (the message lists those that do), or
            its entry point does not load an :class:`~bonas.encodings.Encoder` subclass.

    Example:
        >>> from bonas.encodings import get
        >>> get("path").__name__
        'PathEncoder'
    """
    return _REGISTRY.get(name)


def make(
    name_or_encoder: str | type[Encoder] | Encoder, spec: GraphSpec, **kwargs: Any
) -> Encoder:
    """An encoder for ``spec``: built from a name or class and options, or passed through.

    Args:
        name_or_encoder: A name from :func:`available`, an :class:`~bonas.encodings.Encoder`
            subclass, or an encoder instance. An instance is returned as it is; besides
            :class:`~bonas.encodings.Encoder` instances, any object with ``encode(graphs)`` and
            ``n_features`` is accepted (duck typing), and its width is the caller's to check.
        spec: The graph spec of the space (``space.graph_spec``).
        **kwargs: The encoder's keyword options (only with a name or class).

    Returns:
        The encoder. A stateful one (``requires_fit``) still has to be fitted.

    Raises:
        ConfigurationError: for an unknown name or option, options given with an instance, or an
            :class:`~bonas.encodings.Encoder` built for another spec.

    Example:
        >>> from bonas.encodings import make
        >>> from bonas.spaces.nb201 import NB201Space
        >>> make("path", NB201Space().graph_spec, drop_zero=True)
        PathEncoder(drop_zero=True, include_empty=None)
    """
    if isinstance(name_or_encoder, (str, type)):
        return _REGISTRY.make(name_or_encoder, spec, **kwargs)
    return _pass_through(name_or_encoder, spec, kwargs)


def _pass_through(encoder: Any, spec: GraphSpec, kwargs: dict[str, Any]) -> Encoder:
    if not (callable(getattr(encoder, "encode", None)) and hasattr(encoder, "n_features")):
        raise ConfigurationError(
            "The 'name_or_encoder' parameter of bonas.encodings.make must be an encoding name "
            f"from {available()}, an Encoder subclass or an encoder instance (with encode() and "
            f"n_features). Got {encoder!r} instead."
        )
    if kwargs:
        raise ConfigurationError(
            f"Options are only accepted with an encoding name or class; got the encoder "
            f"{encoder!r} and options {sorted(kwargs)}. Set them on the instance."
        )
    if isinstance(encoder, Encoder) and encoder.spec != spec:
        raise ConfigurationError(
            f"The encoder {encoder!r} was built for another graph spec than this space's. "
            "Build it with space.graph_spec."
        )
    return cast("Encoder", encoder)
