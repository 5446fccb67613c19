"""Empties: container deposits taken back without a sale (docs/retail.md).

The customer brings bottles or cans; the cashier scans them (a product's barcode: its deposit
times the pack) or picks a deposit type and a count. The refund is paid out in cash (a
``paid_out`` cash movement in the open shift, so the drawer count stays right) or issued as a
voucher: a slip with a barcode the sale screen takes once as a tender. One transaction writes
the refund, its cash movement or voucher, the print job and the ``deposit.refunded`` event.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select

from pos_protocol import wire
from pos_terminal.clock import new_id, utc_now
from pos_terminal.db import ledger, print_queue
from pos_terminal.db import tables as t
from pos_terminal.db.counters import next_number
from pos_terminal.domain.cart import MAX_PIECES
from pos_terminal.domain.tax import tax_of
from pos_terminal.errors import InputError, NotFoundError, QuantityError, RuleError
from pos_terminal.services.catalog import resolve_scan
from pos_terminal.services.context import Context
from pos_terminal.services.shifts import OPEN_SHIFT

METHODS = ("cash", "voucher")
VOUCHER_REST_CASH, VOUCHER_REST_VOUCHER = "cash", "voucher"  # [retail] voucher_rest


@dataclass(frozen=True)
class EmptyLine:
    code: str
    name: str
    qty: int
    unit_amount: int
    amount: int
    tax: int
    tax_code: str

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class DepositTypeRow:
    code: str
    name: str
    amount: int


@dataclass(frozen=True)
class DepositRefund:
    refund_id: str
    refund_no: str
    method: str
    total: int
    tax: int
    lines: tuple[EmptyLine, ...]
    voucher_code: str | None


class DepositService:
    def __init__(self, ctx: Context, deposit_tax: tuple[str, int] | None = None) -> None:
        self.ctx = ctx
        self.deposit_tax = deposit_tax  # the store's rule; None: follow the item

    def types(self) -> list[DepositTypeRow]:
        d = t.deposit_types
        with self.ctx.read() as conn:
            rows = conn.execute(select(d.c.code, d.c.name, d.c.amount)
                                .where(d.c.active.is_(True)).order_by(d.c.amount, d.c.code))
            return [DepositTypeRow(*r) for r in rows]

    def voucher_value(self, code: str, training: bool = False) -> int:
        """What an unused voucher pays; raises with the cashier's reason when it cannot."""
        with self.ctx.read() as conn:
            return voucher_value(conn, code, training)

    def price(self, items: list[tuple[str, int]]) -> list[EmptyLine]:
        """What ``(code, count)`` empties are worth, without recording anything."""
        with self.ctx.read() as conn:
            return _merge([self._line(conn, code, count) for code, count in items])

    def refund(self, items: list[tuple[str, int]], user_id: int, method: str = "cash",
               training: bool = False) -> DepositRefund:
        """Take back ``(code, count)`` empties: a product barcode/SKU or a deposit type code."""
        if method not in METHODS:
            raise InputError("pay the deposit out in cash or as a voucher")
        if not items:
            raise InputError("scan the empties or pick a deposit type first")
        s = self.ctx.settings
        now = utc_now()
        with self.ctx.write() as conn:
            lines = _merge([self._line(conn, code, count) for code, count in items])
            total = sum(x.amount for x in lines)
            tax = sum(x.tax for x in lines)
            shift = conn.execute(OPEN_SHIFT).scalar()
            if method == "cash" and shift is None and not training:
                raise RuleError("open a shift to pay deposits out in cash, or issue a voucher")
            n = next_number(conn, "training_deposit" if training else "deposit")
            refund_no = f"{s.store}-{s.register}-{'T' if training else ''}D{n:06d}"
            refund_id = new_id()
            voucher = refund_no if method == "voucher" else None
            conn.execute(insert(t.deposit_refunds).values(
                id=refund_id, refund_no=refund_no, completed_at=now, user_id=user_id,
                shift_id=shift, training=training, method=method, total=total, tax=tax,
                lines=json.dumps([x.to_json() for x in lines]), voucher_code=voucher))
            if method == "cash" and shift is not None:
                conn.execute(insert(t.cash_movements).values(
                    shift_id=shift, at=now, kind="paid_out", amount=total,
                    reason=f"deposit refund {refund_no}", user_id=user_id))
            print_queue.enqueue(conn, "deposit", refund_id, now)
            if not training:
                ledger.add_event(conn, now, wire.DepositRefunded(
                    refund_id=refund_id, refund_no=refund_no, method=method,
                    currency=s.currency.code, total=total, tax=tax,
                    lines=tuple(wire.DepositLine(code=x.code, qty=x.qty, amount=x.amount,
                                                 tax=x.tax) for x in lines),
                ))
        return DepositRefund(refund_id, refund_no, method, total, tax, tuple(lines), voucher)

    def _line(self, conn: Connection, code: str, count: int) -> EmptyLine:
        if count <= 0:
            raise QuantityError("quantity must be positive")
        if count > MAX_PIECES:
            raise QuantityError(f"quantity {count} is too large (at most {MAX_PIECES})")
        d = t.deposit_types
        row = conn.execute(select(d.c.code, d.c.name, d.c.amount, d.c.tax_code)
                           .where(d.c.code == code.strip(), d.c.active.is_(True))).first()
        if row is not None:
            tax_code, rate = self._type_tax(conn, row.code, row.tax_code)
            name, amount, dcode, qty = row.name, row.amount, row.code, count
        else:
            try:
                item = resolve_scan(conn, code, deposit_tax=self.deposit_tax).item
            except NotFoundError as exc:
                raise NotFoundError(f"{code}: neither a deposit type nor a known product") \
                    from exc
            if item.deposit is None:
                raise RuleError(f"{item.name} carries no deposit")
            dep = item.deposit
            name, amount, dcode, qty = dep.name, dep.amount, dep.code, count * item.pack
            tax_code, rate = dep.tax_code, dep.rate_ppm
        total = qty * amount
        return EmptyLine(dcode, name, qty, amount, total,
                         tax_of(total, rate, self.ctx.settings.tax_mode), tax_code)

    def _type_tax(self, conn: Connection, code: str, own: str | None) -> tuple[str, int]:
        """A deposit type's tax: its own class, else the store's, else its products' class."""
        tc = t.tax_classes
        if own is not None:
            rate = conn.execute(select(tc.c.rate_ppm).where(tc.c.code == own)).scalar()
            if rate is not None:
                return own, int(rate)
        if self.deposit_tax is not None:
            return self.deposit_tax
        row = conn.execute(
            select(tc.c.code, tc.c.rate_ppm).join(t.products, t.products.c.tax_class_id == tc.c.id)
            .where(t.products.c.deposit_code == code).limit(1)).first()
        if row is None:
            raise RuleError(f"deposit {code}: no product carries it, so its tax class is "
                            "unknown; scan a bottle of the product instead")
        return row.code, int(row.rate_ppm)


def issue_rest_voucher(conn: Connection, s: Any, user_id: int, shift: str | None,
                       training: bool, amount: int, receipt: str, now: str) -> str:
    """A new voucher for what the vouchers on sale ``receipt`` were worth beyond it (inside the
    sale's transaction). Not a deposit refund: no tax and no ``deposit.refunded`` event; the
    sale's event names it."""
    n = next_number(conn, "training_deposit" if training else "deposit")
    code = f"{s.store}-{s.register}-{'T' if training else ''}D{n:06d}"
    refund_id = new_id()
    line = EmptyLine("VOUCHER", f"Rest of vouchers, receipt {receipt}", 1, amount, amount, 0, "")
    conn.execute(insert(t.deposit_refunds).values(
        id=refund_id, refund_no=code, completed_at=now, user_id=user_id, shift_id=shift,
        training=training, method="voucher", total=amount, tax=0,
        lines=json.dumps([line.to_json()]), voucher_code=code))
    print_queue.enqueue(conn, "deposit", refund_id, now)
    return code


def voucher_value(conn: Connection, code: str, training: bool = False) -> int:
    r = t.deposit_refunds
    row = conn.execute(select(r.c.total, r.c.redeemed_sale_id, r.c.training)
                       .where(r.c.voucher_code == code.strip())).first()
    if row is None:
        raise NotFoundError(f"voucher {code}: unknown; check the number under the barcode")
    if row.redeemed_sale_id is not None:
        raise RuleError(f"voucher {code} was already used")
    if bool(row.training) != training:
        kind = "a training" if row.training else "a real"
        raise RuleError(f"voucher {code} is from {kind} refund and cannot pay for this sale")
    return int(row.total)


VOUCHER_CODE = re.compile(r"^[A-Za-z0-9]{1,16}-[A-Za-z0-9]{1,16}-T?D\d{6}$")


def looks_like_voucher(text: str) -> bool:
    return bool(VOUCHER_CODE.match(text.strip()))


def _merge(lines: list[EmptyLine]) -> list[EmptyLine]:
    out: dict[tuple[str, str], EmptyLine] = {}
    for x in lines:
        prev = out.get((x.code, x.tax_code))
        out[(x.code, x.tax_code)] = x if prev is None else EmptyLine(
            x.code, x.name, prev.qty + x.qty, x.unit_amount, prev.amount + x.amount,
            prev.tax + x.tax, x.tax_code)
    return list(out.values())
