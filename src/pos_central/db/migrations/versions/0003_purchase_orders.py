"""Purchase orders, per-store reorder and par levels.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # placeholder, filled in by the work that owns this revision


def downgrade() -> None:
    pass
