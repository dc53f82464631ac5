"""Encoders by name: the built-ins, :func:`register`, and the ``bonas.encodings`` entry points.

A third-party package adds an encoder without touching bonas by declaring an entry point in
the ``bonas.encodings`` group whose value is its :class:`~bonas.encodings.Encoder` subclass, e.g.
in its ``pyproject.toml``::

    [project.entry-points."bonas.encodings"]
    my_encoding = "my_package.encoders:MyEncoder"

Entry points are looked up only when a name is not registered already (built-in and
:func:`register`-ed names win) and loaded only when :func:`get` asks for their name.
"""

from __future__ import annotations

import difflib
import inspect
import logging
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING, Any, cast

from bonas.encodings.adjacency import AdjacencyEncoder
from bonas.encodings.base import Encoder
from bonas.encodings.concat import PathAdjacencyEncoder
from bonas.encodings.path import PathEncoder, TruncatedPathEncoder
from bonas.encodings.wl import WLEncoder
from bonas.exceptions import ConfigurationError

if TYPE_CHECKING:
    from bonas.graph import GraphSpec

__all__ = ["ENTRY_POINT_GROUP", "available", "get", "make", "register"]

_log = logging.getLogger(__name__)

#: The entry-point group third-party encoders are declared in.
ENTRY_POINT_GROUP = "bonas.encodings"

_REGISTRY: dict[str, type[Encoder]] = {
    cls.name: cls
    for cls in (
        AdjacencyEncoder,
        PathEncoder,
        TruncatedPathEncoder,
        WLEncoder,
        PathAdjacencyEncoder,
    )
}


def _entry_points() -> dict[str, EntryPoint]:
    found: dict[str, EntryPoint] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in found and found[ep.name].value != ep.value:
            _log.warning(
                "Two 'bonas.encodings' entry points are named %r (%s and %s); using the first.",
                ep.name,
                found[ep.name].value,
                ep.value,
            )
            continue
        found.setdefault(ep.name, ep)
    return found


def register(name: str, cls: type[Encoder], *, overwrite: bool = False) -> type[Encoder]:
    """Make ``cls`` available as ``name`` to :func:`get`, :func:`make` and the sampler.

    Args:
        name: The name, e.g. ``"my_encoding"``.
        cls: An :class:`~bonas.encodings.Encoder` subclass.
        overwrite: Replace a different class already registered under ``name``.

    Returns:
        ``cls``.

    Raises:
        ConfigurationError: if ``name`` is not a non-empty string, ``cls`` is not an encoder
            class, or ``name`` is taken by another class and ``overwrite`` is false.

    Example:
        >>> from bonas.encodings import PathEncoder, get, register
        >>> class MyPath(PathEncoder):
        ...     pass
        >>> register("my_path_doctest", MyPath) is get("my_path_doctest")
        True
    """
    if not isinstance(name, str) or not name.strip() or name != name.strip():
        raise ConfigurationError(
            "The 'name' parameter of bonas.encodings.register must be a non-empty string "
            f"without surrounding spaces. Got {name!r} instead."
        )
    if not (inspect.isclass(cls) and issubclass(cls, Encoder)):
        raise ConfigurationError(
            "The 'cls' parameter of bonas.encodings.register must be a subclass of "
            f"bonas.encodings.Encoder. Got {cls!r} instead."
        )
    current = _REGISTRY.get(name)
    if current is not None and current is not cls and not overwrite:
        raise ConfigurationError(
            f"The encoding name {name!r} is already registered to {current.__qualname__}. "
            "Choose another name, or pass overwrite=True to replace it."
        )
    _REGISTRY[name] = cls
    return cls


def available() -> list[str]:
    """The names :func:`get` accepts: registered ones and entry points, sorted."""
    return sorted(set(_REGISTRY) | set(_entry_points()))


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
    if not isinstance(name, str):
        raise ConfigurationError(
            "The 'name' parameter of bonas.encodings.get must be a string such as 'path'. "
            f"Got {name!r} instead; available: {available()}."
        )
    cls = _REGISTRY.get(name)
    if cls is not None:
        return cls
    ep = _entry_points().get(name)
    if ep is None:
        known = available()
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ConfigurationError(
            f"Unknown encoding {name!r}.{hint} Available encodings: {known}. A third-party "
            "encoder is added with bonas.encodings.register(name, cls) or an entry point in "
            f"the {ENTRY_POINT_GROUP!r} group."
        )
    try:
        loaded = ep.load()
    except Exception as exc:
        raise ConfigurationError(
            f"The {ENTRY_POINT_GROUP!r} entry point {name!r} = {ep.value!r} failed to load: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    if not (inspect.isclass(loaded) and issubclass(loaded, Encoder)):
        raise ConfigurationError(
            f"The {ENTRY_POINT_GROUP!r} entry point {name!r} = {ep.value!r} must name a "
            f"subclass of bonas.encodings.Encoder. Got {loaded!r} instead."
        )
    _REGISTRY[name] = loaded
    return loaded


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
    if isinstance(name_or_encoder, str):
        cls = get(name_or_encoder)
    elif inspect.isclass(name_or_encoder):
        if not issubclass(name_or_encoder, Encoder):
            raise ConfigurationError(
                "The 'name_or_encoder' parameter of bonas.encodings.make must be an encoding "
                f"name from {available()}, an Encoder subclass or an encoder instance. Got the "
                f"class {name_or_encoder!r} instead."
            )
        cls = name_or_encoder
    else:
        return _pass_through(name_or_encoder, spec, kwargs)
    parameters = inspect.signature(cls).parameters
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        options = sorted(
            p.name for p in parameters.values() if p.kind is inspect.Parameter.KEYWORD_ONLY
        )
        unknown = sorted(set(kwargs) - set(options))
        if unknown:
            raise ConfigurationError(
                f"Unknown option(s) {unknown} for the encoding {cls.name or cls.__name__!r} "
                f"({cls.__name__}); its options are {options}."
            )
    return cls(spec, **kwargs)


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
