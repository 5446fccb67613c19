"""Report aggregates kept by triggers, so reports over a year of sales read thousands of rows,
not millions.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24

Frozen DDL: later schema changes are new revisions, never edits here.

Buckets are UTC hours (``YYYY-MM-DDTHH``) or UTC days; a report over local days adds the
buckets between the period's UTC bounds. Training sales never count. Each aggregate is written
by a trigger in the same transaction as the sale rows it sums, and the upgrade back-fills them
from the sales already there.
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = [
    """
    CREATE TABLE agg_sales_hour (
        hour VARCHAR NOT NULL PRIMARY KEY,
        sales INTEGER NOT NULL,
        gross INTEGER NOT NULL,
        discount INTEGER NOT NULL,
        net INTEGER NOT NULL,
        tax INTEGER NOT NULL
    )
    """,
    """
    CREATE TABLE agg_dept_hour (
        hour VARCHAR NOT NULL,
        department_id INTEGER NOT NULL,
        units INTEGER NOT NULL,
        net INTEGER NOT NULL,
        PRIMARY KEY (hour, department_id)
    )
    """,
    """
    CREATE TABLE agg_tax_hour (
        hour VARCHAR NOT NULL,
        tax_code VARCHAR NOT NULL,
        rate_ppm INTEGER NOT NULL,
        base INTEGER NOT NULL,
        tax INTEGER NOT NULL,
        PRIMARY KEY (hour, tax_code, rate_ppm)
    )
    """,
    """
    CREATE TABLE agg_tender_hour (
        hour VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        amount INTEGER NOT NULL,
        PRIMARY KEY (hour, kind)
    )
    """,
    """
    CREATE TABLE agg_product_day (
        day VARCHAR NOT NULL,
        product_id INTEGER NOT NULL,
        units INTEGER NOT NULL,
        net INTEGER NOT NULL,
        PRIMARY KEY (day, product_id)
    )
    """,
    """
    CREATE TABLE agg_shift (
        shift_id VARCHAR NOT NULL PRIMARY KEY,
        sales INTEGER NOT NULL,
        gross INTEGER NOT NULL,
        discount INTEGER NOT NULL,
        net INTEGER NOT NULL,
        rounding INTEGER NOT NULL
    )
    """,
    """
    CREATE TABLE agg_shift_tax (
        shift_id VARCHAR NOT NULL,
        tax_code VARCHAR NOT NULL,
        tax INTEGER NOT NULL,
        PRIMARY KEY (shift_id, tax_code)
    )
    """,
    """
    CREATE TABLE agg_shift_tender (
        shift_id VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        amount INTEGER NOT NULL,
        PRIMARY KEY (shift_id, kind)
    )
    """,
]

# substr(x, 1, 13) of '2026-11-24T16:04:05.123Z' is the UTC hour bucket '2026-11-24T16'.
TRIGGERS = [
    """
    CREATE TRIGGER agg_on_sale AFTER INSERT ON sales WHEN NEW.training = 0
    BEGIN
        INSERT INTO agg_sales_hour (hour, sales, gross, discount, net, tax)
        VALUES (substr(NEW.completed_at, 1, 13), 1, NEW.subtotal, NEW.discount, NEW.total,
                NEW.tax)
        ON CONFLICT (hour) DO UPDATE SET sales = sales + 1, gross = gross + excluded.gross,
            discount = discount + excluded.discount, net = net + excluded.net,
            tax = tax + excluded.tax;
        INSERT INTO agg_shift (shift_id, sales, gross, discount, net, rounding)
        SELECT NEW.shift_id, 1, NEW.subtotal, NEW.discount, NEW.total, NEW.cash_rounding
        WHERE NEW.shift_id IS NOT NULL
        ON CONFLICT (shift_id) DO UPDATE SET sales = sales + 1, gross = gross + excluded.gross,
            discount = discount + excluded.discount, net = net + excluded.net,
            rounding = rounding + excluded.rounding;
    END
    """,
    """
    CREATE TRIGGER agg_on_sale_line AFTER INSERT ON sale_lines
    BEGIN
        INSERT INTO agg_dept_hour (hour, department_id, units, net)
        SELECT substr(s.completed_at, 1, 13), coalesce(p.department_id, 0), NEW.qty, NEW.total
        FROM sales s, products p
        WHERE s.id = NEW.sale_id AND s.training = 0 AND p.id = NEW.product_id
        ON CONFLICT (hour, department_id) DO UPDATE SET units = units + excluded.units,
            net = net + excluded.net;
        INSERT INTO agg_product_day (day, product_id, units, net)
        SELECT substr(s.completed_at, 1, 10), NEW.product_id, NEW.qty, NEW.total
        FROM sales s WHERE s.id = NEW.sale_id AND s.training = 0
        ON CONFLICT (day, product_id) DO UPDATE SET units = units + excluded.units,
            net = net + excluded.net;
    END
    """,
    """
    CREATE TRIGGER agg_on_sale_tax AFTER INSERT ON sale_taxes
    BEGIN
        INSERT INTO agg_tax_hour (hour, tax_code, rate_ppm, base, tax)
        SELECT substr(s.completed_at, 1, 13), NEW.tax_code, NEW.rate_ppm, NEW.base, NEW.tax
        FROM sales s WHERE s.id = NEW.sale_id AND s.training = 0
        ON CONFLICT (hour, tax_code, rate_ppm) DO UPDATE SET base = base + excluded.base,
            tax = tax + excluded.tax;
        INSERT INTO agg_shift_tax (shift_id, tax_code, tax)
        SELECT s.shift_id, NEW.tax_code, NEW.tax
        FROM sales s WHERE s.id = NEW.sale_id AND s.training = 0 AND s.shift_id IS NOT NULL
        ON CONFLICT (shift_id, tax_code) DO UPDATE SET tax = tax + excluded.tax;
    END
    """,
    """
    CREATE TRIGGER agg_on_payment AFTER INSERT ON payments WHEN NEW.sale_id IS NOT NULL
    BEGIN
        INSERT INTO agg_tender_hour (hour, kind, amount)
        SELECT substr(s.completed_at, 1, 13), NEW.kind, NEW.amount
        FROM sales s WHERE s.id = NEW.sale_id AND s.training = 0
        ON CONFLICT (hour, kind) DO UPDATE SET amount = amount + excluded.amount;
        INSERT INTO agg_shift_tender (shift_id, kind, amount)
        SELECT s.shift_id, NEW.kind, NEW.amount
        FROM sales s WHERE s.id = NEW.sale_id AND s.training = 0 AND s.shift_id IS NOT NULL
        ON CONFLICT (shift_id, kind) DO UPDATE SET amount = amount + excluded.amount;
    END
    """,
]

BACKFILL = [
    """
    INSERT INTO agg_sales_hour (hour, sales, gross, discount, net, tax)
    SELECT substr(completed_at, 1, 13), count(*), sum(subtotal), sum(discount), sum(total),
           sum(tax)
    FROM sales WHERE training = 0 GROUP BY 1
    """,
    """
    INSERT INTO agg_shift (shift_id, sales, gross, discount, net, rounding)
    SELECT shift_id, count(*), sum(subtotal), sum(discount), sum(total), sum(cash_rounding)
    FROM sales WHERE training = 0 AND shift_id IS NOT NULL GROUP BY 1
    """,
    """
    INSERT INTO agg_dept_hour (hour, department_id, units, net)
    SELECT substr(s.completed_at, 1, 13), coalesce(p.department_id, 0), sum(l.qty),
           sum(l.total)
    FROM sale_lines l JOIN sales s ON s.id = l.sale_id JOIN products p ON p.id = l.product_id
    WHERE s.training = 0 GROUP BY 1, 2
    """,
    """
    INSERT INTO agg_product_day (day, product_id, units, net)
    SELECT substr(s.completed_at, 1, 10), l.product_id, sum(l.qty), sum(l.total)
    FROM sale_lines l JOIN sales s ON s.id = l.sale_id WHERE s.training = 0 GROUP BY 1, 2
    """,
    """
    INSERT INTO agg_tax_hour (hour, tax_code, rate_ppm, base, tax)
    SELECT substr(s.completed_at, 1, 13), t.tax_code, t.rate_ppm, sum(t.base), sum(t.tax)
    FROM sale_taxes t JOIN sales s ON s.id = t.sale_id WHERE s.training = 0 GROUP BY 1, 2, 3
    """,
    """
    INSERT INTO agg_shift_tax (shift_id, tax_code, tax)
    SELECT s.shift_id, t.tax_code, sum(t.tax) FROM sale_taxes t JOIN sales s ON s.id = t.sale_id
    WHERE s.training = 0 AND s.shift_id IS NOT NULL GROUP BY 1, 2
    """,
    """
    INSERT INTO agg_tender_hour (hour, kind, amount)
    SELECT substr(s.completed_at, 1, 13), p.kind, sum(p.amount)
    FROM payments p JOIN sales s ON s.id = p.sale_id WHERE s.training = 0 GROUP BY 1, 2
    """,
    """
    INSERT INTO agg_shift_tender (shift_id, kind, amount)
    SELECT s.shift_id, p.kind, sum(p.amount) FROM payments p JOIN sales s ON s.id = p.sale_id
    WHERE s.training = 0 AND s.shift_id IS NOT NULL GROUP BY 1, 2
    """,
]


def upgrade() -> None:
    for statement in TABLES + BACKFILL + TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    for name in ("agg_on_payment", "agg_on_sale_tax", "agg_on_sale_line", "agg_on_sale"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for statement in reversed(TABLES):
        op.execute(f"DROP TABLE IF EXISTS {statement.split()[2]}")
