"""Returns at the till, driven only by keys and scanner bursts (tests/ui/scenario.py).

Sell by scanning, F10 to Returns, scan the receipt's barcode (as the scanner sends it), see each
line's price and the refund before F12, Tab between the "Return now" fields, and check what the
database holds. An item barcode where a receipt is expected finds its sale(s) or starts a blind
return; a blind return groups repeated scans; weights are shown in kg with the store's decimal
comma.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QSpinBox

from pos_terminal.ui.dialogs import OverrideDialog
from pos_terminal.ui.tender import TenderDialog

from scenario import Driver, Till

WATER = "4037674097186"  # Still Mineral Water 0.5 l, 0.59
COLA_SKU = "100007"  # Cola 0.5 l, 1.49
BANANAS = "4019387329846"  # 1.69 per kg


def scale_label(grams: int) -> str:
    """A GS1-128 scale label: the bananas' GTIN (AI 01) and the net weight in kg (AI 3103)."""
    return f"]C101{BANANAS.zfill(14)}3103{grams:06d}"


@pytest.fixture
def data_dir(data_dir: Path) -> Path:
    """The demo register in a German store: weights are written 1,250 kg."""
    cfg = data_dir / "config.toml"
    cfg.write_text(cfg.read_text().replace("[store]\n", "[store]\nlocale = \"de_DE\"\n", 1))
    return data_dir


def db(t: Driver) -> sqlite3.Connection:
    return sqlite3.connect(t.w.app.paths.database)


def barcode_of(t: Driver, sku: str) -> str:
    with t.w.app.ctx.read() as conn:
        return str(conn.exec_driver_sql(
            "select b.code from barcodes b join products p on p.id = b.product_id "
            "where p.sku = ? and b.multiplier = 1 order by b.code limit 1", (sku,)).scalar())


def sell(t: Driver, *codes: str) -> str:
    """Scan ``codes`` at the sale screen, pay cash exact (F12, F1); the receipt number."""
    before = t.read(lambda: t.w.sale.model.rowCount())
    assert before == 0
    for code in codes:
        t.scan(code)
    t.wait(lambda: t.w.sale.model.rowCount() > 0, "the items on the sale")
    t.key(Qt.Key.Key_F12)
    t.wait_modal(TenderDialog)
    t.key(Qt.Key.Key_F1)  # cash, exact
    t.wait_no_modal()
    t.wait(lambda: t.w.sale.change_label.text().startswith("Change"), "the sale done")
    number = db(t).execute("select receipt_no from sales order by completed_at desc, rowid desc"
                           ).fetchone()[0]
    t.key(Qt.Key.Key_Return)  # next customer: the finished sale leaves the screen
    return str(number)


def column(t: Driver, col: int) -> list[str]:
    """On the GUI thread (inside ``t.wait``/``t.read``): the returns table's column."""
    table = t.w.returns.table
    return [table.item(r, col).text() if table.item(r, col) else ""
            for r in range(table.rowCount())]


def cells(t: Driver, col: int) -> list[str]:
    return t.read(lambda: column(t, col))


def says(t: Driver, words: str) -> bool:
    """On the GUI thread (inside ``t.wait``): the returns screen's message holds ``words``."""
    return words in t.w.returns.message.text()


def to_returns(t: Driver) -> None:
    t.key(Qt.Key.Key_F10)
    t.wait(lambda: t.w.stack.currentWidget() is t.w.returns, "the returns screen")


def approve_blind(t: Driver) -> None:
    """The supervisor types their PIN into the blind-return approval and presses Enter."""
    t.wait_modal(OverrideDialog)
    t.type("9999", enter=True)
    t.wait_no_modal()
    t.wait(lambda: t.w.returns.blind is not None, "the blind return approved")


def test_return_against_a_scanned_receipt_shows_prices_and_the_refund(till: Till) -> None:
    def body(t: Driver) -> None:
        t.sign_in("cashier", "1111")
        t.open_shift()
        receipt = sell(t, WATER, WATER, WATER, scale_label(1250))
        to_returns(t)
        t.scan("]C0" + receipt)  # the receipt's Code 128, as a scanner with AIM ids sends it
        t.wait(lambda: t.w.returns.table.rowCount() == 2, "the receipt's two lines")
        assert cells(t, 0)[0].startswith("Still Mineral Water 0.5 l")
        assert cells(t, 1) == ["0.59", "1.69/kg"]  # each line's price
        assert cells(t, 2) == ["3", "1,250 kg"]  # sold: the weight in kg, decimal comma
        assert cells(t, 3) == ["3", "1,250 kg"]  # returnable
        t.shot("returns-receipt")
        # The first "Return now" field has the focus: two waters, Tab, half a kilo of bananas.
        t.type("2")
        t.key(Qt.Key.Key_Tab)
        assert t.read(lambda: isinstance(QApplication.focusWidget(), QLineEdit)
                      and QApplication.focusWidget() is t.w.returns.fields[1])
        t.type("0,5")
        t.wait(lambda: t.w.returns.refund_label.text().startswith("To refund EUR 2.02"),
               "the refund total before confirming")
        assert cells(t, 5) == ["1.18", "0.84"]  # 2 of 3 waters paid 1.77; 500 of 1250 g
        t.key(Qt.Key.Key_Tab)  # past the last field: the refund options
        assert t.read(lambda: QApplication.focusWidget() is t.w.returns.restock)
        t.shot("returns-refund")
        t.key(Qt.Key.Key_F12)
        t.wait(lambda: t.w.returns.refund_label.text() == "Refund 2.02", "the refund done")

    till.run(body)
    c = sqlite3.connect(till.w.app.paths.database)
    assert c.execute("select total, sale_id is not null from returns").fetchall() == [(202, 1)]
    lines = c.execute("select p.sku, r.qty, r.amount from return_lines r "
                      "join products p on p.id = r.product_id order by p.sku").fetchall()
    assert lines == [("100001", 2, 118), ("100156", 500, 84)]


def test_enter_in_a_return_now_field_moves_on_and_never_refunds(till: Till) -> None:
    def body(t: Driver) -> None:
        t.sign_in("cashier", "1111")
        t.open_shift()
        receipt = sell(t, WATER, scale_label(700))
        to_returns(t)
        t.type(receipt, enter=True)  # typed by hand this time
        t.wait(lambda: t.w.returns.table.rowCount() == 2, "the receipt's lines")
        t.type("1", enter=True)
        assert t.read(lambda: QApplication.focusWidget() is t.w.returns.fields[1])
        t.type("2", enter=True)  # more than the 0,700 kg sold: F12 says so
        t.key(Qt.Key.Key_F12)
        t.wait(lambda: says(t, "at most 0,700 kg"), "the weight refused")
        assert db(t).execute("select count(*) from returns").fetchone() == (0,)

    till.run(body)


def test_an_item_barcode_where_a_receipt_is_expected(till: Till) -> None:
    def body(t: Driver) -> None:
        t.sign_in("cashier", "1111")
        t.open_shift()
        cola = barcode_of(t, COLA_SKU)
        first = sell(t, WATER, cola)
        # One sale has the water: the item is recognised, its receipt loaded, one marked.
        to_returns(t)
        t.scan(WATER)
        t.wait(lambda: says(t, "item barcode") and says(t, first), "the sale found")
        assert t.read(lambda: t.w.returns.receipt.receipt_no) == first  # type: ignore[union-attr]
        assert t.read(lambda: [f.value() if isinstance(f, QSpinBox) else f.text()
                               for f in t.w.returns.fields]) == [1, 0]
        t.wait(lambda: t.w.returns.refund_label.text().startswith("To refund EUR 0.59"),
               "the refund shown")
        t.scan(WATER)  # a second water: only one was sold on that receipt
        t.wait(lambda: says(t, "already marked"), "no more than was sold")
        t.key(Qt.Key.Key_F10)
        # Two sales have the water: pick one with the arrow keys and Enter.
        second = sell(t, WATER)
        to_returns(t)
        t.scan(WATER)
        t.wait(lambda: says(t, "2 recent receipts"), "the choice of sales")
        assert cells(t, 0) == [second, first]  # newest first
        t.shot("returns-pick-sale")
        t.key(Qt.Key.Key_Down)
        t.key(Qt.Key.Key_Return)
        t.wait(lambda: t.w.returns.receipt is not None
               and t.w.returns.receipt.receipt_no == first, "the older receipt loaded")
        # An item never sold here: a blind return of it, approved by a supervisor.
        t.key(Qt.Key.Key_F10)
        to_returns(t)
        t.scan(barcode_of(t, "100002"))  # the 1.5 l water, not sold today
        approve_blind(t)
        t.wait(lambda: t.w.returns.table.rowCount() == 1, "the item on the blind return")
        assert cells(t, 0)[0].startswith("Still Mineral Water 1.5 l")
        t.wait(lambda: t.w.returns.refund_label.text().startswith("To refund EUR 0.79"),
               "its refund at today's price")
        # A broken EAN frame is refused with the scanner's reason, not taken for a receipt.
        t.scan("]E0" + "100001")
        t.wait(lambda: says(t, "EAN"), "the broken frame refused")
        assert t.read(lambda: t.w.returns.table.rowCount()) == 1

    till.run(body)


def test_blind_return_groups_repeated_scans(till: Till) -> None:
    def body(t: Driver) -> None:
        t.sign_in("cashier", "1111")
        t.open_shift()
        cola = barcode_of(t, COLA_SKU)
        to_returns(t)
        t.key(Qt.Key.Key_F6)
        approve_blind(t)
        for code in (WATER, cola, WATER, WATER, scale_label(400), scale_label(350)):
            t.scan(code)
        t.wait(lambda: column(t, 2) == ["3", "1", "2"], "three rows")
        assert cells(t, 0) == ["Still Mineral Water 0.5 l", "Cola 0.5 l", "Bananas loose"]
        assert cells(t, 2) == ["3", "1", "2"]  # scans per row
        assert t.read(lambda: [f.value() if isinstance(f, QSpinBox) else f.text()
                               for f in t.w.returns.fields])[::2] == [3, "0,750 kg"]
        t.wait(lambda: t.w.returns.refund_label.text().startswith("To refund EUR"),
               "the refund total")
        t.shot("returns-blind")
        # One water stays with the customer after all: Tab to its field, type 2.
        t.key(Qt.Key.Key_Tab)
        t.type("2")
        t.wait(lambda: column(t, 4)[0] == "1.18", "two waters' refund")
        t.key(Qt.Key.Key_F12)
        t.wait(lambda: t.w.returns.refund_label.text().startswith("Refund "), "refunded")

    till.run(body)
    c = sqlite3.connect(till.w.app.paths.database)
    lines = c.execute("select p.sku, r.qty from return_lines r join products p "
                      "on p.id = r.product_id order by p.sku").fetchall()
    assert lines == [("100001", 2), (COLA_SKU, 1), ("100156", 750)]
    assert c.execute("select sale_id, reason from returns").fetchall() == [(None, "no receipt")]
