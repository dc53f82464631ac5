"""A general DAG cell space with operations on nodes (NAS-Bench-101 style; Ying et al., ICML 2019).

A cell is a DAG of ``n`` nodes numbered in a topological order: node ``0`` is the input, node
``n-1`` the output, and every node in between carries one operation. It is stored as a
:class:`Cell`: an upper-triangular ``n × n`` adjacency matrix (``matrix[i][j] == 1`` means an edge
``i → j``, so ``i < j``) and the node ops, ``"input"`` and ``"output"`` included, exactly like
NAS-Bench-101's ``ModelSpec``.

Raw form and pruned form:
    Two cells are equal when their raw forms (matrix and ops) are equal. Nodes that lie on no
    input→output path compute nothing that reaches the output; :meth:`CellSpace.prune` removes
    them and their edges (as NB101's ``ModelSpec`` does) and :meth:`CellSpace.canonical` hashes
    the pruned cell, so cells that differ only by dead nodes or by a relabelling of the
    intermediate nodes share one key.

Validity (:meth:`CellSpace.validate`), NAS-Bench-101's rule:
    the raw cell must be well formed: its matrix is square, 0/1 and strictly upper triangular
    (no cycle), it has at most ``n_nodes`` nodes and its ops are ``"input"``, known op names and
    ``"output"``. The budget is checked on the *pruned* cell, as NB101's ``ModelSpec`` and
    ``NASBench.is_valid`` do: there must be a path from input to output, and the pruned cell may
    have at most ``max_edges`` edges. Edges into or out of dead nodes do not count, so a raw cell
    may have more than ``max_edges`` edges. One deliberate difference: NB101 ignores the ops of
    dead nodes, while here every op must be known, so that every valid cell has Optuna
    parameters.

Which form the space hands out:
    :meth:`CellSpace.sample`, :meth:`CellSpace.neighbors` and :meth:`CellSpace.enumerate`
    return pruned cells (2 to ``n_nodes`` nodes, every node on an input→output path): cells that
    compute the same function then tend to be equal as raw forms too, and their text form stays
    short. Raw cells with dead nodes are members as well (from :meth:`CellSpace.parse`,
    :meth:`CellSpace.from_params` or a caller); :meth:`CellSpace.prune` maps them to the pruned
    form.

Text form (:meth:`CellSpace.to_string` / :meth:`CellSpace.parse`):
    the matrix rows as strings of ``0``/``1`` digits, then the ops joined by ``,``, all joined by
    ``/``; e.g. ``"011/001/000/input,conv3x3-bn-relu,output"`` is the 3-node cell
    ``input → conv → output`` with a skip edge ``input → output``.

Optuna parameters (:meth:`CellSpace.distributions`):
    ``"edge_i_j"`` (``i < j``, row-major order) is ``matrix[i][j]`` in ``{0, 1}``, and ``"op_k"``
    (``k = 1 … n_nodes-2``) is the op of node ``k``: the parameters are a raw ``n_nodes``-node
    cell. A smaller cell travels as its pruned form padded with isolated dead nodes of op
    ``ops[0]`` just before the output, and :meth:`CellSpace.from_params` maps exactly that padded
    form back to the pruned cell. So ``from_params(to_params(a)) == a`` for every pruned cell and
    every ``n_nodes``-node cell other than such a padded form (which comes back pruned), and
    ``to_params(from_params(p)) == p`` for all parameters ``p`` of a valid cell.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np

from bonas._validation import check_int, invalid
from bonas.exceptions import (
    ConfigurationError,
    InvalidArchitectureError,
    InvalidGraphError,
    SpaceTooLargeError,
)
from bonas.graph import INPUT, OUTPUT, GraphSpec
from bonas.spaces.base import SearchSpace

if TYPE_CHECKING:
    from optuna.distributions import BaseDistribution

__all__ = ["NB101_OPS", "Cell", "CellSpace"]

#: NAS-Bench-101's operations, in its ``available_ops`` order (the labels of its graph hash).
NB101_OPS: tuple[str, ...] = ("conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3")

_FORBIDDEN_OP_CHARS = frozenset("/, \t\n\r")
# sample() gives up after this many candidates plus a thousand per cell asked for.
_SAMPLE_BASE_CANDIDATES = 100_000
_MEMO_LIMIT = 200_000  # cells per memo table before it is cleared


@dataclass(frozen=True)
class Cell:
    """One cell: an upper-triangular adjacency matrix and the op of every node.

    ``matrix[i][j] == 1`` is an edge from node ``i`` to node ``j``; ``ops[0]`` is ``"input"`` and
    ``ops[-1]`` is ``"output"``. Lists and numpy arrays are accepted and stored as tuples of
    ``int``, so a cell is immutable and hashable. Equality is on this raw form; use
    :meth:`CellSpace.canonical` for isomorphism. Whether the cell belongs to a space is checked by
    :meth:`CellSpace.validate`, not here.

    Attributes:
        matrix: The ``n × n`` adjacency matrix, one tuple per row.
        ops: The ``n`` node ops, ``"input"`` and ``"output"`` included.

    Example:
        >>> cell = Cell([[0, 1, 1], [0, 0, 1], [0, 0, 0]], ["input", "maxpool3x3", "output"])
        >>> cell.matrix, cell.n_nodes, cell.n_edges
        (((0, 1, 1), (0, 0, 1), (0, 0, 0)), 3, 3)
    """

    matrix: tuple[tuple[int, ...], ...]
    ops: tuple[str, ...]

    def __post_init__(self) -> None:
        # Callers may pass lists or arrays despite the annotations; normalise them to tuples.
        raw_matrix: Any = self.matrix
        raw_ops: Any = self.ops
        if isinstance(raw_matrix, (str, bytes)) or isinstance(raw_ops, (str, bytes)):
            raise InvalidArchitectureError(
                "A Cell needs a matrix (a sequence of rows of 0/1) and a sequence of op names. "
                f"Got matrix={raw_matrix!r} and ops={raw_ops!r} instead; use CellSpace.parse() "
                "for the text form."
            )
        try:
            matrix = tuple(
                tuple(int(x) if isinstance(x, (int, np.integer)) else x for x in row)
                for row in raw_matrix
            )
            ops = tuple(raw_ops)
        except TypeError:
            raise InvalidArchitectureError(
                "A Cell needs a matrix (a sequence of rows of 0/1) and a sequence of op names. "
                f"Got matrix={self.matrix!r} and ops={self.ops!r} instead."
            ) from None
        object.__setattr__(self, "matrix", matrix)
        object.__setattr__(self, "ops", ops)

    @property
    def n_nodes(self) -> int:
        """The number of nodes, input and output included."""
        return len(self.ops)

    @property
    def n_edges(self) -> int:
        """The number of edges (ones in the matrix)."""
        return sum(sum(row) for row in self.matrix)


@functools.lru_cache(maxsize=1 << 16)
def _module_hash(matrix: tuple[tuple[int, ...], ...], labels: tuple[int, ...]) -> str:
    """NAS-Bench-101's graph hash (``graph_util.hash_module``) of a pruned cell.

    Every node starts from the md5 of ``(out-degree, in-degree, label)``; then, ``n`` times, a
    node's hash becomes the md5 of its sorted in-neighbour hashes, its sorted out-neighbour hashes
    and its own hash (Weisfeiler-Lehman refinement). The key is the md5 of the sorted node hashes,
    so it does not depend on how the nodes are numbered.
    """
    n = len(labels)
    preds = [[u for u in range(n) if matrix[u][v]] for v in range(n)]
    succs = [[w for w in range(n) if matrix[v][w]] for v in range(n)]
    hashes = [_md5(str((len(succs[v]), len(preds[v]), labels[v]))) for v in range(n)]
    for _ in range(n):
        hashes = [
            _md5(
                "".join(sorted(hashes[u] for u in preds[v]))
                + "|"
                + "".join(sorted(hashes[w] for w in succs[v]))
                + "|"
                + hashes[v]
            )
            for v in range(n)
        ]
    return _md5(str(sorted(hashes)))


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def _live_nodes(matrix: tuple[tuple[int, ...], ...]) -> list[int]:
    """Nodes on some input→output path of an upper-triangular matrix (empty if there is none)."""
    n = len(matrix)
    from_input = [False] * n
    from_input[0] = True
    for j in range(1, n):
        from_input[j] = any(from_input[i] and matrix[i][j] for i in range(j))
    to_output = [False] * n
    to_output[n - 1] = True
    for i in range(n - 2, -1, -1):
        to_output[i] = any(to_output[j] and matrix[i][j] for j in range(i + 1, n))
    if not from_input[n - 1]:
        return []
    return [v for v in range(n) if from_input[v] and to_output[v]]


def _restrict(cell: Cell, nodes: Sequence[int]) -> Cell:
    """The sub-cell on ``nodes`` (increasing), keeping the edges among them."""
    if len(nodes) == cell.n_nodes:
        return cell
    matrix = tuple(tuple(cell.matrix[i][j] for j in nodes) for i in nodes)
    return Cell(matrix, tuple(cell.ops[i] for i in nodes))


def _text(cell: Cell) -> str:
    """The text form of a well-formed cell (rows of digits, then the ops), unchecked."""
    rows = ["".join(str(x) for x in row) for row in cell.matrix]
    return "/".join([*rows, ",".join(cell.ops)])


def _combinations_bound(n_pairs: int, low: int, high: int) -> int:
    return sum(math.comb(n_pairs, k) for k in range(max(low, 0), min(high, n_pairs) + 1))


class CellSpace(SearchSpace[Cell]):
    """DAG cells of at most ``n_nodes`` nodes whose pruned form has at most ``max_edges`` edges.

    Validity follows NAS-Bench-101 (see the module docstring): the budget is checked on the
    pruned cell, so raw cells may carry any number of dead edges. :meth:`sample`,
    :meth:`neighbors` and :meth:`enumerate` give pruned cells.

    Args:
        ops: The op names of the intermediate nodes, in a fixed order (it orders the Optuna
            choices and the labels of :meth:`canonical`). Names must be unique, non-empty, other
            than ``"input"``/``"output"``, and free of ``/``, ``,`` and whitespace.
        n_nodes: The largest number of nodes of a cell, input and output included; the Optuna
            parameters describe a raw cell of exactly this size.
        max_edges: The largest number of edges of the *pruned* cell.
        name: A short name for error messages and study attributes.

    The preset :meth:`nb101` is NAS-Bench-101's space (7 nodes, at most 9 edges, 3 ops; 423,624
    isomorphism classes).

    Example:
        >>> space = CellSpace.nb101()
        >>> cell = space.parse("0110100/0000001/0001000/0000000/0000001/0000001/0000000/"
        ...                    "input,conv3x3-bn-relu,conv1x1-bn-relu,maxpool3x3,"
        ...                    "conv3x3-bn-relu,conv1x1-bn-relu,output")
        >>> cell.n_edges, space.prune(cell).n_nodes
        (7, 4)
        >>> space.to_string(space.prune(cell))
        '0110/0001/0001/0000/input,conv3x3-bn-relu,conv3x3-bn-relu,output'
        >>> len(space.distributions()), space.is_enumerable
        (26, False)
        >>> tiny = CellSpace(["conv", "pool"], n_nodes=3, max_edges=3)
        >>> len(tiny), len({tiny.canonical(c) for c in tiny.enumerate()})
        (5, 5)
    """

    #: A space whose :attr:`n_cells_bound` exceeds this is not enumerable.
    ENUMERATION_LIMIT = 100_000

    def __init__(
        self,
        ops: Sequence[str],
        *,
        n_nodes: int = 7,
        max_edges: int = 9,
        name: str = "cell",
    ) -> None:
        if isinstance(ops, str) or not isinstance(ops, Sequence) or len(ops) == 0:
            raise invalid(
                "CellSpace",
                "ops",
                f"a non-empty sequence of op names, e.g. {list(NB101_OPS)}",
                ops,
            )
        bad = [
            op
            for op in ops
            if not isinstance(op, str)
            or not op
            or op in (INPUT, OUTPUT)
            or _FORBIDDEN_OP_CHARS.intersection(op)
        ]
        if bad or len(set(ops)) != len(ops):
            raise ConfigurationError(
                "The 'ops' parameter of CellSpace must hold unique, non-empty op names other "
                f"than {INPUT!r}/{OUTPUT!r} and without '/', ',' or whitespace. "
                f"Got {list(ops)!r} instead."
            )
        self.n_nodes = check_int(
            n_nodes, "n_nodes", "CellSpace", low=2, hint="Input and output are included."
        )
        self.max_edges = check_int(max_edges, "max_edges", "CellSpace", low=1)
        if not isinstance(name, str) or not name:
            raise invalid("CellSpace", "name", "a non-empty str", name)
        self.ops: tuple[str, ...] = tuple(ops)
        self.name = name
        #: The upper-triangular node pairs ``(i, j)``, ``i < j``, in row-major order.
        self.edges: tuple[tuple[int, int], ...] = tuple(
            itertools.combinations(range(self.n_nodes), 2)
        )
        self._op_index = {op: k for k, op in enumerate(self.ops)}
        self._spec = GraphSpec(
            ops=self.ops,
            max_nodes=self.n_nodes,
            max_path_length=self.n_nodes - 2,
            fixed_edges=None,
            zero_op=None,
        )
        self._n_cells: int | None = None
        # Memos of the pure per-cell computations a search repeats on the same cells (the
        # mutation search meets most candidates again at the next step): cell -> result.
        self._memo: dict[str, dict[Cell, Any]] = {"canonical": {}, "neighbors": {}}

    @classmethod
    def nb101(cls) -> CellSpace:
        """NAS-Bench-101's space: 7 nodes, at most 9 edges, ops :data:`NB101_OPS`."""
        return cls(NB101_OPS, n_nodes=7, max_edges=9, name="nb101")

    def __repr__(self) -> str:
        return (
            f"CellSpace({list(self.ops)!r}, n_nodes={self.n_nodes}, "
            f"max_edges={self.max_edges}, name={self.name!r})"
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CellSpace) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash((CellSpace, self._key()))

    def _key(self) -> tuple[tuple[str, ...], int, int, str]:
        return (self.ops, self.n_nodes, self.max_edges, self.name)

    def __bool__(self) -> bool:
        return True

    def __len__(self) -> int:
        """The number of cells :meth:`enumerate` yields (only for an enumerable space).

        Raises:
            SpaceTooLargeError: (a ``TypeError``) if the space is not enumerable.
        """
        if not self.is_enumerable:
            raise SpaceTooLargeError(
                f"The space {self.name!r} has no len(): up to {self.n_cells_bound:,} pruned "
                f"cells is more than {self.ENUMERATION_LIMIT:,}. Use sample() or neighbors()."
            )
        if self._n_cells is None:
            n_op_choices = len(self.ops)
            self._n_cells = sum(
                n_op_choices ** (len(matrix) - 2) for matrix in self._pruned_matrices()
            )
        return self._n_cells

    # -- the set --------------------------------------------------------------------------
    @property
    def graph_spec(self) -> GraphSpec:
        return self._spec

    @property
    def n_cells_bound(self) -> int:
        """An upper bound on ``len(self)``, and the work of :meth:`enumerate`.

        For every size ``m = 2 … n_nodes``: the edge sets of ``m - 1`` (the fewest that keep
        every node live) to ``max_edges`` of the ``m (m-1) / 2`` node pairs, times the op choices
        of the ``m - 2`` intermediate nodes.
        """
        return sum(
            _combinations_bound(m * (m - 1) // 2, m - 1, self.max_edges) * len(self.ops) ** (m - 2)
            for m in range(2, self.n_nodes + 1)
        )

    @property
    def is_enumerable(self) -> bool:
        """Whether :attr:`n_cells_bound` is at most :attr:`ENUMERATION_LIMIT`."""
        return self.n_cells_bound <= self.ENUMERATION_LIMIT

    def enumerate(self) -> Iterator[Cell]:
        """Yield every pruned cell of the space once, in a fixed order.

        These are the cells :meth:`sample` can return: every cell of 2 to ``n_nodes`` nodes
        whose nodes all lie on an input→output path and which has at most ``max_edges`` edges,
        each once as a raw form (isomorphic relabellings are all listed; group them with
        :meth:`canonical`). Raw cells with dead nodes are left out: each prunes to a listed
        cell. The order is the number of nodes, then the number of edges, then the edge set
        (``itertools.combinations`` over the node pairs in row-major order), then the
        intermediate ops (``itertools.product`` over :attr:`ops`).

        Raises:
            SpaceTooLargeError: if the space is not enumerable (see :attr:`is_enumerable`).
        """
        if not self.is_enumerable:
            return super().enumerate()
        return self._iter_cells()

    def _iter_cells(self) -> Iterator[Cell]:
        for matrix in self._pruned_matrices():
            for inner in itertools.product(self.ops, repeat=len(matrix) - 2):
                yield Cell(matrix, (INPUT, *inner, OUTPUT))

    def _pruned_matrices(self) -> Iterator[tuple[tuple[int, ...], ...]]:
        """Every matrix with all nodes live and at most ``max_edges`` edges, by size."""
        for m in range(2, self.n_nodes + 1):
            pairs = list(itertools.combinations(range(m), 2))
            for k in range(m - 1, min(self.max_edges, len(pairs)) + 1):
                for chosen in itertools.combinations(pairs, k):
                    rows = [[0] * m for _ in range(m)]
                    for i, j in chosen:
                        rows[i][j] = 1
                    matrix = tuple(tuple(row) for row in rows)
                    if len(_live_nodes(matrix)) == m:
                        yield matrix

    def sample(self, n: int, rng: np.random.Generator) -> list[Cell]:
        """Draw ``n`` valid cells independently (with replacement) with ``rng``; pruned.

        NAS-Bench-101's rejection sampler (as in naszilla's ``random_cell``): a raw
        ``n_nodes``-node cell is drawn with every upper-triangular edge present with probability
        0.5 and every intermediate op uniform; it is pruned, and redrawn if the pruned cell does
        not exist (no input→output path) or has more than ``max_edges`` edges. The pruned cell is
        returned, so a cell's probability is proportional to the number of raw cells that prune
        to it: small cells are common and large ones rare, and it is not uniform over
        isomorphism classes. Candidates are drawn in vectorised batches sized from
        the acceptance rate so far, so the cells depend on ``n`` as well as on the state of
        ``rng``.

        Raises:
            ConfigurationError: if ``n`` is not an int >= 0, or if the space accepts so few
                candidates (well under one in a thousand) that ``100,000 + 1,000 n`` draws did
                not give ``n`` cells.
        """
        n = check_int(n, "n", "CellSpace.sample", low=0)
        size, n_pairs, n_inner = self.n_nodes, len(self.edges), self.n_nodes - 2
        rows, cols = np.triu_indices(size, k=1)
        max_batch = max(64, min(1 << 16, (1 << 22) // (size * size)))  # bounds the memory
        out: list[Cell] = []
        built: dict[bytes, Cell] = {}
        n_drawn = 0
        while len(out) < n:
            if n_drawn >= _SAMPLE_BASE_CANDIDATES + 1000 * n:
                raise ConfigurationError(
                    f"CellSpace.sample drew {n_drawn:,} candidates of {self!r} and kept only "
                    f"{len(out)} of the {n} asked for: too few raw cells have an input→output "
                    f"path and at most {self.max_edges} edges once pruned. Raise 'max_edges' "
                    "or lower 'n_nodes'."
                )
            n_left = n - len(out)
            rate = (len(out) + 1) / (n_drawn + 2)  # the acceptance rate so far, smoothed
            batch = int(min(max(64, 1.25 * n_left / rate), max_batch))
            n_drawn += batch
            bits = rng.integers(0, 2, size=(batch, n_pairs), dtype=np.int8)
            op_idx = rng.integers(0, len(self.ops), size=(batch, n_inner))
            adj = np.zeros((batch, size, size), dtype=bool)
            adj[:, rows, cols] = bits.astype(bool)
            from_input = np.zeros((batch, size), dtype=bool)
            from_input[:, 0] = True
            for j in range(1, size):
                from_input[:, j] = np.any(from_input[:, :j] & adj[:, :j, j], axis=1)
            to_output = np.zeros((batch, size), dtype=bool)
            to_output[:, -1] = True
            for i in range(size - 2, -1, -1):
                to_output[:, i] = np.any(adj[:, i, i + 1 :] & to_output[:, i + 1 :], axis=1)
            live = from_input & to_output
            live_edges = adj[:, rows, cols] & live[:, rows] & live[:, cols]
            keep = from_input[:, -1] & (live_edges.sum(axis=1) <= self.max_edges)
            kept = np.flatnonzero(keep)[:n_left]
            # Draws with the same live nodes, live edges and live ops share a key and a Cell.
            keys = np.concatenate(
                [live[kept], live_edges[kept], np.where(live[kept, 1:-1], op_idx[kept], -1)],
                axis=1,
                dtype=np.int64,
            )
            for key_row, b in zip(keys, kept, strict=True):
                key = key_row.tobytes()
                cell = built.get(key)
                if cell is None:
                    nodes = np.flatnonzero(live[b])
                    matrix = adj[b][nodes][:, nodes].astype(int).tolist()
                    ops = (INPUT, *(self.ops[op_idx[b, v - 1]] for v in nodes[1:-1]), OUTPUT)
                    cell = built[key] = Cell(tuple(map(tuple, matrix)), ops)
                out.append(cell)
        return out

    def _remember(self, table: str, arch: Any, compute: Callable[[], Any]) -> Any:
        """``compute()``, memoized per cell (cells of other types are computed every time)."""
        memo = self._memo[table]
        try:
            return memo[arch]
        except KeyError:
            pass
        except TypeError:  # an unhashable stand-in for a cell, e.g. lists
            return compute()
        value = compute()
        if len(memo) >= _MEMO_LIMIT:
            memo.clear()
        memo[arch] = value
        return value

    def neighbors(self, arch: Cell) -> list[Cell]:
        """The pruned cells one elementary change away from the pruned form of ``arch``.

        The moves act on ``P = prune(arch)`` (dead nodes compute nothing, so changing them would
        change nothing) and every result is pruned and kept if it is valid (NB101's rule):

        1. edge flips of ``P``, pairs ``(i, j)`` in row-major order (removing an edge may leave
           nodes dead, which are then pruned: the cell shrinks);
        2. op changes, node by node, ops in :attr:`ops` order;
        3. if ``P`` has fewer than ``n_nodes`` nodes, node insertions: for every pair ``i < k``
           of nodes of ``P`` (row-major) and every op, a new node with that op and the edges
           ``i → new → k``, numbered just before ``k``. In the raw ``n_nodes``-node form this
           is two edge flips onto a dead node, the smallest change that makes one live; without
           it no neighbour would ever have more nodes than ``P``.

        The neighbours are distinct raw cells (two moves giving the same pruned cell give it
        once) and none is isomorphic to ``arch``: every move changes the number of nodes, the
        number of edges or the multiset of ops of the pruned cell.

        Example:
            >>> space = CellSpace(["conv", "pool"], n_nodes=4, max_edges=4)
            >>> chain = space.parse("010/001/000/input,conv,output")
            >>> for nbr in space.neighbors(chain)[:3]:
            ...     print(space.to_string(nbr))
            011/001/000/input,conv,output
            010/001/000/input,pool,output
            0110/0010/0001/0000/input,conv,conv,output
            >>> len(space.neighbors(chain))  # 1 flip + 1 op change + 3 pairs x 2 ops
            8
        """
        return list(self._remember("neighbors", arch, lambda: self._neighbors(arch)))

    def _neighbors(self, arch: Cell) -> list[Cell]:
        cell = self.prune(arch)
        m = cell.n_nodes
        out: dict[Cell, None] = {}
        for i, j in itertools.combinations(range(m), 2):
            rows = [list(row) for row in cell.matrix]
            rows[i][j] = 1 - rows[i][j]
            cand = Cell(tuple(tuple(row) for row in rows), cell.ops)
            live = _live_nodes(cand.matrix)
            if live:
                pruned = _restrict(cand, live)
                if pruned.n_edges <= self.max_edges:
                    out.setdefault(pruned, None)
        for k in range(1, m - 1):
            for op in self.ops:
                if op != cell.ops[k]:
                    ops = cell.ops[:k] + (op,) + cell.ops[k + 1 :]
                    out.setdefault(Cell(cell.matrix, ops), None)
        if m < self.n_nodes and cell.n_edges + 2 <= self.max_edges:
            for i, k in itertools.combinations(range(m), 2):
                # Old node v becomes v (v < k) or v + 1 (v >= k); the new node is k.
                where = [v if v < k else v + 1 for v in range(m)]
                rows = [[0] * (m + 1) for _ in range(m + 1)]
                for a in range(m):
                    for b in range(a + 1, m):
                        rows[where[a]][where[b]] = cell.matrix[a][b]
                rows[where[i]][k] = rows[k][where[k]] = 1
                matrix = tuple(tuple(row) for row in rows)
                for op in self.ops:
                    ops = (*cell.ops[:k], op, *cell.ops[k:])
                    out.setdefault(Cell(matrix, ops), None)
        return list(out)

    def validate(self, arch: Any) -> Cell:
        """Return ``arch`` if it is a valid cell of this space, else raise.

        The raw cell must be well formed and the pruned cell must fit the budget (NAS-Bench-101's
        rule, see the module docstring): a raw cell may have more than ``max_edges`` edges if
        those on no input→output path bring the pruned cell within budget.

        Raises:
            InvalidArchitectureError: if ``arch`` is not a :class:`Cell`, its matrix is not a
                square 0/1 matrix matching the ops, it has more than ``n_nodes`` nodes, an op is
                unknown or misplaced, or its pruned cell has more than ``max_edges`` edges.
            InvalidGraphError: if the matrix is not strictly upper triangular (a cycle or a
                self-loop, or nodes out of topological order) or no path leads from input to
                output.

        Example:
            >>> space = CellSpace(["conv"], n_nodes=4, max_edges=2)
            >>> dead_end = Cell([[0, 1, 1, 0], [0, 0, 1, 1], [0, 0, 0, 0], [0, 0, 0, 0]],
            ...                 ["input", "conv", "conv", "output"])
            >>> dead_end.n_edges, space.prune(space.validate(dead_end)).n_edges
            (4, 2)
        """
        if not isinstance(arch, Cell):
            hint = " Use CellSpace.parse() for the text form." if isinstance(arch, str) else ""
            raise InvalidArchitectureError(
                f"An architecture of {self.name!r} is a Cell(matrix, ops). "
                f"Got {arch!r} instead.{hint}"
            )
        n = len(arch.ops)
        matrix = arch.matrix
        if n < 2 or len(matrix) != n or any(len(row) != n for row in matrix):
            raise InvalidArchitectureError(
                f"The matrix of a cell must be n × n for its n ops (2 <= n <= {self.n_nodes}). "
                f"Got {arch!r} instead."
            )
        if any(not isinstance(x, int) or x not in (0, 1) for row in matrix for x in row):
            raise InvalidArchitectureError(
                f"The matrix of a cell must hold only 0 and 1. Got {arch!r} instead."
            )
        if n > self.n_nodes:
            raise InvalidArchitectureError(
                f"A cell of {self.name!r} has at most {self.n_nodes} nodes. "
                f"Got {n} nodes in {arch!r} instead."
            )
        back = [(i, j) for i in range(n) for j in range(i + 1) if matrix[i][j]]
        if back:
            graph = nx.DiGraph([(i, j) for i in range(n) for j in range(n) if matrix[i][j]])
            try:
                cycle = nx.find_cycle(graph)
                what = f"it has the cycle {cycle}"
            except nx.NetworkXNoCycle:
                what = f"the edges {back} go backwards (nodes must be in topological order)"
            raise InvalidGraphError(
                "The matrix of a cell must be strictly upper triangular (an edge i → j needs "
                f"i < j), so that the cell is acyclic; {what}. Got {arch!r} instead."
            )
        if arch.ops[0] != INPUT or arch.ops[-1] != OUTPUT:
            raise InvalidArchitectureError(
                f"The ops of a cell must start with {INPUT!r} and end with {OUTPUT!r}. "
                f"Got {arch!r} instead."
            )
        unknown = [op for op in arch.ops[1:-1] if op not in self._op_index]
        if unknown:
            raise InvalidArchitectureError(
                f"Unknown op(s) {unknown} in a cell of {self.name!r}; expected ops from "
                f"{list(self.ops)}. Got {arch!r} instead."
            )
        live = _live_nodes(matrix)
        if not live:
            raise InvalidGraphError(
                f"A cell needs a path from input (node 0) to output (node {n - 1}); this one has "
                f"none. Got {arch!r} instead."
            )
        n_live_edges = sum(matrix[i][j] for i in live for j in live)
        if n_live_edges > self.max_edges:
            raise InvalidArchitectureError(
                f"A cell of {self.name!r} has at most {self.max_edges} edges once pruned (edges "
                "on no input→output path do not count, as in NAS-Bench-101). Got "
                f"{n_live_edges} edges after pruning ({arch.n_edges} raw) in {arch!r}, pruned "
                f"to {_text(_restrict(arch, live))!r}, instead."
            )
        return arch

    # -- forms ----------------------------------------------------------------------------
    def prune(self, arch: Cell) -> Cell:
        """Remove the nodes that lie on no input→output path (NB101's ``ModelSpec`` pruning).

        Example:
            >>> space = CellSpace(["conv"], n_nodes=4, max_edges=6)
            >>> dead_end = Cell([[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0], [0, 0, 0, 0]],
            ...                 ["input", "conv", "conv", "output"])
            >>> space.prune(dead_end)
            Cell(matrix=((0, 1, 0), (0, 0, 1), (0, 0, 0)), ops=('input', 'conv', 'output'))
        """
        arch = self.validate(arch)
        return _restrict(arch, _live_nodes(arch.matrix))

    def to_graph(self, arch: Cell) -> nx.DiGraph:
        """The cell graph of the pruned cell: nodes ``0 … m-1`` in order, ops in ``"op"``."""
        pruned = self.prune(arch)
        graph = nx.DiGraph()
        graph.add_nodes_from((v, {"op": op}) for v, op in enumerate(pruned.ops))
        m = pruned.n_nodes
        graph.add_edges_from((i, j) for i in range(m) for j in range(m) if pruned.matrix[i][j])
        return graph

    def canonical(self, arch: Cell) -> str:
        """An isomorphism-invariant hash (32 hex digits) of the pruned cell.

        This is NAS-Bench-101's graph hash (``hash_module``) with its labels: ``-1`` for the
        input, ``-2`` for the output and the index in :attr:`ops` for an intermediate op. It
        iterates md5 hashing of sorted neighbour labels (Weisfeiler-Lehman refinement) as many
        times as the pruned cell has nodes. Relabelling intermediate nodes or adding dead nodes
        never changes it; like any WL hash it is not proven collision-free, but NB101 reports no
        collision over its 423,624 cells.
        """
        return str(self._remember("canonical", arch, lambda: self._canonical(arch)))

    def _canonical(self, arch: Cell) -> str:
        pruned = self.prune(arch)
        labels = (-1, *(self._op_index[op] for op in pruned.ops[1:-1]), -2)
        return _module_hash(pruned.matrix, labels)

    def to_string(self, arch: Cell) -> str:
        """The text form, e.g. ``'011/001/000/input,conv3x3-bn-relu,output'`` (see the module)."""
        return _text(self.validate(arch))

    def parse(self, text: str) -> Cell:
        """Parse the text form ``'<row>/…/<row>/<op>,…,<op>'`` of :meth:`to_string`.

        Raises:
            InvalidArchitectureError: if ``text`` is malformed or names an invalid cell.
            InvalidGraphError: if ``text`` names a cyclic cell or one without an input→output
                path.
        """
        expected = (
            "expected n rows of n digits 0/1 (row i = the edges out of node i), then the n ops "
            f"joined by ',', all joined by '/', e.g. '011/001/000/{INPUT},{self.ops[0]},{OUTPUT}'"
        )
        if not isinstance(text, str):
            raise InvalidArchitectureError(
                f"Cannot parse {text!r} as a cell of {self.name!r}: {expected}."
            )
        *rows, op_part = text.strip().split("/")
        n = len(rows)
        if n < 2:
            raise InvalidArchitectureError(
                f"Cannot parse {text!r} as a cell of {self.name!r}: found {n} matrix row(s); "
                f"{expected}."
            )
        for i, row in enumerate(rows):
            if len(row) != n or set(row) - {"0", "1"}:
                raise InvalidArchitectureError(
                    f"Cannot parse {text!r} as a cell of {self.name!r}: row {i} is {row!r}, not "
                    f"{n} digits 0/1; {expected}."
                )
        ops = op_part.split(",")
        if len(ops) != n:
            raise InvalidArchitectureError(
                f"Cannot parse {text!r} as a cell of {self.name!r}: found {len(ops)} ops for "
                f"{n} rows; {expected}."
            )
        cell = Cell(tuple(tuple(int(c) for c in row) for row in rows), tuple(ops))
        try:
            return self.validate(cell)
        except (InvalidArchitectureError, InvalidGraphError) as err:
            raise type(err)(f"Cannot parse {text!r} as a cell of {self.name!r}: {err}") from None

    # -- the Optuna boundary --------------------------------------------------------------
    def distributions(self) -> dict[str, BaseDistribution]:
        """``"edge_i_j"`` → choices ``[0, 1]`` for every ``i < j``, then ``"op_k"`` → the ops."""
        from optuna.distributions import CategoricalDistribution

        dists: dict[str, BaseDistribution] = {
            f"edge_{i}_{j}": CategoricalDistribution([0, 1]) for i, j in self.edges
        }
        for k in range(1, self.n_nodes - 1):
            dists[f"op_{k}"] = CategoricalDistribution(list(self.ops))
        return dists

    def to_params(self, arch: Cell) -> dict[str, Any]:
        """The Optuna parameters of ``arch`` (a raw ``n_nodes``-node cell).

        A cell with fewer than ``n_nodes`` nodes is pruned and then padded with isolated dead
        nodes of op ``ops[0]`` just before the output; :meth:`from_params` maps that padded form
        back to the pruned cell. So ``from_params(to_params(a)) == a`` for every pruned cell
        (all that :meth:`sample`, :meth:`neighbors` and :meth:`enumerate` return) and every
        ``n_nodes``-node cell other than such a padded form; otherwise it is ``prune(a)``. The
        :meth:`canonical` key never changes.

        Example:
            >>> space = CellSpace(["conv", "pool"], n_nodes=4, max_edges=4)
            >>> chain = space.parse("010/001/000/input,pool,output")
            >>> params = space.to_params(chain)
            >>> [name for name, value in params.items() if value == 1], params["op_2"]
            (['edge_0_1', 'edge_1_3'], 'conv')
            >>> space.from_params(params) == chain
            True
        """
        arch = self.validate(arch)
        if arch.n_nodes < self.n_nodes:
            arch = self._pad(_restrict(arch, _live_nodes(arch.matrix)))
        params: dict[str, Any] = {f"edge_{i}_{j}": arch.matrix[i][j] for i, j in self.edges}
        for k in range(1, self.n_nodes - 1):
            params[f"op_{k}"] = arch.ops[k]
        return params

    def _pad(self, arch: Cell) -> Cell:
        m, n = arch.n_nodes, self.n_nodes
        if m == n:
            return arch
        # Old node v keeps its index, except the output (m-1), which moves to n-1.
        where = [*range(m - 1), n - 1]
        rows = [[0] * n for _ in range(n)]
        for i in range(m):
            for j in range(m):
                rows[where[i]][where[j]] = arch.matrix[i][j]
        ops = (*arch.ops[:-1], *([self.ops[0]] * (n - m)), OUTPUT)
        return Cell(tuple(tuple(row) for row in rows), ops)

    def from_params(self, params: Mapping[str, Any]) -> Cell:
        """Rebuild a cell from Optuna parameters (e.g. ``study.best_params``; extra keys ignored).

        The parameters describe a raw ``n_nodes``-node cell, returned as it is (dead nodes
        included), except the padded form that :meth:`to_params` gives a smaller cell, which is
        returned as that pruned cell; so ``to_params(from_params(p)) == p``.

        Raises:
            InvalidArchitectureError: if a parameter is missing or out of its choices, or the
                cell is invalid (no input→output path, more than ``max_edges`` edges once
                pruned). Independent samplers
                (``RandomSampler``, ``TPESampler``) draw every edge on its own and do propose
                such cells: catch this error in the objective and raise ``optuna.TrialPruned``.
                bonas's ``BONASSampler`` proposes only valid cells.
        """
        if not isinstance(params, Mapping):
            raise InvalidArchitectureError(
                f"The 'params' of CellSpace.from_params must be a mapping such as "
                f"study.best_params. Got {params!r} instead."
            )
        names = list(self.distributions())
        missing = [name for name in names if name not in params]
        if missing:
            raise self._bad_params(params, f"missing {missing}")
        bad_edges = [
            (f"edge_{i}_{j}", params[f"edge_{i}_{j}"])
            for i, j in self.edges
            if params[f"edge_{i}_{j}"] not in (0, 1)
        ]
        if bad_edges:
            raise self._bad_params(params, f"edge values {bad_edges} are not 0 or 1")
        inner = tuple(params[f"op_{k}"] for k in range(1, self.n_nodes - 1))
        bad_ops = [(f"op_{k}", op) for k, op in enumerate(inner, 1) if op not in self._op_index]
        if bad_ops:
            raise self._bad_params(params, f"unknown op(s) {bad_ops}; ops are {list(self.ops)}")
        rows = [[0] * self.n_nodes for _ in range(self.n_nodes)]
        for i, j in self.edges:
            rows[i][j] = int(params[f"edge_{i}_{j}"])
        cell = Cell(tuple(tuple(row) for row in rows), (INPUT, *inner, OUTPUT))
        try:
            self.validate(cell)
        except (InvalidArchitectureError, InvalidGraphError) as err:
            raise InvalidArchitectureError(
                f"The Optuna parameters {dict(params)!r} give an invalid cell of {self.name!r}: "
                f"{err} Independent samplers (RandomSampler, TPESampler, …) draw each edge on "
                "its own and can propose invalid cells; catch InvalidArchitectureError in the "
                "objective and raise optuna.TrialPruned, or use bonas's BONASSampler, which "
                "proposes only valid cells."
            ) from None
        pruned = _restrict(cell, _live_nodes(cell.matrix))
        if pruned.n_nodes < self.n_nodes and self._pad(pruned) == cell:
            return pruned
        return cell
