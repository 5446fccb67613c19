"""The manager's stock screens in the real window: a blind count with a recount and posting,
an adjustment with a reason, the low-stock list with reorder/par editing, and the badge."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt
from test_shift_flow import open_shift, sign_in

from pos_terminal.ui.counting_screen import PostCountDialog, StartCountDialog
from pos_terminal.ui.dialogs import AmountDialog
from pos_terminal.ui.main_window import MainWindow
from pos_terminal.ui.stock_dialogs import AdjustDialog, LowStockDialog, ReorderDialog

from ui_support import back_office_entries, on_modal, pick_choice, shot


def manager(qtbot, w: MainWindow) -> None:  # type: ignore[no-untyped-def]
    sign_in(qtbot, w, "manager", "9999")
    open_shift(qtbot, w)


def fkey(qtbot, w: MainWindow, key: Qt.Key) -> None:  # type: ignore[no-untyped-def]
    """An F-key on the count screen (offscreen, a closed dialog stays the active window)."""
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    qtbot.keyClick(w.count.scan_field, key)


def snacks(w: MainWindow) -> list[dict]:
    return [p for p in w.app.catalog.products(limit=1000)
            if p["department"] == "Snacks" and p["unit"] == "each"]


def code_of(p: dict) -> str:
    return next(b["code"] for b in p["barcodes"] if "multiplier" not in b)


def test_blind_count_with_recount_and_post(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    w = window
    manager(qtbot, w)
    a, b, c = snacks(w)[:3]
    pick_choice(qtbot, "count")
    w.manager_menu()
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.count)
    qtbot.waitUntil(lambda: "F2 starts one" in w.count.message.text())

    def start(d: StartCountDialog) -> None:
        d.kind.setCurrentIndex(d.kind.findData("shelf"))
        d.codes.setPlainText("\n".join(code_of(p) for p in (a, b, c)))
        d.accept()  # blind: the default

    on_modal(qtbot, start, StartCountDialog)
    fkey(qtbot, w, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: w.count.table.rowCount() == 3)
    assert w.count.table.isColumnHidden(3)  # blind: no expected column
    for _ in range(2):
        w.handle_scan(code_of(a))
    qtbot.keyClicks(w.count.scan_field, f"{b['on_hand']}*{code_of(b)}")
    qtbot.keyClick(w.count.scan_field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.runner.pending == 0)
    assert "counted" in w.count.message.text()
    counted = {w.count.table.item(r, 1).text(): w.count.table.item(r, 2).text()
               for r in range(3)}
    assert counted[a["sku"]] == "2 each" and counted[b["sku"]] == f"{b['on_hand']} each"
    # F12: a's variance is large: flagged for a recount, nothing posted
    fkey(qtbot, w, Qt.Key.Key_F12)
    qtbot.waitUntil(lambda: "recount" in w.count.message.text())
    qtbot.waitUntil(lambda: "to recount" in w.count.progress.text())
    qtbot.waitUntil(lambda: w.low_stock_badge.text().startswith("Low stock:"), timeout=5000)
    shot(w, "stock-count")
    # the recount: the selected line's whole count typed (F4)
    w.count.table.selectRow(w.count.rows[a["sku"]])
    on_modal(qtbot, lambda d: (d.field.setText(str(a["on_hand"] - 1)), d.accept()),
             AmountDialog)
    w.count.set_quantity()
    qtbot.waitUntil(lambda: w.count.table.item(w.count.rows[a["sku"]], 4).text()
                    == "recounted")

    def post(d: PostCountDialog) -> None:
        shot(d, "stock-count-post")
        d.zero.setChecked(True)  # c was never counted: none on the shelf
        d.accept()

    on_modal(qtbot, post, PostCountDialog)
    fkey(qtbot, w, Qt.Key.Key_F12)
    qtbot.waitUntil(lambda: "posted" in w.count.message.text())
    con = sqlite3.connect(w.app.paths.database)
    moves = dict(con.execute(
        "SELECT p.sku, m.quantity FROM stock_movements m JOIN products p ON p.id = "
        "m.product_id WHERE m.kind = 'count_variance'").fetchall())
    assert moves == {a["sku"]: -1, c["sku"]: -c["on_hand"]}
    qtbot.waitUntil(lambda: not w.count.table.isColumnHidden(3))  # posted: expected shown
    fkey(qtbot, w, Qt.Key.Key_F10)
    assert w.stack.currentWidget() is w.sale


def test_adjust_stock_with_a_reason(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    w = window
    manager(qtbot, w)
    p = snacks(w)[0]

    def adjust(d: AdjustDialog) -> None:
        w.handle_scan(code_of(p))  # a scan while the dialog is open goes into it
        qtbot.waitUntil(lambda: "on hand" in d.item.text())
        d.quantity.setValue(-3)
        d.reason.setCurrentIndex(d.reason.findData("damaged"))
        d.note.setText("dropped a box")
        shot(d, "stock-adjust")
        d.accept()

    pick_choice(qtbot, "adjust")
    on_modal(qtbot, adjust, AdjustDialog)
    w.manager_menu()
    qtbot.waitUntil(lambda: "adjusted by -3" in w.sale.message.text())
    assert w.sale.model.rowCount() == 0  # the scan did not land in the sale
    con = sqlite3.connect(w.app.paths.database)
    assert con.execute("SELECT quantity, reason FROM stock_movements WHERE kind = 'adjust'"
                       ).fetchall() == [(-3, "damaged")]


def test_cashier_cannot_reach_adjustments_or_reorder_levels(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """A cashier's back office is counting and receiving only (tests/ui/
    test_count_approval_screen.py counts with it): no adjustments, levels, reports or imports."""
    w = window
    sign_in(qtbot, w, "cashier", "1111")
    open_shift(qtbot, w)
    offered = back_office_entries(qtbot, w)
    assert offered and not {"adjust", "low_stock", "reports", "import", "transfer_out"} & set(
        offered)


def test_low_stock_list_badge_and_levels(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    w = window
    manager(qtbot, w)
    before = w.app.reorder.low_stock_count()
    qtbot.waitUntil(lambda: w.low_stock_badge.text() == f"Low stock: {before}", timeout=5000)
    p = next(x for x in w.app.catalog.products(limit=1000)
             if x["reorder_point"] is not None and x["on_hand"] > x["reorder_point"])

    def levels(d: ReorderDialog) -> None:
        d.reorder_point.setValue(p["on_hand"])
        d.par_level.setValue(p["on_hand"] + 24)
        d.accept()

    def low(d: LowStockDialog) -> None:
        qtbot.waitUntil(lambda: d.table.rowCount() == before)
        on_modal(qtbot, levels, ReorderDialog)
        w.handle_scan(code_of(p))
        qtbot.waitUntil(lambda: d.table.rowCount() == before + 1)
        row = next(r for r in range(d.table.rowCount()) if d.table.item(r, 1).text() == p["sku"])
        assert d.table.item(row, 5).text() == "24"
        shot(d, "low-stock")
        d.reject()

    pick_choice(qtbot, "low_stock")
    on_modal(qtbot, low, LowStockDialog)
    w.manager_menu()
    qtbot.waitUntil(lambda: w.low_stock_badge.text() == f"Low stock: {before + 1}",
                    timeout=5000)
    assert w.app.reorder.levels(p["sku"]).local
