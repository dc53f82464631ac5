"""The suite's own settings (conftest.py at the root and in tests/): a cache folder of the
session's, for this process and the commands it starts, and hypothesis without deadlines."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from bonas.nb201 import proxies
from bonas.testing.cli import bonas_env

ROOT_CONFTEST_ENV = "BONAS_CACHE_DIR"


def _is_under(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def test_bonas_looks_up_its_cache_in_the_sessions_temporary_folder(
    bonas_cache_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    assert proxies.CACHE_ENV == ROOT_CONFTEST_ENV
    cache = proxies._cache_dir()
    assert cache == bonas_cache_dir
    assert _is_under(cache, tmp_path_factory.getbasetemp())
    assert not _is_under(cache, Path.home() / ".cache")


def test_a_command_the_tests_start_uses_the_same_cache(bonas_cache_dir: Path) -> None:
    code = "from bonas.nb201.proxies import _cache_dir; print(_cache_dir())"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=bonas_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert Path(out.strip()) == bonas_cache_dir


def test_a_test_may_still_point_the_cache_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(proxies.CACHE_ENV, str(tmp_path))
    assert proxies._cache_dir() == tmp_path


def test_property_tests_have_no_deadline_by_default() -> None:
    assert settings().deadline is None
    assert HealthCheck.too_slow in settings().suppress_health_check
    # A test's own @settings(...) takes what it does not set from the loaded profile.
    assert settings(max_examples=3).deadline is None
