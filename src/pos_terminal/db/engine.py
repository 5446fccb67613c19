"""The SQLite engine: pragmas on every connection and explicit BEGIN handling.

pysqlite's legacy transaction handling does not BEGIN for SELECT or DDL, so we switch it off
(``isolation_level=None``) and emit BEGIN ourselves. Writers use BEGIN IMMEDIATE so two
threads or processes never deadlock upgrading a read lock to a write lock.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event

BUSY_TIMEOUT_MS = 10_000
_BEGIN = "sqlite_begin"


def make_engine(path: Path | str) -> Engine:
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        pool_pre_ping=False,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get(_BEGIN, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def write_options() -> dict[str, str]:
    """Execution options for a connection that will write (BEGIN IMMEDIATE)."""
    return {_BEGIN: "IMMEDIATE"}
