"""The zero-cost proxy contract: cells in, one score per cell out, higher = more promising.

A proxy scores cells without training them (synflow reads the untrained network of a cell).
``BONASSampler`` uses one to pick part of its first cells and as a fading prior on the
acquisition (:class:`~bonas.samplers.WarmStart`); any callable that maps a list of cells to
one number each can stand in for a proxy (:func:`as_proxy` wraps it).
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from bonas.exceptions import ConfigurationError

if TYPE_CHECKING:
    from bonas.spaces.base import SearchSpace

__all__ = ["FunctionProxy", "Proxy", "as_proxy"]


class Proxy(abc.ABC):
    """A zero-cost score of untrained cells.

    Subclasses implement :meth:`score`; :meth:`__call__` checks what it returns (one finite
    float64 per cell). A proxy made for one kind of space says so in :meth:`supports`.

    Example:
        >>> class Depth(Proxy):
        ...     def score(self, cells):
        ...         return [float(len(c)) for c in cells]
        >>> Depth()([("a",), ("a", "b")])
        array([1., 2.])
    """

    @abc.abstractmethod
    def score(self, cells: Sequence[Any]) -> Any:
        """One score per cell of ``cells`` (higher: more promising), e.g. an array ``(n,)``."""

    def supports(self, space: SearchSpace[Any]) -> bool:
        """Whether this proxy can score the cells of ``space`` (default: any space)."""
        return True

    @property
    def label(self) -> str:
        """The name used in messages (the class name unless a subclass says otherwise)."""
        return type(self).__name__

    def __call__(self, cells: Sequence[Any]) -> np.ndarray:
        """The scores of ``cells`` as a ``(len(cells),)`` float64 array, checked.

        Raises:
            ConfigurationError: :meth:`score` did not return one finite number per cell.
        """
        cells = list(cells)
        returned = self.score(cells)
        try:
            scores = np.asarray(returned, dtype=np.float64)
        except (TypeError, ValueError):
            raise ConfigurationError(
                f"The proxy {self.label} must return one number per cell. "
                f"Got {type(returned).__name__} {str(returned)[:80]!r}."
            ) from None
        if scores.shape != (len(cells),) or not np.all(np.isfinite(scores)):
            raise ConfigurationError(
                f"The proxy {self.label} must return one finite score per cell: "
                f"{len(cells)} for the {len(cells)} cells it was given. "
                f"Got an array of shape {scores.shape}"
                f"{'' if scores.shape != (len(cells),) else ' with NaN or inf in it'}."
            )
        return scores


class FunctionProxy(Proxy):
    """A plain function ``cells -> scores`` as a :class:`Proxy`."""

    def __init__(self, function: Callable[[list[Any]], Any]) -> None:
        self.function = function

    @property
    def label(self) -> str:
        return getattr(self.function, "__name__", type(self.function).__name__)

    def score(self, cells: Sequence[Any]) -> Any:
        return self.function(list(cells))

    def __repr__(self) -> str:
        return f"FunctionProxy({self.label})"


def as_proxy(obj: Proxy | Callable[[list[Any]], Any]) -> Proxy:
    """``obj`` itself if it is a :class:`Proxy`, else the function wrapped in one."""
    if isinstance(obj, Proxy):
        return obj
    if callable(obj):
        return FunctionProxy(obj)
    raise ConfigurationError(
        f"Expected a Proxy or a callable (cells -> scores). Got {type(obj).__name__} instead."
    )
