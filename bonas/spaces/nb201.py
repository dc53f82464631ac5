"""The NAS-Bench-201 cell space (Dong & Yang, ICLR 2020).

A cell has four nodes; each of its six edges ``j ← i`` (``i < j``) carries one of five ops. The
edge order is NB201's string order: ``1←0, 2←0, 2←1, 3←0, 3←1, 3←2``. An architecture is the
tuple of the six op names in that order, e.g. ``("nor_conv_3x3",) * 6``.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import networkx as nx
import numpy as np

from bonas._validation import check_choice, check_int
from bonas.exceptions import InvalidArchitectureError
from bonas.graph import INPUT, OUTPUT, GraphSpec
from bonas.spaces.base import SearchSpace

if TYPE_CHECKING:
    from optuna.distributions import BaseDistribution

__all__ = ["NB201_EDGES", "NB201_OPS", "NB201Arch", "NB201Space"]

#: The five NB201 operations, in the table's index order (op index → name).
NB201_OPS: tuple[str, ...] = (
    "none",
    "skip_connect",
    "nor_conv_1x1",
    "nor_conv_3x3",
    "avg_pool_3x3",
)
#: Edge position → ``(to, from)`` node pair, NB201's string order.
NB201_EDGES: tuple[tuple[int, int], ...] = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))

NB201Arch = tuple[str, str, str, str, str, str]
CanonicalRule = Literal["nb201", "drop_zero"]

_ZERO = "#"
_OP_INDEX = {op: i for i, op in enumerate(NB201_OPS)}
_POSITION = {edge: p for p, edge in enumerate(NB201_EDGES)}


def _line_graph_edges() -> frozenset[tuple[int, int]]:
    """Edges of the op-node graph: node 0 input, ``1 + p`` the op of edge ``p``, 7 output."""
    edges = set()
    for p, (to, frm) in enumerate(NB201_EDGES):
        if frm == 0:
            edges.add((0, 1 + p))
        if to == 3:
            edges.add((1 + p, 7))
        for q, (_, frm2) in enumerate(NB201_EDGES):
            if frm2 == to:
                edges.add((1 + p, 1 + q))
    return frozenset(edges)


_GRAPH_EDGES = _line_graph_edges()


@functools.cache
def _unique_str(arch: tuple[str, ...], rule: CanonicalRule) -> str:
    """NB201's isomorphism key (``to_unique_str`` with zero terms), or its ``drop_zero`` variant.

    Each node's value is the sorted sum of its incoming terms; ``skip_connect`` passes its input
    through, ``none`` (or any op whose input is zero) gives a zero term. Under ``"nb201"`` the zero
    terms stay in the sum (a node is zero only if its one term is); under ``"drop_zero"`` they are
    dropped (x + 0 = x), so a node is zero when all its terms are.
    """
    values = ["0"]
    for to in (1, 2, 3):
        terms = []
        for frm in range(to):
            op = arch[_POSITION[(to, frm)]]
            x = values[frm]
            if op == "none" or x == _ZERO:
                terms.append(_ZERO)
            elif op == "skip_connect":
                terms.append(x)
            else:
                terms.append(f"({x})@{op}")
        if rule == "drop_zero":
            terms = [t for t in terms if t != _ZERO]
            values.append("+".join(sorted(terms)) if terms else _ZERO)
        else:
            values.append("+".join(sorted(terms)))
    return values[3]


class NB201Space(SearchSpace[NB201Arch]):
    """The 15,625 cells of NAS-Bench-201.

    Args:
        canonical_rule: The isomorphism rule of :meth:`canonical`. ``"nb201"`` is NB201's own
            (``to_unique_str`` keeping zero terms; 6,466 classes); ``"drop_zero"`` also drops zero
            terms from sums (x + 0 = x; 5,390 classes).

    Example:
        >>> space = NB201Space()
        >>> arch = space.from_key("333132")
        >>> space.to_string(arch)
        '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|'
        >>> len(space), len(space.neighbors(arch))
        (15625, 24)
    """

    name = "nb201"
    ops = NB201_OPS
    edges = NB201_EDGES

    def __init__(self, *, canonical_rule: CanonicalRule = "nb201") -> None:
        self.canonical_rule: CanonicalRule = check_choice(
            canonical_rule, "canonical_rule", "NB201Space", ("nb201", "drop_zero")
        )
        self._spec = GraphSpec(
            ops=NB201_OPS,
            max_nodes=8,
            max_path_length=3,
            fixed_edges=_GRAPH_EDGES,
            zero_op="none",
        )

    def __repr__(self) -> str:
        return f"NB201Space(canonical_rule={self.canonical_rule!r})"

    def __len__(self) -> int:
        return len(NB201_OPS) ** len(NB201_EDGES)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NB201Space) and other.canonical_rule == self.canonical_rule

    def __hash__(self) -> int:
        return hash((NB201Space, self.canonical_rule))

    # -- the set --------------------------------------------------------------------------
    @property
    def graph_spec(self) -> GraphSpec:
        return self._spec

    @property
    def is_enumerable(self) -> bool:
        return True

    def coerce(self, arch: NB201Arch | Sequence[str] | str) -> NB201Arch:
        """The cell ``arch`` stands for: a cell (validated), an NB201 cell string or a 6-digit
        table key.

        Example:
            >>> space = NB201Space()
            >>> space.coerce("000000") == space.from_key("000000")
            True
        """
        if isinstance(arch, str):
            text = arch.strip()
            if len(text) == len(NB201_EDGES) and text.isdigit():
                return self.from_key(text)
            return self.parse(text)
        return self.validate(arch)

    @property
    def default_proxy(self) -> str:
        """``"synflow"`` (:class:`bonas.nb201.proxies.SynflowProxy`)."""
        return "synflow"

    def enumerate(self) -> Iterator[NB201Arch]:
        """Yield the 15,625 cells in the lexicographic order of their table keys."""
        yield from itertools.product(NB201_OPS, repeat=len(NB201_EDGES))

    def sample(self, n: int, rng: np.random.Generator) -> list[NB201Arch]:
        """Draw ``n`` cells uniformly and independently (with replacement) with ``rng``."""
        n = check_int(n, "n", "NB201Space.sample", low=0)
        idx = rng.integers(0, len(NB201_OPS), size=(n, len(NB201_EDGES)))
        return [tuple(NB201_OPS[i] for i in row) for row in idx]

    def neighbors(self, arch: NB201Arch) -> list[NB201Arch]:
        """The 24 cells that differ from ``arch`` on exactly one edge (edge-major, op order)."""
        arch = self.validate(arch)
        out: list[NB201Arch] = []
        for p in range(len(NB201_EDGES)):
            for op in NB201_OPS:
                if op != arch[p]:
                    out.append(arch[:p] + (op,) + arch[p + 1 :])  # type: ignore[arg-type]
        return out

    def validate(self, arch: Any) -> NB201Arch:
        if isinstance(arch, str):
            raise InvalidArchitectureError(
                f"An NB201 architecture is a tuple of 6 op names; got the string {arch!r}. "
                "Use NB201Space.parse() for a cell string or from_key() for a table key."
            )
        try:
            ops = tuple(arch)
        except TypeError:
            raise InvalidArchitectureError(
                f"An NB201 architecture is a tuple of 6 op names from {list(NB201_OPS)}. "
                f"Got {arch!r} instead."
            ) from None
        if len(ops) != len(NB201_EDGES) or any(op not in _OP_INDEX for op in ops):
            raise InvalidArchitectureError(
                f"An NB201 architecture is a tuple of 6 op names from {list(NB201_OPS)}. "
                f"Got {arch!r} instead."
            )
        return ops

    # -- forms ----------------------------------------------------------------------------
    def to_graph(self, arch: NB201Arch) -> nx.DiGraph:
        """The op-node graph: node 0 input, node ``1 + p`` the op of edge ``p``, node 7 output."""
        arch = self.validate(arch)
        g = nx.DiGraph()
        g.add_node(0, op=INPUT)
        for p, op in enumerate(arch):
            g.add_node(1 + p, op=op, edge=NB201_EDGES[p])
        g.add_node(7, op=OUTPUT)
        g.add_edges_from(sorted(_GRAPH_EDGES))
        return g

    def canonical(self, arch: NB201Arch, *, rule: CanonicalRule | None = None) -> str:
        """Return the isomorphism key of ``arch`` under ``rule`` (default: the space's rule)."""
        return _unique_str(self.validate(arch), rule or self.canonical_rule)

    def to_string(self, arch: NB201Arch) -> str:
        arch = self.validate(arch)
        parts = []
        for to in (1, 2, 3):
            parts.append(
                "|" + "|".join(f"{arch[_POSITION[(to, frm)]]}~{frm}" for frm in range(to)) + "|"
            )
        return "+".join(parts)

    def parse(self, text: str) -> NB201Arch:
        """Parse an NB201 cell string such as ``|nor_conv_3x3~0|+|…~0|…~1|+|…~0|…~1|…~2|``."""
        expected = (
            "expected NB201's form '|op~0|+|op~0|op~1|+|op~0|op~1|op~2|' with ops from "
            f"{list(NB201_OPS)}"
        )
        if not isinstance(text, str):
            raise InvalidArchitectureError(f"Cannot parse {text!r} as an NB201 cell: {expected}.")
        nodes = text.strip().split("+")
        if len(nodes) != 3:
            raise InvalidArchitectureError(f"Cannot parse {text!r} as an NB201 cell: {expected}.")
        ops: list[str] = [""] * len(NB201_EDGES)
        for to, node in enumerate(nodes, start=1):
            if not (node.startswith("|") and node.endswith("|")):
                raise InvalidArchitectureError(
                    f"Cannot parse {text!r} as an NB201 cell: node {to} is {node!r}; {expected}."
                )
            items = node[1:-1].split("|")
            if len(items) != to:
                raise InvalidArchitectureError(
                    f"Cannot parse {text!r} as an NB201 cell: node {to} needs {to} inputs, "
                    f"got {len(items)}; {expected}."
                )
            for frm, item in enumerate(items):
                op, sep, src = item.rpartition("~")
                if not sep or src != str(frm):
                    raise InvalidArchitectureError(
                        f"Cannot parse {text!r} as an NB201 cell: {item!r} should be "
                        f"'op~{frm}'; {expected}."
                    )
                if op not in _OP_INDEX:
                    raise InvalidArchitectureError(
                        f"Cannot parse {text!r} as an NB201 cell: unknown op {op!r}; "
                        f"expected one of {list(NB201_OPS)}."
                    )
                ops[_POSITION[(to, frm)]] = op
        return tuple(ops)  # type: ignore[return-value]

    def to_key(self, arch: NB201Arch) -> str:
        """The table key of ``arch``: six op indices in edge order, e.g. ``'333132'``."""
        return "".join(str(_OP_INDEX[op]) for op in self.validate(arch))

    def from_key(self, key: str) -> NB201Arch:
        """The cell of a table key such as ``'333132'``."""
        if not (isinstance(key, str) and len(key) == 6 and all(c in "01234" for c in key)):
            raise InvalidArchitectureError(
                "An NB201 table key is 6 digits 0-4 (op indices in edge order), e.g. '333132'. "
                f"Got {key!r} instead."
            )
        return tuple(NB201_OPS[int(c)] for c in key)  # type: ignore[return-value]

    def index(self, arch: NB201Arch) -> int:
        """Position of ``arch`` in :meth:`enumerate`: its key in base 5 (not NB201's index)."""
        return int(self.to_key(arch), 5)

    # -- the Optuna boundary --------------------------------------------------------------
    @staticmethod
    def param_name(position: int) -> str:
        """The Optuna parameter name of edge ``position``: ``'edge_<to>_<from>'``."""
        to, frm = NB201_EDGES[position]
        return f"edge_{to}_{frm}"

    def distributions(self) -> dict[str, BaseDistribution]:
        from optuna.distributions import CategoricalDistribution

        return {
            self.param_name(p): CategoricalDistribution(list(NB201_OPS))
            for p in range(len(NB201_EDGES))
        }

    def to_params(self, arch: NB201Arch) -> dict[str, Any]:
        arch = self.validate(arch)
        return {self.param_name(p): op for p, op in enumerate(arch)}

    def from_params(self, params: Mapping[str, Any]) -> NB201Arch:
        if not isinstance(params, Mapping):
            raise InvalidArchitectureError(
                "The 'params' of NB201Space.from_params must be a mapping such as "
                f"study.best_params. Got {params!r} instead."
            )
        names = [self.param_name(p) for p in range(len(NB201_EDGES))]
        missing = [n for n in names if n not in params]
        if missing:
            raise self._bad_params(params, f"missing {missing}")
        ops = tuple(params[n] for n in names)
        bad = [(n, o) for n, o in zip(names, ops, strict=True) if o not in _OP_INDEX]
        if bad:
            raise self._bad_params(params, f"unknown op(s) {bad}; ops are {list(NB201_OPS)}")
        return ops
