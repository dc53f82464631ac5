"""scikit-learn's handwritten digits, and an NB201 network sized for them.

The digits data set (1,797 grey 8×8 images of the digits 0–9) ships inside scikit-learn, so a
search on it downloads nothing and trains each cell in seconds on a CPU. It stands in for the
CIFAR data of NB201 in ``bonas search digits`` and ``benchmarks/digits_search.py``: the same
cells and skeleton, scaled down (:data:`DIGITS_NETWORK`).

Example:
    >>> (X, y), (X_valid, y_valid) = load_digits_data()
    >>> X.shape, X_valid.shape, int(y.max()) + 1
    ((1347, 1, 8, 8), (450, 1, 8, 8), 10)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bonas._validation import check_int
from bonas.exceptions import MissingDependencyError

__all__ = ["DIGITS_NETWORK", "load_digits_data"]

#: The network options for the digits: one cell per stage on 8, 16 and 32 channels (NB201:
#: five cells on 16, 32 and 64), one input channel, ten classes.
DIGITS_NETWORK: dict[str, int] = {"C": 8, "N": 1, "in_channels": 1, "num_classes": 10}


def load_digits_data(
    *, n_valid: int = 450, split_seed: int = 0
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The digits as ``(X_train, y_train), (X_valid, y_valid)``, images scaled to ``[0, 1]``.

    Args:
        n_valid: Images held out for validation (the rest are for training).
        split_seed: Seed of the random split; the default split is the one the benchmarks use.

    Returns:
        ``X`` as ``float32`` arrays of shape ``(n, 1, 8, 8)`` and ``y`` as ``int64`` arrays of
        shape ``(n,)``.

    Raises:
        MissingDependencyError: if scikit-learn is not installed (``pip install 'bonas[digits]'``).
        ConfigurationError: if ``n_valid`` does not leave both parts non-empty.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError as err:
        raise MissingDependencyError(
            f"The digits data comes with scikit-learn, which is not installed ({err}). Install "
            "it with `pip install 'bonas[digits]'` (or `pip install scikit-learn`)."
        ) from err
    data: Any = load_digits()
    X = (np.asarray(data.images, dtype=np.float32) / 16.0)[:, None, :, :]
    y = np.asarray(data.target, dtype=np.int64)
    n = len(y)
    check_int(
        n_valid,
        "n_valid",
        "load_digits_data",
        low=1,
        high=n - 1,
        hint=f"The digits have {n} images.",
    )
    order = np.random.default_rng(split_seed).permutation(n)
    valid, train = order[:n_valid], order[n_valid:]
    return (X[train], y[train]), (X[valid], y[valid])
