"""BONASSampler(transfer_from=...): studies and tables of other datasets as prior knowledge."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import optuna
import pytest

from bonas import BONASSampler, NB201Benchmark, NB201Space
from bonas.exceptions import ConfigurationError
from bonas.samplers.transfer import source_weights
from bonas.tabular import TabularBenchmark

optuna.logging.set_verbosity(optuna.logging.WARNING)
SPACE = NB201Space()
_SWAP = str.maketrans("34", "43")  # NB201 keys: 3 = nor_conv_3x3, 4 = avg_pool_3x3


def _keys(study: optuna.Study) -> list[str]:
    return [SPACE.to_key(SPACE.from_params(t.params)) for t in study.trials if t.params]


def _run(sampler: BONASSampler, bench: NB201Benchmark, n: int, storage: str | None = None):
    study = optuna.create_study(direction="maximize", sampler=sampler, storage=storage)
    study.optimize(bench.objective, n_trials=n)
    return study


def _source_study(storage: str, n: int = 12) -> optuna.Study:
    """A finished cifar10 study of ``n`` random cells in ``storage``."""
    bench = NB201Benchmark("cifar10")
    study = optuna.create_study(
        study_name="c10",
        storage=storage,
        direction="maximize",
        sampler=optuna.samplers.RandomSampler(seed=3),
    )
    study.optimize(bench.objective, n_trials=n)
    return study


def test_same_seed_same_trials() -> None:
    source, target = NB201Benchmark("cifar10"), NB201Benchmark("cifar100")
    runs = [_run(BONASSampler(SPACE, seed=5, transfer_from=source), target, 14) for _ in range(2)]
    assert _keys(runs[0]) == _keys(runs[1])


def test_identical_source_finds_the_optimum_first() -> None:
    bench = NB201Benchmark("cifar100")
    study = _run(BONASSampler(SPACE, seed=0, transfer_from=bench), bench, 1)
    assert study.trials[0].value == pytest.approx(bench.optimum[1])


def test_table_source_steers_the_search() -> None:
    source, target = NB201Benchmark("cifar10"), NB201Benchmark("cifar100")
    sampler = BONASSampler(SPACE, seed=1, transfer_from=source)
    study = _run(sampler, target, 14)
    # cifar100's optimum is cifar10's second best class: zero-shot finds it at once.
    assert study.best_value == pytest.approx(target.optimum[1])
    assert sampler.transfer_weights_["nb201-cifar10"] > 0
    last = study.trials[-1].system_attrs["bonas:transfer"]
    assert last["nb201-cifar10"] > 0
    # Without transfer the same seed does not find it in these trials.
    plain = _run(BONASSampler(SPACE, seed=1), target, 14)
    assert plain.best_value < target.optimum[1]


def test_study_source_on_another_storage(tmp_path: Path) -> None:
    source_url = f"sqlite:///{tmp_path / 'source.db'}"
    _source_study(source_url)
    loaded = optuna.load_study(study_name="c10", storage=source_url)
    sampler = BONASSampler(SPACE, seed=0, transfer_from=loaded)
    target = _run(sampler, NB201Benchmark("cifar100"), 12, f"sqlite:///{tmp_path / 't.db'}")
    # The first cells are the source's best as its surrogate predicts them: better on cifar10
    # than the source's median, unlike the same seed's cells without transfer.
    c10 = NB201Benchmark("cifar10")
    median = float(np.median([t.value for t in loaded.trials]))
    first = [c10.mean_accuracy(SPACE.from_key(k)) for k in _keys(target)[:3]]
    assert min(first) > median
    assert _keys(target) != _keys(
        _run(BONASSampler(SPACE, seed=0), NB201Benchmark("cifar100"), 12)
    )
    assert "c10" in sampler.transfer_weights_


def _swapped() -> TabularBenchmark:
    """cifar10's table with nor_conv_3x3 and avg_pool_3x3 exchanged: a misleading source."""
    source = NB201Benchmark("cifar10")
    return TabularBenchmark.from_mapping(
        SPACE,
        {
            SPACE.to_string(a): source.mean_accuracy(
                SPACE.from_key(SPACE.to_key(a).translate(_SWAP))
            )
            for a in SPACE.enumerate()
        },
        name="swapped",
    )


def test_misleading_source_costs_one_zero_shot_trial() -> None:
    swapped = _swapped()
    top = {
        SPACE.canonical(a)
        for a in sorted(SPACE.enumerate(), key=lambda a: -swapped.mean_accuracy(a))[:200]
    }
    target = NB201Benchmark("cifar100")

    def source_picks(check: bool) -> list[int]:
        sampler = BONASSampler(SPACE, seed=6, transfer_from=swapped)
        sampler.transfer_check = check
        keys = _keys(_run(sampler, target, 10))
        return [i for i, k in enumerate(keys) if SPACE.canonical(SPACE.from_key(k)) in top]

    # The source's best cell is tried first; it does badly, so no other zero-shot trial follows.
    assert source_picks(True) == [0]
    # Unchecked, the source takes every other startup trial.
    assert source_picks(False) == [0, 2, 4, 6, 8]


def test_misleading_source_loses_its_weight() -> None:
    sampler = BONASSampler(SPACE, seed=2, transfer_from=_swapped())
    _run(sampler, NB201Benchmark("cifar100"), 16)
    assert sampler.transfer_weights_ == {"swapped": 0.0}
    assert sampler.transfer_rho_["swapped"] < 0


def test_source_on_another_space_is_an_error() -> None:
    other = optuna.create_study(direction="maximize")
    other.optimize(lambda t: t.suggest_float("x", 0.0, 1.0), n_trials=2)
    with pytest.raises(ConfigurationError, match="'transfer_from' parameter of BONASSampler"):
        BONASSampler(SPACE, transfer_from=other)
    with pytest.raises(ConfigurationError, match="'transfer_from' parameter"):
        BONASSampler(SPACE, transfer_from="cifar10")


def test_source_with_another_direction_is_an_error() -> None:
    bench = NB201Benchmark("cifar10")
    source = optuna.create_study(direction="minimize")
    source.optimize(bench.objective, n_trials=3)
    sampler = BONASSampler(SPACE, seed=0, transfer_from=source)
    with pytest.raises(ConfigurationError, match="direction"):
        _run(sampler, NB201Benchmark("cifar100"), 1)


def test_source_without_finished_trials_warns_and_transfers_nothing() -> None:
    empty = optuna.create_study(direction="maximize", study_name="empty")
    with pytest.warns(UserWarning, match="no finished trial"):
        sampler = BONASSampler(SPACE, seed=4, transfer_from=[empty])
    bench = NB201Benchmark("cifar100")
    assert _keys(_run(sampler, bench, 12)) == _keys(_run(BONASSampler(SPACE, seed=4), bench, 12))


def test_transfer_with_two_objectives_and_workers(tmp_path: Path) -> None:
    bench, source = NB201Benchmark("cifar100"), NB201Benchmark("cifar10")
    storage = f"sqlite:///{tmp_path / 'multi.db'}"
    sampler = BONASSampler(SPACE, seed=0, transfer_from=source)
    study = optuna.create_study(
        directions=["maximize", "minimize"], sampler=sampler, storage=storage
    )

    def objective(trial: optuna.Trial) -> tuple[float, float]:
        arch = SPACE.suggest(trial)
        return bench.mean_accuracy(arch), bench.model_size(arch)

    study.optimize(objective, n_trials=14, n_jobs=2)
    keys = [SPACE.canonical(SPACE.from_params(t.params)) for t in study.trials]
    assert len(set(keys)) == len(keys)
    assert max(t.values[0] for t in study.trials) == pytest.approx(bench.optimum[1])


def test_source_weights() -> None:
    S = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, -1.0], [3.0, -2.0]])
    y = np.array([0.0, 1.0, 2.0, 3.0])
    np.testing.assert_allclose(source_weights(S, y), [1.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(source_weights(S[:2], y[:2]), [0.0, 0.0])
    with pytest.raises(ConfigurationError, match="source_weights"):
        source_weights(S, y[:2])
