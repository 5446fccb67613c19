"""Small widgets shared by the screens: F-key buttons, the message bar, a PIN pad."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)


def set_role(widget: QWidget, role: str) -> None:
    """Restyle a widget through the theme's ``role`` property."""
    widget.setProperty("role", role)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class FunctionButton(QPushButton):
    """A button that shows its shortcut ("F12 Pay") and fires on it anywhere in its window."""

    def __init__(self, key: str, text: str, slot: Callable[[], None], parent: QWidget,
                 role: str = "") -> None:
        super().__init__(f"{key}\n{text}", parent)
        self.key = key
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # focus stays on the scan field
        self.clicked.connect(slot)
        # Owned by the button (dies with it); fires while its window is active and it is shown.
        self.shortcut = QShortcut(QKeySequence(key), self)
        self.shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        self.shortcut.activated.connect(self._fire)
        if role:
            set_role(self, role)

    def _fire(self) -> None:
        if self.isEnabled() and self.isVisible():
            self.click()


class MessageBar(QLabel):
    """Errors in red with a beep, information in blue; cleared after a while."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__("", parent)
        self.setWordWrap(True)
        self.setMinimumHeight(44)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clear_message)
        self.clear_message()

    def error(self, text: str) -> None:
        QApplication.beep()  # the audible cue: the cashier may be looking at the customer
        self._show(text, "error", 8000)

    def info(self, text: str) -> None:
        self._show(text, "info", 5000)

    def _show(self, text: str, role: str, ms: int) -> None:
        self.setText(text)
        set_role(self, role)
        self.setVisible(True)
        self._timer.start(ms)

    def clear_message(self) -> None:
        self.setText("")
        set_role(self, "muted")

    @property
    def kind(self) -> str:
        return str(self.property("role") or "")


class PinPad(QWidget):
    """Big digit buttons for touch screens, typing into a PIN field."""

    def __init__(self, target: QLineEdit, on_enter: Callable[[], None], parent: QWidget) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        keys = ["7", "8", "9", "4", "5", "6", "1", "2", "3", "⌫", "0", "OK"]
        for i, k in enumerate(keys):
            b = QPushButton(k, self)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setMinimumSize(72, 60)
            if k == "⌫":
                b.clicked.connect(target.backspace)
            elif k == "OK":
                set_role(b, "primary")
                b.clicked.connect(on_enter)
            else:
                b.clicked.connect(partial(target.insert, k))
            grid.addWidget(b, i // 3, i % 3)
