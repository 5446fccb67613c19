"""The empties dialog: bottles and cans brought back without a sale (docs/retail.md).

Scan each empty (a product barcode counts its pack: a 6-pack crate is six deposits), type
``4*CODE`` for several, or tap a deposit type. F1 pays the refund out in cash, F2 prints a
voucher the sale screen takes once. Every database call goes through the window's Runner.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QVBoxLayout,
    QWidget,
)

from pos_protocol.money import Currency
from pos_terminal.errors import PosError
from pos_terminal.services.deposits import DepositRefund, DepositService, DepositTypeRow, EmptyLine
from pos_terminal.ui.dialogs import ErrorLabel, title_label
from pos_terminal.ui.widgets import Dialog, FunctionButton, set_role

_MULTIPLIER = re.compile(r"^(\d{1,4})\*(.+)$")


class EmptiesDialog(Dialog):
    """``result_`` is the recorded refund after F1/F2, None when cancelled."""

    def __init__(self, parent: QWidget, runner: Any, deposits: DepositService,
                 currency: Currency, user_id: int, training: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle("Empties")
        self.runner, self.deposits, self.currency = runner, deposits, currency
        self.user_id, self.training = user_id, training
        self.items: list[tuple[str, int]] = []
        self.result_: DepositRefund | None = None
        lay = QVBoxLayout(self)
        lay.addWidget(title_label("Empties — deposit return", self))
        self.scan = QLineEdit(self)
        self.scan.setPlaceholderText("Scan an empty, or type a deposit code  (4* = count)")
        self.scan.returnPressed.connect(self._on_enter)
        lay.addWidget(self.scan)
        self.types_grid = QGridLayout()
        lay.addLayout(self.types_grid)
        self.list = QListWidget(self)
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        lay.addWidget(self.list, 1)
        self.total_label = QLabel("", self)
        set_role(self.total_label, "total")
        self.total_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        lay.addWidget(self.total_label)
        keys = QHBoxLayout()
        self.cash_button = FunctionButton("F1", "Pay out cash", partial(self._pay, "cash"),
                                          self, "primary")
        self.voucher_button = FunctionButton("F2", "Voucher", partial(self._pay, "voucher"), self)
        undo = FunctionButton("F5", "Remove last", self._undo, self)
        cancel = FunctionButton("Esc", "Cancel", self.reject, self, "danger")
        for b in (self.cash_button, self.voucher_button, undo, cancel):
            keys.addWidget(b)
        lay.addLayout(keys)
        self.error = ErrorLabel(self)
        lay.addWidget(self.error)
        self.resize(760, 560)
        self._show([])
        self.scan.setFocus()
        self.runner.run(self.deposits.types, self._types, self._fail)

    def _types(self, types: list[DepositTypeRow]) -> None:
        for i, d in enumerate(types[:8]):
            b = FunctionButton(f"Ctrl+{i + 1}", f"{d.name}  {self.currency.format(d.amount)}",
                               partial(self._add, d.code, 1), self)
            self.types_grid.addWidget(b, i // 4, i % 4)

    def _on_enter(self) -> None:
        text = self.scan.text().strip()
        self.scan.clear()
        if not text:
            return
        m = _MULTIPLIER.match(text)
        count, code = (int(m.group(1)), m.group(2).strip()) if m else (1, text)
        self._add(code, count)

    def _add(self, code: str, count: int) -> None:
        items = [*self.items, (code, count)]

        def done(lines: list[EmptyLine]) -> None:
            self.items = items
            self.error.hide()
            self._show(lines)

        self.runner.run(lambda: self.deposits.price(items), done, self._fail)

    def _undo(self) -> None:
        if self.items:
            self.items.pop()
            items = list(self.items)
            self.runner.run(lambda: self.deposits.price(items), self._show, self._fail)

    def _show(self, lines: list[EmptyLine]) -> None:
        fmt = self.currency.format
        self.list.clear()
        for x in lines:
            self.list.addItem(f"{x.name}   {x.qty} × {fmt(x.unit_amount)}   =  {fmt(x.amount)}")
        self.total_label.setText(f"Refund {fmt(sum(x.amount for x in lines))}")
        self.cash_button.setEnabled(bool(lines))
        self.voucher_button.setEnabled(bool(lines))
        self.scan.setFocus()

    def _pay(self, method: str) -> None:
        if not self.items:
            self.error.show_error("scan the empties or tap a deposit type first")
            return
        items = list(self.items)

        def done(r: DepositRefund) -> None:
            self.result_ = r
            self.accept()

        self.runner.run(lambda: self.deposits.refund(items, self.user_id, method, self.training),
                        done, self._fail)

    def _fail(self, exc: BaseException) -> None:
        self.error.show_error(str(exc) if isinstance(exc, PosError) else
                              "something went wrong; nothing was recorded")
        self.scan.setFocus()
