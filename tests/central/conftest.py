"""Fixtures for the central service: a real server on loopback over a fresh database.

``central_db_url`` is PostgreSQL when ``POS_TEST_PG_URL`` is set (a fresh database, dropped
afterwards), else a temporary SQLite file — the same choice ``pos_central.testing.test_db_url``
makes for the register's tests.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from central_helpers import World, build_world

from pos_central.testing import CentralHandle, running_central, test_db_url


@pytest.fixture
def central_db_url() -> Iterator[str]:
    with test_db_url() as url:
        yield url


@pytest.fixture
def central(central_db_url: str) -> Iterator[CentralHandle]:
    with running_central(central_db_url) as handle:
        yield handle


@pytest.fixture
def world(central: CentralHandle) -> Iterator[World]:
    """Stores S1 (registers R1, R2) and S2 (R1), the small catalog, an admin client."""
    with build_world(central) as w:
        yield w


@pytest.fixture(scope="module")
def shared_world() -> Iterator[World]:
    """``world`` shared by a module's tests that only compare before and after (faster)."""
    with test_db_url() as url, running_central(url) as central, build_world(central) as w:
        yield w
