"""What the scan-first list screens share (counting, receiving, returns, transfers): the page
frame (title, message bar, scan field, F-key row, Esc back), the error display and the
read-only pick table. Each screen keeps its own layout order and its own logic."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos_terminal.errors import PosError
from pos_terminal.ui.widgets import (
    FunctionButton,
    KeyGroup,
    Keypad,
    MessageBar,
    set_role,
    touch_rows,
)

if TYPE_CHECKING:
    from pos_terminal.ui.main_window import MainWindow

# (key, label, slot) or (key, label, slot, role) for one FunctionButton of a key row
KeySpec = tuple[str, str, Callable[[], Any]] | tuple[str, str, Callable[[], Any], str]


def pick_table(parent: QWidget, columns: Sequence[str], single: bool = True) -> QTableWidget:
    """A read-only table picked by whole rows: the first column (the item) takes the room, the
    others fit their contents, no row numbers, rows a finger can hit (``touch_rows``); a long
    item is cut with "…" and shown whole in its tooltip."""
    table = QTableWidget(0, len(columns), parent)
    table.setHorizontalHeaderLabels(list(columns))
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    table.verticalHeader().hide()
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
    table.setWordWrap(False)
    touch_rows(table)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    if single:
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    return table


def cell(text: str, right: bool = False) -> QTableWidgetItem:
    """A table item; ``right`` for figures."""
    item = QTableWidgetItem(text)
    item.setToolTip(text)
    if right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def key_row(parent: QWidget, keys: Sequence[KeySpec]) -> QHBoxLayout:
    """A row of F-key buttons, in the order given, even in width and text size."""
    row = QHBoxLayout()
    group = KeyGroup()
    for spec in keys:
        b = FunctionButton(*spec[:3], parent, *spec[3:])
        group.add(b)
        row.addWidget(b, 1)
    return row


class ScanScreen(QWidget):
    """A page of the main window's stack, scan first: the title and the message bar on top,
    ``scan_field`` made here and placed by the subclass; a scan or Enter in the field calls
    ``scanned(text)``; ``fail`` shows an error in words; Esc (and the F10 key) emit ``done``.
    With ``keypad`` the page has the on-screen keypad, a strip of keys above its F-keys (a
    screen whose rows hold quantity fields): it types into the focused field, the scan field
    when none is."""

    done = Signal()
    failed_text = "something went wrong (details in the log)"  # for errors that are not ours

    def __init__(self, window: MainWindow, title: str, placeholder: str,
                 field_height: int | None = 44, keypad: bool = False) -> None:
        super().__init__(window)
        self.window_ = window
        self.app = window.app
        self.lay = QVBoxLayout(self)
        self.title = QLabel(title, self)
        set_role(self.title, "title")
        self.lay.addWidget(self.title)
        self.message = MessageBar(self)
        self.lay.addWidget(self.message)
        self.scan_field = QLineEdit(self)
        self.scan_field.setPlaceholderText(placeholder)
        if field_height:
            self.scan_field.setMinimumHeight(field_height)
        self.scan_field.returnPressed.connect(self._on_enter)
        self.keypad = Keypad(self, fallback=self.scan_field, strip=True) if keypad else None

    def add_keys(self, *keys: KeySpec) -> None:
        if self.keypad is not None:
            self.lay.addWidget(self.keypad)
        self.lay.addLayout(key_row(self, keys))

    def handle_scan(self, code: str) -> None:
        """A code from the scanner: as if typed into the scan field and Enter pressed."""
        self.scan_field.setText(code)
        self._on_enter()

    def _on_enter(self) -> None:
        text = self.scan_field.text().strip()
        self.scan_field.clear()
        if text:
            self.scanned(text)

    def scanned(self, text: str) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _run(self, fn: Callable[[], Any], on_done: Callable[[Any], Any]) -> None:
        """``fn`` on the DB worker, ``on_done`` with its result here; errors go to ``fail``."""
        self.window_.runner.run(fn, on_done, self.fail)

    def fail(self, exc: BaseException) -> None:
        if not isinstance(exc, PosError):
            self.window_.unexpected(exc)
        self.message.error(str(exc) if isinstance(exc, PosError) else self.failed_text)
        self.scan_field.setFocus()

    @property
    def user_id(self) -> int:
        user = self.window_.user
        assert user is not None
        return user.id

    def keyPressEvent(self, event: Any) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.done.emit()
            return
        super().keyPressEvent(event)
