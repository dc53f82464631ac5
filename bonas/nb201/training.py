"""An Optuna objective that trains the NB201 network of each trial's cell.

:class:`TrainingObjective` is the real-training counterpart of
:meth:`bonas.nb201.table.NB201Benchmark.objective`: for each trial it asks the space for a cell
(``space.suggest(trial)``), builds that cell's network with
:func:`~bonas.nb201.network.build_network`, trains it with SGD for a budget of epochs, and
after every epoch reports the validation accuracy to the trial (``trial.report(accuracy,
epoch)``, epochs counted from 1). When ``trial.should_prune()`` says so, it raises
:class:`optuna.TrialPruned`, so any Optuna pruner (``MedianPruner``,
``SuccessiveHalvingPruner``, ``HyperbandPruner``, …) can stop a hopeless training early.

What a pruned trial means to a bonas sampler is the sampler's ``pruned`` option:
``"exclude"`` (the default) never proposes its class again and learns nothing from it;
``"last_value"`` learns the last reported accuracy as the cell's value, a cheap low-fidelity
estimate (the accuracy after fewer epochs understates the cell).

Reproducibility: each cell trains under its own seed, drawn from
``numpy.random.SeedSequence([seed, space.index(arch)])``. Weights, the shuffling of array data
and the global generator a ``DataLoader`` shuffles with are all seeded from it (inside
``torch.random.fork_rng``, so the caller's global generator is left as it was). On CPU the
same seed gives the same accuracies, bit for bit, for a given number of threads; on CUDA,
cuDNN's kernels may make them differ in the last digits.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Union

import numpy as np
import optuna
import torch
from torch import nn

from bonas._validation import check_int, check_number
from bonas.exceptions import ConfigurationError
from bonas.nb201.network import build_network, count_parameters
from bonas.spaces.nb201 import NB201Arch, NB201Space

if TYPE_CHECKING:
    from torch.utils.data import DataLoader

__all__ = ["Data", "TrainingObjective", "TrainingResult", "resolve_device"]

#: What :class:`TrainingObjective` trains and validates on: a ``(X, y)`` pair of arrays or
#: tensors (``X`` of shape ``(n, channels, height, width)``, ``y`` of ``n`` class indices), or an
#: iterable of ``(x, y)`` batches such as a ``torch.utils.data.DataLoader``.
Data = Union[tuple[Any, Any], "DataLoader[Any]", Iterable[Sequence[Any]]]

_EVAL_BATCH = 1024


@dataclass
class TrainingResult:
    """What training one cell gave.

    Attributes:
        arch: The cell.
        accuracies: The validation accuracy (%) after each epoch trained.
        n_params: The network's parameter count.
        train_time: Seconds spent training and validating (building the network included).
        device: The device it ran on, e.g. ``"cpu"`` or ``"cuda:0"``.
        seed: The torch seed it trained under.
        pruned: Whether a pruner stopped it before the budget.
    """

    arch: NB201Arch
    accuracies: list[float] = field(default_factory=list)
    n_params: int = 0
    train_time: float = 0.0
    device: str = "cpu"
    seed: int = 0
    pruned: bool = False

    @property
    def epochs(self) -> int:
        """Epochs trained."""
        return len(self.accuracies)

    @property
    def accuracy(self) -> float:
        """The validation accuracy after the last epoch trained (%)."""
        return self.accuracies[-1] if self.accuracies else math.nan


def resolve_device(device: str | torch.device | None = "auto") -> torch.device:
    """The torch device of ``device``: ``"auto"`` (or ``None``) is CUDA when present, else CPU.

    ``"cuda"`` becomes the current CUDA device with its index (``cuda:0``, say).

    Raises:
        ConfigurationError: if ``device`` is not a device name, or names CUDA on a machine
            without a usable CUDA device.

    Example:
        >>> resolve_device("cpu")
        device(type='cpu')
    """
    if device is None or device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise ConfigurationError(
            "The 'device' parameter must be 'auto', 'cpu', 'cuda', 'cuda:N' or a torch.device. "
            f"Got {device!r} instead."
        ) from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ConfigurationError(
            f"The 'device' parameter is {device!r}, but torch finds no CUDA device here "
            f"(torch {torch.__version__}). Pass device='cpu', or 'auto' to use CUDA only "
            "where present."
        )
    index: int | None = resolved.index  # None for a bare "cuda"
    if resolved.type == "cuda" and index is None:
        resolved = torch.device("cuda", torch.cuda.current_device())
    return resolved


class TrainingObjective:
    """An Optuna objective that builds, trains and validates the NB201 network of each cell.

    Call it with a trial (``study.optimize(objective, …)``): it asks ``space.suggest(trial)``
    for a cell, trains its network for ``epochs`` epochs (SGD with Nesterov momentum and a
    cosine learning rate, cross-entropy loss), reports the validation accuracy (%) after every
    epoch with ``trial.report(accuracy, epoch)`` (``epoch`` = 1, 2, …), raises
    :class:`optuna.TrialPruned` when ``trial.should_prune()``, and returns the accuracy after
    the last epoch. It records the user attributes ``arch`` (the NB201 string), ``n_params``,
    ``epochs`` (epochs run), ``train_time`` (seconds), ``device`` and ``seed`` on the trial,
    pruned or not. :meth:`train` trains one cell outside a study.

    Args:
        space: The NB201 space the trials suggest from.
        train: The training data: ``(X, y)`` arrays or tensors (``X`` of shape
            ``(n, channels, height, width)``, ``y`` of ``n`` class indices 0…k-1), or an
            iterable of ``(x, y)`` batches such as a ``DataLoader`` (iterated once per epoch).
        valid: The validation data, in the same forms.
        epochs: The training budget of a trial, in epochs (the pruners' steps).
        lr: The initial learning rate (cosine-annealed to 0 over ``epochs``).
        momentum: SGD momentum (Nesterov).
        weight_decay: SGD weight decay.
        batch_size: Examples per training step, for array data.
        device: ``"auto"`` (CUDA when present, else CPU), ``"cpu"``, ``"cuda"``, ``"cuda:N"``
            or a ``torch.device``.
        seed: The seed of every random choice; see the module docstring.
        C: Channels of the network's first stage (NB201: 16).
        N: Cells per stage (NB201: 5).
        num_classes: Outputs of the classifier; inferred from array labels (largest + 1),
            required with loaders.
        in_channels: Image channels; inferred from arrays, 3 by default with loaders.

    Raises:
        ConfigurationError: if an option or the data is malformed; the message names the
            argument and says what was expected.

    Example:
        >>> import numpy as np, optuna
        >>> from bonas import NB201Space
        >>> rng = np.random.default_rng(0)
        >>> X, y = rng.normal(size=(64, 1, 8, 8)).astype("float32"), np.arange(64) % 2
        >>> objective = TrainingObjective(NB201Space(), (X, y), (X, y), epochs=2, C=4, N=1,
        ...                               device="cpu")
        >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
        >>> study = optuna.create_study(direction="maximize")
        >>> study.optimize(objective, n_trials=2)
        >>> sorted(study.trials[0].user_attrs)
        ['arch', 'device', 'epochs', 'n_params', 'seed', 'train_time']
        >>> len(study.trials[0].intermediate_values)
        2
    """

    direction = "maximize"

    def __init__(
        self,
        space: NB201Space,
        train: Data,
        valid: Data,
        *,
        epochs: int,
        lr: float = 0.05,
        momentum: float = 0.9,
        weight_decay: float = 5e-4,
        batch_size: int = 64,
        device: str | torch.device = "auto",
        seed: int = 0,
        C: int = 16,
        N: int = 5,
        num_classes: int | None = None,
        in_channels: int | None = None,
    ) -> None:
        if not isinstance(space, NB201Space):
            raise ConfigurationError(
                "The 'space' parameter of TrainingObjective must be an NB201Space (the network "
                f"is NB201's). Got {type(space).__name__} instead; pass NB201Space()."
            )
        owner = "TrainingObjective"
        self.space = space
        self.epochs = check_int(epochs, "epochs", owner, low=1)
        self.batch_size = check_int(batch_size, "batch_size", owner, low=1)
        self.seed = check_int(seed, "seed", owner, low=0)
        self.C = check_int(C, "C", owner, low=1)
        self.N = check_int(N, "N", owner, low=1)
        self.lr = check_number(lr, "lr", owner, low=0, low_open=True)
        self.momentum = check_number(momentum, "momentum", owner, low=0)
        self.weight_decay = check_number(weight_decay, "weight_decay", owner, low=0)
        if num_classes is not None:
            check_int(num_classes, "num_classes", owner, low=1)
        if in_channels is not None:
            check_int(in_channels, "in_channels", owner, low=1)
        self.device = resolve_device(device)
        self._train = _as_data("train", train)
        self._valid = _as_data("valid", valid)
        self.num_classes = self._infer_classes(num_classes)
        self.in_channels = self._infer_channels(in_channels)

    def __repr__(self) -> str:
        return (
            f"TrainingObjective(epochs={self.epochs}, lr={self.lr}, batch_size={self.batch_size}"
            f", device={str(self.device)!r}, seed={self.seed}, C={self.C}, N={self.N}, "
            f"num_classes={self.num_classes}, in_channels={self.in_channels})"
        )

    # -- the objective -------------------------------------------------------------------------
    def __call__(self, trial: optuna.Trial) -> float:
        arch = self.space.suggest(trial)
        return self.train(arch, trial=trial).accuracy

    def cell_seed(self, arch: NB201Arch) -> int:
        """The torch seed ``arch`` trains under (the same for the same ``seed`` and cell)."""
        index = self.space.index(arch)
        return int(np.random.SeedSequence([self.seed, index]).generate_state(1)[0])

    def build(self, arch: NB201Arch) -> nn.Module:
        """The untrained network of ``arch`` on the objective's device (global torch RNG)."""
        return build_network(
            arch,
            C=self.C,
            N=self.N,
            num_classes=self.num_classes,
            in_channels=self.in_channels,
            device=self.device,
        )

    def train(self, arch: NB201Arch, *, trial: optuna.Trial | None = None) -> TrainingResult:
        """Train ``arch`` for the budget; with a ``trial``, report to it and obey its pruner.

        Returns:
            What the training gave.

        Raises:
            optuna.TrialPruned: if ``trial.should_prune()`` after an epoch (the trial's user
                attributes are set first).
        """
        arch = self.space.validate(arch)
        start = time.perf_counter()
        seed = self.cell_seed(arch)
        result = TrainingResult(arch=arch, device=str(self.device), seed=seed)
        devices = [self.device] if self.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            shuffle = torch.Generator().manual_seed(seed)
            model = self.build(arch)
            result.n_params = count_parameters(model)
            if trial is not None:
                trial.set_user_attr("arch", self.space.to_string(arch))
                trial.set_user_attr("n_params", result.n_params)
                trial.set_user_attr("device", result.device)
                trial.set_user_attr("seed", seed)
            optimizer = torch.optim.SGD(
                model.parameters(),
                lr=self.lr,
                momentum=self.momentum,
                weight_decay=self.weight_decay,
                nesterov=self.momentum > 0,
            )
            schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=self.epochs)
            for epoch in range(1, self.epochs + 1):
                self._train_epoch(model, optimizer, shuffle)
                schedule.step()
                result.accuracies.append(self._accuracy(model))
                result.train_time = time.perf_counter() - start
                if trial is None:
                    continue
                trial.set_user_attr("epochs", epoch)
                trial.set_user_attr("train_time", result.train_time)
                trial.report(result.accuracies[-1], epoch)
                if epoch < self.epochs and trial.should_prune():
                    result.pruned = True
                    raise optuna.TrialPruned(
                        f"pruned after {epoch} of {self.epochs} epochs at "
                        f"{result.accuracies[-1]:.2f} % validation accuracy"
                    )
        return result

    # -- training --------------------------------------------------------------------------------
    def _train_epoch(
        self, model: nn.Module, optimizer: torch.optim.Optimizer, shuffle: torch.Generator
    ) -> None:
        model.train()
        loss_fn = nn.CrossEntropyLoss()
        for x, y in self._batches(self._train, shuffle):
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()

    @torch.no_grad()
    def _accuracy(self, model: nn.Module) -> float:
        model.eval()
        correct = total = 0
        for x, y in self._batches(self._valid, None):
            correct += int((model(x).argmax(dim=1) == y).sum())
            total += int(y.shape[0])
        if total == 0:
            raise ConfigurationError(
                "The 'valid' data of TrainingObjective gave no examples; pass a non-empty "
                "validation set."
            )
        return 100.0 * correct / total

    def _batches(
        self, data: _Arrays | Iterable[Any], shuffle: torch.Generator | None
    ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """Batches on the device: shuffled slices of arrays, or the loader's batches."""
        if isinstance(data, _Arrays):
            X, y = data.on(self.device)
            n = X.shape[0]
            if shuffle is None:
                for i in range(0, n, _EVAL_BATCH):
                    yield X[i : i + _EVAL_BATCH], y[i : i + _EVAL_BATCH]
                return
            order = torch.randperm(n, generator=shuffle).to(self.device)
            for i in range(0, n, self.batch_size):
                idx = order[i : i + self.batch_size]
                yield X[idx], y[idx]
            return
        for batch in data:
            x, y = _unpack_batch(batch)
            yield (
                x.to(self.device, dtype=torch.float32, non_blocking=True),
                y.to(self.device, dtype=torch.long, non_blocking=True),
            )

    # -- inferring the shapes --------------------------------------------------------------------
    def _infer_classes(self, given: int | None) -> int:
        arrays = [d for d in (self._train, self._valid) if isinstance(d, _Arrays)]
        largest = max((int(d.y.max()) for d in arrays), default=-1)
        if given is not None:
            if largest >= given:
                raise ConfigurationError(
                    f"The 'num_classes' parameter of TrainingObjective is {given}, but the labels "
                    f"go up to {largest}. Pass num_classes={largest + 1} or more, or leave it "
                    "out to infer it."
                )
            return int(given)
        if len(arrays) < 2:
            raise ConfigurationError(
                "The 'num_classes' parameter of TrainingObjective is required when the data "
                "comes from loaders (it is inferred from array labels only). Got None; pass "
                "num_classes=10, say."
            )
        return largest + 1

    def _infer_channels(self, given: int | None) -> int:
        arrays = [d for d in (self._train, self._valid) if isinstance(d, _Arrays)]
        shapes = {tuple(d.X.shape[1:]) for d in arrays}
        if len(shapes) > 1:
            raise ConfigurationError(
                "The 'train' and 'valid' arrays of TrainingObjective must hold images of the same "
                f"shape (channels, height, width). Got {sorted(shapes)} instead."
            )
        channels = next(iter(shapes))[0] if shapes else None
        if given is not None:
            if channels is not None and channels != given:
                raise ConfigurationError(
                    f"The 'in_channels' parameter of TrainingObjective is {given}, but the "
                    f"images have {channels} channels (X.shape[1]). Pass in_channels={channels} "
                    "or leave it out."
                )
            return int(given)
        return channels if channels is not None else 3


# -- data ----------------------------------------------------------------------------------------
@dataclass
class _Arrays:
    """Array data as CPU tensors, copied to a device once."""

    X: torch.Tensor
    y: torch.Tensor
    _cache: dict[torch.device, tuple[torch.Tensor, torch.Tensor]] = field(default_factory=dict)

    def on(self, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        if device not in self._cache:
            self._cache[device] = (self.X.to(device), self.y.to(device))
        return self._cache[device]


def _as_data(name: str, data: Any) -> _Arrays | Iterable[Any]:
    """Validate ``data``: a ``(X, y)`` pair becomes :class:`_Arrays`; a loader is kept as is."""
    if isinstance(data, tuple):
        if len(data) != 2:
            raise ConfigurationError(
                f"The '{name}' parameter of TrainingObjective must be a pair (X, y) or a "
                f"DataLoader. Got a tuple of {len(data)} items instead."
            )
        return _arrays(name, *data)
    if isinstance(data, (str, bytes)) or not isinstance(data, Iterable):
        raise ConfigurationError(
            f"The '{name}' parameter of TrainingObjective must be a pair (X, y) of arrays or an "
            f"iterable of (x, y) batches such as a DataLoader. Got {type(data).__name__} "
            "instead."
        )
    if isinstance(data, Iterator):
        raise ConfigurationError(
            f"The '{name}' parameter of TrainingObjective is an iterator, which would be used "
            "up after one epoch. Pass a DataLoader or another re-iterable collection of "
            "(x, y) batches."
        )
    return data


def _arrays(name: str, X: Any, y: Any) -> _Arrays:
    try:
        X_np = np.asarray(X.detach().cpu() if isinstance(X, torch.Tensor) else X)
        y_np = np.asarray(y.detach().cpu() if isinstance(y, torch.Tensor) else y)
    except (TypeError, ValueError) as err:
        raise ConfigurationError(
            f"The '{name}' data of TrainingObjective must be a pair of arrays (X, y). "
            f"Converting them failed: {err}."
        ) from None
    if X_np.ndim != 4 or not np.issubdtype(X_np.dtype, np.number):
        hint = " (grey images: X.reshape(n, 1, height, width))" if X_np.ndim == 3 else ""
        raise ConfigurationError(
            f"The '{name}' X of TrainingObjective must be a numeric array of shape (n, channels, "
            f"height, width){hint}. Got shape {X_np.shape} of dtype {X_np.dtype} instead."
        )
    if X_np.shape[0] == 0:
        raise ConfigurationError(
            f"The '{name}' X of TrainingObjective must hold at least one example. Got shape "
            f"{X_np.shape} instead."
        )
    if not np.isfinite(X_np).all():
        raise ConfigurationError(
            f"The '{name}' X of TrainingObjective must be finite; it holds "
            f"{int((~np.isfinite(X_np)).sum())} NaN or infinite values."
        )
    integral = np.issubdtype(y_np.dtype, np.integer) or (
        np.issubdtype(y_np.dtype, np.floating) and bool(np.all(np.mod(y_np, 1) == 0))
    )
    if y_np.shape != (X_np.shape[0],) or not integral or (y_np.size and y_np.min() < 0):
        raise ConfigurationError(
            f"The '{name}' y of TrainingObjective must be {X_np.shape[0]} class indices >= 0 "
            f"(one per row of X), shape ({X_np.shape[0]},). Got shape {y_np.shape} of dtype "
            f"{y_np.dtype} instead."
        )
    return _Arrays(
        torch.as_tensor(X_np, dtype=torch.float32), torch.as_tensor(y_np.astype(np.int64))
    )


def _unpack_batch(batch: Any) -> tuple[torch.Tensor, torch.Tensor]:
    if (
        isinstance(batch, Sequence)
        and len(batch) >= 2
        and isinstance(batch[0], torch.Tensor)
        and isinstance(batch[1], torch.Tensor)
    ):
        return batch[0], batch[1]
    raise ConfigurationError(
        "Each batch of a data loader given to TrainingObjective must be a pair (x, y) of "
        f"tensors. Got {type(batch).__name__} instead."
    )
