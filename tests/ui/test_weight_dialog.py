"""The weight dialog on its own, driven by keys: a weight typed in the store's unit and
separator, refusals that keep the dialog open, and a scale's live reading (a real worker on an
emulated scale on a pty, its readings through the device bridge's signal)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from pos_terminal.domain.measure import DOT, MeasureFormat
from pos_terminal.hardware.scale import ScaleWorker
from pos_terminal.hardware.scale_settings import ScaleSettings
from pos_terminal.ui.bridge import DeviceBridge
from pos_terminal.ui.weight_dialog import WeightDialog

from scale_emulator import ScaleEmulator

COMMA = MeasureFormat(",")


@pytest.fixture
def parent(qtbot) -> QWidget:  # type: ignore[no-untyped-def]
    w = QWidget()
    qtbot.addWidget(w)
    return w


def open_dialog(qtbot, parent: QWidget, **kw: object) -> WeightDialog:  # type: ignore[no-untyped-def]
    d = WeightDialog(parent, "Bananas loose", "g", **kw)  # type: ignore[arg-type]
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    return d


def type_enter(qtbot, d: WeightDialog, text: str) -> None:  # type: ignore[no-untyped-def]
    d.field.clear()
    qtbot.keyClicks(d.field, text)
    qtbot.keyClick(d.field, Qt.Key.Key_Return)


@pytest.mark.parametrize(("fmt", "text", "grams"), [
    (DOT, "1.235", 1235), (COMMA, "1,235", 1235), (DOT, "1235g", 1235),
    (COMMA, "0,5 kg", 500), (DOT, "2", 2000),
])
def test_a_typed_weight_is_taken(qtbot, parent: QWidget, fmt: MeasureFormat, text: str,  # type: ignore[no-untyped-def]
                                 grams: int) -> None:
    d = open_dialog(qtbot, parent, measure=fmt)
    type_enter(qtbot, d, text)
    assert d.result() == WeightDialog.DialogCode.Accepted
    assert (d.value, d.source) == (grams, "typed")


@pytest.mark.parametrize(("fmt", "text", "words"), [
    (DOT, "0", "more than 0"), (DOT, "-1", "negative"), (COMMA, "-0,5", "negative"),
    (DOT, "1,235", "ambiguous"), (COMMA, "1.235", "ambiguous"), (DOT, "abc", "not a weight"),
    (DOT, "1.2345", "too many decimals"), (DOT, "", "type the weight"),
])
def test_refused_input_keeps_the_dialog_open(qtbot, parent: QWidget, fmt: MeasureFormat,  # type: ignore[no-untyped-def]
                                             text: str, words: str) -> None:
    d = open_dialog(qtbot, parent, measure=fmt)
    type_enter(qtbot, d, text)
    assert d.isVisible() and d.result() == 0
    assert d.error.isVisible() and words in d.error.text()
    type_enter(qtbot, d, "1" + COMMA.decimal + "5" if fmt is COMMA else "1.5")
    assert d.value == 1500 and not d.isVisible()


def test_escape_cancels(qtbot, parent: QWidget) -> None:  # type: ignore[no-untyped-def]
    d = open_dialog(qtbot, parent)
    qtbot.keyClicks(d.field, "1.5")
    qtbot.keyClick(d.field, Qt.Key.Key_Escape)
    assert d.result() == WeightDialog.DialogCode.Rejected and d.value == 0


@pytest.fixture
def scale(tmp_path) -> Iterator[ScaleEmulator]:  # type: ignore[no-untyped-def]
    s = ScaleEmulator("toledo", "demand", tmp_path / "scale")
    yield s
    s.unplug()


@pytest.fixture
def bridge(scale: ScaleEmulator, parent: QWidget) -> Iterator[DeviceBridge]:
    b = DeviceBridge(parent)
    worker = ScaleWorker(ScaleSettings(protocol="toledo", port=scale.path, poll_ms=50,
                                       timeout_ms=1000, reconnect_seconds=0.1),
                         b.on_scale_reading)
    b.scale_attached = True
    worker.start()
    yield b
    worker.stop()


def test_enter_takes_the_stable_reading(qtbot, parent: QWidget, scale: ScaleEmulator,  # type: ignore[no-untyped-def]
                                        bridge: DeviceBridge) -> None:
    scale.set("stable", 1235)
    d = open_dialog(qtbot, parent, measure=COMMA, bridge=bridge)
    qtbot.waitUntil(lambda: d.scale_label.text() == "1,235 kg")
    scale.set("motion", 900)
    qtbot.waitUntil(lambda: "not steady" in d.scale_label.text())
    qtbot.keyClick(d.field, Qt.Key.Key_Return)
    assert d.isVisible() and "not steady" in d.error.text()  # a moving weight is refused
    scale.set("overload")
    qtbot.waitUntil(lambda: "overloaded" in d.scale_label.text())
    qtbot.keyClick(d.field, Qt.Key.Key_Return)
    assert d.isVisible() and "overloaded" in d.error.text()
    scale.set("stable", 1500)
    qtbot.waitUntil(lambda: d.scale_label.text() == "1,500 kg")
    assert not d.error.isVisible()  # the scale's reason is gone with it
    qtbot.keyClick(d.field, Qt.Key.Key_Return)
    assert (d.result(), d.value, d.source) == (WeightDialog.DialogCode.Accepted, 1500, "scale")


def test_typing_wins_over_the_scale_and_a_silent_scale_is_said(  # type: ignore[no-untyped-def]
        qtbot, parent: QWidget, scale: ScaleEmulator, bridge: DeviceBridge) -> None:
    scale.silent = True
    d = open_dialog(qtbot, parent, bridge=bridge)
    qtbot.waitUntil(lambda: "does not answer" in d.scale_label.text(), timeout=3000)
    qtbot.keyClick(d.field, Qt.Key.Key_Return)
    assert d.isVisible() and "type the weight" in d.error.text()
    type_enter(qtbot, d, "0.750")
    assert (d.value, d.source) == (750, "typed")
