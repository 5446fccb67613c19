"""The receiving screen (offscreen pytest-qt on the demo register): from the manager menu, a
pulled PO is received by scanning (a case counts its multiplier), quantity, damaged and cost
through their F-keys, an unknown barcode becomes a product, posted; a PO is drafted."""

from __future__ import annotations

import json
import sqlite3
import uuid

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from test_shift_flow import open_shift, sign_in

from pos_protocol import wire
from pos_terminal.ui.dialogs import AmountDialog, ChoiceDialog, TextDialog
from pos_terminal.ui.main_window import MainWindow
from pos_terminal.ui.receiving_dialogs import NewProductDialog, PoDraftDialog
from pos_terminal.ui.widgets import FunctionButton

from ui_support import on_modal, shot

VENDOR = "Rheinland Getränke Großhandel GmbH"
WATER_6, BIG_WATER = "24037674097180", "4037674055889"


def _pull_po(w: MainWindow) -> None:
    line = wire.PurchaseOrderLine
    w.app.sync.apply_purchase_orders(wire.PurchaseOrdersPage((wire.PurchaseOrder(
        str(uuid.uuid4()), "PO-S1-000042", VENDOR, "sent", "central",
        "2026-11-24T10:00:00.000Z", (line("100001", 24, 0, 30), line("100002", 12, 0, 50),
                                     line("100003", 6, 0, None))),),))


def _open_receiving(qtbot, w: MainWindow) -> None:  # type: ignore[no-untyped-def]
    def choose(d: ChoiceDialog) -> None:
        for i in range(d.list.count()):
            if d.list.item(i).text().startswith("Receive a delivery"):
                d.list.setCurrentRow(i)
        d.accept()

    on_modal(qtbot, choose, ChoiceDialog)
    w.manager_menu()
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.receiving)
    qtbot.waitUntil(lambda: w.receiving.choice.count() >= 1)


def _type(qtbot, w: MainWindow, text: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(w.receiving.scan_field, text)
    qtbot.keyClick(w.receiving.scan_field, Qt.Key.Key_Return)


def _key(screen: QWidget, key: str) -> None:
    """Press an F-key button (offscreen windows are never active, so shortcuts stay quiet)."""
    (button,) = [b for b in screen.findChildren(FunctionButton) if b.key == key]
    button.click()


def _answer(qtbot, kind: type, value: str) -> None:  # type: ignore[no-untyped-def]
    def fill(d: AmountDialog) -> None:
        d.field.setText(value)
        d.accept()

    on_modal(qtbot, fill, kind)


def test_receive_a_po_from_the_manager_menu(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    w = window
    _pull_po(w)
    sign_in(qtbot, w, "manager", "9999")
    open_shift(qtbot, w)
    _open_receiving(qtbot, w)
    r = w.receiving
    assert r.choice.currentText().startswith("PO PO-S1-000042")
    _key(r, "F3")  # open the selected PO
    qtbot.waitUntil(lambda: r.current is not None and r.table.rowCount() == 3)
    _type(qtbot, w, WATER_6)  # a case of six
    qtbot.waitUntil(lambda: r.table.item(0, 4).text() == "6")
    _type(qtbot, w, WATER_6)
    qtbot.waitUntil(lambda: r.table.item(0, 4).text() == "12")
    assert r.table.item(0, 6).text() == "-12"  # still 12 to come
    w.handle_scan(BIG_WATER)  # the scanner reaches the screen on top
    qtbot.waitUntil(lambda: r.table.item(1, 4).text() == "1")
    r.table.selectRow(1)
    _answer(qtbot, AmountDialog, "12")
    _key(r, "F2")
    qtbot.waitUntil(lambda: r.table.item(1, 4).text() == "12")
    r.table.selectRow(1)
    _answer(qtbot, AmountDialog, "2")
    _key(r, "F4")
    qtbot.waitUntil(lambda: r.table.item(1, 5).text() == "2")
    r.table.selectRow(1)
    _answer(qtbot, AmountDialog, "0.48")
    _key(r, "F5")
    qtbot.waitUntil(lambda: "0.48" in r.table.item(1, 7).text())
    # an unknown barcode: the manager adds it as a new product
    _type(qtbot, w, "4000000000006")
    qtbot.waitUntil(lambda: "unknown barcode" in r.message.text())

    def new_product(d: NewProductDialog) -> None:
        assert d.code.text() == "4000000000006"
        d.name.setText("Local Honey")
        d.price.setText("5.99")
        d.cost.setText("3.10")
        d.counted.setValue(3)
        d.accept()

    on_modal(qtbot, new_product, NewProductDialog)
    _key(r, "F7")
    qtbot.waitUntil(lambda: r.table.rowCount() == 4)
    assert "not on the PO" in r.table.item(3, 0).text()
    assert "short 12 × 100001" in r.summary.text() and "damaged 2 × 100002" in r.summary.text()
    shot(w, "receiving")
    seen: list[str] = []

    def close_report(d: TextDialog) -> None:
        seen.append(d.windowTitle())
        d.accept()

    on_modal(qtbot, close_report, TextDialog)
    _key(r, "F12")
    qtbot.waitUntil(lambda: r.current is None and seen == ["Delivery posted"])
    c = sqlite3.connect(w.app.paths.database)
    assert sorted(c.execute("select sku, kind, quantity from delivery_discrepancies")) == [
        ("100001", "short", 12), ("100002", "damaged", 2), ("100003", "short", 6),
        ("4000000000006", "unexpected", 3)]
    assert c.execute("select count(*) from outbox where type = 'product.proposed'").fetchone() \
        == (1,)


def test_free_delivery_draft_po_and_put_aside(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    w = window
    sign_in(qtbot, w, "manager", "9999")
    open_shift(qtbot, w)
    _open_receiving(qtbot, w)
    r = w.receiving
    assert r.choice.currentText().startswith("Delivery without a purchase order")
    r.vendor.setCurrentText(VENDOR)
    _key(r, "F3")
    qtbot.waitUntil(lambda: r.current is not None)
    assert r.current.po_id is None

    def draft(d: PoDraftDialog) -> None:
        d.vendor.setCurrentText(VENDOR)
        qtbot.keyClicks(d.code, WATER_6)
        d.qty.setValue(4)
        qtbot.keyClick(d.code, Qt.Key.Key_Return)
        assert (d.isVisible(), d.items) == (True, [(WATER_6, 4)])  # Enter added the line only
        d.accept()

    on_modal(qtbot, draft, PoDraftDialog)
    _key(r, "F8")
    qtbot.waitUntil(lambda: "drafted" in r.message.text())
    c = sqlite3.connect(w.app.paths.database)
    (payload,) = c.execute("select payload from outbox where type = "
                           "'purchase_order.drafted'").fetchone()
    assert wire.PurchaseOrderDrafted.parse(json.loads(payload)).lines[0].quantity == 24
    # put aside: the open delivery is offered again
    _key(r, "F9")
    qtbot.waitUntil(lambda: r.choice.itemText(0).startswith("Continue:"))
    _key(r, "F10")
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.sale)
