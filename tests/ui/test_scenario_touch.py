"""Touch at the till in a store that writes decimals with a comma (``[store] locale =
"de_DE"``): the keypad's separator key is the store's, a weight and a quantity typed by taps
on the returns screen, a price typed as the store writes it, and the F-key buttons tapped
instead of pressed (tests/ui/scenario.py: taps are mouse clicks posted like the keys, which
are QTest keyClick events on the focused widget)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from test_scenario_returns import WATER, scale_label, sell
from test_scenario_screens import resize

from pos_terminal.ui.dialogs import AmountDialog, OverrideDialog
from pos_terminal.ui.widgets import ENTER

from scenario import Driver, Till


@pytest.fixture
def data_dir(data_dir: Path) -> Path:
    cfg = data_dir / "config.toml"
    cfg.write_text(cfg.read_text().replace("[store]\n", "[store]\nlocale = \"de_DE\"\n", 1))
    return data_dir


def test_returns_by_touch_with_the_stores_comma(till: Till) -> None:
    def body(t: Driver) -> None:
        w = t.w
        resize(t, (800, 600))
        t.sign_in("cashier", "1111")
        t.open_shift()
        receipt = sell(t, WATER, WATER, WATER, scale_label(1250))
        t.tap(lambda: w.sale.buttons["Returns"])  # F10 by touch
        t.wait(lambda: w.stack.currentWidget() is w.returns, "the returns screen")
        pad = w.returns.keypad
        assert pad is not None and t.read(pad.isVisible)
        assert "," in pad.buttons and "." not in pad.buttons  # the store's separator
        t.scan("]C0" + receipt)
        t.wait(lambda: len(w.returns.fields) == 2, "the receipt's two lines")
        for key in ("C", "2"):  # the first field has the focus: two waters
            t.tap(lambda k=key: pad.buttons[k])
        t.tap(lambda: w.returns.fields[1])  # the bananas' field
        assert t.read(lambda: QApplication.focusWidget() is w.returns.fields[1])
        for key in ("0", ",", "5"):
            t.tap(lambda k=key: pad.buttons[k])
        assert t.read(w.returns.fields[1].text) == "0,5"
        t.wait(lambda: w.returns.refund_label.text().startswith("To refund EUR 2.02"),
               "the refund total before confirming")
        t.shot("returns-keypad")
        refund = t.read(lambda: next(b for b in w.returns.findChildren(QWidget)
                                     if getattr(b, "key", None) == "F12"))
        t.tap(lambda: refund)
        t.wait(lambda: w.returns.refund_label.text() == "Refund 2.02", "the refund done")

    till.run(body)


def test_a_price_typed_by_touch_with_the_stores_comma(till: Till) -> None:
    """F4 tapped: the new price typed on the keypad as the store writes it (1,25)."""
    def body(t: Driver) -> None:
        w = t.w
        t.sign_in("manager", "9999")
        t.open_shift()
        t.scan(WATER)
        t.wait(lambda: w.sale.model.rowCount() == 1, "the water on the sale")
        t.tap(lambda: w.sale.buttons["Price override"])
        dlg = t.wait_modal(AmountDialog)
        assert t.read(lambda: shown(dlg.keypad))
        for key in ("C", "1", ",", "2", "5"):
            t.tap(lambda k=key: dlg.keypad.buttons[k])
        assert t.read(dlg.field.text) == "1,25"
        t.tap(lambda: dlg.keypad.buttons[ENTER])
        t.wait_modal(OverrideDialog)  # the price was taken: now the reason for the audit log
        assert t.read(lambda: dlg.value) == 125
        t.key(Qt.Key.Key_Escape)
        t.wait_no_modal()
        assert t.read(lambda: w.sale.model.lines[0].line.price) == 59  # not approved: as was

    till.run(body)


def shown(widget: QWidget) -> bool:
    return widget.isVisible() and widget.visibleRegion().boundingRect() == widget.rect()


def test_keypad_keys_never_take_the_focus(till: Till) -> None:
    """A tap on the keypad leaves the focus in the field (the scanner's text never lands in
    a keypad key, and Enter still goes to the field)."""
    def body(t: Driver) -> None:
        w = t.w
        t.wait(lambda: w.login.users.count() > 0, "the names")
        users = w.login.users
        t.tap(lambda: users.viewport(), lambda: users.visualItemRect(users.item(1)).center())
        assert t.read(lambda: QApplication.focusWidget() is users)  # a name tapped last
        t.tap(lambda: w.login.keypad.buttons["1"])
        assert t.read(lambda: QApplication.focusWidget() is w.login.pin)
        assert t.read(w.login.pin.text) == "1"
        for key in w.login.keypad.buttons.values():
            assert key.focusPolicy() == Qt.FocusPolicy.NoFocus

    till.run(body)
