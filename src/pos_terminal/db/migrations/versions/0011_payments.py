"""Card terminal payments: every attempt journaled before anything is sent; end-of-day totals.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

Frozen DDL: later schema changes are new revisions, never edits here.

- ``payment_attempts``: one row per charge, refund or reversal sent to a card terminal, written
  before the terminal hears of it and updated as each answer comes (``state``). Holds only
  what PCI DSS allows of the card: masked number, brand, terminal id, trace and receipt
  numbers, authorisation code. ``plan``: the sale (cart and other tenders) or return to record
  once the terminal approved, so a register that died in between completes it at restart.
- ``payment_attempt_steps``: every step of the exchange as it happened (append-only).
- ``payments.attempt_id``: the terminal attempt a card tender came from.
- ``terminal_settlements``: a terminal's end-of-day totals next to the register's card
  tenders for the same period, and the difference.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

STATES = ("pending", "sent", "approved", "declined", "aborted", "failed", "unknown",
          "recorded", "reversed")


def upgrade() -> None:
    op.create_table(
        "payment_attempts",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("updated_at", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),  # payment | refund | reversal
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("sale_ref", sa.String(), nullable=False),
        sa.Column("sale_id", sa.String(), sa.ForeignKey("sales.id")),
        sa.Column("return_id", sa.String(), sa.ForeignKey("returns.id")),
        sa.Column("original_id", sa.String()),  # the payment a refund or reversal undoes
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("terminal", sa.String(), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id")),
        sa.Column("approver_id", sa.Integer(), sa.ForeignKey("users.id")),
        sa.Column("training", sa.Boolean(), nullable=False, server_default="0"),
        sa.Column("shift_id", sa.String()),
        sa.Column("plan", sa.Text()),
        sa.Column("approved_amount", sa.Integer()),
        sa.Column("message", sa.String(), nullable=False, server_default=""),
        sa.Column("result_code", sa.String(), nullable=False, server_default=""),
        sa.Column("masked_pan", sa.String(), nullable=False, server_default=""),
        sa.Column("brand", sa.String(), nullable=False, server_default=""),
        sa.Column("terminal_id", sa.String(), nullable=False, server_default=""),
        sa.Column("trace_no", sa.String(), nullable=False, server_default=""),
        sa.Column("receipt_no", sa.String(), nullable=False, server_default=""),
        sa.Column("auth_code", sa.String(), nullable=False, server_default=""),
        sa.Column("transaction_ref", sa.String(), nullable=False, server_default=""),
        sa.Column("receipt", sa.Text()),
        sa.CheckConstraint("state IN (" + ", ".join(f"'{s}'" for s in STATES) + ")",
                           name="payment_attempt_state"),
        sa.CheckConstraint("kind IN ('payment', 'refund', 'reversal')",
                           name="payment_attempt_kind"),
    )
    op.create_index("ix_payment_attempts_state", "payment_attempts", ["state"])
    op.create_index("ix_payment_attempts_sale_ref", "payment_attempts", ["sale_ref"])
    op.create_table(
        "payment_attempt_steps",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("attempt_id", sa.String(), sa.ForeignKey("payment_attempts.id"),
                  nullable=False),
        sa.Column("at", sa.String(), nullable=False),
        sa.Column("step", sa.String(), nullable=False),
        sa.Column("detail", sa.String(), nullable=False, server_default=""),
    )
    op.create_index("ix_payment_attempt_steps_attempt", "payment_attempt_steps", ["attempt_id"])
    op.add_column("payments", sa.Column("attempt_id", sa.String()))
    op.create_table(
        "terminal_settlements",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.String(), nullable=False),
        sa.Column("shift_id", sa.String()),
        sa.Column("since", sa.String()),
        sa.Column("terminal", sa.String(), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id")),
        sa.Column("terminal_count", sa.Integer(), nullable=False),
        sa.Column("terminal_amount", sa.Integer(), nullable=False),
        sa.Column("register_count", sa.Integer(), nullable=False),
        sa.Column("register_amount", sa.Integer(), nullable=False),
        sa.Column("difference", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("terminal_settlements")
    with op.batch_alter_table("payments") as batch:
        batch.drop_column("attempt_id")
    op.drop_index("ix_payment_attempt_steps_attempt", "payment_attempt_steps")
    op.drop_table("payment_attempt_steps")
    op.drop_index("ix_payment_attempts_sale_ref", "payment_attempts")
    op.drop_index("ix_payment_attempts_state", "payment_attempts")
    op.drop_table("payment_attempts")
