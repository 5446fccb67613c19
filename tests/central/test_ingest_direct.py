"""The ingest function in-process (what the endpoint and the benchmark call)."""

from __future__ import annotations

import pytest
from central_helpers import CATALOG, event, movement, sale
from sqlalchemy import create_engine
from sqlalchemy.pool import QueuePool

from pos_central.db.engine import normalise_url
from pos_central.db.migrate import open_database
from pos_central.errors import StorageError
from pos_central.services import accounts, catalog, ingest, stock


def _setup(url: str) -> ingest.Source:
    engine = open_database(url)
    try:
        accounts.create_store(engine, "S1", "Main Street")
        catalog.import_csv(engine, CATALOG)
        accounts.enroll(engine, accounts.make_enrollment_code(engine, "S1", "R1").code)
        with engine.connect() as conn:
            rid = conn.exec_driver_sql("SELECT id FROM registers").scalar_one()
    finally:
        engine.dispose()
    return ingest.Source("S1", int(rid))


def test_counts_of_new_events_and_movements(central_db_url: str) -> None:
    source = _setup(central_db_url)
    engine = open_database(central_db_url)
    try:
        shared = movement("100001", -1)
        batch = [sale("100002", 2), event(shared), event(shared)]
        got = ingest.ingest(engine, source, batch, pending=0)
        assert (got.new_events, got.new_movements, len(got.held)) == (3, 2, 3)
        again = ingest.ingest(engine, source, batch)
        assert (again.new_events, again.new_movements, again.held) == (0, 0, got.held)
        assert ingest.ingest(engine, source, []).held == []
        assert stock.stock(engine, "100001").on_hand == {"S1": -1}
    finally:
        engine.dispose()


def test_postgres_staging_tables_heal_themselves(central_db_url: str) -> None:
    url = normalise_url(central_db_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("PostgreSQL only (POS_TEST_PG_URL)")
    source = _setup(central_db_url)
    engine = create_engine(url, poolclass=QueuePool, pool_size=1, max_overflow=0)
    try:
        ingest.ingest(engine, source, [sale()])
        with engine.connect() as conn:  # the same (only) session loses its staging table
            conn.exec_driver_sql("DROP TABLE ingest_events")
            conn.commit()
        with pytest.raises(StorageError, match="ingest_events"):
            ingest.ingest(engine, source, [sale()])
        assert len(ingest.ingest(engine, source, [sale()]).held) == 1
    finally:
        engine.dispose()
