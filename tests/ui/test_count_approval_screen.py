"""The count screen when a supervisor counts: a manager approves the posting with a PIN at the
register (audited), and F8 asks before it cancels a count."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt
from test_shift_flow import open_shift, sign_in
from test_stock_screens import code_of, fkey, snacks

from pos_terminal.domain.users import Role
from pos_terminal.ui.counting_screen import PostCountDialog, StartCountDialog
from pos_terminal.ui.dialogs import ChoiceDialog, OverrideDialog
from pos_terminal.ui.main_window import MainWindow

from ui_support import back_office_entries, on_modal, pick_choice, shot


def _start_shelf_count(qtbot, w: MainWindow, p: dict) -> None:  # type: ignore[no-untyped-def]
    pick_choice(qtbot, "count")
    w.manager_menu()
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.count)

    def start(d: StartCountDialog) -> None:
        d.kind.setCurrentIndex(d.kind.findData("shelf"))
        d.codes.setPlainText(code_of(p))
        d.accept()

    on_modal(qtbot, start, StartCountDialog)
    fkey(qtbot, w, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: w.count.table.rowCount() == 1)


def _sign_in_as(qtbot, w: MainWindow, name: str, role: Role, pin: str) -> None:  # type: ignore[no-untyped-def]
    w.app.users.add(name, role, pin)
    w.login.start()
    qtbot.waitUntil(lambda: name in w.login.names)
    sign_in(qtbot, w, name, pin)
    open_shift(qtbot, w)


def _count(qtbot, w: MainWindow, p: dict, qty: int) -> None:  # type: ignore[no-untyped-def]
    _start_shelf_count(qtbot, w, p)
    qtbot.keyClicks(w.count.scan_field, f"{qty}*{code_of(p)}")
    qtbot.keyClick(w.count.scan_field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "counted" in w.count.message.text())


def _post_with_pin(qtbot, w: MainWindow, pin: str, look=None) -> None:  # type: ignore[no-untyped-def]
    """F12 with the manager's PIN typed into the approval dialog (``look`` sees it first)."""
    def approve(d: OverrideDialog) -> None:
        if look is not None:
            look(d)
        d.user.setCurrentText("manager")
        d.pin.setText(pin)
        d.accept()

    on_modal(qtbot, lambda d: d.accept(), PostCountDialog)
    on_modal(qtbot, approve, OverrideDialog)
    fkey(qtbot, w, Qt.Key.Key_F12)


def test_supervisor_counts_manager_approves_and_f8_asks(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    w = window
    _sign_in_as(qtbot, w, "supervisor", Role.SUPERVISOR, "2222")
    a, b = snacks(w)[:2]
    # F8: "keep counting" (the default row) leaves the count open
    _start_shelf_count(qtbot, w, b)
    on_modal(qtbot, lambda d: d.accept(), ChoiceDialog)
    fkey(qtbot, w, Qt.Key.Key_F8)
    assert w.count.session is not None and w.count.session.status == "open"

    def yes(d: ChoiceDialog) -> None:
        d.list.setCurrentRow(1)
        d.accept()

    on_modal(qtbot, yes, ChoiceDialog)
    fkey(qtbot, w, Qt.Key.Key_F8)
    qtbot.waitUntil(lambda: "cancelled" in w.count.message.text())
    # a count the supervisor posts with the manager's PIN
    _count(qtbot, w, a, a["on_hand"] - 1)
    _post_with_pin(qtbot, w, "0000")
    qtbot.waitUntil(lambda: "wrong PIN" in w.count.message.text())
    assert w.count.session is not None and w.count.session.status == "open"

    def look(d: OverrideDialog) -> None:
        assert d.pin.placeholderText() == "manager PIN"
        shot(d, "stock-count-approve")

    _post_with_pin(qtbot, w, "9999", look)
    qtbot.waitUntil(lambda: "posted" in w.count.message.text())
    con = sqlite3.connect(w.app.paths.database)
    assert con.execute("SELECT quantity FROM stock_movements WHERE kind = 'count_variance'"
                       ).fetchall() == [(-1,)]
    assert con.execute("SELECT u.name, a.name FROM audit_log l JOIN users u ON u.id = l.user_id "
                       "JOIN users a ON a.id = l.approver_id WHERE l.action = 'post_count'"
                       ).fetchall() == [("supervisor", "manager")]


def test_a_cashier_counts_and_a_manager_approves(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """Store staff count stock: the back office offers a cashier counting and receiving only
    (and their own PIN)."""
    w = window
    _sign_in_as(qtbot, w, "clerk", Role.CASHIER, "3333")
    assert back_office_entries(qtbot, w) == ["receive", "transfer_in", "count", "staff"]
    a = snacks(w)[0]
    _count(qtbot, w, a, a["on_hand"])
    _post_with_pin(qtbot, w, "9999")

    def posted() -> list[tuple]:
        con = sqlite3.connect(w.app.paths.database)
        try:
            return con.execute("SELECT status FROM count_sessions").fetchall()
        finally:
            con.close()

    qtbot.waitUntil(lambda: posted() == [("posted",)])
