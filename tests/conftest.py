from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

# One thread per test process: the suite runs on 2-core machines, next to other work.
os.environ.setdefault("OMP_NUM_THREADS", "1")

# The property tests' default settings: no deadline and no "too slow" health check, so that
# no example fails only because the machine is loaded (the suite runs next to other work).
# The cache folder every test gets is set in the repository's root conftest.py.
settings.register_profile("bonas", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("bonas")

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
