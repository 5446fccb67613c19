"""Returns: scan or type a receipt number, pick lines and quantities, restock, refund.

A blind return (no receipt) needs a supervisor's approval; items are then scanned into it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
)

from pos_terminal.domain.cart import Override
from pos_terminal.domain.tenders import Tender, TenderKind, check_reference
from pos_terminal.errors import InputError, PosError
from pos_terminal.services.returns import SoldLine
from pos_terminal.services.sale_session import Approver
from pos_terminal.ui.dialogs import OverrideDialog
from pos_terminal.ui.screens import ScanScreen
from pos_terminal.ui.widgets import set_role

if TYPE_CHECKING:
    from pos_terminal.ui.main_window import MainWindow


class ReturnsScreen(ScanScreen):
    refunded = Signal()
    failed_text = "the return failed"

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window, "Returns", "scan the receipt's barcode or type its number "
                         "(e.g. S1-R1-000123)", field_height=None)
        self.receipt_field = self.scan_field  # a receipt number, or items in a blind return
        self.currency = self.app.settings.currency
        self.receipt_no = ""
        self.lines: list[SoldLine] = []
        self.blind: Override | None = None
        self.blind_items: list[tuple[str, int, str]] = []  # code, qty, label
        lay = self.lay
        lay.addWidget(self.receipt_field)
        self.table = QTableWidget(0, 4, self)
        self.table.setHorizontalHeaderLabels(["Item", "Sold", "Returnable", "Return now"])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        lay.addWidget(self.table, 1)
        opts = QHBoxLayout()
        self.restock = QCheckBox("Put back on the shelf (restock)", self)
        self.restock.setChecked(True)
        # Blind returns: the deposit comes back with the item unless the bottle stays with
        # the customer (docs/retail.md).
        self.deposit_back = QCheckBox("Bottle back: refund its &deposit", self)
        self.deposit_back.setChecked(True)
        self.deposit_back.hide()
        self.tender = QComboBox(self)
        self.tender.addItems(["cash", "card"])
        self.reference = QLineEdit(self)
        self.reference.setPlaceholderText("card terminal reference (card refunds)")
        opts.addWidget(self.restock)
        opts.addWidget(self.deposit_back)
        opts.addWidget(QLabel("Refund by", self))
        opts.addWidget(self.tender)
        opts.addWidget(self.reference, 1)
        lay.addLayout(opts)
        self.refund_label = QLabel("", self)
        set_role(self.refund_label, "change")
        lay.addWidget(self.refund_label)
        self.add_keys(("F12", "Refund", self.refund, "primary"),
                      ("F6", "Blind return", self.start_blind),
                      ("F10", "Back to sale", self.done.emit))

    def start(self) -> None:
        self.receipt_no = ""
        self.lines = []
        self.blind = None
        self.blind_items = []
        self.table.setRowCount(0)
        self.refund_label.clear()
        self.reference.clear()
        self.restock.setChecked(True)
        self.deposit_back.setChecked(True)
        self.deposit_back.hide()
        self.message.clear_message()
        self.receipt_field.setPlaceholderText(
            "scan the receipt's barcode or type its number (e.g. S1-R1-000123)")
        self.receipt_field.setFocus()

    def scanned(self, text: str) -> None:
        if self.blind is not None:
            self._add_blind(text)
        else:
            self.load(text)

    def load(self, receipt_no: str) -> None:
        def show(got: tuple[str, bool, list[SoldLine]]) -> None:
            _, training, lines = got
            self.receipt_no = receipt_no
            self.lines = lines
            self.table.setRowCount(len(lines))
            for row, ln in enumerate(lines):
                label = f"{ln.name} {ln.variant}".strip()
                self.table.setItem(row, 0, QTableWidgetItem(f"{label}  ({ln.sku})"))
                self.table.setItem(row, 1, QTableWidgetItem(str(ln.qty)))
                self.table.setItem(row, 2, QTableWidgetItem(str(ln.returnable)))
                spin = QSpinBox(self.table)
                spin.setRange(0, ln.returnable)
                self.table.setCellWidget(row, 3, spin)
            note = " (training sale)" if training else ""
            self.message.info(f"receipt {receipt_no}{note}: choose what comes back, then F12")

        self.window_.runner.run(lambda: self.app.returns.receipt(receipt_no), show, self.fail)

    def _tenders(self) -> list[Tender]:
        if self.tender.currentText() == "card":
            ref = check_reference(self.reference.text())
            if not ref:
                raise InputError("type the card terminal's refund reference")
            return [Tender(TenderKind.CARD, None, ref)]
        return [Tender(TenderKind.CASH)]

    def refund(self) -> None:
        user = self.window_.user
        assert user is not None
        try:
            tenders = self._tenders()
        except PosError as exc:
            self.fail(exc)
            return
        restock = self.restock.isChecked()
        if self.blind is not None:
            items = [(c, q) for c, q, _ in self.blind_items]
            approval = self.blind
            deposit_back = self.deposit_back.isChecked()

            def job() -> Any:
                return self.app.returns.blind_return(items, user.id, approval, restock, tenders,
                                                     deposit_back=deposit_back)
        else:
            items = []
            for row, ln in enumerate(self.lines):
                spin = self.table.cellWidget(row, 3)
                if isinstance(spin, QSpinBox) and spin.value():
                    items.append((ln.sku, spin.value()))
            receipt = self.receipt_no

            def job() -> Any:
                return self.app.returns.return_items(receipt, items, user.id, restock, tenders)
        if not items:
            self.message.error("choose at least one item to return")
            return
        self.window_.runner.run(job, self._refunded, self.fail)

    def _refunded(self, result: Any) -> None:
        self.refunded.emit()
        self.start()
        self.refund_label.setText(f"Refund {self.currency.format(result.refund)}")
        self.message.info(f"return {result.return_no} done; give the customer the refund")

    # -- blind return ---------------------------------------------------------------------
    def start_blind(self) -> None:
        session = self.window_.sale.session
        assert session is not None
        needs = session.needs_approval("blind_return")
        dlg = OverrideDialog(self, "blind_return", self.window_.supervisors(), needs,
                             "no receipt")
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        approver = Approver(dlg.user.currentText(), dlg.pin.text()) if needs else None
        reason = dlg.reason.text()

        def approve() -> Override:
            return session.authorise("blind_return", reason, approver)

        def started(o: Override) -> None:
            self.start()
            self.blind = o
            self.deposit_back.show()
            self.receipt_field.setPlaceholderText("blind return: scan each item coming back")
            self.message.info("blind return approved: scan the items, then F12")

        self.window_.runner.run(approve, started, self.fail)

    def _add_blind(self, code: str) -> None:
        def added(item: Any) -> None:
            self.blind_items.append((item.sku, 1, f"{item.name} {item.variant}".strip()))
            row = self.table.rowCount()
            self.table.setRowCount(row + 1)
            self.table.setItem(row, 0, QTableWidgetItem(self.blind_items[-1][2]))
            for col in (1, 2, 3):
                self.table.setItem(row, col, QTableWidgetItem("1" if col == 3 else "-"))

        self.window_.runner.run(lambda: self.app.catalog.item(code), added, self.fail)
