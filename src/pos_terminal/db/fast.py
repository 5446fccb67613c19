"""The hot path's direct line to sqlite3, inside the caller's SQLAlchemy transaction.

Sale commit and ledger appends write a dozen small rows per sale; going through the driver's
cursor with prepared INSERTs (built from the Core tables, so columns stay in one place) cuts
the service's overhead over bare sqlite3 roughly in half (bench/sale_commit.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from sqlalchemy import Connection, Table


def insert_sql(table: Table, columns: Sequence[str]) -> str:
    for c in columns:
        table.c[c]
    return (
        f"INSERT INTO {table.name} ({', '.join(columns)}) "
        f"VALUES ({', '.join('?' for _ in columns)})"
    )


def cursor(conn: Connection) -> sqlite3.Cursor:
    """A cursor on the same DBAPI connection, so its writes join the open transaction."""
    return conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
