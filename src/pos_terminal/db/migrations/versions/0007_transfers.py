"""Transfers between stores.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24

Frozen DDL: later schema changes are new revisions, never edits here.

- ``known_stores``: the other stores the central knows (the targets a transfer may name),
  replaced by every sync pull.
- ``transfers`` / ``transfer_lines``: transfers this register sent, and transfers to this
  store pulled from the central until one of its registers receives them. The stock itself
  moves only through ``transfer_out`` / ``transfer_in`` movements in the ledger.
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

STATEMENTS = [
    """
    CREATE TABLE known_stores (
        code VARCHAR NOT NULL,
        name VARCHAR DEFAULT '' NOT NULL,
        pulled_at VARCHAR NOT NULL,
        PRIMARY KEY (code)
    )
    """,
    """
    CREATE TABLE transfers (
        id VARCHAR NOT NULL,
        number VARCHAR NOT NULL,
        direction VARCHAR NOT NULL,
        from_store VARCHAR NOT NULL,
        to_store VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        sent_at VARCHAR,
        received_at VARCHAR,
        user_id INTEGER,
        pulled_at VARCHAR,
        PRIMARY KEY (id),
        CONSTRAINT transfer_direction CHECK (direction IN ('out', 'in')),
        CONSTRAINT transfer_status CHECK (status IN ('sent', 'pending', 'received', 'closed')),
        FOREIGN KEY(user_id) REFERENCES users (id)
    )
    """,
    "CREATE INDEX ix_transfers_direction_status ON transfers (direction, status)",
    """
    CREATE TABLE transfer_lines (
        transfer_id VARCHAR NOT NULL,
        sku VARCHAR NOT NULL,
        sent INTEGER NOT NULL,
        received INTEGER,
        damaged INTEGER DEFAULT '0' NOT NULL,
        PRIMARY KEY (transfer_id, sku),
        FOREIGN KEY(transfer_id) REFERENCES transfers (id)
    )
    """,
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("transfer_lines")
    op.drop_index("ix_transfers_direction_status", "transfers")
    op.drop_table("transfers")
    op.drop_table("known_stores")
