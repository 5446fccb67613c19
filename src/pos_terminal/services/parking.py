"""Parked sales: a sale put aside (customer forgot their wallet) and resumed later.

A parked sale is stored whole in the sale-in-progress format (``domain/open_sale.py``): its
ID checks, approvals, vouchers and any payment already taken come back with it. Parking deletes
the sale's saved in-progress copy in the same transaction, and resuming writes it again in the
transaction that takes the parked row, so a crash never leaves the sale in both places or in
neither. Rows parked by versions before format 1 (a bare cart) are still read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from pos_terminal.clock import new_id, utc_now
from pos_terminal.db import tables as t
from pos_terminal.domain.cart import Cart, CartLine, Deposit, Item, Override
from pos_terminal.domain.open_sale import OpenSale, dumps, loads
from pos_terminal.domain.tenders import plain_text
from pos_terminal.errors import NotFoundError, RuleError
from pos_terminal.services import open_sales
from pos_terminal.services.context import Context


@dataclass(frozen=True)
class Parked:
    id: int
    parked_at: str
    label: str
    lines: int


def _legacy_item(d: dict[str, Any]) -> Item:
    dep, pack = d.get("deposit"), d.get("pack_deposit")
    return Item(**{**d, "deposit": Deposit(**dep) if dep else None,
                   "pack_deposit": Deposit(**pack) if pack else None})


def _legacy_cart(d: dict[str, Any]) -> Cart:
    """A cart parked before the versioned format (no ID checks, vouchers or tenders in it)."""
    cart = Cart(
        lines=[
            CartLine(ln["line_no"], _legacy_item(ln["item"]), ln["qty"], ln["price"],
                     ln["price_per"], ln["discount"], ln["original_price"],
                     tare=ln.get("tare", 0))
            for ln in d["lines"]
        ],
        sale_discount=d["sale_discount"], sale_discount_ppm=d["sale_discount_ppm"],
        overrides=[Override(**o) for o in d["overrides"]],
    )
    cart._next_line = d["next_line"]
    return cart


def read_parked(text: str, user_id: int | None, parked_at: str) -> OpenSale:
    data = json.loads(text)
    if isinstance(data, dict) and "format" not in data:
        return OpenSale(new_id(), user_id or 0, False, parked_at, _legacy_cart(data))
    return loads(text)


def cart_to_json(cart: Cart) -> str:
    """A cart alone (e.g. in a card payment's plan), in the sale-in-progress format: every line
    as priced (promotion savings included), voided lines and ID checks too."""
    return dumps(OpenSale("", 0, False, "", cart))


def cart_from_json(text: str) -> Cart:
    """A cart written by ``cart_to_json``, or by an older version (a bare cart)."""
    return read_parked(text, None, "").cart


def park_in(conn: Connection, sale: OpenSale, user_id: int, label: str) -> int:
    """Park ``sale`` inside the caller's transaction; its in-progress copy goes with it."""
    pid: int = conn.execute(insert(t.parked_sales).values(
        parked_at=utc_now(), user_id=user_id, label=label, cart=dumps(sale),
    ).returning(t.parked_sales.c.id)).scalar_one()
    open_sales.discard(conn, sale.id)
    return pid


def take(conn: Connection, parked_id: int) -> OpenSale:
    """Take a parked sale out of the list inside the caller's transaction."""
    row = conn.execute(select(t.parked_sales).where(t.parked_sales.c.id == parked_id)).first()
    if row is None:
        raise NotFoundError(f"there is no parked sale {parked_id}")
    conn.execute(delete(t.parked_sales).where(t.parked_sales.c.id == parked_id))
    return read_parked(row.cart, row.user_id, row.parked_at)


class ParkingService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def park(self, sale: Cart | OpenSale, user_id: int, label: str = "") -> int:
        """Park a sale (or a bare cart, e.g. from a script); returns its number."""
        if isinstance(sale, Cart):
            sale = OpenSale(new_id(), user_id, False, utc_now(), sale)
        if sale.cart.is_empty:
            raise RuleError("there is nothing to park")
        plain_text(label, "the label")
        with self.ctx.write() as conn:
            return park_in(conn, sale, user_id, label)

    def list(self) -> list[Parked]:
        with self.ctx.read() as conn:
            rows = conn.execute(select(t.parked_sales).order_by(t.parked_sales.c.id)).all()
        return [Parked(r.id, r.parked_at, r.label,
                       len(read_parked(r.cart, r.user_id, r.parked_at).cart.active_lines))
                for r in rows]

    def resume(self, parked_id: int) -> Cart:
        """Take a parked cart back; it leaves the parked list in the same transaction."""
        with self.ctx.write() as conn:
            return take(conn, parked_id).cart
