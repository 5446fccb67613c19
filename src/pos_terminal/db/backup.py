"""Online backups through the sqlite3 backup API (safe while the register is selling)."""

from __future__ import annotations

import os
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from pos_terminal.errors import StorageError


def backup_file(source: Path, dest: Path) -> Path:
    """Copy the live database at ``source`` into ``dest`` consistently; returns ``dest``."""
    if dest.exists() and dest.is_dir():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        dest = dest / f"{source.stem}-backup-{stamp}.db"
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        src = sqlite3.connect(source)
        try:
            out = sqlite3.connect(dest)
            try:
                src.backup(out)
                out.commit()
            finally:
                out.close()
        finally:
            src.close()
    except (OSError, sqlite3.Error) as exc:
        raise StorageError(f"backup to {dest} failed: {exc}") from exc
    return dest


def restore_file(backup: Path, target: Path) -> None:
    """Put a backup back in place of ``target`` (after a failed migration; nothing is open).

    The stale WAL and shared-memory files go first so their frames are never replayed into the
    restored file; the copy then replaces the target atomically.
    """
    tmp = target.with_name(target.name + ".restore")
    shutil.copyfile(backup, tmp)
    for suffix in ("-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    os.replace(tmp, target)
