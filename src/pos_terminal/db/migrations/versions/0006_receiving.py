"""Purchase orders and deliveries with lines and discrepancies.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # placeholder, filled in by the work that owns this revision


def downgrade() -> None:
    pass
