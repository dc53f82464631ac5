"""The worked examples of docs/design.md ("How to add …"): each file runs and does what it says.

Each example is executed once, as the docs include it, and its ``main()`` is called; the tests
check what the page claims the example shows. Examples register plug-ins by name, which stays
registered for the rest of the session (names that no other test uses).
"""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pytest

from bonas.graph import check_cell_graph

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
N_TRIALS = 12


@pytest.fixture(scope="module")
def run_example() -> Any:
    """``run_example(name)``: the globals of ``docs/examples/<name>.py``, executed once."""
    done: dict[str, dict[str, Any]] = {}

    def run(name: str) -> dict[str, Any]:
        if name not in done:
            optuna.logging.set_verbosity(optuna.logging.WARNING)
            done[name] = runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name=f"example_{name}")
        return done[name]

    return run


def _distinct_complete(study: optuna.Study) -> None:
    trials = study.trials
    assert len(trials) == N_TRIALS
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in trials)
    assert len({t.user_attrs["canonical"] for t in trials}) == N_TRIALS  # no class twice


def test_every_example_file_is_on_the_design_page() -> None:
    page = (EXAMPLES.parent / "design.md").read_text()
    files = sorted(p.name for p in EXAMPLES.glob("*.py"))
    assert files == [
        "add_encoding.py",
        "add_proxy.py",
        "add_sampler.py",
        "add_space.py",
        "add_surrogate.py",
    ]
    for name in files:
        assert f'--8<-- "docs/examples/{name}"' in page, name


def test_add_space_a_chain_space_searched_by_bonas(run_example: Any) -> None:
    ex = run_example("add_space")
    space, study = ex["main"](N_TRIALS)
    _distinct_complete(study)
    assert len(list(space.enumerate())) == 3**4
    rng = np.random.default_rng(0)
    for arch in space.sample(20, rng):
        assert space.from_params(space.to_params(arch)) == arch
        assert space.parse(space.to_string(arch)) == arch
        check_cell_graph(space.to_graph(arch), space.graph_spec)
        assert len(space.neighbors(arch)) == 4 * 2
    # The search is a search: its best cell beats the made-up table's median.
    values = [ex["made_up_accuracy"](a) for a in space.enumerate()]
    assert study.best_value > np.median(values)
    assert study.best_value == ex["made_up_accuracy"](space.from_params(study.best_params))


def test_add_encoding_op_counts_and_live_paths(run_example: Any) -> None:
    from bonas import encodings

    ex = run_example("add_encoding")
    X, study = ex["main"](N_TRIALS)
    # 333132: no none, one skip, one 1x1, four 3x3, no pool; all four paths live.
    # 003000: five none, one 3x3; every input->output path crosses a none.
    np.testing.assert_array_equal(X, [[0, 1, 1, 4, 0, 4], [5, 0, 0, 1, 0, 0]])
    assert X.dtype == np.float64
    assert "op_counts" in encodings.available()
    encoder = encodings.make("op_counts", ex["NB201Space"]().graph_spec)
    assert encoder.feature_names()[-1] == "live_paths"
    assert encoder.n_features == 6
    _distinct_complete(study)


def test_add_surrogate_passes_the_conformance_suite_and_drives_a_search(
    run_example: Any,
) -> None:
    from bonas import surrogates
    from bonas.testing.surrogates import make_task

    ex = run_example("add_surrogate")
    study = ex["main"](N_TRIALS)  # runs check_surrogate first
    _distinct_complete(study)
    assert isinstance(surrogates.make("bayesian_linear"), ex["BayesianLinearSurrogate"])
    X, y, _ = make_task(40, 6, seed=0)
    model = surrogates.make("bayesian_linear").fit(X, y)
    mean, std = model.predict(X, return_std=True)
    assert np.corrcoef(mean, y)[0, 1] > 0.8
    far = np.full((1, 6), 5.0)  # far from every training point: less certain
    assert model.predict(far, return_std=True)[1][0] > std.max()


def test_add_proxy_picks_the_startup_cells_among_its_top_classes(run_example: Any) -> None:
    from bonas import proxies
    from bonas.spaces.pool import class_pool

    ex = run_example("add_proxy")
    study = ex["main"](N_TRIALS)
    _distinct_complete(study)
    assert "conv_count" in proxies.available()
    proxy = proxies.make("conv_count")
    space = ex["NB201Space"]()
    assert proxy.supports(space)
    reference = proxy(class_pool(space).representatives)
    top_100 = np.sort(reference)[::-1][99]
    first = [space.from_params(t.params) for t in study.trials[:5]]
    assert (proxy(first) >= top_100).all()
    # The other startup cells are random: not all of them are among the proxy's favourites.
    rest = [space.from_params(t.params) for t in study.trials[5:10]]
    assert (proxy(rest) < top_100).any()


def test_add_sampler_climbs_from_the_best_cell(run_example: Any) -> None:
    ex = run_example("add_sampler")
    study = ex["main"](N_TRIALS, seed=0)
    _distinct_complete(study)
    space = ex["NB201Space"]()
    archs = [space.from_params(t.params) for t in study.trials]
    values = [t.value for t in study.trials]
    for k in range(5, N_TRIALS):  # after 5 random cells: a neighbour of the best so far
        best = archs[int(np.argmax(values[:k]))]
        assert archs[k] in space.neighbors(best), k
    again = ex["main"](N_TRIALS, seed=0)
    assert [t.params for t in again.trials] == [t.params for t in study.trials]
