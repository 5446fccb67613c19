"""Upgrades in place: a database left by every earlier schema revision (the fixtures under
tests/fixtures/schemas/, made by tests/fixtures/make_schema_fixtures.py) opens through
``open_register`` — backed up first, migrated to head — with every row intact; a failed
migration restores the backup and says so."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from pos_terminal import config
from pos_terminal.bootstrap import open_register
from pos_terminal.db import migrate
from pos_terminal.errors import StorageError

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "schemas"
DBS = sorted(FIXTURES.glob("schema-*.db"))


def _register_from(fixture: Path, root: Path) -> Path:
    """A data dir around a copy of ``fixture`` (config.toml says what register_info holds)."""
    root.mkdir(parents=True)
    shutil.copyfile(fixture, root / config.DB_NAME)
    c = sqlite3.connect(root / config.DB_NAME)
    store, register, currency = c.execute(
        "SELECT store, register, currency FROM register_info").fetchone()
    c.close()
    config.save(config.Paths(root), config.new_settings(store, register, currency))
    return root


def _snapshot(db: Path) -> dict[str, tuple[list[str], list[tuple]]]:
    """Every table's columns and rows (ordered by rowid where there is one)."""
    c = sqlite3.connect(db)
    out = {}
    for (table,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND "
                              "name NOT LIKE 'sqlite_%' AND name != 'alembic_version'"):
        cols = [r[1] for r in c.execute(f'PRAGMA table_info("{table}")')]
        try:
            rows = c.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall()
        except sqlite3.OperationalError:  # WITHOUT ROWID
            rows = sorted(c.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)
        out[table] = (cols, rows)
    c.close()
    return out


def test_a_fixture_for_every_released_revision() -> None:
    revs = {p.stem.removeprefix("schema-") for p in DBS}
    assert {"0001", "0002"} <= revs
    for p in DBS:  # each one is what its name says
        assert migrate.schema_revision(p) == p.stem.removeprefix("schema-")


@pytest.mark.parametrize("fixture", DBS, ids=[p.stem for p in DBS])
def test_upgrades_to_head_with_every_row_intact(fixture: Path, tmp_path: Path) -> None:
    root = _register_from(fixture, tmp_path / "register")
    before = _snapshot(root / config.DB_NAME)
    assert sum(len(rows) for _, rows in before.values()) > 30  # realistic, not empty

    with open_register(root) as app:
        report = app.inventory.verify()
        assert report.ok, report.problem  # the hash chain and stock levels survived

    db = root / config.DB_NAME
    assert migrate.schema_revision(db) == migrate.HEAD
    backups = list((root / "backups").iterdir())
    assert len(backups) == 1 and "backup" in backups[0].name
    assert migrate.schema_revision(backups[0]) == fixture.stem.removeprefix("schema-")
    after = _snapshot(db)
    for table, (cols, rows) in before.items():
        assert table in after, f"table {table} is gone"
        new_cols, new_rows = after[table]
        assert len(new_rows) == len(rows), f"{table}: {len(rows)} rows became {len(new_rows)}"
        keep = [new_cols.index(col) for col in cols]  # columns may be added, never lost
        assert [tuple(r[i] for i in keep) for r in new_rows] == rows, table


def test_failed_upgrade_through_open_register_restores_the_backup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _register_from(FIXTURES / "schema-0001.db", tmp_path / "register")
    db = root / config.DB_NAME
    before = _snapshot(db)
    real = migrate.alembic_upgrade

    def half_then_fail(path: Path, revision: str = "head") -> None:
        real(path, "0002")  # the first step commits ...
        c = sqlite3.connect(path)
        c.execute("DELETE FROM outbox")
        c.commit()
        c.close()
        raise RuntimeError("disk I/O error")  # ... then the next one breaks

    monkeypatch.setattr(migrate, "alembic_upgrade", half_then_fail)
    with pytest.raises(StorageError, match=r"upgrading the database failed .*disk I/O error.*"
                                           r"backup register-backup-.*schema-0001.* was restored"):
        open_register(root)
    assert migrate.schema_revision(db) == "0001"
    assert _snapshot(db) == before
    monkeypatch.setattr(migrate, "alembic_upgrade", real)
    with open_register(root) as app:  # the next start upgrades for real
        assert app.inventory.verify().ok
    assert migrate.schema_revision(db) == migrate.HEAD
