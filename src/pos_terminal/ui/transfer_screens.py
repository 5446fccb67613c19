"""Transfers between stores at the register (``services.transfers`` on the DB worker).

Send (``TransferOutScreen``): choose the store, scan what goes out (a pack barcode counts its
pack; ``5x CODE`` or ``CODE x5`` types a quantity), F12 posts. Keys: F8 remove the selected
line · F12 send · F10/Esc back.

Receive (``TransferInScreen``): the transfers to this store that sync pulled are listed; pick one
(F3, or it opens by itself when it is the only one), scan what arrived (each scan counts one
unit or pack on its line; an item not on the transfer gets its own line), mark damaged units,
F12 posts. Keys: F3 open · F5 everything arrived as sent · F4 damaged +1 on the selected line ·
F12 post · F10/Esc back.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
)

from pos_protocol import wire
from pos_terminal.services.transfers import Received, Transfer
from pos_terminal.ui.screens import ScanScreen, cell, pick_table
from pos_terminal.ui.widgets import set_role

if TYPE_CHECKING:
    from pos_terminal.ui.main_window import MainWindow

_FAILED = "that did not work (details in the log)"
_QTY_FIRST = re.compile(r"^(\d{1,6})\s*[xX*]\s*(\S+)$")
_QTY_LAST = re.compile(r"^(\S+?)\s*[xX*]\s*(\d{1,6})$")
MAX_UNITS = 1_000_000


def split_quantity(text: str) -> tuple[str, int]:
    """``5x CODE``, ``CODE x5`` or ``CODE`` as (code, count)."""
    text = text.strip()
    if m := _QTY_FIRST.match(text):
        return m.group(2), int(m.group(1))
    if m := _QTY_LAST.match(text):
        return m.group(1), int(m.group(2))
    return text, 1


class TransferOutScreen(ScanScreen):
    """Send stock to another store."""

    failed_text = _FAILED
    sent = Signal()

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window, "Send stock to another store",
                         "scan each item going out (5x CODE for five)")
        pick = QHBoxLayout()
        to = QLabel("To store", self)
        self.target = QComboBox(self)
        self.target.setEditable(True)  # before the first sync the store list is empty
        self.target.setMinimumSize(320, 44)
        self.target.lineEdit().setPlaceholderText("store code, e.g. S2")
        pick.addWidget(to)
        pick.addWidget(self.target)
        pick.addStretch(1)
        self.lay.addLayout(pick)
        self.lay.addWidget(self.scan_field)
        self.table = pick_table(self, ["Item", "SKU", "Units"])
        self.lay.addWidget(self.table, 1)
        self.total = QLabel("", self)
        set_role(self.total, "title")
        self.lay.addWidget(self.total)
        self.add_keys(("F12", "Send", self.send, "primary"),
                      ("F8", "Remove line", self.remove_line),
                      ("F10", "Back to sale", self.done.emit))
        self.lines: dict[str, list[Any]] = {}  # sku -> [label, units]

    def start(self) -> None:
        self.lines = {}
        self._show()
        self.message.clear_message()

        def fill(stores: list[wire.StoreRef]) -> None:
            current = self.target.currentText()
            self.target.clear()
            for s in stores:
                self.target.addItem(f"{s.code} · {s.name}" if s.name else s.code, s.code)
            if current:
                self.target.setEditText(current)
            elif not stores:
                self.message.info("no store list yet (it comes with sync): type the store code")
            self.scan_field.setFocus()

        self.window_.runner.run(self.app.transfers.stores, fill, self.fail)

    def target_code(self) -> str:
        i = self.target.currentIndex()
        text = self.target.currentText().strip()
        if i >= 0 and text == self.target.itemText(i):
            return str(self.target.itemData(i))
        return text.split("·")[0].strip()

    def scanned(self, code: str) -> None:
        text, count = split_quantity(code)

        def added(got: tuple[str, int, str]) -> None:
            sku, units, label = got
            line = self.lines.setdefault(sku, [label, 0])
            line[1] += units
            self._show(select=sku)
            self.message.info(f"{label}: {line[1]} to send")

        self.window_.runner.run(lambda: self.app.transfers.resolve_code(text, count), added,
                                self.fail)

    def _show(self, select: str | None = None) -> None:
        self.table.setRowCount(len(self.lines))
        for row, (sku, (label, units)) in enumerate(self.lines.items()):
            self.table.setItem(row, 0, cell(label))
            self.table.setItem(row, 1, cell(sku))
            self.table.setItem(row, 2, cell(str(units), right=True))
            if sku == select:
                self.table.selectRow(row)
        units = sum(u for _, u in self.lines.values())
        self.total.setText(f"{units} unit(s) in {len(self.lines)} line(s)" if self.lines else "")

    def remove_line(self) -> None:
        row = self.table.currentRow()
        if row < 0 or row >= len(self.lines):
            self.message.error("select the line to remove")
            return
        sku = list(self.lines)[row]
        del self.lines[sku]
        self._show()

    def send(self) -> None:
        to = self.target_code()
        items = [(sku, units) for sku, (_, units) in self.lines.items()]
        user_id = self.user_id

        def done(tr: Transfer) -> None:
            self.sent.emit()
            self.lines = {}
            self._show()
            self.message.info(f"transfer {tr.number} to {tr.to_store} posted: {tr.units} "
                              "unit(s) left this store's stock; it reaches the central with the "
                              "next sync")
            self.scan_field.setFocus()

        self.window_.runner.run(lambda: self.app.transfers.send(to, items, user_id), done,
                                self.fail)


class TransferInScreen(ScanScreen):
    """Receive a transfer another store sent to this one."""

    failed_text = _FAILED
    received = Signal()

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window, "Receive a transfer",
                         "scan each item that arrived (5x CODE for five)", keypad=True)
        self.pending = pick_table(self, ["Transfer", "From", "Sent", "Units"])
        self.pending.setMaximumHeight(180)
        self.pending.cellDoubleClicked.connect(lambda _r, _c: self.open_selected())
        self.lay.addWidget(self.pending)
        self.heading = QLabel("", self)
        set_role(self.heading, "title")
        self.lay.addWidget(self.heading)
        self.lay.addWidget(self.scan_field)
        self.table = pick_table(self, ["Item", "SKU", "Sent", "Received", "Damaged"])
        self.lay.addWidget(self.table, 1)
        self.add_keys(("F12", "Post receipt", self.post, "primary"),
                      ("F3", "Open transfer", self.open_selected),
                      ("F5", "All arrived", self.all_arrived),
                      ("F4", "Damaged +1", self.damaged_one),
                      ("F10", "Back to sale", self.done.emit))
        self.transfers: list[Transfer] = []
        self.current: Transfer | None = None
        self.rows: list[str] = []  # SKUs in table order

    def start(self, note: str = "") -> None:
        """Load the transfers waiting here; ``note``: what to say instead of the usual hint
        (the result of the receipt just posted)."""
        self.current = None
        self.rows = []
        self.table.setRowCount(0)
        self.heading.setText("")
        self.message.clear_message()

        def listed(found: list[Transfer]) -> None:
            self.transfers = found
            self.pending.setRowCount(len(found))
            for row, tr in enumerate(found):
                self.pending.setItem(row, 0, cell(tr.number))
                self.pending.setItem(row, 1, cell(tr.from_store))
                self.pending.setItem(row, 2, cell((tr.sent_at or "")[:16].replace("T", " ")))
                self.pending.setItem(row, 3, cell(str(tr.units), right=True))
            if len(found) == 1 and not note:
                self.open(found[0])
                return
            if found:
                self.pending.selectRow(0)
            self.message.info(note or (
                f"{len(found)} transfer(s) waiting: choose one, then F3" if found else
                "no transfer to this store is waiting (sync pulls new ones)"))
            self.scan_field.setFocus()

        self.window_.runner.run(self.app.transfers.inbound, listed, self.fail)

    def open_selected(self) -> None:
        row = self.pending.currentRow()
        if 0 <= row < len(self.transfers):
            self.open(self.transfers[row])
        else:
            self.message.error("choose a transfer in the list first")

    def open(self, tr: Transfer) -> None:
        self.current = tr
        self.rows = []
        self.table.setRowCount(0)
        for ln in tr.lines:
            self._add_row(ln.sku, ln.label, ln.sent)
        self.heading.setText(f"{tr.number} from {tr.from_store}: {tr.units} unit(s) sent")
        self.message.info("scan what arrived, or F5 if everything arrived as sent; then F12")
        self.scan_field.setFocus()

    def _add_row(self, sku: str, label: str, sent: int) -> int:
        row = len(self.rows)
        self.rows.append(sku)
        self.table.setRowCount(row + 1)
        self.table.setItem(row, 0, cell(label if sent else f"{label} (not on the transfer)"))
        self.table.setItem(row, 1, cell(sku))
        self.table.setItem(row, 2, cell(str(sent), right=True))
        for col in (3, 4):
            spin = QSpinBox(self.table)
            spin.setRange(0, MAX_UNITS)
            spin.setAlignment(Qt.AlignmentFlag.AlignRight)
            self.table.setCellWidget(row, col, spin)
        return row

    def spin(self, row: int, col: int) -> QSpinBox:
        w = self.table.cellWidget(row, col)
        assert isinstance(w, QSpinBox)
        return w

    def scanned(self, code: str) -> None:
        if self.current is None:
            self.message.error("choose the transfer first (F3)")
            return
        text, count = split_quantity(code)

        def counted(got: tuple[str, int, str]) -> None:
            sku, units, label = got
            row = self.rows.index(sku) if sku in self.rows else self._add_row(sku, label, 0)
            spin = self.spin(row, 3)
            spin.setValue(spin.value() + units)
            self.table.selectRow(row)
            self.message.info(f"{label}: {spin.value()} received")

        self.window_.runner.run(lambda: self.app.transfers.resolve_code(text, count), counted,
                                self.fail)

    def all_arrived(self) -> None:
        if self.current is None:
            self.message.error("choose the transfer first (F3)")
            return
        sent = {ln.sku: ln.sent for ln in self.current.lines}
        for row, sku in enumerate(self.rows):
            self.spin(row, 3).setValue(max(0, sent.get(sku, 0) - self.spin(row, 4).value()))

    def damaged_one(self) -> None:
        row = self.table.currentRow()
        if self.current is None or row < 0:
            self.message.error("select the line with the damaged unit")
            return
        self.spin(row, 4).setValue(self.spin(row, 4).value() + 1)

    def post(self) -> None:
        tr = self.current
        if tr is None:
            self.message.error("choose the transfer first (F3)")
            return
        received = {sku: self.spin(row, 3).value() for row, sku in enumerate(self.rows)}
        damaged = {sku: self.spin(row, 4).value() for row, sku in enumerate(self.rows)
                   if self.spin(row, 4).value()}
        user_id = self.user_id

        def done(got: Received) -> None:
            self.received.emit()
            what = ", ".join(f"{d.quantity} {d.kind} ({d.sku})" for d in got.discrepancies)
            self.start(f"{tr.number} received" + (f" with discrepancies: {what}" if what else
                                                  ": everything arrived as sent"))

        self.window_.runner.run(
            lambda: self.app.transfers.receive(tr.id, received, user_id, damaged), done,
            self.fail)
