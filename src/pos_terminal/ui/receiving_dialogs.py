"""Dialogs for receiving: a new product from an unknown barcode, a purchase-order draft.

They collect plain values; the receiving screen turns them into service calls.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from pos_protocol.money import Currency
from pos_terminal.errors import InputError
from pos_terminal.ui.dialogs import ErrorLabel, _buttons, title_label
from pos_terminal.ui.widgets import Dialog, Keypad


class NewProductDialog(Dialog):
    """Barcode, name, price, tax class, cost and how many arrived."""

    def __init__(self, parent: QWidget, code: str, tax_classes: list[str],
                 currency: Currency) -> None:
        super().__init__(parent)
        self.setWindowTitle("New product")
        self.currency = currency
        outer = QHBoxLayout(self)  # the form, and the keypad beside it (a short screen)
        form = QFormLayout()
        outer.addLayout(form, 3)
        self.keypad = Keypad(self)
        outer.addWidget(self.keypad, 2, Qt.AlignmentFlag.AlignBottom)
        form.addRow(title_label("New product from an unknown barcode", self))
        self.code = QLineEdit(code, self)
        self.name = QLineEdit(self)
        self.name.setPlaceholderText("name as on the shelf label")
        self.price = QLineEdit(self)
        self.price.setPlaceholderText("selling price, e.g. 5.99")
        self.tax = QComboBox(self)
        self.tax.addItems(tax_classes)
        self.cost = QLineEdit(self)
        self.cost.setPlaceholderText("unit cost (optional)")
        self.counted = QSpinBox(self)
        self.counted.setRange(1, 100_000)
        for label, w in (("Barcode", self.code), ("Name", self.name), ("Price", self.price),
                         ("Tax class", self.tax), ("Unit cost", self.cost),
                         ("Arrived", self.counted)):
            form.addRow(label, w)
        self.error = ErrorLabel(self)
        form.addRow(self.error)
        form.addRow(_buttons(self, "Add"))
        self.values: dict[str, Any] = {}
        (self.name if code else self.code).setFocus()

    def accept(self) -> None:
        try:
            code = self.code.text().strip()
            if not code:
                raise InputError("scan or type the barcode")
            if not self.name.text().strip():
                raise InputError("type the product's name")
            price = self.currency.parse(self.price.text().strip())
            cost = (self.currency.parse(self.cost.text().strip())
                    if self.cost.text().strip() else None)
        except InputError as exc:
            self.error.show_error(str(exc))
            return
        self.values = {"code": code, "name": self.name.text().strip(), "price": price,
                       "tax_class": self.tax.currentText(), "cost": cost,
                       "counted": self.counted.value()}
        super().accept()


class PoDraftDialog(Dialog):
    """A PO for the central: vendor, then scan (or type) items with a quantity each."""

    def __init__(self, parent: QWidget, vendors: list[str]) -> None:
        super().__init__(parent)
        self.setWindowTitle("Draft a purchase order")
        self.resize(640, 480)
        lay = QVBoxLayout(self)
        lay.addWidget(title_label("Draft a purchase order", self))
        form = QFormLayout()
        self.vendor = QComboBox(self)
        self.vendor.setEditable(True)
        self.vendor.addItems(vendors)
        self.vendor.setCurrentText("")
        self.note = QLineEdit(self)
        self.note.setPlaceholderText("note for the buyer (optional)")
        form.addRow("Vendor", self.vendor)
        form.addRow("Note", self.note)
        lay.addLayout(form)
        row = QHBoxLayout()
        self.code = QLineEdit(self)
        self.code.setPlaceholderText("scan or type an item, then Enter")
        self.qty = QSpinBox(self)
        self.qty.setRange(1, 100_000)
        self.code.returnPressed.connect(self.add_item)
        row.addWidget(self.code, 1)
        row.addWidget(self.qty)
        lay.addLayout(row)
        mid = QHBoxLayout()
        self.list = QListWidget(self)
        mid.addWidget(self.list, 3)
        self.keypad = Keypad(self, separator=False)  # touch: the quantity (or a code)
        mid.addWidget(self.keypad, 2)
        lay.addLayout(mid, 1)
        self.error = ErrorLabel(self)
        lay.addWidget(self.error)
        lay.addWidget(_buttons(self, "Send to central"))
        self.items: list[tuple[str, int]] = []
        self.vendor_name = ""
        self.code.setFocus()

    def add_item(self) -> None:
        code = self.code.text().strip()
        if not code:
            return
        self.items.append((code, self.qty.value()))
        self.list.addItem(f"{code}  × {self.qty.value()}")
        self.code.clear()
        self.qty.setValue(1)

    def keyPressEvent(self, event: Any) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.focusWidget() is self.code:
            return  # Enter in the item field added the item (returnPressed); it does not send
        super().keyPressEvent(event)

    def accept(self) -> None:
        if self.code.text().strip():  # a typed code not yet added: add it first
            self.add_item()
            return
        self.vendor_name = self.vendor.currentText().strip()
        if not self.vendor_name:
            self.error.show_error("name the vendor")
            return
        if not self.items:
            self.error.show_error("scan at least one item")
            return
        super().accept()
