"""Alembic environment: always run programmatically by pos_terminal.db.migrate."""

from alembic import context

from pos_terminal.db.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    transaction_per_migration=True,
)
with context.begin_transaction():
    context.run_migrations()
