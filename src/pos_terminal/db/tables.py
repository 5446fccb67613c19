"""The register database's tables (SQLAlchemy Core). Alembic migrations create them.

Money columns are integer minor units; quantities integer base units; timestamps ISO-8601 UTC
text. ``stock_movements`` is the append-only ledger (triggers refuse UPDATE and DELETE, and an
AFTER INSERT trigger keeps ``stock_levels`` equal to its sum per product).
"""

from __future__ import annotations

from sqlalchemy import (
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
)

metadata = MetaData()

register_info = Table(
    "register_info", metadata,
    Column("id", Integer, primary_key=True),
    Column("store", String, nullable=False),
    Column("register", String, nullable=False),
    Column("currency", String, nullable=False),
    Column("created_at", String, nullable=False),
    CheckConstraint("id = 1", name="one_register"),
)

counters = Table(
    "counters", metadata,
    Column("name", String, primary_key=True),
    Column("value", Integer, nullable=False),
)

departments = Table(
    "departments", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String, nullable=False, unique=True),
)

tax_classes = Table(
    "tax_classes", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String, nullable=False, unique=True),
    Column("name", String, nullable=False),
    Column("rate_ppm", Integer, nullable=False),
)

vendors = Table(
    "vendors", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String, nullable=False, unique=True),
)

product_groups = Table(
    "product_groups", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String, nullable=False, unique=True),
)

products = Table(
    "products", metadata,
    Column("id", Integer, primary_key=True),
    Column("sku", String, nullable=False, unique=True),
    Column("name", String, nullable=False),
    Column("variant", String, nullable=False, server_default=""),
    Column("group_id", Integer, ForeignKey("product_groups.id")),
    Column("department_id", Integer, ForeignKey("departments.id")),
    Column("vendor_id", Integer, ForeignKey("vendors.id")),
    Column("tax_class_id", Integer, ForeignKey("tax_classes.id"), nullable=False),
    Column("unit", String, nullable=False, server_default="each"),
    Column("price", Integer, nullable=False),
    Column("price_per", Integer, nullable=False, server_default="1"),
    Column("cost", Integer),
    Column("reorder_point", Integer),
    Column("par_level", Integer),
    Column("min_age", Integer),
    Column("max_per_sale", Integer),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("updated_at", String, nullable=False),
    Column("deposit_code", String),  # retail (0008): deposit_types.code, per base unit
    Column("tare", Integer),  # retail (0008): base units off a weight entered at the register
    Index("ix_products_name", "name"),
)

barcodes = Table(
    "barcodes", metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String, nullable=False, unique=True),
    Column("code", String, nullable=False),
    Column("product_id", Integer, ForeignKey("products.id"), nullable=False),
    Column("multiplier", Integer, nullable=False, server_default="1"),
    Column("pack_price", Integer),
    # retail (0008): a deposit per scan of this (pack) barcode, on top of the per-unit ones:
    # the crate of a 20-bottle crate barcode. deposit_types.code.
    Column("deposit_code", String),
    Index("ix_barcodes_product", "product_id"),
)

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String, nullable=False, unique=True),
    Column("role", String, nullable=False),
    Column("pin_hash", String),
    Column("failed_attempts", Integer, nullable=False, server_default="0"),
    Column("locked_until", String),
    Column("active", Boolean, nullable=False, server_default="1"),
)

sales = Table(
    "sales", metadata,
    Column("id", String, primary_key=True),
    Column("receipt_no", String, nullable=False, unique=True),
    Column("training", Boolean, nullable=False),
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("completed_at", String, nullable=False),
    Column("currency", String, nullable=False),
    Column("tax_mode", String, nullable=False),
    Column("subtotal", Integer, nullable=False),
    Column("discount", Integer, nullable=False),
    Column("tax", Integer, nullable=False),
    Column("total", Integer, nullable=False),
    Column("cash_rounding", Integer, nullable=False),
    Column("change", Integer, nullable=False),
    Column("shift_id", String, ForeignKey("shifts.id")),
    Index("ix_sales_completed_at", "completed_at"),
    Index("ix_sales_shift", "shift_id"),
)

sale_lines = Table(
    "sale_lines", metadata,
    Column("id", Integer, primary_key=True),
    Column("sale_id", String, ForeignKey("sales.id"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("product_id", Integer, ForeignKey("products.id"), nullable=False),
    Column("sku", String, nullable=False),
    Column("name", String, nullable=False),
    Column("variant", String, nullable=False),
    Column("unit", String, nullable=False),
    Column("qty", Integer, nullable=False),
    Column("price", Integer, nullable=False),
    Column("price_per", Integer, nullable=False),
    Column("original_price", Integer),
    Column("gross", Integer, nullable=False),
    Column("line_discount", Integer, nullable=False),
    Column("sale_discount", Integer, nullable=False),
    Column("amount", Integer, nullable=False),
    Column("tax", Integer, nullable=False),
    Column("total", Integer, nullable=False),
    Column("tax_code", String, nullable=False),
    Column("rate_ppm", Integer, nullable=False),
    Column("negative_stock", Boolean, nullable=False, server_default="0"),
    UniqueConstraint("sale_id", "line_no"),
    Index("ix_sale_lines_product", "product_id"),
)

sale_taxes = Table(
    "sale_taxes", metadata,
    Column("id", Integer, primary_key=True),
    Column("sale_id", String, ForeignKey("sales.id"), nullable=False),
    Column("tax_code", String, nullable=False),
    Column("rate_ppm", Integer, nullable=False),
    Column("base", Integer, nullable=False),
    Column("tax", Integer, nullable=False),
    Index("ix_sale_taxes_sale", "sale_id"),
)

returns = Table(
    "returns", metadata,
    Column("id", String, primary_key=True),
    Column("return_no", String, nullable=False, unique=True),
    Column("sale_id", String, ForeignKey("sales.id")),
    Column("training", Boolean, nullable=False),
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("approver_id", Integer, ForeignKey("users.id")),
    Column("completed_at", String, nullable=False),
    Column("reason", String, nullable=False, server_default=""),
    Column("total", Integer, nullable=False),
    Column("tax", Integer, nullable=False),
    Column("cash_rounding", Integer, nullable=False),
    Column("shift_id", String, ForeignKey("shifts.id")),
    Index("ix_returns_sale", "sale_id"),
    Index("ix_returns_shift", "shift_id"),
)

return_lines = Table(
    "return_lines", metadata,
    Column("id", Integer, primary_key=True),
    Column("return_id", String, ForeignKey("returns.id"), nullable=False),
    Column("sale_line_id", Integer, ForeignKey("sale_lines.id")),
    Column("product_id", Integer, ForeignKey("products.id"), nullable=False),
    Column("qty", Integer, nullable=False),
    Column("amount", Integer, nullable=False),
    Column("tax", Integer, nullable=False),
    Column("restock", Boolean, nullable=False),
    Index("ix_return_lines_sale_line", "sale_line_id"),
)

payments = Table(
    "payments", metadata,
    Column("id", Integer, primary_key=True),
    Column("sale_id", String, ForeignKey("sales.id")),
    Column("return_id", String, ForeignKey("returns.id")),
    Column("kind", String, nullable=False),
    Column("amount", Integer, nullable=False),
    Column("tendered", Integer, nullable=False),
    Column("change", Integer, nullable=False),
    Column("reference", String, nullable=False, server_default=""),
    Column("attempt_id", String),  # payments (0011): the card terminal attempt it came from
    Index("ix_payments_sale", "sale_id"),
)

parked_sales = Table(
    "parked_sales", metadata,
    Column("id", Integer, primary_key=True),
    Column("parked_at", String, nullable=False),
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("label", String, nullable=False, server_default=""),
    Column("cart", Text, nullable=False),
)

# The sale in progress of each cashier, saved after every change (domain/open_sale.py format);
# ``id`` becomes the sale's id when it completes (migration 0010).
open_sales = Table(
    "open_sales", metadata,
    Column("id", String, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, unique=True),
    Column("training", Boolean, nullable=False),
    Column("started_at", String, nullable=False),
    Column("updated_at", String, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("state", Text, nullable=False),
)

deliveries = Table(
    "deliveries", metadata,
    Column("id", String, primary_key=True),
    Column("reference", String, nullable=False, server_default=""),
    Column("received_at", String, nullable=False),
    Column("user_id", Integer, ForeignKey("users.id")),
)

# Legacy: one-item counts of the first release (0001), before count sessions (0005). Nothing
# writes it now; kept for old data. Counts live in count_sessions/count_lines; reports
# (shrinkage) read the count_variance movements from the ledger, old and new alike.
stock_counts = Table(
    "stock_counts", metadata,
    Column("id", String, primary_key=True),
    Column("product_id", Integer, ForeignKey("products.id"), nullable=False),
    Column("expected", Integer, nullable=False),
    Column("counted", Integer, nullable=False),
    Column("counted_at", String, nullable=False),
    Column("user_id", Integer, ForeignKey("users.id")),
)

stock_movements = Table(
    "stock_movements", metadata,
    Column("seq", Integer, primary_key=True),
    Column("id", String, nullable=False, unique=True),
    Column("product_id", Integer, ForeignKey("products.id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("kind", String, nullable=False),
    Column("reason", String, nullable=False, server_default=""),
    Column("reference", String, nullable=False, server_default=""),
    Column("unit_cost", Integer),
    Column("occurred_at", String, nullable=False),
    Column("user_id", Integer),
    Column("terminal", String, nullable=False),
    Column("prev_hash", String, nullable=False),
    Column("hash", String, nullable=False),
    Index("ix_stock_movements_product", "product_id", "seq"),
    Index("ix_stock_movements_terminal", "terminal", "seq"),
)

stock_levels = Table(
    "stock_levels", metadata,
    Column("product_id", Integer, ForeignKey("products.id"), primary_key=True),
    Column("on_hand", Integer, nullable=False),
)

outbox = Table(
    "outbox", metadata,
    Column("seq", Integer, primary_key=True),
    Column("event_id", String, nullable=False, unique=True),
    Column("type", String, nullable=False),
    Column("occurred_at", String, nullable=False),
    Column("payload", Text, nullable=False),
    Column("sent_at", String),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", String),
    # pending | sent | quarantined (the central rejected it: last_error says why)
    Column("status", String, nullable=False, server_default="pending"),
    Column("quarantined_at", String),
    CheckConstraint("status IN ('pending', 'sent', 'quarantined')", name="outbox_status"),
    Index("ix_outbox_status", "status", "seq"),
)

sync_state = Table(
    "sync_state", metadata,
    Column("id", Integer, primary_key=True),
    Column("catalog_version", Integer, nullable=False, server_default="0"),
    Column("movement_cursor", Integer, nullable=False, server_default="0"),
    Column("last_success_at", String),
    Column("last_failure_at", String),
    Column("last_error", String),
    Column("catalog_warning", String),
    CheckConstraint("id = 1", name="one_sync_state"),
)

# Movements of the store's other registers, pulled from the central. They count in stock_levels
# (triggers) but are not part of this register's hash-chained ledger. product_id stays NULL until
# a product with the SKU exists here (a trigger on products binds it).
sibling_movements = Table(
    "sibling_movements", metadata,
    Column("id", Integer, primary_key=True),
    Column("movement_id", String, nullable=False, unique=True),
    Column("cursor", Integer, nullable=False),
    Column("register", String, nullable=False),
    Column("sku", String, nullable=False),
    Column("product_id", Integer, ForeignKey("products.id")),
    Column("quantity", Integer, nullable=False),
    Column("kind", String, nullable=False),
    Column("reason", String, nullable=False, server_default=""),
    Column("reference", String, nullable=False, server_default=""),
    Column("unit_cost", Integer),
    Column("occurred_at", String, nullable=False),
    Column("pulled_at", String, nullable=False),
    Index("ix_sibling_movements_product", "product_id"),
    Index("ix_sibling_movements_sku", "sku"),
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", String, nullable=False),
    Column("action", String, nullable=False),
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("approver_id", Integer, ForeignKey("users.id")),
    Column("reason", String, nullable=False, server_default=""),
    Column("reference", String, nullable=False, server_default=""),
    Column("detail", String, nullable=False, server_default=""),
    Column("value", Integer),  # money the override moved, minor units (migration 0009)
    Column("shift_id", String),  # the shift it counts on (X/Z); NULL: none open, or training
    Column("training", Boolean, nullable=False, server_default="0"),
    Index("ix_audit_log_shift", "shift_id"),
    Index("ix_audit_log_at", "at"),
)

shifts = Table(
    "shifts", metadata,
    Column("id", String, primary_key=True),
    Column("number", Integer, nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("opened_at", String, nullable=False),
    Column("opening_float", Integer, nullable=False),
    Column("closed_at", String),
    Column("closed_by", Integer, ForeignKey("users.id")),
    Column("expected_cash", Integer),
    Column("counted_cash", Integer),
    Column("denominations", Text),
    Column("status", String, nullable=False),
    # a manager's sign-off of a count difference beyond [cash] close_difference_limit (0009)
    Column("close_approver_id", Integer),
    Column("close_reason", String),
    Index("ix_shifts_status", "status"),
)

cash_movements = Table(
    "cash_movements", metadata,
    Column("id", Integer, primary_key=True),
    Column("shift_id", String, ForeignKey("shifts.id"), nullable=False),
    Column("at", String, nullable=False),
    Column("kind", String, nullable=False),  # paid_in | paid_out
    Column("amount", Integer, nullable=False),
    Column("reason", String, nullable=False),
    Column("user_id", Integer, ForeignKey("users.id")),
    Index("ix_cash_movements_shift", "shift_id"),
)

print_jobs = Table(
    "print_jobs", metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", String, nullable=False),
    Column("kind", String, nullable=False),  # receipt | return | report | test
    Column("reference", String, nullable=False),  # sale id, return id, shift id ...
    Column("copy", Boolean, nullable=False, server_default="0"),
    Column("status", String, nullable=False, server_default="queued"),  # queued|done|failed
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", String),
    Column("printed_at", String),
    Index("ix_print_jobs_status", "status", "id"),
)

# -- report aggregates (kept by triggers, migration 0004) -------------------------------------
agg_sales_hour = Table(
    "agg_sales_hour", metadata,
    Column("hour", String, primary_key=True),
    Column("sales", Integer, nullable=False),
    Column("gross", Integer, nullable=False),
    Column("discount", Integer, nullable=False),
    Column("net", Integer, nullable=False),
    Column("tax", Integer, nullable=False),
)

agg_dept_hour = Table(
    "agg_dept_hour", metadata,
    Column("hour", String, primary_key=True),
    Column("department_id", Integer, primary_key=True),
    Column("units", Integer, nullable=False),
    Column("net", Integer, nullable=False),
)

agg_tax_hour = Table(
    "agg_tax_hour", metadata,
    Column("hour", String, primary_key=True),
    Column("tax_code", String, primary_key=True),
    Column("rate_ppm", Integer, primary_key=True),
    Column("base", Integer, nullable=False),
    Column("tax", Integer, nullable=False),
)

agg_tender_hour = Table(
    "agg_tender_hour", metadata,
    Column("hour", String, primary_key=True),
    Column("kind", String, primary_key=True),
    Column("amount", Integer, nullable=False),
)

agg_product_day = Table(
    "agg_product_day", metadata,
    Column("day", String, primary_key=True),
    Column("product_id", Integer, primary_key=True),
    Column("units", Integer, nullable=False),
    Column("net", Integer, nullable=False),
)

agg_shift = Table(
    "agg_shift", metadata,
    Column("shift_id", String, primary_key=True),
    Column("sales", Integer, nullable=False),
    Column("gross", Integer, nullable=False),
    Column("discount", Integer, nullable=False),
    Column("net", Integer, nullable=False),
    Column("rounding", Integer, nullable=False),
)

agg_shift_tax = Table(
    "agg_shift_tax", metadata,
    Column("shift_id", String, primary_key=True),
    Column("tax_code", String, primary_key=True),
    Column("tax", Integer, nullable=False),
)

agg_shift_tender = Table(
    "agg_shift_tender", metadata,
    Column("shift_id", String, primary_key=True),
    Column("kind", String, primary_key=True),
    Column("amount", Integer, nullable=False),
)


# -- retail rules: promotions, deposits, weighed goods (issue 10, migration 0008) -------------
# Promotions and deposit types come from the central catalog; ``rule`` is the wire JSON
# (pos_protocol.wire.PromotionRule), turned into engine objects once per catalog version.
promotions = Table(
    "promotions", metadata,
    Column("promo_id", String, primary_key=True),
    Column("label", String, nullable=False),
    Column("kind", String, nullable=False),
    Column("rule", Text, nullable=False),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("updated_at", String, nullable=False),
)

deposit_types = Table(
    "deposit_types", metadata,
    Column("code", String, primary_key=True),
    Column("name", String, nullable=False),
    Column("amount", Integer, nullable=False),
    Column("tax_code", String),  # NULL: the store's [retail] deposit_tax rule decides
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("updated_at", String, nullable=False),
)

# Per sale line: the promotion saving (already inside sale_lines.line_discount) and its name,
# and the tare taken off a weight entered at the register. Only lines that have either.
sale_line_retail = Table(
    "sale_line_retail", metadata,
    Column("id", Integer, primary_key=True),
    Column("sale_id", String, ForeignKey("sales.id"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("promo_saving", Integer, nullable=False, server_default="0"),
    Column("promo_label", String, nullable=False, server_default=""),
    Column("tare", Integer),
    UniqueConstraint("sale_id", "line_no"),
)

# Deposits charged on a sale: one row under each item line that carries one (not stock).
sale_deposits = Table(
    "sale_deposits", metadata,
    Column("id", Integer, primary_key=True),
    Column("sale_id", String, ForeignKey("sales.id"), nullable=False),
    Column("line_no", Integer, nullable=False),  # the item line
    Column("code", String, nullable=False),
    Column("name", String, nullable=False),
    Column("qty", Integer, nullable=False),
    Column("unit_amount", Integer, nullable=False),
    Column("amount", Integer, nullable=False),
    Column("tax", Integer, nullable=False),
    Column("total", Integer, nullable=False),
    Column("tax_code", String, nullable=False),
    Column("rate_ppm", Integer, nullable=False),
    Column("refunded", Integer, nullable=False, server_default="0"),  # by returns of the item
    Index("ix_sale_deposits_sale", "sale_id"),
)

# Empties taken back without a sale: paid out in cash (a paid_out cash movement in the shift)
# or as a voucher the sale screen takes once as a tender (redeemed_sale_id set then).
deposit_refunds = Table(
    "deposit_refunds", metadata,
    Column("id", String, primary_key=True),
    Column("refund_no", String, nullable=False, unique=True),
    Column("completed_at", String, nullable=False),
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("shift_id", String, ForeignKey("shifts.id")),
    Column("training", Boolean, nullable=False),
    Column("method", String, nullable=False),
    Column("total", Integer, nullable=False),
    Column("tax", Integer, nullable=False),
    Column("lines", Text, nullable=False),  # JSON: [{code, name, qty, unit_amount, amount, tax}]
    Column("voucher_code", String, unique=True),
    Column("redeemed_sale_id", String, ForeignKey("sales.id")),
    Column("redeemed_at", String),
    CheckConstraint("method IN ('cash', 'voucher')", name="deposit_refund_method"),
)

# -- stock counts and per-store reorder levels (issue 6: counting; migration 0005) -------------
count_sessions = Table(
    "count_sessions", metadata,
    Column("id", String, primary_key=True),
    Column("number", Integer, nullable=False, unique=True),
    Column("scope_kind", String, nullable=False),  # department | shelf | sample | all | items
    Column("scope", Text, nullable=False),  # JSON: the department, codes or sample size chosen
    Column("blind", Boolean, nullable=False),
    Column("status", String, nullable=False, server_default="open"),  # open|posted|cancelled
    Column("recount_units", Integer, nullable=False),  # flag |variance| >= max(units, ppm)
    Column("recount_ppm", Integer, nullable=False),
    Column("uncounted", String),  # skip | zero: the manager's choice at posting
    Column("opened_at", String, nullable=False),
    Column("opened_by", Integer, ForeignKey("users.id")),
    Column("closed_at", String),
    Column("closed_by", Integer, ForeignKey("users.id")),
    CheckConstraint("status IN ('open', 'posted', 'cancelled')", name="count_session_status"),
    Index("ix_count_sessions_status", "status"),
)

# One row per product in a session's scope; counted stays NULL until the product is counted.
count_lines = Table(
    "count_lines", metadata,
    Column("session_id", String, ForeignKey("count_sessions.id"), primary_key=True),
    Column("product_id", Integer, ForeignKey("products.id"), primary_key=True),
    Column("counted", Integer),
    Column("on_hand_at_count", Integer),  # on-hand when (re)counted: the variance's base
    Column("counted_at", String),
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("sibling_mark", Integer),  # newest sibling_movements.id the on-hand included
    Column("late", Integer, nullable=False, server_default="0"),  # see services/counting.py
    Column("recount", Integer, nullable=False, server_default="0"),  # 0 -, 1 flagged, 2 redone
    Column("first_count", Integer),  # what the count said before a recount replaced it
    Column("variance", Integer),  # the delta posted
    Index("ix_count_lines_product", "product_id", "counted_at"),
)

# A manager's reorder point and par level for this store; a row overrides the catalog's values.
reorder_levels = Table(
    "reorder_levels", metadata,
    Column("product_id", Integer, ForeignKey("products.id"), primary_key=True),
    Column("reorder_point", Integer),
    Column("par_level", Integer),
    Column("updated_at", String, nullable=False),
    Column("user_id", Integer, ForeignKey("users.id")),
)

# The shrinkage report reads adjustments and count variances of a period through this index.
Index("ix_stock_movements_kind_at", stock_movements.c.kind, stock_movements.c.occurred_at)

# -- transfers between stores (issue 6: transfers; migration 0007) ----------------------------
# The other stores the central knows (GET /stores, refreshed by every sync pull): the targets a
# transfer may name. Empty until the first pull; then a transfer to a store not listed is refused.
known_stores = Table(
    "known_stores", metadata,
    Column("code", String, primary_key=True),
    Column("name", String, nullable=False, server_default=""),
    Column("pulled_at", String, nullable=False),
)

# Transfers this register sent (direction 'out', status 'sent') and transfers to this store
# pulled from the central (direction 'in'): 'pending' until received here ('received'), or
# 'closed' once the central no longer lists it (another register of the store received it).
transfers = Table(
    "transfers", metadata,
    Column("id", String, primary_key=True),
    Column("number", String, nullable=False),
    Column("direction", String, nullable=False),
    Column("from_store", String, nullable=False),
    Column("to_store", String, nullable=False),
    Column("status", String, nullable=False),
    Column("sent_at", String),
    Column("received_at", String),
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("pulled_at", String),
    CheckConstraint("direction IN ('out', 'in')", name="transfer_direction"),
    CheckConstraint("status IN ('sent', 'pending', 'received', 'closed')",
                    name="transfer_status"),
    Index("ix_transfers_direction_status", "direction", "status"),
)

transfer_lines = Table(
    "transfer_lines", metadata,
    Column("transfer_id", String, ForeignKey("transfers.id"), primary_key=True),
    Column("sku", String, primary_key=True),
    Column("sent", Integer, nullable=False),
    Column("received", Integer),  # good units put on hand here (NULL until received)
    Column("damaged", Integer, nullable=False, server_default="0"),  # arrived unsellable
)

# -- purchase orders and receiving (issue 6: receiving; migration 0006) -----------------------
# This store's open POs as last pulled from the central (each pull replaces them all).
purchase_orders = Table(
    "purchase_orders", metadata,
    Column("id", String, primary_key=True),
    Column("number", String, nullable=False),
    Column("vendor", String, nullable=False),
    Column("status", String, nullable=False),
    Column("origin", String, nullable=False),
    Column("created_at", String, nullable=False),
    Column("sent_at", String),
    Column("note", String, nullable=False, server_default=""),
    Column("pulled_at", String, nullable=False),
)

purchase_order_lines = Table(
    "purchase_order_lines", metadata,
    Column("po_id", String, ForeignKey("purchase_orders.id"), primary_key=True),
    Column("sku", String, primary_key=True),
    Column("ordered", Integer, nullable=False),
    Column("received", Integer, nullable=False),  # at the central, as pulled
    Column("unit_cost", Integer),
)

# POs a manager drafted here; sent up as ``purchase_order.drafted`` (same id) and shown as
# open until a pull brings them back from the central.
po_drafts = Table(
    "po_drafts", metadata,
    Column("id", String, primary_key=True),
    Column("vendor", String, nullable=False),
    Column("note", String, nullable=False, server_default=""),
    Column("lines", Text, nullable=False),  # JSON [{"sku", "quantity", "unit_cost"}]
    Column("created_at", String, nullable=False),
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("event_id", String, nullable=False),  # its purchase_order.drafted outbox event
)

# A delivery being received (``open``: survives a restart) and, once ``posted``, its record:
# ``id`` is then also the ``deliveries`` row and the ``receive`` movements' reference.
receivings = Table(
    "receivings", metadata,
    Column("id", String, primary_key=True),
    Column("po_id", String),  # NULL: a free delivery from a vendor
    Column("po_number", String, nullable=False, server_default=""),
    Column("vendor", String, nullable=False),
    Column("reference", String, nullable=False, server_default=""),  # the delivery note
    Column("status", String, nullable=False, server_default="open"),
    Column("started_at", String, nullable=False),
    Column("posted_at", String),
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("event_id", String),  # the stock.received outbox event, once posted
    CheckConstraint("status IN ('open', 'posted', 'cancelled')", name="receiving_status"),
    Index("ix_receivings_status", "status"),
)

receiving_lines = Table(
    "receiving_lines", metadata,
    Column("id", Integer, primary_key=True),
    Column("receiving_id", String, ForeignKey("receivings.id"), nullable=False),
    Column("product_id", Integer, ForeignKey("products.id"), nullable=False),
    Column("sku", String, nullable=False),
    Column("on_po", Boolean, nullable=False),
    Column("ordered", Integer, nullable=False, server_default="0"),  # on the PO
    Column("before", Integer, nullable=False, server_default="0"),  # received earlier
    Column("counted", Integer, nullable=False, server_default="0"),  # arrived now, all of it
    Column("damaged", Integer, nullable=False, server_default="0"),  # of counted; not on hand
    Column("unit_cost", Integer),
    Column("seq", Integer, nullable=False),  # scan order, for the screen
    UniqueConstraint("receiving_id", "product_id"),
)

delivery_discrepancies = Table(
    "delivery_discrepancies", metadata,
    Column("id", Integer, primary_key=True),
    Column("receiving_id", String, ForeignKey("receivings.id"), nullable=False),
    Column("sku", String, nullable=False),
    Column("kind", String, nullable=False),  # over | short | damaged | unexpected
    Column("quantity", Integer, nullable=False),
    Index("ix_delivery_discrepancies_receiving", "receiving_id"),
)


# -- retail: deposits given back by returns (issue 10, migration 0008) --------------------------
# One row per deposit a return refunds: against a receipt (sale_deposit_id: the charged row, so
# partial returns add up exactly) or blind (at the catalog's deposit). Printed on the return slip.
return_deposits = Table(
    "return_deposits", metadata,
    Column("id", Integer, primary_key=True),
    Column("return_id", String, ForeignKey("returns.id"), nullable=False),
    Column("sale_deposit_id", Integer, ForeignKey("sale_deposits.id")),
    Column("code", String, nullable=False),
    Column("name", String, nullable=False),
    Column("qty", Integer, nullable=False),  # containers
    Column("unit_amount", Integer, nullable=False),
    Column("amount", Integer, nullable=False),  # refunded, tax included
    Column("tax", Integer, nullable=False),
    Column("tax_code", String, nullable=False),
    Column("rate_ppm", Integer, nullable=False),
    Index("ix_return_deposits_return", "return_id"),
    Index("ix_return_deposits_sale_deposit", "sale_deposit_id"),
)


# -- card terminal payments (0011) --------------------------------------------------------------
payment_attempts = Table(
    "payment_attempts", metadata,
    Column("id", String, primary_key=True),
    Column("created_at", String, nullable=False),
    Column("updated_at", String, nullable=False),
    Column("kind", String, nullable=False),  # payment | refund | reversal
    # pending (written, nothing sent) | sent | approved | declined | aborted | failed (not
    # sent or nothing charged) | unknown (no answer, terminal not reachable) | recorded (its
    # sale or return is committed) | reversed (voided at the terminal)
    Column("state", String, nullable=False),
    Column("sale_ref", String, nullable=False),  # the open sale, or the receipt refunded
    Column("sale_id", String, ForeignKey("sales.id")),
    Column("return_id", String, ForeignKey("returns.id")),
    Column("original_id", String),
    Column("amount", Integer, nullable=False),
    Column("currency", String, nullable=False),
    Column("terminal", String, nullable=False),
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("approver_id", Integer, ForeignKey("users.id")),
    Column("training", Boolean, nullable=False, server_default="0"),
    Column("shift_id", String),
    Column("plan", Text),
    Column("approved_amount", Integer),
    Column("message", String, nullable=False, server_default=""),
    Column("result_code", String, nullable=False, server_default=""),
    Column("masked_pan", String, nullable=False, server_default=""),
    Column("brand", String, nullable=False, server_default=""),
    Column("terminal_id", String, nullable=False, server_default=""),
    Column("trace_no", String, nullable=False, server_default=""),
    Column("receipt_no", String, nullable=False, server_default=""),
    Column("auth_code", String, nullable=False, server_default=""),
    Column("transaction_ref", String, nullable=False, server_default=""),
    Column("receipt", Text),
    Index("ix_payment_attempts_state", "state"),
    Index("ix_payment_attempts_sale_ref", "sale_ref"),
)

payment_attempt_steps = Table(
    "payment_attempt_steps", metadata,
    Column("id", Integer, primary_key=True),
    Column("attempt_id", String, ForeignKey("payment_attempts.id"), nullable=False),
    Column("at", String, nullable=False),
    Column("step", String, nullable=False),
    Column("detail", String, nullable=False, server_default=""),
    Index("ix_payment_attempt_steps_attempt", "attempt_id"),
)

terminal_settlements = Table(
    "terminal_settlements", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", String, nullable=False),
    Column("shift_id", String),
    Column("since", String),
    Column("terminal", String, nullable=False),
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("terminal_count", Integer, nullable=False),
    Column("terminal_amount", Integer, nullable=False),
    Column("register_count", Integer, nullable=False),
    Column("register_amount", Integer, nullable=False),
    Column("difference", Integer, nullable=False),
    Column("detail", Text, nullable=False, server_default=""),
)
