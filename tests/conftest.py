from __future__ import annotations

import os

import pytest

# One thread per test process: the suite runs on 2-core machines, next to other work.
os.environ.setdefault("OMP_NUM_THREADS", "1")

#: A PostgreSQL database for the tests marked ``postgres`` (``.ci/run`` starts a server and sets
#: it; see the README for running them locally).
POSTGRES_ENV = "BONAS_TEST_POSTGRES_URL"


@pytest.fixture
def postgres_url() -> str:
    """The URL of a PostgreSQL database the test may write to; skips the test when unset."""
    url = os.environ.get(POSTGRES_ENV, "").strip()
    if not url:
        pytest.skip(
            f"{POSTGRES_ENV} is not set: start PostgreSQL and set it to run this test "
            "(docs/distributed.md: 'The tests on PostgreSQL')"
        )
    return url
