"""Stock use cases at the register: receive, adjust with a reason, count, look up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert

from pos_protocol import wire
from pos_terminal.clock import new_id, utc_now
from pos_terminal.db import ledger
from pos_terminal.db import tables as t
from pos_terminal.domain.cart import Item, check_quantity
from pos_terminal.domain.ledger import AdjustReason, Movement, MovementKind
from pos_terminal.domain.tenders import plain_text
from pos_terminal.errors import InputError, QuantityError
from pos_terminal.services.catalog import resolve
from pos_terminal.services.context import Context
from pos_terminal.services.counting import count_one


@dataclass(frozen=True)
class Posting:
    reference: str
    quantities: dict[str, int]  # sku -> signed quantity posted
    on_hand: dict[str, int]  # sku -> on-hand after the posting


@dataclass(frozen=True)
class StockInfo:
    item: Item
    on_hand: int
    movements: list[dict[str, Any]]


def _resolve_all(conn: Connection, items: list[tuple[str, int]]) -> list[tuple[Item, int]]:
    out = []
    for code, count in items:
        item = resolve(conn, code)
        qty = check_quantity(count * item.pack if item.unit == "each" else count, item.unit)
        out.append((item, qty))
    return out


class InventoryService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _post(
        self, conn: Connection, event: type[wire.StockReceived | wire.StockAdjusted],
        reference: str, moves: list[Movement], skus: dict[int, str], **extra: Any,
    ) -> Posting:
        s = self.ctx.settings
        posted = ledger.append(conn, s.terminal, moves)
        ledger.add_event(conn, moves[0].occurred_at if moves else utc_now(), event(
            reference=reference, movements=ledger.movement_payload(posted, skus), **extra))
        qty: dict[str, int] = {}
        for m in moves:
            qty[skus[m.product_id]] = qty.get(skus[m.product_id], 0) + m.quantity
        levels = {skus[pid]: ledger.on_hand(conn, pid) for pid in skus}
        return Posting(reference, qty, levels)

    def receive(
        self, items: list[tuple[str, int]], user_id: int, cost: int | None = None,
        reference: str = "",
    ) -> Posting:
        """Goods in from a delivery: positive ``receive`` movements at the given unit cost."""
        if not items:
            raise InputError("name at least one item to receive")
        if cost is not None and cost < 0:
            raise InputError("a cost cannot be negative")
        s = self.ctx.settings
        now = utc_now()
        delivery = new_id()
        with self.ctx.write() as conn:
            resolved = _resolve_all(conn, items)
            conn.execute(insert(t.deliveries).values(
                id=delivery, reference=reference, received_at=now, user_id=user_id))
            moves = [
                Movement(new_id(), item.product_id, qty, MovementKind.RECEIVE, "delivery",
                         delivery, item.cost if cost is None else cost, now, user_id, s.terminal)
                for item, qty in resolved
            ]
            return self._post(conn, wire.StockReceived, reference or delivery, moves,
                              {i.product_id: i.sku for i, _ in resolved}, delivery_id=delivery)

    def adjust(
        self, code: str, quantity: int, reason: str, user_id: int, note: str = ""
    ) -> Posting:
        """A signed correction with a reason code (damaged, expired, theft, ...)."""
        plain_text(note, "the note")
        try:
            why = AdjustReason(reason)
        except ValueError as exc:
            codes = ", ".join(r.value for r in AdjustReason)
            raise InputError(f"reason {reason!r} is not one of {codes}") from exc
        if quantity == 0:
            raise QuantityError("an adjustment of 0 changes nothing")
        s = self.ctx.settings
        now = utc_now()
        with self.ctx.write() as conn:
            item = resolve(conn, code)
            check_quantity(abs(quantity), item.unit)
            ref = new_id()
            move = Movement(new_id(), item.product_id, quantity, MovementKind.ADJUST, why.value,
                            ref, item.cost, now, user_id, s.terminal)
            return self._post(conn, wire.StockAdjusted, ref, [move], {item.product_id: item.sku},
                              note=note)

    def count(self, code: str, counted: int, user_id: int, expected: int | None = None) -> Posting:
        """Post a one-item count as a variance delta: counted minus what was expected when
        counted (a count session of its own, posted at once: services/counting.py).

        ``expected`` is the on-hand the counter saw at the moment of counting; when not given,
        the current on-hand is used. Posting a delta (not an absolute level) lets sales made
        elsewhere meanwhile merge without a lost update.
        """
        if counted < 0:
            raise QuantityError("a counted quantity cannot be negative")
        with self.ctx.write() as conn:
            item = resolve(conn, code)
            got = count_one(conn, self.ctx.settings, item, counted, user_id, expected,
                            utc_now())
            return Posting(got.reference, got.quantities,
                           {item.sku: ledger.on_hand(conn, item.product_id)})

    def stock(self, code: str, movements: int = 10) -> StockInfo:
        with self.ctx.read() as conn:
            item = resolve(conn, code)
            return StockInfo(item, ledger.on_hand(conn, item.product_id),
                             ledger.recent(conn, item.product_id, movements))

    def verify(self) -> ledger.VerifyReport:
        with self.ctx.read() as conn:
            return ledger.verify(conn)
