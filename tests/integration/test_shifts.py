"""Shifts: float, paid in/out, X and Z with expected vs counted cash."""

from __future__ import annotations

import pytest

from pos_terminal.bootstrap import App
from pos_terminal.domain.cart import Cart
from pos_terminal.domain.tenders import Tender, TenderKind
from pos_terminal.errors import InputError, RuleError
from pos_terminal.services.catalog import resolve

from support import unit_code


def sell(app: App, code: str, n: int, tenders: list[Tender], training: bool = False) -> int:
    cart = Cart()
    with app.ctx.read() as conn:
        cart.add(resolve(conn, code), n)
    return app.checkout.complete_sale(cart, tenders, 2, training=training).total


def test_full_shift_cash_balances(app: App, products: list[dict]) -> None:
    code = unit_code(products)
    with pytest.raises(RuleError, match="no shift is open"):
        app.shifts.x_report()
    shift = app.shifts.open(2, 10000)
    with pytest.raises(RuleError, match="still open"):
        app.shifts.open(2, 0)
    cash = sell(app, code, 3, [Tender(TenderKind.CASH, 5000)])
    card = sell(app, code, 2, [Tender(TenderKind.CARD, None, "T-1")])
    sell(app, code, 9, [Tender(TenderKind.CASH)], training=True)  # never counts
    app.shifts.paid("paid_in", 2000, "change from bank", 2)
    app.shifts.paid("paid_out", 500, "window cleaner", 2)
    x = app.shifts.x_report()
    assert x.kind == "X"
    assert x.sales_count == 2
    assert x.tenders == {"card": card, "cash": cash}
    assert x.expected_cash == 10000 + cash + 2000 - 500
    with pytest.raises(InputError):
        app.shifts.paid("paid_out", -5, "x", 2)
    parked = Cart()
    with app.ctx.read() as conn:
        parked.add(resolve(conn, code))
    pid = app.parking.park(parked, 2)
    with pytest.raises(RuleError, match="1 parked sale"):
        app.shifts.close(2, {10000: 1})
    app.parking.resume(pid)
    with pytest.raises(RuleError, match="sale in progress"):
        app.shifts.close(2, {10000: 1}, open_sale=True)
    z = app.shifts.close(2, {10000: 1, 2000: 1, 100: 1})
    assert z.kind == "Z"
    assert z.counted_cash == 12100
    assert z.difference == 12100 - x.expected_cash
    assert app.shifts.current() is None
    again = app.shifts.z_report(shift.number)
    assert again.counted_cash == 12100
    assert again.expected_cash == z.expected_cash


def test_refunds_leave_the_drawer(app: App, products: list[dict]) -> None:
    code = unit_code(products)
    app.shifts.open(2, 0)
    cart = Cart()
    with app.ctx.read() as conn:
        cart.add(resolve(conn, code), 2)
    sale = app.checkout.complete_sale(cart, [Tender(TenderKind.CASH)], 2)
    r = app.returns.return_items(sale.receipt_no, [(code, 1)], 2)
    x = app.shifts.x_report()
    assert x.returns_count == 1
    assert x.refunds == {"cash": r.refund}
    assert x.expected_cash == sale.total - r.refund


def test_unknown_denomination_refused(app: App) -> None:
    app.shifts.open(2, 0)
    with pytest.raises(InputError, match="not a EUR note or coin"):
        app.shifts.close(2, {300: 1})
    assert app.shifts.current() is not None
