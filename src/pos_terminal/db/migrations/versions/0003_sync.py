"""Sync with the central service: outbox status and quarantine, sync cursors, sibling movements.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

Frozen DDL: later schema changes are new revisions, never edits here.

- ``outbox.status`` is ``pending`` (to send), ``sent`` (the central holds it) or ``quarantined``
  (the central rejected it; ``last_error`` says why, ``quarantined_at`` when). Rows already
  marked sent by ``sent_at`` become ``sent``.
- ``sync_state`` (one row) keeps the catalog version and the sibling-movement cursor pulled so
  far, and the last success / failure, so the worker survives restarts.
- ``sibling_movements`` holds the movements of the store's other registers, pulled from the
  central. They move ``stock_levels`` (by trigger) but never enter this register's hash-chained
  ledger. A movement for a product this register does not know yet keeps ``product_id`` NULL
  and is bound (and counted) when a product with its SKU is inserted.
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

STATEMENTS = [
    "ALTER TABLE outbox ADD COLUMN status VARCHAR DEFAULT 'pending' NOT NULL "
    "CHECK (status IN ('pending', 'sent', 'quarantined'))",
    "ALTER TABLE outbox ADD COLUMN quarantined_at VARCHAR",
    "UPDATE outbox SET status = 'sent' WHERE sent_at IS NOT NULL",
    "CREATE INDEX ix_outbox_status ON outbox (status, seq)",
    """
    CREATE TABLE sync_state (
        id INTEGER NOT NULL,
        catalog_version INTEGER DEFAULT '0' NOT NULL,
        movement_cursor INTEGER DEFAULT '0' NOT NULL,
        last_success_at VARCHAR,
        last_failure_at VARCHAR,
        last_error VARCHAR,
        catalog_warning VARCHAR,
        PRIMARY KEY (id),
        CONSTRAINT one_sync_state CHECK (id = 1)
    )
    """,
    "INSERT INTO sync_state (id) VALUES (1)",
    """
    CREATE TABLE sibling_movements (
        id INTEGER NOT NULL,
        movement_id VARCHAR NOT NULL,
        cursor INTEGER NOT NULL,
        register VARCHAR NOT NULL,
        sku VARCHAR NOT NULL,
        product_id INTEGER,
        quantity INTEGER NOT NULL,
        kind VARCHAR NOT NULL,
        reason VARCHAR DEFAULT '' NOT NULL,
        reference VARCHAR DEFAULT '' NOT NULL,
        unit_cost INTEGER,
        occurred_at VARCHAR NOT NULL,
        pulled_at VARCHAR NOT NULL,
        PRIMARY KEY (id),
        UNIQUE (movement_id),
        FOREIGN KEY(product_id) REFERENCES products (id)
    )
    """,
    "CREATE INDEX ix_sibling_movements_product ON sibling_movements (product_id)",
    "CREATE INDEX ix_sibling_movements_sku ON sibling_movements (sku)",
    # Pulled movements count in on-hand in the transaction that stores them ...
    """
    CREATE TRIGGER sibling_movements_level AFTER INSERT ON sibling_movements
    WHEN NEW.product_id IS NOT NULL
    BEGIN
        INSERT INTO stock_levels (product_id, on_hand) VALUES (NEW.product_id, NEW.quantity)
        ON CONFLICT (product_id) DO UPDATE SET on_hand = on_hand + NEW.quantity;
    END
    """,
    # ... or when their product arrives (a NULL product_id is bound once, nothing else changes).
    """
    CREATE TRIGGER sibling_movements_bind AFTER UPDATE OF product_id ON sibling_movements
    WHEN OLD.product_id IS NULL AND NEW.product_id IS NOT NULL
    BEGIN
        INSERT INTO stock_levels (product_id, on_hand) VALUES (NEW.product_id, NEW.quantity)
        ON CONFLICT (product_id) DO UPDATE SET on_hand = on_hand + NEW.quantity;
    END
    """,
    """
    CREATE TRIGGER sibling_movements_no_update BEFORE UPDATE ON sibling_movements
    WHEN OLD.product_id IS NOT NULL OR NEW.product_id IS NULL
        OR NEW.movement_id IS NOT OLD.movement_id OR NEW.quantity IS NOT OLD.quantity
        OR NEW.sku IS NOT OLD.sku OR NEW.id IS NOT OLD.id
    BEGIN SELECT RAISE(ABORT, 'sibling_movements is append-only'); END
    """,
    """
    CREATE TRIGGER sibling_movements_no_delete BEFORE DELETE ON sibling_movements
    BEGIN SELECT RAISE(ABORT, 'sibling_movements is append-only'); END
    """,
    # A product that arrives (catalog pull or CSV import) picks up its waiting movements.
    """
    CREATE TRIGGER products_bind_siblings AFTER INSERT ON products
    BEGIN
        UPDATE sibling_movements SET product_id = NEW.id
        WHERE product_id IS NULL AND sku = NEW.sku;
    END
    """,
]

TRIGGERS = ("products_bind_siblings", "sibling_movements_no_delete",
            "sibling_movements_no_update", "sibling_movements_bind", "sibling_movements_level")


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute(
        "UPDATE stock_levels SET on_hand = on_hand - (SELECT coalesce(sum(quantity), 0) "
        "FROM sibling_movements s WHERE s.product_id = stock_levels.product_id)"
    )
    op.execute("DROP TABLE sibling_movements")
    op.execute("DROP TABLE sync_state")
    op.execute("DROP INDEX ix_outbox_status")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("quarantined_at")
        batch.drop_column("status")
