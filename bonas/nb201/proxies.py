"""Zero-cost proxies: a score of an NB201 cell read from its untrained network, no training.

:func:`synflow` is the data-free "synaptic flow" score of Tanaka et al. ("Pruning neural
networks without any data by iteratively conserving synaptic flow", NeurIPS 2020), used as a
NAS proxy by Abdelfattah et al. ("Zero-Cost Proxies for Lightweight NAS", ICLR 2021): make
every weight positive, feed an input of ones, and sum ``|θ · ∂R/∂θ|`` over the weights of
the convolutions and the classifier,
where ``R`` is the sum of the outputs. Cells whose convolutions lie on long live paths score
high; a ``none`` edge cuts the paths through it. Its rank correlation with the three NB201
tables is measured in ``benchmarks/results/zero_cost.md``.

The score is computed on one small network whose every edge holds all five ops with fixed
weights (seed 0), each cell choosing one op per edge: all cells are compared with the same
weights, so the score depends on the cell only, and a batch of cells is scored in one
forward-mode pass instead of one network build and backward pass each (:func:`synflow_table`
scores the 6,466 classes once per machine and caches them). :class:`SynflowProxy` is the same
score as a :class:`~bonas.proxies.Proxy`, registered as ``"synflow"``.

Example:
    >>> from bonas import NB201Space
    >>> space = NB201Space()
    >>> scores = synflow([space.from_key("333132"), space.from_key("000000")])
    >>> bool(scores[0] > 0), float(scores[1])
    (True, 0.0)
"""

from __future__ import annotations

import functools
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import torch
from torch import nn

from bonas._validation import check_int
from bonas.nb201.network import CELL_INPUTS, ResidualBlock, make_op
from bonas.proxies.base import Proxy
from bonas.spaces.nb201 import NB201_EDGES, NB201_OPS, NB201Space

if TYPE_CHECKING:
    from bonas.spaces.base import SearchSpace

__all__ = ["CACHE_ENV", "SynflowProxy", "synflow", "synflow_table"]

#: Where :func:`synflow_table` keeps its scores: this variable if set, else ``~/.cache/bonas``.
CACHE_ENV = "BONAS_CACHE_DIR"
_logger = logging.getLogger(__name__)
# Part of the cache file's name: raised whenever synflow's definition or network changes, so
# that no machine reads scores of an older definition.
_CACHE_FORMAT = 1

_NONE = NB201_OPS.index("none")
_SPACE = NB201Space()


class _SharedCell(nn.Module):
    """A cell whose every edge holds the five ops; ``forward(x, masks)`` weighs them per image
    by ``masks`` (``(n, 6, 5)``, one-hot: image ``b`` runs cell ``b``)."""

    def __init__(self, C: int) -> None:
        super().__init__()
        self.ops = nn.ModuleList(
            nn.ModuleList(make_op(op, C) for op in NB201_OPS) for _ in NB201_EDGES
        )

    def forward(self, x: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for _, inputs in CELL_INPUTS:
            total: torch.Tensor | int = 0
            for position, frm in inputs:
                for k, op in enumerate(cast(nn.ModuleList, self.ops[position])):
                    if k != _NONE:  # none adds zeros
                        w = masks[:, position, k].view(-1, 1, 1, 1)
                        total = total + w * op(nodes[frm])
            nodes.append(torch.as_tensor(total))
        return nodes[-1]


class _SharedNetwork(nn.Module):
    """NB201's skeleton (stem, 3 stages of ``N`` cells, 2 reduction blocks) with shared cells."""

    def __init__(self, C: int, N: int) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, C, 3, padding=1, bias=False), nn.BatchNorm2d(C))
        self.stages = nn.ModuleList()
        self.reductions = nn.ModuleList()
        for stage, width in enumerate((C, 2 * C, 4 * C)):
            if stage > 0:
                self.reductions.append(ResidualBlock(width // 2, width))
            self.stages.append(nn.ModuleList(_SharedCell(width) for _ in range(N)))
        self.lastact = nn.Sequential(nn.BatchNorm2d(4 * C), nn.ReLU())
        self.classifier = nn.Linear(4 * C, 10)

    def forward(self, x: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for stage, cells in enumerate(self.stages):
            if stage > 0:
                x = self.reductions[stage - 1](x)
            for cell in cast(nn.ModuleList, cells):
                x = cell(x, masks)
        x = self.lastact(x).mean(dim=(2, 3))
        return self.classifier(x)


def synflow(
    archs: Sequence[Any],
    *,
    C: int = 8,
    N: int = 1,
    resolution: int = 16,
    seed: int = 0,
    batch_size: int = 256,
) -> np.ndarray:
    """The synflow score of each cell (higher: more synaptic flow through the cell's convs).

    Args:
        archs: NB201 cells (op-name tuples, NB201 strings or six-digit table keys).
        C: Channels of the network's first stage.
        N: Cells per stage.
        resolution: Height and width of the all-ones input.
        seed: Seed of the shared weights (the same seed gives the same scores).
        batch_size: Cells scored in one pass.

    Returns:
        ``(len(archs),)`` float64 scores, 0 for a cell with no path from input to output.
    """
    from torch.func import functional_call, jvp

    dtype = torch.float32

    for name, value in (
        ("C", C),
        ("N", N),
        ("resolution", resolution),
        ("batch_size", batch_size),
    ):
        check_int(value, name, "synflow", low=1)
    index = {op: i for i, op in enumerate(NB201_OPS)}
    choice = np.array(
        [[index[op] for op in _SPACE.coerce(a)] for a in archs], dtype=np.int64
    ).reshape(-1, len(NB201_EDGES))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = _SharedNetwork(int(C), int(N)).to(dtype).eval()
    # Every weight positive and an input of ones: the network is monotone in every weight, so
    # sum |θ · ∂R/∂θ| = sum θ · ∂R/∂θ, the derivative of R along θ, one forward pass in
    # forward mode for a whole batch of cells.
    params = {k: v.detach().abs() for k, v in net.named_parameters()}
    # The flow through the weights of convolutions and the classifier (not biases or batch
    # norm's affine terms), so a cell with no path from input to output scores 0.
    weights = {
        f"{name}.weight" if name else "weight"
        for name, module in net.named_modules()
        if isinstance(module, (nn.Conv2d, nn.Linear))
    }
    tangents = {k: v if k in weights else torch.zeros_like(v) for k, v in params.items()}
    buffers = dict(net.named_buffers())
    scores = np.empty(len(choice))
    for lo in range(0, len(choice), int(batch_size)):
        part = torch.as_tensor(choice[lo : lo + int(batch_size)])
        masks = torch.nn.functional.one_hot(part, len(NB201_OPS)).to(dtype)
        x = torch.ones(len(part), 3, int(resolution), int(resolution), dtype=dtype)

        def total(
            p: dict[str, torch.Tensor], x: torch.Tensor = x, m: torch.Tensor = masks
        ) -> torch.Tensor:
            return functional_call(net, {**p, **buffers}, (x, m)).sum(dim=1)

        flow = jvp(total, (params,), (tangents,))[1]
        scores[lo : lo + len(part)] = flow.numpy()
    return scores


@functools.lru_cache(maxsize=4)
def synflow_table(**options: Any) -> dict[str, float]:
    """The synflow score of every canonical class of NB201 (6,466), canonical key → score.

    Computed once per machine and kept in ``$BONAS_CACHE_DIR``
    (default ``~/.cache/bonas``), one file per set of ``options`` (those of :func:`synflow`),
    torch version and version of this code; read from there afterwards, and kept in memory
    for the process. A cache file that cannot be read or does not fit is logged as a warning
    and replaced; a cache that cannot be written is only logged.
    """
    from bonas.spaces.pool import class_pool

    space = NB201Space()
    pool = class_pool(space)
    keys = list(pool.index)  # class ids are 0.. in this order
    path = _cache_path(options)
    scores = _read_cache(path, len(keys))
    if scores is not None:
        return dict(zip(keys, scores.tolist(), strict=True))
    _logger.info("Scoring NB201's %d classes with synflow (once; cached in %s).", len(keys), path)
    scores = synflow(list(pool.representatives), **options)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as fh:
            np.save(fh, scores)
        os.replace(fh.name, path)  # atomic: workers starting together never read half a file
    except OSError as exc:
        _logger.warning("Could not cache the synflow scores in %s: %s", path, exc)
    return dict(zip(keys, scores.tolist(), strict=True))


class SynflowProxy(Proxy):
    """synflow as a :class:`~bonas.proxies.Proxy` of NB201 cells (registered as ``"synflow"``).

    Cells are looked up by canonical class in :func:`synflow_table` (computed once per machine
    and cached), so scoring any number of cells costs a dictionary look-up each.

    Args:
        options: Options of :func:`synflow` (``C``, ``N``, ``resolution``, ``seed``,
            ``batch_size``); the defaults are those the table is cached with.
    """

    def __init__(self, **options: Any) -> None:
        self.options = options
        self._space = NB201Space()

    @property
    def label(self) -> str:
        return "synflow"

    def supports(self, space: SearchSpace[Any]) -> bool:
        """NB201 cells only."""
        return isinstance(space, NB201Space)

    def score(self, cells: Sequence[Any]) -> np.ndarray:
        table = synflow_table(**self.options)
        canonical = self._space.canonical
        return np.array([table[canonical(self._space.coerce(c))] for c in cells], dtype=np.float64)

    def __repr__(self) -> str:
        return f"SynflowProxy({', '.join(f'{k}={v!r}' for k, v in self.options.items())})"


def _cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "bonas")


def _cache_path(options: dict[str, Any]) -> Path:
    """The file :func:`synflow_table` keeps its scores for ``options`` in."""
    tag = "-".join(f"{k}{v}" for k, v in sorted(options.items()))
    version = torch.__version__.split("+")[0]
    return _cache_dir() / f"nb201-synflow-v{_CACHE_FORMAT}-{tag or 'default'}-torch{version}.npy"


def _read_cache(path: Path, n: int) -> np.ndarray | None:
    """The ``n`` scores cached in ``path``; ``None`` (after a warning, unless there is no such
    file yet) when they cannot be read or do not fit."""
    try:
        scores = np.load(path)  # allow_pickle=False: never runs code from the file
    except FileNotFoundError:
        return None  # the first run on this machine
    except (OSError, ValueError, EOFError) as exc:
        _logger.warning(
            "Could not read the synflow cache %s (%s: %s); the scores are recomputed and the "
            "file replaced.",
            path,
            type(exc).__name__,
            exc,
        )
        return None
    fits = isinstance(scores, np.ndarray) and scores.shape == (n,)
    if fits and np.issubdtype(scores.dtype, np.floating) and np.all(np.isfinite(scores)):
        return scores
    _logger.warning(
        "Ignoring the synflow cache %s: it does not fit NB201's %d classes; the scores are "
        "recomputed and the file replaced.",
        path,
        n,
    )
    return None
