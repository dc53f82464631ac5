from __future__ import annotations

import networkx as nx
import numpy as np
import optuna
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bonas.exceptions import BonasError, ConfigurationError, InvalidArchitectureError
from bonas.graph import check_cell_graph, input_output_paths
from bonas.spaces import NB201_OPS, NB201Space

SPACE = NB201Space()
cells = st.tuples(*[st.sampled_from(NB201_OPS)] * 6)

BEST_CIFAR10 = (
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|"
    "+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
)


def test_key_and_string_of_a_hand_checked_cell() -> None:
    arch = SPACE.from_key("333132")
    assert arch == (
        "nor_conv_3x3",
        "nor_conv_3x3",
        "nor_conv_3x3",
        "skip_connect",
        "nor_conv_3x3",
        "nor_conv_1x1",
    )
    assert SPACE.to_string(arch) == BEST_CIFAR10
    assert SPACE.parse(BEST_CIFAR10) == arch
    assert SPACE.to_key(arch) == "333132"
    assert SPACE.index(arch) == int("333132", 5)


def test_enumerate_lists_every_cell_once_in_key_order() -> None:
    archs = list(SPACE.enumerate())
    assert len(archs) == len(SPACE) == 15_625
    assert len(set(archs)) == 15_625
    assert [SPACE.index(a) for a in archs] == list(range(15_625))


@pytest.mark.parametrize(("rule", "n_classes"), [("nb201", 6_466), ("drop_zero", 5_390)])
def test_isomorphism_class_counts(rule: str, n_classes: int) -> None:
    keys = {SPACE.canonical(a, rule=rule) for a in SPACE.enumerate()}  # type: ignore[arg-type]
    assert len(keys) == n_classes


def test_canonical_rules_on_hand_checked_cells() -> None:
    # node1 = conv(x) and node2 = conv(x) + 0, so swapping the ops on 3<-1 and 3<-2 keeps the
    # function once zero terms are dropped; NB201's own rule keeps the "+ 0" and tells them apart.
    a = SPACE.parse(
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|none~1|+|none~0|avg_pool_3x3~1|skip_connect~2|"
    )
    b = SPACE.parse(
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|none~1|+|none~0|skip_connect~1|avg_pool_3x3~2|"
    )
    assert SPACE.canonical(a, rule="drop_zero") == SPACE.canonical(b, rule="drop_zero")
    assert SPACE.canonical(a) != SPACE.canonical(b)
    # Inputs into a node are a sum: their order does not matter under either rule.
    # With node1 = skip(x) = x: conv(x) + pool(node1) == pool(x) + conv(node1).
    h = SPACE.parse("|skip_connect~0|+|none~0|none~1|+|nor_conv_1x1~0|avg_pool_3x3~1|none~2|")
    i = SPACE.parse("|skip_connect~0|+|none~0|none~1|+|avg_pool_3x3~0|nor_conv_1x1~1|none~2|")
    assert SPACE.canonical(h) == SPACE.canonical(i)
    # skip_connect is the identity, so 1<-0 skip then 3<-1 conv equals 3<-0 conv.
    c = SPACE.parse("|skip_connect~0|+|none~0|none~1|+|none~0|nor_conv_1x1~1|none~2|")
    d = SPACE.parse("|avg_pool_3x3~0|+|none~0|none~1|+|nor_conv_1x1~0|none~1|none~2|")
    assert SPACE.canonical(c) == SPACE.canonical(d)
    # NB201's rule keeps zero terms: x + 0 differs from x; drop_zero makes them equal.
    e = SPACE.parse("|none~0|+|nor_conv_1x1~0|none~1|+|none~0|none~1|skip_connect~2|")
    assert SPACE.canonical(d) != SPACE.canonical(e)
    assert SPACE.canonical(d, rule="drop_zero") == SPACE.canonical(e, rule="drop_zero")
    # Different ops on the only live path are different functions.
    assert SPACE.canonical(a) != SPACE.canonical(c)


def test_graph_form_and_its_four_paths() -> None:
    arch = SPACE.from_key("333132")
    g = SPACE.to_graph(arch)
    check_cell_graph(g, SPACE.graph_spec)
    assert g.number_of_nodes() == 8
    assert [g.nodes[i]["op"] for i in range(8)] == ["input", *arch, "output"]
    # Edge positions on the four input->output paths: [3], [0,4], [1,5], [0,2,5].
    expected = {(arch[3],), (arch[0], arch[4]), (arch[1], arch[5]), (arch[0], arch[2], arch[5])}
    assert set(input_output_paths(g)) == expected
    assert nx.is_directed_acyclic_graph(g)


def test_neighbors_are_the_24_one_edge_changes() -> None:
    arch = SPACE.from_key("012340")
    nbrs = SPACE.neighbors(arch)
    assert len(nbrs) == len(set(nbrs)) == 24
    assert all(sum(x != y for x, y in zip(n, arch, strict=True)) == 1 for n in nbrs)


def test_sample_is_reproducible_and_valid() -> None:
    a = SPACE.sample(50, np.random.default_rng(3))
    b = SPACE.sample(50, np.random.default_rng(3))
    assert a == b
    assert all(SPACE.validate(x) == x for x in a)
    assert len(set(a)) > 45


@given(cells)
def test_params_and_string_round_trip(arch: tuple[str, ...]) -> None:
    assert SPACE.from_params(SPACE.to_params(arch)) == arch  # type: ignore[arg-type]
    assert SPACE.parse(SPACE.to_string(arch)) == arch  # type: ignore[arg-type]
    assert SPACE.from_key(SPACE.to_key(arch)) == arch  # type: ignore[arg-type]


def test_suggest_in_a_real_study() -> None:
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    seen = []

    def objective(trial: optuna.Trial) -> float:
        arch = SPACE.suggest(trial)
        seen.append(arch)
        return float(SPACE.index(arch))

    study.optimize(objective, n_trials=20)
    assert len(seen) == 20
    assert set(study.best_params) == set(SPACE.distributions())
    assert SPACE.from_params(study.best_params) in seen


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("|nor_conv_3x3~0|+|nor_conv_3x3~0|", "|nor_conv_3x3~0|+|nor_conv_3x3~0|"),
        ("|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|", "conv"),
        ("|none~1|+|none~0|none~1|+|none~0|none~1|none~2|", "none~1"),
        ("|none~0|+|none~0|+|none~0|none~1|none~2|", "node 2"),
        ("garbage", "garbage"),
    ],
)
def test_malformed_cell_strings_raise_a_clear_error(text: str, quoted: str) -> None:
    with pytest.raises(InvalidArchitectureError, match="expected|unknown op") as info:
        SPACE.parse(text)
    assert quoted in str(info.value)
    assert isinstance(info.value, BonasError)
    assert isinstance(info.value, ValueError)


def test_bad_architectures_and_params_raise_clear_errors() -> None:
    with pytest.raises(InvalidArchitectureError, match="conv5x5"):
        SPACE.validate(("conv5x5",) * 6)
    with pytest.raises(InvalidArchitectureError, match="parse"):
        SPACE.to_graph("333132")  # type: ignore[arg-type]
    with pytest.raises(InvalidArchitectureError, match="missing"):
        SPACE.from_params({"edge_1_0": "none"})
    with pytest.raises(InvalidArchitectureError, match="'12'"):
        SPACE.from_key("12")
    with pytest.raises(ConfigurationError, match="canonical_rule"):
        NB201Space(canonical_rule="graph")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="'n' parameter of NB201Space.sample.*Got True"):
        SPACE.sample(True, np.random.default_rng(0))
    with pytest.raises(ConfigurationError, match="'n' parameter of NB201Space.sample.*Got -1"):
        SPACE.sample(-1, np.random.default_rng(0))
