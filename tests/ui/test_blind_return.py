"""A blind return from the returns screen: a supervisor approves, items are scanned, refund."""

from __future__ import annotations

import sqlite3

from test_shift_flow import codes, open_shift, sign_in

from pos_terminal.ui.dialogs import OverrideDialog
from pos_terminal.ui.main_window import MainWindow

from ui_support import on_modal


def test_blind_return_with_supervisor(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    w = window
    sign_in(qtbot, w, "cashier", "1111")
    open_shift(qtbot, w)
    w.sale.go_returns.emit()
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.returns)

    def approve(d: OverrideDialog) -> None:
        d.user.setCurrentText("manager")
        d.pin.setText("9999")
        d.accept()  # the reason "no receipt" is filled in

    on_modal(qtbot, approve, OverrideDialog)
    w.returns.start_blind()
    qtbot.waitUntil(lambda: w.returns.blind is not None)
    w.returns.handle_scan(codes(w)[0])
    qtbot.waitUntil(lambda: w.returns.table.rowCount() == 1)
    w.returns.refund()
    qtbot.waitUntil(lambda: w.returns.refund_label.text().startswith("Refund"))
    c = sqlite3.connect(w.app.paths.database)
    manager = c.execute("select id from users where name = 'manager'").fetchone()[0]
    assert c.execute("select sale_id, approver_id from returns").fetchone() == (None, manager)
    assert c.execute("select action, reason from audit_log").fetchone() == \
        ("blind_return", "no receipt")
