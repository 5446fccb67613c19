"""Weighed goods at the till, driven only by keys and scanner bursts (tests/ui/scenario.py:
every key reaches the focused widget as a QTest.keyClick / keyClicks event, a scan is one wedge
burst). A weighed item scanned by its own barcode opens the weight dialog; a weight typed in
the store's unit and separator, or a stable reading of an emulated scale on a real pty, makes
the line; zero, negative, ambiguous and moving weights are refused with the dialog open."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from pos_terminal.hardware.scale import ScaleWorker
from pos_terminal.ui.devices import attach_scale
from pos_terminal.ui.main_window import MainWindow
from pos_terminal.ui.weight_dialog import WeightDialog

from scale_emulator import ScaleEmulator
from scenario import Driver, Till

BANANAS = "4019387329846"  # Bananas loose, 1.69 per kg, no tare
OLIVES = "8487585180952"  # Marinated Olives Green, 14.90 per kg, sold in a 15 g tub (tare)
SCALE = """
[scale]
protocol = "toledo"
port = "{tmp}/scale"
poll_ms = 50
timeout_ms = 1000
reconnect_seconds = 0.1
"""
GERMAN = '\n[store]\nlocale = "de_DE"\n'


@pytest.fixture
def store_config() -> str:
    """Extra config.toml of the register under test (tests parametrize it)."""
    return ""


@pytest.fixture
def data_dir(seeded_template: Path, tmp_path: Path, store_config: str) -> Path:
    dest = tmp_path / "register"
    shutil.copytree(seeded_template, dest)
    with sqlite3.connect(dest / "register.db") as db:  # the olive tub of docs/retail.md
        db.execute("update products set tare = 15 where sku = '100168'")
    if store_config:
        cfg = dest / "config.toml"
        text = cfg.read_text(encoding="utf-8")
        extra = store_config.replace("{tmp}", str(tmp_path))
        if "[store]" in extra:  # keys of the register's own [store] table
            text = text.replace("[store]", "[store]" + extra.split("[store]", 1)[1], 1)
            extra = extra.split("[store]", 1)[0]
        cfg.write_text(text + extra, encoding="utf-8")
    return dest


@pytest.fixture
def scale(tmp_path: Path) -> Iterator[ScaleEmulator]:
    s = ScaleEmulator("toledo", "demand", tmp_path / "scale")
    yield s
    s.unplug()


@pytest.fixture
def scale_worker(window: MainWindow, scale: ScaleEmulator) -> Iterator[ScaleWorker]:
    """The register's [scale] read as ui/devices.Devices reads it."""
    worker = attach_scale(window, window.app.scale)
    assert worker is not None
    yield worker
    worker.stop()


def lines(t: Driver) -> list[tuple[str, int, int, str]]:
    """The cart as the cashier sees it: (item, qty, line total, quantity shown)."""
    model = t.w.sale.model
    return t.read(lambda: [(p.line.item.name, p.line.qty, p.total,
                            model.data(model.index(i, 2)))
                           for i, p in enumerate(model.lines)])


def weigh_dialog(t: Driver, code: str) -> WeightDialog:
    t.scan(code)
    return t.wait_modal(WeightDialog)


def start(t: Driver) -> None:
    t.sign_in("cashier", "1111")
    t.open_shift()


def error_of(t: Driver, d: WeightDialog) -> str:
    return t.read(lambda: d.error.text() if d.error.isVisible() else "")


def test_a_weight_typed_with_a_point(till: Till) -> None:
    def body(t: Driver) -> None:
        start(t)
        weigh_dialog(t, BANANAS)
        t.type("1.235", enter=True)
        t.wait_no_modal()
        t.wait(lambda: t.w.sale.model.rowCount() == 1, "the bananas on the sale")
        assert lines(t) == [("Bananas", 1235, 209, "1.235 kg")]  # 1.235 kg × 1.69 = 2.09

    till.run(body)


@pytest.mark.parametrize("store_config", [GERMAN])
def test_a_german_store_types_and_shows_a_comma(till: Till) -> None:
    def body(t: Driver) -> None:
        start(t)
        d = weigh_dialog(t, BANANAS)
        t.type("1.235", enter=True)  # here "1.235" may be 1235 kg: refused, not guessed
        assert t.modal() is d and "ambiguous" in error_of(t, d)
        t.key(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        t.type("1,235", enter=True)
        t.wait_no_modal()
        t.wait(lambda: t.w.sale.model.rowCount() == 1, "the bananas on the sale")
        assert lines(t) == [("Bananas", 1235, 209, "1,235 kg")]

    till.run(body)


def test_a_comma_in_a_point_store_is_ambiguous_and_the_dialog_stays(till: Till) -> None:
    def body(t: Driver) -> None:
        start(t)
        d = weigh_dialog(t, BANANAS)
        t.type("1,235", enter=True)
        assert t.modal() is d
        assert "ambiguous" in error_of(t, d) and "1.235kg" in error_of(t, d)
        t.key(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        t.type("1235g", enter=True)
        t.wait_no_modal()
        t.wait(lambda: t.w.sale.model.rowCount() == 1, "the bananas on the sale")
        assert lines(t)[0][1] == 1235

    till.run(body)


@pytest.mark.parametrize(("typed", "why"), [("-1", "negative"), ("0", "more than 0"),
                                            ("-0.5", "negative"), ("0.000", "more than 0"),
                                            ("abc", "not a weight")])
def test_zero_and_negative_are_refused_and_the_dialog_stays(till: Till, typed: str,
                                                            why: str) -> None:
    def body(t: Driver) -> None:
        start(t)
        d = weigh_dialog(t, BANANAS)
        t.type(typed, enter=True)
        assert t.modal() is d and why in error_of(t, d)
        assert t.read(lambda: t.w.sale.model.rowCount()) == 0
        t.key(Qt.Key.Key_Escape)  # Esc: nothing is added
        t.wait_no_modal()
        assert t.read(lambda: t.w.sale.model.rowCount()) == 0

    till.run(body)
    db = sqlite3.connect(till.w.app.paths.database)
    assert db.execute("select count(*) from sales").fetchone()[0] == 0


def test_escape_adds_nothing(till: Till) -> None:
    def body(t: Driver) -> None:
        start(t)
        weigh_dialog(t, BANANAS)
        t.type("2")
        t.key(Qt.Key.Key_Escape)
        t.wait_no_modal()
        t.settle()
        assert t.read(lambda: t.w.sale.model.rowCount()) == 0

    till.run(body)


@pytest.mark.parametrize("store_config", [SCALE + GERMAN])
def test_enter_takes_the_stable_scale_reading(till: Till, scale: ScaleEmulator,
                                              scale_worker: ScaleWorker) -> None:
    def body(t: Driver) -> None:
        start(t)
        scale.set("stable", 1235)
        d = weigh_dialog(t, BANANAS)
        t.wait(lambda: d.scale_label.text() == "1,235 kg", "the scale's weight shown")
        t.key(Qt.Key.Key_Return)
        t.wait_no_modal()
        t.wait(lambda: t.w.sale.model.rowCount() == 1, "the bananas on the sale")
        assert lines(t) == [("Bananas", 1235, 209, "1,235 kg")]

    till.run(body)


@pytest.mark.parametrize("store_config", [SCALE])
def test_an_unsteady_or_overloaded_scale_is_refused(till: Till, scale: ScaleEmulator,
                                                    scale_worker: ScaleWorker) -> None:
    def body(t: Driver) -> None:
        start(t)
        scale.set("motion", 900)
        d = weigh_dialog(t, BANANAS)
        t.wait(lambda: "not steady" in d.scale_label.text(), "the scale moving")
        t.key(Qt.Key.Key_Return)
        assert t.modal() is d and "not steady" in error_of(t, d)
        scale.set("overload")
        t.wait(lambda: "overloaded" in d.scale_label.text(), "the scale overloaded")
        t.key(Qt.Key.Key_Return)
        assert t.modal() is d and "overloaded" in error_of(t, d)
        scale.set("under zero")
        t.wait(lambda: "below zero" in d.scale_label.text(), "the scale below zero")
        t.key(Qt.Key.Key_Return)
        assert t.modal() is d and t.read(lambda: t.w.sale.model.rowCount()) == 0
        scale.set("stable", 2500)
        t.wait(lambda: d.scale_label.text() == "2.500 kg", "the scale steady")
        t.key(Qt.Key.Key_Return)
        t.wait_no_modal()
        t.wait(lambda: t.w.sale.model.rowCount() == 1, "the bananas on the sale")
        assert lines(t)[0][1:] == (2500, 423, "2.500 kg")  # 2.5 kg × 1.69 = 4.225 → 4.23

    till.run(body)


@pytest.mark.parametrize("store_config", [SCALE])
def test_a_typed_weight_wins_over_the_scale_and_the_tare_comes_off(
        till: Till, scale: ScaleEmulator, scale_worker: ScaleWorker) -> None:
    def body(t: Driver) -> None:
        start(t)
        scale.set("stable", 547)  # the olives in their 15 g tub
        d = weigh_dialog(t, OLIVES)
        t.wait(lambda: d.scale_label.text() == "0.547 kg", "the scale's weight shown")
        t.key(Qt.Key.Key_Return)
        t.wait_no_modal()
        t.wait(lambda: t.w.sale.model.rowCount() == 1, "the olives on the sale")
        assert lines(t)[0][1] == 532  # 547 g weighed, 15 g tare off
        scale.silent = True  # the scale's cable out: typing still works
        d = weigh_dialog(t, BANANAS)
        t.wait(lambda: "does not answer" in d.scale_label.text(), "the scale silent")
        t.type("0.750", enter=True)
        t.wait_no_modal()
        t.wait(lambda: t.w.sale.model.rowCount() == 2, "the bananas on the sale")
        assert lines(t)[1][1] == 750

    till.run(body)


CAS_SCALE = """
[scale]
protocol = "cas"
mode = "continuous"
port = "{tmp}/scale"
timeout_ms = 1000
reconnect_seconds = 0.1
"""


@pytest.fixture
def cas_scale(tmp_path: Path) -> Iterator[ScaleEmulator]:
    s = ScaleEmulator("cas", "continuous", tmp_path / "scale")
    yield s
    s.unplug()


@pytest.mark.parametrize("store_config", [CAS_SCALE])
def test_a_cas_scale_streaming_its_weight(till: Till, cas_scale: ScaleEmulator,
                                          window: MainWindow) -> None:
    worker = attach_scale(window, window.app.scale)
    assert worker is not None

    def body(t: Driver) -> None:
        start(t)
        cas_scale.set("motion", 780)
        d = weigh_dialog(t, BANANAS)
        t.wait(lambda: "not steady" in d.scale_label.text(), "the scale moving")
        t.key(Qt.Key.Key_Return)
        assert t.modal() is d and "not steady" in error_of(t, d)
        cas_scale.set("stable", 780)
        t.wait(lambda: d.scale_label.text() == "0.780 kg", "the scale steady")
        t.shot("weight-dialog")
        t.key(Qt.Key.Key_Return)
        t.wait_no_modal()
        t.wait(lambda: t.w.sale.model.rowCount() == 1, "the bananas on the sale")
        assert lines(t)[0][1:3] == (780, 132)  # 0.78 kg × 1.69 = 1.3182 → 1.32

    try:
        till.run(body)
    finally:
        worker.stop()
