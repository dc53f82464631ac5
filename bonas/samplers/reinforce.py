"""A REINFORCE policy-gradient controller over a bonas space.

Williams, "Simple Statistical Gradient-Following Algorithms for Connectionist Reinforcement
Learning", Machine Learning 1992; as the REINFORCE baseline of NAS-Bench-101 (Ying et al., ICML
2019) and NAS-Bench-201 (Dong & Yang, ICLR 2020): one independent categorical distribution per
decision, a reward baseline that is an exponential moving average of the rewards, and Adam on
the logits.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from optuna.distributions import CategoricalDistribution, IntDistribution

from bonas._validation import check_int, check_number, invalid
from bonas.exceptions import BonasError, ConfigurationError
from bonas.samplers.base import SearchState, SpaceSampler, SpaceSamplerOptions

if TYPE_CHECKING:
    from optuna.study import Study
    from optuna.trial import FrozenTrial
    from typing_extensions import Unpack

    from bonas.spaces.base import SearchSpace

__all__ = ["REINFORCESampler"]

_MAX_CHOICES = 10_000
# One completed trial as the controller learns from it: number, action indices, reward.
_Record = tuple[int, tuple[int, ...], float]


@dataclass(frozen=True)
class _PolicyState:
    """The controller after some updates: logits, Adam's moments, the baseline's sums."""

    logits: np.ndarray
    m: np.ndarray
    v: np.ndarray
    numerator: float
    denominator: float


class REINFORCESampler(SpaceSampler):
    """REINFORCE (Williams, 1992) with a moving-average baseline, as an Optuna sampler.

    The policy is one independent categorical distribution per parameter of
    ``space.distributions()`` (NB201: 6 edges × 5 ops; NB101's ``CellSpace``: 21 edge bits and 5
    ops), with logits starting at zero (NB201 starts from ``1e-3 · N(0, 1)``; zero gives every
    worker the same policy whatever its seed). For every completed trial, in trial order, with
    action ``a`` (its parameters) and reward ``r`` (its value, negated when minimizing):

    * the baseline ``b`` is updated first, ``b ← EMA(r)`` with momentum ``ema_momentum`` and
      bias correction (NB201's ``ExponentialMovingAverage``), so the first advantage is zero;
    * the logits take one Adam step (``learning_rate``) on ``-(r - b) · log π(a)``.

    The policy is therefore a function of the study's completed trials: it is rebuilt by
    replaying them (cached, so a new trial costs one update unless an earlier-numbered trial
    finished late), identically in every worker and on every storage. Trials proposed by
    something else (enqueued ones) are learned from as if the policy had drawn them.

    A new trial draws cells from the policy until one is valid (``from_params`` accepts it:
    ``CellSpace`` rejects cells without an input→output path or over the edge budget) and of an
    untaken canonical class, at most ``max_draws`` draws; then it takes a random untaken cell.

    Defaults are NAS-Bench-201's controller settings as published in NATS-Bench's
    ``reinforce.py`` (learning rate 0.01, EMA momentum 0.9).

    Args:
        space: The search space the objective suggests from. Its distributions must be
            categorical or integer (at most 10,000 values).
        learning_rate: Adam's learning rate on the logits.
        ema_momentum: Momentum of the reward baseline, in ``[0, 1)``.
        max_draws: Policy draws per trial before falling back to a random untaken cell.
        **options: :class:`~bonas.samplers.base.SpaceSampler`'s options (``seed``, ``pruned``, …).

    Example:
        >>> import optuna
        >>> from bonas import NB201Benchmark, REINFORCESampler
        >>> bench = NB201Benchmark("cifar10")
        >>> sampler = REINFORCESampler(bench.space, seed=0)
        >>> study = optuna.create_study(direction="maximize", sampler=sampler)
        >>> study.optimize(bench.objective, n_trials=5)
        >>> probs = sampler.policy_probabilities(study)
        >>> sorted(probs)[0], round(sum(probs["edge_1_0"].values()), 6)
        ('edge_1_0', 1.0)
    """

    def __init__(
        self,
        space: SearchSpace[Any],
        *,
        learning_rate: float = 0.01,
        ema_momentum: float = 0.9,
        max_draws: int = 1024,
        **options: Unpack[SpaceSamplerOptions],
    ) -> None:
        super().__init__(space, **options)
        owner = "REINFORCESampler"
        self.learning_rate = check_number(
            learning_rate, "learning_rate", owner, low=0, low_open=True
        )
        momentum: Any = ema_momentum  # as given: any type until checked
        if (
            isinstance(momentum, bool)
            or not isinstance(momentum, numbers.Real)
            or not 0 <= float(momentum) < 1
        ):
            raise invalid(owner, "ema_momentum", "a number in [0, 1)", momentum)
        self.ema_momentum = float(momentum)
        self.max_draws = check_int(max_draws, "max_draws", owner, low=1)
        self._names = list(space.distributions())
        self._choices = [_choices(name, d) for name, d in space.distributions().items()]
        self._lookup = [{c: k for k, c in enumerate(ch)} for ch in self._choices]
        sizes = [len(ch) for ch in self._choices]
        self._offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        zeros = np.zeros(int(self._offsets[-1]))
        self._initial = _PolicyState(zeros, zeros, zeros, 0.0, 0.0)
        # The replay cache: the records learned from, and the policy after each prefix.
        self._records: list[_Record] = []
        self._snapshots: list[_PolicyState] = [self._initial]

    # -- the policy -----------------------------------------------------------------------
    def policy_probabilities(self, study: Study) -> dict[str, dict[Any, float]]:
        """The controller's probabilities after learning from ``study``'s completed trials.

        Returns:
            Parameter name → {choice → probability}, in ``space.distributions()`` order.
        """
        with self._lock:
            policy = self._policy(self.read_trials(study))
        return {
            name: dict(zip(choices, map(float, probs), strict=True))
            for name, choices, probs in zip(
                self._names, self._choices, self._probabilities(policy.logits), strict=True
            )
        }

    def _probabilities(self, logits: np.ndarray) -> list[np.ndarray]:
        out = []
        for lo, hi in zip(self._offsets[:-1], self._offsets[1:], strict=True):
            z = logits[lo:hi] - logits[lo:hi].max()
            p = np.exp(z)
            out.append(p / p.sum())
        return out

    def _records_of(self, state: SearchState) -> list[_Record]:
        records: list[_Record] = []
        for arch, value, number in zip(state.archs, state.values, state.numbers, strict=True):
            action = self._action_of(number, self.space.to_params(arch))
            if action is not None:
                records.append((number, action, value))
        return records

    def _action_of(self, number: int, params: dict[str, Any]) -> tuple[int, ...] | None:
        """The policy's choice indices for trial ``number``'s ``params``; ``None`` (logged once
        per trial) when the policy could not have drawn them, and so does not learn from them."""
        action = []
        for name, lookup in zip(self._names, self._lookup, strict=True):
            if name not in params:
                why = f"it has no parameter {name!r}"
            else:
                try:
                    action.append(lookup[params[name]])
                    continue
                except (KeyError, TypeError):  # TypeError: a value that cannot be hashed
                    why = f"its {name!r} is {params[name]!r}, not one of the policy's choices"
            self._warn_once(
                f"unmapped:{number}",
                f"REINFORCESampler cannot map trial {number}'s cell to its policy ({why}); "
                "the policy does not learn from that trial.",
            )
            return None
        return tuple(action)

    def _policy(self, state: SearchState) -> _PolicyState:
        """Replay the updates of ``state``'s completed trials, reusing the cached prefix."""
        records = self._records_of(state)
        k = 0
        while k < min(len(records), len(self._records)) and records[k] == self._records[k]:
            k += 1
        del self._records[k:]
        del self._snapshots[k + 1 :]
        policy = self._snapshots[k]
        for record in records[k:]:
            policy = self._update(policy, record, step=len(self._records) + 1)
            self._records.append(record)
            self._snapshots.append(policy)
        return policy

    def _update(self, policy: _PolicyState, record: _Record, *, step: int) -> _PolicyState:
        _, action, reward = record
        mu = self.ema_momentum
        numerator = mu * policy.numerator + (1 - mu) * reward
        denominator = mu * policy.denominator + (1 - mu)
        advantage = reward - numerator / denominator
        # d/dθ of -advantage · log softmax(θ)[a] is -advantage · (onehot(a) - p), per decision.
        grad = np.concatenate(self._probabilities(policy.logits))
        grad[self._offsets[:-1] + np.asarray(action)] -= 1.0
        grad *= advantage
        logits, m, v = _adam_step(policy, grad, step=step, lr=self.learning_rate)
        return _PolicyState(logits, m, v, numerator, denominator)

    # -- the proposal ---------------------------------------------------------------------
    def propose(self, state: SearchState, rng: np.random.Generator, trial: FrozenTrial) -> Any:
        probs = self._probabilities(self._policy(state).logits)
        canonical = self.space.canonical
        n_drawn = 0
        batch = 64
        while n_drawn < self.max_draws:
            size = min(batch, self.max_draws - n_drawn)
            n_drawn += size
            draws = np.stack([rng.choice(len(p), size=size, p=p) for p in probs], axis=1)
            for row in draws:
                params = {
                    name: choices[int(k)]
                    for name, choices, k in zip(self._names, self._choices, row, strict=True)
                }
                try:
                    arch = self.space.from_params(params)
                except (BonasError, ValueError):
                    continue  # an invalid cell (no input→output path, over budget): redraw
                if canonical(arch) not in state.taken:
                    return arch
        self._warn_once(
            "policy-exhausted",
            f"REINFORCESampler drew {self.max_draws} cells from its policy without a valid one "
            "of a new class (the policy has converged on evaluated cells); it takes a random "
            "untaken cell instead (logged once).",
        )
        return self.random_untaken(state, rng)


def _adam_step(
    policy: _PolicyState, grad: np.ndarray, *, step: int, lr: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The logits and Adam's moments after Adam's ``step``-th step on ``grad``.

    ``torch.optim.Adam`` with PyTorch's default betas and eps, as NB201's controller uses it,
    resumed from the moments of ``policy``, which stays unchanged (the replay keeps it). torch
    is imported on the first update.
    """
    import torch

    logits = torch.tensor(policy.logits)  # a copy
    adam = torch.optim.Adam([logits], lr=lr, foreach=False)
    moments = {"exp_avg": torch.tensor(policy.m), "exp_avg_sq": torch.tensor(policy.v)}
    state = {"step": torch.tensor(float(step - 1)), **moments}
    adam.load_state_dict({"state": {0: state}, "param_groups": adam.state_dict()["param_groups"]})
    logits.grad = torch.from_numpy(grad)
    adam.step()
    after = adam.state[logits]
    return logits.numpy(), after["exp_avg"].numpy(), after["exp_avg_sq"].numpy()


def _choices(name: str, dist: Any) -> list[Any]:
    if isinstance(dist, CategoricalDistribution):
        return list(dist.choices)
    if isinstance(dist, IntDistribution) and not dist.log:
        values = list(range(dist.low, dist.high + 1, dist.step))
        if len(values) <= _MAX_CHOICES:
            return values
    raise ConfigurationError(
        f"REINFORCESampler needs a categorical or a linear integer distribution with at most "
        f"{_MAX_CHOICES:,} values for every parameter of the space; {name!r} is {dist!r}."
    )
