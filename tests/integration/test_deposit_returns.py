"""Deposits with returns, crates on pack barcodes and exact partial refunds (docs/retail.md)."""

from __future__ import annotations

import random
import sqlite3

import pytest
from test_retail_rules import CASH, CRISPS, WATER, WATER_6, rules, session

from pos_protocol import wire
from pos_terminal.bootstrap import App
from pos_terminal.domain.cart import Override
from pos_terminal.domain.receipt import to_text
from pos_terminal.domain.tenders import Tender, TenderKind

CAN = {"code": "CAN", "name": "Deposit can", "amount": 25}
CRATE = {"code": "CRATE", "name": "Deposit crate", "amount": 150}
ODD = {"code": "ODD", "name": "Deposit odd", "amount": 7}  # 7 × 19 % tax: shares don't divide


def deposits(app: App, unit: dict = CAN, crate: bool = False) -> None:
    rules(app, [], (unit, CRATE))
    with app.ctx.write() as conn:
        conn.exec_driver_sql("update products set deposit_code=? where sku='100001'",
                             (unit["code"],))
        if crate:
            conn.exec_driver_sql("update barcodes set deposit_code='CRATE' where code=?",
                                 (WATER_6,))


def blind_ok(app: App) -> Override:
    me = app.users.system_user().id
    return Override("blind_return", me, me, "no receipt")


def slip(app: App, number: str) -> str:
    return to_text(app.printing.document(number))


def test_pack_barcode_carries_its_own_crate_deposit(app: App) -> None:
    deposits(app, crate=True)
    s = session(app)
    s.scan(WATER_6, 2)  # two packs: 12 cans and 2 crates
    s.scan(WATER)  # the single bottle carries no crate
    t = s.totals()
    assert [(d.deposit.code, d.count, d.amount) for d in t.deposits] == [
        ("CAN", 12, 300), ("CRATE", 2, 300), ("CAN", 1, 25)]
    assert [r.kind for r in t.display_rows()] == ["item", "deposit", "deposit", "item", "deposit"]
    r = s.complete(CASH)
    text = slip(app, r.receipt_no)
    assert "Deposit crate 2 × 1.50" in text and "Deposit can 12 × 0.25" in text
    me = app.users.system_user().id
    half = app.returns.return_items(r.receipt_no, [(WATER_6, 1)], me)  # one pack back
    assert half.refund == 299 + 6 * 25 + 150
    assert "Deposit crate 1 × 1.50" in slip(app, half.return_no)
    # a few bottles of the other pack bring their cans back, but not yet the crate
    few = app.returns.return_items(r.receipt_no, [(WATER, 4)], me)
    c = sqlite3.connect(app.paths.database)
    got = c.execute("select code, qty, amount from return_deposits rd join returns r "
                    "on r.id = rd.return_id where r.return_no=? order by rd.id",
                    (few.return_no,)).fetchall()
    assert ("CAN", 4, 100) in got and all(code != "CRATE" for code, *_ in got)


def test_crate_deposit_comes_from_the_catalog_and_is_optional_on_the_wire(app: App) -> None:
    old = wire.parse_product({"sku": "1", "name": "x", "tax_class": "STD", "price": 1,
                              "version": 1, "barcodes": [{"code": WATER_6, "multiplier": 6}]})
    assert old.barcodes[0].deposit is None
    assert "deposit" not in old.to_json()["barcodes"][0]  # older registers see what they knew
    rules(app, [], (CRATE,))
    with app.ctx.read() as conn:
        sku, name, tax = conn.exec_driver_sql(
            "select p.sku, p.name, t.code from products p join tax_classes t "
            "on t.id = p.tax_class_id where p.sku='100001'").one()
    page = wire.parse_catalog_page({"version": 2, "products": [{
        "sku": sku, "name": name, "tax_class": tax, "price": 59, "version": 2,
        "barcodes": [{"code": WATER}, {"code": WATER_6, "multiplier": 6, "pack_price": 299,
                                       "deposit": "CRATE"}]}]})
    app.sync.apply_catalog(page)
    s = session(app)
    s.scan(WATER_6)
    assert [(d.deposit.code, d.count) for d in s.totals().deposits] == [("CRATE", 1)]


def test_blind_return_refunds_the_deposit_unless_the_bottle_stays(app: App) -> None:
    deposits(app, crate=True)
    me = app.users.system_user().id
    back = app.returns.blind_return([(WATER_6, 1)], me, blind_ok(app))
    assert back.refund == 299 + 6 * 25 + 150
    text = slip(app, back.return_no)
    assert "Deposit can 6 × 0.25" in text and "Deposit crate 1 × 1.50" in text
    kept = app.returns.blind_return([(WATER, 2)], me, blind_ok(app), deposit_back=False)
    assert kept.refund == 2 * 59
    assert "Deposit" not in slip(app, kept.return_no)


@pytest.mark.parametrize("seed", range(6))
def test_partial_returns_refund_exactly_the_deposit_charged(app: App, seed: int) -> None:
    """Property: however the units come back, the steps add up to what was charged."""
    deposits(app, ODD)
    rng = random.Random(seed)
    n = rng.randint(2, 30)
    s = session(app)
    s.scan(WATER, n)
    r = s.complete(CASH)
    c = sqlite3.connect(app.paths.database)
    total, tax = c.execute("select total, tax from sale_deposits where sale_id=?",
                           (r.sale_id,)).fetchone()
    assert tax > 0
    me = app.users.system_user().id
    left = n
    while left:
        q = rng.randint(1, left)
        app.returns.return_items(r.receipt_no, [(WATER, q)], me)
        left -= q
    got = c.execute("select sum(rd.amount), sum(rd.tax), sum(rd.qty) from return_deposits rd "
                    "join sale_deposits sd on sd.id = rd.sale_deposit_id where sd.sale_id=?",
                    (r.sale_id,)).fetchone()
    assert got == (total, tax, n)
    assert c.execute("select refunded from sale_deposits where sale_id=?",
                     (r.sale_id,)).fetchone() == (total,)


def test_return_slip_tax_table_includes_the_deposit(app: App) -> None:
    deposits(app)
    s = session(app)
    s.scan(CRISPS)
    s.scan(WATER, 2)
    r = s.complete([Tender(TenderKind.CASH)])
    back = app.returns.return_items(r.receipt_no, [(WATER, 2)], app.users.system_user().id)
    assert back.refund == 2 * 59 + 50
    assert "Deposit can 2 × 0.25" in slip(app, back.return_no)


def test_voucher_worth_more_than_the_sale_pays_the_rest_in_cash(app: App) -> None:
    deposits(app)
    me = app.users.system_user().id
    app.shifts.open(me, 10_000)
    v = app.deposits.refund([("CAN", 40)], me, "voucher")  # 10.00, more than the crisps
    before = app.shifts.x_report().expected_cash
    s = session(app)
    s.scan(CRISPS)
    r = s.complete([Tender(TenderKind.VOUCHER, v.total, v.voucher_code)])
    assert (r.change, r.rest_voucher) == (1000 - 199, None)
    x = app.shifts.x_report()
    assert x.expected_cash == before - 801  # the change left the drawer
    assert x.tenders.get("voucher") == 199 and x.paid_out == 801
    with pytest.raises(Exception, match="already used"):
        app.deposits.voucher_value(v.voucher_code)
    text = slip(app, r.receipt_no)
    assert "8.01" in text


def test_voucher_rest_as_a_new_voucher_when_the_store_says_so(data_dir) -> None:  # type: ignore[no-untyped-def]
    from pos_terminal.bootstrap import open_register
    from pos_terminal.errors import ConfigError

    cfg = data_dir / "config.toml"
    cfg.write_text(cfg.read_text() + '\n[retail]\nvoucher_rest = "voucher"\n')
    with open_register(data_dir) as app:
        deposits(app)
        me = app.users.system_user().id
        app.shifts.open(me, 10_000)
        v = app.deposits.refund([("CAN", 40)], me, "voucher")
        before = app.shifts.x_report().expected_cash
        s = session(app)
        s.scan(CRISPS)
        r = s.complete([Tender(TenderKind.VOUCHER, v.total, v.voucher_code)])
        assert r.change == 0 and r.rest_voucher is not None
        assert app.shifts.x_report().expected_cash == before  # no cash moved
        assert app.deposits.voucher_value(r.rest_voucher) == 801
        assert r.rest_voucher in slip(app, r.rest_voucher)  # the new voucher is printed
        s.scan(CRISPS)  # and pays for the next sale
        r2 = s.complete([Tender(TenderKind.VOUCHER, 801, r.rest_voucher)])
        assert r2.rest_voucher is not None and app.deposits.voucher_value(r2.rest_voucher) == 602
    cfg.write_text(cfg.read_text().replace('voucher_rest = "voucher"', 'voucher_rest = "bank"'))
    with pytest.raises(ConfigError, match="voucher_rest"):
        open_register(data_dir)
