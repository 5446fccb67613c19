"""Count sessions, per-store reorder and par levels.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24

Frozen DDL: later schema changes are new revisions, never edits here.

- ``count_sessions``: a stock count over a scope (a department, a shelf list, a random sample,
  everything), blind by default, open until posted or cancelled, so it survives a restart.
- ``count_lines``: one row per product in scope; ``counted`` stays NULL until counted, and
  ``on_hand_at_count`` is the on-hand at the moment it was (re)counted, the variance's base.
- ``reorder_levels``: a manager's reorder point and par level for this store, overriding the
  catalog's values.
- An index on the ledger's kind and time for the shrinkage report.
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

STATEMENTS = [
    """
    CREATE TABLE count_sessions (
        id VARCHAR NOT NULL,
        number INTEGER NOT NULL,
        scope_kind VARCHAR NOT NULL,
        scope TEXT NOT NULL,
        blind BOOLEAN NOT NULL,
        status VARCHAR DEFAULT 'open' NOT NULL,
        recount_units INTEGER NOT NULL,
        recount_ppm INTEGER NOT NULL,
        uncounted VARCHAR,
        opened_at VARCHAR NOT NULL,
        opened_by INTEGER,
        closed_at VARCHAR,
        closed_by INTEGER,
        PRIMARY KEY (id),
        UNIQUE (number),
        CONSTRAINT count_session_status CHECK (status IN ('open', 'posted', 'cancelled')),
        FOREIGN KEY(opened_by) REFERENCES users (id),
        FOREIGN KEY(closed_by) REFERENCES users (id)
    )
    """,
    "CREATE INDEX ix_count_sessions_status ON count_sessions (status)",
    """
    CREATE TABLE count_lines (
        session_id VARCHAR NOT NULL,
        product_id INTEGER NOT NULL,
        counted INTEGER,
        on_hand_at_count INTEGER,
        counted_at VARCHAR,
        user_id INTEGER,
        sibling_mark INTEGER,
        late INTEGER DEFAULT '0' NOT NULL,
        recount INTEGER DEFAULT '0' NOT NULL,
        first_count INTEGER,
        variance INTEGER,
        PRIMARY KEY (session_id, product_id),
        FOREIGN KEY(session_id) REFERENCES count_sessions (id),
        FOREIGN KEY(product_id) REFERENCES products (id),
        FOREIGN KEY(user_id) REFERENCES users (id)
    )
    """,
    "CREATE INDEX ix_count_lines_product ON count_lines (product_id, counted_at)",
    """
    CREATE TABLE reorder_levels (
        product_id INTEGER NOT NULL,
        reorder_point INTEGER,
        par_level INTEGER,
        updated_at VARCHAR NOT NULL,
        user_id INTEGER,
        PRIMARY KEY (product_id),
        FOREIGN KEY(product_id) REFERENCES products (id),
        FOREIGN KEY(user_id) REFERENCES users (id)
    )
    """,
    "CREATE INDEX ix_stock_movements_kind_at ON stock_movements (kind, occurred_at)",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP INDEX ix_stock_movements_kind_at")
    op.execute("DROP TABLE reorder_levels")
    op.execute("DROP TABLE count_lines")
    op.execute("DROP TABLE count_sessions")
