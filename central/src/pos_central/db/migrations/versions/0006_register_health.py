"""Register clock skew and quarantined-event counts.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from pos_central.db.types import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "register_health",
        sa.Column("register_id", sa.Integer, sa.ForeignKey("registers.id"), primary_key=True),
        sa.Column("clock_skew_ms", sa.BigInteger),
        sa.Column("clock_checked_at", UtcDateTime),
        sa.Column("quarantined", sa.BigInteger),
        sa.Column("quarantined_at", UtcDateTime),
    )


def downgrade() -> None:
    op.drop_table("register_health")
