"""The perpetual inventory ledger's rules: movement kinds, signs and the per-register hash chain.

Each register's movements form a chain: a row's hash covers its own fields and the previous
row's hash, so a changed, deleted or reordered row breaks every hash after it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

GENESIS = "0" * 64


class MovementKind(StrEnum):
    SALE = "sale"
    RETURN = "return"
    RECEIVE = "receive"
    ADJUST = "adjust"
    COUNT_VARIANCE = "count_variance"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"


class AdjustReason(StrEnum):
    DAMAGED = "damaged"
    EXPIRED = "expired"
    THEFT = "theft"
    INTERNAL_USE = "internal_use"
    FOUND = "found"
    CORRECTION = "correction"


@dataclass(frozen=True)
class Movement:
    id: str
    product_id: int
    quantity: int  # signed base units
    kind: MovementKind
    reason: str
    reference: str
    unit_cost: int | None
    occurred_at: str  # ISO-8601 UTC
    user_id: int | None
    terminal: str


def movement_hash(prev_hash: str, seq: int, m: Movement) -> str:
    """sha256 over the previous hash and the row's fields, in a fixed order."""
    parts = (
        prev_hash, str(seq), m.id, str(m.product_id), str(m.quantity), str(m.kind), m.reason,
        m.reference, "" if m.unit_cost is None else str(m.unit_cost), m.occurred_at,
        "" if m.user_id is None else str(m.user_id), m.terminal,
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
