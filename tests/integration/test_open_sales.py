"""Sales in progress kept in the register database (services/open_sales.py): saved whole, read
back exactly, and removed in the same transaction as whatever ends the sale, on a real SQLite
register."""

from __future__ import annotations

import json
import sqlite3

import pytest

from pos_terminal.bootstrap import App, open_register
from pos_terminal.domain.cart import Cart, Override
from pos_terminal.domain.open_sale import OpenSale, dumps
from pos_terminal.domain.tenders import Tender, TenderKind
from pos_terminal.errors import NotFoundError, PaymentError, RuleError
from pos_terminal.services import open_sales, parking
from pos_terminal.services.catalog import resolve


def codes(app: App) -> list[str]:
    """Unit barcodes of everyday items (by the piece, no age check or limit)."""
    return [next(b["code"] for b in p["barcodes"] if "multiplier" not in b)
            for p in app.catalog.products(limit=200)
            if p["unit"] == "each" and p["min_age"] is None and p["max_per_sale"] is None][:6]


def a_sale(app: App, user: str = "cashier", n: int = 2) -> OpenSale:
    cart = Cart()
    with app.ctx.read() as conn:
        for i, code in enumerate(codes(app)[:n]):
            cart.add(resolve(conn, code), i + 1)
    cart.overrides.append(Override("age_check", 2, 2, "ID checked", "confirmed 18+"))
    cart.age_confirmed = 18
    uid = app.users.by_name(user).id
    return OpenSale(f"sale-of-{user}", uid, False, "2026-11-24T10:00:00.000Z", cart,
                    [], [Tender(TenderKind.CARD, 50, "T-1")])


def save(app: App, sale: OpenSale, revision: int = 1) -> None:
    with app.ctx.write() as conn:
        open_sales.save(conn, sale, revision)


def rows(app: App) -> list[tuple[str, int, int]]:
    db = sqlite3.connect(app.paths.database)
    try:
        return db.execute("select id, user_id, revision from open_sales order by id").fetchall()
    finally:
        db.close()


def test_a_saved_sale_reads_back_exactly_after_a_restart(app: App) -> None:
    sale = a_sale(app)
    save(app, sale, 1)
    sale.cart.lines[0].qty = 5
    save(app, sale, 2)  # the same row, rewritten
    assert rows(app) == [(sale.id, sale.user_id, 2)]
    app.close()
    with open_register(app.paths.root) as again, again.ctx.read() as conn:
        got = open_sales.of_user(conn, sale.user_id)
        assert open_sales.of_user(conn, again.users.by_name("manager").id) is None
    assert got is not None
    back, revision = got
    assert dumps(back) == dumps(sale) and revision == 2
    assert back.tenders == [Tender(TenderKind.CARD, 50, "T-1")]


def test_completing_removes_the_saved_copy_in_the_sale_transaction(app: App) -> None:
    sale = a_sale(app)
    save(app, sale)
    r = app.checkout.complete_sale(sale.cart, [*sale.tenders, Tender(TenderKind.CASH)],
                                   sale.user_id, sale_id=sale.id)
    assert r.sale_id == sale.id and rows(app) == []


def test_a_completion_that_fails_leaves_the_sale_open_and_writes_no_sale(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sale row and the removal commit together or not at all: never both, never none."""
    sale = a_sale(app)
    save(app, sale)
    with pytest.raises(PaymentError):  # refused before the transaction
        app.checkout.complete_sale(sale.cart, [Tender(TenderKind.CASH, 1)], sale.user_id,
                                   sale_id=sale.id)

    def power_cut(*_a: object, **_k: object) -> None:
        raise OSError("power cut halfway through the sale transaction")

    monkeypatch.setattr("pos_terminal.services.checkout.print_queue.enqueue", power_cut)
    with pytest.raises(OSError, match="power cut"):
        app.checkout.complete_sale(sale.cart, [Tender(TenderKind.CASH)], sale.user_id,
                                   sale_id=sale.id)
    assert rows(app) == [(sale.id, sale.user_id, 1)]
    db = sqlite3.connect(app.paths.database)
    assert db.execute("select count(*) from sales").fetchone() == (0,)


def test_parking_moves_the_whole_sale_and_resuming_takes_it_back(app: App) -> None:
    sale = a_sale(app)
    save(app, sale)
    sale.cart.lines[0].voided = True
    pid = app.parking.park(sale, sale.user_id, "wallet in the car")
    assert rows(app) == []  # parked: no longer in progress (same transaction)
    assert [(p.label, p.lines) for p in app.parking.list()] == [("wallet in the car", 1)]
    with app.ctx.write() as conn:
        back = parking.take(conn, pid)
    assert dumps(back) == dumps(sale)  # ID checks and the card payment came with it
    assert app.parking.list() == []
    with pytest.raises(NotFoundError), app.ctx.write() as conn:
        parking.take(conn, pid)


def test_a_cart_parked_by_an_older_version_still_resumes(app: App) -> None:
    cart = a_sale(app).cart
    legacy = {
        "lines": [{"line_no": ln.line_no, "item": {
            k: getattr(ln.item, k) for k in ("product_id", "sku", "name", "variant", "unit",
                                             "price", "price_per", "tax_code", "rate_ppm",
                                             "pack", "min_age", "max_per_sale", "cost",
                                             "department", "tare")} | {"deposit": None},
            "qty": ln.qty, "price": ln.price, "price_per": ln.price_per,
            "discount": ln.discount, "original_price": ln.original_price}
            for ln in cart.lines],
        "sale_discount": 0, "sale_discount_ppm": 0, "overrides": [], "next_line": 3,
    }
    db = sqlite3.connect(app.paths.database)
    db.execute("insert into parked_sales (parked_at, user_id, label, cart) values "
               "('2026-11-01T10:00:00.000Z', 2, 'old', ?)", (json.dumps(legacy),))
    db.commit()
    (p,) = app.parking.list()
    assert p.lines == 2
    back = app.parking.resume(p.id)
    assert [(ln.item.sku, ln.qty) for ln in back.lines] == \
        [(ln.item.sku, ln.qty) for ln in cart.lines]


def test_a_shift_cannot_close_over_a_kept_sale_and_the_x_report_lists_it(app: App) -> None:
    cur = app.settings.currency
    manager = app.users.by_name("manager").id
    app.shifts.open(manager, 10000)
    sale = a_sale(app)
    save(app, sale)
    total = sale.cart.totals(app.settings.tax_mode, app.settings.tax_rounding).total
    x = app.shifts.x_report()
    assert x.in_progress == ((f"cashier: 3 items, {cur.format(total)}",
                              "card 0.50 already paid"),)
    text = app.printing.report_text(x)
    assert "Sales in progress: 1\n  cashier: 3 items" in text
    assert "\n    card 0.50 already paid\n" in text
    with pytest.raises(RuleError, match=r"1 sale in progress kept on this register "
                                        r"\(cashier's 3 items, .*card 0\.50 already paid\)"):
        app.shifts.close(manager, {10000: 1})
    app.checkout.complete_sale(sale.cart, [*sale.tenders, Tender(TenderKind.CASH)],
                               sale.user_id, sale_id=sale.id)
    assert app.shifts.x_report().in_progress == ()
    assert app.shifts.close(manager, {10000: 1}).kind == "Z"


def test_one_sale_per_cashier_and_taking_one_over(app: App) -> None:
    anna = a_sale(app)
    save(app, anna)
    again = OpenSale("another", anna.user_id, False, "t", anna.cart)
    with pytest.raises(RuleError, match="another sale of yours is kept"):
        save(app, again)
    boss = app.users.by_name("manager").id
    with app.ctx.write() as conn:
        taken, revision = open_sales.take_over(conn, anna.id, boss)
    assert taken.user_id == boss and revision == 1
    assert rows(app) == [(anna.id, boss, 1)]
    with pytest.raises(RuleError, match="taken over by another cashier"):
        save(app, anna, 2)  # the first cashier's stale copy cannot overwrite it
    mine = a_sale(app, "cashier")
    mine.id = "cashier-new"
    save(app, mine)
    with pytest.raises(RuleError, match="your own sale"), app.ctx.write() as conn:
        open_sales.take_over(conn, anna.id, mine.user_id)
    with pytest.raises(NotFoundError), app.ctx.write() as conn:
        open_sales.take_over(conn, "gone", boss)


def test_kept_sales_are_listed_oldest_first_with_what_was_paid(app: App) -> None:
    cur = app.settings.currency
    late, early = a_sale(app, "manager", 1), a_sale(app, "cashier")
    late.started_at, late.tenders, late.training = "2026-11-24T11:00:00.000Z", [], True
    late.vouchers = [Tender(TenderKind.VOUCHER, 75, "V1")]
    save(app, late)
    save(app, early)
    kept = app.open_sales.kept()
    assert [k.cashier for k in kept] == ["cashier", "manager"]
    assert kept[0].describe(cur).endswith("card 0.50 already paid")
    assert kept[1].describe(cur) == \
        f"1 item, {cur.format(kept[1].total)} (training), vouchers 0.75 already paid"


def test_a_cart_alone_round_trips_as_priced(app: App) -> None:
    cart = a_sale(app).cart
    cart.lines[0].promo_saving, cart.lines[0].promo_labels = 30, ("3 for 2",)
    back = parking.cart_from_json(parking.cart_to_json(cart))
    assert back.totals(app.settings.tax_mode, app.settings.tax_rounding) == \
        cart.totals(app.settings.tax_mode, app.settings.tax_rounding)
    assert back.lines[0].promo_labels == ("3 for 2",) and back.age_confirmed == 18
