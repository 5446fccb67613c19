"""The central's database: tables, engine (SQLite or PostgreSQL) and Alembic migrations."""
