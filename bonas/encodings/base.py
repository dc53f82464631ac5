"""The encoder contract: batched, pure functions from cell graphs to fixed-width float64 rows."""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from bonas.encodings._cells import CellBatch, SpecInfo, read_cells, spec_info
from bonas.exceptions import ConfigurationError, NotFittedError

if TYPE_CHECKING:
    import networkx as nx

    from bonas.graph import GraphSpec

__all__ = ["CellBatch", "Encoder"]


class Encoder(abc.ABC):
    """Turns cell graphs (the form of :mod:`bonas.graph`) into a matrix of features.

    An encoder is built from a space's :class:`~bonas.graph.GraphSpec` and keyword-only options,
    and then maps any batch of that space's cell graphs to a float64 array of a fixed width
    :attr:`n_features`, one row per graph, one named column per feature
    (:meth:`feature_names`). It never sees a space object.

    :meth:`encode` validates the graphs (raising
    :class:`~bonas.exceptions.InvalidGraphError` with the position of a bad one), reads them
    into a :class:`CellBatch` and calls :meth:`_encode`, the one method a new encoder writes.
    A composite encoder's :meth:`_encode` hands the batch on to its parts'
    :meth:`encode_cells`, so the graphs are read once. Encoders learned from data
    (:attr:`requires_fit` true) also have ``fit(graphs) -> self``, override :meth:`_is_fitted`,
    and raise :class:`~bonas.exceptions.NotFittedError` when used before ``fit``.

    Args:
        spec: The graph spec of the space (``space.graph_spec``).

    Example:
        A third-party encoder is one small class; register it with
        :func:`bonas.encodings.register` or the ``bonas.encodings`` entry-point group.

        >>> import numpy as np
        >>> from bonas.encodings import Encoder
        >>> from bonas.spaces.nb201 import NB201Space
        >>> class OpCounts(Encoder):
        ...     name = "op_counts"
        ...     @property
        ...     def n_features(self):
        ...         return len(self.spec.ops)
        ...     def feature_names(self):
        ...         return [f"count={op}" for op in self.spec.ops]
        ...     def _encode(self, cells):
        ...         X = np.zeros((len(cells), self.n_features))
        ...         for k in range(self.n_features):
        ...             X[:, k] = (cells.ops == k).sum(axis=1)
        ...         return X
        >>> space = NB201Space()
        >>> OpCounts(space.graph_spec).encode([space.to_graph(space.from_key("333132"))])
        array([[0., 1., 1., 4., 0.]])
    """

    #: The registry name of the encoder (``"path"``, ``"adjacency"``, …).
    name: ClassVar[str] = ""
    #: Whether the encoder must be fitted on a sample of graphs before :meth:`encode`.
    requires_fit: ClassVar[bool] = False

    def __init__(self, spec: GraphSpec) -> None:
        self._info: SpecInfo = spec_info(spec, type(self).__name__)
        self.spec: GraphSpec = spec

    def __repr__(self) -> str:
        options = ", ".join(f"{k}={v!r}" for k, v in self._options().items())
        return f"{type(self).__name__}({options})"

    def _options(self) -> dict[str, Any]:
        """The keyword options, for :meth:`__repr__`."""
        return {}

    @property
    @abc.abstractmethod
    def n_features(self) -> int:
        """The number of columns of :meth:`encode`'s output."""

    @abc.abstractmethod
    def feature_names(self) -> list[str]:
        """The name of every column of :meth:`encode`'s output, ``n_features`` of them."""

    def encode(self, graphs: Sequence[nx.DiGraph]) -> np.ndarray:
        """Encode a batch of cell graphs.

        Args:
            graphs: Cell graphs of the space, e.g. ``[space.to_graph(a) for a in archs]``.

        Returns:
            `(len(graphs), n_features)` float64 array.

        Raises:
            ConfigurationError: if ``graphs`` is not a sequence of graphs.
            InvalidGraphError: if a graph is not a cell graph of the spec.
            NotFittedError: if the encoder must be fitted first.
        """
        self._check_fitted()
        cells = read_cells(graphs, self._info, f"{type(self).__name__}.encode")
        return self._encode(cells)

    def encode_cells(self, cells: CellBatch) -> np.ndarray:
        """Encode cells that are already read and validated, for a composite encoder.

        A composite (e.g. :class:`~bonas.encodings.ConcatEncoder`) calls this on each of its
        parts from its own :meth:`_encode`, with the :class:`CellBatch` it was given; the parts
        must be built for the same spec.

        Returns:
            `(len(cells), n_features)` float64 array.

        Raises:
            NotFittedError: if the encoder must be fitted first.
        """
        self._check_fitted()
        return self._encode(cells)

    @abc.abstractmethod
    def _encode(self, cells: CellBatch) -> np.ndarray:
        """Encode validated cells: return a `(len(cells), n_features)` float64 array."""

    # -- helpers for subclasses -----------------------------------------------------------
    def _is_fitted(self) -> bool:
        """Whether the encoder can encode: always, unless it learns from data and is not fitted
        yet (an encoder with :attr:`requires_fit` overrides this)."""
        return True

    def _check_fitted(self) -> None:
        """Raise :class:`~bonas.exceptions.NotFittedError` unless :meth:`_is_fitted`."""
        if not self._is_fitted():
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet. Call fit(graphs) with a sample "
                "of the space's cell graphs first."
            )

    def _read_fit_graphs(self, graphs: Sequence[nx.DiGraph]) -> CellBatch:
        cells = read_cells(graphs, self._info, f"{type(self).__name__}.fit")
        if len(cells) == 0:
            raise ConfigurationError(
                f"The 'graphs' parameter of {type(self).__name__}.fit must hold at least one "
                "cell graph. Got an empty sequence instead."
            )
        return cells
