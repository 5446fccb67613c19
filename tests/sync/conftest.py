"""Sync fixtures: registers made with ``init`` + a catalog import (built once, copied per test)
and a real central service (uvicorn on loopback; PostgreSQL when ``POS_TEST_PG_URL`` is set,
else SQLite)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sync_helpers import CATALOG, Registers, make_register

from pos_central.testing import CentralHandle

from support import central_with_stores


@pytest.fixture(scope="session")
def register_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    root = tmp_path_factory.mktemp("sync-templates")
    return {
        ("S1", "R1"): make_register(root, "S1", "R1"),
        ("S1", "R2"): make_register(root, "S1", "R2", extra=True),
        ("S2", "R1"): make_register(root, "S2", "R1"),
    }


@pytest.fixture
def register(register_templates: dict[tuple[str, str], Path], tmp_path: Path) -> Registers:
    """``register("S1", "R2")``: a fresh copy of that register (catalog imported, no stock)."""
    def make(store: str = "S1", reg: str = "R1") -> Path:
        dest = tmp_path / f"{store}-{reg}"
        shutil.copytree(register_templates[(store, reg)], dest)
        return dest

    return make


@pytest.fixture
def central() -> Iterator[CentralHandle]:
    """A real central with stores S1 and S2 and the shared catalog."""
    with central_with_stores(CATALOG) as handle:
        yield handle
