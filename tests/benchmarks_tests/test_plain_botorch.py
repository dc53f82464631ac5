"""The hand-written BoTorch loop of ``benchmarks/plain_botorch.py`` (the grid's "botorch-loop")."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import numpy as np
import torch

Loader = Callable[[str], ModuleType]


def test_chunked_log_ei_equals_botorchs_one_point_batches(load_benchmark: Loader) -> None:
    from botorch.acquisition.analytic import LogExpectedImprovement
    from botorch.models import SingleTaskGP

    plain = load_benchmark("plain_botorch")
    gen = torch.Generator().manual_seed(0)
    X = (torch.rand(1200, 12, generator=gen) < 0.3).double()
    Y = torch.randn(30, 1, generator=gen, dtype=torch.float64)
    model = SingleTaskGP(X[:30], Y)
    ours = plain.log_ei(model, X, Y.max(), chunk=500)
    with torch.no_grad():
        theirs = LogExpectedImprovement(model, best_f=Y.max())(X.unsqueeze(-2))
    assert ours.shape == (1200,)
    assert torch.allclose(ours, theirs, atol=1e-8)


def test_the_loop_evaluates_distinct_classes_and_learns_from_them(load_benchmark: Loader) -> None:
    from bonas import NB201Benchmark

    plain = load_benchmark("plain_botorch")
    bench = NB201Benchmark("cifar10")
    out = plain.search(bench, seed=3, queries=16)
    keys = [bench.space.canonical(a) for a in out["archs"]]
    assert len(keys) == len(set(keys)) == 16
    assert out["observed"] == [bench.query(a) for a in out["archs"]]
    assert len(out["suggest_s"]) == 16
    # After the 10 random classes the GP's picks are better than a random class on average.
    assert np.mean(out["observed"][10:]) > np.median(bench.mean_accuracies)
    assert plain.search(bench, seed=3, queries=16)["archs"] == out["archs"]
