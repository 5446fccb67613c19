"""Promotions, deposits, empties and weighed goods through the services on a real register."""

from __future__ import annotations

import sqlite3
from datetime import datetime

import pytest

from pos_protocol import wire
from pos_terminal.bootstrap import App
from pos_terminal.domain.cart import Override
from pos_terminal.domain.receipt import to_text
from pos_terminal.domain.tenders import Tender, TenderKind
from pos_terminal.errors import ConfigError, PaymentError, QuantityError, RuleError
from pos_terminal.services.retail import deposit_tax
from pos_terminal.services.sale_session import SaleSession

CASH = [Tender(TenderKind.CASH)]
WATER = "4037674097186"  # Still Mineral Water 0.5 l, 0.59, Beverages
WATER_6 = "24037674097180"  # its 6-pack, 2.99
CRISPS = "5054236241701"  # Potato Crisps Salted 175 g, 1.99, Snacks
OLIVES = "8487585180952"  # Marinated Olives Green, by weight, 14.90/kg
NOON = datetime(2026, 11, 24, 12, 0)


def rules(app: App, promotions: list[dict], deposits: tuple[dict, ...] = ()) -> None:
    """Apply promotions / deposit types the way a catalog pull does."""
    page = wire.parse_catalog_page({"version": 1, "products": [], "promotions": promotions,
                                    "deposits": list(deposits)})
    app.sync.apply_catalog(page)


def db(app: App) -> sqlite3.Connection:
    return sqlite3.connect(app.paths.database)


def session(app: App, training: bool = False, at: datetime = NOON) -> SaleSession:
    return SaleSession(app.ctx, app.checkout, app.parking, app.users, app.users.system_user(),
                       training, promotions=app.promotions, deposit_tax=app.deposit_tax,
                       clock=lambda: at)


def receipt_text(app: App, receipt_no: str) -> str:
    return to_text(app.printing.document(receipt_no))


THREE_FOR_TWO = {"id": "W32", "label": "Water 3 for 2", "kind": "multibuy", "skus": ["100001"],
                 "qty": 3, "pay_for": 2}


def test_promotion_reprices_the_cart_and_is_stored_per_line(app: App) -> None:
    rules(app, [THREE_FOR_TWO])
    s = session(app)
    s.scan(WATER)
    s.scan(WATER)
    assert s.totals().total == 118  # two: no promotion yet
    index = s.cart.promotions
    line = s.scan(WATER)
    assert s.cart.promotions is index  # built once per catalog change, not per scan
    assert (line.promo_saving, line.promo_labels) == (59, ("Water 3 for 2",))
    assert s.totals().total == 118
    s.set_quantity(line.line_no, 2)  # removing one takes the saving away again
    assert s.totals().total == 118 and line.promo_saving == 0
    s.set_quantity(line.line_no, 3)
    r = s.complete(CASH)
    c = db(app)
    assert c.execute("select line_discount, amount, qty from sale_lines where sale_id=?",
                     (r.sale_id,)).fetchone() == (59, 118, 3)
    assert c.execute("select promo_saving, promo_label from sale_line_retail where sale_id=?",
                     (r.sale_id,)).fetchone() == (59, "Water 3 for 2")
    moved = c.execute("select quantity from stock_movements where reference=?",
                      (r.sale_id,)).fetchall()
    assert moved == [(-3,)]  # price only: the ledger's quantities are unchanged
    text = receipt_text(app, r.receipt_no)
    assert "Water 3 for 2" in text and "-0.59" in text
    # a return refunds what was paid per unit (1.18 / 3), not the shelf price
    back = app.returns.return_items(r.receipt_no, [(WATER, 1)], app.users.system_user().id)
    assert back.refund == 39


def test_promotion_discount_reaches_the_report_aggregates(app: App) -> None:
    rules(app, [THREE_FOR_TWO])
    s = session(app)
    s.scan(WATER, 3)
    r = s.complete(CASH)
    c = db(app)
    hour = r.completed_at[:13]
    gross, disc, net = c.execute(
        "select gross, discount, net from agg_sales_hour where hour=?", (hour,)).fetchone()
    assert (gross, disc, net) == (177, 59, 118)


def test_manual_line_discount_replaces_the_promotion_on_that_line(app: App) -> None:
    rules(app, [THREE_FOR_TWO])
    s = session(app)
    line = s.scan(WATER, 3)
    assert line.promo_saving == 59
    me = app.users.system_user()
    s.discount_line(line.line_no, Override("sale_discount", me.id, me.id, "dented"), amount=10)
    assert (line.discount, line.promo_saving) == (10, 0)
    assert s.totals().total == 177 - 10


def test_time_window_and_department_deal(app: App) -> None:
    happy = {"id": "HH", "label": "Happy hour snacks -20%", "kind": "department",
             "department": "Snacks", "percent": 20,
             "window": {"start_time": "17:00", "end_time": "19:00"}}
    rules(app, [happy])
    s = session(app)  # noon: not valid
    assert s.scan(CRISPS).promo_saving == 0
    evening = session(app, at=datetime(2026, 11, 24, 17, 30))
    assert evening.scan(CRISPS).promo_saving == 40  # 20 % of 1.99, rounded


def test_training_sale_prices_promotions_and_moves_no_stock(app: App) -> None:
    rules(app, [THREE_FOR_TWO])
    s = session(app, training=True)
    s.scan(WATER, 3)
    r = s.complete(CASH)
    assert r.training and r.total == 118
    c = db(app)
    assert c.execute("select count(*) from stock_movements where reference=?",
                     (r.sale_id,)).fetchone() == (0,)
    assert c.execute("select promo_saving from sale_line_retail where sale_id=?",
                     (r.sale_id,)).fetchone() == (59,)


CAN = {"code": "CAN", "name": "Deposit can", "amount": 25}


def with_deposit(app: App, sku: str = "100001", code: str = "CAN") -> None:
    rules(app, [], (CAN,))
    with app.ctx.write() as conn:
        conn.exec_driver_sql("update products set deposit_code=? where sku=?", (code, sku))


def test_deposit_pack_carries_six_deposits_on_its_own_line(app: App) -> None:
    with_deposit(app)
    s = session(app)
    s.scan(WATER_6)
    t = s.totals()
    assert [(d.count, d.amount) for d in t.deposits] == [(6, 150)]
    assert t.total == 299 + 150
    rows = t.display_rows()
    assert [r.kind for r in rows] == ["item", "deposit"]
    r = s.complete(CASH)
    c = db(app)
    assert c.execute("select code, qty, amount from sale_deposits where sale_id=?",
                     (r.sale_id,)).fetchone() == ("CAN", 6, 150)
    assert c.execute("select quantity from stock_movements where reference=?",
                     (r.sale_id,)).fetchall() == [(-6,)]  # the deposit moves no stock
    text = receipt_text(app, r.receipt_no)
    assert "Deposit can 6 × 0.25" in text and "incl. deposits (6)" in text
    # returning two bottles refunds their price share and their deposits
    back = app.returns.return_items(r.receipt_no, [(WATER, 2)], app.users.system_user().id)
    assert back.refund == round(299 * 2 / 6) + 50


def test_deposit_goes_when_its_line_is_voided(app: App) -> None:
    with_deposit(app)
    s = session(app)
    line = s.scan(WATER, 2)
    s.scan(CRISPS)
    assert s.totals().deposit_total == 50
    s.void_line(line.line_no)
    assert s.totals().deposits == ()
    assert s.totals().total == 199


def test_deposit_tax_rule_from_config(app: App) -> None:
    codes = [tc.code for tc in app.settings.tax_classes]
    with app.ctx.read() as conn:
        got = deposit_tax(conn, codes[-1])
        assert got is not None and got[0] == codes[-1]
        assert deposit_tax(conn, "follow") is None
        with pytest.raises(ConfigError, match="not set up"):
            deposit_tax(conn, "NOPE")


def test_empties_paid_out_in_cash_reduce_the_drawer(app: App) -> None:
    with_deposit(app)
    me = app.users.system_user().id
    with pytest.raises(RuleError, match="open a shift"):
        app.deposits.refund([("CAN", 4)], me, "cash")
    app.shifts.open(me, 10_000)
    before = app.shifts.x_report().expected_cash
    got = app.deposits.refund([("CAN", 4), (WATER_6, 1)], me, "cash")
    assert got.total == 10 * 25
    assert app.shifts.x_report().expected_cash == before - 250
    c = db(app)
    assert c.execute("select count(*) from outbox where type='deposit.refunded'").fetchone() == (1,)
    slip = to_text(app.printing.document(got.refund_no))
    assert "Deposit can 10 × 0.25" in slip and "D E P O S I T" in slip


def test_empties_voucher_pays_for_a_sale_once(app: App) -> None:
    with_deposit(app)
    me = app.users.system_user().id
    v = app.deposits.refund([("CAN", 4)], me, "voucher")
    assert v.voucher_code and app.deposits.voucher_value(v.voucher_code) == 100
    slip = to_text(app.printing.document(v.refund_no))
    assert "V O U C H E R" in slip and v.voucher_code in slip  # the barcode's text
    s = session(app)
    s.scan(CRISPS)
    r = s.complete([Tender(TenderKind.VOUCHER, 100, v.voucher_code), Tender(TenderKind.CASH)])
    assert r.settlement.paid == 199
    with pytest.raises(RuleError, match="already used"):
        app.deposits.voucher_value(v.voucher_code)
    s.scan(CRISPS)
    with pytest.raises(RuleError, match="already used"):
        s.complete([Tender(TenderKind.VOUCHER, 100, v.voucher_code), Tender(TenderKind.CASH)])
    assert not s.cart.is_empty  # nothing was written; the cart is still there
    s.void_line(s.cart.active_lines[0].line_no)
    assert s.cart.is_empty
    s.scan(CRISPS)
    with pytest.raises(PaymentError, match="paid already"):  # a voucher on a paid sale
        s.complete([Tender(TenderKind.VOUCHER, 199, "x"), Tender(TenderKind.VOUCHER, 100,
                                                                  v.voucher_code)])


def test_weighed_at_the_register_takes_the_tare_off(app: App) -> None:
    with app.ctx.write() as conn:
        conn.exec_driver_sql("update products set tare=15 where sku='100168'")
    s = session(app)
    hit = s.lookup(OLIVES)
    line = s.add(hit, grams=547)
    assert (line.qty, line.tare) == (532, 15)
    assert s.totals().total == round(532 * 1490 / 1000)
    with pytest.raises(QuantityError, match="tare"):
        s.add(hit, grams=15)
    r = s.complete(CASH)
    text = receipt_text(app, r.receipt_no)
    assert "0.532 kg × 14.90/kg" in text
    assert "Tare 0.015 kg, weighed 0.547 kg" in text


def test_scale_label_weight_is_net_no_tare(app: App) -> None:
    with app.ctx.write() as conn:
        conn.exec_driver_sql("update products set tare=15 where sku='100168'")
    s = session(app)
    hit = s.lookup(OLIVES)
    line = s.add(hit)  # a fixed code without grams: the label / scan quantity as is
    assert line.tare == 0


def test_deposit_taxed_by_the_store_rule(data_dir) -> None:  # type: ignore[no-untyped-def]
    from pos_terminal.bootstrap import open_register

    cfg = data_dir / "config.toml"
    cfg.write_text(cfg.read_text() + '\n[retail]\ndeposit_tax = "ZERO"\n')
    with open_register(data_dir) as app:
        assert app.deposit_tax == ("ZERO", 0)
        with_deposit(app)
        s = session(app)
        s.scan(WATER, 2)
        (dep,) = s.totals().deposits
        assert (dep.deposit.tax_code, dep.tax) == ("ZERO", 0)
    cfg.write_text(cfg.read_text().replace('deposit_tax = "ZERO"', 'deposit_tx = "ZERO"'))
    with pytest.raises(ConfigError, match="deposit_tx"):
        open_register(data_dir)


def test_parked_sale_keeps_deposit_and_tare_and_is_repriced(app: App) -> None:
    with_deposit(app)
    rules(app, [THREE_FOR_TWO])
    with app.ctx.write() as conn:
        conn.exec_driver_sql("update products set tare=15 where sku='100168'")
    s = session(app)
    s.scan(WATER, 3)
    s.add(s.lookup(OLIVES), grams=547)
    before = s.totals().total
    s.park("deposit and olives")
    (parked,) = app.parking.list()
    s.resume(parked.id)
    t = s.totals()
    assert t.total == before and t.deposit_total == 75 and t.promo_saving == 59
    assert [ln.tare for ln in s.cart.lines] == [0, 15]


def test_the_scripted_sale_applies_promotions(app: App, capsys: pytest.CaptureFixture[str]
                                             ) -> None:
    from pos_terminal.cli import main

    rules(app, [THREE_FOR_TWO])
    assert main(["--data-dir", str(app.paths.root), "sell", f"{WATER}x3", "--pay", "cash",
                 "--json"]) == 0
    assert '"total_minor": 118' in capsys.readouterr().out
