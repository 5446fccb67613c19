"""How much of an item sold by weight or volume: the scale's reading, or a weight typed.

The dialog shows the item and, when the register has a scale (``[scale]``), its live reading:
the scale worker's readings reach it only through ``DeviceBridge.scale_reading`` (a queued
signal: the worker thread never touches a widget). Enter in the empty field takes a **stable**
reading; a weight typed into the field is taken instead, scale or not, read by
``domain.measure.parse_measure`` in the store's unit and decimal separator ("1,235", "1.235kg",
"1235g"). Zero, negative, unreadable or ambiguous input, a moving or overloaded scale: the
reason is shown and the dialog stays. Esc cancels and nothing is added. The weight given is
gross: the sale session takes the product's tare off.
"""

from __future__ import annotations

import contextlib
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QWidget

from pos_terminal.domain.measure import DOT, MEASURES, MeasureFormat, example, format_measure
from pos_terminal.domain.measure import parse_measure as parse
from pos_terminal.errors import QuantityError
from pos_terminal.ui.dialogs import ErrorLabel, _buttons, title_label
from pos_terminal.ui.widgets import Dialog, Keypad, set_role


class WeightDialog(Dialog):
    """``value``: the weight (or volume) in base units once accepted; ``source`` says whether
    it was read from the scale or typed."""

    def __init__(self, parent: QWidget, item: str, unit: str,
                 measure: MeasureFormat = DOT, bridge: Any = None, note: str = "") -> None:
        super().__init__(parent)
        m = MEASURES[unit]
        self.unit, self.measure = unit, measure
        self.value = 0
        self.source = ""
        self.setWindowTitle(f"{item}: how much?")
        form = QFormLayout(self)
        form.addRow(title_label(f"{item}: how much?", self))
        # the scale's live reading, when the register has one
        self.bridge = bridge if bridge is not None and getattr(bridge, "scale_attached",
                                                               False) else None
        self.reading: Any = None
        self._scale_refused = False  # the error shown is the scale's (moving, overloaded…)
        self.scale_label = QLabel("", self)
        self.scale_label.setWordWrap(True)
        set_role(self.scale_label, "title")
        if self.bridge is not None:
            form.addRow("Scale", self.scale_label)
        else:
            self.scale_label.hide()
        self.field = QLineEdit(self)
        shown = example(unit, measure)
        if self.bridge is not None:
            self.field.setPlaceholderText(f"Enter = scale, or type {shown}")
        else:
            self.field.setPlaceholderText(f"e.g. {shown.removesuffix(m.big)} ({m.big}) or "
                                          f"1235{m.base}")
        what = "Weight" if m.kind == "weight" else "Volume"
        form.addRow(f"{what} in {m.big}", self.field)
        self.keypad = Keypad(self)  # touch: the weight, with the store's separator
        form.addRow(self.keypad)
        self.error = ErrorLabel(self)
        form.addRow(self.error)
        self.buttons = _buttons(self, "Take" if self.bridge is not None else "OK")
        form.addRow(self.buttons)
        # Enter submits the field (checked) — never a default button that would skip the check.
        for b in self.buttons.buttons():
            b.setAutoDefault(False)
            b.setDefault(False)
        self.field.returnPressed.connect(self.take)
        if note:
            self.error.show_error(note)
        self._listening = self.bridge is not None
        if self.bridge is not None:
            self.bridge.scale_reading.connect(self._show_reading)
            self._show_reading(self.bridge.scale_latest)
            # A reading already on its way to the bridge when this dialog connected reaches the
            # bridge only: look again once the queued signals before this one are delivered.
            QTimer.singleShot(0, self._catch_up)
        self.field.setFocus()
        self.setMinimumWidth(520)

    # -- the scale ------------------------------------------------------------------------
    def _show_reading(self, reading: Any) -> None:
        self.reading = reading
        if reading is None:
            self.scale_label.setText("waiting for the scale…")
            set_role(self.scale_label, "muted")
            return
        self.scale_label.setText(reading.message(self._weight))
        set_role(self.scale_label, "title" if reading.usable else "muted")
        if reading.usable and self._scale_refused:  # the scale's reason no longer holds
            self._scale_refused = False
            self.error.hide()
        self.adjustSize()

    def _catch_up(self) -> None:
        if self.bridge is not None and self._listening:
            latest = self.bridge.scale_latest
            if latest is not None and latest is not self.reading:
                self._show_reading(latest)

    def _weight(self, grams: int) -> str:
        return format_measure(grams, self.unit, self.measure)

    # -- submitting -----------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()  # the field submits on Enter (returnPressed); no button does
            return
        super().keyPressEvent(event)

    def accept(self) -> None:  # the Enter/Take button: the same checks as Enter in the field
        self.take()

    def take(self) -> None:
        text = self.field.text().strip()
        if text:
            try:
                self.value = parse(text, self.unit, self.measure)
            except QuantityError as exc:
                self._refuse(exc.message)
                return
            self.source = "typed"
        elif self.bridge is not None:
            r = self.reading
            if r is None or not r.usable:
                why = r.message(self._weight) if r is not None else "no reading from the scale"
                self._refuse(f"{why}; or type the {MEASURES[self.unit].kind}")
                self._scale_refused = True
                return
            self.value = int(r.grams)
            self.source = "scale"
        else:
            self._refuse(f"type the {MEASURES[self.unit].kind}, e.g. "
                         f"{example(self.unit, self.measure)}")
            return
        self._disconnect()
        super().accept()

    def _refuse(self, text: str) -> None:
        self._scale_refused = False
        self.error.show_error(text)
        self.adjustSize()  # the message's lines must not push the buttons out of sight
        self.field.selectAll()
        self.field.setFocus()

    def reject(self) -> None:
        self._disconnect()
        super().reject()

    def _disconnect(self) -> None:
        if self.bridge is not None and self._listening:
            self._listening = False
            with contextlib.suppress(RuntimeError, TypeError):  # already gone
                self.bridge.scale_reading.disconnect(self._show_reading)
