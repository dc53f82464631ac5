"""Each strategy does what its paper says: evolution ages its population, REINFORCE's policy
follows the reward, local search climbs to the best neighbour and restarts at a local optimum."""

from __future__ import annotations

import logging
from typing import Any

import optuna
import pytest
from optuna.distributions import BaseDistribution, CategoricalDistribution

from bonas import NB201Benchmark, NB201Space
from bonas.samplers import EvolutionSampler, LocalSearchSampler, REINFORCESampler
from bonas.samplers.evolution import PARENT_ATTR
from bonas.samplers.local_search import LOCAL_SEARCH_ATTR
from bonas.spaces.nb201 import NB201_OPS

optuna.logging.set_verbosity(optuna.logging.WARNING)
SPACE = NB201Space()
COMPLETE = optuna.trial.TrialState.COMPLETE


def _study(sampler: optuna.samplers.BaseSampler) -> optuna.Study:
    return optuna.create_study(direction="maximize", sampler=sampler)


# -- regularized evolution ---------------------------------------------------------------------
def test_evolution_parents_come_from_the_last_population_size_trials() -> None:
    bench = NB201Benchmark("cifar10")
    pop, k = 8, 32
    study = _study(EvolutionSampler(SPACE, population_size=pop, tournament_size=3, seed=0))
    study.optimize(bench.objective, n_trials=pop + k)
    parents = {t.number: t.system_attrs.get(PARENT_ATTR) for t in study.trials}
    assert all(parents[n] is None for n in range(pop))  # the random start
    assert all(parents[n] is not None for n in range(pop, pop + k))
    best_parent_age = 0
    for t in study.trials[pop:]:
        parent = parents[t.number]
        done = [u.number for u in study.trials if u.state == COMPLETE and u.number < t.number]
        # Aging: only the last `pop` evaluated trials can be drawn, however good older ones are.
        assert parent in done[-pop:]
        child = SPACE.from_params(t.params)
        assert child in SPACE.neighbors(SPACE.from_params(study.trials[parent].params))
        best_parent_age = max(best_parent_age, t.number - parent)
    # The best cell so far dies like any other: the tournament reaches back at most `pop`.
    assert best_parent_age <= pop
    incumbent = max(range(pop + k), key=lambda n: study.trials[n].value or 0.0)
    later = [parents[n] for n in range(incumbent + pop + 1, pop + k)]
    assert incumbent not in later


# -- REINFORCE ---------------------------------------------------------------------------------
def _edge_1_0_is_conv3x3(trial: optuna.Trial) -> float:
    arch = SPACE.suggest(trial)
    return 1.0 if arch[0] == "nor_conv_3x3" else 0.0  # edge_1_0 is position 0


@pytest.mark.parametrize(("learning_rate", "above"), [(0.01, 0.25), (0.05, 0.5)])
def test_reinforce_policy_moves_towards_the_rewarded_op(
    learning_rate: float, above: float
) -> None:
    # NB201's learning rate, 0.01, is tuned for hundreds of queries: Adam moves a logit by
    # about 0.01 a step, so in 60 trials the rewarded op's probability goes from 0.2 to ~0.3.
    sampler = REINFORCESampler(SPACE, learning_rate=learning_rate, seed=0)
    study = _study(sampler)
    start = sampler.policy_probabilities(study)
    assert start["edge_1_0"]["nor_conv_3x3"] == pytest.approx(0.2)
    study.optimize(_edge_1_0_is_conv3x3, n_trials=60)
    probs = sampler.policy_probabilities(study)
    assert probs["edge_1_0"]["nor_conv_3x3"] > above
    assert all(sum(p.values()) == pytest.approx(1.0) for p in probs.values())
    # No other op on that edge gained: every one of them ends below its start.
    assert all(p < 0.2 for op, p in probs["edge_1_0"].items() if op != "nor_conv_3x3")


def test_reinforce_samples_follow_the_policy() -> None:
    study = _study(REINFORCESampler(SPACE, learning_rate=0.05, seed=0))
    study.optimize(_edge_1_0_is_conv3x3, n_trials=60)
    late = [t.params["edge_1_0"] for t in study.trials[30:]]
    assert late.count("nor_conv_3x3") > 15  # uniform sampling would give about 6 of 30


def test_reinforce_policy_is_replayed_from_the_trials() -> None:
    bench = NB201Benchmark("cifar10")
    sampler = REINFORCESampler(SPACE, learning_rate=0.05, seed=0)
    study = _study(sampler)
    study.optimize(bench.objective, n_trials=5)
    late = study.ask()  # trial 5 finishes after trials 6-15
    arch = SPACE.suggest(late)
    study.optimize(bench.objective, n_trials=10)
    before = sampler.policy_probabilities(study)
    study.tell(late, bench.query(arch))
    # The cached replay is redone from trial 5 on: the policy is that of trials 0-15 in order,
    after = sampler.policy_probabilities(study)
    assert after != before
    # which a fresh sampler with another seed rebuilds from the study alone.
    fresh = REINFORCESampler(SPACE, learning_rate=0.05, seed=123)
    assert fresh.policy_probabilities(study) == after
    uniform = REINFORCESampler(SPACE).policy_probabilities(optuna.create_study())
    assert after != uniform
    assert uniform["edge_3_2"] == {op: pytest.approx(0.2) for op in uniform["edge_3_2"]}


class _NoNoneOnTheFirstEdge(NB201Space):
    """NB201 whose first edge offers no ``none`` to the policy (its cells parse as NB201's)."""

    def distributions(self) -> dict[str, BaseDistribution]:
        dists = super().distributions()
        dists["edge_1_0"] = CategoricalDistribution([op for op in NB201_OPS if op != "none"])
        return dists


def _study_of(cells: list[tuple[str, float]]) -> optuna.Study:
    """A study of finished NB201 trials (as another search on all of NB201 left them)."""
    study = _study(optuna.samplers.RandomSampler(seed=0))
    for key, value in cells:
        params = SPACE.to_params(SPACE.from_key(key))
        trial = optuna.trial.create_trial(
            params=params, distributions=SPACE.distributions(), value=value
        )
        study.add_trial(trial)
    return study


def test_reinforce_warns_once_about_a_trial_its_policy_cannot_draw(
    caplog: pytest.LogCaptureFixture,
) -> None:
    space = _NoNoneOnTheFirstEdge()
    # Trial 1 has none on edge_1_0 (key digit 0): a cell the policy has no choice for.
    study = _study_of([("333132", 1.0), ("033132", 0.5), ("111111", 0.2)])
    sampler = REINFORCESampler(space, learning_rate=0.05, seed=0)
    with caplog.at_level(logging.WARNING, logger="bonas.samplers.reinforce"):
        probs = sampler.policy_probabilities(study)
        assert sampler.policy_probabilities(study) == probs  # replayed: no second warning
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    message = record.getMessage()
    assert "trial 1's cell" in message
    assert "'edge_1_0' is 'none'" in message
    assert "does not learn from that trial" in message
    # The policy is that of the other two trials, which it did learn from.
    learned = REINFORCESampler(space, learning_rate=0.05, seed=0).policy_probabilities(
        _study_of([("333132", 1.0), ("111111", 0.2)])
    )
    assert probs == learned
    assert probs != REINFORCESampler(space).policy_probabilities(_study_of([]))


# -- local search ------------------------------------------------------------------------------
TARGET = SPACE.from_key("333333")  # the local optimum: every neighbour matches it on 5 edges
FAR = SPACE.from_key("444444")  # the global optimum, 6 edges away from the local one


def _two_peaks(trial: optuna.Trial) -> float:
    arch = SPACE.suggest(trial)
    if arch == FAR:
        return 10.0
    return float(sum(a == b for a, b in zip(arch, TARGET, strict=True)))


def test_local_search_climbs_to_the_best_neighbour_and_restarts_at_a_local_optimum() -> None:
    study = _study(LocalSearchSampler(SPACE, n_init=5, seed=0))
    study.optimize(_two_peaks, n_trials=160)
    trials = study.trials
    tags: list[dict[str, Any]] = [t.system_attrs[LOCAL_SEARCH_ATTR] for t in trials]
    runs = [tag["run"] for tag in tags]
    assert runs[:5] == [0] * 5
    assert [tag["role"] for tag in tags[:5]] == ["init"] * 5
    assert 1 in runs, "the first run never ended"
    restart = runs.index(1)
    assert tags[restart]["role"] == "init"
    key = SPACE.canonical
    cls = [key(SPACE.from_params(t.params)) for t in trials]

    def best_among(classes: set[str], before: int) -> float:
        return max(trials[n].value for n in range(before) if cls[n] in classes)  # type: ignore[type-var]

    # The centres of run 0, in the order the walk reached them.
    centers: list[int] = []
    for tag in tags[:restart]:
        if tag["role"] == "neighbor" and tag["center"] not in centers:
            centers.append(tag["center"])
    assert centers[0] == max(range(5), key=lambda n: (trials[n].value, -n))
    for here, there in zip(centers, centers[1:], strict=False):
        first = next(n for n, tag in enumerate(tags) if tag.get("center") == there)
        nbhd = {key(a) for a in SPACE.neighbors(SPACE.from_params(trials[here].params))}
        nbhd.discard(cls[here])
        # The whole neighbourhood was evaluated before the move, and the move took its best.
        assert nbhd <= set(cls[:first])
        assert trials[there].value == best_among(nbhd, first) > trials[here].value  # type: ignore[operator]
    # The walk ended on the local optimum: full neighbourhood evaluated, none better; restart.
    last = centers[-1]
    assert SPACE.from_params(trials[last].params) == TARGET
    nbhd = {key(a) for a in SPACE.neighbors(TARGET)} - {cls[last]}
    assert nbhd <= set(cls[:restart])
    assert best_among(nbhd, restart) < trials[last].value  # type: ignore[operator]
