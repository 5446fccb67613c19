"""The customer display beside the real cashier window: the customer's window and a pole display
on a real pty follow a sale from the first scan to "Thank you" and back to the welcome text."""

from __future__ import annotations

import os
import tty
from collections.abc import Iterator
from datetime import datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QWidget
from test_shift_flow import codes, open_shift, scan, sign_in

from pos_protocol.money import Currency
from pos_terminal.domain.cart import Cart, Deposit, Item
from pos_terminal.domain.customer_display import Mode, sale_view
from pos_terminal.domain.promotions import Match, MultiBuy, PromotionIndex
from pos_terminal.domain.tax import TaxMode, TaxRounding
from pos_terminal.hardware.display_settings import (
    CustomerDisplaySettings,
    DisplaySettings,
    PoleSettings,
)
from pos_terminal.hardware.pole_display import READY
from pos_terminal.ui.customer_display import SAVING_COLOR, CustomerDisplay, CustomerWindow
from pos_terminal.ui.main_window import MainWindow
from pos_terminal.ui.tender import TenderDialog

from ui_support import on_modal, shot


class Pty:
    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        os.set_blocking(self.master, False)
        self.path = os.ttyname(self.slave)
        self.seen = b""

    def received(self) -> bytes:
        try:
            while chunk := os.read(self.master, 4096):
                self.seen += chunk
        except BlockingIOError:
            pass
        return self.seen

    def close(self) -> None:
        os.close(self.master)
        os.close(self.slave)


def monitor_shot(cw: QWidget, name: str) -> None:
    """A screenshot at a customer monitor's size (the test's window is smaller)."""
    size = cw.size()
    cw.resize(1024, 768)
    # rendered, not grabbed from the screen: Xvfb shows a window resized this late unrepainted
    shot(cw, name, render=True)
    cw.resize(size)


@pytest.fixture
def pole() -> Iterator[Pty]:
    p = Pty()
    yield p
    p.close()


def test_customer_follows_the_sale_to_thank_you_and_back_to_welcome(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, pole: Pty
) -> None:
    w = window
    settings = DisplaySettings(
        CustomerDisplaySettings(enabled=True, welcome="Welcome to the Corner Shop",
                                idle_seconds=1),
        PoleSettings(port=pole.path, reconnect_seconds=0.1),
    )
    display = CustomerDisplay(w, settings, windowed=True)
    display.start()
    try:
        cw = display.customer
        assert cw is not None and cw.isVisible()
        assert cw.stack.currentWidget() is cw.welcome_page
        assert cw.welcome.text() == "Welcome to the Corner Shop"
        qtbot.waitUntil(lambda: READY in display.status.text())
        qtbot.waitUntil(lambda: b"   Welcome to the   " in pole.received())

        sign_in(qtbot, w, "cashier", "1111")
        open_shift(qtbot, w)
        assert QApplication.activeWindow() is not cw  # the cashier keeps the keyboard
        a, b = codes(w)[:2]
        scan(qtbot, w, a)
        scan(qtbot, w, f"3*{b}")
        t = w.sale.session.totals()  # type: ignore[union-attr]
        fmt = w.app.settings.currency.format
        rows = cw.row_texts()
        names = [f"{p.line.item.name} {p.line.item.variant}".strip() for p in t.lines]
        assert rows == [(names[0], "1", fmt(t.lines[0].total)),
                        (names[1], "3", fmt(t.lines[1].total))]
        cur = w.app.settings.currency
        assert cw.total_label.text() == cur.format(t.total, symbol=True)  # "€2.96"
        assert not cw.change_label.isVisible() and not cw.thanks_label.isVisible()
        total_line = f"TOTAL{fmt(t.total):>15}".encode()
        qtbot.waitUntil(lambda: total_line in pole.received())
        assert f"3x {names[1]}"[:10].encode("cp437") in pole.seen  # the last scan on line 1
        monitor_shot(cw, "customer-display")

        # tender 20.00 cash: change; completing: "Thank you"
        def cash(d: TenderDialog) -> None:
            d.amount.setText("20.00")
            d.cash()

        on_modal(qtbot, cash, TenderDialog)
        w.sale.pay()
        qtbot.waitUntil(lambda: cw.thanks_label.isVisible())
        change = 2000 - t.total
        assert cw.change_label.text() == cur.format(change, symbol=True)
        assert cw.change_label.isVisible()
        assert cw.paid_label.text() == "Paid 20.00"
        assert w.sale.change_label.text() == f"Change {fmt(change)}"  # same as the cashier's
        monitor_shot(cw, "customer-display-thanks")
        thanks = b"     Thank you!     " + b"\x1f$\x01\x02" + f"CHANGE{fmt(change):>14}".encode()
        qtbot.waitUntil(lambda: thanks in pole.received())

        # Enter for the next customer keeps "Thank you" up until the idle time is over
        qtbot.keyClick(w.sale.scan_field, Qt.Key.Key_Return)
        assert display.model.view.mode is Mode.PAID
        qtbot.waitUntil(lambda: cw.stack.currentWidget() is cw.welcome_page, timeout=3000)
        monitor_shot(cw, "customer-display-welcome")
        qtbot.waitUntil(lambda: pole.received().endswith(b"    Corner Shop     "))

        # the next customer's first scan replaces the welcome text at once
        scan(qtbot, w, a)
        assert cw.stack.currentWidget() is cw.sale_page and len(cw.row_texts()) == 1
    finally:
        display.stop()


def test_training_banner_and_a_voided_sale(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    w = window
    settings = DisplaySettings(CustomerDisplaySettings(enabled=True))
    display = CustomerDisplay(w, settings, windowed=True)
    display.start()
    try:
        cw = display.customer
        assert cw is not None
        assert cw.welcome.text() == w.app.settings.store_name  # no welcome set: the store name
        w.login.training.setChecked(True)
        sign_in(qtbot, w, "cashier", "1111")
        open_shift(qtbot, w)
        scan(qtbot, w, codes(w)[0])
        assert cw.banner.isVisible() and "TRAINING" in cw.banner.text()
        w.sale.void_sale()
        assert cw.stack.currentWidget() is cw.welcome_page
    finally:
        display.stop()


def test_a_missing_customer_screen_is_said_and_hides_nothing(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    settings = DisplaySettings(CustomerDisplaySettings(enabled=True, screen=3))
    display = CustomerDisplay(window, settings)
    display.start()
    try:
        assert display.customer is not None and not display.customer.isVisible()
        assert display.status.text() == "customer screen 3 not connected"
    finally:
        display.stop()
        display.stop()  # Devices.stop and a closing window may both stop it


def test_full_screen_on_the_configured_screen_by_number_or_name(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    only = QApplication.screens()[0]
    for want in (1, only.name()):
        display = CustomerDisplay(window, DisplaySettings(CustomerDisplaySettings(
            enabled=True, screen=want)))
        display.start()
        try:
            cw = display.customer
            assert cw is not None
            qtbot.waitUntil(cw.isVisible)
            assert cw.isFullScreen() and cw.screen() is only
            assert display.status.text() == f"customer screen {want}"
        finally:
            display.stop()


def test_promotion_savings_and_deposits_under_their_items(qtbot) -> None:  # type: ignore[no-untyped-def]
    """The rows come from the priced cart: a 3-for-2 saving and a six-pack's six deposits."""
    cola = Item(1, "COLA", "Cola", "0.33 l can", "each", 119, 1, "STD", 190_000)
    beer = Item(2, "PILS6", "Pilsner", "6 × 0.33 l", "each", 549, 6, "STD", 190_000, pack=6,
                deposit=Deposit("CAN", "Can deposit", 25, "STD", 190_000))
    cart = Cart(promotions=PromotionIndex.build(
        [MultiBuy("P1", "Cola 3 for 2", Match.of("COLA"), 3, pay_for=2)]))
    cart.add(cola, 3)
    cart.add(beer)
    cart.reprice(datetime(2026, 11, 24, 18, 0))
    view = sale_view(cart.totals(TaxMode.INCLUSIVE, TaxRounding.PER_LINE), "Welcome")
    cw = CustomerWindow(Currency.of("EUR"), "Corner Shop (demo)")
    qtbot.addWidget(cw)
    cw.resize(1024, 768)
    cw.show()
    cw.show_view(view)
    assert cw.row_texts() == [
        ("Cola 0.33 l can", "3", "3.57"),
        ("Cola 3 for 2", "", "-1.19"),
        ("Pilsner 6 × 0.33 l", "6", "5.49"),
        ("Can deposit", "6", "1.50"),
    ]
    assert cw.saving_label.text() == "You save 1.19"
    assert cw.deposit_label.text() == "Deposits 1.50"
    assert cw.total_label.text() == "€9.37"
    saving = cw.table.item(1, 2)
    assert saving.foreground().color() == QColor(SAVING_COLOR)
    shot(cw, "customer-display-promotions")
