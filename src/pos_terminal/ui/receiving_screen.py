"""Receiving a delivery: choose an open PO (or a vendor), scan what arrived, correct counts,
mark damaged units, capture costs, post. All work goes through ``services.receiving`` on the
DB worker (``Runner``); a delivery in progress is kept in the database and resumed here.

Keys: scan anywhere · F2 quantity · F4 damaged · F5 unit cost · F7 new product (manager) ·
F8 draft a PO (manager) · F9 put the delivery aside · F12 post · F10/Esc back to the sale.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTableWidgetItem,
)

from pos_terminal.domain.users import Role
from pos_terminal.errors import NotFoundError
from pos_terminal.services.receiving import OpenPo, Posted, Receiving, ReceivingLine
from pos_terminal.ui.dialogs import AmountDialog, TextDialog
from pos_terminal.ui.receiving_dialogs import NewProductDialog, PoDraftDialog
from pos_terminal.ui.screens import ScanScreen, pick_table
from pos_terminal.ui.widgets import FunctionButton

if TYPE_CHECKING:
    from pos_terminal.ui.main_window import MainWindow

COLUMNS = ["Item", "SKU", "Ord.", "Before", "Count", "Dmg.", "Diff", "Cost"]
_FREE = "free"


class ReceivingScreen(ScanScreen):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window, "Receiving", "scan each item as it comes off the pallet (a case "
                         "barcode counts the whole case)")
        self.currency = self.app.settings.currency
        self.current: Receiving | None = None
        self.last_unknown = ""
        lay = self.lay
        self.title.setWordWrap(True)
        pick = QHBoxLayout()
        self.choice = QComboBox(self)
        self.choice.setMinimumHeight(44)
        self.vendor = QComboBox(self)
        self.vendor.setEditable(True)
        self.vendor.setMinimumHeight(44)
        self.vendor.lineEdit().setPlaceholderText("vendor (delivery without a PO)")
        self.reference = QLineEdit(self)
        self.reference.setPlaceholderText("delivery note no.")
        self.reference.setMinimumHeight(44)
        for combo, chars in ((self.choice, 24), (self.vendor, 14)):  # long names: no widening
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(chars)
        self.reference.setMaximumWidth(180)
        self.choice.currentIndexChanged.connect(self._choice_changed)
        pick.addWidget(self.choice, 3)
        pick.addWidget(self.vendor, 2)
        pick.addWidget(self.reference, 1)
        self.start_button = FunctionButton("F3", "Open", self.open_selected, self, "primary")
        pick.addWidget(self.start_button)
        lay.addLayout(pick)
        lay.addWidget(self.scan_field)
        self.table = pick_table(self, COLUMNS)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        lay.addWidget(self.table, 1)
        self.summary = QLabel("", self)
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        self.add_keys(("F2", "Quantity", self.edit_quantity), ("F4", "Damaged", self.edit_damaged),
                      ("F5", "Unit cost", self.edit_cost), ("F7", "New item", self.new_product),
                      ("F8", "Draft PO", self.draft_po), ("F9", "Put aside", self.put_aside),
                      ("F12", "Post", self.post, "primary"), ("F10", "Back", self.leave))

    # -- choosing a delivery ----------------------------------------------------------------
    def start(self) -> None:
        """Show open deliveries (to resume), open POs and vendors to choose from."""
        self.current = None
        self.table.setRowCount(0)
        self.summary.clear()
        self.title.setText("Receiving")
        self.message.clear_message()

        def load() -> tuple[list[Receiving], list[OpenPo], list[str]]:
            r = self.app.receiving
            return r.in_progress(), r.open_orders(), r.vendors()

        def show(got: tuple[list[Receiving], list[OpenPo], list[str]]) -> None:
            resumable, orders, vendors = got
            self.choice.blockSignals(True)
            self.choice.clear()
            for rec in resumable:
                self.choice.addItem(f"Continue: {rec.title} ({_counted(rec)} counted)",
                                    ("resume", rec.id))
            resuming = {rec.po_id for rec in resumable}
            for po in orders:
                if po.id not in resuming:
                    self.choice.addItem(f"PO {po.label}", ("po", po.id))
            self.choice.addItem("Delivery without a purchase order →", (_FREE, ""))
            self.choice.blockSignals(False)
            self.vendor.clear()
            self.vendor.addItems(vendors)
            self.vendor.setCurrentText("")
            self._choice_changed()
            self.message.info("choose the purchase order (or a vendor) and press F3; then "
                              "scan what arrived" if orders or resumable else
                              "no open purchase orders: name the vendor and press F3")
            self.scan_field.setFocus()

        self.window_.runner.run(load, show, self.fail)

    def _choice_changed(self) -> None:
        data = self.choice.currentData()
        self.vendor.setEnabled(bool(data) and data[0] == _FREE)

    def open_selected(self) -> None:
        data = self.choice.currentData()
        if not data:
            return
        kind, ref = data
        user = self.window_.user
        assert user is not None
        reference = self.reference.text()
        vendor = self.vendor.currentText()
        r = self.app.receiving
        if kind == "resume":
            self.window_.runner.run(lambda: r.get(ref), self._show, self.fail)
        elif kind == "po":
            self.window_.runner.run(lambda: r.start(user.id, po=ref, reference=reference),
                                    self._show, self.fail)
        else:
            self.window_.runner.run(lambda: r.start(user.id, vendor=vendor,
                                                    reference=reference),
                                    self._show, self.fail)

    # -- the delivery -----------------------------------------------------------------------
    def _show(self, rec: Receiving, focus_sku: str = "") -> None:
        self.current = rec
        self.title.setText(f"Receiving: {rec.title}"
                           + (f" · note {rec.reference}" if rec.reference else ""))
        self.table.setRowCount(len(rec.lines))
        row_of = 0
        for row, ln in enumerate(rec.lines):
            diff = ln.counts.diff
            cells = [
                ln.name + ("" if ln.on_po or not rec.po_id else "  (not on the PO)"),
                ln.sku, _q(ln.ordered, ln.on_po), _q(ln.before, ln.on_po), str(ln.counted),
                str(ln.damaged) if ln.damaged else "",
                (f"{diff:+d}" if diff else "✓") if ln.on_po else "",
                self.currency.format(ln.unit_cost) if ln.unit_cost is not None else "—",
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                if col == 6 and diff:
                    item.setForeground(QColor("#a11"))
                if col == 5 and ln.damaged:
                    item.setForeground(QColor("#a11"))
                self.table.setItem(row, col, item)
            if ln.sku == focus_sku:
                row_of = row
        if rec.lines:
            self.table.selectRow(row_of)
        found = rec.discrepancies()
        words = ", ".join(f"{d.kind} {d.quantity} × {d.sku}" for d in found[:4])
        more = f" … and {len(found) - 4} more" if len(found) > 4 else ""
        self.summary.setText(f"{_counted(rec)} unit(s) counted on {len(rec.lines)} line(s)"
                             + (f"; discrepancies: {words}{more}" if found else ""))
        self.scan_field.setFocus()

    def scanned(self, text: str) -> None:
        if self.current is None:
            self.message.error("open a delivery first (choose it and press F3)")
            return
        rid = self.current.id

        def counted(rec: Receiving) -> None:
            sku = rec.lines[-1].sku if rec.lines else ""
            for ln in rec.lines:
                if self.current and ln.counted != _line(self.current, ln.sku).counted:
                    sku = ln.sku
            self._show(rec, sku)
            line = _line(rec, sku)
            if line.unit != "each":
                self.message.info(f"{line.name}: type the quantity in {line.unit} (F2)")
            else:
                self.message.info(f"{line.name}: {line.counted} counted")

        def failed(exc: BaseException) -> None:
            if isinstance(exc, NotFoundError) and "unknown barcode" in str(exc):
                self.last_unknown = text
                self.message.error(f"{text}: unknown barcode. A manager can add it as a new "
                                   "product (F7); otherwise set it aside")
                return
            self.fail(exc)

        self.window_.runner.run(lambda: self.app.receiving.scan(rid, text), counted, failed)

    def _selected(self) -> ReceivingLine | None:
        if self.current is None or not self.current.lines:
            self.message.error("scan an item first")
            return None
        row = max(self.table.currentRow(), 0)
        return self.current.lines[min(row, len(self.current.lines) - 1)]

    def _edit(self, ask: Callable[[ReceivingLine], tuple[str, str, Any, str]],
              store: Callable[[str, str, Any], Receiving]) -> None:
        """Ask for one figure of the selected line (``ask`` gives the AmountDialog's title,
        label, currency and initial text) and save it with ``store(delivery, sku, value)``."""
        ln = self._selected()
        if ln is None or self.current is None:
            return
        dlg = AmountDialog(self, *ask(ln))
        if dlg.exec() == QDialog.DialogCode.Accepted:
            rid, value = self.current.id, dlg.value
            self._run(lambda: store(rid, ln.sku, value), lambda rec: self._show(rec, ln.sku))

    def edit_quantity(self) -> None:
        self._edit(lambda ln: (f"Counted: {ln.name}", f"Arrived ({ln.unit})", None,
                               str(ln.counted)), self.app.receiving.set_counted)

    def edit_damaged(self) -> None:
        self._edit(lambda ln: (f"Damaged: {ln.name}", f"Damaged of {ln.counted} counted", None,
                               str(ln.damaged)), self.app.receiving.set_damaged)

    def edit_cost(self) -> None:
        def ask(ln: ReceivingLine) -> tuple[str, str, Any, str]:
            initial = self.currency.format(ln.unit_cost) if ln.unit_cost is not None else ""
            return f"Unit cost: {ln.name}", "Cost per unit", self.currency, initial

        self._edit(ask, self.app.receiving.set_cost)

    def new_product(self) -> None:
        user = self.window_.user
        if self.current is None:
            self.message.error("open a delivery first")
            return
        if user is None or user.role < Role.MANAGER:
            self.message.error("a new product needs a manager: ask one to sign in")
            return
        taxes = [tc.code for tc in self.app.settings.tax_classes]
        dlg = NewProductDialog(self, self.last_unknown, taxes, self.currency)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        rid, v = self.current.id, dlg.values

        def made(rec: Receiving) -> None:
            self.last_unknown = ""
            self._show(rec, rec.lines[-1].sku)
            self.message.info(f"{v['name']} added here and proposed to the central catalog")

        self.window_.runner.run(lambda: self.app.receiving.new_product(
            rid, user, v["code"], v["name"], v["price"], v["tax_class"], v["cost"],
            v["counted"]), made, self.fail)

    def draft_po(self) -> None:
        user = self.window_.user
        if user is None or user.role < Role.MANAGER:
            self.message.error("drafting a purchase order needs a manager")
            return
        vendors = [self.vendor.itemText(i) for i in range(self.vendor.count())]
        dlg = PoDraftDialog(self, vendors)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        vendor, items, note = dlg.vendor_name, dlg.items, dlg.note.text()

        def drafted(po: OpenPo) -> None:
            self.message.info(f"purchase order {po.number} for {po.vendor} drafted; it goes "
                              "to the central with the next sync")
            if self.current is None:
                self.start()

        self.window_.runner.run(lambda: self.app.receiving.draft_po(user, vendor, items, note),
                                drafted, self.fail)

    def put_aside(self) -> None:
        """Leave the delivery open (resume it later, also after a restart)."""
        if self.current is not None:
            self.message.info("delivery kept: choose 'Continue' to go on with it")
        self.start()

    def post(self) -> None:
        user = self.window_.user
        if self.current is None or user is None:
            self.message.error("open a delivery and scan what arrived first")
            return
        rid = self.current.id
        self.window_.runner.run(lambda: self.app.receiving.post(rid, user.id), self._posted,
                                self.fail)

    def _posted(self, got: Posted) -> None:
        self.start()
        lines = [f"{sku}: +{q} on hand (now {got.on_hand.get(sku, 0)})"
                 for sku, q in got.received.items()]
        if got.discrepancies:
            lines += ["", "Discrepancies recorded on the delivery:"] + [
                f"  {d.kind}: {d.quantity} × {d.sku}" for d in got.discrepancies]
        TextDialog(self, "Delivery posted", "\n".join(lines) or "nothing went on hand").exec()
        self.message.info("delivery posted; on-hand updated")

    def leave(self) -> None:
        self.done.emit()


def _q(n: int, shown: bool) -> str:
    return str(n) if shown else ""


def _counted(rec: Receiving) -> int:
    return sum(ln.counted for ln in rec.lines)


def _line(rec: Receiving, sku: str) -> ReceivingLine:
    return next((ln for ln in rec.lines if ln.sku == sku),
                ReceivingLine(sku, sku, "each", False, 0, 0, 0, 0, None))
