"""Checkout, returns, parking and stock through the services on a real SQLite register."""

from __future__ import annotations

import json
import sqlite3

import pytest

from pos_terminal.bootstrap import App
from pos_terminal.domain.cart import Cart, Override
from pos_terminal.domain.tenders import Tender, TenderKind
from pos_terminal.errors import (
    AuthError,
    BarcodeError,
    NotFoundError,
    PaymentError,
    RuleError,
)
from pos_terminal.services.catalog import resolve

from support import unit_code

CASH = [Tender(TenderKind.CASH)]


def cart_of(app: App, *codes: tuple[str, int]) -> Cart:
    cart = Cart()
    with app.ctx.read() as conn:
        for code, n in codes:
            cart.add(resolve(conn, code), n)
    return cart


def db(app: App) -> sqlite3.Connection:
    return sqlite3.connect(app.paths.database)


def test_sale_writes_everything_in_one_transaction(app: App, products: list[dict]) -> None:
    code = unit_code(products)
    before = app.inventory.stock(code).on_hand
    user = app.users.system_user().id
    r = app.checkout.complete_sale(cart_of(app, (code, 3)), [Tender(TenderKind.CASH, 1000)], user)
    assert r.receipt_no == "S1-R1-000001"
    assert app.inventory.stock(code).on_hand == before - 3
    c = db(app)
    lines = c.execute("select count(*) from sale_lines where sale_id=?", (r.sale_id,))
    assert lines.fetchone()[0] == 1
    (payload,) = c.execute("select payload from outbox where type='sale.completed'").fetchone()
    event = json.loads(payload)
    assert event["receipt_no"] == r.receipt_no
    moves = c.execute("select id, quantity from stock_movements where reference=?",
                      (r.sale_id,)).fetchall()
    assert [(m["id"], m["quantity"]) for m in event["movements"]] == moves
    assert r.change == 1000 - r.total
    assert app.inventory.verify().ok


def test_receipt_numbers_are_sequential_per_register(app: App, products: list[dict]) -> None:
    code = unit_code(products)
    user = app.users.system_user().id
    nos = [app.checkout.complete_sale(cart_of(app, (code, 1)), CASH, user).receipt_no
           for _ in range(3)]
    assert nos == ["S1-R1-000001", "S1-R1-000002", "S1-R1-000003"]


def test_failure_inside_the_transaction_leaves_nothing(
    app: App, products: list[dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    code = unit_code(products)
    before = app.inventory.stock(code).on_hand
    user = app.users.system_user().id
    from pos_terminal.db import ledger

    def broken(*_a: object, **_k: object) -> str:
        raise RuntimeError("power cut while writing the outbox")

    monkeypatch.setattr(ledger, "add_event", broken)
    with pytest.raises(RuntimeError):
        app.checkout.complete_sale(cart_of(app, (code, 1)), CASH, user)
    c = db(app)
    assert c.execute("select count(*) from sales").fetchone()[0] == 0
    assert c.execute("select count(*) from sale_lines").fetchone()[0] == 0
    assert c.execute("select count(*) from stock_movements where kind='sale'").fetchone()[0] == 0
    assert app.inventory.stock(code).on_hand == before
    monkeypatch.undo()
    r = app.checkout.complete_sale(cart_of(app, (code, 1)), CASH, user)
    assert r.receipt_no == "S1-R1-000001"  # the failed attempt used no number


def test_bad_input_writes_nothing(app: App, products: list[dict]) -> None:
    code = unit_code(products)
    user = app.users.system_user().id
    bad = code[:-1] + str((int(code[-1]) + 1) % 10)
    with app.ctx.read() as conn:
        with pytest.raises(BarcodeError, match="bad check digit"):
            resolve(conn, bad)
        with pytest.raises(NotFoundError, match="unknown barcode"):
            resolve(conn, "4006381333931")
    with pytest.raises(PaymentError, match="short"):
        app.checkout.complete_sale(cart_of(app, (code, 2)), [Tender(TenderKind.CASH, 1)], user)
    with pytest.raises(RuleError):
        app.checkout.complete_sale(Cart(), CASH, user)
    assert db(app).execute("select count(*) from sales").fetchone()[0] == 0


def test_training_sale_moves_no_stock_and_is_not_synced(app: App, products: list[dict]) -> None:
    code = unit_code(products)
    before = app.inventory.stock(code).on_hand
    outbox = db(app).execute("select count(*) from outbox").fetchone()[0]
    r = app.checkout.complete_sale(cart_of(app, (code, 1)), CASH, 1, training=True)
    assert r.receipt_no == "S1-R1-T000001"
    assert app.inventory.stock(code).on_hand == before
    assert db(app).execute("select count(*) from outbox").fetchone()[0] == outbox
    assert db(app).execute("select training from sales").fetchone()[0] == 1


def test_negative_stock_is_allowed_and_flagged(app: App, products: list[dict]) -> None:
    p = next(p for p in products if p["on_hand"] == 0 and p["unit"] == "each")
    code = unit_code(products, sku=p["sku"])
    r = app.checkout.complete_sale(cart_of(app, (code, 1)), CASH, 1)
    assert r.negative_stock == (p["sku"],)
    assert app.inventory.stock(code).on_hand == -1
    assert db(app).execute("select negative_stock from sale_lines").fetchone()[0] == 1


def test_return_never_more_than_sold(app: App, products: list[dict]) -> None:
    code = unit_code(products)
    user = app.users.system_user().id
    sale = app.checkout.complete_sale(cart_of(app, (code, 3)), CASH, user)
    on_hand = app.inventory.stock(code).on_hand
    r1 = app.returns.return_items(sale.receipt_no, [(code, 2)], user)
    assert app.inventory.stock(code).on_hand == on_hand + 2
    with pytest.raises(RuleError, match=r"3 sold .* 2 already returned"):
        app.returns.return_items(sale.receipt_no, [(code, 2)], user)
    r2 = app.returns.return_items(sale.receipt_no, [(code, 1)], user, restock=False)
    assert r1.refund + r2.refund == sale.total  # everything back, to the cent
    assert r2.restocked == 0
    assert app.inventory.stock(code).on_hand == on_hand + 2
    with pytest.raises(NotFoundError, match="unknown receipt"):
        app.returns.return_items("S1-R1-999999", [(code, 1)], user)
    assert app.inventory.verify().ok


def test_blind_return_needs_a_supervisor_and_is_audited(app: App, products: list[dict]) -> None:
    code = unit_code(products)
    cashier = app.users.by_name("cashier")
    with pytest.raises(AuthError):
        app.users.approve("cashier", "1111", "blind_return", cashier, "no receipt")
    ok = app.users.approve("manager", "9999", "blind_return", cashier, "no receipt")
    r = app.returns.blind_return([(code, 1)], cashier.id, ok)
    assert r.refund > 0
    row = db(app).execute("select action, user_id, approver_id, reason, reference "
                          "from audit_log").fetchone()
    assert row == ("blind_return", cashier.id, app.users.by_name("manager").id, "no receipt",
                   r.return_no)
    with pytest.raises(RuleError):
        app.returns.blind_return([(code, 1)], cashier.id, Override("no_sale", 1, 2, "x"))


def test_price_override_audited_with_the_sale(app: App, products: list[dict]) -> None:
    code = unit_code(products)
    cashier = app.users.by_name("cashier")
    cart = cart_of(app, (code, 1))
    ok = app.users.approve("manager", "9999", "price_override", cashier, "dented")
    cart.override_price(1, 10, ok)
    r = app.checkout.complete_sale(cart, CASH, cashier.id)
    assert r.total == 10
    row = db(app).execute("select action, reference from audit_log").fetchone()
    assert row == ("price_override", r.receipt_no)


def test_wrong_pins_lock_the_user(app: App) -> None:
    for _ in range(4):
        with pytest.raises(AuthError, match="wrong PIN"):
            app.users.sign_in("cashier", "0000")
    with pytest.raises(AuthError, match="locked for 30 s"):
        app.users.sign_in("cashier", "0000")
    with pytest.raises(AuthError, match="locked"):
        app.users.sign_in("cashier", "1111")  # even the right PIN waits


def test_park_and_resume(app: App, products: list[dict]) -> None:
    code = unit_code(products)
    cart = cart_of(app, (code, 2))
    pid = app.parking.park(cart, 1, "blue jacket")
    assert [p.label for p in app.parking.list()] == ["blue jacket"]
    back = app.parking.resume(pid)
    assert back.totals(app.settings.tax_mode, app.settings.tax_rounding).total == \
        cart.totals(app.settings.tax_mode, app.settings.tax_rounding).total
    assert app.parking.list() == []
    with pytest.raises(NotFoundError):
        app.parking.resume(pid)


def test_pack_barcode_sells_its_units(app: App, products: list[dict]) -> None:
    p = next(p for p in products if any("multiplier" in b for b in p["barcodes"]))
    pack = next(b for b in p["barcodes"] if "multiplier" in b)
    before = app.inventory.stock(p["sku"]).on_hand
    app.checkout.complete_sale(cart_of(app, (pack["code"], 1)), CASH, 1)
    assert app.inventory.stock(p["sku"]).on_hand == before - pack["multiplier"]


def test_weighed_item_sells_grams(app: App, products: list[dict]) -> None:
    p = next(p for p in products if p["unit"] == "g")
    before = app.inventory.stock(p["sku"]).on_hand
    r = app.checkout.complete_sale(cart_of(app, (p["sku"], 750)), CASH, 1)
    assert app.inventory.stock(p["sku"]).on_hand == before - 750
    assert r.total == (750 * p["price_minor"] * 2 + p["price_per"]) // (2 * p["price_per"])


def test_receive_adjust_count(app: App, products: list[dict]) -> None:
    code = unit_code(products)
    start = app.inventory.stock(code).on_hand
    app.inventory.receive([(code, 24)], 1, cost=30, reference="DN-1")
    assert app.inventory.stock(code).on_hand == start + 24
    app.inventory.adjust(code, -2, "damaged", 1)
    assert app.inventory.stock(code).on_hand == start + 22
    posting = app.inventory.count(code, 10, 1, expected=start + 22)
    assert next(iter(posting.quantities.values())) == 10 - (start + 22)
    assert app.inventory.stock(code).on_hand == 10
    kinds = [m["kind"] for m in app.inventory.stock(code).movements[:3]]
    assert kinds == ["count_variance", "adjust", "receive"]
    assert app.inventory.verify().ok
