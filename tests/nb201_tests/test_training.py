"""Tests of bonas.nb201.training: real trainings in real Optuna studies, with real pruners.

The data is a slice of scikit-learn's digits (300 images to train on, 150 to validate) and the
network is the digits one (C = 8, N = 1), so a training epoch takes a fraction of a second on one
core. Nothing about torch or Optuna is mocked.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import optuna
import pytest
import torch
from optuna.trial import TrialState
from torch.utils.data import DataLoader, TensorDataset

from bonas.exceptions import ConfigurationError
from bonas.nb201.digits import DIGITS_NETWORK, load_digits_data
from bonas.nb201.training import TrainingObjective, resolve_device
from bonas.samplers import BONASSampler
from bonas.spaces.cell import CellSpace
from bonas.spaces.nb201 import NB201Space

optuna.logging.set_verbosity(optuna.logging.WARNING)

SPACE = NB201Space()
GOOD = SPACE.from_key("333132")
GOOD_2 = SPACE.from_key("232323")
NONE = ("none",) * 6  # predicts one class: about 10 % on the digits


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    (X, y), (X_valid, y_valid) = load_digits_data()
    return {"train": (X[:300], y[:300]), "valid": (X_valid[:150], y_valid[:150])}


def objective(data: dict[str, Any], **options: Any) -> TrainingObjective:
    kwargs: dict[str, Any] = {"epochs": 3, "C": 8, "N": 1, "device": "cpu", "seed": 0}
    kwargs.update(lr=0.1, batch_size=32)
    kwargs.update(options)
    return TrainingObjective(SPACE, data["train"], data["valid"], **kwargs)


def enqueue(study: optuna.Study, *archs: tuple[str, ...]) -> None:
    for arch in archs:
        study.enqueue_trial(SPACE.to_params(arch))


# -- training ----------------------------------------------------------------------------------
def test_training_learns_and_records_what_it_did(data: dict[str, Any]) -> None:
    obj = objective(data, epochs=4)
    assert (obj.num_classes, obj.in_channels) == (10, 1)  # inferred from the arrays
    result = obj.train(GOOD)
    assert result.epochs == 4
    assert len(result.accuracies) == 4
    assert result.accuracy == result.accuracies[-1]
    assert result.accuracy > 50.0  # well above chance (10 %) after 4 epochs
    assert result.n_params == sum(p.numel() for p in obj.build(GOOD).parameters())
    assert result.device == "cpu"
    assert result.train_time > 0
    assert not result.pruned
    assert obj.train(NONE).accuracy < 25.0  # the all-none cell cannot see its input


def test_same_seed_same_accuracies_other_seed_others(data: dict[str, Any]) -> None:
    first = [objective(data).train(a).accuracies for a in (GOOD, GOOD_2)]
    again = [objective(data).train(a).accuracies for a in (GOOD_2, GOOD)][::-1]
    assert first == again  # bit for bit, whatever the order of the cells
    other = [objective(data, seed=1).train(a).accuracies for a in (GOOD, GOOD_2)]
    assert other != first


def test_training_leaves_the_global_generator_alone(data: dict[str, Any]) -> None:
    torch.manual_seed(123)
    state = torch.get_rng_state()
    objective(data, epochs=1).train(GOOD)
    assert torch.equal(torch.get_rng_state(), state)


def test_data_loaders_train_reproducibly(data: dict[str, Any]) -> None:
    def loader(pair: tuple[np.ndarray, np.ndarray], shuffle: bool) -> DataLoader[Any]:
        X, y = (torch.as_tensor(a) for a in pair)
        return DataLoader(TensorDataset(X, y), batch_size=64, shuffle=shuffle)

    def run() -> list[float]:
        obj = TrainingObjective(
            SPACE,
            loader(data["train"], True),
            loader(data["valid"], False),
            epochs=2,
            C=4,
            N=1,
            num_classes=10,
            in_channels=1,
            device="cpu",
        )
        return obj.train(GOOD).accuracies

    first = run()
    assert len(first) == 2
    assert first[-1] > 10.0
    assert run() == first  # the loader shuffles with the seeded global generator


# -- in a study ----------------------------------------------------------------------------------
def test_objective_reports_every_epoch_and_records_attributes(data: dict[str, Any]) -> None:
    study = optuna.create_study(direction="maximize")
    enqueue(study, GOOD)
    study.optimize(objective(data), n_trials=1)
    t = study.trials[0]
    assert t.state == TrialState.COMPLETE
    assert sorted(t.intermediate_values) == [1, 2, 3]
    assert t.value == t.intermediate_values[3]
    attrs = t.user_attrs
    assert attrs["arch"] == SPACE.to_string(GOOD)
    assert attrs["epochs"] == 3
    assert attrs["device"] == "cpu"
    assert attrs["n_params"] == sum(p.numel() for p in objective(data).build(GOOD).parameters())
    assert attrs["train_time"] > 0
    assert isinstance(attrs["seed"], int)


def test_a_pruner_that_must_prune_stops_every_training_after_one_epoch(
    data: dict[str, Any],
) -> None:
    # No accuracy is above 101 %, so ThresholdPruner prunes at the first report.
    study = optuna.create_study(
        direction="maximize",
        pruner=optuna.pruners.ThresholdPruner(lower=101.0),
        sampler=optuna.samplers.RandomSampler(seed=0),
    )
    study.optimize(objective(data, epochs=5), n_trials=3)
    assert [t.state for t in study.trials] == [TrialState.PRUNED] * 3
    for t in study.trials:
        assert list(t.intermediate_values) == [1]
        assert t.user_attrs["epochs"] == 1
        assert t.user_attrs["train_time"] > 0


def test_median_pruner_stops_the_cell_that_cannot_learn(data: dict[str, Any]) -> None:
    study = optuna.create_study(
        direction="maximize",
        pruner=optuna.pruners.MedianPruner(n_startup_trials=1, n_warmup_steps=1),
    )
    enqueue(study, GOOD, NONE)
    study.optimize(objective(data), n_trials=2)
    good, none = study.trials
    assert good.state == TrialState.COMPLETE
    assert good.user_attrs["epochs"] == 3
    assert none.state == TrialState.PRUNED
    assert none.user_attrs["epochs"] == 2  # below the median at the first report after warm-up
    assert none.intermediate_values[2] < good.intermediate_values[2]


def test_successive_halving_keeps_the_best_third(data: dict[str, Any]) -> None:
    study = optuna.create_study(
        direction="maximize",
        pruner=optuna.pruners.SuccessiveHalvingPruner(min_resource=2, reduction_factor=3),
    )
    enqueue(study, GOOD, GOOD_2, NONE)
    study.optimize(objective(data), n_trials=3)
    states = [t.state for t in study.trials]
    assert states[0] == TrialState.COMPLETE  # the first trial of a rung is promoted
    assert states[2] == TrialState.PRUNED  # the all-none cell is the worst of its rung
    for t in study.trials:
        assert t.user_attrs["epochs"] == len(t.intermediate_values)
        assert (t.state == TrialState.PRUNED) == (t.user_attrs["epochs"] < 3)


def test_hyperband_with_bonas_sampler(data: dict[str, Any]) -> None:
    sampler = BONASSampler(SPACE, seed=0, n_startup_trials=3, pruned="last_value")
    study = optuna.create_study(
        study_name="hyperband",  # the brackets of the trials depend on the name
        direction="maximize",
        sampler=sampler,
        pruner=optuna.pruners.HyperbandPruner(min_resource=2, max_resource=4, reduction_factor=2),
    )
    # Two cells that learn, then three that cannot see their input (distinct classes).
    enqueue(study, GOOD, GOOD_2, *(SPACE.from_key(k) for k in ("000000", "000001", "000003")))
    study.optimize(objective(data, epochs=4), n_trials=6)
    assert len(study.trials) == 6
    assert {t.state for t in study.trials} <= {TrialState.COMPLETE, TrialState.PRUNED}
    # In the bracket that stops at epoch 2, a blind cell after a learning one is pruned there.
    assert sum(t.state == TrialState.PRUNED for t in study.trials) >= 1
    for t in study.trials:
        pruned = t.state == TrialState.PRUNED
        assert t.user_attrs["epochs"] == len(t.intermediate_values)
        assert (t.user_attrs["epochs"] < 4) == pruned
        if pruned:
            assert t.number >= 2
            assert t.intermediate_values[2] < 20.0
    # the sampler never proposed a class twice ...
    keys = [SPACE.canonical(SPACE.from_params(t.params)) for t in study.trials]
    assert len(set(keys)) == len(keys)
    # ... and, with pruned="last_value", learns a pruned trial's last accuracy as its value
    state = sampler.read_trials(study)
    for t in study.trials:
        if t.state == TrialState.PRUNED:
            i = state.numbers.index(t.number)
            assert state.values[i] == t.intermediate_values[max(t.intermediate_values)]


def test_bonas_sampler_excludes_pruned_trials_by_default(data: dict[str, Any]) -> None:
    sampler = BONASSampler(SPACE, seed=0, n_startup_trials=2)
    study = optuna.create_study(
        direction="maximize",
        sampler=sampler,
        pruner=optuna.pruners.MedianPruner(n_startup_trials=1, n_warmup_steps=1),
    )
    enqueue(study, GOOD, NONE)
    study.optimize(objective(data), n_trials=4)
    pruned = [t.number for t in study.trials if t.state == TrialState.PRUNED]
    assert 1 in pruned
    state = sampler.read_trials(study)
    assert not set(pruned) & set(state.numbers)  # not learned from ...
    assert SPACE.canonical(NONE) in state.taken  # ... and never proposed again
    assert all(math.isfinite(v) for v in state.values)


# -- devices -------------------------------------------------------------------------------------
def test_resolve_device() -> None:
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ConfigurationError, match="'device' parameter must be"):
        resolve_device("gpu0")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_a_gpu_says_how_to_fix_it(data: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError, match="no CUDA device.*device='cpu'"):
        objective(data, device="cuda")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_training_on_cuda(data: dict[str, Any]) -> None:
    obj = objective(data, device="cuda", epochs=2)
    result = obj.train(GOOD)
    assert result.device.startswith("cuda")
    assert result.epochs == 2
    assert result.accuracy > 10.0


# -- errors --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"epochs": 0}, "'epochs' parameter of TrainingObjective must be an int >= 1. Got 0"),
        ({"lr": -0.1}, "'lr' parameter of TrainingObjective must be a finite number > 0"),
        ({"lr": float("nan")}, "'lr' parameter"),
        ({"batch_size": 2.0}, "'batch_size' parameter .* int >= 1"),
        ({"seed": -1}, "'seed' parameter .* int >= 0"),
        ({"momentum": -1}, "'momentum' parameter .* >= 0"),
        ({"epochs": True}, "'epochs' parameter .* int >= 1. Got True"),
        ({"weight_decay": False}, "'weight_decay' parameter .* >= 0. Got False"),
        ({"num_classes": 5}, "labels go up to 9. Pass num_classes=10"),
        ({"in_channels": 3}, "images have 1 channels .* in_channels=1"),
    ],
)
def test_bad_options_are_refused(data: dict[str, Any], options: Any, match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        objective(data, **options)


def test_bad_data_is_refused(data: dict[str, Any]) -> None:
    X, y = data["train"]
    cases: list[tuple[Any, str]] = [
        ((X[:, 0], y), r"shape \(n, channels, height, width\) \(grey images: X.reshape"),
        ((X, y[:-1]), "'train' y .* 300 class indices"),
        ((X, y - 1), "class indices >= 0"),
        ((X, y + 0.5), "class indices"),
        ((X * np.nan, y), "must be finite"),
        ((X[:0], y[:0]), "at least one example"),
        ((X, y, y), "pair \\(X, y\\) or a DataLoader"),
        ("digits", "pair \\(X, y\\) of arrays or an iterable"),
        (iter([(X, y)]), "iterator"),
    ]
    for train, match in cases:
        with pytest.raises(ConfigurationError, match=match):
            TrainingObjective(SPACE, train, data["valid"], epochs=1)


def test_loaders_need_num_classes(data: dict[str, Any]) -> None:
    X, y = (torch.as_tensor(a) for a in data["train"])
    loader = DataLoader(TensorDataset(X, y), batch_size=32)
    with pytest.raises(ConfigurationError, match="'num_classes' parameter .* required"):
        TrainingObjective(SPACE, loader, loader, epochs=1)


def test_only_nb201_cells(data: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError, match="must be an NB201Space"):
        TrainingObjective(CellSpace.nb101(), data["train"], data["valid"], epochs=1)  # type: ignore[arg-type]


def test_digits_data_and_network() -> None:
    (X, y), (X_valid, y_valid) = load_digits_data()
    assert X.shape == (1347, 1, 8, 8)
    assert X_valid.shape == (450, 1, 8, 8)
    assert X.dtype == np.float32
    assert 0.0 <= X.min()
    assert X.max() <= 1.0
    assert set(np.unique(y)) == set(range(10)) == set(np.unique(y_valid))
    again = load_digits_data()
    assert np.array_equal(again[0][0], X)
    assert np.array_equal(again[1][1], y_valid)
    assert DIGITS_NETWORK == {"C": 8, "N": 1, "in_channels": 1, "num_classes": 10}
    with pytest.raises(
        ConfigurationError,
        match=r"'n_valid' parameter of load_digits_data must be an int >= 1 and <= 1796. "
        r"Got 1797 instead. The digits have 1797 images.",
    ):
        load_digits_data(n_valid=1797)
    with pytest.raises(ConfigurationError, match="'n_valid' parameter.*Got True"):
        load_digits_data(n_valid=True)
