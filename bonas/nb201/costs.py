"""Exact costs of an NB201 cell: the parameters and FLOPs of its network, without building it.

NB201's network (:func:`bonas.nb201.network.build_network`) is a fixed skeleton around ``3N``
copies of the cell, and every edge of a stage sees the same channels and spatial size; of the
five ops only ``nor_conv_1x1`` and ``nor_conv_3x3`` have weights or do multiply-adds. So the
parameter count and the FLOPs of a cell are ``base + n_1x1 · per_1x1 + n_3x3 · per_3x3``,
where ``n_1x1`` and ``n_3x3`` count its edges of each convolution and the three coefficients
depend on the dataset only (its classes and image size) — even for an edge that feeds
nothing, whose convolution still has weights and still runs. The coefficients are derived
here from the layers of the network:

* parameters: every convolution's weights (no biases), two per channel of every batch norm
  (its affine weight and bias), and the classifier's weights and biases; this equals
  :func:`~bonas.nb201.network.count_parameters` of the built network and NB201's
  ``model_size`` × 10^6 in every cell;
* FLOPs: of one forward pass on one image of the dataset (cifar10 and cifar100: 3×32×32;
  ImageNet16-120: 3×16×16), counted as :class:`torch.utils.flop_counter.FlopCounterMode`
  counts them: 2 per multiply-add of each convolution (weights × output positions) and of the
  classifier's matrix product; batch norm, ReLU, pooling, sums, the ``none`` op's
  multiplication by 0 and the classifier's bias add count nothing. The tests check both
  against the built network.

:func:`params_table` and :func:`flops_table` give the counts of all 15,625 cells at once, in
the row order of :class:`~bonas.nb201.table.NB201Benchmark` (``space.index``, the base-5
value of the table key), computed once per dataset and process.

Example:
    >>> count_params("333132", "cifar10"), count_params("333132", "imagenet16-120")
    (1073466, 1080616)
    >>> count_flops("000000", "cifar10"), count_flops("000000", "imagenet16-120")
    (15566080, 3906560)
    >>> int(params_table("cifar10")[int("333132", 5)])
    1073466
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bonas._validation import check_int
from bonas.nb201.table import _dataset_name
from bonas.spaces.nb201 import NB201_EDGES, NB201_OPS, NB201Arch, NB201Space

__all__ = [
    "NB201_IMAGE_SHAPES",
    "NB201_NUM_CLASSES",
    "conv_counts",
    "count_flops",
    "count_params",
    "flops_table",
    "params_table",
]

#: Classes of each NB201 dataset (the outputs of the classifier).
NB201_NUM_CLASSES: dict[str, int] = {"cifar10": 10, "cifar100": 100, "imagenet16-120": 120}
#: ``(channels, height, width)`` of one image of each NB201 dataset.
NB201_IMAGE_SHAPES: dict[str, tuple[int, int, int]] = {
    "cifar10": (3, 32, 32),
    "cifar100": (3, 32, 32),
    "imagenet16-120": (3, 16, 16),
}

_SPACE = NB201Space()
_CONV_1X1 = NB201_OPS.index("nor_conv_1x1")
_CONV_3X3 = NB201_OPS.index("nor_conv_3x3")


@dataclass(frozen=True)
class _Linear:
    """A cost that is ``base + per_1x1 · n_1x1 + per_3x3 · n_3x3``."""

    base: int
    per_1x1: int
    per_3x3: int

    def of(self, n_1x1: int, n_3x3: int) -> int:
        return self.base + self.per_1x1 * n_1x1 + self.per_3x3 * n_3x3


def _conv_params(c_in: int, c_out: int, kernel: int) -> int:
    return c_in * c_out * kernel * kernel  # no bias anywhere in the network


def _bn_params(channels: int) -> int:
    return 2 * channels  # affine weight and bias; the running statistics are buffers


def _stage_sizes(height: int, width: int) -> list[tuple[int, int]]:
    """Spatial size of the three stages: each reduction block halves it, rounding up."""
    sizes = [(height, width)]
    for _ in range(2):
        h, w = sizes[-1]
        sizes.append((math.ceil(h / 2), math.ceil(w / 2)))
    return sizes


@functools.cache
def _coefficients(dataset: str, C: int, N: int) -> tuple[_Linear, _Linear]:
    """The (parameters, FLOPs) coefficients of NB201's network on ``dataset``, from its layers
    (see :class:`bonas.nb201.network.NB201Network`)."""
    classes = NB201_NUM_CLASSES[dataset]
    channels, height, width = NB201_IMAGE_SHAPES[dataset]
    widths = (C, 2 * C, 4 * C)
    areas = [h * w for h, w in _stage_sizes(height, width)]
    # The stem: 3x3 convolution from the image's channels to C, batch norm.
    params = _conv_params(channels, C, 3) + _bn_params(C)
    macs = _conv_params(channels, C, 3) * areas[0]
    # The reduction blocks into stages 2 and 3: conv_a (3x3, stride 2) and conv_b (3x3), each
    # with batch norm, and the shortcut's 1x1 convolution after a 2x2 pool; all at the new size.
    for stage in (1, 2):
        c_in, c_out = widths[stage - 1], widths[stage]
        weights = _conv_params(c_in, c_out, 3) + _conv_params(c_out, c_out, 3)
        weights += _conv_params(c_in, c_out, 1)
        params += weights + 2 * _bn_params(c_out)
        macs += weights * areas[stage]
    # The head: batch norm, global pooling, the linear classifier (its bias is not a FLOP).
    params += _bn_params(widths[2]) + widths[2] * classes + classes
    macs += widths[2] * classes
    # A convolution edge of a cell: ReLU, C→C convolution, batch norm, in each of the N cells
    # of each stage.
    per_params = {
        k: N * sum(_conv_params(c, c, k) + _bn_params(c) for c in widths) for k in (1, 3)
    }
    per_macs = {
        k: N * sum(_conv_params(c, c, k) * a for c, a in zip(widths, areas, strict=True))
        for k in (1, 3)
    }
    return (
        _Linear(params, per_params[1], per_params[3]),
        _Linear(2 * macs, 2 * per_macs[1], 2 * per_macs[3]),
    )


def conv_counts(cell: NB201Arch | Sequence[str] | str) -> tuple[int, int]:
    """The numbers of ``nor_conv_1x1`` and ``nor_conv_3x3`` edges of ``cell`` (a cell, an NB201
    cell string or a table key), the only facts of a cell its costs depend on.

    Example:
        >>> conv_counts("333132")
        (1, 4)
    """
    ops = _SPACE.coerce(cell)
    return ops.count("nor_conv_1x1"), ops.count("nor_conv_3x3")


def _check_size(value: int, name: str, owner: str) -> int:
    return check_int(value, name, owner, low=1)


def count_params(
    cell: NB201Arch | Sequence[str] | str, dataset: str, *, C: int = 16, N: int = 5
) -> int:
    """The exact parameter count of NB201's network for ``cell`` on ``dataset``.

    It equals ``count_parameters(build_network(cell, C=C, N=N, num_classes=...))`` and, for
    NB201's ``C = 16, N = 5``, the table's ``model_size`` × 10^6.

    Args:
        cell: A cell (a tuple of six op names), an NB201 cell string or a table key.
        dataset: ``"cifar10"``, ``"cifar100"`` or ``"imagenet16-120"`` (alias ``"imagenet"``),
            case-insensitive; it sets the classifier's outputs (10, 100, 120).
        C: Channels of the first stage (NB201: 16).
        N: Cells per stage (NB201: 5).

    Raises:
        InvalidArchitectureError: if ``cell`` is not an NB201 cell.
        ConfigurationError: for an unknown dataset or a ``C`` / ``N`` that is not an int >= 1.

    Example:
        >>> count_params(("none",) * 6, "cifar100")
        79156
    """
    params, _ = _checked_coefficients(dataset, C, N, "count_params")
    return params.of(*conv_counts(cell))


def _checked_coefficients(dataset: str, C: int, N: int, owner: str) -> tuple[_Linear, _Linear]:
    """:func:`_coefficients` of ``dataset``, ``C`` and ``N``, each checked for ``owner``."""
    return _coefficients(
        _dataset_name(dataset, owner), _check_size(C, "C", owner), _check_size(N, "N", owner)
    )


def count_flops(
    cell: NB201Arch | Sequence[str] | str, dataset: str, *, C: int = 16, N: int = 5
) -> int:
    """The FLOPs of one forward pass of NB201's network for ``cell`` on one image of
    ``dataset``, as :class:`torch.utils.flop_counter.FlopCounterMode` counts them (2 per
    multiply-add of the convolutions and the classifier; see the module docstring).

    Args:
        cell: A cell (a tuple of six op names), an NB201 cell string or a table key.
        dataset: ``"cifar10"``, ``"cifar100"`` (images 3×32×32) or ``"imagenet16-120"``
            (alias ``"imagenet"``; 3×16×16), case-insensitive.
        C: Channels of the first stage (NB201: 16).
        N: Cells per stage (NB201: 5).

    Raises:
        InvalidArchitectureError: if ``cell`` is not an NB201 cell.
        ConfigurationError: for an unknown dataset or a ``C`` / ``N`` that is not an int >= 1.

    Example:
        >>> count_flops(("nor_conv_3x3",) * 6, "cifar10")
        440239360
    """
    _, flops = _checked_coefficients(dataset, C, N, "count_flops")
    return flops.of(*conv_counts(cell))


@functools.cache
def _row_counts() -> tuple[np.ndarray, np.ndarray]:
    """``(15625,)`` numbers of 1x1 and 3x3 convolution edges of every row (``space.index``)."""
    base, width = len(NB201_OPS), len(NB201_EDGES)
    rows = np.arange(base**width)
    digits = (rows[:, None] // base ** np.arange(width)) % base  # the key's digits, any order
    return (digits == _CONV_1X1).sum(axis=1), (digits == _CONV_3X3).sum(axis=1)


@functools.cache
def _table(dataset: str, which: int) -> np.ndarray:
    cost = _coefficients(dataset, 16, 5)[which]
    n_1x1, n_3x3 = _row_counts()
    out = (cost.base + cost.per_1x1 * n_1x1 + cost.per_3x3 * n_3x3).astype(np.int64)
    out.flags.writeable = False
    return out


def params_table(dataset: str) -> np.ndarray:
    """``(15625,)`` int64, read-only: :func:`count_params` of every cell (NB201's ``C = 16,
    N = 5``), in :class:`~bonas.nb201.table.NB201Benchmark`'s row order (row
    ``bench.index(cell)``, i.e. ``space.index(cell)``), computed once per dataset.

    Raises:
        ConfigurationError: for an unknown dataset.
    """
    return _table(_dataset_name(dataset, "params_table"), 0)


def flops_table(dataset: str) -> np.ndarray:
    """``(15625,)`` int64, read-only: :func:`count_flops` of every cell (NB201's ``C = 16,
    N = 5``), in :class:`~bonas.nb201.table.NB201Benchmark`'s row order, computed once per
    dataset.

    Raises:
        ConfigurationError: for an unknown dataset.
    """
    return _table(_dataset_name(dataset, "flops_table"), 1)
