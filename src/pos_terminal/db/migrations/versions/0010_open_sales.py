"""The sale in progress, saved after every change.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

Frozen DDL: later schema changes are new revisions, never edits here.

- ``open_sales``: one row per cashier with a sale in progress on this register (not the
  ledger, not ``sales``): the whole sale in the versioned format of
  ``domain/open_sale.py`` in ``state``, rewritten after every change. ``id`` is the id the
  sale will have once completed; completing, parking or voiding deletes the row in the same
  transaction as the sale or parked row. ``revision`` counts the saves.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "open_sales",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False,
                  unique=True),
        sa.Column("training", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.String(), nullable=False),
        sa.Column("updated_at", sa.String(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("open_sales")
