"""The NAS-Bench-201 network of a cell, in PyTorch.

NAS-Bench-201 (Dong & Yang, "NAS-Bench-201: Extending the Scope of Reproducible Neural
Architecture Search", ICLR 2020) trains every cell in one fixed skeleton:

* a stem: a 3×3 convolution (no bias) from the image channels to ``C``, then batch norm;
* three stages of ``N`` cells each, with ``C``, ``2C`` and ``4C`` channels;
* between two stages a ResNet basic block of stride 2 that doubles the channels: two
  ReLU-conv-BN units (3×3, the first of stride 2) on one branch and, on the shortcut, a 2×2
  average pool of stride 2 followed by a 1×1 convolution (no bias, no batch norm);
* batch norm and ReLU, global average pooling, and a linear classifier.

A cell has four nodes; node ``j`` sums the ops of its edges ``j ← i`` applied to the earlier
nodes ``i``, and the cell's output is node 3. The ops keep the shape of their input:

===============  ==========================================================================
``none``         zeros (the input times 0, as NB201 computes it)
``skip_connect`` the identity
``nor_conv_1x1`` ReLU, 1×1 convolution (no bias), batch norm
``nor_conv_3x3`` ReLU, 3×3 convolution (no bias, padding 1), batch norm
``avg_pool_3x3`` 3×3 average pool, stride 1, padding 1, padding not counted
===============  ==========================================================================

With ``C=16, N=5`` the parameter count of :func:`build_network` is NB201's ``model_size`` × 10^6
for every one of the 15,625 cells and all three datasets (10, 100 and 120 classes); the tests
check it against the table.

Example:
    >>> import torch
    >>> net = build_network("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|"
    ...                     "+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|")
    >>> count_parameters(net)
    1073466
    >>> net(torch.zeros(2, 3, 32, 32)).shape
    torch.Size([2, 10])
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from bonas._validation import check_int
from bonas.exceptions import InvalidArchitectureError
from bonas.spaces.nb201 import NB201_EDGES, NB201_OPS, NB201Arch, NB201Space

__all__ = [
    "NB201Cell",
    "NB201Network",
    "ReLUConvBN",
    "ResidualBlock",
    "Zero",
    "build_network",
    "count_parameters",
    "CELL_INPUTS",
    "make_op",
]

_SPACE = NB201Space()
_POSITION = {edge: p for p, edge in enumerate(NB201_EDGES)}
#: For node ``to`` of a cell: the ``(edge position, from node)`` pairs of its incoming edges.
CELL_INPUTS: tuple[tuple[int, tuple[tuple[int, int], ...]], ...] = tuple(
    (to, tuple((_POSITION[(to, frm)], frm) for frm in range(to))) for to in (1, 2, 3)
)


class Zero(nn.Module):
    """NB201's ``none`` op: its input times 0 (a zero tensor of the same shape)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mul(0.0)


class ReLUConvBN(nn.Sequential):
    """ReLU, convolution without bias, batch norm: NB201's convolution unit.

    Args:
        C_in: Input channels.
        C_out: Output channels.
        kernel_size: The convolution's kernel size.
        stride: Its stride.
        padding: Its zero padding.
        device: Where to create the parameters (default: torch's default device).
    """

    def __init__(
        self,
        C_in: int,
        C_out: int,
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        *,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(
                C_in, C_out, kernel_size, stride=stride, padding=padding, bias=False, device=device
            ),
            nn.BatchNorm2d(C_out, device=device),
        )


def make_op(op: str, C: int, *, device: torch.device | str | None = None) -> nn.Module:
    """The module of NB201 op ``op`` on ``C`` channels (stride 1; the shape is kept).

    Raises:
        InvalidArchitectureError: if ``op`` is not one of the five NB201 ops.
    """
    if op == "none":
        return Zero()
    if op == "skip_connect":
        return nn.Identity()
    if op == "nor_conv_1x1":
        return ReLUConvBN(C, C, 1, 1, 0, device=device)
    if op == "nor_conv_3x3":
        return ReLUConvBN(C, C, 3, 1, 1, device=device)
    if op == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
    raise InvalidArchitectureError(
        f"The 'op' parameter of make_op must be one of {list(NB201_OPS)}. Got {op!r} instead."
    )


class NB201Cell(nn.Module):
    """One NB201 cell on ``C`` channels: six edges in NB201's edge order, node 3 the output.

    Args:
        arch: The cell, a tuple of six op names in NB201's edge order.
        C: Channels of the input, of every node and of the output.
        device: Where to create the parameters.

    Attributes:
        edges: The six op modules, ``edges[p]`` on edge ``NB201_EDGES[p]``.
    """

    def __init__(
        self, arch: NB201Arch, C: int, *, device: torch.device | str | None = None
    ) -> None:
        super().__init__()
        self.arch = arch
        self.edges = nn.ModuleList(make_op(op, C, device=device) for op in arch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for _, inputs in CELL_INPUTS:
            total = self.edges[inputs[0][0]](nodes[inputs[0][1]])
            for position, frm in inputs[1:]:
                total = total + self.edges[position](nodes[frm])
            nodes.append(total)
        return nodes[-1]


class ResidualBlock(nn.Module):
    """NB201's reduction block: a ResNet basic block of stride 2 from ``C_in`` to ``C_out``.

    ``conv_b(conv_a(x)) + shortcut(x)`` with ``conv_a`` a 3×3 ReLU-conv-BN of stride 2,
    ``conv_b`` a 3×3 ReLU-conv-BN, and ``shortcut`` a 2×2 average pool of stride 2 followed by
    a 1×1 convolution without bias. The pool rounds odd sizes up (``ceil_mode``), as the
    strided convolution does; NB201's inputs are even-sized, where this changes nothing.
    """

    def __init__(self, C_in: int, C_out: int, *, device: torch.device | str | None = None) -> None:
        super().__init__()
        self.conv_a = ReLUConvBN(C_in, C_out, 3, 2, 1, device=device)
        self.conv_b = ReLUConvBN(C_out, C_out, 3, 1, 1, device=device)
        self.shortcut = nn.Sequential(
            nn.AvgPool2d(kernel_size=2, stride=2, padding=0, ceil_mode=True),
            nn.Conv2d(C_in, C_out, kernel_size=1, stride=1, padding=0, bias=False, device=device),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shortcut(x) + self.conv_b(self.conv_a(x))


class NB201Network(nn.Module):
    """NB201's network for one cell (use :func:`build_network`, which checks its arguments).

    ``forward(x)`` maps a batch of images ``(n, in_channels, H, W)`` to logits
    ``(n, num_classes)``. Any ``H, W`` of at least 1 works; each reduction block halves them,
    rounding up.

    Attributes:
        arch: The cell, a tuple of six op names.
        C, N, num_classes, in_channels: The arguments it was built with.
        stem, cells, lastact, classifier: Its parts; ``cells`` holds the ``3N`` cells and the
            two reduction blocks in order.
    """

    def __init__(
        self,
        arch: NB201Arch,
        *,
        C: int,
        N: int,
        num_classes: int,
        in_channels: int,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()
        self.arch = arch
        self.C, self.N, self.num_classes, self.in_channels = C, N, num_classes, in_channels
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, C, kernel_size=3, padding=1, bias=False, device=device),
            nn.BatchNorm2d(C, device=device),
        )
        layers: list[nn.Module] = []
        for stage, width in enumerate((C, 2 * C, 4 * C)):
            if stage > 0:
                layers.append(ResidualBlock(width // 2, width, device=device))
            layers.extend(NB201Cell(arch, width, device=device) for _ in range(N))
        self.cells = nn.Sequential(*layers)
        self.lastact = nn.Sequential(nn.BatchNorm2d(4 * C, device=device), nn.ReLU(inplace=True))
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(4 * C, num_classes, device=device)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.lastact(self.cells(self.stem(x)))
        return self.classifier(torch.flatten(self.global_pooling(out), 1))

    def extra_repr(self) -> str:
        return (
            f"arch={_SPACE.to_string(self.arch)!r}, C={self.C}, N={self.N}, "
            f"num_classes={self.num_classes}, in_channels={self.in_channels}"
        )


def build_network(
    arch: NB201Arch | Sequence[str] | str,
    *,
    C: int = 16,
    N: int = 5,
    num_classes: int = 10,
    in_channels: int = 3,
    device: torch.device | str | None = None,
) -> NB201Network:
    """Build NB201's network for the cell ``arch``.

    Args:
        arch: The cell: a tuple of six op names in NB201's edge order (what
            ``NB201Space.suggest(trial)`` returns), an NB201 cell string
            (``'|nor_conv_3x3~0|+|…~0|…~1|+|…~0|…~1|…~2|'``) or a six-digit table key
            (``'333132'``).
        C: Channels of the first stage (the second has ``2C``, the third ``4C``). NB201: 16.
        N: Cells per stage. NB201: 5.
        num_classes: Outputs of the classifier (NB201: 10 for cifar10, 100 for cifar100, 120
            for ImageNet16-120).
        in_channels: Channels of the input images (3 for colour, 1 for grey).
        device: Where to create the parameters (``"cpu"``, ``"cuda"``, ``"meta"``, …);
            default: torch's default device.

    Returns:
        The network, in training mode. Its parameters are initialized from torch's global
        random generator, as any ``nn.Module``'s; seed it (or use
        ``torch.random.fork_rng``) for reproducible weights.

    Raises:
        InvalidArchitectureError: if ``arch`` is not an NB201 cell.
        ConfigurationError: if ``C``, ``N``, ``num_classes`` or ``in_channels`` is not a
            positive int.

    Example:
        >>> net = build_network(("none",) * 6, device="meta")
        >>> count_parameters(net), len(net.cells)
        (73306, 17)
    """
    cell = _SPACE.coerce(arch)
    owner = "build_network"
    return NB201Network(
        cell,
        C=check_int(C, "C", owner, low=1),
        N=check_int(N, "N", owner, low=1),
        num_classes=check_int(num_classes, "num_classes", owner, low=1),
        in_channels=check_int(in_channels, "in_channels", owner, low=1),
        device=device,
    )


def count_parameters(module: nn.Module) -> int:
    """The number of parameters of ``module`` (every element of every parameter tensor)."""
    return sum(p.numel() for p in module.parameters())


# -- helpers -------------------------------------------------------------------------------------
