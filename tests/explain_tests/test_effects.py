"""bonas.explain: effects against a table whose truth is known, another space, too few
trials, several objectives, and the exact linear posterior of the GP."""

from __future__ import annotations

import warnings

import numpy as np
import optuna
import pytest

from bonas.exceptions import ConfigurationError
from bonas.explain import (
    MIN_TRIALS,
    Explanation,
    explain,
    format_explanation,
    plot_effects,
    true_effects,
)
from bonas.samplers.random_search import RandomSearchSampler
from bonas.spaces.cell import CellSpace
from bonas.spaces.nb201 import NB201_OPS, NB201Space

optuna.logging.set_verbosity(optuna.logging.WARNING)
DECISIVE = (3, "nor_conv_3x3")  # edge 3 (3 <- 0) carrying a 3x3 convolution


def _decisive_value(arch: tuple[str, ...]) -> float:
    """A hand-made table: 90 where edge 3 is a 3x3 convolution, 80 elsewhere, plus a small
    deterministic wobble that depends on the other edges."""
    wobble = 0.05 * sum(NB201_OPS.index(op) for op in arch[:3])
    return (90.0 if arch[3] == "nor_conv_3x3" else 80.0) + wobble


@pytest.fixture(scope="module")
def decisive_study() -> optuna.Study:
    space = NB201Space()
    study = optuna.create_study(
        direction="maximize", sampler=optuna.samplers.RandomSampler(seed=0)
    )
    study.optimize(lambda t: _decisive_value(space.suggest(t)), n_trials=60)
    return study


def test_true_effects_of_the_hand_made_table() -> None:
    space = NB201Space()
    truth = true_effects(space, [_decisive_value(a) for a in space.enumerate()])
    assert truth[DECISIVE] == pytest.approx(8.0)  # 10 x (1 - 1/5)
    assert truth[(3, "none")] == pytest.approx(-2.0)
    assert truth[(4, "nor_conv_3x3")] == pytest.approx(0.0, abs=1e-9)
    assert len(truth) == 30


def test_the_decisive_operation_stands_out_with_honest_intervals(
    decisive_study: optuna.Study,
) -> None:
    space = NB201Space()
    truth = true_effects(space, [_decisive_value(a) for a in space.enumerate()])
    ex = explain(decisive_study, space, n_cells=2000, importance="fanova")
    assert ex.n_trials == 60
    assert len(ex.effects) == 30
    decisive = ex.effect(*DECISIVE)
    # The GP shrinks a sharp step (true effect 8.0) towards the mean: about 6.3, with an
    # interval that lies clear of zero and of every other effect.
    assert decisive.effect > 5.0
    assert decisive.lower > 4.0
    assert max(ex.effects, key=lambda e: e.effect) == decisive
    second = sorted(e.upper for e in ex.effects)[-2]
    assert decisive.lower > second
    others = [e for e in ex.effects if e.edge != 3]
    assert max(abs(e.effect) for e in others) < 1.0
    assert all(e.effect < 0 for e in ex.effects if e.edge == 3 and e != decisive)
    assert truth[(3, "none")] < 0
    # The motifs that most raise the prediction start with the decisive op (as an edge, or as
    # the one-op path input>nor_conv_3x3>output it makes).
    assert ex.motifs_up[0].effect == pytest.approx(decisive.effect, rel=0.05)
    assert all(e.effect < 0 for e in ex.motifs_down)
    # Optuna's importances beside: edge 3 matters most.
    assert ex.importance_evaluator == "fanova"
    assert max(ex.importances, key=ex.importances.__getitem__) == "edge_3_0"
    text = format_explanation(ex)
    assert "edge_3_0" in text
    assert "nor_conv_3x3" in text
    assert "90 %" in text


def test_the_json_form_lists_each_edge_and_op(decisive_study: optuna.Study) -> None:
    ex = explain(decisive_study, NB201Space(), n_cells=500, importance="none", level=0.8)
    data = ex.to_dict()
    pairs = {(e["edge"], e["op"]) for e in data["effects"]}
    assert pairs == {(edge, op) for edge in range(6) for op in NB201_OPS}
    first = data["effects"][0]
    assert first["lower"] <= first["effect"] <= first["upper"]
    assert data["level"] == 0.8
    assert data["importances"] == {}
    assert all(p["kind"] == "path" and p["edge"] is None for p in data["paths"])


def test_the_exact_posterior_over_the_whole_space_matches_a_subset(
    decisive_study: optuna.Study,
) -> None:
    space = NB201Space()
    exact = explain(decisive_study, space, importance="none")
    drawn = explain(decisive_study, space, n_cells=3000, importance="none", seed=1)
    assert exact.exact
    assert exact.n_cells == len(space)
    assert not drawn.exact
    assert drawn.n_cells == 3000
    a, b = exact.effect(*DECISIVE), drawn.effect(*DECISIVE)
    assert a.effect == pytest.approx(b.effect, abs=0.5)
    assert a.std == pytest.approx(b.std, rel=0.5)


def test_plot_writes_png_and_svg(decisive_study: optuna.Study, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ex = explain(decisive_study, NB201Space(), n_cells=300, importance="none")
    plot_effects(ex, tmp_path / "e.png")
    plot_effects(ex, tmp_path / "e.svg")
    assert (tmp_path / "e.png").read_bytes()[:4] == b"\x89PNG"
    assert "edge_3_0" in (tmp_path / "e.svg").read_text()


def test_too_few_trials_is_a_clear_error() -> None:
    space = NB201Space()
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(0))
    study.optimize(lambda t: _decisive_value(space.suggest(t)), n_trials=MIN_TRIALS - 1)
    with pytest.raises(ConfigurationError, match=f"at least {MIN_TRIALS} finished trials") as err:
        explain(study, space)
    assert f"Got {MIN_TRIALS - 1} instead" in str(err.value)


def test_a_study_of_another_space_is_explained_on_drawn_cells() -> None:
    space = CellSpace(["conv", "pool"], n_nodes=5, max_edges=6, name="tiny")

    def objective(trial: optuna.Trial) -> float:
        cell = space.prune(space.suggest(trial))
        return float(sum(op == "conv" for op in cell.ops)) + 0.1 * cell.n_edges

    study = optuna.create_study(direction="maximize", sampler=RandomSearchSampler(space, seed=0))
    study.optimize(objective, n_trials=40)
    ex = explain(study, space, n_cells=400, importance="none")
    params = {e.parameter for e in ex.effects}
    assert {"op_1", "op_2", "op_3", "edge_0_4"} <= params
    conv = [ex.effect(e.edge, "conv").effect for e in ex.effects if e.op == "conv"]
    pool = [ex.effect(e.edge, "pool").effect for e in ex.effects if e.op == "pool"]
    assert np.mean(conv) > 0 > np.mean(pool)
    assert ex.paths
    assert all(p.name.startswith("input>") for p in ex.paths)


def test_each_objective_of_a_multi_objective_study() -> None:
    from bonas.nb201.table import NB201Benchmark

    bench = NB201Benchmark("cifar10")
    space = bench.space
    study = optuna.create_study(
        directions=["maximize", "minimize"], sampler=optuna.samplers.RandomSampler(seed=1)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        study.set_metric_names(["accuracy", "params"])

    def objective(trial: optuna.Trial) -> tuple[float, float]:
        arch = space.suggest(trial)
        return bench.mean_accuracy(arch), bench.model_size(arch)

    study.optimize(objective, n_trials=40)
    size = explain(study, space, objective=1, n_cells=1000, importance="none")
    assert (size.objective, size.objective_name, size.direction) == (1, "params", "minimize")
    truth = true_effects(space, bench.model_sizes)
    for edge in range(6):  # a 3x3 convolution adds parameters, `none` removes them
        conv, none = size.effect(edge, "nor_conv_3x3"), size.effect(edge, "none")
        assert conv.effect > 0
        assert conv.effect > none.effect
        assert truth[(edge, "nor_conv_3x3")] > 0 > truth[(edge, "none")]
    accuracy = explain(study, space, objective=0, n_cells=1000, importance="fanova")
    assert accuracy.objective_name == "accuracy"
    assert accuracy.direction == "maximize"
    assert set(accuracy.importances) == set(space.distributions())
    with pytest.raises(ConfigurationError, match="'objective' parameter of explain"):
        explain(study, space, objective=2)


def test_bad_arguments_use_the_house_wording(decisive_study: optuna.Study) -> None:
    with pytest.raises(ConfigurationError, match="The 'level' parameter of explain"):
        explain(decisive_study, NB201Space(), level=1.0)
    with pytest.raises(ConfigurationError, match="The 'importance' parameter of explain"):
        explain(decisive_study, NB201Space(), importance="shap")


def test_gp_linear_posterior_matches_the_dense_covariance() -> None:
    import torch

    from bonas.surrogates import GPSurrogate

    rng = np.random.default_rng(0)
    X = rng.random((40, 3))
    y = np.sin(4 * X[:, 0]) + X[:, 1]
    gp = GPSurrogate(kernel="matern", chunk_size=7).fit(X, y)
    Xs = rng.random((25, 3))
    A = rng.standard_normal((25, 4))
    mean, cov = gp.predict_linear(Xs, A)
    post = gp.model_.posterior(torch.as_tensor(Xs))  # BoTorch's own, in the units of y
    mu = post.mean.detach().numpy()[:, 0]
    full = post.mvn.covariance_matrix.detach().numpy()
    assert mean == pytest.approx(A.T @ mu, abs=1e-6)
    assert cov == pytest.approx(A.T @ full @ A, rel=1e-4, abs=1e-8)


def test_the_proxy_prior_explains_what_a_search_never_tried() -> None:
    """A search's trials: the 90 best cells of the cifar10 table and 10 random ones. The space
    the effects average over is mostly unlike them; synflow as the prior mean ranks the 30
    effects closer to the truth than the model alone, and the explanation names it."""
    from scipy.stats import spearmanr

    from bonas import NB201Benchmark

    bench = NB201Benchmark("cifar10")
    space = bench.space
    cells = list(space.enumerate())
    values = np.asarray(bench.mean_accuracies)
    order = np.argsort(-values)
    rng = np.random.default_rng(0)
    chosen = [*order[:90], *rng.choice(order[90:], size=10, replace=False)]
    study = optuna.create_study(direction="maximize")
    for i in chosen:
        params = space.to_params(cells[i])
        study.add_trial(
            optuna.trial.create_trial(
                params=params, distributions=space.distributions(), value=float(values[i])
            )
        )
    truth = true_effects(space, values)

    def rho(ex: Explanation) -> float:
        explained = [e.effect for e in ex.effects]
        return float(spearmanr(explained, [truth[(e.edge, e.op)] for e in ex.effects])[0])

    plain = explain(study, space, importance="none", prior=None)
    with_prior = explain(study, space, importance="none")
    assert plain.prior is None
    assert with_prior.prior is not None
    assert with_prior.prior.startswith("synflow")
    assert rho(with_prior) > rho(plain) + 0.1


def test_a_searchs_trials_are_flagged_as_not_a_uniform_sample(
    decisive_study: optuna.Study, caplog: pytest.LogCaptureFixture
) -> None:
    """Uniform trials (the random study) are within the limit of uniform draws; the 30 best
    cells of the same table (all with a 3x3 convolution on edge 3) are far above it, and the
    text, the JSON form and the log say so."""
    space = NB201Space()
    uniform = explain(decisive_study, space, n_cells=500, importance="none")
    assert uniform.uniform
    assert 0.0 < uniform.mismatch <= uniform.mismatch_limit < 0.3
    assert "NOT a uniform sample" not in format_explanation(uniform)

    best = sorted(space.enumerate(), key=_decisive_value)[-30:]
    study = optuna.create_study(direction="maximize")
    for arch in best:
        study.add_trial(
            optuna.trial.create_trial(
                params=space.to_params(arch),
                distributions=space.distributions(),
                value=_decisive_value(arch),
            )
        )
    with caplog.at_level("WARNING", logger="bonas.explain.effects"):
        searched = explain(study, space, n_cells=500, importance="none")
    assert not searched.uniform
    assert searched.mismatch > 2 * searched.mismatch_limit
    assert searched.to_dict()["uniform"] is False
    assert "NOT a uniform sample" in format_explanation(searched)
    assert "not a uniform sample of the space" in caplog.text
