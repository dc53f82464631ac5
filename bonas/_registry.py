"""A small name → class registry with lazy built-ins and entry-point plug-ins.

Surrogates and encoders are both chosen by name (``"gp"``, ``"path"``) and both may come from
a third-party package that declares an entry point, so they share this one implementation.
It depends on nothing in bonas but the error tree, so every layer may use it.

A registry resolves a name in this order: classes registered at run time with
:meth:`Registry.register`, then the built-ins (``"module:Class"`` strings imported on first
use, so ``import bonas`` never pays for torch), then the entry points of the registry's group,
discovered anew on every miss (a plug-in installed or put on ``sys.path`` after start-up is
found) and imported only when asked for by name.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import threading
import warnings
from collections.abc import Mapping
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Generic, TypeVar, cast

from bonas.exceptions import ConfigurationError

__all__ = ["Registry"]

T = TypeVar("T")


def _import_object(spec: str) -> Any:
    """Import ``"package.module:Attr.attr"`` (the entry-point value syntax)."""
    module_name, _, qualname = spec.partition(":")
    obj: Any = importlib.import_module(module_name)
    for attr in filter(None, qualname.split(".")):
        obj = getattr(obj, attr)
    return obj


class Registry(Generic[T]):
    """Named classes of one kind (surrogates, encoders), built-in or from plug-ins.

    Args:
        kind: What the registry holds, for error messages (``"surrogate"``).
        group: The entry-point group third-party packages declare (``"bonas.surrogates"``).
        base: If given, every registered class must subclass it and :meth:`make` passes its
            instances through unchanged. ``None`` (for a protocol) skips the check.
        builtins: Built-in names mapped to classes or to ``"module:Class"`` strings.

    Example:
        >>> class Model:
        ...     def __init__(self, *, alpha: float = 1.0) -> None:
        ...         self.alpha = alpha
        >>> models: Registry[Model] = Registry(kind="model", group="example.models", base=Model)
        >>> models.register("plain", Model)
        >>> models.make("plain", alpha=2.0).alpha
        2.0
        >>> models.get("plain") is Model
        True
    """

    def __init__(
        self,
        *,
        kind: str,
        group: str,
        base: type[Any] | None = None,
        builtins: Mapping[str, type[T] | str] | None = None,
    ) -> None:
        self.kind = kind
        self.group = group
        self.base = base
        self._builtins: dict[str, type[T] | str] = dict(builtins or {})
        self._registered: dict[str, type[T] | str] = {}
        self._resolved: dict[str, type[T]] = {}
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"Registry(kind={self.kind!r}, group={self.group!r})"

    def register(self, name: str, cls: type[T] | str, *, overwrite: bool = False) -> None:
        """Make ``cls`` (a class or a ``"module:Class"`` string) available as ``name``.

        Registering the same class under the same name again does nothing. A name that is
        taken (also a built-in's) raises :class:`~bonas.exceptions.ConfigurationError` unless
        ``overwrite=True``.
        """
        if not isinstance(name, str) or not name:
            raise ConfigurationError(
                f"The 'name' parameter of register must be a non-empty str. Got {name!r} instead."
            )
        if isinstance(cls, str):
            if ":" not in cls:
                raise ConfigurationError(
                    f"The 'cls' parameter of register must be a class or a 'module:Class' "
                    f"string. Got {cls!r} instead."
                )
        else:
            self._check_class(cls, name)
        with self._lock:
            current = self._registered.get(name, self._builtins.get(name))
            if current is not None and not _same(current, cls) and not overwrite:
                raise ConfigurationError(
                    f"{_a(self.kind).capitalize()} named {name!r} is already registered "
                    f"({_describe(current)}). "
                    "Pass overwrite=True to replace it, or choose another name."
                )
            self._registered[name] = cls
            self._resolved.pop(name, None)

    def get(self, name: str) -> type[T]:
        """Return the class registered as ``name``, importing it (or its plug-in) if needed.

        Raises:
            ConfigurationError: ``name`` is unknown (the message lists the known names) or its
                plug-in cannot be imported.
        """
        if not isinstance(name, str):
            raise ConfigurationError(
                f"The name of {_a(self.kind)} must be a str. Got {type(name).__name__} instead."
            )
        with self._lock:
            if name in self._resolved:
                return self._resolved[name]
            spec = self._registered.get(name, self._builtins.get(name))
        if spec is not None:
            cls = self._load(name, spec, origin=None)
        else:
            eps = self._entry_points(name)
            if not eps:
                known = self.available()
                close = difflib.get_close_matches(name, known, n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise ConfigurationError(
                    f"Unknown {self.kind} {name!r}.{hint} Available: {known}. Register a class "
                    f"with register(name, cls), or install a package that declares it in the "
                    f"{self.group!r} entry-point group."
                )
            values = sorted({ep.value for ep in eps})
            if len(values) > 1:
                warnings.warn(
                    f"Several plug-ins declare the {self.kind} {name!r} in the {self.group!r} "
                    f"entry-point group ({values}); using {eps[0].value!r}.",
                    stacklevel=2,
                )
            cls = self._load(name, eps[0].value, origin=eps[0])
        with self._lock:
            return self._resolved.setdefault(name, cls)

    def available(self) -> list[str]:
        """Sorted names: registered, built-ins, and declared by installed plug-ins."""
        with self._lock:
            names = set(self._registered) | set(self._builtins)
        names.update(ep.name for ep in entry_points(group=self.group))
        return sorted(names)

    def make(self, spec: str | T | type[T], /, *args: Any, **kwargs: Any) -> T:
        """Build an object from a name or a class with ``args``, ``kwargs``; pass an instance.

        Raises:
            ConfigurationError: Unknown name, a class of the wrong kind, keyword arguments the
                class does not accept, or keyword arguments given along with an instance.
        """
        if isinstance(spec, str):
            cls = self.get(spec)
        elif isinstance(spec, type):
            cls = self._check_class(spec, spec.__name__)
        elif self.base is None or isinstance(spec, self.base):
            if args or kwargs:
                raise ConfigurationError(
                    f"Options {[*map(repr, args), *sorted(kwargs)]} cannot be applied to the "
                    f"{self.kind} instance {spec!r}; pass its name or class instead, or "
                    "configure the instance."
                )
            return spec
        else:
            raise ConfigurationError(
                f"Expected {_a(self.kind)} name, class or instance. "
                f"Got {type(spec).__name__} instead."
            )
        try:
            inspect.signature(cls).bind(*args, **kwargs)
        except TypeError as err:
            raise ConfigurationError(
                f"Invalid options for the {self.kind} {cls.__name__}: {err}. "
                f"Its options: {_option_names(cls, n_given=len(args))}."
            ) from None
        except ValueError:  # no signature (a builtin type): let the constructor decide
            pass
        return cls(*args, **kwargs)

    # -- internals -------------------------------------------------------------------------

    def _entry_points(self, name: str) -> list[EntryPoint]:
        return list(entry_points(group=self.group, name=name))

    def _load(self, name: str, spec: type[T] | str, *, origin: EntryPoint | None) -> type[T]:
        if not isinstance(spec, str):
            return spec
        try:
            obj = _import_object(spec) if origin is None else origin.load()
        except (ImportError, AttributeError) as err:
            where = "" if origin is None else f" (entry point in {self.group!r})"
            raise ConfigurationError(
                f"The {self.kind} {name!r} could not be loaded from {spec!r}{where}: {err}"
            ) from err
        return self._check_class(obj, name)

    def _check_class(self, obj: Any, name: str) -> type[T]:
        if not isinstance(obj, type) or (self.base is not None and not issubclass(obj, self.base)):
            expected = "a class" if self.base is None else f"a subclass of {self.base.__name__}"
            raise ConfigurationError(
                f"The {self.kind} {name!r} must be {expected}. Got {obj!r} instead."
            )
        return cast("type[T]", obj)


def _same(a: type[Any] | str, b: type[Any] | str) -> bool:
    """Whether two registrations (classes or ``"module:Class"`` strings) name one class."""
    spell = [x if isinstance(x, str) else f"{x.__module__}:{x.__qualname__}" for x in (a, b)]
    return a is b or spell[0] == spell[1]


def _a(kind: str) -> str:
    """``kind`` with its indefinite article (``"a surrogate"``, ``"an encoding"``)."""
    return f"{'an' if kind[:1].lower() in 'aeiou' else 'a'} {kind}"


def _option_names(cls: type[Any], *, n_given: int) -> list[str]:
    """The keyword arguments ``cls`` accepts besides its first ``n_given`` positional ones."""
    params = list(inspect.signature(cls).parameters.values())[n_given:]
    keyword = (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return [p.name for p in params if p.kind in keyword]


def _describe(obj: object) -> str:
    if isinstance(obj, type):
        return f"{obj.__module__}.{obj.__qualname__}"
    return repr(obj)
