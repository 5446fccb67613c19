"""Overrides are audited with cashier, approver, items and value, on the shift they happened in
(training never counts)."""

from __future__ import annotations

import sqlite3

from pos_terminal.bootstrap import App
from pos_terminal.domain.cart import Override
from pos_terminal.domain.tenders import Tender, TenderKind
from pos_terminal.services.sale_session import Approver

from support import unit_code


def db(app: App) -> sqlite3.Connection:
    return sqlite3.connect(app.paths.database)


def test_price_override_and_discounts_are_valued_on_the_sale(
        app: App, products: list[dict]) -> None:
    code = unit_code(products)
    shift = app.shifts.open(2, 10_000)
    cashier = app.users.by_name("cashier")
    manager = app.users.by_name("manager")
    s = app.sale_session(cashier)
    line = s.scan(code, 3)
    price = line.price
    boss = Approver("manager", "9999")
    s.override_price(line.line_no, price - 10, s.authorise("price_override", "dented", boss))
    s.override_price(line.line_no, price - 20, s.authorise("price_override", "more dents", boss))
    other = s.scan(unit_code(products[5:], unit="each", min_age=None), 1)
    s.discount_line(other.line_no, s.authorise("sale_discount", "loyal", boss), amount=5)
    s.discount_sale(s.authorise("sale_discount", "staff", boss), amount=7)
    r = s.complete([Tender(TenderKind.CASH)])
    rows = db(app).execute(
        "select action, user_id, approver_id, reason, reference, value, shift_id, training "
        "from audit_log order by id").fetchall()
    assert rows == [
        ("price_override", cashier.id, manager.id, "dented", r.receipt_no, 0, shift.id, 0),
        ("price_override", cashier.id, manager.id, "more dents", r.receipt_no, 60, shift.id, 0),
        ("sale_discount", cashier.id, manager.id, "loyal", r.receipt_no, 5, shift.id, 0),
        ("sale_discount", cashier.id, manager.id, "staff", r.receipt_no, 7, shift.id, 0),
    ]
    details = [d for (d,) in db(app).execute("select detail from audit_log order by id")]
    assert line.item.sku in details[1] and "-> " in details[1]  # the price, old and new
    assert details[2] == f"line {other.line_no} {other.item.sku} {other.item.name}"
    assert details[3] == "whole sale"


def test_a_voided_overridden_line_is_worth_nothing_and_training_is_not_counted(
        app: App, products: list[dict]) -> None:
    code = unit_code(products)
    app.shifts.open(2, 0)
    cashier = app.users.by_name("cashier")
    s = app.sale_session(cashier, training=True)
    line = s.scan(code, 2)
    s.scan(unit_code(products[5:], unit="each", min_age=None), 1)
    s.override_price(line.line_no, 1, s.authorise("price_override", "x",
                                                    Approver("manager", "9999")))
    s.void_line(line.line_no)
    r = s.complete([Tender(TenderKind.CASH)])
    assert db(app).execute("select action, value, shift_id, training, reference "
                           "from audit_log").fetchall() == [
        ("price_override", 0, None, 1, r.receipt_no)]


def test_write_audit_keeps_old_callers_working(app: App) -> None:
    from pos_terminal.services.users import write_audit

    app.shifts.open(2, 0)
    with app.ctx.write() as conn:
        rid = write_audit(conn, Override("no_sale", 2, 3, "change"), "")
    row = db(app).execute("select id, action, value, shift_id is not null, training "
                          "from audit_log").fetchone()
    assert row == (rid, "no_sale", None, 1, 0)
