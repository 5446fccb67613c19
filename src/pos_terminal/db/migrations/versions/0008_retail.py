"""Promotions, deposits and weighed-goods receipt details.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # placeholder, filled in by the work that owns this revision


def downgrade() -> None:
    pass
