"""The web dashboard: a role on admin accounts (admin / read-only owner), sign-in sessions,
failed sign-ins for throttling, and an index for the sales-per-day figures.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

from pos_central.db.types import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("admins") as batch:
        batch.add_column(sa.Column("role", sa.String(8), nullable=False,
                                   server_default="admin"))
        batch.create_check_constraint("role", "role IN ('admin', 'owner')")
    op.create_table(
        "admin_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("admin_id", sa.Integer, sa.ForeignKey("admins.id"), nullable=False,
                  index=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("last_seen_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("remote", sa.String(64), nullable=False),
        sa.Column("failed_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_login_failures_username_failed_at", "login_failures",
                    ["username", "failed_at"])
    op.create_index("ix_login_failures_remote_failed_at", "login_failures",
                    ["remote", "failed_at"])
    op.create_index("ix_events_type_occurred_at", "events", ["type", "occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_events_type_occurred_at", "events")
    op.drop_table("login_failures")
    op.drop_table("admin_sessions")
    with op.batch_alter_table("admins") as batch:
        batch.drop_constraint("role", type_="check")
        batch.drop_column("role")
