"""A whole shift through the real main window: what the cashier sees and what the ledger holds."""

from __future__ import annotations

import re
import sqlite3

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton

from pos_terminal.ui.dialogs import (
    CashCountDialog,
    ChoiceDialog,
    DiscountDialog,
    OverrideDialog,
    TextDialog,
)
from pos_terminal.ui.main_window import MainWindow
from pos_terminal.ui.tender import TenderDialog

from ui_support import on_modal, shot


def sign_in(qtbot, w: MainWindow, name: str, pin: str) -> None:  # type: ignore[no-untyped-def]
    items = w.login.users.findItems(name, Qt.MatchFlag.MatchExactly)
    w.login.users.setCurrentItem(items[0])
    qtbot.keyClicks(w.login.pin, pin)
    qtbot.keyClick(w.login.pin, Qt.Key.Key_Return)


def open_shift(qtbot, w: MainWindow, notes_of_50: int = 2) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.open_shift)

    def count(d: CashCountDialog) -> None:
        d.spins[5000].setValue(notes_of_50)
        d.accept()

    on_modal(qtbot, count, CashCountDialog)
    w.open_shift.count()
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.sale)


def scan(qtbot, w: MainWindow, text: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(w.sale.scan_field, text)
    qtbot.keyClick(w.sale.scan_field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.runner.pending == 0)


def db(w: MainWindow) -> sqlite3.Connection:
    return sqlite3.connect(w.app.paths.database)


def codes(w: MainWindow) -> list[str]:
    out = []
    for p in w.app.catalog.products(limit=20):
        if p["unit"] == "each" and p["min_age"] is None and p["max_per_sale"] is None:
            out.append(next(b["code"] for b in p["barcodes"] if "multiplier" not in b))
    return out


def test_wrong_pin_is_refused_and_says_so(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "cashier", "0000")
    qtbot.waitUntil(lambda: "wrong PIN" in window.login.message.text())
    assert window.stack.currentWidget() is window.login
    assert window.login.message.kind == "error"


def test_full_shift(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    w = window
    shot(w, "login")
    sign_in(qtbot, w, "cashier", "1111")
    open_shift(qtbot, w)
    assert "cashier" in w.cashier_label.text()
    a, b, c = codes(w)[:3]

    # scans, a quantity multiplier, and a mistyped code that changes nothing
    scan(qtbot, w, a)
    scan(qtbot, w, f"3*{b}")
    assert w.sale.model.rowCount() == 2
    assert w.sale.model.lines[1].line.qty == 3
    total_before = w.sale.total_label.text()
    scan(qtbot, w, a[:-1] + str((int(a[-1]) + 1) % 10))
    assert "bad check digit" in w.sale.message.text()
    assert w.sale.message.kind == "error"
    assert w.sale.total_label.text() == total_before
    assert w.sale.scan_field.hasFocus() or w.sale.scan_field.text() == ""
    scan(qtbot, w, "4006381333931")
    assert "unknown barcode" in w.sale.message.text()
    assert w.sale.model.rowCount() == 2

    # a 10 % line discount needs the manager's PIN for a cashier
    w.sale.table.selectRow(1)
    on_modal(qtbot, lambda d: (d.field.setText("10%"), d.accept()), DiscountDialog)

    def approve(d: OverrideDialog) -> None:
        d.user.setCurrentText("manager")
        d.pin.setText("9999")
        d.reason.setText("loyal customer")
        d.accept()

    on_modal(qtbot, approve, OverrideDialog)  # opens once the discount dialog has closed
    w.sale.line_discount()
    qtbot.waitUntil(lambda: w.sale.model.lines[1].line.discount > 0)
    assert w.sale.discount_label.text().startswith("Discounts: -")
    shot(w, "sale-screen")

    # park, then resume
    w.sale.park()
    qtbot.waitUntil(lambda: w.sale.model.rowCount() == 0)
    on_modal(qtbot, lambda d: d.accept(), ChoiceDialog)
    w.sale.resume()
    qtbot.waitUntil(lambda: w.sale.model.rowCount() == 2)

    # split tender: 1.00 by card, the rest in cash with change
    total = w.sale.session.totals().total  # type: ignore[union-attr]

    def tender(d: TenderDialog) -> None:
        d.amount.setText("1.00")
        d.reference.setText("T-4711")
        d.card()
        d.amount.setText(w.app.settings.currency.format(total))  # more than the rest: change
        shot(d, "tender-dialog")
        d.cash()

    on_modal(qtbot, tender, TenderDialog)
    w.sale.pay()
    qtbot.waitUntil(lambda: w.sale.change_label.text().startswith("Change"))
    assert w.sale.change_label.text() == "Change 1.00"
    qtbot.waitUntil(lambda: "RECEIPT" in w.sale.preview.toPlainText().upper())
    shot(w, "sale-complete")
    receipt = w.sale.session.last.receipt_no  # type: ignore[union-attr]
    assert receipt in w.sale.message.text()
    pays = db(w).execute("select kind, amount, reference from payments order by id").fetchall()
    assert pays == [("card", 100, "T-4711"), ("cash", total - 100, "")]
    audit = db(w).execute("select action, reason from audit_log").fetchall()
    assert ("sale_discount", "loyal customer") in audit
    qtbot.keyClick(w.sale.scan_field, Qt.Key.Key_Return)  # next customer in one keystroke
    assert w.sale.change_label.text() == ""

    # a return of one of the three
    w.sale.go_returns.emit()
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.returns)
    qtbot.keyClicks(w.returns.receipt_field, receipt)
    qtbot.keyClick(w.returns.receipt_field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.returns.table.rowCount() == 2)
    w.returns.table.cellWidget(1, 4).setValue(1)  # the "Return now" column
    shot(w, "returns")
    w.returns.refund()
    qtbot.waitUntil(lambda: w.returns.refund_label.text().startswith("Refund"))
    assert db(w).execute("select count(*) from returns").fetchone()[0] == 1
    w.returns.done.emit()

    # paid out, X report
    from pos_terminal.ui.dialogs import AmountDialog

    def paid_out(d: AmountDialog) -> None:
        d.field.setText("2.00")
        d.reason.setText("milk for the coffee machine")
        d.accept()

    on_modal(qtbot, paid_out, AmountDialog)
    w.paid("paid_out")
    qtbot.waitUntil(lambda: "paid out" in w.sale.message.text())
    seen: dict[str, str] = {}

    def read_report(d: TextDialog) -> None:
        seen["x"] = d.view.toPlainText()
        d.reject()

    on_modal(qtbot, read_report, TextDialog)
    w.x_report()
    qtbot.waitUntil(lambda: "x" in seen)
    assert "X   R E P O R T" in seen["x"]
    assert "Paid out                             -2.00" in seen["x"]

    # close: blind count (exactly what should be there, minus 1.00), Z report, back to login
    x = w.app.shifts.x_report()

    def count(d: CashCountDialog) -> None:
        d.spins[5000].setValue(x.expected_cash // 5000)
        rest = x.expected_cash % 5000 - 100
        for value in sorted(d.spins, reverse=True):
            n, rest = divmod(rest, value)
            d.spins[value].setValue(d.spins[value].value() + n)
        d.accept()

    def read_z(d: TextDialog) -> None:
        seen["z"] = d.view.toPlainText()
        shot(d, "z-report")
        d.reject()

    on_modal(qtbot, count, CashCountDialog)
    w.close_shift()
    on_modal(qtbot, read_z, TextDialog)
    qtbot.waitUntil(lambda: "z" in seen)
    assert "Z   R E P O R T" in seen["z"]
    assert re.search(r"Short +-1\.00", seen["z"]), seen["z"]
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.login)

    # what the ledger holds
    assert w.app.inventory.verify().ok
    c = db(w)
    assert c.execute("select count(*) from sales where training = 0").fetchone()[0] == 1
    assert c.execute("select kind, sum(quantity) from stock_movements where kind in "
                     "('sale', 'return') group by kind").fetchall() == [("return", 1),
                                                                          ("sale", -4)]
    assert c.execute("select status, counted_cash - expected_cash from shifts").fetchone() == \
        ("closed", -100)
    jobs = c.execute("select kind, reference from print_jobs order by id").fetchall()
    assert [k for k, _ in jobs] == ["receipt", "return", "report"]
    assert jobs[2][1] == "Z:1"


def test_closing_is_blocked_by_a_parked_sale(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    w = window
    sign_in(qtbot, w, "manager", "9999")
    open_shift(qtbot, w)
    scan(qtbot, w, codes(w)[0])
    w.sale.park()
    qtbot.waitUntil(lambda: w.sale.model.rowCount() == 0)
    on_modal(qtbot, lambda d: d.accept(), CashCountDialog)
    w.close_shift()
    qtbot.waitUntil(lambda: "parked sale" in w.sale.message.text())
    assert w.app.shifts.current() is not None


def test_f_keys_drive_the_sale(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    w = window
    sign_in(qtbot, w, "manager", "9999")
    open_shift(qtbot, w)
    w.activateWindow()
    qtbot.waitUntil(lambda: w.isActiveWindow())
    scan(qtbot, w, codes(w)[0])
    on_modal(qtbot, lambda d: d.cash(), TenderDialog)
    qtbot.keyClick(w.sale.scan_field, Qt.Key.Key_F12)
    qtbot.waitUntil(lambda: w.sale.change_label.text().startswith("Change"))
    pay = w.sale.buttons["Pay"]
    assert isinstance(pay, QPushButton)
    assert pay.text().startswith("F12")
    assert QApplication.activeModalWidget() is None


def test_leaving_payment_after_a_card_charge_needs_approval(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    w = window
    sign_in(qtbot, w, "cashier", "1111")
    open_shift(qtbot, w)
    scan(qtbot, w, f"5*{codes(w)[0]}")

    def card_then_cancel(d: TenderDialog) -> None:
        d.amount.setText("1.00")
        d.reference.setText("T-99")
        d.card()
        d.reject()

    def approve(d: OverrideDialog) -> None:
        d.user.setCurrentText("manager")
        d.pin.setText("9999")
        d.reason.setText("customer changed their mind")
        d.accept()

    on_modal(qtbot, card_then_cancel, TenderDialog)
    on_modal(qtbot, approve, OverrideDialog)
    w.sale.pay()
    qtbot.waitUntil(lambda: "payment voided" in w.sale.message.text())
    row = db(w).execute("select action, reason, detail from audit_log").fetchone()
    assert row[0] == "void_after_tender"
    assert "T-99" in row[2]
    assert db(w).execute("select count(*) from sales").fetchone()[0] == 0
    assert w.sale.model.rowCount() == 1  # the cart stays for the cashier to decide


def test_first_start_creates_the_manager(qtbot, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from pos_terminal import config
    from pos_terminal.bootstrap import init_register
    from pos_terminal.errors import AuthError
    from pos_terminal.ui.dialogs import FirstManagerDialog

    app = init_register(tmp_path / "new", config.new_settings("S9", "R1", "EUR"))

    def create(d: FirstManagerDialog) -> None:
        d.name.setText("Ada")
        d.pin.setText("2468")
        d.again.setText("2468")
        d.accept()

    on_modal(qtbot, create, FirstManagerDialog)
    w = MainWindow(app)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.login.names == ["Ada"], timeout=5000)
    assert app.users.sign_in("Ada", "2468").role.name == "MANAGER"
    with pytest.raises(AuthError, match="already has users"):
        app.users.create_first_manager("Eve", "1357")
    w.close()
    app.close()
