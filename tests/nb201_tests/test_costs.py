"""Tests of bonas.nb201.costs: the exact parameters and FLOPs of an NB201 cell.

The closed forms are checked against the real thing: PyTorch's own FLOP counter
(``torch.utils.flop_counter.FlopCounterMode``) on the network that ``build_network`` builds,
``count_parameters`` of that network, and the table's ``model_size`` of every cell.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from bonas.exceptions import ConfigurationError, InvalidArchitectureError
from bonas.nb201.costs import (
    NB201_IMAGE_SHAPES,
    NB201_NUM_CLASSES,
    conv_counts,
    count_flops,
    count_params,
    flops_table,
    params_table,
)
from bonas.nb201.network import build_network, count_parameters
from bonas.nb201.table import NB201_DATASETS, NB201Benchmark
from bonas.spaces.nb201 import NB201_OPS, NB201Space

DATASETS = tuple(NB201_DATASETS)
SPACE = NB201Space()
# A dozen cells: each op everywhere, the table's optima, convolutions on edges that feed
# nothing (node 1 is dead in '300000' and '220000'), and mixed cells.
CELLS = (
    "000000",  # all none
    "111111",  # all skip
    "222222",  # all 1x1
    "333333",  # all 3x3
    "444444",  # all pool
    "333132",  # cifar10's optimum
    "322133",  # ImageNet16-120's optimum
    "300000",  # one 3x3 convolution that feeds nothing
    "220000",  # two 1x1 convolutions, neither reaching the output
    "123401",
    "043210",
    "232323",
)


def _torch_flops(cell: str, dataset: str, **network: int) -> int:
    """What FlopCounterMode counts for one forward pass on one image of ``dataset``."""
    net = build_network(cell, num_classes=NB201_NUM_CLASSES[dataset], device="cpu", **network)
    net.eval()
    image = torch.zeros(1, *NB201_IMAGE_SHAPES[dataset])
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        net(image)
    return int(counter.get_total_flops())


@pytest.mark.parametrize("dataset", DATASETS)
def test_flops_equal_torch_flop_counter(dataset: str) -> None:
    for cell in CELLS:
        assert count_flops(cell, dataset) == _torch_flops(cell, dataset), cell


def test_flops_and_params_of_other_network_sizes_equal_the_built_network() -> None:
    for C, N in ((8, 1), (4, 2)):
        for cell in ("000000", "333333", "123401"):
            assert count_flops(cell, "cifar10", C=C, N=N) == _torch_flops(
                cell, "cifar10", C=C, N=N
            )
            net = build_network(cell, C=C, N=N, num_classes=120, device="meta")
            assert count_params(cell, "imagenet16-120", C=C, N=N) == count_parameters(net)


def test_flops_count_only_convolutions_and_the_classifier() -> None:
    # Zero, skip and pool cells do the same multiply-adds: the skeleton's.
    for dataset in DATASETS:
        assert len({count_flops(c, dataset) for c in ("000000", "111111", "444444")}) == 1
        assert count_flops("333333", dataset) > count_flops("222222", dataset)
    # A 16x16 image does a quarter of the convolutions' work of a 32x32 one; the classifier's
    # product is the same (2 FLOPs per weight).
    base = {d: count_flops("000000", d) for d in DATASETS}
    classifier = {d: 2 * 64 * NB201_NUM_CLASSES[d] for d in DATASETS}
    assert 4 * (base["imagenet16-120"] - classifier["imagenet16-120"]) == (
        base["cifar10"] - classifier["cifar10"]
    )


@pytest.mark.parametrize("dataset", DATASETS)
def test_params_equal_the_built_network(dataset: str) -> None:
    rng = np.random.default_rng(0)
    cells = [*CELLS, *(SPACE.to_key(c) for c in SPACE.sample(40, rng))]
    for cell in cells:
        net = build_network(cell, num_classes=NB201_NUM_CLASSES[dataset], device="meta")
        assert count_params(cell, dataset) == count_parameters(net), cell


@pytest.mark.parametrize("dataset", DATASETS)
def test_params_table_equals_the_table_model_size(dataset: str) -> None:
    bench = NB201Benchmark(dataset)
    assert np.array_equal(params_table(dataset), np.round(bench.model_sizes * 1e6))


@pytest.mark.parametrize("dataset", DATASETS)
def test_tables_equal_the_per_cell_functions_in_benchmark_row_order(dataset: str) -> None:
    bench = NB201Benchmark(dataset)
    params, flops = params_table(dataset), flops_table(dataset)
    assert params.shape == flops.shape == (len(SPACE),)
    assert params.dtype == flops.dtype == np.int64
    for row in range(len(SPACE)):
        cell = bench.arch(row)
        assert bench.index(cell) == row
        assert params[row] == count_params(cell, dataset)
        assert flops[row] == count_flops(cell, dataset)


def test_tables_are_cached_and_read_only() -> None:
    assert params_table("cifar100") is params_table("CIFAR100")
    assert flops_table("imagenet") is flops_table("imagenet16-120")
    with pytest.raises(ValueError, match="read-only"):
        params_table("cifar10")[0] = 0


def test_costs_depend_only_on_the_convolution_counts() -> None:
    assert conv_counts("333132") == (1, 4)
    assert conv_counts(SPACE.from_key("000000")) == (0, 0)
    # Every cell with one 1x1 and two 3x3 convolutions costs the same, wherever they are.
    n_1x1, n_3x3 = _counts_of_rows()
    rows = np.flatnonzero((n_1x1 == 1) & (n_3x3 == 2))
    for dataset in DATASETS:
        assert len(np.unique(params_table(dataset)[rows])) == 1
        assert len(np.unique(flops_table(dataset)[rows])) == 1


def _counts_of_rows() -> tuple[np.ndarray, np.ndarray]:
    keys = [SPACE.to_key(cell) for cell in SPACE.enumerate()]
    one = NB201_OPS.index("nor_conv_1x1")
    three = NB201_OPS.index("nor_conv_3x3")
    return (
        np.array([k.count(str(one)) for k in keys]),
        np.array([k.count(str(three)) for k in keys]),
    )


def test_cells_as_strings_keys_and_tuples_agree() -> None:
    cell = SPACE.from_key("333132")
    text = SPACE.to_string(cell)
    assert count_params(cell, "cifar10") == count_params(text, "cifar10")
    assert count_params(cell, "cifar10") == count_params("333132", "cifar10")
    assert count_flops(list(cell), "Imagenet") == count_flops(text, "imagenet16-120")


@pytest.mark.parametrize(
    ("function", "owner"),
    [
        (count_params, "count_params"),
        (count_flops, "count_flops"),
        (lambda _, d: params_table(d), "params_table"),
        (lambda _, d: flops_table(d), "flops_table"),
    ],
)
def test_unknown_dataset_is_refused_with_the_house_message(function, owner) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigurationError, match=rf"'dataset' parameter of {owner} must be"):
        function("000000", "mnist")


def test_bad_cells_and_sizes_are_refused() -> None:
    with pytest.raises(InvalidArchitectureError):
        count_params("777777", "cifar10")
    with pytest.raises(InvalidArchitectureError):
        count_flops(("none",) * 5, "cifar10")
    with pytest.raises(ConfigurationError, match="'C' parameter of count_params"):
        count_params("000000", "cifar10", C=0)
    with pytest.raises(ConfigurationError, match="'N' parameter of count_flops"):
        count_flops("000000", "cifar10", N=1.5)  # type: ignore[arg-type]
