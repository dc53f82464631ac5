"""A plug-in surrogate on scikit-learn: a random forest whose trees give the spread.

    bonas evaluate-surrogates --surrogates gp,forest_surrogate:ForestSurrogate \\
        --encodings path --train-sizes 20,50 --repeats 3

(run from this folder, or with it on PYTHONPATH). The mean is the forest's; the standard
deviation is that of its trees' predictions. ``seed`` is given by the command, one per run.
"""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import RandomForestRegressor

from bonas.surrogates import Surrogate
from bonas.surrogates.base import check_Xy


class ForestSurrogate(Surrogate):
    def __init__(self, *, n_estimators: int = 100, seed: int | None = None) -> None:
        self.n_estimators = n_estimators
        self.seed = seed

    def fit(self, X: np.ndarray, y: np.ndarray) -> ForestSurrogate:
        X, y = check_Xy(X, y)  # bonas' errors for bad data, as every surrogate gives
        self.forest_ = RandomForestRegressor(self.n_estimators, random_state=self.seed)
        self.forest_.fit(X, y)
        self.n_features_in_ = X.shape[1]
        return self

    def _predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        trees = np.stack([tree.predict(X) if len(X) else X[:, 0] for tree in self.forest_])
        return trees.mean(axis=0), trees.std(axis=0)
