"""Settings of every pytest run of this repository: the tests in ``tests/`` and the doctests in
``bonas/`` (``testpaths``), which is why this file sits at the root and not in ``tests/``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

#: ``bonas.nb201.proxies.CACHE_ENV``, spelled out so that no torch import is needed here
#: (tests/test_conftest.py checks they agree).
CACHE_ENV = "BONAS_CACHE_DIR"


@pytest.fixture(scope="session", autouse=True)
def bonas_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A cache folder for the session: no test or doctest reads or writes the user's
    ``~/.cache/bonas`` (or a ``$BONAS_CACHE_DIR`` of theirs).

    Shared by the whole session, so the synflow table is computed once per run and read from
    there afterwards. Set in ``os.environ`` (bonas reads it when it looks up the cache), so the
    subprocesses the CLI tests start inherit it; a test may still point it elsewhere with
    ``monkeypatch.setenv``.
    """
    path = tmp_path_factory.mktemp("bonas-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(CACHE_ENV, str(path))
        yield path
