"""Purchase orders, per-store reorder and par levels.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

Frozen DDL: later schema changes are new revisions, never edits here.
"""

import sqlalchemy as sa
from alembic import op

from pos_central.db.types import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "purchase_orders",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("number", sa.String(40), nullable=False, unique=True),
        sa.Column("store", sa.String(16), sa.ForeignKey("stores.code"), nullable=False),
        sa.Column("vendor", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("origin", sa.String(10), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("sent_at", UtcDateTime),
        sa.Column("note", sa.String(200), nullable=False, server_default=""),
        sa.CheckConstraint("status IN ('draft', 'sent', 'partially_received', 'received', "
                           "'cancelled')", name="status"),
        sa.CheckConstraint("origin IN ('central', 'register')", name="origin"),
    )
    op.create_index("ix_purchase_orders_store_status", "purchase_orders", ["store", "status"])
    op.create_table(
        "purchase_order_lines",
        sa.Column("po_id", sa.String(36), sa.ForeignKey("purchase_orders.id"),
                  primary_key=True),
        sa.Column("sku", sa.String(64), primary_key=True),
        sa.Column("ordered", sa.BigInteger, nullable=False),
        sa.Column("received", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("unit_cost", sa.BigInteger),
        sa.CheckConstraint("ordered > 0", name="ordered"),
    )
    op.create_table(
        "store_stock_params",
        sa.Column("store", sa.String(16), primary_key=True),
        sa.Column("sku", sa.String(64), primary_key=True),
        sa.Column("reorder_point", sa.BigInteger),
        sa.Column("par_level", sa.BigInteger),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("store_stock_params")
    op.drop_table("purchase_order_lines")
    op.drop_index("ix_purchase_orders_store_status", "purchase_orders")
    op.drop_table("purchase_orders")
