"""Cash and override controls: the audit log carries a value and its shift; a shift's close
records who signed off a count difference and why.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

Frozen DDL: later schema changes are new revisions, never edits here.

- ``audit_log.value``: the money an override moved (a voided line, a discount, a refund, a
  paid out), minor units; NULL where it moves none (a no-sale open, a PIN change).
- ``audit_log.shift_id`` / ``audit_log.training``: the shift an override belongs to (X and Z
  count it) and whether it happened in training mode (never counted). Rows from before this
  revision get them from the shift open at the time and from their reference (a training
  receipt or return number).
- ``shifts.close_approver_id`` / ``shifts.close_reason``: a manager's sign-off of a closing
  count that differs from the expected cash by more than the store's limit.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("value", sa.Integer()))
    op.add_column("audit_log", sa.Column("shift_id", sa.String()))
    op.add_column("audit_log", sa.Column("training", sa.Boolean(), nullable=False,
                                         server_default="0"))
    op.create_index("ix_audit_log_shift", "audit_log", ["shift_id"])
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.add_column("shifts", sa.Column("close_approver_id", sa.Integer()))
    op.add_column("shifts", sa.Column("close_reason", sa.String()))
    op.execute(
        "UPDATE audit_log SET shift_id = (SELECT s.id FROM shifts s WHERE s.opened_at <= "
        "audit_log.at AND (s.closed_at IS NULL OR audit_log.at <= s.closed_at) "
        "ORDER BY s.opened_at DESC LIMIT 1)"
    )
    # Training receipts and returns are numbered STORE-REGISTER-T… (services/checkout.py).
    op.execute(
        "UPDATE audit_log SET training = 1, shift_id = NULL WHERE EXISTS (SELECT 1 FROM "
        "register_info r WHERE audit_log.reference LIKE r.store || '-' || r.register || '-T%')"
    )


def downgrade() -> None:
    with op.batch_alter_table("shifts") as batch:
        batch.drop_column("close_reason")
        batch.drop_column("close_approver_id")
    op.drop_index("ix_audit_log_at", "audit_log")
    op.drop_index("ix_audit_log_shift", "audit_log")
    with op.batch_alter_table("audit_log") as batch:
        for name in ("training", "shift_id", "value"):
            batch.drop_column(name)
