"""Cash at the register: paid in / paid out, the X report as the signed-in role may see it,
and closing the shift — each asking for a manager's PIN when the shift service says so.

The rules live in ``services/shifts.py`` (``[cash]`` limits, the drawer's expected cash, the
closing difference); a refused action raises ``ApprovalRequired`` and changes nothing. This
module then shows why, asks for the approver's PIN and a reason (``ApprovalDialog``), and runs
the same action again with the approval. Every database call goes through the window's Runner.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QWidget

from pos_terminal.domain.cart import Override
from pos_terminal.errors import ApprovalRequired
from pos_terminal.services.shifts import ShiftReport
from pos_terminal.ui.dialogs import AmountDialog, CashCountDialog, ChoiceDialog, OverrideDialog

if TYPE_CHECKING:
    from pos_terminal.ui.main_window import MainWindow

T = TypeVar("T")


class ApprovalDialog(OverrideDialog):
    """The override dialog with the reason it is needed shown above the PIN (keyboard: the PIN
    field has focus, Tab goes to the reason, Enter approves, Esc cancels)."""

    def __init__(self, parent: QWidget, action: str, why: str, approvers: list[str],
                 reason: str = "") -> None:
        super().__init__(parent, action, approvers, True, reason)
        self.why = QLabel(why, self)
        self.why.setWordWrap(True)
        form = self.layout()
        assert isinstance(form, QFormLayout)
        form.insertRow(1, self.why)
        self.pin.setFocus()


def with_approval(window: MainWindow, job: Callable[[Override | None], T],
                  done: Callable[[T], None], fail: Callable[[BaseException], None],
                  reason: str = "", cancelled: Callable[[], None] | None = None) -> None:
    """Run ``job(None)``; when the service answers ``ApprovalRequired``, ask for the approver's
    PIN and a reason, and run ``job(approval)`` (the approval and the action, in that order, on
    the database thread). ``cancelled`` runs when the cashier leaves the approval with Esc."""
    user = window.user
    assert user is not None

    def first() -> T:
        try:
            return job(None)
        except ApprovalRequired as exc:  # who may approve it, looked up on this thread
            who = [n for n in window.app.users.approvers(exc.action) if n != user.name]
            raise ApprovalRequired(exc.action, exc.message, who) from exc

    def refused(exc: BaseException) -> None:
        if not isinstance(exc, ApprovalRequired):
            fail(exc)
            return
        fail(exc)  # the cashier reads why in the message bar too
        dlg = ApprovalDialog(window, exc.action, str(exc),
                             exc.approvers or window.supervisors(), reason)
        accepted = dlg.exec() == QDialog.DialogCode.Accepted
        name, pin, why, action = dlg.user.currentText(), dlg.pin.text(), dlg.reason.text(), \
            exc.action
        dlg.deleteLater()  # not left behind as a hidden child of the window
        if not accepted:
            if cancelled is not None:
                cancelled()
            return

        def approved() -> T:
            return job(window.app.users.approve(name, pin, action, user, why))

        window.runner.run(approved, done, fail)

    window.runner.run(first, done, refused)


def paid_in_out(window: MainWindow) -> None:
    dlg = ChoiceDialog(window, "Cash in or out of the drawer",
                       [("Paid in (change from the bank…)", "paid_in"),
                        ("Paid out (a supplier paid from the drawer…)", "paid_out")])
    if dlg.exec() == QDialog.DialogCode.Accepted and dlg.value:
        paid(window, str(dlg.value))


def paid(window: MainWindow, kind: str) -> None:
    """Amount and reason, then the shift service; above the role's limit (or, paid out, above
    what the drawer should hold) a manager approves with their PIN."""
    user = window.user
    assert user is not None
    cur = window.app.settings.currency
    title = "Paid in" if kind == "paid_in" else "Paid out"
    dlg = AmountDialog(window, title, "Amount", cur, with_reason=True)
    if dlg.exec() != QDialog.DialogCode.Accepted:
        window.sale.focus_scan()
        return
    amount, reason = dlg.value, dlg.reason.text()
    shifts = window.app.shifts

    def recorded(_audit_id: int) -> None:
        window.sale.message.info(f"{title.lower()} {cur.format(amount)} recorded")
        window.sale.focus_scan()

    with_approval(window, lambda ok: shifts.paid(kind, amount, reason, user.id, ok), recorded,
                  window.fail, reason, window.sale.focus_scan)


def x_report(window: MainWindow) -> None:
    """The X report as the signed-in user may see it: blind for a cashier (the service
    decides by the role)."""
    user = window.user
    assert user is not None
    app = window.app

    def report() -> tuple[ShiftReport, str]:
        x = app.shifts.x_report(user.role)
        return x, app.printing.report_text(x)

    window.runner.run(report, lambda r: window.show_report(*r), window.fail)


def close_shift(window: MainWindow) -> None:
    """Blind count, then close; a count too far from the expected cash needs a manager's PIN
    and a reason (the Z report shows who signed it off and why)."""
    user = window.user
    assert user is not None
    open_sale = window.sale.session is not None and not window.sale.session.cart.is_empty
    if open_sale:
        window.sale.message.error("finish or void the sale in progress before closing")
        return
    dlg = CashCountDialog(window, window.app.settings.currency, "Closing count (blind)")
    if dlg.exec() != QDialog.DialogCode.Accepted:
        window.sale.focus_scan()
        return
    counts = dlg.counts
    app = window.app

    def close(ok: Override | None) -> tuple[ShiftReport, str]:
        report = app.shifts.close(user.id, counts, open_sale, ok)
        app.printing.print_report(report)  # the Z report goes to paper too
        return report, app.printing.report_text(report)

    def closed(result: tuple[ShiftReport, str]) -> None:
        window.job_queued.emit()
        window.show_report(*result)
        window.show_login()

    def not_closed() -> None:
        window.sale.message.error("the shift is still open: count again (Shift+F5), or a "
                                  "manager signs the difference off")
        window.sale.focus_scan()

    with_approval(window, close, closed, window.fail, cancelled=not_closed)

