"""Dialogs that collect plain values (an approval, an amount, a choice, a count).

They never call services: the screen that opens one turns its values into a command.
"""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from pos_protocol.money import Currency
from pos_terminal.domain.cash import denominations
from pos_terminal.domain.users import REQUIRED_ROLE, Role
from pos_terminal.errors import InputError
from pos_terminal.ui.widgets import Dialog, Keypad, set_role


def title_label(text: str, parent: QWidget) -> QLabel:
    """A dialog's big title line (wrapped: a long product name never widens the dialog past
    the screen)."""
    label = QLabel(text, parent)
    set_role(label, "title")
    label.setWordWrap(True)
    return label


def _buttons(dialog: Dialog, ok_text: str = "OK") -> QDialogButtonBox:
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog)
    box.button(QDialogButtonBox.StandardButton.Ok).setText(f"Enter  {ok_text}")
    box.button(QDialogButtonBox.StandardButton.Cancel).setText("Esc  Cancel")
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


class ErrorLabel(QLabel):
    def __init__(self, parent: QWidget) -> None:
        super().__init__("", parent)
        self.setWordWrap(True)
        self.hide()

    def show_error(self, text: str) -> None:
        self.setText(text)
        set_role(self, "error")
        self.show()


class OverrideDialog(Dialog):
    """A supervisor approves with name and PIN, and a reason goes to the audit log."""

    def __init__(self, parent: QWidget, action: str, supervisors: list[str],
                 needs_pin: bool, reason: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(action.replace("_", " ").capitalize())
        form = QFormLayout(self)
        who = REQUIRED_ROLE.get(action, Role.SUPERVISOR).name.lower()  # post_count: manager
        title = QLabel(f"{action.replace('_', ' ').capitalize()}"
                       + (f": {who} approval" if needs_pin else ""), self)
        set_role(title, "title")
        form.addRow(title)
        self.user = QComboBox(self)
        self.user.addItems(supervisors)
        self.pin = QLineEdit(self)
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setPlaceholderText(f"{who} PIN")
        if needs_pin:
            form.addRow(who.capitalize(), self.user)
            form.addRow("PIN", self.pin)
        self.reason = QLineEdit(reason, self)
        self.reason.setPlaceholderText("reason (required)")
        form.addRow("Reason", self.reason)
        if needs_pin:  # touch: the PIN by keypad
            self.keypad = Keypad(self, separator=False)
            form.addRow(self.keypad)
        self.error = ErrorLabel(self)
        form.addRow(self.error)
        form.addRow(_buttons(self, "Approve"))
        (self.pin if needs_pin else self.reason).setFocus()

    def accept(self) -> None:
        if not self.reason.text().strip():
            self.error.show_error("give a reason")
            return
        super().accept()


class AmountDialog(Dialog):
    """Type an amount (money or a quantity, chosen by the caller)."""

    def __init__(self, parent: QWidget, title: str, label: str, currency: Currency | None,
                 initial: str = "", with_reason: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.currency = currency
        form = QFormLayout(self)
        form.addRow(title_label(title, self))
        self.field = QLineEdit(initial, self)
        self.field.selectAll()
        form.addRow(label, self.field)
        self.with_reason = with_reason
        self.reason = QLineEdit(self)
        if with_reason:
            form.addRow("Reason", self.reason)
        else:
            self.reason.hide()
        # touch: the figure by keypad (a decimal separator for money only)
        self.keypad = Keypad(self, separator=currency is not None)
        form.addRow(self.keypad)
        self.error = ErrorLabel(self)
        form.addRow(self.error)
        form.addRow(_buttons(self))
        self.value = 0
        self.field.setFocus()

    def accept(self) -> None:
        text = self.field.text().strip()
        try:
            if self.currency is not None:
                self.value = self.currency.parse(text)
            else:
                if not text.lstrip("-").isdigit():
                    raise InputError("type a whole number")
                self.value = int(text)
        except InputError as exc:
            self.error.show_error(str(exc))
            return
        if self.with_reason and not self.reason.text().strip():
            self.error.show_error("give a reason")
            return
        super().accept()


class ChoiceDialog(Dialog):
    """Pick one of several rows (search results, parked sales)."""

    def __init__(self, parent: QWidget, title: str, rows: list[tuple[str, object]]) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        lay = QVBoxLayout(self)
        lay.addWidget(title_label(title, self))
        self.list = QListWidget(self)
        for text, value in rows:
            it = QListWidgetItem(text, self.list)
            it.setData(Qt.ItemDataRole.UserRole, value)
        self.list.setCurrentRow(0)
        self.list.itemActivated.connect(lambda _it: self.accept())
        lay.addWidget(self.list)
        lay.addWidget(_buttons(self, "Choose"))
        self.list.setFocus()
        self.resize(640, 420)

    @property
    def value(self) -> object:
        it = self.list.currentItem()
        return None if it is None else it.data(Qt.ItemDataRole.UserRole)


class CashCountDialog(Dialog):
    """Blind drawer count by denomination: the expected amount is never shown here."""

    def __init__(self, parent: QWidget, currency: Currency, title: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.currency = currency
        lay = QVBoxLayout(self)
        lay.addWidget(title_label(title, self))
        # The denominations scroll when the screen is short; the keypad stays beside them.
        body = QHBoxLayout()
        notes = QWidget(self)
        grid = QGridLayout(notes)
        self.spins: dict[int, QSpinBox] = {}
        for i, value in enumerate(denominations(currency.code)):
            spin = QSpinBox(notes)
            spin.setRange(0, 9999)
            spin.valueChanged.connect(self._update)
            self.spins[value] = spin
            grid.addWidget(QLabel(currency.format(value), notes), i // 2, (i % 2) * 2)
            grid.addWidget(spin, i // 2, (i % 2) * 2 + 1)
        scroll = QScrollArea(self)
        scroll.setWidget(notes)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(notes.sizeHint().width())
        body.addWidget(scroll, 3)
        self.keypad = Keypad(self, separator=False)
        body.addWidget(self.keypad, 2, Qt.AlignmentFlag.AlignTop)
        lay.addLayout(body, 1)
        self.total = QLabel("", self)
        set_role(self.total, "title")
        lay.addWidget(self.total)
        lay.addWidget(_buttons(self, "Count done"))
        self._update()

    def _update(self) -> None:
        self.total.setText(f"Counted: {self.currency.format(self.counted)}")

    @property
    def counts(self) -> dict[int, int]:
        return {v: s.value() for v, s in self.spins.items() if s.value()}

    @property
    def counted(self) -> int:
        return sum(v * n for v, n in self.counts.items())


class TextDialog(Dialog):
    """Show a report or a receipt preview in a fixed-width font."""

    def __init__(self, parent: QWidget, title: str, text: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        lay = QVBoxLayout(self)
        view = QPlainTextEdit(text, self)
        view.setReadOnly(True)
        view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)  # laid out as on paper
        set_role(view, "receipt")  # the theme's fixed-width type, sized with the screen
        lay.addWidget(view)
        self.view = view
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        box.rejected.connect(self.reject)
        box.button(QDialogButtonBox.StandardButton.Close).setText("Esc  Close")
        lay.addWidget(box)
        self.resize(560, 680)


class DiscountDialog(Dialog):
    """A discount as an amount ("1.50") or a percentage ("10%")."""

    def __init__(self, parent: QWidget, title: str, currency: Currency) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.currency = currency
        form = QFormLayout(self)
        form.addRow(title_label(title, self))
        self.field = QLineEdit(self)
        self.field.setPlaceholderText("1.50 or 10%")
        form.addRow("Discount", self.field)
        self.keypad = Keypad(self, extra=("%",))
        form.addRow(self.keypad)
        self.error = ErrorLabel(self)
        form.addRow(self.error)
        form.addRow(_buttons(self))
        self.amount = 0
        self.percent_ppm = 0
        self.field.setFocus()

    def accept(self) -> None:
        text = self.field.text().strip().replace(" ", "")
        try:
            if text.endswith("%"):
                from pos_protocol.money import parse_amount

                self.percent_ppm = parse_amount(text[:-1], 4)  # 12.5 % -> 125000 ppm
                if not 0 < self.percent_ppm <= 1_000_000:
                    raise InputError("a percentage is between 0 and 100")
            else:
                self.amount = self.currency.parse(text)
                if self.amount <= 0:
                    raise InputError("a discount must be more than zero")
        except InputError as exc:
            self.error.show_error(str(exc))
            return
        super().accept()


class CodeDialog(Dialog):
    """Scan or type one code (price check, receipt number)."""

    def __init__(self, parent: QWidget, title: str, placeholder: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        form = QFormLayout(self)
        form.addRow(title_label(title, self))
        self.field = QLineEdit(self)
        self.field.setPlaceholderText(placeholder)
        form.addRow(self.field)
        form.addRow(_buttons(self))
        self.field.setFocus()

    @property
    def code(self) -> str:
        return self.field.text().strip()


class FirstManagerDialog(Dialog):
    """A new register has nobody who can sign in: create the first manager."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("First start")
        form = QFormLayout(self)
        form.addRow(title_label("Welcome — create the manager account for this register", self))
        self.name = QLineEdit(self)
        self.pin = QLineEdit(self)
        self.again = QLineEdit(self)
        for f in (self.pin, self.again):
            f.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Name", self.name)
        form.addRow("PIN (4-8 digits)", self.pin)
        form.addRow("PIN again", self.again)
        self.keypad = Keypad(self, separator=False)
        form.addRow(self.keypad)
        self.error = ErrorLabel(self)
        form.addRow(self.error)
        form.addRow(_buttons(self, "Create"))
        self.name.setFocus()

    def accept(self) -> None:
        if not self.name.text().strip():
            self.error.show_error("type a name")
            return
        if self.pin.text() != self.again.text():
            self.error.show_error("the two PINs differ")
            return
        if not (self.pin.text().isdigit() and 4 <= len(self.pin.text()) <= 8):
            self.error.show_error("a PIN is 4 to 8 digits")
            return
        super().accept()


class AgeCheckDialog(Dialog):
    """Check ID: the cashier confirms, refuses, or types/scans the birth date from the ID."""

    def __init__(self, parent: QWidget, item: str, min_age: int, limit: date) -> None:
        super().__init__(parent)
        self.setWindowTitle("Check ID")
        self.limit = limit
        self.result_: str | None = None
        lay = QVBoxLayout(self)
        lay.addWidget(title_label(f"CHECK ID — {item} is {min_age}+", self))
        big = QLabel(f"born on or before\n{limit:%d.%m.%Y}", self)
        set_role(big, "total")
        big.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(big)
        self.birth = QLineEdit(self)
        self.birth.setPlaceholderText("or type the birth date from the ID: DD.MM.YYYY")
        self.birth.returnPressed.connect(self.check_birth)
        lay.addWidget(self.birth)
        self.error = ErrorLabel(self)
        lay.addWidget(self.error)
        keys = QDialogButtonBox(self)
        self.confirm_button = keys.addButton("F1  ID checked, old enough",
                                             QDialogButtonBox.ButtonRole.AcceptRole)
        self.refuse_button = keys.addButton("F2  Refuse (remove the item)",
                                            QDialogButtonBox.ButtonRole.RejectRole)
        self.confirm_button.clicked.connect(self.confirm)
        self.refuse_button.clicked.connect(self.refuse)
        self.confirm_button.setShortcut("F1")
        self.refuse_button.setShortcut("F2")
        lay.addWidget(keys)
        self.birth.setFocus()

    def confirm(self) -> None:
        self.result_ = "confirmed"
        self.accept()

    def refuse(self) -> None:
        self.result_ = "refused"
        self.accept()

    def check_birth(self) -> None:
        text = self.birth.text().strip()
        try:
            born = datetime.strptime(text, "%d.%m.%Y").date() if "." in text \
                else date.fromisoformat(text)
        except ValueError:
            self.error.show_error("type the birth date as DD.MM.YYYY")
            return
        if born <= self.limit:
            self.confirm()
        else:
            self.error.show_error(f"born {born:%d.%m.%Y}: too young — refuse the sale (F2)")

    def reject(self) -> None:  # Esc is a refusal: the item is not sold without a check
        self.result_ = self.result_ or "refused"
        super().reject()
