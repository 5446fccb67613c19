"""Ledger movements as events carry them, and the sibling movements a register pulls.

``GET /movements?since=CURSOR[&limit=N]`` → ``{"cursor": int, "movements": [SiblingMovement,
...], "more": bool}``: the movements of this store's other registers after ``cursor``, oldest
first; the register stores ``cursor`` for next time. A sibling movement is ``{"cursor": int,
"register": str, "movement": Movement}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pos_protocol._errors import WireError
from pos_protocol.wire import _fields as f
from pos_protocol.wire._record import Custom

MOVEMENT_KINDS = frozenset({
    "sale", "return", "receive", "adjust", "count_variance", "transfer_out", "transfer_in",
})


@dataclass(slots=True)
class Movement:
    """One ledger movement as carried in an event's ``payload.movements``. A value (never
    changed once made); not frozen because ingest and the sale commit make them by the
    thousand and a frozen dataclass's ``__init__`` costs three times as much."""

    id: str
    sku: str
    quantity: int
    kind: str
    occurred_at: str
    reason: str = ""
    reference: str = ""
    unit_cost: int | None = None
    seq: int | None = None
    hash: str | None = None


@dataclass(frozen=True)
class SiblingMovement:
    """A movement of another register of the same store, as pulled from the central."""

    cursor: int
    register: str
    movement: Movement


@dataclass(frozen=True)
class MovementsPage:
    cursor: int
    movements: tuple[SiblingMovement, ...]
    more: bool = False


def parse_movements(items: Any, where: str) -> list[Movement]:
    if not isinstance(items, list):
        raise WireError(where, "expected a list")
    out = []
    for i, m in enumerate(items):
        w = f"{where}[{i}]"
        if not isinstance(m, dict):
            raise WireError(w, "expected an object")
        kind = f.text(m, "kind", w, 20)
        if kind not in MOVEMENT_KINDS:
            raise WireError(f"{w}.kind", f"unknown movement kind {kind!r}")
        out.append(Movement(
            id=f.uid(m, "id", w), sku=f.text(m, "sku", w, 64),
            quantity=f.integer(m, "quantity", w) or 0, kind=kind,
            occurred_at=f.time(m, "occurred_at", w),
            reason=f.text(m, "reason", w, 200, required=False),
            reference=f.text(m, "reference", w, 200, required=False),
            unit_cost=f.integer(m, "unit_cost", w, required=False, lo=0),
            seq=f.integer(m, "seq", w, required=False, lo=1, hi=2**62),
            hash=f.text(m, "hash", w, 64, required=False) or None,
        ))
    return out


def movement_to_json(m: Movement) -> dict[str, Any]:
    return {"id": m.id, "sku": m.sku, "quantity": m.quantity, "kind": m.kind,
            "occurred_at": m.occurred_at, "reason": m.reason, "reference": m.reference,
            "unit_cost": m.unit_cost, "seq": m.seq, "hash": m.hash}


def movements_to_json(moves: tuple[Movement, ...] | list[Movement]) -> list[dict[str, Any]]:
    return [movement_to_json(m) for m in moves]


def sibling_to_json(s: SiblingMovement) -> dict[str, Any]:
    return {"cursor": s.cursor, "register": s.register, "movement": movement_to_json(s.movement)}


def parse_movements_page(obj: Any) -> MovementsPage:
    body = f.obj(obj, "answer")
    cursor = f.integer(body, "cursor", "", lo=0, hi=2**62) or 0
    out = []
    for w, s in f.objects(body, "movements"):
        (m,) = parse_movements([s.get("movement")], f"{w}.movement")
        out.append(SiblingMovement(f.integer(s, "cursor", w, lo=1, hi=2**62) or 0,
                                   f.text(s, "register", w, 16), m))
    return MovementsPage(cursor, tuple(out), f.flag(body, "more"))


def _movement_tuple(v: Any, p: str) -> tuple[Movement, ...]:
    return tuple(parse_movements(v, p))


# An event payload's ``movements`` field (``payload.movements``): what moved the ledger.
MOVEMENTS = Custom(_movement_tuple, movements_to_json)
