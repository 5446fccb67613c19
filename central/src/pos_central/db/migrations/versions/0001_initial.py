"""The first central schema: stores, registers, enrollment, admins, catalog, events, movements,
stock levels, unknown SKUs and product proposals.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from pos_central.db.types import BigId, UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stores",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "registers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("store", sa.String(16), sa.ForeignKey("stores.code"), nullable=False),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), unique=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("enrolled_at", UtcDateTime),
        sa.Column("revoked_at", UtcDateTime),
        sa.Column("last_contact_at", UtcDateTime),
        sa.Column("last_event_at", UtcDateTime),
        sa.Column("last_seq", sa.BigInteger),
        sa.Column("events_held", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("pending_reported", sa.BigInteger),
        sa.Column("pending_reported_at", UtcDateTime),
        sa.UniqueConstraint("store", "code"),
    )
    op.create_table(
        "enrollment_codes",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("register_id", sa.Integer, sa.ForeignKey("registers.id"), nullable=False,
                  index=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.Column("used_at", UtcDateTime),
    )
    op.create_table(
        "admin_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("label", sa.String(200), nullable=False, server_default=""),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("revoked_at", UtcDateTime),
    )
    op.create_table(
        "admins",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("disabled_at", UtcDateTime),
    )
    counters = op.create_table(
        "counters",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    tax_classes = op.create_table(
        "tax_classes",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
    )
    op.create_table(
        "products",
        sa.Column("sku", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("variant", sa.String(100), nullable=False, server_default=""),
        sa.Column("product_group", sa.String(100), nullable=False, server_default=""),
        sa.Column("department", sa.String(100), nullable=False, server_default=""),
        sa.Column("vendor", sa.String(100), nullable=False, server_default=""),
        sa.Column("tax_class", sa.String(16), sa.ForeignKey("tax_classes.code"), nullable=False),
        sa.Column("unit", sa.String(8), nullable=False, server_default="each"),
        sa.Column("price", sa.BigInteger, nullable=False),
        sa.Column("price_per", sa.Integer, nullable=False, server_default="1"),
        sa.Column("cost", sa.BigInteger),
        sa.Column("reorder_point", sa.BigInteger),
        sa.Column("par_level", sa.BigInteger),
        sa.Column("min_age", sa.Integer),
        sa.Column("max_per_sale", sa.BigInteger),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("version", sa.BigInteger, nullable=False, unique=True),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.CheckConstraint("unit IN ('each', 'g', 'ml')", name="unit"),
        sa.CheckConstraint("price >= 0", name="price"),
    )
    op.create_table(
        "barcodes",
        sa.Column("key", sa.String(48), primary_key=True),
        sa.Column("sku", sa.String(64), sa.ForeignKey("products.sku"), nullable=False,
                  index=True),
        sa.Column("code", sa.String(48), nullable=False),
        sa.Column("multiplier", sa.Integer, nullable=False, server_default="1"),
        sa.Column("pack_price", sa.BigInteger),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "store_prices",
        sa.Column("store", sa.String(16), sa.ForeignKey("stores.code"), primary_key=True),
        sa.Column("sku", sa.String(64), sa.ForeignKey("products.sku"), primary_key=True),
        sa.Column("price", sa.BigInteger, nullable=False),
        sa.CheckConstraint("price >= 0", name="price"),
    )
    op.create_table(
        "events",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("store", sa.String(16), nullable=False),
        sa.Column("register_id", sa.Integer, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("occurred_at", UtcDateTime, nullable=False),
        sa.Column("received_at", UtcDateTime, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
    )
    op.create_table(
        "movements",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("movement_id", sa.String(36), nullable=False, unique=True),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("store", sa.String(16), nullable=False),
        sa.Column("register_id", sa.Integer, nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("quantity", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False, server_default=""),
        sa.Column("reference", sa.String(200), nullable=False, server_default=""),
        sa.Column("unit_cost", sa.BigInteger),
        sa.Column("occurred_at", sa.String(40), nullable=False),
        sa.Column("seq", sa.BigInteger),
        sa.Column("hash", sa.String(64)),
    )
    op.create_index("ix_movements_store_id", "movements", ["store", "id"])
    op.create_table(
        "stock_levels",
        sa.Column("store", sa.String(16), primary_key=True),
        sa.Column("sku", sa.String(64), primary_key=True),
        sa.Column("on_hand", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_stock_levels_sku", "stock_levels", ["sku"])
    op.create_table(
        "unknown_skus",
        sa.Column("sku", sa.String(64), primary_key=True),
        sa.Column("store", sa.String(16), primary_key=True),
        sa.Column("first_event_id", sa.String(36), nullable=False),
        sa.Column("first_seen_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "product_proposals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("store", sa.String(16), nullable=False),
        sa.Column("register_id", sa.Integer, nullable=False),
        sa.Column("sku", sa.String(64), nullable=False, index=True),
        sa.Column("product", sa.Text, nullable=False),
        sa.Column("status", sa.String(12), nullable=False, server_default="pending"),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("decided_at", UtcDateTime),
        sa.Column("note", sa.String(200), nullable=False, server_default=""),
        sa.CheckConstraint("status IN ('pending', 'accepted', 'rejected', 'superseded')",
                           name="status"),
    )
    op.bulk_insert(counters, [{"name": "catalog_version", "value": 0}])
    op.bulk_insert(tax_classes, [
        {"code": "STD", "name": "Standard rate"},
        {"code": "RED", "name": "Reduced rate"},
        {"code": "ZERO", "name": "Zero rated"},
    ])


def downgrade() -> None:
    for name in ("product_proposals", "unknown_skus", "stock_levels", "movements", "events",
                 "store_prices", "barcodes", "products", "tax_classes", "counters", "admins",
                 "admin_tokens", "enrollment_codes", "registers", "stores"):
        op.drop_table(name)
