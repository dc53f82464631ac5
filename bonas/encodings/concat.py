"""Side-by-side encodings: the columns of several encoders in one matrix."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from bonas.encodings.adjacency import AdjacencyEncoder
from bonas.encodings.base import CellBatch, Encoder
from bonas.encodings.path import PathEncoder
from bonas.exceptions import ConfigurationError
from bonas.graph import GraphSpec

__all__ = ["ConcatEncoder", "PathAdjacencyEncoder"]


class ConcatEncoder(Encoder):
    """The columns of several encoders side by side; feature names get the part's prefix.

    Args:
        spec: The graph spec of the space.
        parts: Encoders built for ``spec``. Parts learned from data must be fitted before
            :meth:`encode`, which raises :class:`~bonas.exceptions.NotFittedError` otherwise.

    Example:
        >>> from bonas.spaces.nb201 import NB201Space
        >>> spec = NB201Space().graph_spec
        >>> enc = ConcatEncoder(spec, parts=[PathEncoder(spec), AdjacencyEncoder(spec)])
        >>> enc.n_features
        185
    """

    name: ClassVar[str] = "concat"

    def __init__(self, spec: GraphSpec, *, parts: Sequence[Encoder]) -> None:
        super().__init__(spec)
        if not parts or not all(isinstance(p, Encoder) and p.spec == spec for p in parts):
            raise ConfigurationError(
                "The 'parts' parameter of ConcatEncoder must be a non-empty list of encoders "
                f"built for this space's graph spec. Got {parts!r} instead."
            )
        self.parts = list(parts)

    def _options(self) -> dict[str, Any]:
        return {"parts": self.parts}

    @property
    def n_features(self) -> int:
        return sum(p.n_features for p in self.parts)

    def feature_names(self) -> list[str]:
        return [f"{p.name or type(p).__name__}:{n}" for p in self.parts for n in p.feature_names()]

    def _encode(self, cells: CellBatch) -> np.ndarray:
        return np.hstack([p.encode_cells(cells) for p in self.parts])


class PathAdjacencyEncoder(ConcatEncoder):
    """The path encoding without dead paths (``drop_zero``) next to the one-hot adjacency.

    Paths say what an input travels through; the one-hot columns say which op sits on which
    edge, so the two disagree exactly where a position matters more than a path (NB201's
    ``3←0`` skip connection, which most of the best cells share). On NB201: 84 + 30 = 114
    features. This is ``BONASSampler``'s default encoding, chosen on the benchmark in
    ``benchmarks/results/``.
    """

    name: ClassVar[str] = "path_adjacency"

    def __init__(self, spec: GraphSpec, *, path_options: Mapping[str, Any] | None = None) -> None:
        options = {"drop_zero": True, **(path_options or {})}
        super().__init__(spec, parts=[PathEncoder(spec, **options), AdjacencyEncoder(spec)])
