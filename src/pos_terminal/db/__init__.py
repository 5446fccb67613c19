"""SQLite storage: tables, engine with pragmas, unit of work, repositories and migrations."""
