"""Run a real central service in tests (for the central's and the register's suites).

    with test_db_url() as url, running_central(url) as central:
        central.create_store("S1", "Main street")
        code = central.enroll_code("S1", "R1")
        httpx.post(central.url + "/api/v1/enroll", json={"code": code})

``running_central`` migrates the database and serves it with uvicorn in a thread on a free
loopback port (a real HTTP server; no network beyond 127.0.0.1). ``test_db_url`` gives a fresh
PostgreSQL database when ``POS_TEST_PG_URL`` names a server
(``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``), else a temporary SQLite file;
both are removed afterwards. Nothing here needs pytest.
"""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from pos_central.db.engine import normalise_url
from pos_central.db.migrate import open_database
from pos_central.services import accounts, catalog, stock

ENV_PG = "POS_TEST_PG_URL"


@dataclass
class CentralHandle:
    """A running central. ``url`` is the base (``http://127.0.0.1:PORT``); the API is under
    ``url + "/api/v1"`` (``api``). The helpers act on the database directly, like the CLI."""

    url: str
    db_url: str
    engine: Engine
    _server: Any = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    @property
    def api(self) -> str:
        return self.url + "/api/v1"

    def create_store(self, store: str, name: str, currency: str = "EUR") -> None:
        accounts.create_store(self.engine, store, name, currency)

    def enroll_code(self, store: str, register: str, ttl: timedelta | None = None) -> str:
        return accounts.make_enrollment_code(
            self.engine, store, register, ttl or accounts.DEFAULT_CODE_TTL).code

    def admin_token(self) -> str:
        return accounts.create_admin_token(self.engine, "test")

    def import_catalog_csv(self, text: str, currency: str | None = None) -> catalog.ImportResult:
        return catalog.import_csv(self.engine, text, currency)

    def set_price(self, sku: str, price: int, store: str | None = None) -> int:
        """Returns the new catalog version."""
        return int(catalog.set_price(self.engine, sku, price, store)["version"])

    def stock(self, sku: str) -> dict[str, int]:
        """On-hand of a SKU (or barcode) in every store."""
        return stock.stock(self.engine, sku).on_hand

    def revoke(self, store: str, register: str) -> None:
        accounts.revoke_register(self.engine, store, register)

    def registers(self) -> list[dict[str, Any]]:
        return accounts.list_registers(self.engine)

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self.engine.dispose()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_central(db_url: str) -> Iterator[CentralHandle]:
    """Migrate ``db_url`` and serve it on 127.0.0.1 until the block ends."""
    import uvicorn

    from pos_central.api import create_app

    engine = open_database(db_url)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(engine), log_level="warning", lifespan="off",
                            access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                              name=f"pos-central:{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            engine.dispose()
            raise RuntimeError("the test central service did not start")
        time.sleep(0.01)
    handle = CentralHandle(f"http://127.0.0.1:{port}", db_url, engine, server, thread)
    try:
        yield handle
    finally:
        handle.stop()
        sock.close()


@contextmanager
def pg_database(server_url: str | None = None) -> Iterator[str]:
    """A fresh PostgreSQL database on the server ``server_url`` (default ``$POS_TEST_PG_URL``),
    dropped afterwards; yields its URL."""
    base = normalise_url(server_url or os.environ[ENV_PG])
    name = f"pos_central_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url: URL = base.set(database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            admin.dispose()


@contextmanager
def test_db_url() -> Iterator[str]:
    """PostgreSQL (``$POS_TEST_PG_URL`` set) or a temporary SQLite file; removed afterwards."""
    if os.environ.get(ENV_PG):
        with pg_database() as url:
            yield url
    else:
        with tempfile.TemporaryDirectory(prefix="pos-central-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'central.db'}"


test_db_url.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
