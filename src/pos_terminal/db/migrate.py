"""Bring a register database to the current schema: back up first, restore on failure.

The head revision is a constant so a normal start reads one row and never imports Alembic
(≈0.4 s); a test keeps ``HEAD`` equal to the newest migration.
"""

from __future__ import annotations

import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

from pos_terminal.db.backup import backup_file, restore_file
from pos_terminal.errors import StorageError

HEAD = "0011"
# Alembic loads the scripts by path: in a PyInstaller bundle they are data files under
# sys._MEIPASS (packaging/pos-terminal.spec puts them there), not importable modules.
MIGRATIONS = (Path(getattr(sys, "_MEIPASS", "")) / "pos_terminal" / "db" / "migrations"
              if hasattr(sys, "_MEIPASS") else Path(__file__).parent / "migrations")


def schema_revision(path: Path) -> str | None:
    if not path.exists():
        return None
    con = sqlite3.connect(path)
    try:
        row = con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name='alembic_version'"
        ).fetchone()
        if row is None:
            return None
        got = con.execute("SELECT version_num FROM alembic_version").fetchone()
        return got[0] if got else None
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"{path} is not a usable register database: {exc}") from exc
    finally:
        con.close()


def alembic_upgrade(path: Path, revision: str = "head") -> None:
    from alembic import command
    from alembic.config import Config

    from pos_terminal.db.engine import make_engine

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    engine = make_engine(path)
    try:
        with engine.connect() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    finally:
        engine.dispose()


def upgrade(path: Path, backups: Path) -> Path | None:
    """Migrate the database at ``path`` to HEAD. Returns the backup made, if any."""
    current = schema_revision(path)
    if current == HEAD:
        return None
    if current is not None and not _known(current):
        raise StorageError(
            f"{path} was written by a newer pos-terminal (schema {current}); install that version"
        )
    backup = None
    if current is not None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        backup = backup_file(path, backups / f"register-backup-{stamp}-schema-{current}.db")
    try:
        alembic_upgrade(path)
    except Exception as exc:
        if backup is not None:
            restore_file(backup, path)
            raise StorageError(
                f"upgrading the database failed ({exc}); the backup {backup.name} was restored"
            ) from exc
        raise StorageError(f"creating the database failed: {exc}") from exc
    return backup


def _known(revision: str) -> bool:
    return any(p.name.startswith(revision + "_") for p in (MIGRATIONS / "versions").glob("*.py"))
