"""Transfers between stores.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24

Frozen DDL: later schema changes are new revisions, never edits here.

- ``transfers``: one row per transfer, made by the sender's ``stock.transferred_out`` and
  closed by the receiver's ``stock.transferred_in`` (status ``in_transit`` → ``received`` or
  ``received_with_discrepancies``); ``problem`` flags what a person should look at.
- ``transfer_lines``: sent, received (good) and damaged units per SKU.
"""

import sqlalchemy as sa
from alembic import op

from pos_central.db.types import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transfers",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("number", sa.String(60), nullable=False),
        sa.Column("from_store", sa.String(16), nullable=False),
        sa.Column("to_store", sa.String(16), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("sent_at", UtcDateTime),
        sa.Column("received_at", UtcDateTime),
        sa.Column("problem", sa.String(300)),
        sa.CheckConstraint("status IN ('in_transit', 'received', "
                           "'received_with_discrepancies')", name="status"),
    )
    op.create_index("ix_transfers_number", "transfers", ["number"])
    op.create_index("ix_transfers_to_store_status", "transfers", ["to_store", "status"])
    op.create_index("ix_transfers_status_received_at", "transfers", ["status", "received_at"])
    op.create_table(
        "transfer_lines",
        sa.Column("transfer_id", sa.String(36), sa.ForeignKey("transfers.id"),
                  primary_key=True),
        sa.Column("sku", sa.String(64), primary_key=True),
        sa.Column("sent", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("received", sa.BigInteger),
        sa.Column("damaged", sa.BigInteger, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_table("transfer_lines")
    op.drop_index("ix_transfers_status_received_at", "transfers")
    op.drop_index("ix_transfers_to_store_status", "transfers")
    op.drop_index("ix_transfers_number", "transfers")
    op.drop_table("transfers")
