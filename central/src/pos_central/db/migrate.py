"""Bring a central database to the current schema (``pos-central serve`` does this itself).

For PostgreSQL a database that does not exist yet is created first (through the server's
``postgres`` maintenance database); for SQLite the file and its folder are created.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, inspect, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import NullPool

from pos_central.db.engine import describe, make_engine, translate
from pos_central.errors import StorageError

HEAD = "0006"
MIGRATIONS = Path(__file__).parent / "migrations"


def current_revision(engine: Engine) -> str | None:
    with translate(engine), engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine) -> None:
    """Migrate to HEAD (a no-op read of one row when already there)."""
    ensure_database(engine.url)
    current = current_revision(engine)
    if current == HEAD:
        return
    if current is not None and not _known(current):
        raise StorageError(
            f"{describe(engine.url)} was written by a newer pos-central (schema {current}); "
            "install that version"
        )
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.connect() as conn:
            sqlite = engine.dialect.name == "sqlite"
            if sqlite:  # outside any transaction, or SQLite ignores it (batch table rebuilds)
                _pragma(conn, "foreign_keys=OFF")
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            conn.commit()
            if sqlite:
                _pragma(conn, "foreign_keys=ON")
    except DBAPIError as exc:
        first = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StorageError(f"migrating {describe(engine.url)} failed: {first}") from exc


def open_database(db: str | URL) -> Engine:
    """An engine on a database migrated to HEAD."""
    engine = make_engine(db)
    try:
        upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def ensure_database(url: URL) -> None:
    """Create the PostgreSQL database named in ``url`` when the server does not have it."""
    if url.get_backend_name() != "postgresql" or not url.database:
        return
    probe = create_engine(url, poolclass=NullPool)
    try:
        with probe.connect():
            return
    except OperationalError as exc:
        if "does not exist" not in str(exc.orig):
            first = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise StorageError(f"cannot reach the database {describe(url)}: {first}") from exc
    finally:
        probe.dispose()
    admin = create_engine(url.set(database="postgres"), poolclass=NullPool,
                          isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            quoted = conn.dialect.identifier_preparer.quote(url.database)
            conn.exec_driver_sql(f"CREATE DATABASE {quoted}")
    except DBAPIError as exc:
        if "already exists" not in str(exc.orig):
            first = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise StorageError(f"cannot create the database {describe(url)}: {first}") from exc
    finally:
        admin.dispose()


def _pragma(conn: Connection, pragma: str) -> None:
    """A PRAGMA on the driver connection, outside SQLAlchemy's transaction."""
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    dbapi.execute(f"PRAGMA {pragma}")


def _known(revision: str) -> bool:
    return any(p.name.startswith(revision + "_") for p in (MIGRATIONS / "versions").glob("*.py"))
