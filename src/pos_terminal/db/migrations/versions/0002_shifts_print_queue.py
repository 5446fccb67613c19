"""Shifts with cash movements, sales and returns linked to their shift, the durable print queue.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

STATEMENTS = [
    """
    CREATE TABLE shifts (
        id VARCHAR NOT NULL,
        number INTEGER NOT NULL,
        user_id INTEGER NOT NULL,
        opened_at VARCHAR NOT NULL,
        opening_float INTEGER NOT NULL,
        closed_at VARCHAR,
        closed_by INTEGER,
        expected_cash INTEGER,
        counted_cash INTEGER,
        denominations TEXT,
        status VARCHAR NOT NULL,
        PRIMARY KEY (id),
        UNIQUE (number),
        FOREIGN KEY(user_id) REFERENCES users (id),
        FOREIGN KEY(closed_by) REFERENCES users (id)
    )
    """,
    "CREATE INDEX ix_shifts_status ON shifts (status)",
    """
    CREATE TABLE cash_movements (
        id INTEGER NOT NULL,
        shift_id VARCHAR NOT NULL,
        at VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        amount INTEGER NOT NULL,
        reason VARCHAR NOT NULL,
        user_id INTEGER,
        PRIMARY KEY (id),
        FOREIGN KEY(shift_id) REFERENCES shifts (id),
        FOREIGN KEY(user_id) REFERENCES users (id)
    )
    """,
    "CREATE INDEX ix_cash_movements_shift ON cash_movements (shift_id)",
    """
    CREATE TABLE print_jobs (
        id INTEGER NOT NULL,
        created_at VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        reference VARCHAR NOT NULL,
        copy BOOLEAN DEFAULT '0' NOT NULL,
        status VARCHAR DEFAULT 'queued' NOT NULL,
        attempts INTEGER DEFAULT '0' NOT NULL,
        last_error VARCHAR,
        printed_at VARCHAR,
        PRIMARY KEY (id)
    )
    """,
    "CREATE INDEX ix_print_jobs_status ON print_jobs (status, id)",
    # ADD COLUMN with a REFERENCES clause and NULL default is allowed in place by SQLite.
    "ALTER TABLE sales ADD COLUMN shift_id VARCHAR REFERENCES shifts (id)",
    "CREATE INDEX ix_sales_shift ON sales (shift_id)",
    "ALTER TABLE returns ADD COLUMN shift_id VARCHAR REFERENCES shifts (id)",
    "CREATE INDEX ix_returns_shift ON returns (shift_id)",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    with op.batch_alter_table("returns") as batch:
        batch.drop_index("ix_returns_shift")
        batch.drop_column("shift_id")
    with op.batch_alter_table("sales") as batch:
        batch.drop_index("ix_sales_shift")
        batch.drop_column("shift_id")
    for name in ("print_jobs", "cash_movements", "shifts"):
        op.execute(f"DROP TABLE {name}")
