"""Stock adjustments with a reason, the low-stock list with reorder/par editing, and the
status bar's low-stock badge. Scan first; the services do the work (through the Runner)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos_terminal.domain.ledger import AdjustReason
from pos_terminal.domain.users import Role
from pos_terminal.errors import PosError
from pos_terminal.services.reorder import Levels
from pos_terminal.ui.dialogs import ErrorLabel, _buttons, title_label
from pos_terminal.ui.screens import pick_table
from pos_terminal.ui.widgets import (
    Dialog,
    FunctionButton,
    Keypad,
    MessageBar,
    StatusLabel,
    set_role,
)

if TYPE_CHECKING:
    from pos_terminal.ui.main_window import MainWindow

REASONS = {
    AdjustReason.DAMAGED: "Damaged", AdjustReason.EXPIRED: "Expired",
    AdjustReason.THEFT: "Theft", AdjustReason.INTERNAL_USE: "Internal use",
    AdjustReason.FOUND: "Found", AdjustReason.CORRECTION: "Correction",
}


def _error_text(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, PosError) else "something went wrong (details in the log)"


class AdjustDialog(Dialog):
    """Scan the item, type a signed quantity (-2 takes two out), pick the reason."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window_ = window
        self.setWindowTitle("Adjust stock")
        form = QFormLayout(self)
        form.addRow(title_label("Adjust stock", self))
        self.code = QLineEdit(self)
        self.code.setPlaceholderText("scan or type the item's code")
        self.code.editingFinished.connect(self.look_up)
        form.addRow("Item", self.code)
        self.item = QLabel("", self)
        set_role(self.item, "muted")
        form.addRow("", self.item)
        self.quantity = QSpinBox(self)
        self.quantity.setRange(-99_999, 99_999)
        self.quantity.setValue(-1)
        form.addRow("Quantity (+ in, - out)", self.quantity)
        self.reason = QComboBox(self)
        for reason, text in REASONS.items():
            self.reason.addItem(text, reason.value)
        form.addRow("Reason", self.reason)
        self.note = QLineEdit(self)
        self.note.setPlaceholderText("note (optional): what happened")
        form.addRow("Note", self.note)
        self.keypad = Keypad(self, separator=False, extra=("-",))  # touch: -2 takes two out
        form.addRow(self.keypad)
        self.error = ErrorLabel(self)
        form.addRow(self.error)
        form.addRow(_buttons(self, "Adjust"))
        self.code.setFocus()
        self.resize(560, 0)
        self.posted: Any = None

    def handle_scan(self, code: str) -> None:
        self.code.setText(code)
        self.look_up()
        self.quantity.setFocus()

    def look_up(self) -> None:
        code = self.code.text().strip()
        if not code:
            return

        def shown(info: Any) -> None:
            self.item.setText(f"{info.item.name} {info.item.variant}".strip()
                              + f" — on hand {info.on_hand} {info.item.unit}")
            self.error.hide()

        self.window_.runner.run(lambda: self.window_.app.inventory.stock(code, 0), shown,
                                lambda exc: self.error.show_error(_error_text(exc)))

    def accept(self) -> None:
        code, qty = self.code.text().strip(), self.quantity.value()
        if not code:
            self.error.show_error("scan or type the item first")
            return
        if qty == 0:
            self.error.show_error("an adjustment of 0 changes nothing")
            return
        reason, note = str(self.reason.currentData()), self.note.text().strip()
        user = self.window_.user
        assert user is not None
        uid = user.id

        def done(p: Any) -> None:
            self.posted = p
            super(AdjustDialog, self).accept()

        self.window_.runner.run(
            lambda: self.window_.app.inventory.adjust(code, qty, reason, uid, note), done,
            lambda exc: self.error.show_error(_error_text(exc)))


class ReorderDialog(Dialog):
    """A manager's reorder point and par level for this store (0 = off)."""

    def __init__(self, parent: QWidget, levels: Levels) -> None:
        super().__init__(parent)
        self.setWindowTitle("Reorder levels")
        form = QFormLayout(self)
        form.addRow(title_label(f"{levels.label} — on hand {levels.on_hand}", self))
        self.reorder_point = QSpinBox(self)
        self.par_level = QSpinBox(self)
        for spin, value in ((self.reorder_point, levels.reorder_point),
                            (self.par_level, levels.par_level)):
            spin.setRange(-1, 10**7)
            spin.setSpecialValueText("none")  # -1 shows as "none": no level at this store
            spin.setValue(-1 if value is None else value)
        form.addRow("Reorder when on hand is at or below", self.reorder_point)
        form.addRow("Fill up to (par level)", self.par_level)
        source = "this store's" if levels.local else "the catalog's"
        note = QLabel(f"Now {source} levels; saved here they apply to this store.", self)
        note.setWordWrap(True)
        form.addRow(note)
        self.keypad = Keypad(self, separator=False)
        form.addRow(self.keypad)
        self.error = ErrorLabel(self)
        form.addRow(self.error)
        form.addRow(_buttons(self, "Save"))
        self.reorder_point.setFocus()
        self.reorder_point.selectAll()

    @property
    def values(self) -> tuple[int | None, int | None]:
        rp, par = self.reorder_point.value(), self.par_level.value()
        return (None if rp < 0 else rp), (None if par < 0 else par)

    def accept(self) -> None:
        rp, par = self.values
        if rp is not None and par is not None and par < rp:
            self.error.show_error("the par level is what to fill up to: not below the "
                                  "reorder point")
            return
        super().accept()


class LowStockDialog(Dialog):
    """What is at or below its reorder point and what to order; scan any item to edit its
    levels (F4 edits the selected line)."""

    COLUMNS = ("Item", "SKU", "On hand", "Reorder at", "Par", "Order")

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window_ = window
        self.setWindowTitle("Low stock")
        lay = QVBoxLayout(self)
        self.title = title_label("Low stock", self)
        lay.addWidget(self.title)
        self.message = MessageBar(self)
        lay.addWidget(self.message)
        self.code = QLineEdit(self)
        self.code.setPlaceholderText("scan or type an item to set its reorder point and par "
                                     "level")
        self.code.returnPressed.connect(self._on_enter)
        lay.addWidget(self.code)
        self.table = pick_table(self, self.COLUMNS, single=False)
        self.table.doubleClicked.connect(lambda _i: self.edit_selected())
        lay.addWidget(self.table, 1)
        keys = QHBoxLayout()
        keys.addWidget(FunctionButton("F4", "Edit levels", self.edit_selected, self, "primary"))
        keys.addWidget(FunctionButton("F5", "Refresh", self.refresh, self))
        lay.addLayout(keys)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        box.button(QDialogButtonBox.StandardButton.Close).setText("Esc  Close")
        box.rejected.connect(self.reject)
        lay.addWidget(box)
        self.rows: list[Levels] = []
        self.resize(900, 640)
        self.code.setFocus()
        self.refresh()

    def refresh(self) -> None:
        self.window_.runner.run(lambda: self.window_.app.reorder.low_stock(500), self._show,
                                self._fail)

    def _fail(self, exc: BaseException) -> None:
        self.message.error(_error_text(exc))

    def _show(self, rows: list[Levels]) -> None:
        self.rows = rows
        self.title.setText(f"Low stock: {len(rows)} item(s) at or below the reorder point")
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            values = (r.label, r.sku, f"{r.on_hand} {r.unit}", str(r.reorder_point),
                      "-" if r.par_level is None else str(r.par_level), str(r.suggested))
            for col, v in enumerate(values):
                it = QTableWidgetItem(v)
                if col >= 2:
                    it.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                        | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(i, col, it)
        if rows:
            self.table.selectRow(0)

    def handle_scan(self, code: str) -> None:
        self.code.setText(code)
        self._on_enter()

    def _on_enter(self) -> None:
        code = self.code.text().strip()
        self.code.clear()
        if code:
            self.window_.runner.run(lambda: self.window_.app.reorder.levels(code), self.edit,
                                    self._fail)

    def edit_selected(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.rows):
            self.edit(self.rows[row])
        else:
            self.message.error("select a line, or scan an item")

    def edit(self, levels: Levels) -> None:
        user = self.window_.user
        if user is None or user.role < Role.MANAGER:
            self.message.error("reorder and par levels are set by a manager")
            return
        dlg = ReorderDialog(self, levels)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        rp, par = dlg.values
        uid, sku = user.id, levels.sku

        def saved(lv: Levels) -> None:
            self.message.info(f"{lv.label}: reorder at {lv.reorder_point}, par "
                              f"{lv.par_level} for this store")
            self.refresh()
            badge = getattr(self.window_, "low_stock_badge", None)
            if badge is not None:
                badge.refresh_soon()

        self.window_.runner.run(
            lambda: self.window_.app.reorder.set_levels(sku, uid, rp, par), saved, self._fail)


class LowStockBadge(StatusLabel):
    """"Low stock: 7" in the status bar, refreshed (debounced) after sales, returns, counts,
    adjustments and sync — not on a timer, so a large catalog is not scanned every few
    seconds."""

    keep = 20  # short: never cut

    def __init__(self, window: MainWindow) -> None:
        super().__init__("low stock", window)
        self.window_ = window
        set_role(self, "muted")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(1500)
        self._timer.timeout.connect(self.refresh)
        self.count = -1

    def connect_to(self, *signals: Any) -> None:
        for s in signals:
            s.connect(self.refresh_soon)

    def refresh_soon(self, *_args: Any) -> None:
        if not self._timer.isActive():  # at most one look-up per interval, however busy
            self._timer.start()

    def refresh(self) -> None:
        if not self.window_.isVisible():  # closed: its Runner is shut down
            return
        self.window_.runner.run(self.window_.app.reorder.low_stock_count, self._show,
                                lambda exc: self.setText("low stock: ?"))

    def _show(self, n: int) -> None:
        self.count = n
        self.setText(f"Low stock: {n}")
        set_role(self, "error" if n else "muted")


def open_stock_dialog(window: MainWindow, which: str,
                      shown: Callable[[QDialog], None] | None = None) -> None:
    """Open the adjust dialog or the low-stock list (from the manager menu); scans reach it
    through ``handle_scan`` while it is the active modal dialog."""
    dlg: AdjustDialog | LowStockDialog = (AdjustDialog(window) if which == "adjust"
                                          else LowStockDialog(window))
    if shown is not None:
        shown(dlg)
    accepted = dlg.exec() == QDialog.DialogCode.Accepted
    if isinstance(dlg, AdjustDialog) and accepted and dlg.posted is not None:
        p = dlg.posted
        (sku, q), = p.quantities.items()
        window.sale.message.info(f"stock of {sku} adjusted by {q:+d}; on hand {p.on_hand[sku]}")
    badge = getattr(window, "low_stock_badge", None)
    if badge is not None:
        badge.refresh_soon()
