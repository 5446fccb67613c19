"""The keyboard-wedge filter on a real (offscreen) Qt application: scans never land in a field."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from pos_terminal.hardware.scanner_settings import settings_from
from pos_terminal.ui.wedge_filter import WedgeFilter

CODE = "4037674097186"
Form = tuple[WedgeFilter, QLineEdit, QLineEdit]


@pytest.fixture
def form(qtbot: QtBot) -> Iterator[Form]:
    w = QWidget()
    lay = QVBoxLayout(w)
    first, second = QLineEdit(w), QLineEdit(w)
    lay.addWidget(first)
    lay.addWidget(second)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    first.setFocus()
    wedge = WedgeFilter(settings_from({}), parent=w)
    wedge.install()
    yield wedge, first, second
    wedge.uninstall()


def test_a_fast_burst_is_a_scan_and_the_field_stays_empty(qtbot: QtBot, form: Form) -> None:
    wedge, field, _ = form
    entered: list[str] = []
    field.returnPressed.connect(lambda: entered.append(field.text()))
    with qtbot.waitSignal(wedge.scanned, timeout=1000) as sig:
        qtbot.keyClicks(field, CODE, delay=0)
        qtbot.keyClick(field, Qt.Key.Key_Return)
    assert sig.args == [CODE]
    qtbot.wait(120)  # nothing trickles in after the scan
    assert field.text() == "" and entered == []


def test_a_scan_is_recognised_whatever_widget_has_focus(qtbot: QtBot, form: Form) -> None:
    wedge, _, other = form
    other.setFocus()
    with qtbot.waitSignal(wedge.scanned, timeout=1000) as sig:
        qtbot.keyClicks(other, "]E0" + CODE)
        qtbot.keyClick(other, Qt.Key.Key_Return)
    assert sig.args == ["]E0" + CODE]
    qtbot.wait(120)
    assert other.text() == ""


def test_slow_typing_lands_in_the_field_unchanged(qtbot: QtBot, form: Form) -> None:
    wedge, field, _ = form
    scans: list[str] = []
    wedge.scanned.connect(scans.append)
    entered: list[str] = []
    field.returnPressed.connect(lambda: entered.append(field.text()))
    for ch in "Milk 2%":
        qtbot.keyClick(field, ch)
        qtbot.wait(100)
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: entered == ["Milk 2%"], timeout=1000)
    assert field.text() == "Milk 2%" and scans == []


def test_quick_short_typing_is_delivered_in_order_with_its_enter(qtbot: QtBot, form: Form) -> None:
    _, field, _ = form
    entered: list[str] = []
    field.returnPressed.connect(lambda: entered.append(field.text()))
    qtbot.keyClicks(field, "3*")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: entered == ["3*"], timeout=1000)
    # Editing keys are never held back or reordered.
    qtbot.keyClick(field, Qt.Key.Key_Backspace)
    qtbot.waitUntil(lambda: field.text() == "3", timeout=1000)


def test_a_held_key_is_released_within_the_interval(qtbot: QtBot, form: Form) -> None:
    _, field, _ = form
    t0 = time.monotonic()
    qtbot.keyClick(field, "7")
    assert field.text() == ""  # held: it might be the start of a scan
    qtbot.waitUntil(lambda: field.text() == "7", timeout=1000)
    # max_interval_ms (50) plus timer and event-loop slack; generous for a loaded CI machine.
    assert time.monotonic() - t0 < 0.15


def test_disabled_filter_lets_everything_through(qtbot: QtBot, form: Form) -> None:
    wedge, field, _ = form
    wedge.set_enabled(False)
    qtbot.keyClicks(field, CODE)
    assert field.text() == CODE
