"""Transfers between stores.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # placeholder, filled in by the work that owns this revision


def downgrade() -> None:
    pass
