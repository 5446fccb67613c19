"""The first schema: catalog, users, sales, returns, ledger, stock levels, outbox, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-24

Frozen DDL: later schema changes are new revisions, never edits here.
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TABLES = [
    """
CREATE TABLE counters (
    name VARCHAR NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (name)
)
    """,
    """
CREATE TABLE departments (
    id INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (name)
)
    """,
    """
CREATE TABLE outbox (
    seq INTEGER NOT NULL,
    event_id VARCHAR NOT NULL,
    type VARCHAR NOT NULL,
    occurred_at VARCHAR NOT NULL,
    payload TEXT NOT NULL,
    sent_at VARCHAR,
    attempts INTEGER DEFAULT '0' NOT NULL,
    last_error VARCHAR,
    PRIMARY KEY (seq),
    UNIQUE (event_id)
)
    """,
    """
CREATE TABLE product_groups (
    id INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (name)
)
    """,
    """
CREATE TABLE register_info (
    id INTEGER NOT NULL,
    store VARCHAR NOT NULL,
    register VARCHAR NOT NULL,
    currency VARCHAR NOT NULL,
    created_at VARCHAR NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT one_register CHECK (id = 1)
)
    """,
    """
CREATE TABLE tax_classes (
    id INTEGER NOT NULL,
    code VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    rate_ppm INTEGER NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (code)
)
    """,
    """
CREATE TABLE users (
    id INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    pin_hash VARCHAR,
    failed_attempts INTEGER DEFAULT '0' NOT NULL,
    locked_until VARCHAR,
    active BOOLEAN DEFAULT '1' NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (name)
)
    """,
    """
CREATE TABLE vendors (
    id INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (name)
)
    """,
    """
CREATE TABLE audit_log (
    id INTEGER NOT NULL,
    at VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    user_id INTEGER,
    approver_id INTEGER,
    reason VARCHAR DEFAULT '' NOT NULL,
    reference VARCHAR DEFAULT '' NOT NULL,
    detail VARCHAR DEFAULT '' NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(user_id) REFERENCES users (id),
    FOREIGN KEY(approver_id) REFERENCES users (id)
)
    """,
    """
CREATE TABLE deliveries (
    id VARCHAR NOT NULL,
    reference VARCHAR DEFAULT '' NOT NULL,
    received_at VARCHAR NOT NULL,
    user_id INTEGER,
    PRIMARY KEY (id),
    FOREIGN KEY(user_id) REFERENCES users (id)
)
    """,
    """
CREATE TABLE parked_sales (
    id INTEGER NOT NULL,
    parked_at VARCHAR NOT NULL,
    user_id INTEGER,
    label VARCHAR DEFAULT '' NOT NULL,
    cart TEXT NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(user_id) REFERENCES users (id)
)
    """,
    """
CREATE TABLE products (
    id INTEGER NOT NULL,
    sku VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    variant VARCHAR DEFAULT '' NOT NULL,
    group_id INTEGER,
    department_id INTEGER,
    vendor_id INTEGER,
    tax_class_id INTEGER NOT NULL,
    unit VARCHAR DEFAULT 'each' NOT NULL,
    price INTEGER NOT NULL,
    price_per INTEGER DEFAULT '1' NOT NULL,
    cost INTEGER,
    reorder_point INTEGER,
    par_level INTEGER,
    min_age INTEGER,
    max_per_sale INTEGER,
    active BOOLEAN DEFAULT '1' NOT NULL,
    updated_at VARCHAR NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (sku),
    FOREIGN KEY(group_id) REFERENCES product_groups (id),
    FOREIGN KEY(department_id) REFERENCES departments (id),
    FOREIGN KEY(vendor_id) REFERENCES vendors (id),
    FOREIGN KEY(tax_class_id) REFERENCES tax_classes (id)
)
    """,
    """
CREATE INDEX ix_products_name ON products (name)
    """,
    """
CREATE TABLE sales (
    id VARCHAR NOT NULL,
    receipt_no VARCHAR NOT NULL,
    training BOOLEAN NOT NULL,
    user_id INTEGER,
    completed_at VARCHAR NOT NULL,
    currency VARCHAR NOT NULL,
    tax_mode VARCHAR NOT NULL,
    subtotal INTEGER NOT NULL,
    discount INTEGER NOT NULL,
    tax INTEGER NOT NULL,
    total INTEGER NOT NULL,
    cash_rounding INTEGER NOT NULL,
    change INTEGER NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (receipt_no),
    FOREIGN KEY(user_id) REFERENCES users (id)
)
    """,
    """
CREATE INDEX ix_sales_completed_at ON sales (completed_at)
    """,
    """
CREATE TABLE barcodes (
    id INTEGER NOT NULL,
    "key" VARCHAR NOT NULL,
    code VARCHAR NOT NULL,
    product_id INTEGER NOT NULL,
    multiplier INTEGER DEFAULT '1' NOT NULL,
    pack_price INTEGER,
    PRIMARY KEY (id),
    UNIQUE ("key"),
    FOREIGN KEY(product_id) REFERENCES products (id)
)
    """,
    """
CREATE INDEX ix_barcodes_product ON barcodes (product_id)
    """,
    """
CREATE TABLE returns (
    id VARCHAR NOT NULL,
    return_no VARCHAR NOT NULL,
    sale_id VARCHAR,
    training BOOLEAN NOT NULL,
    user_id INTEGER,
    approver_id INTEGER,
    completed_at VARCHAR NOT NULL,
    reason VARCHAR DEFAULT '' NOT NULL,
    total INTEGER NOT NULL,
    tax INTEGER NOT NULL,
    cash_rounding INTEGER NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (return_no),
    FOREIGN KEY(sale_id) REFERENCES sales (id),
    FOREIGN KEY(user_id) REFERENCES users (id),
    FOREIGN KEY(approver_id) REFERENCES users (id)
)
    """,
    """
CREATE INDEX ix_returns_sale ON returns (sale_id)
    """,
    """
CREATE TABLE sale_lines (
    id INTEGER NOT NULL,
    sale_id VARCHAR NOT NULL,
    line_no INTEGER NOT NULL,
    product_id INTEGER NOT NULL,
    sku VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    variant VARCHAR NOT NULL,
    unit VARCHAR NOT NULL,
    qty INTEGER NOT NULL,
    price INTEGER NOT NULL,
    price_per INTEGER NOT NULL,
    original_price INTEGER,
    gross INTEGER NOT NULL,
    line_discount INTEGER NOT NULL,
    sale_discount INTEGER NOT NULL,
    amount INTEGER NOT NULL,
    tax INTEGER NOT NULL,
    total INTEGER NOT NULL,
    tax_code VARCHAR NOT NULL,
    rate_ppm INTEGER NOT NULL,
    negative_stock BOOLEAN DEFAULT '0' NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (sale_id, line_no),
    FOREIGN KEY(sale_id) REFERENCES sales (id),
    FOREIGN KEY(product_id) REFERENCES products (id)
)
    """,
    """
CREATE INDEX ix_sale_lines_product ON sale_lines (product_id)
    """,
    """
CREATE TABLE sale_taxes (
    id INTEGER NOT NULL,
    sale_id VARCHAR NOT NULL,
    tax_code VARCHAR NOT NULL,
    rate_ppm INTEGER NOT NULL,
    base INTEGER NOT NULL,
    tax INTEGER NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(sale_id) REFERENCES sales (id)
)
    """,
    """
CREATE INDEX ix_sale_taxes_sale ON sale_taxes (sale_id)
    """,
    """
CREATE TABLE stock_counts (
    id VARCHAR NOT NULL,
    product_id INTEGER NOT NULL,
    expected INTEGER NOT NULL,
    counted INTEGER NOT NULL,
    counted_at VARCHAR NOT NULL,
    user_id INTEGER,
    PRIMARY KEY (id),
    FOREIGN KEY(product_id) REFERENCES products (id),
    FOREIGN KEY(user_id) REFERENCES users (id)
)
    """,
    """
CREATE TABLE stock_levels (
    product_id INTEGER NOT NULL,
    on_hand INTEGER NOT NULL,
    PRIMARY KEY (product_id),
    FOREIGN KEY(product_id) REFERENCES products (id)
)
    """,
    """
CREATE TABLE stock_movements (
    seq INTEGER NOT NULL,
    id VARCHAR NOT NULL,
    product_id INTEGER NOT NULL,
    quantity INTEGER NOT NULL,
    kind VARCHAR NOT NULL,
    reason VARCHAR DEFAULT '' NOT NULL,
    reference VARCHAR DEFAULT '' NOT NULL,
    unit_cost INTEGER,
    occurred_at VARCHAR NOT NULL,
    user_id INTEGER,
    terminal VARCHAR NOT NULL,
    prev_hash VARCHAR NOT NULL,
    hash VARCHAR NOT NULL,
    PRIMARY KEY (seq),
    UNIQUE (id),
    FOREIGN KEY(product_id) REFERENCES products (id)
)
    """,
    """
CREATE INDEX ix_stock_movements_product ON stock_movements (product_id, seq)
    """,
    """
CREATE INDEX ix_stock_movements_terminal ON stock_movements (terminal, seq)
    """,
    """
CREATE TABLE payments (
    id INTEGER NOT NULL,
    sale_id VARCHAR,
    return_id VARCHAR,
    kind VARCHAR NOT NULL,
    amount INTEGER NOT NULL,
    tendered INTEGER NOT NULL,
    change INTEGER NOT NULL,
    reference VARCHAR DEFAULT '' NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(sale_id) REFERENCES sales (id),
    FOREIGN KEY(return_id) REFERENCES returns (id)
)
    """,
    """
CREATE INDEX ix_payments_sale ON payments (sale_id)
    """,
    """
CREATE TABLE return_lines (
    id INTEGER NOT NULL,
    return_id VARCHAR NOT NULL,
    sale_line_id INTEGER,
    product_id INTEGER NOT NULL,
    qty INTEGER NOT NULL,
    amount INTEGER NOT NULL,
    tax INTEGER NOT NULL,
    restock BOOLEAN NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(return_id) REFERENCES returns (id),
    FOREIGN KEY(sale_line_id) REFERENCES sale_lines (id),
    FOREIGN KEY(product_id) REFERENCES products (id)
)
    """,
    """
CREATE INDEX ix_return_lines_sale_line ON return_lines (sale_line_id)
    """,
]

TRIGGERS = [
    # The ledger is append-only: corrections are new movements.
    """
    CREATE TRIGGER stock_movements_no_update BEFORE UPDATE ON stock_movements
    BEGIN SELECT RAISE(ABORT, 'stock_movements is append-only: post a correcting movement'); END
    """,
    """
    CREATE TRIGGER stock_movements_no_delete BEFORE DELETE ON stock_movements
    BEGIN SELECT RAISE(ABORT, 'stock_movements is append-only: post a correcting movement'); END
    """,
    # On-hand follows the ledger in the same transaction as every movement.
    """
    CREATE TRIGGER stock_movements_level AFTER INSERT ON stock_movements
    BEGIN
        INSERT INTO stock_levels (product_id, on_hand) VALUES (NEW.product_id, NEW.quantity)
        ON CONFLICT (product_id) DO UPDATE SET on_hand = on_hand + NEW.quantity;
    END
    """,
]


def upgrade() -> None:
    for statement in TABLES + TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    for name in ("stock_movements_level", "stock_movements_no_delete", "stock_movements_no_update"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for statement in reversed(TABLES):
        if statement.lstrip().startswith("CREATE TABLE"):
            name = statement.split()[2]
            op.execute(f"DROP TABLE IF EXISTS {name}")
