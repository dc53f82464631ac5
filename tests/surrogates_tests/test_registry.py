"""The surrogate registry: built-ins, run-time registration, and entry-point plug-ins."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import bonas
from bonas._registry import Registry
from bonas.exceptions import BonasError, ConfigurationError
from bonas.surrogates import (
    EnsembleSurrogate,
    GPSurrogate,
    Surrogate,
    available,
    get,
    make,
    register,
)


class ConstantSurrogate(Surrogate):
    """Predicts the training mean everywhere: the smallest possible plug-in."""

    def __init__(self, *, std: float = 1.0) -> None:
        self.std = std

    def fit(self, X: np.ndarray, y: np.ndarray) -> ConstantSurrogate:
        self.mean_ = float(np.mean(y))
        self.n_features_in_ = np.shape(X)[1]
        return self

    def _predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.full(len(X), self.mean_), np.full(len(X), self.std)


@pytest.fixture
def registry() -> Registry[Surrogate]:
    return Registry(
        kind="surrogate",
        group="bonas.tests.no_such_group",
        base=Surrogate,
        builtins={"gp": "bonas.surrogates.gp:GPSurrogate"},
    )


def test_builtins_are_available() -> None:
    assert {"gp", "ensemble"} <= set(available())
    assert available() == sorted(available())
    assert get("gp") is GPSurrogate
    assert get("ensemble") is EnsembleSurrogate


def test_unknown_name_lists_the_available_ones() -> None:
    with pytest.raises(
        ConfigurationError, match=r"Unknown surrogate 'gpp'. Did you mean 'gp'\? .*'ensemble'"
    ):
        get("gpp")
    with pytest.raises(ValueError, match="Unknown surrogate"):
        make("gq")


def test_make_builds_from_a_name_a_class_or_passes_an_instance() -> None:
    model = make("ensemble", n_members=2, seed=3)
    assert isinstance(model, EnsembleSurrogate)
    assert (model.n_members, model.seed) == (2, 3)
    assert isinstance(make(GPSurrogate, kernel="rbf"), GPSurrogate)
    instance = ConstantSurrogate()
    assert make(instance) is instance


@pytest.mark.parametrize(
    ("spec", "kwargs", "match"),
    [
        ("gp", {"bogus": 1}, "Invalid options for the surrogate GPSurrogate.*'bogus'"),
        (ConstantSurrogate(), {"std": 2.0}, r"Options \['std'\] cannot be applied"),
        (dict, {}, "must be a subclass of Surrogate"),
        (42, {}, "Expected a surrogate name, class or instance. Got int instead"),
    ],
)
def test_make_rejects_bad_specs(spec: object, kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        make(spec, **kwargs)  # type: ignore[arg-type]


def test_register_and_make_a_plugin(registry: Registry[Surrogate]) -> None:
    registry.register("constant", ConstantSurrogate)
    registry.register("constant", ConstantSurrogate)  # the same class again: no-op
    assert registry.available() == ["constant", "gp"]
    model = registry.make("constant", std=0.5).fit(np.zeros((3, 2)), np.arange(3.0))
    mean, std = model.predict(np.ones((2, 2)), return_std=True)
    np.testing.assert_array_equal(mean, [1.0, 1.0])
    np.testing.assert_array_equal(std, [0.5, 0.5])


def test_register_protects_taken_names(registry: Registry[Surrogate]) -> None:
    with pytest.raises(ConfigurationError, match="'gp' is already registered"):
        registry.register("gp", ConstantSurrogate)
    registry.register("gp", "bonas.surrogates.gp:GPSurrogate")  # the same class: no-op
    registry.register("gp", GPSurrogate)  # also the same class
    registry.register("gp", ConstantSurrogate, overwrite=True)
    assert registry.get("gp") is ConstantSurrogate


@pytest.mark.parametrize(
    ("name", "cls", "match"),
    [
        ("", ConstantSurrogate, "non-empty str"),
        ("x", dict, "must be a subclass of Surrogate"),
        ("x", "no_colon", "'module:Class' string"),
    ],
)
def test_register_validates(
    registry: Registry[Surrogate], name: str, cls: type[Surrogate] | str, match: str
) -> None:
    with pytest.raises(ConfigurationError, match=match):
        registry.register(name, cls)


def test_lazy_string_registration(registry: Registry[Surrogate]) -> None:
    registry.register("lazy", "bonas.surrogates.ensemble:EnsembleSurrogate")
    assert registry.get("lazy") is EnsembleSurrogate
    registry.register("broken", "bonas.no_such_module:Model")
    with pytest.raises(ConfigurationError, match="'broken' could not be loaded") as info:
        registry.get("broken")
    assert isinstance(info.value.__cause__, ImportError)
    registry.register("wrong", "bonas.exceptions:BonasError")
    with pytest.raises(ConfigurationError, match="must be a subclass of Surrogate"):
        registry.get("wrong")


def test_module_level_register_reaches_make() -> None:
    register("constant_for_test", ConstantSurrogate)
    assert "constant_for_test" in available()
    assert isinstance(make("constant_for_test"), ConstantSurrogate)


def _install_fake_plugin(root: Path, module: str, entry_points: str) -> None:
    """A distribution on ``root`` as pip would leave it: a module and its dist-info."""
    (root / f"{module}.py").write_text(
        textwrap.dedent(
            """
            import numpy as np

            from bonas.surrogates import Surrogate


            class PluginSurrogate(Surrogate):
                def fit(self, X, y):
                    self.mean_ = float(np.mean(y))
                    self.n_features_in_ = np.shape(X)[1]
                    return self

                def _predict(self, X):
                    return np.full(len(X), self.mean_), np.ones(len(X))


            NOT_A_CLASS = 3
            """
        )
    )
    info = root / f"{module}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(entry_points)


def test_entry_point_plugin_is_discovered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = "fake_bonas_plugin"
    _install_fake_plugin(
        tmp_path,
        module,
        "[bonas.surrogates]\n"
        f"my_plugin = {module}:PluginSurrogate\n"
        f"my_missing = {module}_missing:PluginSurrogate\n"
        f"my_constant = {module}:NOT_A_CLASS\n"
        f"gp = {module}:PluginSurrogate\n",
    )
    assert "my_plugin" not in available()
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, module, raising=False)
    assert {"my_plugin", "my_missing", "my_constant"} <= set(available())
    assert module not in sys.modules  # listed without importing it
    cls = get("my_plugin")
    assert cls.__name__ == "PluginSurrogate"
    assert cls.__module__ == module
    model = make("my_plugin").fit(np.zeros((2, 3)), np.array([1.0, 3.0]))
    np.testing.assert_array_equal(model.predict(np.zeros((1, 3))), [2.0])
    with pytest.raises(ConfigurationError, match="'my_missing' could not be loaded"):
        get("my_missing")
    with pytest.raises(ConfigurationError, match="'my_constant' must be a subclass"):
        get("my_constant")
    assert get("gp") is GPSurrogate  # a plug-in cannot take over a built-in name
    sys.modules.pop(module, None)


def test_errors_are_bonas_errors() -> None:
    with pytest.raises(BonasError):
        get("nope")


def test_importing_surrogates_does_not_import_torch() -> None:
    code = (
        "import sys\n"
        "import bonas.surrogates as s\n"
        "s.available(); s.get('gp'); s.get('ensemble'); s.make('ensemble', seed=0)\n"
        "s.EnsembleSurrogate; s.GPSurrogate\n"
        "import bonas.testing.surrogates\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    root = str(Path(bonas.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=root, timeout=60)
