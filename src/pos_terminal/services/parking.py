"""Parked sales: a cart put aside (customer forgot their wallet) and resumed later."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import delete, insert, select

from pos_terminal.clock import utc_now
from pos_terminal.db import tables as t
from pos_terminal.domain.cart import Cart, CartLine, Deposit, Item, Override
from pos_terminal.domain.tenders import plain_text
from pos_terminal.errors import NotFoundError, RuleError
from pos_terminal.services.context import Context


@dataclass(frozen=True)
class Parked:
    id: int
    parked_at: str
    label: str
    lines: int


def cart_to_json(cart: Cart) -> str:
    return json.dumps({
        "lines": [
            {"line_no": ln.line_no, "item": asdict(ln.item), "qty": ln.qty, "price": ln.price,
             "price_per": ln.price_per, "discount": ln.discount,
             "original_price": ln.original_price, "tare": ln.tare}
            for ln in cart.active_lines
        ],
        "sale_discount": cart.sale_discount,
        "sale_discount_ppm": cart.sale_discount_ppm,
        "overrides": [asdict(o) for o in cart.overrides],
        "next_line": cart._next_line,
    })


def _item(d: dict[str, Any]) -> Item:
    dep, pack = d.get("deposit"), d.get("pack_deposit")
    return Item(**{**d, "deposit": Deposit(**dep) if dep else None,
                   "pack_deposit": Deposit(**pack) if pack else None})


def cart_from_json(text: str) -> Cart:
    d: dict[str, Any] = json.loads(text)
    cart = Cart(
        lines=[
            CartLine(ln["line_no"], _item(ln["item"]), ln["qty"], ln["price"], ln["price_per"],
                     ln["discount"], ln["original_price"], tare=ln.get("tare", 0))
            for ln in d["lines"]
        ],
        sale_discount=d["sale_discount"], sale_discount_ppm=d["sale_discount_ppm"],
        overrides=[Override(**o) for o in d["overrides"]],
    )
    cart._next_line = d["next_line"]
    return cart


class ParkingService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def park(self, cart: Cart, user_id: int, label: str = "") -> int:
        if cart.is_empty:
            raise RuleError("there is nothing to park")
        plain_text(label, "the label")
        with self.ctx.write() as conn:
            return conn.execute(insert(t.parked_sales).values(
                parked_at=utc_now(), user_id=user_id, label=label, cart=cart_to_json(cart),
            ).returning(t.parked_sales.c.id)).scalar_one()

    def list(self) -> list[Parked]:
        with self.ctx.read() as conn:
            rows = conn.execute(select(t.parked_sales).order_by(t.parked_sales.c.id)).all()
        return [Parked(r.id, r.parked_at, r.label, len(json.loads(r.cart)["lines"])) for r in rows]

    def resume(self, parked_id: int) -> Cart:
        """Take a parked cart back; it leaves the parked list in the same transaction."""
        with self.ctx.write() as conn:
            text = conn.execute(
                select(t.parked_sales.c.cart).where(t.parked_sales.c.id == parked_id)
            ).scalar()
            if text is None:
                raise NotFoundError(f"there is no parked sale {parked_id}")
            conn.execute(delete(t.parked_sales).where(t.parked_sales.c.id == parked_id))
        return cart_from_json(text)
