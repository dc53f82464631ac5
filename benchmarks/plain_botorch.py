"""The "plain GP" of ../shared/NB201_FACTS.md as a hand-written BoTorch loop, without bonas.

What a BoTorch user writes for NB201 without a NAS library: BoTorch's ``SingleTaskGP`` with its
defaults (RBF kernel with ARD and a dimension-scaled lengthscale prior, standardized outcomes,
learned noise) on the path encoding without paths through ``none`` (84 features), analytic
``LogExpectedImprovement`` (best observed value) scored on one cell of every isomorphism class
(NB201 rule) not yet evaluated, 10 random classes first, hyperparameters fitted from BoTorch's
initial values every 5 steps and kept in between. No Optuna: an ask-and-tell loop on the table.
Run it as a strategy of the grid:

    python benchmarks/nb201_search.py run --strategies botorch-loop --datasets cifar10,cifar100 \
        --modes mean --seeds 10

From bonas it takes only the table, the classes (``class_pool``) and the encoding
(``PathEncoder``); the model, the acquisition and the loop are BoTorch's own, so that the
figures of ``nb201_search.py``'s strategy ``botorch-loop`` say what plain BoTorch does here,
independently of bonas' ``GPSurrogate`` and ``BONASSampler``.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np

N_STARTUP = 10
REFIT_EVERY = 5


def log_ei(model: Any, X: Any, best_f: Any, chunk: int = 500) -> Any:
    """BoTorch's analytic log-EI of every row of ``X``, one posterior call per ``chunk`` rows.

    ``LogExpectedImprovement(model, best_f)(X.unsqueeze(-2))`` gives the same values (the tests
    check it), as a batch of ``len(X)`` one-point posteriors: 1 s per call for the 6,466
    classes at 80 observations. One posterior of all of them is not much faster (0.7 s), as
    GPyTorch forms their whole covariance matrix to read its diagonal; in chunks, 0.14 s.
    """
    import torch
    from botorch.acquisition.analytic import _log_ei_helper

    out = []
    with torch.no_grad():
        for start in range(0, X.shape[0], chunk):
            posterior = model.posterior(X[start : start + chunk])
            mean = posterior.mean.squeeze(-1)
            sigma = posterior.variance.squeeze(-1).clamp_min(1e-12).sqrt()
            out.append(_log_ei_helper((mean - best_f) / sigma) + sigma.log())
    return torch.cat(out)


def search(bench: Any, seed: int, queries: int) -> dict[str, list[Any]]:
    """Run the loop on ``bench`` (an ``NB201Benchmark``) for ``queries`` evaluations.

    Returns the evaluated cells (``archs``), the values the loop saw (``observed``) and the
    seconds each choice took (``suggest_s``: the fit and the scoring, or the random draw).
    """
    import torch
    from botorch.fit import fit_gpytorch_mll
    from botorch.models import SingleTaskGP
    from gpytorch.mlls import ExactMarginalLogLikelihood

    from bonas.encodings import PathEncoder
    from bonas.spaces.pool import class_pool

    space = bench.space
    reps = class_pool(space).representatives
    encoder = PathEncoder(space.graph_spec, drop_zero=True)
    X_all = torch.as_tensor(encoder.encode([space.to_graph(a) for a in reps]), dtype=torch.float64)
    rng = np.random.default_rng(seed)
    free = np.ones(len(reps), dtype=bool)
    taken: list[int] = []
    observed: list[float] = []
    suggest_s: list[float] = []
    state: dict[str, torch.Tensor] | None = None
    for step in range(min(queries, len(reps))):
        start = time.perf_counter()
        if step < N_STARTUP:
            pick = int(rng.choice(np.flatnonzero(free)))
        else:
            train_Y = torch.tensor(observed, dtype=torch.float64).unsqueeze(-1)
            model = SingleTaskGP(X_all[taken], train_Y)
            if state is not None and (step - N_STARTUP) % REFIT_EVERY:
                model.load_state_dict(state, strict=False)
            else:
                # BoTorch retries a failed fit from random values of torch's generator.
                with warnings.catch_warnings(), torch.random.fork_rng():
                    torch.manual_seed(seed)
                    warnings.simplefilter("ignore")
                    fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model))
                # The hyperparameters, not the standardization of this step's values.
                state = {
                    k: v for k, v in model.state_dict().items() if "outcome_transform" not in k
                }
            candidates = np.flatnonzero(free)
            scores = log_ei(model, X_all[candidates], train_Y.max())
            pick = int(candidates[int(torch.argmax(scores))])
        suggest_s.append(time.perf_counter() - start)
        free[pick] = False
        taken.append(pick)
        observed.append(bench.query(reps[pick]))
    return {"archs": [reps[i] for i in taken], "observed": observed, "suggest_s": suggest_s}
