"""The central's schema: Alembic head equals the code's, migrated tables equal tables.py."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from pos_central.db import migrate
from pos_central.db.tables import metadata


def test_head_constant_matches_alembic() -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrate.MIGRATIONS))
    assert ScriptDirectory.from_config(cfg).get_current_head() == migrate.HEAD


def test_migrated_schema_matches_the_code(central_db_url: str) -> None:
    engine = migrate.open_database(central_db_url)
    try:
        assert migrate.current_revision(engine) == migrate.HEAD
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
        migrate.upgrade(engine)  # again: a no-op
    finally:
        engine.dispose()
