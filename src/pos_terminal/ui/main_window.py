"""The register's main window: screens in a stack, a status bar that is always visible.

It owns the Runner (all database work off the GUI thread) and the device bridge; screens call
back into it for shift actions, printing and approvals.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QLabel,
    QLayout,
    QMainWindow,
    QPlainTextEdit,
    QProgressDialog,
    QStackedWidget,
)

from pos_protocol import from_wire_time
from pos_terminal.bootstrap import App
from pos_terminal.db import ledger
from pos_terminal.domain.cart import Override
from pos_terminal.domain.scan import ScanCode, ScanFrame
from pos_terminal.domain.users import Role
from pos_terminal.errors import PosError
from pos_terminal.services.shifts import ShiftReport
from pos_terminal.services.users import User
from pos_terminal.sync.status import SyncStatus
from pos_terminal.ui import cash_dialogs, staff_dialogs, theme
from pos_terminal.ui.bridge import DeviceBridge
from pos_terminal.ui.counting_screen import CountScreen
from pos_terminal.ui.dialogs import ChoiceDialog, TextDialog
from pos_terminal.ui.login import LoginScreen, OpenShiftScreen
from pos_terminal.ui.receiving_screen import ReceivingScreen
from pos_terminal.ui.returns_screen import ReturnsScreen
from pos_terminal.ui.sale_screen import SaleScreen
from pos_terminal.ui.stock_dialogs import LowStockBadge, open_stock_dialog
from pos_terminal.ui.tasks import Progress, Runner
from pos_terminal.ui.transfer_screens import TransferInScreen, TransferOutScreen
from pos_terminal.ui.widgets import StatusLabel, set_role

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    job_queued = Signal()  # something waits in the print queue: wake the print worker

    def __init__(self, app: App, bridge: DeviceBridge | None = None) -> None:
        super().__init__()
        self.app = app
        self.runner = Runner(self)
        self.background = Runner(self, "pos-import")  # long jobs: the till never waits on them
        self.bridge = bridge or DeviceBridge(self)
        self.user: User | None = None
        self.training = False
        self.setWindowTitle(f"pos-terminal — {app.settings.store_name} {app.settings.terminal}")
        # The theme's text size for the size the window will have on screen, set before the
        # screens are built so that they are styled once (resizeEvent restyles on a change).
        self.text_px = 0
        self.restyle(self._screen_size())
        self.stack = QStackedWidget(self)
        self.setCentralWidget(self.stack)
        # The screen decides the window's size, not its content: the content restyles itself
        # to the size (resizeEvent) and every screen is laid out to fit down to 800×600.
        self.layout().setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self.login = LoginScreen(self)
        self.open_shift = OpenShiftScreen(self)
        self.sale = SaleScreen(self)
        self.returns = ReturnsScreen(self)
        self.receiving = ReceivingScreen(self)  # manager menu → Receive a delivery
        self.stack.addWidget(self.receiving)
        self.receiving.done.connect(self._show_sale)
        self.transfer_out = TransferOutScreen(self)  # manager menu → Send stock to a store
        self.transfer_in = TransferInScreen(self)  # manager menu → Receive a transfer
        for screen in (self.transfer_out, self.transfer_in):
            self.stack.addWidget(screen)
            screen.done.connect(self._show_sale)
        self.count = CountScreen(self)  # manager menu → Stock count
        self.stack.addWidget(self.count)
        self.count.done.connect(self._show_sale)
        for w in (self.login, self.open_shift, self.sale, self.returns):
            self.stack.addWidget(w)
        self.login.signed_in.connect(self._signed_in)
        self.open_shift.opened.connect(lambda _s: self._show_sale())
        self.sale.go_returns.connect(self._show_returns)
        self.sale.sale_done.connect(lambda _r: self.job_queued.emit())
        self.returns.refunded.connect(self.job_queued.emit)
        self.returns.done.connect(self._show_sale)
        self.quitting = False  # kiosk: a manager chose to quit
        self._sync_status: SyncStatus | None = None  # the sync worker's last word
        self._status_bar()
        self.bridge.scanned.connect(self.handle_scan)
        self.bridge.scanner_state.connect(self.scanner_label.setText)
        self.bridge.printer_state.connect(self._printer_state)
        self.bridge.sync_state.connect(self.sync_label.setText)
        self.bridge.sync_status.connect(self._sync_worker_status)
        # The backlog is read again after every committed change (a sale, a return, a count…)
        # once the database thread is idle, so it never lags ``pos-terminal sync --status``;
        # the slow timer only ages the "oldest" figure.
        self._seen_commits = -1
        self._status_soon = QTimer(self)
        self._status_soon.setSingleShot(True)
        self._status_soon.setInterval(150)
        self._status_soon.timeout.connect(self.refresh_status)
        self.runner.busy_changed.connect(self._db_idle)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh_status)
        self._timer.start(30_000)
        self.resize(*app.display.window.size)
        self.show_login()

    # -- status bar -------------------------------------------------------------------------
    def _status_bar(self) -> None:
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)  # full screen at the till: nothing to resize
        s = self.app.settings
        # Every field gives way ("…", the whole text in its tooltip) rather than being pushed
        # off a narrow screen; the sync backlog, rightmost, keeps the most room.
        self.store_label = StatusLabel(f"{s.store} / {s.register}", self)
        self.cashier_label = StatusLabel("signed out", self)
        self.training_label = QLabel("TRAINING", self)
        set_role(self.training_label, "training")
        self.training_label.hide()
        self.scanner_label = StatusLabel("scanner: keyboard", self)
        self.printer_label = StatusLabel("printer: preview only", self)
        self.sync_label = StatusLabel("sync: not set up", self)
        # what each field keeps when the bar is short ("sync: offline, 1234 pending")
        for label, keep in ((self.store_label, 40), (self.cashier_label, 18),
                            (self.scanner_label, 14), (self.printer_label, 18),
                            (self.sync_label, 28)):
            label.keep = keep
        for w in (self.store_label, self.cashier_label, self.training_label):
            bar.addWidget(w)
        self.low_stock_badge = LowStockBadge(self)  # refreshed after postings and sync
        self.low_stock_badge.connect_to(self.login.signed_in, self.sale.sale_done,
                                        self.returns.refunded, self.count.posted,
                                        self.bridge.sync_state)
        for w in (self.low_stock_badge, self.scanner_label, self.printer_label):
            bar.addPermanentWidget(w)
        bar.addPermanentWidget(self.sync_label, 1)
        self.refresh_status()

    def _printer_state(self, state: str, pending: int) -> None:
        self.printer_label.setText(f"printer: {state}" + (f", {pending} waiting" if pending
                                                          else ""))

    def _sync_worker_status(self, status: SyncStatus) -> None:
        self._sync_status = status

    def _db_idle(self, pending: int) -> None:
        """The database thread finished its work: if anything was committed, the backlog may
        have changed."""
        if pending == 0 and self.app.ctx.commits.count != self._seen_commits:
            self._status_soon.start()

    def refresh_status(self) -> None:
        """The sync field from the database now: the worker's state (when it runs) with the
        backlog as ``pos-terminal sync --status`` counts it."""
        self._seen_commits = self.app.ctx.commits.count
        worker = self._sync_status

        def line() -> str:
            if worker is not None:
                return SyncStatus.of(worker.state, self.app.sync.figures(), worker.last_error
                                     ).line()
            with self.app.ctx.read() as conn:
                n, oldest = ledger.outbox_backlog(conn)
            if not n:
                return "sync: 0 pending"
            then = from_wire_time(oldest or "")
            minutes = int((datetime.now(UTC) - then).total_seconds() // 60)
            return f"sync: {n} pending, oldest {minutes} min"

        self.runner.run(line, self.sync_label.setText,
                        lambda exc: self.sync_label.setText("sync: ?"))

    # -- the screen -------------------------------------------------------------------------
    def show_on_screen(self) -> None:
        """Show the window as ``[window] mode`` says: maximised on the primary screen (the
        default), full screen, kiosk (full screen, no frame, on top, not closed by the
        cashier) or a plain window of ``[window] size`` (development)."""
        ws = self.app.display.window
        screen = QGuiApplication.primaryScreen()
        if ws.mode == "windowed" or screen is None:
            self.resize(*ws.size)
            self.show()
            return
        if ws.mode == "kiosk":
            self.setWindowFlags(self.windowFlags() | Qt.WindowType.FramelessWindowHint
                                | Qt.WindowType.WindowStaysOnTopHint)
        # The geometry first: without a window manager (a bare X server at a kiosk) nobody
        # else maximises the window.
        if ws.mode == "maximized":
            self.setGeometry(screen.availableGeometry())
            self.showMaximized()
        else:
            self.setGeometry(screen.geometry())
            self.showFullScreen()

    def _screen_size(self) -> QSize:
        """The size ``show_on_screen`` will give the window."""
        ws = self.app.display.window
        screen = QGuiApplication.primaryScreen()
        if ws.mode == "windowed" or screen is None:
            return QSize(*ws.size)
        return (screen.availableGeometry() if ws.mode == "maximized" else screen.geometry()
                ).size()

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.restyle(event.size())
        super().resizeEvent(event)

    def restyle(self, size: QSize) -> None:
        """Text and buttons follow the window: the theme at the text size for ``size``."""
        px = theme.text_px(size.width(), size.height(), self.app.display.window.scale)
        if px != self.text_px:
            self.text_px = px
            self.setStyleSheet(theme.stylesheet(px))

    # -- navigation -------------------------------------------------------------------------
    def show_login(self) -> None:
        self.user = None
        self.cashier_label.setText("signed out")
        self.training_label.hide()
        self.stack.setCurrentWidget(self.login)
        self.login.start()

    def _signed_in(self, user: User, training: bool) -> None:
        self.user = user
        self.training = training
        self.cashier_label.setText(f"{user.name} ({user.role.name.lower()})")
        self.training_label.setVisible(training)
        self.sale.start(self.app.sale_session(user, training))

        def route(shift: Any) -> None:
            if shift is None:
                self.open_shift.start(user)
                self.stack.setCurrentWidget(self.open_shift)
            else:
                self._show_sale()

        self.runner.run(self.app.shifts.current, route, self.unexpected)

    def _show_sale(self) -> None:
        self.stack.setCurrentWidget(self.sale)
        self.sale.focus_scan()

    def _show_returns(self) -> None:
        self.stack.setCurrentWidget(self.returns)
        self.returns.start()

    def handle_scan(self, scan: str | ScanFrame) -> None:
        """Every scan (wedge text or serial frame) goes to the screen on top, whatever has focus.

        A garbled frame is shown as an error and adds nothing.
        """
        current = self.stack.currentWidget()
        modal = QApplication.activeModalWidget()  # a dialog that takes scans gets them
        text = scan if isinstance(scan, str) else scan.code.text if scan.code else None
        if text is not None and modal is not None and hasattr(modal, "handle_scan"):
            modal.handle_scan(text)
            return
        if isinstance(scan, ScanFrame):
            if scan.code is None:
                target = (current if current in (self.sale, self.returns, self.receiving,
                                                 self.transfer_out, self.transfer_in)
                          else self.sale)
                target.message.error(scan.error or "unreadable scan; scan again")
                return
            code: str | ScanCode = scan.code
        else:
            code = scan
        if current is self.sale:
            self.sale.handle_scan(code)
        elif current is self.returns:
            self.returns.handle_scan(code if isinstance(code, str) else code.text)
        elif current is self.receiving:
            self.receiving.handle_scan(code if isinstance(code, str) else code.text)
        elif current is self.count:
            self.count.handle_scan(code if isinstance(code, str) else code.text)
        elif current is self.transfer_out or current is self.transfer_in:
            current.handle_scan(code if isinstance(code, str) else code.text)

    def log_out(self) -> None:
        if self.sale.session is not None and not self.sale.session.cart.is_empty:
            self.sale.message.error("finish, park or void the sale before logging out")
            return
        self.show_login()

    # -- shared actions ---------------------------------------------------------------------
    def supervisors(self) -> list[str]:
        """Who may approve: everyone else who can sign in (the service checks the role)."""
        me = self.user.name if self.user else ""
        return [n for n in self.login.names if n != me]

    def unexpected(self, exc: BaseException) -> None:
        log.error("unexpected error", exc_info=(type(exc), exc, exc.__traceback__))

    def _current_message(self) -> Any:
        w = self.stack.currentWidget()
        return getattr(w, "message", self.sale.message)

    def fail(self, exc: BaseException) -> None:
        if not isinstance(exc, PosError):
            self.unexpected(exc)
        self._current_message().error(str(exc) if isinstance(exc, PosError) else
                                      "something went wrong (details in the log)")

    def paid(self, kind: str) -> None:
        cash_dialogs.paid(self, kind)  # a manager's PIN above the [cash] limits

    def paid_in_out(self) -> None:
        cash_dialogs.paid_in_out(self)

    # (label, value, who may use it): store staff count stock and take deliveries in; the
    # rest (reports, imports, adjustments, sending stock, reorder levels) needs a supervisor.
    BACK_OFFICE: tuple[tuple[str, str, Role], ...] = (
        ("Reports", "reports", Role.SUPERVISOR),
        ("Import a catalog file (CSV)", "import", Role.SUPERVISOR),
        ("Sync events the central refused", "quarantine", Role.SUPERVISOR),
        ("Receive a delivery (purchase orders)", "receive", Role.CASHIER),
        ("Send stock to another store", "transfer_out", Role.SUPERVISOR),
        ("Receive a transfer from another store", "transfer_in", Role.CASHIER),
        ("Stock count", "count", Role.CASHIER),
        ("Adjust stock (damaged, expired, theft…)", "adjust", Role.SUPERVISOR),
        ("Low stock and reorder levels", "low_stock", Role.SUPERVISOR),
        ("Staff: my PIN (managers: PINs, roles, deactivate)", "staff", Role.CASHIER),
    )

    def manager_menu(self) -> None:
        """The back office (Shift+F3): everything for supervisors and managers; counting and
        receiving for every signed-in user (posting a count still needs a manager's PIN)."""
        if self.user is None:
            return
        role = self.user.role
        entries = [(label, value) for label, value, need in self.BACK_OFFICE if role >= need]
        if self.app.display.window.kiosk and role >= Role.MANAGER:
            entries.append(("Quit the register (kiosk)", "quit"))
        title = "Back office" if role >= Role.SUPERVISOR else "Stock"
        dlg = ChoiceDialog(self, title, entries)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        if dlg.value == "reports":
            from pos_terminal.ui.reports_view import open_reports

            open_reports(self).exec()
        elif dlg.value == "import":
            self.import_catalog()
        elif dlg.value == "quit":  # the only way out of a kiosk: a manager's choice
            self.quitting = True
            self.close()
            return
        elif dlg.value == "quarantine":
            self.runner.run(self.app.sync.quarantined, self._show_quarantine, self.fail)
        elif dlg.value == "receive":
            self.stack.setCurrentWidget(self.receiving)
            self.receiving.start()
            return
        elif dlg.value == "count":
            self.stack.setCurrentWidget(self.count)
            self.count.start()
            return
        elif dlg.value == "staff":
            staff_dialogs.open_staff(self)
        elif dlg.value in ("adjust", "low_stock"):
            open_stock_dialog(self, str(dlg.value))
        elif dlg.value in ("transfer_out", "transfer_in"):
            screen = self.transfer_out if dlg.value == "transfer_out" else self.transfer_in
            self.stack.setCurrentWidget(screen)
            screen.start()
            return
        self.sale.focus_scan()

    def _show_quarantine(self, events: list[Any]) -> None:
        """What the central refused, and why; `pos-terminal sync --requeue` sends them again."""
        if not events:
            text = "Nothing is quarantined: the central accepted every event sent."
        else:
            text = "\n\n".join(
                f"#{e.seq} {e.type} of {e.occurred_at[:16]}\n  refused: {e.reason}"
                for e in events
            ) + "\n\nAfter fixing the cause: pos-terminal sync --requeue all"
        TextDialog(self, f"Quarantined sync events ({len(events)})", text).exec()

    def import_catalog(self) -> None:
        """The import runs on a thread of its own (its writes let sales go first), so the till
        keeps selling; a dialog that does not take the keyboard shows rows done / total."""
        path, _ = QFileDialog.getOpenFileName(self, "Catalog file", "", "CSV (*.csv *.txt)")
        if not path:
            return
        progress = QProgressDialog("Reading the catalog file…", "", 0, 0, self)
        progress.setWindowTitle("Catalog import")
        progress.setCancelButton(None)
        progress.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        progress.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        progress.setWindowFlag(Qt.WindowType.WindowDoesNotAcceptFocus)
        progress.setWindowModality(Qt.WindowModality.NonModal)
        progress.setMinimumDuration(0)
        progress.show()
        self.activateWindow()  # the keyboard and the scanner stay with the till
        rows = Progress(progress)

        def step(value: tuple[int, int]) -> None:
            done, total = value
            progress.setMaximum(total)
            progress.setValue(done)
            progress.setLabelText(f"Importing the catalog: {done:,} / {total:,} rows")

        rows.changed.connect(step)

        def done(r: Any) -> None:
            progress.close()
            self._current_message().info(f"catalog imported: {r.summary()}")

        def failed(exc: BaseException) -> None:
            progress.close()
            self.fail(exc)

        user_id = self.user.id if self.user else None
        self.background.run(lambda: self.app.catalog.import_csv(
            Path(path), user_id=user_id, progress=rows.report), done, failed)

    def x_report(self) -> None:
        cash_dialogs.x_report(self)  # blind for a cashier

    def close_shift(self) -> None:
        cash_dialogs.close_shift(self)  # a big count difference needs a manager's sign-off

    def show_report(self, report: ShiftReport, text: str) -> None:
        TextDialog(self, f"{report.kind} report — shift {report.shift.number}", text).exec()
        self.sale.focus_scan()

    def no_sale(self, override: Override) -> None:
        def opened(_job: int) -> None:
            self.job_queued.emit()
            self.sale.message.info("drawer opened (no sale)")

        self.runner.run(lambda: self.app.printing.no_sale(override), opened, self.fail)

    def reprint(self, receipt_no: str) -> None:
        user_id = self.user.id if self.user else None

        def queued(_job: int) -> None:
            self.job_queued.emit()
            self.sale.message.info(f"copy of {receipt_no} queued")

        self.runner.run(lambda: self.app.printing.reprint(receipt_no, user_id), queued,
                        self.fail)

    def show_preview(self, receipt_no: str, view: QPlainTextEdit) -> None:
        self.runner.run(lambda: self.app.printing.preview(receipt_no), view.setPlainText,
                        self.fail)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.app.display.window.kiosk and not self.quitting:
            event.ignore()  # kiosk: the cashier cannot leave the till
            self._current_message().error("this register runs as a kiosk: a manager quits it "
                                          "from the back office (Shift+F3)")
            return
        self._timer.stop()
        self._status_soon.stop()
        self.runner.shutdown()
        self.background.shutdown()
        super().closeEvent(event)

