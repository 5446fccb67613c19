"""A blind return of a bottle: its deposit comes back unless the cashier says the bottle stays."""

from __future__ import annotations

import sqlite3

import pytest
from test_deposit_flow import WATER, deposit_rules
from test_shift_flow import open_shift, sign_in

from pos_terminal.ui.dialogs import OverrideDialog
from pos_terminal.ui.main_window import MainWindow

from ui_support import on_modal


@pytest.mark.parametrize("bottle_back", [True, False])
def test_blind_return_refunds_the_deposit_when_the_bottle_is_back(  # type: ignore[no-untyped-def]
        qtbot, window: MainWindow, bottle_back: bool) -> None:
    w = window
    deposit_rules(w)
    sign_in(qtbot, w, "cashier", "1111")
    open_shift(qtbot, w)
    w.sale.go_returns.emit()
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.returns)
    assert w.returns.deposit_back.isHidden()  # against a receipt the deposit always follows

    def approve(d: OverrideDialog) -> None:
        d.user.setCurrentText("manager")
        d.pin.setText("9999")
        d.accept()

    on_modal(qtbot, approve, OverrideDialog)
    w.returns.start_blind()
    qtbot.waitUntil(lambda: w.returns.blind is not None)
    assert not w.returns.deposit_back.isHidden() and w.returns.deposit_back.isChecked()
    w.returns.handle_scan(WATER)
    qtbot.waitUntil(lambda: w.returns.table.rowCount() == 1)
    w.returns.deposit_back.setChecked(bottle_back)
    w.returns.refund()
    qtbot.waitUntil(lambda: w.returns.refund_label.text().startswith("Refund"))
    assert w.returns.refund_label.text() == ("Refund 0.84" if bottle_back else "Refund 0.59")
    c = sqlite3.connect(w.app.paths.database)
    assert c.execute("select count(*) from return_deposits").fetchone() == (int(bottle_back),)
