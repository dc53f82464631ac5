"""The surrogate conformance suite: checks every :class:`~bonas.surrogates.Surrogate` passes.

Like Optuna's shipped sampler suites, a plug-in author runs the same checks bonas runs on its
own models, either all at once::

    from bonas.testing.surrogates import check_surrogate

    check_surrogate(lambda: MySurrogate(seed=0))

or as one pytest test per check, by inheriting :class:`SurrogateConformance` in a test class
that provides a ``surrogate_factory`` fixture (see its docstring).

Each check takes a factory, a callable that returns a new unfitted surrogate, configured to
be deterministic (a fixed ``seed`` where the model has one). A failed check raises
:class:`AssertionError` saying what was expected. The checks use small synthetic data sets of
binary features, shaped like architecture encodings, and need neither pytest nor torch.
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from bonas.exceptions import BonasError, ConfigurationError, NotFittedError
from bonas.surrogates.base import Surrogate

__all__ = [
    "CHECKS",
    "SurrogateConformance",
    "SurrogateFactory",
    "check_deterministic",
    "check_fit_returns_self",
    "check_global_rng_untouched",
    "check_inputs_unchanged",
    "check_invalid_data",
    "check_learns",
    "check_not_fitted",
    "check_predict_empty",
    "check_predict_shapes",
    "check_refit_new_width",
    "check_sample_y",
    "check_constant_targets",
    "check_surrogate",
    "check_width_mismatch",
    "make_task",
]

#: A callable that returns a new, unfitted, deterministically configured surrogate.
SurrogateFactory = Callable[[], Surrogate]


def make_task(
    n: int, n_features: int, *, seed: int, n_relevant: int = 3, noise: float = 0.1
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A synthetic regression task on binary features.

    ``y = X[:, :n_relevant].sum(axis=1) + noise * N(0, 1)``, with features drawn from
    Bernoulli(1/2).

    Returns:
        ``X`` `(n, n_features)`, the noisy targets ``y`` `(n,)` and the noise-free ``f`` `(n,)`.

    Example:
        >>> X, y, f = make_task(4, 5, seed=0)
        >>> X.shape, y.shape, bool(np.array_equal(f, X[:, :3].sum(axis=1)))
        ((4, 5), (4,), True)
    """
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 2, size=(n, n_features)).astype(np.float64)
    f = X[:, :n_relevant].sum(axis=1)
    return X, f + noise * rng.standard_normal(n), f


def _expect(condition: bool | np.bool_, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def _expect_raises(
    errors: type[BaseException] | tuple[type[BaseException], ...],
    fn: Callable[[], Any],
    what: str,
    *,
    match: str | None = None,
) -> BaseException:
    names = errors.__name__ if isinstance(errors, type) else "/".join(e.__name__ for e in errors)
    try:
        fn()
    except errors as err:
        if match is not None and not re.search(match, str(err)):
            raise AssertionError(
                f"{what}: the {type(err).__name__} message should match {match!r}; "
                f"it reads {str(err)!r}."
            ) from err
        return err
    except Exception as err:
        raise AssertionError(f"{what}: expected {names}, got {type(err).__name__}: {err}") from err
    raise AssertionError(f"{what}: expected {names}, but nothing was raised.")


def _small(seed: int = 0, n: int = 16, n_features: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """A small task on which every feature matters (so GP hyperparameters converge fast)."""
    X, y, _ = make_task(n, n_features, seed=seed, n_relevant=n_features)
    return X, y


def _name(factory: SurrogateFactory) -> str:
    return type(factory()).__name__


def check_fit_returns_self(factory: SurrogateFactory) -> None:
    """``fit`` returns the surrogate itself and sets ``n_features_in_``."""
    model = factory()
    _expect(isinstance(model, Surrogate), f"The factory must build a Surrogate, got {model!r}.")
    X, y = _small()
    out = model.fit(X, y)
    _expect(out is model, f"{type(model).__name__}.fit must return self, got {out!r}.")
    _expect(
        getattr(model, "n_features_in_", None) == X.shape[1],
        f"After fit, n_features_in_ must be {X.shape[1]}; "
        f"got {getattr(model, 'n_features_in_', None)!r}.",
    )


def check_predict_shapes(factory: SurrogateFactory) -> None:
    """``predict`` returns finite float arrays `(m,)`; ``std >= 0``; both forms agree."""
    X, y = _small()
    Xq, _, _ = make_task(7, X.shape[1], seed=1)
    model = factory().fit(X, y)
    mean, std = model.predict(Xq, return_std=True)
    for label, arr in (("mean", mean), ("std", std)):
        _expect(
            isinstance(arr, np.ndarray) and arr.shape == (7,),
            f"predict must return a {label} of shape (7,) for 7 candidates; got "
            f"{type(arr).__name__} of shape {getattr(arr, 'shape', None)}.",
        )
        _expect(np.issubdtype(arr.dtype, np.floating), f"The {label} must be floating point.")
        _expect(bool(np.all(np.isfinite(arr))), f"The {label} must be finite; got {arr}.")
    _expect(bool(np.all(std >= 0)), f"The std must be >= 0; got {std}.")
    only_mean = model.predict(Xq)
    _expect(
        isinstance(only_mean, np.ndarray) and np.allclose(only_mean, mean, rtol=1e-6, atol=1e-9),
        "predict(X) must return the same mean as predict(X, return_std=True)[0].",
    )


def check_predict_empty(factory: SurrogateFactory) -> None:
    """``predict`` and ``sample_y`` of zero candidates return empty arrays, not an error."""
    X, y = _small()
    model = factory().fit(X, y)
    mean, std = model.predict(X[:0], return_std=True)
    _expect(
        mean.shape == (0,) and std.shape == (0,),
        f"predict of 0 candidates must return shapes (0,); got {mean.shape}, {std.shape}.",
    )
    draws = model.sample_y(X[:0], 3, np.random.default_rng(0))
    _expect(draws.shape == (3, 0), f"sample_y of 0 candidates must be (3, 0); got {draws.shape}.")


def check_not_fitted(factory: SurrogateFactory) -> None:
    """``predict`` and ``sample_y`` before ``fit`` raise :class:`NotFittedError`."""
    X, _ = _small()
    model = factory()
    err = _expect_raises(NotFittedError, lambda: model.predict(X), "predict before fit")
    _expect(isinstance(err, BonasError), "NotFittedError must be a BonasError.")
    _expect_raises(
        NotFittedError,
        lambda: model.sample_y(X, 2, np.random.default_rng(0)),
        "sample_y before fit",
    )


def check_width_mismatch(factory: SurrogateFactory) -> None:
    """Predicting with another width than the fitted one, or NaN, raises ConfigurationError.

    The message names both widths.
    """
    X, y = _small(n_features=6)
    Xq, _, _ = make_task(3, 9, seed=1)
    model = factory().fit(X, y)
    err = _expect_raises(
        ConfigurationError, lambda: model.predict(Xq), "predict with 9 features after fit on 6"
    )
    message = str(err)
    _expect(
        re.search(r"\b6\b", message) is not None and re.search(r"\b9\b", message) is not None,
        f"The width-mismatch message must name both widths (6 and 9); it reads {message!r}.",
    )
    bad_X = X.copy()
    bad_X[2, 1] = np.nan
    _expect_raises(ConfigurationError, lambda: model.predict(bad_X), "predict with NaN in X")


def check_invalid_data(factory: SurrogateFactory) -> None:
    """``fit`` with NaN or inf in ``y`` or ``X``, or a ``y`` of the wrong length, raises."""
    X, y = _small()
    bad_y = y.copy()
    bad_y[3] = np.nan
    _expect_raises(ConfigurationError, lambda: factory().fit(X, bad_y), "fit with NaN in y")
    bad_y[3] = np.inf
    _expect_raises(ConfigurationError, lambda: factory().fit(X, bad_y), "fit with inf in y")
    bad_X = X.copy()
    bad_X[2, 1] = np.nan
    _expect_raises(ConfigurationError, lambda: factory().fit(bad_X, y), "fit with NaN in X")
    _expect_raises(
        ConfigurationError, lambda: factory().fit(X, y[:-1]), "fit with len(y) != len(X)"
    )


def check_sample_y(factory: SurrogateFactory) -> None:
    """``sample_y`` is `(n_samples, m)`, finite, reproducible, and centred on the mean."""
    X, y = _small()
    Xq, _, _ = make_task(6, X.shape[1], seed=1)
    model = factory().fit(X, y)
    draws = model.sample_y(Xq, 4, np.random.default_rng(0))
    _expect(
        isinstance(draws, np.ndarray) and draws.shape == (4, 6),
        f"sample_y(X, 4, rng) with 6 candidates must be (4, 6); got {np.shape(draws)}.",
    )
    _expect(bool(np.all(np.isfinite(draws))), "sample_y must return finite values.")
    again = model.sample_y(Xq, 4, np.random.default_rng(0))
    _expect(bool(np.array_equal(draws, again)), "sample_y with equally seeded rngs must be equal.")
    mean, std = model.predict(Xq, return_std=True)
    other = model.sample_y(Xq, 4, np.random.default_rng(1))
    _expect(
        bool(np.all(std == 0)) or not np.array_equal(draws, other),
        "sample_y must depend on rng: differently seeded rngs gave the same draws.",
    )
    many = model.sample_y(Xq, 2000, np.random.default_rng(2))
    tol = 6 * std / np.sqrt(2000) + 1e-6 * (1 + np.abs(mean))
    _expect(
        bool(np.all(np.abs(many.mean(axis=0) - mean) <= tol)),
        "The average of 2000 sample_y draws must be close to the predicted mean; got "
        f"{many.mean(axis=0)} for mean {mean}.",
    )


def check_learns(factory: SurrogateFactory, *, min_rank_correlation: float = 0.7) -> None:
    """On 100 points of 40 binary features, held-out predictions rank the truth well.

    The target is the sum of the first three features plus Gaussian noise (sd 0.1); the
    Spearman correlation of the predicted means with the noise-free target on 100 held-out
    points must exceed ``min_rank_correlation``.
    """
    from scipy.stats import spearmanr

    X, y, f = make_task(200, 40, seed=0)
    mean = factory().fit(X[:100], y[:100]).predict(X[100:])
    rho = float(spearmanr(mean, f[100:])[0])
    _expect(
        rho > min_rank_correlation,
        f"{_name(factory)} must rank held-out points with Spearman correlation > "
        f"{min_rank_correlation}; got {rho:.3f}.",
    )


def check_deterministic(factory: SurrogateFactory) -> None:
    """Two surrogates from the factory fitted on the same data predict the same."""
    X, y = _small()
    Xq, _, _ = make_task(7, X.shape[1], seed=1)
    m1, s1 = factory().fit(X, y).predict(Xq, return_std=True)
    m2, s2 = factory().fit(X, y).predict(Xq, return_std=True)
    _expect(
        np.allclose(m1, m2, rtol=1e-6, atol=1e-9) and np.allclose(s1, s2, rtol=1e-6, atol=1e-9),
        "Two surrogates from the factory fitted on the same data must predict the same; "
        f"the means differ by up to {np.max(np.abs(m1 - m2)):.3g}. Fix the seed in the factory.",
    )


def check_refit_new_width(factory: SurrogateFactory) -> None:
    """One surrogate can be refitted on more data of another width (as a sampler does)."""
    X, y = _small()
    X2, y2 = _small(seed=1, n=20, n_features=8)
    model = factory().fit(X, y)
    model.fit(X2, y2)
    _expect(model.n_features_in_ == 8, "After a refit, n_features_in_ must be the new width.")
    mean, std = model.predict(X2[:5], return_std=True)
    _expect(mean.shape == (5,) and std.shape == (5,), "predict after a refit has wrong shapes.")
    _expect_raises(ConfigurationError, lambda: model.predict(X), "predict with the old width")


def check_constant_targets(factory: SurrogateFactory) -> None:
    """Fits on one point and on constant targets work and predict finite values."""
    X, _ = _small()
    for label, n in (("one point", 1), ("constant targets", 6)):
        y = np.full(n, 0.5)
        mean, std = factory().fit(X[:n], y).predict(X[:4], return_std=True)
        _expect(
            bool(np.all(np.isfinite(mean)) and np.all(np.isfinite(std)) and np.all(std >= 0)),
            f"After a fit on {label}, predictions must be finite with std >= 0; "
            f"got {mean}, {std}.",
        )
        _expect(
            bool(np.all(np.abs(mean - 0.5) < 0.5)),
            f"After a fit on {label} (all y = 0.5), the mean must stay near 0.5; got {mean}.",
        )


def check_inputs_unchanged(factory: SurrogateFactory) -> None:
    """``fit``, ``predict`` and ``sample_y`` leave their input arrays untouched."""
    X, y = _small()
    X0, y0 = X.copy(), y.copy()
    model = factory().fit(X, y)
    model.predict(X, return_std=True)
    model.sample_y(X, 2, np.random.default_rng(0))
    _expect(
        bool(np.array_equal(X, X0) and np.array_equal(y, y0)),
        "fit, predict and sample_y must not modify X or y in place.",
    )


def _global_states() -> dict[str, np.ndarray]:
    """Python's, NumPy's and (if imported) torch's global random states, as arrays."""
    _, keys, pos, *_ = np.random.get_state()  # noqa: NPY002 - reading it is the point
    states = {
        "random": np.asarray(random.getstate()[1]),
        "numpy.random": np.append(np.asarray(keys), pos),
    }
    torch = sys.modules.get("torch")
    if torch is not None:
        states["torch"] = torch.random.get_rng_state().numpy().copy()
    return states


def check_global_rng_untouched(factory: SurrogateFactory) -> None:
    """``fit``, ``predict`` and ``sample_y`` neither use nor reseed the global RNGs.

    Checked for Python's ``random``, NumPy's legacy global state, and torch's default
    generator (when torch is imported).
    """
    X, y = _small()
    if "torch" not in sys.modules:
        factory().fit(X, y)  # a first fit imports what the surrogate needs
    before = _global_states()
    model = factory().fit(X, y)
    model.predict(X, return_std=True)
    model.sample_y(X, 2, np.random.default_rng(0))
    after = _global_states()
    changed = [k for k in before if not np.array_equal(before[k], after.get(k, before[k]))]
    _expect(
        not changed,
        f"{_name(factory)} changed the global random state of {changed}; draw from a "
        "generator of its own (np.random.Generator, torch.Generator) instead.",
    )


#: Every check, by name, in the order :func:`check_surrogate` runs them.
CHECKS: dict[str, Callable[[SurrogateFactory], None]] = {
    "fit_returns_self": check_fit_returns_self,
    "predict_shapes": check_predict_shapes,
    "predict_empty": check_predict_empty,
    "not_fitted": check_not_fitted,
    "width_mismatch": check_width_mismatch,
    "invalid_data": check_invalid_data,
    "sample_y": check_sample_y,
    "deterministic": check_deterministic,
    "refit_new_width": check_refit_new_width,
    "constant_targets": check_constant_targets,
    "inputs_unchanged": check_inputs_unchanged,
    "global_rng_untouched": check_global_rng_untouched,
    "learns": check_learns,
}


def check_surrogate(factory: SurrogateFactory, *, skip: tuple[str, ...] = ()) -> None:
    """Run every check of :data:`CHECKS` (except those named in ``skip``) on ``factory``.

    Raises:
        AssertionError: The first failed check, its name in the message.
        ConfigurationError: ``skip`` names an unknown check.

    Example:
        >>> from bonas.surrogates import EnsembleSurrogate
        >>> check_surrogate(lambda: EnsembleSurrogate(epochs=20, seed=0), skip=("learns",))
    """
    unknown = sorted(set(skip) - set(CHECKS))
    if unknown:
        raise ConfigurationError(
            f"The 'skip' parameter names unknown checks {unknown}; known: {list(CHECKS)}."
        )
    for name, check in CHECKS.items():
        if name in skip:
            continue
        try:
            check(factory)
        except AssertionError as err:
            raise AssertionError(f"check {name!r} failed: {err}") from err


class SurrogateConformance:
    """Pytest mix-in: each check of the suite as a test method.

    Inherit it in a test class named ``Test…`` and give the class (or its module) a
    ``surrogate_factory`` fixture; parametrize the fixture to run the suite on several
    configurations::

        import pytest
        from bonas.testing.surrogates import SurrogateConformance, SurrogateFactory

        class TestMySurrogate(SurrogateConformance):
            @pytest.fixture
            def surrogate_factory(self) -> SurrogateFactory:
                return lambda: MySurrogate(seed=0)

    Override :attr:`min_rank_correlation` to relax the learning check.
    """

    #: The Spearman correlation :func:`check_learns` requires.
    min_rank_correlation: float = 0.7

    def test_fit_returns_self(self, surrogate_factory: SurrogateFactory) -> None:
        check_fit_returns_self(surrogate_factory)

    def test_predict_shapes(self, surrogate_factory: SurrogateFactory) -> None:
        check_predict_shapes(surrogate_factory)

    def test_predict_empty(self, surrogate_factory: SurrogateFactory) -> None:
        check_predict_empty(surrogate_factory)

    def test_not_fitted(self, surrogate_factory: SurrogateFactory) -> None:
        check_not_fitted(surrogate_factory)

    def test_width_mismatch(self, surrogate_factory: SurrogateFactory) -> None:
        check_width_mismatch(surrogate_factory)

    def test_invalid_data(self, surrogate_factory: SurrogateFactory) -> None:
        check_invalid_data(surrogate_factory)

    def test_sample_y(self, surrogate_factory: SurrogateFactory) -> None:
        check_sample_y(surrogate_factory)

    def test_deterministic(self, surrogate_factory: SurrogateFactory) -> None:
        check_deterministic(surrogate_factory)

    def test_refit_new_width(self, surrogate_factory: SurrogateFactory) -> None:
        check_refit_new_width(surrogate_factory)

    def test_constant_targets(self, surrogate_factory: SurrogateFactory) -> None:
        check_constant_targets(surrogate_factory)

    def test_inputs_unchanged(self, surrogate_factory: SurrogateFactory) -> None:
        check_inputs_unchanged(surrogate_factory)

    def test_global_rng_untouched(self, surrogate_factory: SurrogateFactory) -> None:
        check_global_rng_untouched(surrogate_factory)

    def test_learns(self, surrogate_factory: SurrogateFactory) -> None:
        check_learns(surrogate_factory, min_rank_correlation=self.min_rank_correlation)
