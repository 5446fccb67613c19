"""The central's tables (SQLAlchemy Core). Migrations in ``migrations/versions`` create exactly
these; ``tests/central/test_migrations.py`` keeps the two equal.

Store codes are the natural key everywhere (``S1``). ``events`` and ``movements`` are
append-only; ``movements.id`` is the cursor registers page ``GET /movements`` with, and
``products.version`` the catalog version (each changed product takes the next value of the
``catalog_version`` counter, so versions are unique and pages never split a version).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    true,
)

from pos_central.db.types import BigId, UtcDateTime

metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

stores = Table(
    "stores", metadata,
    Column("code", String(16), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

registers = Table(
    "registers", metadata,
    Column("id", Integer, primary_key=True),
    Column("store", String(16), ForeignKey("stores.code"), nullable=False),
    Column("code", String(16), nullable=False),
    Column("token_hash", String(64), unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("enrolled_at", UtcDateTime),
    Column("revoked_at", UtcDateTime),
    Column("last_contact_at", UtcDateTime),
    Column("last_event_at", UtcDateTime),
    Column("last_seq", BigInteger),
    Column("events_held", BigInteger, nullable=False, server_default="0"),
    Column("pending_reported", BigInteger),
    Column("pending_reported_at", UtcDateTime),
    UniqueConstraint("store", "code"),
)

enrollment_codes = Table(
    "enrollment_codes", metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("register_id", Integer, ForeignKey("registers.id"), nullable=False, index=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime),
)

admin_tokens = Table(
    "admin_tokens", metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("label", String(200), nullable=False, server_default=""),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
)

admins = Table(
    "admins", metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("disabled_at", UtcDateTime),
    # dashboard rights: 'admin' changes things, 'owner' only looks (migration 0002)
    Column("role", String(8), nullable=False, server_default="admin"),
    CheckConstraint("role IN ('admin', 'owner')", name="role"),
)

# Dashboard sign-ins: the cookie's token is kept only as its sha256 (migration 0002).
admin_sessions = Table(
    "admin_sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("admin_id", Integer, ForeignKey("admins.id"), nullable=False, index=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

# Failed dashboard sign-ins, for throttling (per user name and per address).
login_failures = Table(
    "login_failures", metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False),
    Column("remote", String(64), nullable=False),
    Column("failed_at", UtcDateTime, nullable=False),
    Index("ix_login_failures_username_failed_at", "username", "failed_at"),
    Index("ix_login_failures_remote_failed_at", "remote", "failed_at"),
)

counters = Table(
    "counters", metadata,
    Column("name", String(32), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

tax_classes = Table(
    "tax_classes", metadata,
    Column("code", String(16), primary_key=True),
    Column("name", String(100), nullable=False),
)

products = Table(
    "products", metadata,
    Column("sku", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("variant", String(100), nullable=False, server_default=""),
    Column("product_group", String(100), nullable=False, server_default=""),
    Column("department", String(100), nullable=False, server_default=""),
    Column("vendor", String(100), nullable=False, server_default=""),
    Column("tax_class", String(16), ForeignKey("tax_classes.code"), nullable=False),
    Column("unit", String(8), nullable=False, server_default="each"),
    Column("price", BigInteger, nullable=False),
    Column("price_per", Integer, nullable=False, server_default="1"),
    Column("cost", BigInteger),
    Column("reorder_point", BigInteger),
    Column("par_level", BigInteger),
    Column("min_age", Integer),
    Column("max_per_sale", BigInteger),
    Column("active", Boolean, nullable=False, server_default=true()),
    Column("version", BigInteger, nullable=False, unique=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("deposit", String(16)),  # retail (0005): deposit_types.code, per base unit
    Column("tare", BigInteger),  # retail (0005): base units off a weight taken at the register
    CheckConstraint("unit IN ('each', 'g', 'ml')", name="unit"),
    CheckConstraint("price >= 0", name="price"),
)

barcodes = Table(
    "barcodes", metadata,
    Column("key", String(48), primary_key=True),
    Column("sku", String(64), ForeignKey("products.sku"), nullable=False, index=True),
    Column("code", String(48), nullable=False),
    Column("multiplier", Integer, nullable=False, server_default="1"),
    Column("pack_price", BigInteger),
    Column("position", Integer, nullable=False, server_default="0"),
)

store_prices = Table(
    "store_prices", metadata,
    Column("store", String(16), ForeignKey("stores.code"), primary_key=True),
    Column("sku", String(64), ForeignKey("products.sku"), primary_key=True),
    Column("price", BigInteger, nullable=False),
    CheckConstraint("price >= 0", name="price"),
)

# Every authenticated, well-formed event, once per event_id (the idempotency key).
events = Table(
    "events", metadata,
    Column("id", BigId, primary_key=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("store", String(16), nullable=False),
    Column("register_id", Integer, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("type", String(40), nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("payload", Text, nullable=False),
    Index("ix_events_type_occurred_at", "type", "occurred_at"),  # dashboard sales (0002)
)

# The movements those events carry, once per movement id; ``id`` is the /movements cursor.
movements = Table(
    "movements", metadata,
    Column("id", BigId, primary_key=True),
    Column("movement_id", String(36), nullable=False, unique=True),
    Column("event_id", String(36), nullable=False),
    Column("store", String(16), nullable=False),
    Column("register_id", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    Column("quantity", BigInteger, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("reason", String(200), nullable=False, server_default=""),
    Column("reference", String(200), nullable=False, server_default=""),
    Column("unit_cost", BigInteger),
    # exactly as the register sent it (its hash covers this text); ISO-8601 UTC
    Column("occurred_at", String(40), nullable=False),
    Column("seq", BigInteger),
    Column("hash", String(64)),
    Index("ix_movements_store_id", "store", "id"),
)

# On-hand per store and SKU (also SKUs the catalog does not know yet), kept by ingest.
stock_levels = Table(
    "stock_levels", metadata,
    Column("store", String(16), primary_key=True),
    Column("sku", String(64), primary_key=True),
    Column("on_hand", BigInteger, nullable=False),
    Index("ix_stock_levels_sku", "sku"),
)

# SKUs that arrived in movements before the catalog knew them; cleared when the product is
# imported or a proposal for it is accepted.
unknown_skus = Table(
    "unknown_skus", metadata,
    Column("sku", String(64), primary_key=True),
    Column("store", String(16), primary_key=True),
    Column("first_event_id", String(36), nullable=False),
    Column("first_seen_at", UtcDateTime, nullable=False),
)

product_proposals = Table(
    "product_proposals", metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("store", String(16), nullable=False),
    Column("register_id", Integer, nullable=False),
    Column("sku", String(64), nullable=False, index=True),
    Column("product", Text, nullable=False),
    Column("status", String(12), nullable=False, server_default="pending"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("decided_at", UtcDateTime),
    Column("note", String(200), nullable=False, server_default=""),
    CheckConstraint("status IN ('pending', 'accepted', 'rejected', 'superseded')",
                    name="status"),
)

CATALOG_VERSION = "catalog_version"
DEFAULT_TAX_CLASSES = {"STD": "Standard rate", "RED": "Reduced rate", "ZERO": "Zero rated"}

# -- purchase orders and per-store stock parameters (migration 0003) --------------------------
# A PO per store and vendor; ``number`` is per store (PO-S1-000012, counter ``po:S1``). A PO a
# register drafted keeps the register's id (``purchase_order.drafted`` is idempotent by it).
purchase_orders = Table(
    "purchase_orders", metadata,
    Column("id", String(36), primary_key=True),
    Column("number", String(40), nullable=False, unique=True),
    Column("store", String(16), ForeignKey("stores.code"), nullable=False),
    Column("vendor", String(100), nullable=False),
    Column("status", String(20), nullable=False),
    Column("origin", String(10), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
    Column("note", String(200), nullable=False, server_default=""),
    CheckConstraint("status IN ('draft', 'sent', 'partially_received', 'received', "
                    "'cancelled')", name="status"),
    CheckConstraint("origin IN ('central', 'register')", name="origin"),
    Index("ix_purchase_orders_store_status", "store", "status"),
)

purchase_order_lines = Table(
    "purchase_order_lines", metadata,
    Column("po_id", String(36), ForeignKey("purchase_orders.id"), primary_key=True),
    Column("sku", String(64), primary_key=True),
    Column("ordered", BigInteger, nullable=False),
    Column("received", BigInteger, nullable=False, server_default="0"),
    Column("unit_cost", BigInteger),
    CheckConstraint("ordered > 0", name="ordered"),
)

# A store's own reorder point and par level for a product (the register's ``reorder.set``);
# preferred over the catalog product's values.
store_stock_params = Table(
    "store_stock_params", metadata,
    Column("store", String(16), primary_key=True),
    Column("sku", String(64), primary_key=True),
    Column("reorder_point", BigInteger),
    Column("par_level", BigInteger),
    Column("updated_at", UtcDateTime, nullable=False),
)

# -- register health (migration 0006) ---------------------------------------------------------
# What each register reports about itself in request headers (``wire.Health``): its clock
# skew (this server's time at the request's arrival minus the register's clock when it sent
# it, in milliseconds) and how many events it has quarantined. No row: an older register that
# sends no such headers.
register_health = Table(
    "register_health", metadata,
    Column("register_id", Integer, ForeignKey("registers.id"), primary_key=True),
    Column("clock_skew_ms", BigInteger),
    Column("clock_checked_at", UtcDateTime),
    Column("quarantined", BigInteger),
    Column("quarantined_at", UtcDateTime),
)

# -- transfers between stores (migration 0004) ------------------------------------------------
# Made by the sender's ``stock.transferred_out`` (its register's transfer id and number) and
# closed by the receiver's ``stock.transferred_in``; the stock itself moves through the events'
# movements like any other. ``problem`` flags what a person should look at (a transfer to an
# unknown store or to its own, one received twice or by another store); NULL when fine.
transfers = Table(
    "transfers", metadata,
    Column("id", String(36), primary_key=True),
    Column("number", String(60), nullable=False, index=True),
    Column("from_store", String(16), nullable=False),
    Column("to_store", String(16), nullable=False),
    Column("status", String(30), nullable=False),
    Column("sent_at", UtcDateTime),  # NULL: the receipt arrived before the sender's event
    Column("received_at", UtcDateTime),
    Column("problem", String(300)),
    CheckConstraint("status IN ('in_transit', 'received', 'received_with_discrepancies')",
                    name="status"),
    Index("ix_transfers_to_store_status", "to_store", "status"),
    Index("ix_transfers_status_received_at", "status", "received_at"),
)

transfer_lines = Table(
    "transfer_lines", metadata,
    Column("transfer_id", String(36), ForeignKey("transfers.id"), primary_key=True),
    Column("sku", String(64), primary_key=True),
    Column("sent", BigInteger, nullable=False, server_default="0"),
    Column("received", BigInteger),  # good units; NULL until received
    Column("damaged", BigInteger, nullable=False, server_default="0"),
)

# -- retail rules: promotions and deposits (issue 10, migration 0005) -------------------------
# Part of the catalog the registers pull: each change takes the next catalog_version, like a
# product, so ``GET /catalog?since=V`` sends what changed. ``rule`` is wire.PromotionRule's JSON.
promotions = Table(
    "promotions", metadata,
    Column("promo_id", String(64), primary_key=True),
    Column("label", String(60), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("rule", Text, nullable=False),
    Column("active", Boolean, nullable=False, server_default=true()),
    Column("version", BigInteger, nullable=False, unique=True),
    Column("updated_at", UtcDateTime, nullable=False),
)

deposit_types = Table(
    "deposit_types", metadata,
    Column("code", String(16), primary_key=True),
    Column("name", String(60), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("tax_class", String(16), ForeignKey("tax_classes.code")),
    Column("active", Boolean, nullable=False, server_default=true()),
    Column("version", BigInteger, nullable=False, unique=True),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint("amount >= 0", name="amount"),
)


# -- retail: a pack barcode's own deposit, the crate (issue 10, migration 0005) -----------------
# Kept apart from ``barcodes`` so a catalog import that rewrites a product's barcodes keeps it;
# sent to registers as the barcode's optional ``deposit``.
barcode_deposits = Table(
    "barcode_deposits", metadata,
    Column("key", String(48), primary_key=True),  # barcodes.key (normalised code)
    Column("deposit", String(16), ForeignKey("deposit_types.code"), nullable=False),
)
