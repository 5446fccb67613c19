"""Cash controls at the till, driven only by keys (tests/ui/scenario.py): a paid out above the
cashier's limit asks for a manager's PIN, more than the drawer holds is refused without one, a
cashier's X is blind and a manager's is not, a big closing difference needs a manager's PIN and
a reason, shown on the Z; a cash sale refunded to a card asks for a supervisor; the staff
screen (own PIN, a manager deactivates a user) and the overrides report in the reports
window."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt

from pos_terminal.ui.cash_dialogs import ApprovalDialog
from pos_terminal.ui.dialogs import AmountDialog, CashCountDialog, ChoiceDialog, TextDialog
from pos_terminal.ui.reports_view import ReportsView
from pos_terminal.ui.staff_dialogs import PinDialog, StaffDialog
from pos_terminal.ui.tender import TenderDialog

from scenario import Driver, Till

SHIFT = Qt.KeyboardModifier.ShiftModifier


def db(t: Driver | Till) -> sqlite3.Connection:
    return sqlite3.connect(t.w.app.paths.database)


def back_office(t: Driver, value: str) -> None:
    """Shift+F3, arrow down to the entry ``value``, Enter."""
    t.key(Qt.Key.Key_F3, SHIFT)
    dlg = t.wait_modal(ChoiceDialog)
    offered = t.read(lambda: [dlg.list.item(i).data(Qt.ItemDataRole.UserRole)
                              for i in range(dlg.list.count())])
    for _ in range(offered.index(value)):
        t.key(Qt.Key.Key_Down)
    t.key(Qt.Key.Key_Return)


def paid_out(t: Driver, amount: str, reason: str) -> None:
    """Shift+F2, Down to "Paid out", Enter; type the amount, Tab, the reason, Enter."""
    t.key(Qt.Key.Key_F2, SHIFT)
    t.wait_modal(ChoiceDialog)
    t.key(Qt.Key.Key_Down)
    t.key(Qt.Key.Key_Return)
    t.wait_modal(AmountDialog)
    t.type(amount)
    t.key(Qt.Key.Key_Tab)
    t.type(reason, enter=True)


def count_without_waiting(t: Driver, counts: dict[int, int]) -> None:
    """Like ``Driver.count_cash``, but what comes next may be another dialog."""
    dlg = t.wait_modal(CashCountDialog)
    for value in t.read(lambda: list(dlg.spins)):
        if counts.get(value):
            t.type(str(counts[value]))
        t.key(Qt.Key.Key_Tab)
    t.key(Qt.Key.Key_Return)


def report_text(t: Driver) -> str:
    """The report dialog's text; Esc closes it."""
    dlg = t.wait_modal(TextDialog)
    text = t.read(lambda: dlg.view.toPlainText())
    t.key(Qt.Key.Key_Escape)
    t.wait_no_modal()
    return text


def test_a_paid_out_above_the_cashier_limit_asks_for_a_managers_pin(till: Till) -> None:
    from pos_terminal.domain.users import Role

    till.w.app.users.add("anna", Role.CASHIER, "2468")  # first by name: never an approver
    till.w.app.users.add("bert", Role.SUPERVISOR, "1357")  # a paid out needs a manager

    def body(t: Driver) -> None:
        t.sign_in("cashier", "1111")
        t.open_shift({5000: 4})  # 200.00
        paid_out(t, "120.00", "beer delivery")
        dlg = t.wait_modal(ApprovalDialog)
        why = t.read(lambda: dlg.why.text())
        assert "above the cashier limit of 50.00" in why and "manager" in why
        assert t.read(lambda: [dlg.user.itemText(i) for i in range(dlg.user.count())]) == [
            "manager"]  # only who may approve a paid out
        t.shot("paid-out-approval")
        t.type("9999", enter=True)  # the manager's PIN; the reason is the cashier's
        t.wait_no_modal()
        t.wait(lambda: "paid out 120.00 recorded" in t.w.sale.message.text(),
               "the paid out recorded")

    till.run(body)
    c = db(till)
    assert c.execute("select kind, amount from cash_movements").fetchall() == [
        ("paid_out", 12_000)]
    assert c.execute(
        "select a.action, u.name, p.name, a.value from audit_log a join users u on "
        "u.id = a.user_id join users p on p.id = a.approver_id").fetchall() == [
        ("paid_out", "cashier", "manager", 12_000)]


def test_more_than_the_drawer_holds_is_refused_without_a_manager(till: Till) -> None:
    def body(t: Driver) -> None:
        t.sign_in("cashier", "1111")
        t.open_shift({2000: 1})  # 20.00 in the drawer
        paid_out(t, "30.00", "window cleaner")  # within the limit, more than the drawer
        dlg = t.wait_modal(ApprovalDialog)
        assert "more than the drawer should hold" in t.read(lambda: dlg.why.text())
        assert "20.00" not in t.read(lambda: dlg.why.text())  # the count stays blind
        t.key(Qt.Key.Key_Escape)  # no manager at hand
        t.wait_no_modal()
        t.wait(lambda: "drawer should hold" in t.w.sale.message.text(), "why it was refused")
        # a wrong PIN changes nothing either
        paid_out(t, "30.00", "window cleaner")
        t.wait_modal(ApprovalDialog)
        t.type("1234", enter=True)
        t.wait_no_modal()
        t.wait(lambda: "wrong PIN" in t.w.sale.message.text(), "the wrong PIN said")

    till.run(body)
    assert db(till).execute("select count(*) from cash_movements").fetchone()[0] == 0
    assert db(till).execute("select count(*) from audit_log").fetchone()[0] == 0


def test_a_cashiers_x_is_blind_a_managers_shows_the_expected_cash(till: Till) -> None:
    def body(t: Driver) -> None:
        t.sign_in("cashier", "1111")
        t.open_shift({5000: 2})
        t.key(Qt.Key.Key_F4, SHIFT)
        cashier_x = report_text(t)
        assert "Sales" in cashier_x and "Blind X" in cashier_x
        assert "expected" not in cashier_x.lower()
        assert not any(w in cashier_x for w in ("Over", "Short", "Difference"))
        t.key(Qt.Key.Key_F7, SHIFT)  # log out
        t.sign_in("manager", "9999")
        t.wait(lambda: t.w.stack.currentWidget() is t.w.sale, "the sale screen (shift open)")
        t.key(Qt.Key.Key_F4, SHIFT)
        manager_x = report_text(t)
        assert "Expected cash" in manager_x and "100.00" in manager_x

    till.run(body)


def test_closing_with_a_big_difference_needs_a_managers_pin_and_a_reason(till: Till) -> None:
    def body(t: Driver) -> None:
        t.sign_in("cashier", "1111")
        t.open_shift({5000: 2})  # 100.00
        t.key(Qt.Key.Key_F5, SHIFT)  # close: the blind count finds 150.00
        count_without_waiting(t, {5000: 3})
        dlg = t.wait_modal(ApprovalDialog)
        assert "differs from the expected cash by more than 5.00" in t.read(
            lambda: dlg.why.text())
        t.type("9999")
        t.key(Qt.Key.Key_Return)  # no reason yet: refused in the dialog
        assert t.read(lambda: dlg.isVisible()) and "reason" in t.read(lambda: dlg.error.text())
        t.key(Qt.Key.Key_Tab)
        t.type("float was 150, booked as 100", enter=True)
        z = report_text(t)
        assert "Over" in z and "+50.00" in z, z
        assert "signed off by" in z and "manager" in z and "booked as 100" in z
        t.wait(lambda: t.w.stack.currentWidget() is t.w.login, "the sign-in screen")

    till.run(body)
    row = db(till).execute("select closed_by, close_approver_id, close_reason from shifts"
                           ).fetchone()
    ids = dict(db(till).execute("select name, id from users").fetchall())
    assert row == (ids["cashier"], ids["manager"], "float was 150, booked as 100")


def test_a_cashier_changes_their_own_pin_on_the_staff_screen(till: Till) -> None:
    def body(t: Driver) -> None:
        t.sign_in("cashier", "1111")
        t.open_shift()
        back_office(t, "staff")
        staff = t.wait_modal(StaffDialog)
        assert not t.read(lambda: staff.list.isVisible())  # a cashier sees only their own
        t.key(Qt.Key.Key_F2)
        t.wait_modal(PinDialog)
        t.type("1111")
        t.key(Qt.Key.Key_Tab)
        t.type("4321")
        t.key(Qt.Key.Key_Tab)
        t.type("4321", enter=True)
        t.wait(lambda: "your PIN is changed" in staff.message.text(), "the PIN changed")
        t.key(Qt.Key.Key_Escape)
        t.wait_no_modal()
        t.key(Qt.Key.Key_F7, SHIFT)  # log out, and in with the new PIN
        t.sign_in("cashier", "1111")
        t.wait(lambda: "wrong PIN" in t.w.login.message.text(), "the old PIN refused")
        t.sign_in("cashier", "4321")
        t.wait(lambda: t.w.stack.currentWidget() is t.w.sale, "signed in with the new PIN")

    till.run(body)
    assert db(till).execute("select a.action, u.name from audit_log a join users u on "
                            "u.id = a.user_id").fetchall() == [("pin_change", "cashier")]


def test_a_manager_deactivates_a_user_who_is_then_not_offered_at_sign_in(till: Till) -> None:
    def body(t: Driver) -> None:
        t.sign_in("manager", "9999")
        t.open_shift()
        back_office(t, "staff")
        staff = t.wait_modal(StaffDialog)
        t.wait(lambda: staff.list.count() == 2, "the staff list")
        assert t.read(lambda: staff.list.currentItem().text()).startswith("cashier")
        t.key(Qt.Key.Key_F4)  # role: cashier -> supervisor
        roles = t.wait_modal(ChoiceDialog)
        assert t.read(lambda: roles.list.currentRow()) == 0
        t.key(Qt.Key.Key_Down)
        t.key(Qt.Key.Key_Return)
        t.wait(lambda: "cashier is now a supervisor" in staff.message.text(), "the new role")
        t.key(Qt.Key.Key_F5)  # deactivate: "Keep" first, Down to "Deactivate"
        t.wait_modal(ChoiceDialog)
        t.key(Qt.Key.Key_Down)
        t.key(Qt.Key.Key_Return)
        t.wait(lambda: "(deactivated" in staff.list.item(0).text(), "cashier deactivated")
        t.shot("staff-screen")
        t.key(Qt.Key.Key_Down)  # the manager: the last one cannot go
        t.key(Qt.Key.Key_F5)
        t.wait_modal(ChoiceDialog)
        t.key(Qt.Key.Key_Down)
        t.key(Qt.Key.Key_Return)
        t.wait(lambda: "cannot deactivate yourself" in staff.message.text(), "refused")
        t.key(Qt.Key.Key_Escape)
        t.wait_no_modal()
        t.key(Qt.Key.Key_F7, SHIFT)
        t.wait(lambda: t.w.stack.currentWidget() is t.w.login and t.w.login.users.count() > 0,
               "the sign-in screen")
        offered = t.read(lambda: [t.w.login.users.item(i).text()
                                  for i in range(t.w.login.users.count())])
        assert offered == ["manager"]

    till.run(body)
    c = db(till)
    assert c.execute("select active, role from users where name = 'cashier'").fetchone() == (
        0, "supervisor")
    assert c.execute("select a.action, u.name, a.reference from audit_log a join users u on "
                     "u.id = a.user_id order by a.id").fetchall() == [
        ("role_change", "manager", "cashier"), ("user_deactivate", "manager", "cashier")]


def test_the_overrides_report_in_the_reports_window(till: Till) -> None:
    def body(t: Driver) -> None:
        t.sign_in("manager", "9999")
        t.open_shift({5000: 4})
        paid_out(t, "12.50", "window cleaner")
        t.wait(lambda: "paid out 12.50 recorded" in t.w.sale.message.text(), "recorded")
        back_office(t, "reports")
        view = t.wait_modal(ReportsView)
        t.key(Qt.Key.Key_End)  # the report list has focus: the last one is Overrides
        t.wait(lambda: view.table_data is not None
               and view.table_data.title.startswith("Overrides"), "the overrides report")
        rows = t.read(lambda: [[view.grid.item(r, c).text()
                                for c in range(view.grid.columnCount())]
                               for r in range(view.grid.rowCount())])
        assert any(r[1:] == ["manager", "paid_out", "Paid outs", "1", "12.50", ""]
                   for r in rows), rows
        t.key(Qt.Key.Key_Escape)
        t.wait_no_modal()

    till.run(body)


WATER = "4037674097186"  # Still Mineral Water 0.5 l, 0.59


def sell_cash(t: Driver, code: str, n: int) -> str:
    """Scan ``code`` ``n`` times, F12, F1 cash exact, Enter for the next customer."""
    for _ in range(n):
        t.scan(code)
    t.wait(lambda: t.w.sale.model.rowCount() > 0, "the items on the sale")
    t.key(Qt.Key.Key_F12)
    t.wait_modal(TenderDialog)
    t.key(Qt.Key.Key_F1)
    t.wait_no_modal()
    t.wait(lambda: t.w.sale.change_label.text().startswith("Change"), "the sale done")
    t.key(Qt.Key.Key_Return)
    return str(db(t).execute("select receipt_no from sales order by rowid desc").fetchone()[0])


def test_a_cash_sale_refunded_to_a_card_asks_for_a_supervisor(till: Till) -> None:
    def body(t: Driver) -> None:
        t.sign_in("cashier", "1111")
        t.open_shift()
        receipt = sell_cash(t, WATER, 2)
        t.key(Qt.Key.Key_F10)
        t.wait(lambda: t.w.stack.currentWidget() is t.w.returns, "the returns screen")
        t.type(receipt, enter=True)
        t.wait(lambda: t.w.returns.table.rowCount() == 1, "the receipt's line")
        t.wait(lambda: t.w.returns.tender.currentText() == "cash", "paid by cash: cash")
        t.type("1")
        for _ in range(2):  # past the restock box to the refund tender
            t.key(Qt.Key.Key_Tab)
        assert t.read(lambda: t.w.returns.tender.hasFocus())
        t.key(Qt.Key.Key_Down)  # card
        t.key(Qt.Key.Key_Tab)
        t.type("R-1001")  # the card terminal's refund reference
        t.key(Qt.Key.Key_F12)
        dlg = t.wait_modal(ApprovalDialog)
        assert "was paid by cash: a refund to card needs a supervisor" in t.read(
            lambda: dlg.why.text())
        t.type("9999")
        t.key(Qt.Key.Key_Tab)
        t.type("customer paid cash, wants it on the card", enter=True)
        t.wait_no_modal()
        t.wait(lambda: "card 0.59" in t.w.returns.message.text(), "refunded to the card")

    till.run(body)
    assert db(till).execute(
        "select a.action, u.name, p.name, a.value, a.reason from audit_log a join users u on "
        "u.id = a.user_id join users p on p.id = a.approver_id order by a.id").fetchall() == [
        ("refund_tender", "cashier", "manager", 59, "customer paid cash, wants it on the card"),
        ("refund", "cashier", "manager", 59, "")]
