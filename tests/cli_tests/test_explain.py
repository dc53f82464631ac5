"""``bonas explain``, the best cells of ``bonas report`` and ``bonas report --html``, on real
SQLite studies filled through Optuna; the page is opened in a real headless Chromium."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

import numpy as np
import optuna
import pytest

from bonas.spaces.nb201 import NB201_OPS
from bonas.testing.browser import headless_chromium_flags
from bonas.testing.cli import check_ok, check_usage_error, run_bonas

optuna.logging.set_verbosity(optuna.logging.WARNING)
SPEC = {
    "command": "nb201",
    "space": "nb201",
    "dataset": "cifar10",
    "mode": "mean",
    "sampler": "random",
    "seed": 0,
}
#: Where the browser test finds Chromium (``.ci/run`` installs the Debian package).
CHROMIUM_ENV = "BONAS_CHROMIUM"


def _study(tmp_path: Path, n_trials: int, **spec: object) -> tuple[str, optuna.Study]:
    from bonas.nb201.table import NB201Benchmark

    url = f"sqlite:///{tmp_path / 'made.db'}"
    study = optuna.create_study(
        storage=url,
        study_name="made",
        direction="maximize",
        sampler=optuna.samplers.RandomSampler(seed=0),
    )
    study.set_user_attr("bonas:benchmark", {**SPEC, **spec})
    study.optimize(NB201Benchmark("cifar10").objective, n_trials=n_trials)
    return url, study


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_bonas(*args, cwd=cwd)


def test_explain_json_lists_every_edge_and_op(tmp_path: Path) -> None:
    url, _ = _study(tmp_path, 25)
    out = tmp_path / "out"
    result = check_ok(
        run(
            "explain",
            "--storage",
            url,
            "--cells",
            "800",
            "--out",
            str(out),
            "--json",
            cwd=tmp_path,
        )  # fmt: skip
    )
    data = json.loads(result.stdout)
    (ex,) = data["objectives"]
    assert (ex["objective_name"], ex["direction"], ex["n_trials"]) == ("accuracy", "maximize", 25)
    pairs = {(e["edge"], e["op"]) for e in ex["effects"]}
    assert pairs == {(edge, op) for edge in range(6) for op in NB201_OPS}
    assert all(e["lower"] <= e["effect"] <= e["upper"] for e in ex["effects"])
    assert ex["paths"]
    assert ex["importances"]
    # 25 uniform (RandomSampler) trials: within the limit of uniform draws.
    assert ex["uniform"] is True
    assert 0.0 < ex["mismatch"] <= ex["mismatch_limit"]
    assert (out / "explain.png").read_bytes()[:4] == b"\x89PNG"


def test_explain_prints_a_table(tmp_path: Path) -> None:
    url, _ = _study(tmp_path, 15)
    result = check_ok(run("explain", "--storage", url, "--cells", "500", cwd=tmp_path))
    assert "edge  parameter" in result.stdout
    assert "edge_3_0" in result.stdout
    assert "importance (Optuna)" in result.stdout
    assert (tmp_path / "bonas-out" / "made" / "explain.png").is_file()


def test_explain_with_too_few_trials_names_the_minimum(tmp_path: Path) -> None:
    url, _ = _study(tmp_path, 4)
    line = check_usage_error(run("explain", "--storage", url, cwd=tmp_path), "at least 10")
    assert "Got 4 instead" in line
    assert not (tmp_path / "bonas-out").exists()


def test_explain_each_objective_of_a_multi_objective_study(tmp_path: Path) -> None:
    from bonas.nb201.table import NB201Benchmark

    bench = NB201Benchmark("cifar10")
    url = f"sqlite:///{tmp_path / 'multi.db'}"
    study = optuna.create_study(
        storage=url,
        study_name="multi",
        directions=["maximize", "minimize"],
        sampler=optuna.samplers.RandomSampler(seed=0),
    )
    study.set_user_attr("bonas:benchmark", {**SPEC, "objectives": ["accuracy", "latency"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        study.optimize(
            lambda t: (bench.objective(t), bench.latency(bench.space.from_params(t.params))),
            n_trials=15,
        )
    both = json.loads(
        check_ok(run("explain", "--storage", url, "--cells", "300", "--json", cwd=tmp_path)).stdout
    )
    names = [(o["objective"], o["objective_name"], o["direction"]) for o in both["objectives"]]
    assert names == [(0, "accuracy", "maximize"), (1, "latency", "minimize")]
    assert [Path(p).name for p in both["files"]["plots"]] == [
        "explain-accuracy.png",
        "explain-latency.png",
    ]
    one = check_ok(run("explain", "--storage", url, "--cells", "300", "--objective", "latency",
                       cwd=tmp_path)).stdout  # fmt: skip
    assert "objective 1 (latency, minimized)" in one
    assert "objective 0" not in one
    check_usage_error(
        run("explain", "--storage", url, "--objective", "params", cwd=tmp_path), "--objective"
    )


def test_report_draws_the_best_cells(tmp_path: Path) -> None:
    url, study = _study(tmp_path, 12)
    out = tmp_path / "rep"
    data = json.loads(
        check_ok(run("report", "--storage", url, "--out", str(out), "--json", cwd=tmp_path)).stdout
    )
    cells = Path(data["files"]["cells"])
    assert sorted(p.name for p in cells.iterdir()) == [
        f"best-{k}.{ext}" for k in (1, 2, 3) for ext in ("png", "svg")
    ]
    best = study.best_trial
    arch = "|".join(best.params[f"edge_{t}_{f}"] for t, f in ((1, 0), (2, 0), (2, 1)))
    assert arch.split("|")[0] in (cells / "best-1.svg").read_text()
    assert "html" not in data["files"]


def test_the_html_page_warns_when_the_trials_are_a_search_s(tmp_path: Path) -> None:
    """The 20 best cells of the table are a search's trials, not a uniform sample: the page
    says so above the effects. A random study's page does not."""
    from bonas.nb201.table import NB201Benchmark

    bench = NB201Benchmark("cifar10")
    space = bench.space
    cells = list(space.enumerate())
    url = f"sqlite:///{tmp_path / 'best.db'}"
    study = optuna.create_study(storage=url, study_name="best", direction="maximize")
    study.set_user_attr("bonas:benchmark", {**SPEC, "sampler": "bonas"})
    for i in np.argsort(-np.asarray(bench.mean_accuracies))[:20]:
        study.add_trial(
            optuna.trial.create_trial(
                params=space.to_params(cells[i]),
                distributions=space.distributions(),
                value=float(bench.mean_accuracies[i]),
            )
        )
    random_url, _ = _study(tmp_path, 20)
    pages = {}
    for name, storage in (("best", url), ("random", random_url)):
        out = tmp_path / name
        data = json.loads(
            check_ok(
                run(
                    "report",
                    "--storage",
                    storage,
                    "--out",
                    str(out),
                    "--json",
                    "--html",
                    cwd=tmp_path,
                )
            ).stdout  # fmt: skip
        )
        pages[name] = Path(data["files"]["html"]).read_text()
    assert 'id="not-uniform"' in pages["best"]
    assert "not a uniform sample" in pages["best"]
    assert 'id="not-uniform"' not in pages["random"]


# -- the HTML page in a real browser -------------------------------------------------------------
def _chromium() -> tuple[str, str]:
    browser = os.environ.get(CHROMIUM_ENV) or "/usr/bin/chromium"
    driver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not (Path(browser).is_file() and Path(driver).is_file()):
        pytest.skip(
            f"no Chromium at {browser} or chromedriver at {driver}: install the Debian packages "
            f"chromium and chromium-driver (as .ci/run does) or set {CHROMIUM_ENV}"
        )
    pytest.importorskip("selenium", reason="the browser test drives Chromium with selenium")
    return browser, driver


@pytest.mark.browser
def test_the_html_report_renders_without_console_errors(tmp_path: Path) -> None:
    browser, driver_path = _chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    url, _ = _study(tmp_path, 20)
    out = tmp_path / "rep"
    data = json.loads(
        check_ok(
            run("report", "--storage", url, "--out", str(out), "--json", "--html", cwd=tmp_path)
        ).stdout  # fmt: skip
    )
    page = Path(data["files"]["html"])
    text = page.read_text()
    assert 'src="http' not in text
    assert "<script" not in text
    assert "<link" not in text
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    profile = tempfile.mkdtemp(dir=tmp_path, prefix="chromium-profile-")
    for flag in headless_chromium_flags(profile):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    try:
        driver.get(page.as_uri())
        assert driver.title == "bonas report: made"
        images = driver.execute_script(
            "return Array.from(document.images).map(i => [i.complete, i.naturalWidth]);"
        )
        assert len(images) == 2  # the incumbent plot and the effects figure
        assert all(done and width > 100 for done, width in images)
        n_svg = driver.execute_script("return document.querySelectorAll('.cell svg').length;")
        assert n_svg == 3
        errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
        assert errors == []
        shot = tmp_path / "report.png"
        assert driver.save_screenshot(str(shot))
    finally:
        driver.quit()
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000
    shots = os.environ.get("BONAS_SCREENSHOT_DIR")
    if shots:
        shutil.copy(shot, Path(shots) / "report.png")


def test_the_importance_choices_are_the_library_s() -> None:
    from bonas.cli.explain import _IMPORTANCES
    from bonas.explain import IMPORTANCE_EVALUATORS

    assert _IMPORTANCES == IMPORTANCE_EVALUATORS
