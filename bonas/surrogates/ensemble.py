"""A deep ensemble of small MLPs, the surrogate of BANANAS.

White, Neiswanger and Savani, "BANANAS: Bayesian Optimization with Neural Architectures for
Neural Architecture Search", AAAI 2021, predict the accuracy of an encoded cell with an
ensemble of five feed-forward networks and use the spread of their predictions as the
uncertainty (a deep ensemble, Lakshminarayanan et al., NeurIPS 2017). torch is imported only
when a model is fitted, so importing this module stays cheap.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from bonas._validation import check_bool, check_choice, check_int, check_number, invalid
from bonas.surrogates.base import Surrogate, check_X, check_Xy

if TYPE_CHECKING:
    import torch

__all__ = ["EnsembleSurrogate"]

SamplingName = Literal["independent", "members"]
LossName = Literal["mse", "mae"]

#: The floor of the predictive standard deviation, relative to the standard deviation of ``y``.
_MIN_REL_STD = 1e-6


class EnsembleSurrogate(Surrogate):
    """A deep ensemble of MLPs trained independently; the spread of the members is the std.

    Each member is a ReLU MLP trained with Adam on standardized targets from its own random
    initialization (and, with ``bootstrap=True``, on its own bootstrap resample of the data).
    :meth:`predict` returns the mean of the member predictions and their standard deviation
    (``ddof=0``, floored at ``1e-6`` times the standard deviation of ``y``). All members are
    trained at once as one batched network (weights stacked along a leading member axis, so a
    step is a few ``baddbmm`` calls), which is about as fast as training a single member.

    The paper's ensemble is 5 members of 10 layers of width 20, trained for 200 epochs with
    Adam (learning rate 0.01, batch size 32) on the mean absolute error. The defaults here are
    5 members of 3 hidden layers of width 32, trained full-batch in float32 for 200 epochs with
    Adam (learning rate 0.01) on the squared error of standardized targets, so that 200 cells
    of 84 features fit in a few tenths of a second on one CPU core (the dense products take
    the time, not Python). On a synthetic ranking task, width 64 ranked held-out points no
    better at twice the cost; the paper's mini-batches (``batch_size=32``, ``loss="mae"``)
    ranked slightly better at about seven times the cost.

    Args:
        n_members: Number of networks in the ensemble.
        hidden: Widths of the hidden layers; ``()`` gives an ensemble of linear models.
        epochs: Passes over the training data.
        lr: Adam learning rate.
        weight_decay: L2 penalty (Adam's ``weight_decay``).
        batch_size: Mini-batch size; ``None`` trains full-batch (one step per epoch).
        bootstrap: Train each member on its own bootstrap resample of the data. Deep ensembles
            usually do without (random initialization alone gives diverse members), as
            BANANAS does.
        loss: ``"mse"`` (squared error) or ``"mae"`` (absolute error, the paper's choice).
        sampling: How :meth:`sample_y` draws. ``"independent"`` draws every candidate
            independently from ``N(mean, std²)``, the independent Thompson sampling of
            BANANAS; ``"members"`` returns the predictions of a member picked at random for each
            sample, a joint draw that keeps the correlation between candidates.
        seed: Seed of the initialization, bootstrap and mini-batch order; the same seed and
            data give the same predictions. ``None`` draws fresh entropy on every fit. The
            global torch and NumPy random states are never used nor changed.
        chunk_size: Candidates predicted per batch, to bound memory.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> X = rng.integers(0, 2, size=(30, 8)).astype(float)
        >>> y = X[:, :3].sum(axis=1)
        >>> model = EnsembleSurrogate(epochs=50, seed=0).fit(X, y)
        >>> mean, std = model.predict(X, return_std=True)
        >>> mean.shape, bool((std > 0).all())
        ((30,), True)
    """

    def __init__(
        self,
        *,
        n_members: int = 5,
        hidden: Sequence[int] = (32, 32, 32),
        epochs: int = 200,
        lr: float = 1e-2,
        weight_decay: float = 0.0,
        batch_size: int | None = None,
        bootstrap: bool = False,
        loss: LossName = "mse",
        sampling: SamplingName = "independent",
        seed: int | None = None,
        chunk_size: int = 8192,
    ) -> None:
        self.n_members = n_members
        self.hidden = hidden
        self.epochs = epochs
        self.lr = lr
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.bootstrap = bootstrap
        self.loss = loss
        self.sampling = sampling
        self.seed = seed
        self.chunk_size = chunk_size

    def __repr__(self) -> str:
        return (
            f"EnsembleSurrogate(n_members={self.n_members}, hidden={tuple(self.hidden)}, "
            f"epochs={self.epochs}, lr={self.lr}, seed={self.seed})"
        )

    def _validate_params(self) -> None:
        owner = "EnsembleSurrogate"
        for name in ("n_members", "epochs", "chunk_size"):
            check_int(getattr(self, name), name, owner, low=1)
        hidden: Any = self.hidden  # as given: any type until checked
        if (
            isinstance(hidden, (str, bytes))
            or not isinstance(hidden, Sequence)
            or not all(
                not isinstance(w, bool) and isinstance(w, numbers.Integral) and int(w) >= 1
                for w in hidden
            )
        ):
            expected = "a sequence of ints >= 1, such as (32, 32, 32)"
            raise invalid(owner, "hidden", expected, hidden)
        check_number(self.lr, "lr", owner, low=0, low_open=True)
        check_number(self.weight_decay, "weight_decay", owner, low=0)
        if self.batch_size is not None:
            check_int(self.batch_size, "batch_size", owner, low=1, hint="None trains full-batch.")
        bootstrap: Any = self.bootstrap
        check_bool(
            bool(bootstrap) if isinstance(bootstrap, np.bool_) else bootstrap, "bootstrap", owner
        )
        check_choice(self.loss, "loss", owner, ("mse", "mae"))
        check_choice(self.sampling, "sampling", owner, ("independent", "members"))
        if self.seed is not None:
            check_int(self.seed, "seed", owner, low=0, hint="None draws fresh entropy.")

    def fit(self, X: np.ndarray, y: np.ndarray) -> EnsembleSurrogate:
        """Train the ensemble on ``X`` `(n, d)` and ``y`` `(n,)`; return ``self``."""
        import torch

        self._validate_params()
        X, y = check_Xy(X, y)
        n, d = X.shape
        gen = torch.Generator().manual_seed(_torch_seed(self.seed))

        # Standardize inputs (constant columns become 0) and targets.
        x_loc = X.mean(axis=0)
        x_scale = X.std(axis=0)
        x_scale[x_scale < 1e-12] = 1.0
        y_loc = float(y.mean())
        y_scale = float(y.std())
        if not y_scale > 1e-12:
            y_scale = 1.0

        dtype = torch.float32  # twice as fast as float64 on CPU; ranks are unchanged
        tX = torch.as_tensor((X - x_loc) / x_scale, dtype=dtype)
        tY = torch.as_tensor((y - y_loc) / y_scale, dtype=dtype)
        M = int(self.n_members)
        shapes = _param_shapes([d, *map(int, self.hidden), 1], M)
        theta = _init_theta(shapes, gen, dtype)
        params = _unflatten(theta, shapes)  # views: Adam's in-place steps update them
        # One flat parameter, its gradient from _loss_grad (no autograd graph); the
        # single-tensor implementation is pinned so that results never depend on torch's
        # choice of a default.
        adam = torch.optim.Adam(
            [theta], lr=float(self.lr), weight_decay=float(self.weight_decay), foreach=False
        )
        squared = self.loss == "mse"

        if self.bootstrap:
            rows = torch.randint(n, (M, n), generator=gen)
            Xm, Ym = tX[rows], tY[rows]  # (M, n, d), (M, n)
        else:
            rows = None
            Xm, Ym = tX, tY.expand(M, n)  # X is shared by all members
        batch = n if self.batch_size is None else min(int(self.batch_size), n)

        for _ in range(int(self.epochs)):
            if batch == n:
                steps = [(Xm, Ym)]
            else:
                order = torch.argsort(torch.rand(M, n, generator=gen), dim=1)
                steps = []
                for start in range(0, n, batch):
                    idx = order[:, start : start + batch]
                    xb = (
                        tX[idx]
                        if rows is None
                        else torch.gather(Xm, 1, idx.unsqueeze(-1).expand(-1, -1, d))
                    )
                    steps.append((xb, torch.gather(Ym, 1, idx)))
            for xb, yb in steps:
                theta.grad = _loss_grad(params, xb, yb, squared=squared)
                adam.step()

        self.params_ = _unflatten(theta.clone(), shapes)
        self.x_loc_, self.x_scale_ = x_loc, x_scale
        self.y_loc_, self.y_scale_ = y_loc, y_scale
        self.n_features_in_ = d
        return self

    def predict_members(self, X: np.ndarray) -> np.ndarray:
        """Predictions of every member at ``X`` `(m, d)`; returns `(n_members, m)`."""
        self._check_fitted()
        return self._predict_members(check_X(X, n_features=self.n_features_in_))

    def _predict_members(self, X: np.ndarray) -> np.ndarray:
        import torch

        out = []
        with torch.no_grad():
            for start in range(0, X.shape[0], int(self.chunk_size)):
                xb = (X[start : start + int(self.chunk_size)] - self.x_loc_) / self.x_scale_
                out.append(_forward(self.params_, torch.as_tensor(xb)).double().numpy())
        preds = np.concatenate(out, axis=1) if out else np.zeros((len(self.params_[0]), 0))
        return preds * self.y_scale_ + self.y_loc_

    def _predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        preds = self._predict_members(X)
        std = np.maximum(preds.std(axis=0), _MIN_REL_STD * self.y_scale_)
        return preds.mean(axis=0), std

    def sample_y(self, X: np.ndarray, n_samples: int, rng: np.random.Generator) -> np.ndarray:
        """Draw ``n_samples`` functions at ``X`` `(m, d)`; returns `(n_samples, m)`.

        With ``sampling="independent"`` (the default) each candidate is drawn independently
        from ``N(mean, std²)``, the independent Thompson sampling of BANANAS (White et al.,
        AAAI 2021). With ``sampling="members"`` each sample is the prediction of one member
        picked uniformly at random (with replacement): a joint draw from the ensemble.
        """
        if self.sampling == "independent":
            return super().sample_y(X, n_samples, rng)
        preds = self.predict_members(X)
        return preds[rng.integers(preds.shape[0], size=int(n_samples))]


def _torch_seed(seed: int | None) -> int:
    """A 63-bit torch seed from ``seed`` through NumPy's ``SeedSequence`` (fresh if ``None``)."""
    high, low = np.random.SeedSequence(None if seed is None else int(seed)).generate_state(2)
    return (int(high) << 32 | int(low)) >> 1


def _param_shapes(sizes: list[int], n_members: int) -> list[tuple[int, int, int]]:
    """Shapes of the stacked weights ``(M, d_in, d_out)`` and biases ``(M, 1, d_out)``."""
    shapes = []
    for d_in, d_out in zip(sizes[:-1], sizes[1:], strict=True):
        shapes += [(n_members, d_in, d_out), (n_members, 1, d_out)]
    return shapes


def _init_theta(
    shapes: list[tuple[int, int, int]], gen: torch.Generator, dtype: torch.dtype
) -> torch.Tensor:
    """All parameters as one flat leaf tensor, initialized as ``torch.nn.Linear`` does.

    Weights and biases are uniform in ``±1/sqrt(d_in)``, drawn from ``gen``, so no global
    random state is touched.
    """
    import torch

    parts = []
    for w_shape, b_shape in zip(shapes[::2], shapes[1::2], strict=True):
        bound = 1.0 / math.sqrt(w_shape[1])  # 1 / sqrt(d_in) for the weights and the bias
        for shape in (w_shape, b_shape):
            u = torch.rand(shape, generator=gen, dtype=dtype)
            parts.append(((u * 2.0 - 1.0) * bound).reshape(-1))
    return torch.cat(parts)


def _unflatten(theta: torch.Tensor, shapes: list[tuple[int, int, int]]) -> list[torch.Tensor]:
    """Views of ``theta`` with the given shapes."""
    views, start = [], 0
    for shape in shapes:
        size = shape[0] * shape[1] * shape[2]
        views.append(theta[start : start + size].view(shape))
        start += size
    return views


def _loss_grad(
    params: list[torch.Tensor], X: torch.Tensor, Y: torch.Tensor, *, squared: bool
) -> torch.Tensor:
    """Gradient, flattened like ``theta``, of the summed per-member mean loss at ``X``, ``Y``.

    The loss is the sum over members of each member's mean squared (or absolute) error, so
    every member gets exactly the gradient it would get if trained alone. Backpropagation is
    written out: for these small networks autograd's graph bookkeeping is a large share of
    each fit.
    """
    import torch

    inputs: list[torch.Tensor] = []
    n_layers = len(params) // 2
    diff = _forward(params, X, inputs=inputs) - Y  # (M, n)
    n = diff.shape[1]
    g = (diff * (2.0 / n) if squared else torch.sign(diff) / n).unsqueeze(-1)  # dL/d output
    grads: list[torch.Tensor] = [torch.empty(0)] * len(params)
    for i in reversed(range(n_layers)):
        a, W = inputs[i], params[2 * i]
        grads[2 * i] = torch.matmul(a.transpose(-1, -2), g)  # (M, d_in, d_out)
        grads[2 * i + 1] = g.sum(dim=1, keepdim=True)
        if i:
            g = torch.matmul(g, W.transpose(-1, -2)).mul_(a > 0)  # through the ReLU
    return torch.cat([t.reshape(-1) for t in grads])


def _forward(
    params: list[torch.Tensor], X: torch.Tensor, *, inputs: list[torch.Tensor] | None = None
) -> torch.Tensor:
    """The ensemble's output `(M, n)` at ``X`` `(n, d)` (shared) or `(M, n, d)` (per member).

    ``inputs``, if given, receives the input of every layer (for backpropagation).
    """
    import torch

    h = X.to(params[0].dtype)
    n_layers = len(params) // 2
    for i in range(n_layers):
        if inputs is not None:
            inputs.append(h)
        W, b = params[2 * i], params[2 * i + 1]
        h = torch.baddbmm(b, h, W) if h.dim() == 3 else torch.matmul(h, W) + b
        if i < n_layers - 1:
            h = torch.relu(h)
    return h.squeeze(-1)
