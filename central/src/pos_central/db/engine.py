"""Engines for the central's database URL: PostgreSQL (psycopg 3) or an SQLite file.

``--db`` takes a SQLAlchemy URL (``postgresql+psycopg://user@host/db``, ``sqlite:///path``);
``postgresql://`` means psycopg 3, and a bare path means an SQLite file. SQLite gets the
register's pragmas (WAL, synchronous=FULL, busy timeout) and explicit ``BEGIN IMMEDIATE`` for
writers so two threads never deadlock upgrading a lock. Driver errors are translated into
``StorageError`` with a message naming the database.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from pos_central.errors import BadInput, CentralError, StorageError

BUSY_TIMEOUT_MS = 10_000
ENV_DB = "POS_CENTRAL_DB"
_BEGIN = "central_sqlite_begin"


def default_db_url() -> str:
    env = os.environ.get(ENV_DB)
    if env:
        return env
    from platformdirs import user_data_dir

    return f"sqlite:///{Path(user_data_dir('pos-central', appauthor=False)) / 'central.db'}"


def normalise_url(text: str) -> URL:
    """The SQLAlchemy URL for what a person passed as ``--db``."""
    text = text.strip()
    if not text:
        raise BadInput("--db is empty; pass sqlite:///PATH or postgresql://USER@HOST/DB", "db")
    if "://" not in text:
        text = f"sqlite:///{Path(text).expanduser().resolve()}"
    try:
        url = make_url(text)
    except ArgumentError as exc:
        raise BadInput(f"--db {text!r} is not a database URL", "db") from exc
    if url.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        return url.set(drivername="postgresql+psycopg")
    if url.drivername in ("sqlite", "sqlite+pysqlite"):
        if not url.database or url.database == ":memory:":
            raise BadInput("--db sqlite needs a file: sqlite:///PATH", "db")
        return url.set(drivername="sqlite")
    raise BadInput(
        f"--db {url.drivername} is not supported; use postgresql://… (psycopg 3) or sqlite:///…",
        "db",
    )


def describe(url: URL) -> str:
    """The URL without its password, for messages."""
    return url.render_as_string(hide_password=True)


def make_engine(db: str | URL, pool_size: int = 8) -> Engine:
    url = normalise_url(db) if isinstance(db, str) else db
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def _sqlite_engine(url: URL) -> Engine:
    path = Path(url.database or "")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot create the folder for {path}: {exc.strerror}") from exc
    engine = create_engine(url, connect_args={"check_same_thread": False,
                                              "timeout": BUSY_TIMEOUT_MS / 1000})

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
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(_BEGIN, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def is_postgres(conn_or_engine: Connection | Engine) -> bool:
    return conn_or_engine.dialect.name == "postgresql"


@contextmanager
def write(engine: Engine) -> Iterator[Connection]:
    """One write transaction (``BEGIN IMMEDIATE`` on SQLite); driver errors become ours."""
    with translate(engine), engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn = conn.execution_options(**{_BEGIN: "IMMEDIATE"})
        with conn.begin():
            yield conn


@contextmanager
def read(engine: Engine) -> Iterator[Connection]:
    """One read transaction."""
    with translate(engine), engine.connect() as conn, conn.begin():
        yield conn


@contextmanager
def translate(engine: Engine) -> Iterator[None]:
    """Turn SQLAlchemy/driver errors into ``StorageError`` naming the database."""
    try:
        yield
    except CentralError:
        raise
    except DBAPIError as exc:
        raise StorageError(_message(engine, exc)) from exc
    except SQLAlchemyError as exc:
        raise StorageError(f"database {describe(engine.url)}: {exc}") from exc
    except Exception as exc:  # the driver's own errors, from raw cursors (COPY)
        driver = getattr(engine.dialect, "loaded_dbapi", None)
        if driver is not None and isinstance(exc, driver.Error):
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StorageError(f"database {describe(engine.url)}: {first}") from exc
        raise


def _message(engine: Engine, exc: DBAPIError) -> str:
    where = describe(engine.url)
    first = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
    low = first.lower()
    if exc.connection_invalidated or ("connection" in low and "refused" in low):
        return f"cannot reach the database {where}: {first}"
    if "locked" in first.lower():
        return f"the database {where} is busy (locked by another program): {first}"
    return f"database {where}: {first}"
