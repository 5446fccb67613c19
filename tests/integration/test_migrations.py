"""Schema migrations: Alembic's head is what the app expects, the migrated schema matches the
tables the code uses, and a failed upgrade restores the automatic backup."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from pos_terminal.bootstrap import open_register
from pos_terminal.db import migrate
from pos_terminal.db.engine import make_engine
from pos_terminal.db.tables import metadata
from pos_terminal.errors import StorageError


def test_head_constant_matches_alembic() -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrate.MIGRATIONS))
    assert ScriptDirectory.from_config(cfg).get_current_head() == migrate.HEAD


def test_migrated_schema_matches_the_code(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    migrate.upgrade(db, tmp_path / "backups")
    engine = make_engine(db)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == []
    assert not (tmp_path / "backups").exists()  # a new database needs no backup


def test_pragmas_on_every_connection(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    migrate.upgrade(db, tmp_path / "b")
    engine = make_engine(db)
    with engine.connect() as conn:
        got = [conn.exec_driver_sql(f"PRAGMA {p}").scalar()
               for p in ("journal_mode", "synchronous", "foreign_keys")]
    engine.dispose()
    assert got == ["wal", 2, 1]  # synchronous 2 = FULL


def test_normal_start_makes_no_backup(data_dir: Path) -> None:
    open_register(data_dir).close()
    assert not (data_dir / "backups").exists()


def test_failed_upgrade_restores_backup(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = data_dir / "register.db"
    n = sqlite3.connect(db).execute("select count(*) from products").fetchone()[0]
    monkeypatch.setattr(migrate, "HEAD", "next")  # pretend a newer schema exists

    def broken(path: Path, revision: str = "head") -> None:
        c = sqlite3.connect(path)
        c.execute("drop table sale_lines")
        c.execute("delete from products")
        c.commit()
        c.close()
        raise RuntimeError("disk error halfway through")

    monkeypatch.setattr(migrate, "alembic_upgrade", broken)
    with pytest.raises(StorageError, match="restored"):
        migrate.upgrade(db, data_dir / "backups")
    backups = list((data_dir / "backups").iterdir())
    assert len(backups) == 1 and "backup" in backups[0].name
    c = sqlite3.connect(db)
    assert c.execute("select count(*) from products").fetchone()[0] == n
    assert c.execute("select count(*) from sale_lines").fetchone()[0] == 0  # table is back


def test_database_from_a_newer_app_is_refused(data_dir: Path) -> None:
    c = sqlite3.connect(data_dir / "register.db")
    c.execute("update alembic_version set version_num = '9999'")
    c.commit()
    with pytest.raises(StorageError, match="newer pos-terminal"):
        open_register(data_dir)


def test_upgrade_from_0001_keeps_every_row(tmp_path: Path) -> None:
    """A register created by the first release upgrades in place, backed up first."""
    data = tmp_path / "old"
    data.mkdir()
    db = data / "register.db"
    migrate.alembic_upgrade(db, "0001")
    c = sqlite3.connect(db)
    c.executescript("""
        INSERT INTO tax_classes (id, code, name, rate_ppm) VALUES (1, 'STD', 'Standard', 190000);
        INSERT INTO products (id, sku, name, variant, tax_class_id, unit, price, price_per,
                              active, updated_at)
            VALUES (1, 'A1', 'Cola', '', 1, 'each', 149, 1, 1, '2026-01-01T00:00:00.000Z');
        INSERT INTO sales (id, receipt_no, training, completed_at, currency, tax_mode, subtotal,
                           discount, tax, total, cash_rounding, change)
            VALUES ('s1', 'S1-R1-000001', 0, '2026-01-01T00:00:00.000Z', 'EUR', 'inclusive',
                    149, 0, 24, 149, 0, 0);
        INSERT INTO stock_movements (seq, id, product_id, quantity, kind, reason, reference,
                                     occurred_at, terminal, prev_hash, hash)
            VALUES (1, 'm1', 1, -1, 'sale', '', 's1', '2026-01-01T00:00:00.000Z', 'S1-R1',
                    'x', 'y');
    """)
    c.commit()
    before = {t: c.execute(f"select * from {t}").fetchall()
              for t in ("products", "sales", "stock_movements", "stock_levels")}
    c.close()
    backup = migrate.upgrade(db, data / "backups")
    assert backup is not None
    assert "backup" in backup.name
    assert migrate.schema_revision(db) == migrate.HEAD
    c = sqlite3.connect(db)
    for table, rows in before.items():
        got = c.execute(f"select * from {table}").fetchall()
        assert [r[: len(rows[0])] for r in got] == rows, table
    assert c.execute("select shift_id from sales").fetchone() == (None,)
