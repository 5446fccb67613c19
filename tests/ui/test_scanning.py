"""Scanning into the real window: keyboard-wedge bursts, serial frames, garbage, weighed goods."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt

from pos_terminal.domain.scan import frame_from_bytes
from pos_terminal.hardware.scanner_settings import settings_from
from pos_terminal.ui.devices import Devices
from pos_terminal.ui.dialogs import AmountDialog, CashCountDialog
from pos_terminal.ui.main_window import MainWindow
from pos_terminal.ui.weight_dialog import WeightDialog

from ui_support import on_modal


def to_sale_screen(qtbot, w: MainWindow) -> None:  # type: ignore[no-untyped-def]
    w.login.users.setCurrentRow(w.login.names.index("manager"))
    w.login.pin.setText("9999")
    w.login.submit()
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.open_shift)
    on_modal(qtbot, lambda d: d.accept(), CashCountDialog)
    w.open_shift.count()
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.sale)


def first_code(w: MainWindow) -> str:
    p = w.app.catalog.products(limit=1)[0]
    return p["barcodes"][0]["code"]


def test_wedge_scan_adds_the_item_and_never_lands_in_a_field(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    w = window
    to_sale_screen(qtbot, w)
    devices = Devices(w, settings_from({}))
    try:
        code = first_code(w)
        qtbot.keyClicks(w.sale.scan_field, code, delay=0)  # a scanner types in a burst
        qtbot.keyClick(w.sale.scan_field, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: w.sale.model.rowCount() == 1)
        assert w.sale.scan_field.text() == ""
        # ...also while the cashier is typing a discount into a dialog's field
        w.sale.scan_field.setText("12")
        qtbot.keyClicks(w.sale.scan_field, code, delay=0)
        qtbot.keyClick(w.sale.scan_field, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: w.sale.model.lines[0].line.qty == 2)
        assert w.sale.scan_field.text() == "12"
        # a person typing slowly still types
        w.sale.scan_field.clear()
        for ch in "3*":
            qtbot.keyClick(w.sale.scan_field, ch)
            qtbot.wait(90)
        qtbot.wait(90)
        assert w.sale.scan_field.text() == "3*"
    finally:
        devices.stop()


def test_serial_frames_from_a_worker_thread(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    w = window
    to_sale_screen(qtbot, w)
    code = first_code(w)
    frames = [frame_from_bytes(code.encode()), frame_from_bytes(b"\xff\xfe\x00garbage")]
    t = threading.Thread(target=lambda: [w.bridge.on_scan(f) for f in frames[:1]])
    t.start()
    t.join()
    qtbot.waitUntil(lambda: w.sale.model.rowCount() == 1)
    w.bridge.on_scan(frames[1])
    qtbot.waitUntil(lambda: w.sale.message.kind == "error")
    assert "not text" in w.sale.message.text()
    assert w.sale.model.rowCount() == 1
    assert w.sale.model.lines[0].line.qty == 1


def test_weighed_item_by_its_code_asks_for_the_weight(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    w = window
    to_sale_screen(qtbot, w)
    p = next(p for p in w.app.catalog.products(limit=500) if p["unit"] == "g")

    def weigh(d: WeightDialog) -> None:
        d.field.setText("1.250")  # the weight dialog takes kg (a number alone: kg, or 1250g)
        d.accept()

    on_modal(qtbot, weigh, WeightDialog)
    w.sale.add_code(p["barcodes"][0]["code"], typed=True)
    qtbot.waitUntil(lambda: w.sale.model.rowCount() == 1)
    line = w.sale.model.lines[0]
    assert line.line.qty == 1250
    assert w.sale.model.data(w.sale.model.index(0, 2)) == "1.250 kg"
    want = (1250 * p["price_minor"] * 2 + p["price_per"]) // (2 * p["price_per"])
    assert line.total == want


def test_change_quantity_of_the_selected_line(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    w = window
    to_sale_screen(qtbot, w)
    w.sale.add_code(first_code(w), typed=True)
    qtbot.waitUntil(lambda: w.sale.model.rowCount() == 1)

    def five(d: AmountDialog) -> None:
        d.field.setText("5")
        d.accept()

    on_modal(qtbot, five, AmountDialog)
    w.sale.change_quantity()
    assert w.sale.model.lines[0].line.qty == 5

    def zero(d: AmountDialog) -> None:
        d.field.setText("0")
        d.accept()

    on_modal(qtbot, zero, AmountDialog)
    w.sale.change_quantity()
    assert "quantity must be positive" in w.sale.message.text()
    assert w.sale.message.kind == "error"
    assert w.sale.model.lines[0].line.qty == 5
