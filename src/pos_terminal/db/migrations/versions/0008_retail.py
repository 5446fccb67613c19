"""Promotions, deposits and weighed-goods receipt details.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24

Frozen DDL: later schema changes are new revisions, never edits here.

- ``products.deposit_code`` / ``products.tare``: the catalog's deposit type and tare per product.
- ``promotions`` and ``deposit_types``: pulled from the central catalog.
- ``sale_line_retail``: promotion saving and name, and tare, per sale line that has them.
- ``sale_deposits``: deposits charged under a sale's item lines (no stock, no ledger).
- ``deposit_refunds``: empties taken back without a sale (cash or voucher).
- ``barcodes.deposit_code``: a pack barcode's own deposit (the crate).
- ``return_deposits``: deposits a return gave back (printed on the return slip).
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("products", sa.Column("deposit_code", sa.String()))
    op.add_column("products", sa.Column("tare", sa.Integer()))
    op.add_column("barcodes", sa.Column("deposit_code", sa.String()))
    op.create_table(
        "promotions",
        sa.Column("promo_id", sa.String(), primary_key=True),
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default="1"),
        sa.Column("updated_at", sa.String(), nullable=False),
    )
    op.create_table(
        "deposit_types",
        sa.Column("code", sa.String(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("tax_code", sa.String()),
        sa.Column("active", sa.Boolean(), nullable=False, server_default="1"),
        sa.Column("updated_at", sa.String(), nullable=False),
    )
    op.create_table(
        "sale_line_retail",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sale_id", sa.String(), sa.ForeignKey("sales.id"), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("promo_saving", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("promo_label", sa.String(), nullable=False, server_default=""),
        sa.Column("tare", sa.Integer()),
        sa.UniqueConstraint("sale_id", "line_no"),
    )
    op.create_table(
        "sale_deposits",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sale_id", sa.String(), sa.ForeignKey("sales.id"), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.Column("unit_amount", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("tax", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("tax_code", sa.String(), nullable=False),
        sa.Column("rate_ppm", sa.Integer(), nullable=False),
        sa.Column("refunded", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_index("ix_sale_deposits_sale", "sale_deposits", ["sale_id"])
    op.create_table(
        "deposit_refunds",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("refund_no", sa.String(), nullable=False, unique=True),
        sa.Column("completed_at", sa.String(), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id")),
        sa.Column("shift_id", sa.String(), sa.ForeignKey("shifts.id")),
        sa.Column("training", sa.Boolean(), nullable=False),
        sa.Column("method", sa.String(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("tax", sa.Integer(), nullable=False),
        sa.Column("lines", sa.Text(), nullable=False),
        sa.Column("voucher_code", sa.String(), unique=True),
        sa.Column("redeemed_sale_id", sa.String(), sa.ForeignKey("sales.id")),
        sa.Column("redeemed_at", sa.String()),
        sa.CheckConstraint("method IN ('cash', 'voucher')", name="deposit_refund_method"),
    )
    op.create_table(
        "return_deposits",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("return_id", sa.String(), sa.ForeignKey("returns.id"), nullable=False),
        sa.Column("sale_deposit_id", sa.Integer(), sa.ForeignKey("sale_deposits.id")),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.Column("unit_amount", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("tax", sa.Integer(), nullable=False),
        sa.Column("tax_code", sa.String(), nullable=False),
        sa.Column("rate_ppm", sa.Integer(), nullable=False),
    )
    op.create_index("ix_return_deposits_return", "return_deposits", ["return_id"])
    op.create_index("ix_return_deposits_sale_deposit", "return_deposits", ["sale_deposit_id"])


def downgrade() -> None:
    for name in ("return_deposits", "deposit_refunds", "sale_deposits", "sale_line_retail",
                 "deposit_types", "promotions"):
        op.drop_table(name)
