"""Unit of work: one database transaction per use case, rolled back unless committed.

Third-party storage errors become ``StorageError`` with a message an operator can act on.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from pos_terminal.db.engine import write_options
from pos_terminal.errors import StorageError


def storage_error(exc: BaseException) -> StorageError:
    text = str(getattr(exc, "orig", exc)).lower()
    if "disk is full" in text or "database or disk is full" in text:
        return StorageError("the register's disk is full: free space, then try again")
    if "locked" in text or "busy" in text:
        return StorageError("the register database is busy; try again in a moment")
    if "readonly" in text or "read-only" in text:
        return StorageError(
            "the register database is read-only: check the data folder's permissions"
        )
    if "malformed" in text or "not a database" in text:
        return StorageError("the register database is damaged: restore the latest backup")
    return StorageError(f"the register database failed: {getattr(exc, 'orig', exc)}")


@contextmanager
def transaction(engine: Engine, write: bool = True) -> Iterator[Connection]:
    """Yield a connection inside BEGIN [IMMEDIATE]; commit on success, roll back on error."""
    try:
        conn = engine.connect()
    except (OperationalError, sqlite3.Error) as exc:
        raise storage_error(exc) from exc
    try:
        if write:
            conn = conn.execution_options(**write_options())
        try:
            with conn.begin():
                yield conn
        except (OperationalError, sqlite3.OperationalError) as exc:
            raise storage_error(exc) from exc
        except DBAPIError as exc:
            if isinstance(exc.orig, sqlite3.OperationalError):
                raise storage_error(exc) from exc
            raise
    finally:
        conn.close()
