from __future__ import annotations

import numpy as np
import pytest

from bonas import encodings
from bonas.encodings import (
    AdjacencyEncoder,
    ConcatEncoder,
    PathEncoder,
    TruncatedPathEncoder,
    WLEncoder,
)
from bonas.exceptions import ConfigurationError, NotFittedError
from bonas.spaces import CellSpace, NB201Space

SPACE = NB201Space()


def test_path_adjacency_golden_vector_of_the_cifar10_optimum() -> None:
    enc = encodings.make("path_adjacency", SPACE.graph_spec)
    assert enc.n_features == 84 + 30 == len(enc.feature_names())
    x = enc.encode([SPACE.to_graph(SPACE.from_key("333132"))])[0]
    # Path part, alphabet without none (skip 0, 1x1 1, 3x3 2, pool 3), offsets 0 / 4 / 20:
    # [3] = skip -> 0; [1,5] = (3x3, 1x1) -> 4 + 2*4 + 1 = 13; [0,4] = (3x3, 3x3) -> 14;
    # [0,2,5] = (3x3, 3x3, 1x1) -> 20 + 2*16 + 2*4 + 1 = 61.
    # Adjacency part at 84 + 5 * edge + op: 84+3, 89+3, 94+3, 99+1, 104+3, 109+2.
    assert np.flatnonzero(x).tolist() == [0, 13, 14, 61, 87, 92, 97, 100, 107, 111]
    assert enc.feature_names()[100] == "adjacency:edge_3_0=skip_connect"


def test_concat_of_any_parts_on_a_general_space() -> None:
    space = CellSpace.nb101()
    spec = space.graph_spec
    enc = ConcatEncoder(spec, parts=[PathEncoder(spec), AdjacencyEncoder(spec)])
    cells = space.sample(5, np.random.default_rng(0))
    X = enc.encode([space.to_graph(c) for c in cells])
    assert X.shape == (5, PathEncoder(spec).n_features + AdjacencyEncoder(spec).n_features)


def test_concat_needs_encoders_of_the_same_spec() -> None:
    other = CellSpace.nb101().graph_spec
    with pytest.raises(ConfigurationError, match="'parts'"):
        ConcatEncoder(SPACE.graph_spec, parts=[PathEncoder(other)])
    with pytest.raises(ConfigurationError, match="'parts'"):
        ConcatEncoder(SPACE.graph_spec, parts=[])


@pytest.mark.parametrize("fitted", [TruncatedPathEncoder, WLEncoder])
def test_an_unfitted_part_raises_not_fitted(
    fitted: type[TruncatedPathEncoder | WLEncoder],
) -> None:
    spec = SPACE.graph_spec
    part = fitted(spec)
    enc = ConcatEncoder(spec, parts=[AdjacencyEncoder(spec), part])
    graphs = [SPACE.to_graph(SPACE.from_key(k)) for k in ("333132", "000000", "111111")]
    with pytest.raises(NotFittedError, match=f"This {fitted.__name__} is not fitted yet"):
        enc.encode(graphs)
    part.fit(graphs)
    X = enc.encode(graphs)
    np.testing.assert_array_equal(
        X, np.hstack([AdjacencyEncoder(spec).encode(graphs), part.encode(graphs)])
    )
