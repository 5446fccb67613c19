"""Every screen and dialog at every listed screen size, measured rather than pixel-peeped:
each F-key, the status bar and the dialogs' buttons are wholly on view, nothing overlaps,
nothing a finger must hit is smaller than 44 px, and the window takes the screen as
``[window] mode`` says. (The sale itself at each size, typed and scanned: test_scenario_screens.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QPushButton, QWidget

from pos_terminal.bootstrap import open_register
from pos_terminal.domain.tenders import Tender, TenderKind
from pos_terminal.domain.users import Role
from pos_terminal.hardware.display_settings import WindowSettings
from pos_terminal.services.reorder import Levels
from pos_terminal.ui import theme
from pos_terminal.ui.cash_dialogs import ApprovalDialog
from pos_terminal.ui.counting_screen import PostCountDialog, StartCountDialog
from pos_terminal.ui.dialogs import (
    AgeCheckDialog,
    AmountDialog,
    CashCountDialog,
    ChoiceDialog,
    CodeDialog,
    DiscountDialog,
    FirstManagerDialog,
    OverrideDialog,
    TextDialog,
)
from pos_terminal.ui.empties import EmptiesDialog
from pos_terminal.ui.main_window import MainWindow
from pos_terminal.ui.receiving_dialogs import NewProductDialog, PoDraftDialog
from pos_terminal.ui.reports_view import ReportsView
from pos_terminal.ui.staff_dialogs import PinDialog, StaffDialog
from pos_terminal.ui.stock_dialogs import AdjustDialog, LowStockDialog, ReorderDialog
from pos_terminal.ui.tender import TenderDialog
from pos_terminal.ui.weight_dialog import WeightDialog
from pos_terminal.ui.widgets import FitLabel, FunctionButton, Keypad

from ui_support import SIZES, overlaps, shown_whole, touch_problems


def settle(qtbot, w: MainWindow) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: w.runner.pending == 0)
    for _ in range(3):
        QApplication.processEvents()


def at_size(qtbot, w: MainWindow, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    w.resize(*size)
    settle(qtbot, w)
    assert (w.width(), w.height()) == size, "the window did not take the screen's size"


@pytest.fixture
def signed_in(qtbot, window: MainWindow) -> MainWindow:  # type: ignore[no-untyped-def]
    """The window with a manager signed in (every back-office screen open to them)."""
    user = window.app.users.sign_in("manager", "9999")
    window.login.signed_in.emit(user, False)
    if window.app.shifts.current() is None:
        window.app.shifts.open(user.id, 10_000)
    qtbot.waitUntil(lambda: window.stack.currentWidget() in (window.sale, window.open_shift))
    return window


def screens(w: MainWindow) -> list[tuple[str, QWidget]]:
    return [("login", w.login), ("open shift", w.open_shift), ("sale", w.sale),
            ("returns", w.returns), ("receiving", w.receiving), ("counting", w.count),
            ("send stock", w.transfer_out), ("receive a transfer", w.transfer_in)]


def check_screen(w: MainWindow, name: str) -> list[str]:
    """What is wrong with the screen on top: F-keys and the status bar wholly on view, keys not
    overlapping, every key's label drawn whole, the screen's content within its room."""
    page = w.stack.currentWidget()
    problems = []
    keys = [b for b in page.findChildren(FunctionButton) if b.isVisibleTo(page)]
    for b in keys:
        if (why := shown_whole(b)) is not None:
            problems.append(why)
        if not b.fitted()[0]:
            problems.append(f"{b.key} {b.caption!r}: its label does not fit")
    problems += overlaps(keys)
    bar = w.statusBar()
    fields = [f for f in bar.findChildren(QWidget) if f.parentWidget() is bar and f.isVisible()]
    for f in fields:
        if (why := shown_whole(f)) is not None:
            problems.append(f"status bar: {why}")
    problems += overlaps(fields)
    need, room = page.minimumSizeHint(), w.stack.size()
    if need.width() > room.width() or need.height() > room.height():
        problems.append(f"needs {need.width()}x{need.height()}, has {room.width()}x"
                        f"{room.height()}")
    return [f"{name}: {p}" for p in problems]


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_screen_fits(qtbot, signed_in: MainWindow, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    w = signed_in
    at_size(qtbot, w, size)
    w.returns.deposit_back.show()  # as in a blind return: its widest state
    problems = []
    for name, screen in screens(w):
        w.stack.setCurrentWidget(screen)
        settle(qtbot, w)
        problems += check_screen(w, name)
    assert not problems, "\n".join(problems)


def test_text_follows_the_window(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """Not tiny on a large screen, not clipped on a small one."""
    sizes = {}
    for size in ((800, 600), (1024, 768), (1920, 1080)):
        at_size(qtbot, window, size)
        sizes[size] = window.sale.scan_field.font().pixelSize()
    assert sizes[(800, 600)] < sizes[(1024, 768)] < sizes[(1920, 1080)]
    assert sizes[(800, 600)] >= 14 and sizes[(1920, 1080)] >= 26


# -- dialogs ---------------------------------------------------------------------------------
def dialogs(w: MainWindow) -> Iterator[tuple[str, Callable[[], QDialog]]]:
    """Every dialog of the window, built as its screen builds it."""
    app, cur, sale = w.app, w.app.settings.currency, w.sale
    user = app.users.sign_in("manager", "9999")
    long_text = "\n".join(f"{i:>3} {'line of a long report':<30} {i * 1.25:>8.2f}"
                          for i in range(120))
    yield "override", lambda: OverrideDialog(sale, "price_override", ["manager"], True)
    yield "amount", lambda: AmountDialog(sale, "Price override", "New price", cur, "1.99")
    yield "quantity", lambda: AmountDialog(sale, "Quantity", "New quantity", None, "1")
    yield "paid in", lambda: AmountDialog(w, "Paid in", "Amount", cur, with_reason=True)
    yield "back office", lambda: ChoiceDialog(w, "Back office", [
        (label, value) for label, value, _ in MainWindow.BACK_OFFICE])
    yield "cash count", lambda: CashCountDialog(w, cur, "Closing count (blind)")
    yield "report text", lambda: TextDialog(w, "X report — shift 1", long_text)
    yield "discount", lambda: DiscountDialog(sale, "Line discount", cur)
    yield "price check", lambda: CodeDialog(sale, "Price check", "scan or type a barcode")
    yield "first manager", lambda: FirstManagerDialog(w.login)
    yield "age check", lambda: AgeCheckDialog(sale, "Vodka Premium Triple Distilled 0.7 l", 18,
                                              date(2007, 5, 1))
    yield "tender", lambda: TenderDialog(sale, 123_456, cur)
    yield "empties", lambda: EmptiesDialog(sale, w.runner, app.deposits, cur, user.id)
    yield "start count", lambda: StartCountDialog(w.count, app.counting.departments(), True)

    def post_count() -> QDialog:
        s = app.counting.start("all", user.id)
        return PostCountDialog(w.count, app.counting.review(s.id), cur.format)

    yield "post count", post_count
    yield "new product", lambda: NewProductDialog(w.receiving, "4006381333931", ["STD", "RED"],
                                                  cur)
    yield "purchase order", lambda: PoDraftDialog(w.receiving, ["Acme Foods", "Bev Co"])
    yield "reports", lambda: ReportsView(w)
    yield "adjust", lambda: AdjustDialog(w)
    yield "reorder", lambda: ReorderDialog(w, Levels(
        "SKU1", "Extra Virgin Cold Pressed Olive Oil", "1 l glass bottle", "each", "Grocery", 3,
        5, 10, True))
    yield "low stock", lambda: LowStockDialog(w)
    yield "weight", lambda: WeightDialog(sale, "Bananas Cavendish from Ecuador, loose", "g",
                                         app.settings.measure)
    yield "staff", lambda: StaffDialog(w, user)
    yield "pin", lambda: PinDialog(w, "Change my PIN (manager)", ask_current=True)
    yield "approval", lambda: ApprovalDialog(
        w, "paid_out", "a paid out of more than 50.00 needs a manager's approval", ["manager"])


def open_dialog(qtbot, w: MainWindow, make: Callable[[], QDialog]) -> QDialog:  # type: ignore[no-untyped-def]
    dlg = make()
    dlg.show()  # not exec(): the test goes on looking at it
    qtbot.waitUntil(dlg.isVisible)
    settle(qtbot, w)
    return dlg


@pytest.mark.parametrize("size", [(800, 600), (1024, 600), (1920, 1080)],
                         ids=["800x600", "1024x600", "1920x1080"])
def test_dialogs_fit_the_screen(qtbot, signed_in: MainWindow, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    """Each dialog inside the window, its buttons wholly on view and not overlapping, sized to
    its content."""
    w = signed_in
    at_size(qtbot, w, size)
    room = w.frameGeometry()
    problems = []
    for name, make in dialogs(w):
        dlg = open_dialog(qtbot, w, make)
        try:
            if not room.contains(dlg.frameGeometry()):
                problems.append(f"{name}: {dlg.frameGeometry().getRect()} is not inside the "
                                f"window {room.getRect()}")
            need = dlg.minimumSizeHint()
            if need.width() > dlg.width() or need.height() > dlg.height():
                problems.append(f"{name}: needs {need.width()}x{need.height()}, has "
                                f"{dlg.width()}x{dlg.height()}")
            buttons = [b for b in dlg.findChildren(QPushButton) if b.isVisible()
                       and b.window() is dlg]
            assert buttons, name
            for b in buttons:
                if (why := shown_whole(b, dlg)) is not None:
                    problems.append(f"{name}: {why}")
                if isinstance(b, FunctionButton) and not b.fitted()[0]:
                    problems.append(f"{name}: {b.caption!r} does not fit its key")
            problems += [f"{name}: {p}" for p in overlaps(buttons, dlg)]
            for big in dlg.findChildren(FitLabel):
                if big.isVisible() and big.text() and big.fitted_px() < 20:
                    problems.append(f"{name}: {big.text()!r} drawn at {big.fitted_px()} px")
        finally:
            dlg.close()
            dlg.deleteLater()
    assert not problems, "\n".join(problems)


def test_a_dialog_grows_with_the_screen_but_stays_inside(qtbot, signed_in: MainWindow) -> None:  # type: ignore[no-untyped-def]
    w = signed_in
    seen = {}
    for size in ((800, 600), (1920, 1080)):
        at_size(qtbot, w, size)
        dlg = open_dialog(qtbot, w, lambda: TextDialog(w, "Z report", "x\n" * 200))
        seen[size] = dlg.size()
        assert w.frameGeometry().contains(dlg.frameGeometry())
        dlg.close()
    assert seen[(1920, 1080)].height() > seen[(800, 600)].height()
    assert seen[(800, 600)].height() <= 600


# -- touch targets ----------------------------------------------------------------------------
@pytest.mark.parametrize("size", [(800, 600), (1920, 1080)], ids=["800x600", "1920x1080"])
def test_touch_targets_everywhere(qtbot, signed_in: MainWindow, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    """Every button, field, box and list or table row on every screen and dialog is at least
    44 px each way (a fingertip)."""
    w = signed_in
    at_size(qtbot, w, size)
    problems = []
    sale = w.app.sale_session(w.app.users.sign_in("manager", "9999"))
    for p in w.app.catalog.products(limit=3):
        sale.add(sale.lookup(p["barcodes"][0]["code"]))
    done = sale.complete([Tender(TenderKind.CASH)])
    w.returns.scanned(done.receipt_no)  # its lines with "return now" fields
    qtbot.waitUntil(lambda: w.returns.table.rowCount() == 3)
    for p in w.app.catalog.products(limit=3):
        sale.add(sale.lookup(p["barcodes"][0]["code"]))
    w.sale.start(sale)  # rows in the cart to measure
    for name, screen in screens(w):
        w.stack.setCurrentWidget(screen)
        settle(qtbot, w)
        problems += [f"{name}: {p}" for p in touch_problems(screen)]
    problems += [f"status bar: {p}" for p in touch_problems(w.statusBar())]
    for name, make in dialogs(w):
        dlg = open_dialog(qtbot, w, make)
        problems += [f"{name}: {p}" for p in touch_problems(dlg)]
        dlg.close()
        dlg.deleteLater()
    assert not problems, "\n".join(problems)


def test_every_numeric_field_has_a_keypad(qtbot, signed_in: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """Amounts, quantities and PINs can be typed on the screen itself."""
    w = signed_in
    numeric = {"override", "amount", "quantity", "paid in", "cash count", "discount",
               "first manager", "tender", "new product", "purchase order", "adjust", "reorder",
               "weight", "approval", "pin", "start count"}
    for name, make in dialogs(w):
        if name not in numeric:
            continue
        dlg = open_dialog(qtbot, w, make)
        pads = [k for k in dlg.findChildren(Keypad) if k.isVisible()]
        dlg.close()
        assert pads, f"{name}: no keypad"
    assert w.login.keypad.isVisibleTo(w.login)
    for screen in (w.returns, w.transfer_in):  # rows of quantity fields: a strip of keys
        assert screen.keypad is not None and screen.keypad.isVisibleTo(screen)


# -- the status bar ---------------------------------------------------------------------------
def test_status_bar_fits_at_1024_with_long_states(qtbot, signed_in: MainWindow) -> None:  # type: ignore[no-untyped-def]
    w = signed_in
    at_size(qtbot, w, (1024, 768))
    w.bridge.on_scanner_state("scanner: connecting to /dev/ttyUSB0")
    w.bridge.on_printer_state("offline (paper out)", 3)
    w.bridge.on_sync_state("sync: offline, 1234 pending (oldest 3 h), 2 quarantined, "
                           "last ok 3 h ago")
    w.training_label.show()
    settle(qtbot, w)
    bar = w.statusBar()
    fields = [f for f in bar.findChildren(QWidget) if f.parentWidget() is bar and f.isVisible()]
    problems = [p for f in fields if (p := shown_whole(f)) is not None] + overlaps(fields)
    assert not problems, "\n".join(problems)
    assert "1234 pending" in w.sync_label.shown_text()  # the figure that matters stays in view
    assert w.sync_label.toolTip().endswith("last ok 3 h ago")  # the rest: on the tooltip
    for f in (w.store_label, w.cashier_label, w.low_stock_badge):
        assert f.shown_text() == f.text(), f"{f.text()!r} is cut at 1024 wide"


# -- window modes ([window] mode) -----------------------------------------------------------------
@pytest.fixture
def window_in(data_dir, qtbot):  # type: ignore[no-untyped-def]
    """A window opened with a given ``[window]`` setting, shown as ``pos-terminal`` shows it."""
    opened: list[tuple[Any, MainWindow]] = []

    def make(ws: WindowSettings) -> MainWindow:
        app = open_register(data_dir)
        app.display = replace(app.display, window=ws)
        w = MainWindow(app)
        qtbot.addWidget(w)
        w.show_on_screen()
        qtbot.waitExposed(w)
        opened.append((app, w))
        return w

    yield make
    for app, w in opened:
        w.quitting = True
        w.close()
        app.close()


def test_maximised_on_the_primary_screen_by_default(qtbot, window_in) -> None:  # type: ignore[no-untyped-def]
    w = window_in(WindowSettings())
    area = QGuiApplication.primaryScreen().availableGeometry()
    qtbot.waitUntil(lambda: w.frameGeometry() == area)
    assert w.isMaximized() and not w.isFullScreen()


def test_full_screen_and_windowed_modes(qtbot, window_in) -> None:  # type: ignore[no-untyped-def]
    full = window_in(WindowSettings(mode="fullscreen"))
    qtbot.waitUntil(full.isFullScreen)
    assert full.geometry() == QGuiApplication.primaryScreen().geometry()
    dev = window_in(WindowSettings(mode="windowed", size=(1280, 800)))
    assert dev.size() == QSize(1280, 800) and not dev.isFullScreen()


def test_kiosk_cannot_be_closed_by_the_cashier(qtbot, window_in) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    w = window_in(WindowSettings(mode="kiosk"))
    qtbot.waitUntil(w.isFullScreen)
    assert w.windowFlags() & Qt.WindowType.FramelessWindowHint
    assert w.windowFlags() & Qt.WindowType.WindowStaysOnTopHint
    assert not w.close()  # Alt+F4 or the desktop's close: refused, and said why
    assert w.isVisible()
    assert "kiosk" in w.login.message.text()
    # the back office offers the way out to a manager only
    user = w.app.users.sign_in("cashier", "1111")
    w.user = user
    assert "quit" not in [v for _, v in kiosk_entries(w)]
    w.user = w.app.users.sign_in("manager", "9999")
    assert ("Quit the register (kiosk)", "quit") in kiosk_entries(w)
    assert w.user.role >= Role.MANAGER


def kiosk_entries(w: MainWindow) -> list[tuple[str, object]]:
    from ui_support import on_modal

    seen: list[tuple[str, object]] = []

    def look(d: ChoiceDialog) -> None:
        from PySide6.QtCore import Qt

        seen.extend((d.list.item(i).text(), d.list.item(i).data(Qt.ItemDataRole.UserRole))
                    for i in range(d.list.count()))
        d.reject()

    on_modal(None, look, ChoiceDialog)
    w.manager_menu()
    return seen


def test_scale_setting_grows_the_text(qtbot, window_in) -> None:  # type: ignore[no-untyped-def]
    plain = window_in(WindowSettings(mode="windowed", size=(1024, 768)))
    big = window_in(WindowSettings(mode="windowed", size=(1024, 768), scale=1.3))
    assert plain.text_px == theme.text_px(1024, 768)
    assert big.text_px > plain.text_px
