"""Gaussian-process surrogates on BoTorch/GPyTorch."""

from __future__ import annotations

import logging
import warnings
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from bonas._validation import check_choice, check_int
from bonas.exceptions import ConfigurationError, SurrogateFitError
from bonas.surrogates.base import Surrogate, check_Xy

if TYPE_CHECKING:
    import torch
    from gpytorch.kernels import Kernel

__all__ = ["GPSurrogate", "KERNELS"]

_log = logging.getLogger(__name__)

KernelName = Literal["matern", "rbf", "tanimoto"]
#: The kernels :class:`GPSurrogate` knows by name.
KERNELS: tuple[str, ...] = ("matern", "rbf", "tanimoto")


def _tanimoto_kernel_class() -> type[Kernel]:
    import torch
    from gpytorch.kernels import Kernel

    class TanimotoKernel(Kernel):  # type: ignore[misc]
        """``k(x, x') = <x, x'> / (|x|² + |x'|² - <x, x'>)`` for non-negative features.

        The Tanimoto (Jaccard) similarity of feature sets, as used for molecular fingerprints
        (Ralaivola et al. 2005) and path encodings; two all-zero vectors have similarity 1.
        It has no lengthscale, so the GP fits only an output scale and a noise level.
        """

        has_lengthscale = False

        def forward(
            self, x1: torch.Tensor, x2: torch.Tensor, diag: bool = False, **params: Any
        ) -> torch.Tensor:
            if diag:
                dot = (x1 * x2).sum(-1)
                den = (x1 * x1).sum(-1) + (x2 * x2).sum(-1) - dot
            else:
                dot = x1 @ x2.transpose(-1, -2)
                n1 = (x1 * x1).sum(-1, keepdim=True)
                n2 = (x2 * x2).sum(-1, keepdim=True).transpose(-1, -2)
                den = n1 + n2 - dot
            return torch.where(den > 0, dot / den.clamp_min(1e-12), torch.ones_like(dot))

    return TanimotoKernel


def _exact_matern_kernel_class() -> type[Kernel]:
    import torch
    from gpytorch.kernels import MaternKernel

    class ExactDistanceMaternKernel(MaternKernel):  # type: ignore[misc]
        """GPyTorch's Matérn kernel, with exact distances when no gradient is needed.

        GPyTorch computes ``|a - b|²`` as ``|a|² + |b|² - 2<a, b>`` after centring both inputs
        by the mean of ``x1``. The ARD fit drives the lengthscales of some binary features of
        path encodings to ~1e-6, so the scaled coordinates reach ~1e6 and that expansion
        loses ~1e-4 of the squared distance to cancellation: the kernel values, hence the
        predictions, were off by up to ~1e-3 (relative) and depended on which rows shared a
        call (the prediction chunk). Without gradients (predictions, BoTorch's posterior
        under ``torch.no_grad()``), ``torch.cdist`` without the matrix-product shortcut
        subtracts the coordinates first: exact to rounding, whatever the chunk.

        The hyperparameter fit keeps GPyTorch's expansion: maximizing the exact marginal
        likelihood drives those lengthscales on to ~1e-150 (where squared distances
        overflow), takes several times as many L-BFGS steps and predicted held-out NB201
        cells worse.
        """

        def covar_dist(
            self,
            x1: torch.Tensor,
            x2: torch.Tensor,
            diag: bool = False,
            last_dim_is_batch: bool = False,
            square_dist: bool = False,
            **params: Any,
        ) -> torch.Tensor:
            if diag or last_dim_is_batch or x1.requires_grad or x2.requires_grad:
                return super().covar_dist(
                    x1,
                    x2,
                    diag=diag,
                    last_dim_is_batch=last_dim_is_batch,
                    square_dist=square_dist,
                    **params,
                )
            res = torch.cdist(x1, x2, compute_mode="donot_use_mm_for_euclid_dist")
            return res.pow(2) if square_dist else res

    return ExactDistanceMaternKernel


class GPSurrogate(Surrogate):
    """An exact GP (BoTorch ``SingleTaskGP``) with a kernel suited to architecture encodings.

    Outcomes are standardized, the observation noise is learned, and hyperparameters are
    fitted by maximizing the marginal likelihood with ``fit_gpytorch_mll``. Refits are
    warm-started from the previous hyperparameters; with ``refit_every=k`` they are re-optimized
    only on every k-th fit and otherwise reused (the GP is still conditioned on all the data).

    Args:
        kernel: ``"tanimoto"`` (Tanimoto similarity of non-negative features; two
            hyperparameters), ``"matern"`` (Matérn-5/2 with one lengthscale per feature, ARD) or
            ``"rbf"`` (BoTorch's default RBF with a dimension-scaled lengthscale prior).
        refit_every: Re-optimize hyperparameters on every ``refit_every``-th call of :meth:`fit`.
        chunk_size: Candidates predicted per batch, to bound memory.

    Raises:
        ConfigurationError: from :meth:`fit`, for an unknown ``kernel`` or a ``refit_every``
            that is not an int >= 1.
        SurrogateFitError: from :meth:`predict`, if the fitted covariance is not positive
            definite even with jitter (:class:`~bonas.exceptions.SurrogateFitError`).

    Example:
        >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
        >>> gp = GPSurrogate(kernel="tanimoto").fit(X, np.array([1.0, 2.0, 3.0]))
        >>> mean, std = gp.predict(X, return_std=True)
        >>> mean.shape, bool((std >= 0).all())
        ((3,), True)
    """

    def __init__(
        self,
        *,
        kernel: KernelName = "tanimoto",
        refit_every: int = 1,
        chunk_size: int = 4096,
    ) -> None:
        self.kernel = kernel
        self.refit_every = refit_every
        self.chunk_size = chunk_size

    def __repr__(self) -> str:
        return f"GPSurrogate(kernel={self.kernel!r}, refit_every={self.refit_every})"

    def _validate_params(self) -> None:
        check_choice(self.kernel, "kernel", "GPSurrogate", KERNELS)
        check_int(self.refit_every, "refit_every", "GPSurrogate", low=1)

    def _covar_module(self, n_features: int) -> Kernel | None:
        from gpytorch.kernels import ScaleKernel

        if self.kernel == "tanimoto":
            return ScaleKernel(_tanimoto_kernel_class()())
        if self.kernel == "matern":
            return ScaleKernel(_exact_matern_kernel_class()(nu=2.5, ard_num_dims=n_features))
        return None  # BoTorch's default (RBF, dimension-scaled lengthscale prior)

    def fit(self, X: np.ndarray, y: np.ndarray) -> GPSurrogate:
        """Fit the GP on ``X`` `(n, d)` and ``y`` `(n,)`; return ``self``."""
        self._validate_params()
        self.n_fits_ = getattr(self, "n_fits_", 0) + 1
        return self._fit(X, y, optimize=(self.n_fits_ - 1) % self.refit_every == 0)

    def condition(self, X: np.ndarray, y: np.ndarray) -> GPSurrogate:
        """Refit on ``X``, ``y`` with the current hyperparameters (no optimization).

        This is how pending evaluations are fantasized (kriging believer): cheap, and it shrinks
        the uncertainty around cells that other workers are evaluating.
        """
        self._validate_params()
        return self._fit(X, y, optimize=False)

    def _fit(self, X: np.ndarray, y: np.ndarray, *, optimize: bool) -> GPSurrogate:
        import torch
        from botorch.fit import fit_gpytorch_mll
        from botorch.models import SingleTaskGP
        from botorch.models.transforms import Standardize
        from gpytorch.mlls import ExactMarginalLogLikelihood

        X, y = check_Xy(X, y)
        if hasattr(self, "n_features_in_") and X.shape[1] != self.n_features_in_:
            self._state_ = None  # a new feature space: no warm start
        train_X = torch.as_tensor(X, dtype=torch.float64)
        train_Y = torch.as_tensor(y, dtype=torch.float64).unsqueeze(-1)
        if y.shape[0] == 1 or np.ptp(y) == 0:
            train_Y = train_Y + 1e-6 * torch.arange(len(y), dtype=torch.float64).unsqueeze(-1)
        model = SingleTaskGP(
            train_X,
            train_Y,
            covar_module=self._covar_module(X.shape[1]),
            outcome_transform=Standardize(m=1),
        )
        state = getattr(self, "_state_", None)
        if state is not None:
            model.load_state_dict(state, strict=False)
        if state is None or optimize:
            mll = ExactMarginalLogLikelihood(model.likelihood, model)
            # BoTorch retries a failed fit from random initial values drawn with torch's global
            # generator: fork it, with a fixed seed, so fits are deterministic and leave the
            # caller's random state alone.
            with warnings.catch_warnings(), torch.random.fork_rng():
                torch.manual_seed(0)
                warnings.simplefilter("ignore")
                try:
                    fit_gpytorch_mll(mll)
                except Exception as err:  # noqa: BLE001 - keep the previous hyperparameters
                    kept = "the last ones" if state is not None else "their initial values"
                    _log.warning("GP hyperparameter fit failed (%s); keeping %s.", err, kept)
        model.eval()
        tf: Any = model.outcome_transform
        self._y_scale_ = (float(tf.means.reshape(())), float(tf.stdvs.reshape(())))
        self._cache_: tuple[torch.Tensor, torch.Tensor, float, torch.Tensor] | None = None
        self._state_ = {
            k: v.detach().clone()
            for k, v in model.state_dict().items()
            if not k.startswith("outcome_transform") and "train" not in k
        }
        self.model_ = model
        self.n_features_in_ = X.shape[1]
        return self

    def _predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and standard deviation of the latent function, in chunks.

        Computed from the kernel's cross-covariances with one Cholesky factor of the training
        covariance (cached per fit), so scoring thousands of candidates needs `O(m n)` memory
        instead of the `(m, n + 1, d)` tensors of a batched BoTorch posterior.
        """
        import torch

        if X.shape[0] == 0:
            return np.zeros(0), np.zeros(0)
        L, alpha, mean_const, X_train = self._cache()
        covar = self.model_.covar_module
        y_mean, y_std = self._y_scale_
        means, stds = [], []
        with torch.no_grad():
            for start in range(0, X.shape[0], self.chunk_size):
                xb = torch.as_tensor(X[start : start + self.chunk_size], dtype=torch.float64)
                k_star = covar(xb, X_train).to_dense()
                mu = k_star @ alpha + mean_const
                v = torch.linalg.solve_triangular(L, k_star.T, upper=False)
                var = covar(xb, diag=True) - (v * v).sum(0)
                means.append((mu * y_std + y_mean).numpy())
                stds.append((var.clamp_min(1e-12).sqrt() * y_std).numpy())
        return np.concatenate(means), np.concatenate(stds)

    def predict_linear(self, X: np.ndarray, A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The joint posterior of linear functionals of the latent objective over ``X``.

        For the cells ``X`` `(m, d)` and weights ``A`` `(m, k)`, the posterior of ``A.T @ f(X)``
        (``f`` the latent objective, without observation noise) is Gaussian: this returns its
        mean `(k,)` and covariance `(k, k)`, exactly, in the units of ``y``. An average of ``f``
        over a set of cells, or the difference of two averages, is such a functional.

        Computed in chunks of :attr:`chunk_size` rows (`O(chunk × m)` memory), so ``m`` may be
        a whole enumerable space (NB201's 15,625 cells) though the `(m, m)` covariance is never
        formed.

        Example:
            >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
            >>> gp = GPSurrogate().fit(X, np.array([1.0, 2.0, 3.0]))
            >>> A = np.array([[0.5], [0.5], [0.0]])
            >>> mean, cov = gp.predict_linear(X, A)
            >>> bool(np.isclose(mean[0], gp.predict(X)[:2].mean())), cov.shape
            (True, (1, 1))
        """
        import torch

        from bonas.surrogates.base import check_X

        self._check_fitted()
        X = check_X(X, n_features=self.n_features_in_)
        A = np.asarray(A, dtype=np.float64)
        if A.ndim != 2 or A.shape[0] != X.shape[0] or not np.all(np.isfinite(A)):
            raise ConfigurationError(
                f"The 'A' parameter of GPSurrogate.predict_linear must be a finite array of "
                f"shape ({X.shape[0]}, k), one row per row of 'X'. Got shape {A.shape} instead."
            )
        L, alpha, mean_const, X_train = self._cache()
        covar = self.model_.covar_module
        y_mean, y_std = self._y_scale_
        k = A.shape[1]
        At = torch.as_tensor(A, dtype=torch.float64)
        Xt = torch.as_tensor(X, dtype=torch.float64)
        prior = torch.zeros((k, k), dtype=torch.float64)
        VA = torch.zeros((X_train.shape[0], k), dtype=torch.float64)
        mean = torch.zeros(k, dtype=torch.float64)
        with torch.no_grad():
            for start in range(0, X.shape[0], self.chunk_size):
                stop = start + self.chunk_size
                xb, Ab = Xt[start:stop], At[start:stop]
                prior += Ab.T @ (covar(xb, Xt).to_dense() @ At)
                k_star = covar(xb, X_train).to_dense()
                mean += Ab.T @ (k_star @ alpha + mean_const)
                VA += torch.linalg.solve_triangular(L, k_star.T, upper=False) @ Ab
        cov = (prior - VA.T @ VA) * y_std**2
        cov = (cov + cov.T) / 2
        # The standardization's mean shifts f by y_mean: A.T f shifts by y_mean * A.sum(0).
        mean_out = mean.numpy() * y_std + y_mean * A.sum(axis=0)
        return mean_out, cov.numpy()

    def _cache(self) -> tuple[torch.Tensor, torch.Tensor, float, torch.Tensor]:
        import torch

        cache: tuple[torch.Tensor, torch.Tensor, float, torch.Tensor] | None
        cache = getattr(self, "_cache_", None)
        if cache is None:
            model = self.model_
            with torch.no_grad():
                X_train = model.train_inputs[0]
                n = X_train.shape[0]
                K = model.covar_module(X_train, X_train).to_dense()
                K = K + model.likelihood.noise.reshape(()) * torch.eye(n, dtype=K.dtype)
                L = _cholesky_with_jitter(K)
                mean_const = float(model.mean_module.constant.reshape(()))
                resid = (model.train_targets - mean_const).unsqueeze(-1)
                alpha = torch.cholesky_solve(resid, L).squeeze(-1)
            cache = (L, alpha, mean_const, X_train)
            self._cache_ = cache
        return cache


def _cholesky_with_jitter(K: torch.Tensor) -> torch.Tensor:
    import torch

    jitter = 0.0
    eye = torch.eye(K.shape[0], dtype=K.dtype)
    for _ in range(6):
        L, info = torch.linalg.cholesky_ex(K + jitter * eye)
        if int(info) == 0:
            return L
        jitter = 1e-8 if jitter == 0.0 else jitter * 10
    raise SurrogateFitError(
        "The GP covariance is not positive definite even with jitter; the data may hold many "
        "duplicate points with different values."
    )
