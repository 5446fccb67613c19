"""The till at every screen size and by touch, driven only by keys, scanner bursts and taps
(tests/ui/scenario.py): a sale of long-named items stays whole on screen from 800×600 to
1920×1080, a cashier works a small screen by keys alone, the on-screen keypad signs in, sets a
quantity and takes cash, and the status bar's backlog follows every sale at once.

Every key is a QTest keyClick sent to the focused widget and every scan a burst of them
(tests/ui/scenario.py). The window's size is set as the screen would set it (``resize`` on the
GUI thread: the environment, not the cashier's input); everything the cashier does is a key, a
scan or a tap.
``POS_SCREENSHOTS=docs/screenshots`` saves the sale at each size (scripts/screenshots.sh).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from test_scenario_shift import everyday_code

from pos_terminal.bootstrap import App
from pos_terminal.ui.dialogs import AmountDialog, ChoiceDialog
from pos_terminal.ui.main_window import MainWindow
from pos_terminal.ui.tender import TenderDialog
from pos_terminal.ui.widgets import ENTER, FunctionButton

from scenario import Driver, Till
from ui_support import SIZES, overlaps, row_shown, shown_whole

LONG_NAME = "Extra Virgin Cold Pressed Organic Olive Oil From the Sunny Hills of Kalamata"


def _ean13(body: str) -> str:
    total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(body))
    return body + str((10 - total % 10) % 10)


def long_named(app: App, n: int = 6) -> list[str]:
    """``n`` products with long names in the catalog (as a catalog import brings them);
    their barcodes."""
    codes = [_ean13(f"590123412{i:03d}") for i in range(n)]
    rows = "".join(f"LONG{i},{LONG_NAME} No. {i + 1},Family size 1 litre glass bottle,STD,"
                   f"{12 + i}.99,{code}\n" for i, code in enumerate(codes))
    app.catalog.import_text("sku,name,variant,tax_class,price,barcodes\n" + rows)
    return codes


def sale_layout(w: MainWindow) -> list[str]:
    """What is wrong with the sale screen as it is now: the total, every F-key (the Shift row
    and Empties too), the scan field, the cart's last line and the detail line must be wholly
    on view, not overlapping, and the total readable."""
    sale = w.sale
    problems = []
    keys = [b for b in sale.findChildren(FunctionButton)]
    assert len(keys) == 19  # 18 in the grid, Empties by the scan field
    shown = [*keys, sale.total_label, sale.scan_field, sale.table, sale.detail_label]
    for widget in shown:
        if (why := shown_whole(widget)) is not None:
            problems.append(why)
    problems += [f"{b.key}: label does not fit" for b in keys if not b.fitted()[0]]
    problems += overlaps(shown)
    if sale.total_label.fitted_px() < 24:
        problems.append(f"the total is drawn at {sale.total_label.fitted_px()} px")
    last = sale.model.rowCount() - 1
    if (why := row_shown(sale.table, last)) is not None:
        problems.append(f"cart: {why}")
    if not sale.table.selectionModel().isRowSelected(last):
        problems.append("the last scanned line is not the selected one")
    for f in (w.store_label, w.cashier_label, w.scanner_label, w.printer_label, w.sync_label):
        if (why := shown_whole(f)) is not None:
            problems.append(f"status bar: {why}")
    return problems


def resize(t: Driver, size: tuple[int, int]) -> None:
    t.read(lambda: t.w.resize(*size))
    t.wait(lambda: (t.w.width(), t.w.height()) == size, f"the window at {size}")
    t.settle()


def test_a_long_named_sale_stays_whole_at_every_size(till: Till) -> None:
    codes = long_named(till.w.app)

    def body(t: Driver) -> None:
        resize(t, (800, 600))
        t.sign_in("cashier", "1111")
        t.open_shift()
        t.scan(everyday_code(t))
        for code in codes:
            t.scan(code)
        t.wait(lambda: t.w.sale.model.rowCount() == len(codes) + 1, "every scan in the cart")
        sale = t.w.sale
        last = len(codes)  # the last scanned: a long name, cut in the cart, whole beneath it
        for size in SIZES:
            resize(t, size)
            problems = t.read(lambda: sale_layout(t.w))
            assert not problems, f"at {size}:\n" + "\n".join(problems)
            t.shot(f"sale-{size[0]}x{size[1]}")
            for row in (last, last - 1):  # the last line, then (Up) the one before it
                assert t.read(lambda r=row: sale.table.selectionModel().isRowSelected(r))
                assert t.read(lambda r=row: row_shown(sale.table, r)) is None
                detail = t.read(sale.detail_label.text)
                assert f"{LONG_NAME} No. {row} Family size 1 litre glass bottle" in detail
                assert t.read(lambda: shown_whole(sale.detail_label)) is None
                tip = t.read(lambda r=row: sale.model.index(r, 1).data(
                    Qt.ItemDataRole.ToolTipRole))
                assert f"{LONG_NAME} No. {row}" in tip
                t.key(Qt.Key.Key_Up)
            t.key(Qt.Key.Key_Down)
            t.key(Qt.Key.Key_Down)

    till.run(body)


def test_a_sale_by_keys_and_a_scanner_burst_at_800x600(till: Till) -> None:
    """The smallest screen, keyboard and scanner only: every key reachable, the total seen."""
    codes = long_named(till.w.app, 3)

    def body(t: Driver) -> None:
        resize(t, (800, 600))
        t.sign_in("cashier", "1111")
        t.open_shift()
        t.type(f"2*{codes[0]}", enter=True)  # two, typed
        for code in codes[1:]:
            t.scan(code)
        t.wait(lambda: t.w.sale.model.rowCount() == 3, "three lines")
        assert t.read(lambda: t.w.sale.model.lines[0].line.qty) == 2
        t.key(Qt.Key.Key_F2)  # quantity of the selected (last) line
        t.wait_modal(AmountDialog)
        t.type("4", enter=True)
        t.wait_no_modal()
        t.wait(lambda: t.w.sale.model.lines[-1].line.qty == 4, "four of the last item")
        total = t.read(t.w.sale.total_label.text)
        assert total == t.w.app.settings.currency.format(2 * 1299 + 1399 + 4 * 1499)
        assert not t.read(lambda: sale_layout(t.w))
        t.key(Qt.Key.Key_F12)
        dlg = t.wait_modal(TenderDialog)
        seen = t.read(lambda: [shown_whole(b, dlg) for b in dlg.findChildren(FunctionButton)
                               if b.isVisible()])
        assert len(seen) >= 5 and seen == [None] * len(seen)  # quick amounts and tenders
        t.key(Qt.Key.Key_F1)  # exact cash
        t.wait_no_modal()
        t.wait(lambda: t.w.sale.change_label.text() == "Change 0.00", "the change")
        assert t.read(lambda: shown_whole(t.w.sale.change_label)) is None

    till.run(body)


def keypad_key(dialog: type, key: str):  # type: ignore[no-untyped-def]
    """The keypad key ``key`` of the open dialog of ``dialog``'s kind (to tap)."""
    from PySide6.QtWidgets import QApplication

    def find() -> QWidget:
        top = QApplication.activeModalWidget()
        assert isinstance(top, dialog), f"{type(top).__name__} is on top, not {dialog.__name__}"
        return top.keypad.buttons[key]

    return find


def test_touch_sign_in_quantity_and_cash(till: Till) -> None:
    """By taps alone where the keyboard is not needed: the name, the PIN, a quantity and the
    cash given, with the store's decimal separator."""
    def body(t: Driver) -> None:
        w = t.w
        resize(t, (800, 600))
        t.wait(lambda: w.login.users.count() > 0, "the names")
        row = t.read(lambda: [w.login.users.item(i).text()
                              for i in range(w.login.users.count())].index("cashier"))
        t.tap(lambda: w.login.users.viewport(),
              lambda: w.login.users.visualItemRect(w.login.users.item(row)).center())
        for digit in "1112":  # a wrong digit, taken back
            t.tap(lambda d=digit: w.login.keypad.buttons[d])
        t.tap(lambda: w.login.keypad.buttons["⌫"])
        t.tap(lambda: w.login.keypad.buttons["1"])
        assert t.read(w.login.pin.text) == "1111"
        t.tap(lambda: w.login.keypad.buttons[ENTER])
        t.open_shift()
        assert "cashier" in t.read(w.cashier_label.text)
        t.scan(everyday_code(t))
        t.wait(lambda: w.sale.model.rowCount() == 1, "the item")
        t.tap(lambda: w.sale.buttons["Quantity"])  # F2 by touch
        t.wait_modal(AmountDialog)
        for key in ("C", "3", ENTER):
            t.tap(keypad_key(AmountDialog, key))
        t.wait_no_modal()
        t.wait(lambda: w.sale.model.lines[0].line.qty == 3, "three of the item")
        due = t.read(lambda: w.sale.session.totals().total)
        t.tap(lambda: w.sale.buttons["Pay"])
        t.wait_modal(TenderDialog)
        sep = w.app.settings.decimal_separator
        for key in ("5", "0", sep, "2", "5"):
            t.tap(keypad_key(TenderDialog, key))
        assert t.read(lambda: w.sale.window().findChild(TenderDialog).amount.text()) \
            == f"50{sep}25"
        t.tap(keypad_key(TenderDialog, ENTER))
        t.wait_no_modal()
        change = w.app.settings.currency.format(5025 - due)
        t.wait(lambda: w.sale.change_label.text() == f"Change {change}", "the change")

    till.run(body)


def test_the_backlog_follows_each_sale_at_once(till: Till) -> None:
    """The status bar counts events waiting for the central as ``pos-terminal sync --status``
    does, right after each sale (no waiting for a timer), also while the sync worker is offline
    and backing off (it does not look at the outbox then)."""
    from pos_terminal.sync.status import SyncStatus

    def body(t: Driver) -> None:
        w = t.w
        t.sign_in("cashier", "1111")
        t.open_shift()
        code = everyday_code(t)
        for worker in (None, "offline"):
            if worker is not None:  # the worker said so from its thread, then went quiet
                w.bridge.on_sync_status(SyncStatus(worker, False, 0, None, 0, None, "no route"))
            t.scan(code)
            t.key(Qt.Key.Key_F12)
            t.wait_modal(TenderDialog)
            t.key(Qt.Key.Key_F1)
            t.wait_no_modal()
            t.wait(lambda: w.sale.change_label.text().startswith("Change"), "the sale done")
            pending = w.app.sync.figures().pending  # what sync --status reads
            assert pending > 0
            head = f"sync: {worker}, " if worker else "sync: "
            t.wait(lambda p=pending, h=head: w.sync_label.text().startswith(f"{h}{p} pending"),
                   f"{head}{pending} pending in the status bar", timeout=2)
            t.key(Qt.Key.Key_Return)  # next customer

    till.run(body)


def test_back_office_menu_whole_at_800x600(till: Till) -> None:
    """Every entry of the back office can be reached on the smallest screen, and its buttons
    are on view."""
    def body(t: Driver) -> None:
        resize(t, (800, 600))
        t.sign_in("manager", "9999")
        t.open_shift()
        t.key(Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
        dlg = t.wait_modal(ChoiceDialog)
        n = t.read(dlg.list.count)
        assert n >= 9
        for _ in range(n - 1):
            t.key(Qt.Key.Key_Down)
        assert t.read(lambda: row_shown(dlg.list, n - 1)) is None
        assert t.read(lambda: [shown_whole(b, dlg) for b in dlg.findChildren(QWidget)
                               if b.inherits("QPushButton") and b.isVisible()]) \
            == [None, None]
        assert t.read(lambda: t.w.frameGeometry().contains(dlg.frameGeometry()))
        t.key(Qt.Key.Key_Escape)
        t.wait_no_modal()

    till.run(body)


def test_f_keys_do_their_work_at_1024x600(till: Till) -> None:
    """The wide, short screen: the Shift row works by keys (X report), nothing is hidden."""
    from pos_terminal.ui.dialogs import TextDialog

    def body(t: Driver) -> None:
        resize(t, (1024, 600))
        t.sign_in("cashier", "1111")
        t.open_shift()
        t.scan(everyday_code(t))
        assert not t.read(lambda: sale_layout(t.w))
        t.key(Qt.Key.Key_F4, Qt.KeyboardModifier.ShiftModifier)  # X report
        dlg = t.wait_modal(TextDialog)
        assert "X" in t.read(dlg.windowTitle)
        assert t.read(lambda: t.w.frameGeometry().contains(dlg.frameGeometry()))
        t.key(Qt.Key.Key_Escape)
        t.wait_no_modal()

    till.run(body)
