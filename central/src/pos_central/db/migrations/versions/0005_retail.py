"""Promotions and deposits in the catalog.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24

Frozen DDL: later schema changes are new revisions, never edits here.
"""

import sqlalchemy as sa
from alembic import op

from pos_central.db.types import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("products", sa.Column("deposit", sa.String(16)))
    op.add_column("products", sa.Column("tare", sa.BigInteger))
    op.create_table(
        "promotions",
        sa.Column("promo_id", sa.String(64), primary_key=True),
        sa.Column("label", sa.String(60), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("rule", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("version", sa.BigInteger, nullable=False, unique=True),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "deposit_types",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("tax_class", sa.String(16), sa.ForeignKey("tax_classes.code")),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("version", sa.BigInteger, nullable=False, unique=True),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.CheckConstraint("amount >= 0", name="amount"),
    )
    op.create_table(
        "barcode_deposits",
        sa.Column("key", sa.String(48), primary_key=True),
        sa.Column("deposit", sa.String(16), sa.ForeignKey("deposit_types.code"), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("barcode_deposits")
    op.drop_table("deposit_types")
    op.drop_table("promotions")
    op.drop_column("products", "tare")
    op.drop_column("products", "deposit")
