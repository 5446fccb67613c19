"""Dialect-aware statement helpers (PostgreSQL and SQLite both have ON CONFLICT)."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Connection, Table, text
from sqlalchemy.dialects import postgresql, sqlite


def insert(conn: Connection, table: Table) -> Any:
    """An INSERT with ``on_conflict_do_nothing`` / ``on_conflict_do_update`` for this dialect."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def lock_store(conn: Connection, store: str) -> None:
    """Serialise writers of one store until commit (PostgreSQL; SQLite's BEGIN IMMEDIATE
    already serialises all writers). Keeps movement ids of a store committed in id order, so a
    ``/movements`` cursor never skips a row that commits late."""
    if conn.dialect.name != "postgresql":
        return
    key = int.from_bytes(hashlib.sha256(f"pos_central.store:{store}".encode()).digest()[:8],
                         "big", signed=True)
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


def chunks(items: list[Any], size: int = 500) -> list[list[Any]]:
    return [items[i:i + size] for i in range(0, len(items), size)]
