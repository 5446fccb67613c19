"""Money events: sales, returns and deposit refunds, with what they took and paid out.

Amounts are integer minor units of ``currency``; ``qty`` is base units (pieces, grams,
millilitres). The central stores these as sent and its dashboard reads their totals (a sale
without an integer ``total`` is counted, not summed), so they are not refused over a field;
their movements are checked and booked like any other.
"""

from __future__ import annotations

from pos_protocol.wire._movements import MOVEMENTS, Movement
from pos_protocol.wire._record import (
    MONEY,
    Bool,
    Int,
    Many,
    Payload,
    Record,
    Text,
    Uuid,
    record,
    spec,
)

_MONEY = Int(lo=-MONEY, hi=MONEY)


@record
class SaleLine(Record):
    line_no: int = spec(Int(lo=1, hi=2**31))
    sku: str = spec(Text(64))
    qty: int = spec(Int())
    amount: int = spec(_MONEY)  # after discounts, before tax where prices are net
    tax: int = spec(_MONEY)
    total: int = spec(_MONEY)
    promo_saving: int = spec(_MONEY, default=0, omit=True)  # what promotions took off


@record
class SaleDeposit(Record):
    """A container deposit charged under the line ``line_no``."""

    line_no: int = spec(Int(lo=1, hi=2**31))
    code: str = spec(Text(16))
    qty: int = spec(Int())
    amount: int = spec(_MONEY)
    tax: int = spec(_MONEY)
    total: int = spec(_MONEY)


@record
class Tender(Record):
    kind: str = spec(Text(20))  # cash, card, terminal, voucher…
    amount: int = spec(_MONEY)


@record
class SaleCompleted(Payload):
    """``sale.completed``: a committed sale (training sales send nothing)."""

    TYPE = "sale.completed"
    sale_id: str = spec(Uuid())
    receipt_no: str = spec(Text(40))
    currency: str = spec(Text(3))
    total: int = spec(_MONEY)
    tax: int = spec(_MONEY)
    discount: int = spec(_MONEY)
    lines: tuple[SaleLine, ...] = spec(Many(SaleLine))
    deposits: tuple[SaleDeposit, ...] = spec(Many(SaleDeposit), default=(), omit=True)
    payments: tuple[Tender, ...] = spec(Many(Tender))
    voucher_payout: int = spec(_MONEY, default=0, omit=True)  # change given as a voucher
    rest_voucher: str | None = spec(Text(40), default=None, omit=True)  # a voucher's rest
    rest_voucher_amount: int = spec(_MONEY, default=0, omit=True)
    movements: tuple[Movement, ...] = spec(MOVEMENTS, default=())


@record
class ReturnLine(Record):
    sku: str = spec(Text(64))
    qty: int = spec(Int())
    amount: int = spec(_MONEY)
    tax: int = spec(_MONEY)


@record
class DepositLine(Record):
    """Deposits paid back (with a return, or empties returned on their own)."""

    code: str = spec(Text(16))
    qty: int = spec(Int())
    amount: int = spec(_MONEY)
    tax: int = spec(_MONEY)


@record
class ReturnCompleted(Payload):
    """``return.completed``: goods back against a sale (``sale_id``) or blind (None)."""

    TYPE = "return.completed"
    return_id: str = spec(Uuid())
    return_no: str = spec(Text(40))
    sale_id: str | None = spec(Uuid(), default=None)
    refund: int = spec(_MONEY)
    tax: int = spec(_MONEY)
    restock: bool = spec(Bool())
    blind: bool = spec(Bool())
    lines: tuple[ReturnLine, ...] = spec(Many(ReturnLine))
    deposits: tuple[DepositLine, ...] = spec(Many(DepositLine), default=(), omit=True)
    movements: tuple[Movement, ...] = spec(MOVEMENTS, default=())


@record
class DepositRefunded(Payload):
    """``deposit.refunded``: empties returned without a sale, paid in cash or a voucher."""

    TYPE = "deposit.refunded"
    refund_id: str = spec(Uuid())
    refund_no: str = spec(Text(40))
    method: str = spec(Text(16, choices=("cash", "voucher")))
    currency: str = spec(Text(3))
    total: int = spec(_MONEY)
    tax: int = spec(_MONEY)
    lines: tuple[DepositLine, ...] = spec(Many(DepositLine))
