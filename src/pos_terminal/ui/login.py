"""Sign-in with a PIN (lockout is the user service's), then open a shift with a counted float."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QVBoxLayout,
    QWidget,
)

from pos_terminal.errors import PosError
from pos_terminal.services.users import User
from pos_terminal.ui.dialogs import CashCountDialog, FirstManagerDialog
from pos_terminal.ui.widgets import FunctionButton, Keypad, MessageBar, set_role

if TYPE_CHECKING:
    from pos_terminal.ui.main_window import MainWindow


class LoginScreen(QWidget):
    signed_in = Signal(object, bool)  # User, training mode

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window_ = window
        self.names: list[str] = []
        root = QVBoxLayout(self)
        title = QLabel(f"{window.app.settings.store_name} — register "
                       f"{window.app.settings.terminal}", self)
        set_role(title, "title")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title.setWordWrap(True)
        root.addWidget(title)
        self.message = MessageBar(self)
        root.addWidget(self.message)
        # The names and the PIN on the left, the keypad beside them: it fits a short screen.
        outer = QHBoxLayout()
        outer.addStretch(1)
        col = QVBoxLayout()
        self.users = QListWidget(self)
        col.addWidget(QLabel("Who are you?", self))
        col.addWidget(self.users, 1)
        self.pin = QLineEdit(self)
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setPlaceholderText("PIN")
        self.pin.returnPressed.connect(self.submit)
        self.pin.installEventFilter(self)  # Up/Down pick the user while typing the PIN
        col.addWidget(self.pin)
        self.training = QCheckBox("Training mode (sales are not real)", self)
        col.addWidget(self.training)
        outer.addLayout(col, 3)
        # Touch: digits into the PIN field (also when a name was tapped last), Enter signs in.
        self.keypad = Keypad(self, separator=False, fallback=self.pin)
        outer.addWidget(self.keypad, 2)
        outer.addStretch(1)
        root.addLayout(outer, 1)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Keyboard-only sign-in: Up and Down in the PIN field move through the names."""
        if (watched is self.pin and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down) and self.users.count()):
            step = -1 if event.key() == Qt.Key.Key_Up else 1
            row = max(0, min(self.users.currentRow() + step, self.users.count() - 1))
            self.users.setCurrentRow(row)
            return True
        return super().eventFilter(watched, event)

    def start(self) -> None:
        self.pin.clear()
        self.training.setChecked(False)
        self.window_.runner.run(self.window_.app.users.names, self._fill, self.message.error)

    def _fill(self, names: list[str]) -> None:
        self.names = names
        self.users.clear()
        self.users.addItems(names)
        if names:
            self.users.setCurrentRow(0)
            self.pin.setFocus()
            return
        self.first_manager()

    def first_manager(self) -> None:
        """Nobody can sign in yet (a new register from a store build): create the manager."""
        dlg = FirstManagerDialog(self)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            self.message.info("create the manager account to start (restart the app)")
            return
        name, pin = dlg.name.text(), dlg.pin.text()
        users = self.window_.app.users
        self.window_.runner.run(lambda: users.create_first_manager(name, pin),
                                lambda _u: self.start(), self.message.error)

    def submit(self) -> None:
        item = self.users.currentItem()
        if item is None:
            self.message.error("pick your name first")
            return
        name, pin = item.text(), self.pin.text()
        self.pin.clear()
        training = self.training.isChecked()

        def failed(exc: BaseException) -> None:
            self.message.error(str(exc) if isinstance(exc, PosError) else "sign-in failed")
            self.pin.setFocus()

        self.window_.runner.run(lambda: self.window_.app.users.sign_in(name, pin),
                                lambda user: self.signed_in.emit(user, training), failed)


class OpenShiftScreen(QWidget):
    """No shift is open: count the float in the drawer to open one."""

    opened = Signal(object)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window_ = window
        self.user: User | None = None
        lay = QVBoxLayout(self)
        lay.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = QLabel("Open a shift", self)
        set_role(title, "title")
        lay.addWidget(title)
        lay.addWidget(QLabel("Count the cash float in the drawer, note by note.", self))
        self.message = MessageBar(self)
        lay.addWidget(self.message)
        row = QHBoxLayout()
        row.addWidget(FunctionButton("F2", "Count float", self.count, self, "primary"))
        row.addWidget(FunctionButton("Shift+F7", "Log out", window.log_out, self))
        lay.addLayout(row)

    def start(self, user: User) -> None:
        self.user = user

    def count(self) -> None:
        assert self.user is not None
        user = self.user
        dlg = CashCountDialog(self, self.window_.app.settings.currency, "Opening float")
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        counted = dlg.counted

        def failed(exc: BaseException) -> None:
            self.message.error(str(exc))

        self.window_.runner.run(lambda: self.window_.app.shifts.open(user.id, counted),
                                self._opened, failed)

    def _opened(self, shift: Any) -> None:
        self.opened.emit(shift)
