"""Unit of work: one database transaction per use case, rolled back unless committed.

Third-party storage errors become ``StorageError`` with a message an operator can act on.

SQLite has one writer at a time, and a writer that finds the database locked polls (the busy
handler sleeps 1, 2, 5, 10… ms between tries), so a long job writing in many short transactions
could keep winning the lock against a sale. Inside one process the ``WriteGate`` settles it:
background writers (a catalog import's chunks) start a transaction only when no foreground
writer (a sale, anything else) is waiting, and a foreground writer that finds a background
chunk under way is woken the moment it commits.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
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


class WriteGate:
    """Foreground writers first: see the module's docstring."""

    # a background writer waits at most this long for a quiet moment, then writes anyway
    # (a steady stream of foreground writes slows an import down; it never stops it)
    MAX_BACKGROUND_WAIT_S = 2.0

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._foreground = 0  # foreground writers waiting for or inside a transaction
        self._background = False  # a background transaction is under way

    @contextmanager
    def foreground(self) -> Iterator[None]:
        with self._cond:
            self._foreground += 1
            self._cond.wait_for(lambda: not self._background)
        try:
            yield
        finally:
            with self._cond:
                self._foreground -= 1
                self._cond.notify_all()

    @contextmanager
    def background(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: self._foreground == 0 and not self._background,
                                self.MAX_BACKGROUND_WAIT_S)
            self._cond.wait_for(lambda: not self._background)  # one background job at a time
            self._background = True
        try:
            yield
        finally:
            with self._cond:
                self._background = False
                self._cond.notify_all()


_GATES: weakref.WeakKeyDictionary[Engine, WriteGate] = weakref.WeakKeyDictionary()
_GATES_LOCK = threading.Lock()


def write_gate(engine: Engine) -> WriteGate:
    with _GATES_LOCK:
        gate = _GATES.get(engine)
        if gate is None:
            gate = _GATES[engine] = WriteGate()
        return gate


@contextmanager
def transaction(engine: Engine, write: bool = True,
                background: bool = False) -> Iterator[Connection]:
    """Yield a connection inside BEGIN [IMMEDIATE]; commit on success, roll back on error.
    ``background``: a low-priority write that lets every other writer of this process go
    first (``WriteGate``)."""
    if write:
        gate = write_gate(engine)
        with (gate.background() if background else gate.foreground(),
              _transaction(engine, write) as conn):
            yield conn
    else:
        with _transaction(engine, write) as conn:
            yield conn


@contextmanager
def _transaction(engine: Engine, write: bool) -> Iterator[Connection]:
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
