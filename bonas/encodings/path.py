"""The path encoding of BANANAS (White, Neiswanger & Savani, "BANANAS: Bayesian Optimization with
Neural Architectures for Neural Architecture Search", AAAI 2021) and its truncation (White et al.,
"A Study on Encodings for Neural Architecture Search", NeurIPS 2020)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from bonas._validation import check_bool, check_int, invalid
from bonas.encodings._cells import dag_paths
from bonas.encodings.base import CellBatch, Encoder
from bonas.exceptions import ConfigurationError, InvalidGraphError

if TYPE_CHECKING:
    import networkx as nx

    from bonas.graph import GraphSpec

__all__ = ["PathEncoder", "TruncatedPathEncoder"]


class PathEncoder(Encoder):
    """One indicator per op sequence: is there an input→output path through exactly these ops?

    A path is read as the ops of its intermediate nodes, input and output left out. There is a
    feature for every sequence over the alphabet ``A`` of every length ``L`` from ``L0`` to
    ``spec.max_path_length``, ordered by length, then lexicographically in the order of
    ``spec.ops``: the column of the path ``a_1 … a_L`` is::

        sum(|A|**l for l in range(L0, L)) + sum(idx(a_j) * |A|**(L - j) for j in 1 … L)

    (a base-``|A|`` number with ``a_1`` the most significant digit). Feature names read
    ``"input>a_1>…>a_L>output"``. A column is 1.0 if at least one path has that op sequence.

    NB201 (5 ops, paths of 1-3 ops): 5 + 25 + 125 = 155 features, the same features as the
    reference implementation, naszilla's (which orders the ops differently and makes the first
    op the least significant digit, so its columns are a permutation of these).

    Paths through the zero op (NB201's ``"none"``) carry no signal: ``drop_zero=True`` leaves
    them out and the zero op leaves the alphabet (NB201: 4 + 16 + 64 = 84 features); cells then
    encode equal when they differ only on edges that lie on no zero-free path.

    The empty path (a direct input→output edge, ``L = 0``, named ``"input>output"``) is column 0
    when ``include_empty`` is true (``L0 = 0``), else it is not encoded (``L0 = 1``). By default
    it is included exactly when a cell of the space can have that edge: in every general DAG space
    (NB101: 1 + 3 + 9 + 27 + 81 + 243 = 364 features, as in naszilla) and in a fixed-edge space
    whose edges include it (never in NB201).

    Fixed-edge spaces are encoded with numpy over the precomputed path positions (reading and
    validating the graphs is most of an :meth:`encode` call; ``benchmarks/results/encodings.md``
    has the timings); general spaces enumerate each distinct edge set's paths
    once (cached) and look up the ops per cell.

    Args:
        spec: The graph spec of the space.
        drop_zero: Leave out paths through ``spec.zero_op`` (no effect without a zero op).
        include_empty: Encode the empty path; ``None`` decides from the spec (see above).

    Raises:
        InvalidGraphError: from :meth:`encode`, if a graph has a path of more than
            ``spec.max_path_length`` ops.

    Example:
        >>> from bonas.spaces.nb201 import NB201Space
        >>> space = NB201Space()
        >>> graphs = [space.to_graph(space.from_key(k)) for k in ("333132", "000000")]
        >>> enc = PathEncoder(space.graph_spec)
        >>> X = enc.encode(graphs)
        >>> X.shape, X[0].nonzero()[0].tolist(), enc.feature_names()[1]
        ((2, 155), [1, 22, 23, 122], 'input>skip_connect>output')
        >>> PathEncoder(space.graph_spec, drop_zero=True).encode(graphs).sum(axis=1)
        array([4., 0.])
    """

    name = "path"

    def __init__(
        self, spec: GraphSpec, *, drop_zero: bool = False, include_empty: bool | None = None
    ) -> None:
        super().__init__(spec)
        owner = type(self).__name__
        check_bool(drop_zero, "drop_zero", owner)
        if include_empty is not None and not isinstance(include_empty, bool):
            raise invalid(owner, "include_empty", "True, False or None", include_empty)
        self.drop_zero = drop_zero
        self.include_empty = include_empty
        info = self._info
        n = spec.max_nodes
        if include_empty is None:
            include_empty = info.fixed_edges is None or (0, n - 1) in info.fixed_edges
        self._min_length = 0 if include_empty else 1
        zero = spec.zero_op if drop_zero else None
        self._alphabet = tuple(op for op in spec.ops if op != zero)
        # Op index in spec.ops → digit in the alphabet (-1: the dropped zero op, or padding).
        self._digit = np.array(
            [self._alphabet.index(op) if op != zero else -1 for op in spec.ops] + [-1],
            dtype=np.int64,
        )
        base = len(self._alphabet)
        lengths = range(self._min_length, spec.max_path_length + 1)
        sizes = [base**L for L in lengths]
        starts = list(itertools.accumulate(sizes, initial=0))[:-1]
        self._offset = dict(zip(lengths, starts, strict=True))
        self._n_features = sum(sizes)
        # Fixed-edge spaces: the paths, grouped by length, as (n_paths, L) slot columns.
        self._groups: list[tuple[int, np.ndarray]] = []
        if info.fixed_paths is not None:
            too_long = [p for p in info.fixed_paths if len(p) > spec.max_path_length]
            if too_long:
                raise ConfigurationError(
                    f"The 'spec' parameter of {owner} is inconsistent: its fixed edges give a "
                    f"path through {len(too_long[0])} ops (nodes {too_long[0]}) but "
                    f"max_path_length is {spec.max_path_length}."
                )
            for L in lengths:
                paths = [p for p in info.fixed_paths if len(p) == L]
                if paths:
                    self._groups.append((L, np.array(paths, dtype=np.int64).reshape(-1, L) - 1))

    def _options(self) -> dict[str, Any]:
        return {"drop_zero": self.drop_zero, "include_empty": self.include_empty}

    @property
    def n_features(self) -> int:
        return self._n_features

    def feature_names(self) -> list[str]:
        return [
            ">".join(("input", *ops, "output"))
            for L in self._offset
            for ops in itertools.product(self._alphabet, repeat=L)
        ]

    def _encode(self, cells: CellBatch) -> np.ndarray:
        n_graphs = len(cells)
        X = np.zeros((n_graphs, self._n_features))
        if n_graphs == 0:
            return X
        # digits[i, k - 1]: the alphabet digit of node k's op, -1 if dropped or padding.
        digits = self._digit[cells.ops]
        base = len(self._alphabet)
        if self._info.is_fixed:
            rows = np.arange(n_graphs)[:, None]
            for L, slots in self._groups:
                d = digits[:, slots]  # (n_graphs, n_paths, L)
                index = self._offset[L] + d @ (base ** np.arange(L - 1, -1, -1))
                keep = (d >= 0).all(axis=2)
                X[np.broadcast_to(rows, index.shape)[keep], index[keep]] = 1.0
            return X
        max_length = self.spec.max_path_length
        offset = self._offset
        for i, (n, edges, row) in enumerate(
            zip(cells.n_nodes.tolist(), cells.edges, digits.tolist(), strict=True)
        ):
            for path in dag_paths(n, edges):
                L = len(path)
                if L > max_length:
                    raise InvalidGraphError(
                        f"The 'graphs' parameter of {type(self).__name__}.encode: item {i} has "
                        f"an input→output path through {L} ops (nodes {path}); this space's "
                        f"spec allows at most max_path_length={max_length}."
                    )
                if L < self._min_length:
                    continue
                code = 0
                for k in path:
                    digit = row[k - 1]
                    if digit < 0:
                        break
                    code = code * base + digit
                else:
                    X[i, offset[L] + code] = 1.0
        return X


class TruncatedPathEncoder(Encoder):
    """The ``n_paths`` most frequent features of the path encoding, learned from a sample.

    White et al. (2020) show that most of the path encoding's features are almost never set,
    and that keeping the most frequent ones loses little. :meth:`fit` encodes a sample of cells
    with :class:`PathEncoder` (same ``drop_zero`` / ``include_empty``), counts how many cells
    have each path and keeps the ``n_paths`` with the highest counts; ties go to the lower
    :class:`PathEncoder` column, so the choice is deterministic. Columns come in that rank order
    (most frequent first), so a smaller ``n_paths`` gives a prefix. Learned state:
    ``paths_`` (the kept :class:`PathEncoder` columns) and ``counts_`` (their counts).

    Args:
        spec: The graph spec of the space.
        n_paths: How many paths to keep; at most the :class:`PathEncoder` width is used.
        drop_zero: As in :class:`PathEncoder`.
        include_empty: As in :class:`PathEncoder`.

    Example:
        >>> from bonas.spaces.nb201 import NB201Space
        >>> space = NB201Space()
        >>> graphs = [space.to_graph(a) for a in space.enumerate()]
        >>> enc = TruncatedPathEncoder(space.graph_spec, n_paths=3).fit(graphs)
        >>> enc.feature_names()
        ['input>none>output', 'input>skip_connect>output', 'input>nor_conv_1x1>output']
        >>> enc.encode(graphs[:2])
        array([[1., 0., 0.],
               [1., 0., 0.]])
    """

    name = "truncated_path"
    requires_fit = True

    def __init__(
        self,
        spec: GraphSpec,
        *,
        n_paths: int = 30,
        drop_zero: bool = False,
        include_empty: bool | None = None,
    ) -> None:
        super().__init__(spec)
        self.n_paths = check_int(n_paths, "n_paths", type(self).__name__, low=1)
        self.drop_zero = drop_zero
        self.include_empty = include_empty
        self._full = PathEncoder(spec, drop_zero=drop_zero, include_empty=include_empty)
        self.paths_: np.ndarray | None = None
        self.counts_: np.ndarray | None = None

    def _options(self) -> dict[str, Any]:
        return {
            "n_paths": self.n_paths,
            "drop_zero": self.drop_zero,
            "include_empty": self.include_empty,
        }

    @property
    def n_features(self) -> int:
        return min(self.n_paths, self._full.n_features)

    def _is_fitted(self) -> bool:
        return self.paths_ is not None

    def fit(self, graphs: Sequence[nx.DiGraph]) -> TruncatedPathEncoder:
        """Keep the most frequent paths of ``graphs`` (at least one cell graph).

        Returns:
            ``self``.
        """
        counts = self._full.encode_cells(self._read_fit_graphs(graphs)).sum(axis=0)
        order = np.lexsort((np.arange(counts.size), -counts))[: self.n_features]
        self.paths_ = order
        self.counts_ = counts[order]
        return self

    def feature_names(self) -> list[str]:
        self._check_fitted()
        names = self._full.feature_names()
        return [names[j] for j in self.paths_]  # type: ignore[union-attr]

    def _encode(self, cells: CellBatch) -> np.ndarray:
        return self._full.encode_cells(cells)[:, self.paths_]
