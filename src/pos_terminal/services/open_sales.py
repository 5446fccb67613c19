"""Sales in progress kept in the register database: saved after every change, back at sign-in.

One row per cashier (``open_sales``), written in its own small transaction after each change
by the sale session, or inside the transaction that ends the sale: completing (the sale row),
parking (the parked row) and voiding delete it there, so a sale is never both completed and
open, nor lost between the two. The row's ``id`` is the id the completed sale gets.

Who gets it back (docs/cashier-guide.md): the cashier who rang it, at their next sign-in on
this register. Another cashier signing in meanwhile starts their own sale; the kept one stays
for its cashier and shows in the Resume list (F8), where anyone may take it over like a parked
sale. A shift cannot close while a sale is kept: the X report lists them, the close names them.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from pos_protocol.money import Currency
from pos_terminal.clock import utc_now
from pos_terminal.config import Settings
from pos_terminal.db import tables as t
from pos_terminal.db.fast import cursor
from pos_terminal.db.uow import storage_error
from pos_terminal.domain.open_sale import OpenSale, dumps, loads
from pos_terminal.domain.tenders import TenderKind
from pos_terminal.errors import NotFoundError, RuleError
from pos_terminal.services.context import Context

_UPSERT = (
    "INSERT INTO open_sales (id, user_id, training, started_at, updated_at, revision, state) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET training = excluded.training, "
    "updated_at = excluded.updated_at, revision = excluded.revision, state = excluded.state "
    "WHERE open_sales.user_id = excluded.user_id"
)
_DELETE = "DELETE FROM open_sales WHERE id = ?"


@dataclass(frozen=True)
class KeptSale:
    """A sale in progress as lists and reports show it."""

    id: str
    user_id: int
    cashier: str
    training: bool
    started_at: str
    updated_at: str
    items: int
    total: int
    paid: tuple[tuple[str, int], ...]  # (tender kind, amount) already taken
    vouchers: int  # value of the empties vouchers scanned

    def describe(self, currency: Currency) -> str:
        """``3 items, 12.40, card 5.00 already paid`` (what the cashier reads)."""
        return ", ".join(p for p in self.parts(currency) if p)

    def parts(self, currency: Currency) -> tuple[str, str]:
        """(``3 items, 12.40``, ``card 5.00 already paid`` or "") for a narrow report."""
        fmt = currency.format
        text = f"{self.items} item{'' if self.items == 1 else 's'}, {fmt(self.total)}"
        if self.training:
            text += " (training)"
        paid = ", ".join(f"{kind} {fmt(amount)}" for kind, amount in self.paid)
        if self.vouchers:
            paid = ", ".join(p for p in (paid, f"vouchers {fmt(self.vouchers)}") if p)
        return text, f"{paid} already paid" if paid else ""


def summarize(sale: OpenSale, settings: Settings, cashier: str = "",
              updated_at: str = "") -> KeptSale:
    totals = sale.cart.totals(settings.tax_mode, settings.tax_rounding)
    paid: dict[str, int] = {}
    for tender in sale.tenders:
        paid[str(tender.kind)] = paid.get(str(tender.kind), 0) + (tender.amount or 0)
    return KeptSale(sale.id, sale.user_id, cashier, sale.training, sale.started_at, updated_at,
                    totals.item_count, totals.total, tuple(paid.items()),
                    sum(v.amount or 0 for v in sale.vouchers if v.kind is TenderKind.VOUCHER))


# -- inside a caller's transaction --------------------------------------------------------------
def save(conn: Connection, sale: OpenSale, revision: int, state: str | None = None) -> None:
    """Write the whole sale (insert or replace its row); ``state``: ``dumps(sale)`` if the
    caller has it already."""
    cur = cursor(conn)
    try:
        cur.execute(_UPSERT, (sale.id, sale.user_id, sale.training, sale.started_at, utc_now(),
                              revision, state if state is not None else dumps(sale)))
    except sqlite3.IntegrityError as exc:
        if "open_sales.user_id" in str(exc):  # UNIQUE (user_id): one sale per cashier
            raise RuleError("another sale of yours is kept on this register: sign in again to "
                            "get it back") from exc
        raise storage_error(exc) from exc
    if cur.rowcount != 1:  # the row belongs to another cashier now (taken over)
        raise RuleError("this sale was taken over by another cashier; sign in again")


def discard(conn: Connection, sale_id: str) -> None:
    """The sale ended (completed, parked, voided): its saved copy goes in the same transaction."""
    cursor(conn).execute(_DELETE, (sale_id,))


def of_user(conn: Connection, user_id: int) -> tuple[OpenSale, int] | None:
    """The sale kept for ``user_id`` and its revision, or None."""
    row = conn.execute(select(t.open_sales.c.state, t.open_sales.c.revision)
                       .where(t.open_sales.c.user_id == user_id)).first()
    return None if row is None else (loads(row.state), row.revision)


def kept(conn: Connection, settings: Settings) -> list[KeptSale]:
    """Every sale in progress kept on this register, oldest first."""
    o = t.open_sales
    rows = conn.execute(
        select(o.c.state, o.c.updated_at, t.users.c.name)
        .join(t.users, t.users.c.id == o.c.user_id).order_by(o.c.started_at, o.c.id)
    ).all()
    return [summarize(loads(r.state), settings, r.name, r.updated_at) for r in rows]


def take_over(conn: Connection, sale_id: str, user_id: int) -> tuple[OpenSale, int]:
    """Move another cashier's kept sale to ``user_id`` (who has no sale of their own)."""
    o = t.open_sales
    row = conn.execute(select(o.c.state, o.c.revision).where(o.c.id == sale_id)).first()
    if row is None:
        raise NotFoundError("that sale in progress is no longer kept (finished elsewhere?)")
    own = conn.execute(select(o.c.id).where(o.c.user_id == user_id)).first()
    if own is not None and own.id != sale_id:
        raise RuleError("finish or park your own sale in progress first")
    conn.execute(update(o).where(o.c.id == sale_id).values(user_id=user_id))
    sale = loads(row.state)
    sale.user_id = user_id
    return sale, row.revision


class OpenSaleService:
    """What screens and reports ask about kept sales (each call its own transaction)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def kept(self) -> list[KeptSale]:
        with self.ctx.read() as conn:
            return kept(conn, self.ctx.settings)
