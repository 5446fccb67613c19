"""The cashier window with deposits, empties, vouchers and promotions (pytest-qt, offscreen)."""

from __future__ import annotations

import sqlite3

from test_shift_flow import open_shift, sign_in

from pos_protocol import wire
from pos_terminal.domain.tenders import Tender, TenderKind
from pos_terminal.ui.empties import EmptiesDialog
from pos_terminal.ui.main_window import MainWindow

from ui_support import on_modal, shot

WATER = "4037674097186"
WATER_6 = "24037674097180"
CRISPS = "5054236241701"


def deposit_rules(w: MainWindow, promotions: list[dict] | None = None) -> None:
    """A can deposit on the water (as a catalog pull brings it) and optional promotions."""
    page = wire.parse_catalog_page({
        "version": 1, "products": [], "promotions": promotions or [],
        "deposits": [{"code": "CAN", "name": "Deposit can", "amount": 25}]})
    w.app.sync.apply_catalog(page)
    with w.app.ctx.write() as conn:
        conn.exec_driver_sql("update products set deposit_code='CAN' where sku='100001'")


def test_deposit_six_pack_then_empties_voucher_pays_a_sale(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    w = window
    deposit_rules(w)
    sign_in(qtbot, w, "cashier", "1111")
    open_shift(qtbot, w)
    w.sale.add_code(WATER_6, typed=False)
    qtbot.waitUntil(lambda: w.sale.model.rowCount() == 2)  # the pack and its deposit row
    texts = [w.sale.model.index(1, c).data() for c in range(6)]
    assert "Deposit can" in texts[1] and texts[2] == "6" and texts[5] == "1.50"
    assert "Deposits (6): 1.50" in w.sale.retail_label.text()
    assert w.sale.total_label.text() == "4.49"
    shot(w, "sale-deposit")
    w.sale.session.complete([Tender(TenderKind.CASH)])  # type: ignore[union-attr]
    w.sale.next_customer()

    # the customer brings four cans back and takes a voucher
    def count_empties(d: EmptiesDialog) -> None:
        qtbot.keyClicks(d.scan, "4*CAN")
        qtbot.keyClick(d.scan, "\r")
        qtbot.waitUntil(lambda: d.total_label.text() == "Refund 1.00")
        d.voucher_button.click()

    on_modal(qtbot, count_empties, EmptiesDialog)
    w.sale.buttons["Empties"].click()
    qtbot.waitUntil(lambda: "voucher printed" in w.sale.message.text())
    code = sqlite3.connect(w.app.paths.database).execute(
        "select voucher_code from deposit_refunds").fetchone()[0]

    # the voucher pays part of the next sale, once
    w.sale.add_code(CRISPS, typed=False)
    qtbot.waitUntil(lambda: w.sale.model.rowCount() == 1)
    w.sale.add_code(code, typed=False)
    qtbot.waitUntil(lambda: "Vouchers: -1.00" in w.sale.retail_label.text())
    r = w.sale.session.complete([Tender(TenderKind.CASH)])  # type: ignore[union-attr]
    assert [(a.kind, a.amount) for a in r.settlement.tenders] == [("voucher", 100),
                                                                   ("cash", 99)]
    w.sale.next_customer()
    w.sale.add_code(code, typed=False)
    qtbot.waitUntil(lambda: "already used" in w.sale.message.text())


def test_deposit_promotion_shows_name_and_saving_on_the_line(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    w = window
    deposit_rules(w, [{"id": "W32", "label": "Water 3 for 2", "kind": "multibuy",
                       "skus": ["100001"], "qty": 3, "pay_for": 2}])
    sign_in(qtbot, w, "cashier", "1111")
    open_shift(qtbot, w)
    for _ in range(3):
        w.sale.add_code(WATER, typed=False)
        qtbot.waitUntil(lambda: w.runner.pending == 0)
    w.sale.add_code(CRISPS, typed=False)
    qtbot.waitUntil(lambda: w.sale.model.rowCount() == 4)  # water, promotion, deposit, crisps
    promo = [w.sale.model.index(1, c).data() for c in range(6)]
    assert "Water 3 for 2" in promo[1] and promo[4] == "-0.59"
    assert "Promotions: -0.59" in w.sale.retail_label.text()
    assert w.sale.total_label.text() == "3.92"  # 1.77 - 0.59 + 0.75 deposit + 1.99
    shot(w, "sale-promotion")
