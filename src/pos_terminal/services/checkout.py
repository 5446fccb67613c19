"""Completing a sale: one transaction writes the sale, its lines, taxes and payments, the ledger
movements (stock_levels follow by trigger), the outbox event and any override audit rows.

This is the register's hot path: SQLAlchemy Core with prebuilt statements and executemany
(see docs/architecture.md for the measured cost against bare sqlite3).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert

from pos_protocol import wire
from pos_terminal.clock import new_id, utc_now
from pos_terminal.db import ledger, print_queue
from pos_terminal.db import tables as t
from pos_terminal.db.attempts import mark_recorded
from pos_terminal.db.counters import next_number
from pos_terminal.db.fast import cursor, insert_sql
from pos_terminal.domain.cart import Cart, Totals
from pos_terminal.domain.controls import audited
from pos_terminal.domain.ledger import Movement, MovementKind
from pos_terminal.domain.tenders import Settlement, Tender, TenderKind, settle
from pos_terminal.errors import RuleError
from pos_terminal.services import open_sales
from pos_terminal.services.context import Context
from pos_terminal.services.deposits import VOUCHER_REST_CASH, issue_rest_voucher
from pos_terminal.services.users import write_audit

_SALE_COLUMNS = (
    "id", "receipt_no", "training", "user_id", "completed_at", "currency", "tax_mode", "subtotal",
    "discount", "tax", "total", "cash_rounding", "change", "shift_id",
)
_LINE_COLUMNS = (
    "sale_id", "line_no", "product_id", "sku", "name", "variant", "unit", "qty", "price",
    "price_per", "original_price", "gross", "line_discount", "sale_discount", "amount", "tax",
    "total", "tax_code", "rate_ppm", "negative_stock",
)
_TAX_COLUMNS = ("sale_id", "tax_code", "rate_ppm", "base", "tax")
_RETAIL_COLUMNS = ("sale_id", "line_no", "promo_saving", "promo_label", "tare")
_DEPOSIT_COLUMNS = (
    "sale_id", "line_no", "code", "name", "qty", "unit_amount", "amount", "tax", "total",
    "tax_code", "rate_ppm",
)
_PAYMENT_COLUMNS = (
    "sale_id", "return_id", "kind", "amount", "tendered", "change", "reference", "attempt_id",
)
_INSERT_SALE = insert_sql(t.sales, _SALE_COLUMNS)
_INSERT_LINE = insert_sql(t.sale_lines, _LINE_COLUMNS)
_INSERT_TAX = insert_sql(t.sale_taxes, _TAX_COLUMNS)
_INSERT_PAYMENT = insert_sql(t.payments, _PAYMENT_COLUMNS)
_INSERT_RETAIL = insert_sql(t.sale_line_retail, _RETAIL_COLUMNS)
_INSERT_DEPOSIT = insert_sql(t.sale_deposits, _DEPOSIT_COLUMNS)
_REDEEM = (
    "UPDATE deposit_refunds SET redeemed_sale_id = ?, redeemed_at = ? WHERE voucher_code = ? "
    "AND method = 'voucher' AND redeemed_sale_id IS NULL AND total = ? AND training = ?"
)
_LEVEL = "SELECT on_hand FROM stock_levels WHERE product_id = ?"
_OPEN_SHIFT = "SELECT id FROM shifts WHERE status = 'open'"


@dataclass(frozen=True)
class SaleResult:
    sale_id: str
    receipt_no: str
    totals: Totals
    settlement: Settlement
    completed_at: str
    training: bool
    negative_stock: tuple[str, ...]  # SKUs whose on-hand went below zero
    rest_voucher: str | None = None  # a new voucher for what vouchers were worth beyond it

    @property
    def total(self) -> int:
        return self.totals.total

    @property
    def change(self) -> int:
        return self.settlement.change


class CheckoutService:
    def __init__(self, ctx: Context, voucher_rest: str = VOUCHER_REST_CASH) -> None:
        self.ctx = ctx
        # [retail] voucher_rest: a voucher worth more than the sale pays the rest out in
        # "cash" (the default) or as a new "voucher" (docs/retail.md).
        self.voucher_rest = voucher_rest

    def totals(self, cart: Cart) -> Totals:
        s = self.ctx.settings
        return cart.totals(s.tax_mode, s.tax_rounding)

    def complete_sale(
        self, cart: Cart, tenders: list[Tender], user_id: int, training: bool = False,
        sale_id: str | None = None,
    ) -> SaleResult:
        """``sale_id``: the id of the sale in progress (its saved copy is deleted in the same
        transaction, so the sale can never come back as open nor be lost in between)."""
        s = self.ctx.settings
        if cart.is_empty:
            raise RuleError("the sale has no items")
        totals = cart.totals(s.tax_mode, s.tax_rounding)
        settlement = settle(totals.total, tenders, s.currency,
                            voucher_rest_in_cash=self.voucher_rest == VOUCHER_REST_CASH)
        now = utc_now()
        sale_id = sale_id or new_id()
        with self.ctx.write() as conn:
            series = "training" if training else "receipt"
            n = next_number(conn, series)
            receipt = f"{s.store}-{s.register}-{'T' if training else ''}{n:06d}"
            cur = cursor(conn)
            shift = cur.execute(_OPEN_SHIFT).fetchone()
            cur.execute(_INSERT_SALE, (
                sale_id, receipt, training, user_id, now, s.currency.code, str(s.tax_mode),
                totals.subtotal, totals.discount, totals.tax, totals.total,
                settlement.cash_rounding, settlement.change, shift[0] if shift else None,
            ))
            levels: dict[int, int] = {}
            negative: list[str] = []
            for p in totals.lines:
                pid = p.line.item.product_id
                if pid not in levels:
                    row = cur.execute(_LEVEL, (pid,)).fetchone()
                    levels[pid] = row[0] if row else 0
                levels[pid] -= p.line.qty
                if levels[pid] < 0 and not training:
                    negative.append(p.line.item.sku)
            cur.executemany(_INSERT_LINE, [
                (
                    sale_id, p.line.line_no, p.line.item.product_id, p.line.item.sku,
                    p.line.item.name, p.line.item.variant, p.line.item.unit, p.line.qty,
                    p.line.price, p.line.price_per, p.line.original_price, p.gross,
                    p.line_discount, p.sale_discount, p.amount, p.tax, p.total,
                    p.line.item.tax_code, p.line.item.rate_ppm, p.line.item.sku in negative,
                )
                for p in totals.lines
            ])
            cur.executemany(_INSERT_TAX, [
                (sale_id, x.code, x.rate_ppm, x.base, x.tax) for x in totals.taxes
            ])
            retail = [
                (sale_id, p.line.line_no, p.line.promo_saving, " + ".join(p.line.promo_labels),
                 p.line.tare or None)
                for p in totals.lines if p.line.promo_saving or p.line.tare
            ]
            if retail:  # promotions and tares only: a plain sale writes nothing more
                cur.executemany(_INSERT_RETAIL, retail)
            if totals.deposits:
                cur.executemany(_INSERT_DEPOSIT, [
                    (sale_id, d.line_no, d.deposit.code, d.deposit.name, d.count,
                     d.deposit.amount, d.amount, d.tax, d.total, d.deposit.tax_code,
                     d.deposit.rate_ppm)
                    for d in totals.deposits
                ])
            for a in settlement.tenders:
                if a.kind is TenderKind.VOUCHER:
                    cur.execute(_REDEEM, (sale_id, now, a.reference, a.tendered, training))
                    if cur.rowcount != 1:
                        raise RuleError(f"voucher {a.reference} is not valid for "
                                        f"{s.currency.format(a.tendered)} or was already used")
            rest_voucher = None
            if settlement.voucher_payout and shift and not training:
                # The rest of the vouchers leaves the drawer as change: the count stays right.
                conn.execute(insert(t.cash_movements).values(
                    shift_id=shift[0], at=now, kind="paid_out", amount=settlement.voucher_payout,
                    reason=f"voucher change {receipt}", user_id=user_id))
            if settlement.rest_voucher:
                rest_voucher = issue_rest_voucher(
                    conn, s, user_id, shift[0] if shift else None, training,
                    settlement.rest_voucher, receipt, now)
            cur.executemany(_INSERT_PAYMENT, [
                (sale_id, None, str(a.kind), a.amount, a.tendered, a.change, a.reference,
                 a.attempt or None)
                for a in settlement.tenders
            ])
            if any(a.attempt for a in settlement.tenders):
                mark_recorded(conn, settlement.tenders, now, sale_id=sale_id)
            for o, value in audited(cart.overrides, totals):
                write_audit(conn, o, receipt, now, value=value, training=training)
            print_queue.enqueue(conn, "receipt", sale_id, now)
            open_sales.discard(conn, sale_id)
            if not training:
                moves = [
                    Movement(new_id(), p.line.item.product_id, -p.line.qty, MovementKind.SALE, "",
                             sale_id, p.line.item.cost, now, user_id, s.terminal)
                    for p in totals.lines
                ]
                posted = ledger.append(conn, s.terminal, moves)
                skus = {p.line.item.product_id: p.line.item.sku for p in totals.lines}
                ledger.add_event(conn, now, wire.SaleCompleted(
                    sale_id=sale_id, receipt_no=receipt, currency=s.currency.code,
                    total=totals.total, tax=totals.tax, discount=totals.discount,
                    lines=tuple(
                        wire.SaleLine(line_no=p.line.line_no, sku=p.line.item.sku,
                                      qty=p.line.qty, amount=p.amount, tax=p.tax,
                                      total=p.total, promo_saving=p.line.promo_saving)
                        for p in totals.lines),
                    deposits=tuple(
                        wire.SaleDeposit(line_no=d.line_no, code=d.deposit.code, qty=d.count,
                                         amount=d.amount, tax=d.tax, total=d.total)
                        for d in totals.deposits),
                    payments=tuple(wire.Tender(kind=str(a.kind), amount=a.amount)
                                   for a in settlement.tenders),
                    voucher_payout=settlement.voucher_payout, rest_voucher=rest_voucher,
                    rest_voucher_amount=settlement.rest_voucher if rest_voucher else 0,
                    movements=ledger.movement_payload(posted, skus),
                ))
        return SaleResult(
            sale_id, receipt, totals, settlement, now, training, tuple(dict.fromkeys(negative)),
            rest_voucher,
        )
