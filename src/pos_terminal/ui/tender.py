"""The tender dialog: cash with quick amounts, card with the terminal's reference, split.

It only collects tenders; completing the sale (and any refusal such as short cash) happens in
the checkout service, called by the sale screen.
"""

from __future__ import annotations

from functools import partial

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
from pos_terminal.domain.cash import quick_amounts
from pos_terminal.domain.tenders import (
    Tender,
    TenderKind,
    cash_due,
    check_reference,
    still_due,
)
from pos_terminal.errors import InputError, PosError
from pos_terminal.ui.dialogs import ErrorLabel
from pos_terminal.ui.widgets import Dialog, FitLabel, FunctionButton, KeyGroup, Keypad, set_role


class TenderDialog(Dialog):
    """Collects ``tenders``; accepted when what was given covers the total."""

    def __init__(self, parent: QWidget, total: int, currency: Currency,
                 taken: list[Tender] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Payment")
        self.total = total
        self.currency = currency
        self.tenders: list[Tender] = list(taken or [])  # card money already taken
        lay = QVBoxLayout(self)
        top = QHBoxLayout()  # what is due and given on the left, the keypad on the right
        left = QVBoxLayout()
        head = QLabel("Amount due", self)
        set_role(head, "title")
        left.addWidget(head)
        self.due_label = FitLabel("", self)
        set_role(self.due_label, "total")
        left.addWidget(self.due_label)
        self.paid_list = QListWidget(self)
        self.paid_list.setMaximumHeight(110)
        self.paid_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        left.addWidget(self.paid_list)

        self.amount = QLineEdit(self)
        self.amount.setPlaceholderText("amount given (empty = exact)")
        self.amount.returnPressed.connect(self.cash)
        self.reference = QLineEdit(self)
        self.reference.setPlaceholderText("card terminal reference")
        self.reference.returnPressed.connect(self.card)
        left.addWidget(self.amount)
        left.addWidget(self.reference)

        self.quick = QGridLayout()
        left.addLayout(self.quick)
        left.addStretch(1)
        top.addLayout(left, 3)
        self.keypad = Keypad(self)  # touch: the amount given (Enter takes it as cash)
        top.addWidget(self.keypad, 2)
        lay.addLayout(top, 1)
        keys = QHBoxLayout()
        group = KeyGroup()
        self.cash_button = FunctionButton("F1", "Cash", self.cash, self, "primary")
        self.card_button = FunctionButton("F2", "Card", self.card, self)
        self.other_button = FunctionButton("F3", "Voucher / other", self.other, self)
        cancel = FunctionButton("Esc", "Cancel", self.reject, self, "danger")
        for b in (self.cash_button, self.card_button, self.other_button, cancel):
            group.add(b)
            keys.addWidget(b, 1)
        lay.addLayout(keys)
        self.error = ErrorLabel(self)
        lay.addWidget(self.error)
        self.resize(720, 520)
        self._update()
        self.amount.setFocus()

    def _update(self) -> None:
        fmt = self.currency.format
        due = cash_due(self.total, self.tenders, self.currency)
        self.due_label.setText(fmt(due))
        self.paid_list.clear()
        for t in self.tenders:
            self.paid_list.addItem(f"{t.kind}  {fmt(t.amount or 0)}  {t.reference}")
        while self.quick.count():
            w = self.quick.takeAt(0).widget()
            if w is not None:
                w.hide()  # deleteLater runs only when the event loop gets back
                w.deleteLater()
        for i, amount in enumerate(quick_amounts(due, self.currency.code)):
            key = f"Ctrl+{i + 1}"
            b = FunctionButton(key, fmt(amount), partial(self._cash_amount, amount), self)
            self.quick.addWidget(b, i // 2, i % 2)  # two by two: room beside the keypad

    def _amount(self) -> int | None:
        text = self.amount.text().strip()
        if not text:
            return None
        value = self.currency.parse(text)
        if value <= 0:
            raise InputError("an amount must be more than zero")
        return value

    def _cash_amount(self, amount: int) -> None:
        self.tenders.append(Tender(TenderKind.CASH, amount))
        self.accept()

    def cash(self) -> None:
        try:
            given = self._amount()
        except PosError as exc:
            self.error.show_error(str(exc))
            return
        due = cash_due(self.total, self.tenders, self.currency)
        if given is not None and given < due:
            self.error.show_error(
                f"not enough cash: {self.currency.format(due)} due, "
                f"{self.currency.format(given)} given"
            )
            return
        self.tenders.append(Tender(TenderKind.CASH, given))
        self.accept()

    def card(self) -> None:
        self._non_cash(TenderKind.CARD)

    def other(self) -> None:
        self._non_cash(TenderKind.OTHER)

    def _non_cash(self, kind: TenderKind) -> None:
        try:
            ref = check_reference(self.reference.text())
            if kind is TenderKind.CARD and not ref:
                raise InputError("type the card terminal's reference (from its slip)")
            amount = self._amount()
            left = still_due(self.total, self.tenders)
            amount = left if amount is None else amount
            if amount > left:
                raise InputError(f"{kind} amount is more than the {self.currency.format(left)} due")
        except PosError as exc:
            self.error.show_error(str(exc))
            return
        self.tenders.append(Tender(kind, amount, ref or str(kind)))
        self.amount.clear()
        self.reference.clear()
        self.error.hide()
        if still_due(self.total, self.tenders) == 0:
            self.accept()
            return
        self._update()
        self.amount.setFocus()
