"""Card terminal attempts, as the sale and return transactions see them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, update

from pos_terminal.db import tables as t
from pos_terminal.domain.tenders import AppliedTender
from pos_terminal.errors import RuleError


def mark_recorded(conn: Connection, applied: Iterable[AppliedTender], now: str,
                  sale_id: str | None = None, return_id: str | None = None) -> None:
    """In the sale's (or return's) own transaction: each terminal tender's attempt goes from
    approved to recorded, naming the sale. An attempt that is not approved for exactly that
    amount, or already recorded, refuses the whole transaction: a charged card pays one sale,
    once."""
    a = t.payment_attempts
    for tender in applied:
        if not tender.attempt:
            continue
        n = conn.execute(
            update(a).where(a.c.id == tender.attempt, a.c.state == "approved",
                            a.c.approved_amount == abs(tender.amount))
            .values(state="recorded", sale_id=sale_id, return_id=return_id, updated_at=now)
        ).rowcount
        if n != 1:
            raise RuleError(f"card payment {tender.reference or tender.attempt} is not an "
                            "approved terminal payment of that amount, or it is already on "
                            "a sale")
