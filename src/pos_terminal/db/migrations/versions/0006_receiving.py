"""Purchase orders and deliveries with lines and discrepancies.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24

Frozen DDL: later schema changes are new revisions, never edits here.

- ``purchase_orders`` / ``purchase_order_lines``: the store's open POs as last pulled from the
  central (replaced by each pull); ``po_drafts``: POs a manager drafted here.
- ``receivings`` / ``receiving_lines``: a delivery being received (status ``open``, so it
  survives a restart) and, once posted, its record; ``delivery_discrepancies``: over, short,
  damaged and unexpected quantities found on a posted delivery.
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

STATEMENTS = [
    """
    CREATE TABLE purchase_orders (
        id VARCHAR NOT NULL,
        number VARCHAR NOT NULL,
        vendor VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        origin VARCHAR NOT NULL,
        created_at VARCHAR NOT NULL,
        sent_at VARCHAR,
        note VARCHAR DEFAULT '' NOT NULL,
        pulled_at VARCHAR NOT NULL,
        PRIMARY KEY (id)
    )
    """,
    """
    CREATE TABLE purchase_order_lines (
        po_id VARCHAR NOT NULL,
        sku VARCHAR NOT NULL,
        ordered INTEGER NOT NULL,
        received INTEGER NOT NULL,
        unit_cost INTEGER,
        PRIMARY KEY (po_id, sku),
        FOREIGN KEY(po_id) REFERENCES purchase_orders (id)
    )
    """,
    """
    CREATE TABLE po_drafts (
        id VARCHAR NOT NULL,
        vendor VARCHAR NOT NULL,
        note VARCHAR DEFAULT '' NOT NULL,
        lines TEXT NOT NULL,
        created_at VARCHAR NOT NULL,
        user_id INTEGER,
        event_id VARCHAR NOT NULL,
        PRIMARY KEY (id),
        FOREIGN KEY(user_id) REFERENCES users (id)
    )
    """,
    """
    CREATE TABLE receivings (
        id VARCHAR NOT NULL,
        po_id VARCHAR,
        po_number VARCHAR DEFAULT '' NOT NULL,
        vendor VARCHAR NOT NULL,
        reference VARCHAR DEFAULT '' NOT NULL,
        status VARCHAR DEFAULT 'open' NOT NULL,
        started_at VARCHAR NOT NULL,
        posted_at VARCHAR,
        user_id INTEGER,
        event_id VARCHAR,
        PRIMARY KEY (id),
        CONSTRAINT receiving_status CHECK (status IN ('open', 'posted', 'cancelled')),
        FOREIGN KEY(user_id) REFERENCES users (id)
    )
    """,
    "CREATE INDEX ix_receivings_status ON receivings (status)",
    """
    CREATE TABLE receiving_lines (
        id INTEGER NOT NULL,
        receiving_id VARCHAR NOT NULL,
        product_id INTEGER NOT NULL,
        sku VARCHAR NOT NULL,
        on_po BOOLEAN NOT NULL,
        ordered INTEGER DEFAULT '0' NOT NULL,
        before INTEGER DEFAULT '0' NOT NULL,
        counted INTEGER DEFAULT '0' NOT NULL,
        damaged INTEGER DEFAULT '0' NOT NULL,
        unit_cost INTEGER,
        seq INTEGER NOT NULL,
        PRIMARY KEY (id),
        UNIQUE (receiving_id, product_id),
        FOREIGN KEY(receiving_id) REFERENCES receivings (id),
        FOREIGN KEY(product_id) REFERENCES products (id)
    )
    """,
    """
    CREATE TABLE delivery_discrepancies (
        id INTEGER NOT NULL,
        receiving_id VARCHAR NOT NULL,
        sku VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        quantity INTEGER NOT NULL,
        PRIMARY KEY (id),
        FOREIGN KEY(receiving_id) REFERENCES receivings (id)
    )
    """,
    "CREATE INDEX ix_delivery_discrepancies_receiving ON delivery_discrepancies (receiving_id)",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    for table in ("delivery_discrepancies", "receiving_lines", "receivings", "po_drafts",
                  "purchase_order_lines", "purchase_orders"):
        op.execute(f"DROP TABLE {table}")
