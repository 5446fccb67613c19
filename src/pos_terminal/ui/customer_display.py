"""The customer display: a second window facing the customer, and the pole display.

``CustomerDisplay`` listens to the sale screen (``cart_changed``, ``tendered``, ``sale_done``),
keeps a pure ``DisplayModel`` and draws its view: in ``CustomerWindow`` (full screen on the
configured screen, or a normal window in the demo and tests) and as two lines on the pole
display, whose worker thread does the serial I/O. It never takes focus from the cashier's
window, computes no prices, and a missing screen or an unplugged pole display only shows in the
status bar.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QColor, QGuiApplication, QScreen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos_protocol.money import Currency
from pos_terminal.domain.customer_display import (
    CHANGE,
    PAID,
    THANKS,
    TOTAL,
    CustomerView,
    DisplayModel,
    Mode,
    pole_lines,
)
from pos_terminal.domain.tenders import Tender, settle
from pos_terminal.errors import PosError
from pos_terminal.hardware.display_settings import DisplaySettings
from pos_terminal.hardware.pole_display import PoleDisplay
from pos_terminal.ui.widgets import set_role

if TYPE_CHECKING:
    from pos_terminal.services.checkout import SaleResult
    from pos_terminal.ui.main_window import MainWindow

log = logging.getLogger(__name__)

WINDOWED_SIZE = (640, 480)

# Read from a metre or two away: everything larger than on the cashier's screen.
SAVING_COLOR, DEPOSIT_COLOR = "#7CFC9A", "#aab4bf"
# Complete in itself: the window looks the same whatever the application's style sheet.
STYLE = """
QWidget { background: #101418; color: #f4f6f8; }
QTableWidget { font-size: 22pt; border: 0; background: #101418; }
QTableWidget::item { padding: 0 8px; }
QHeaderView::section { font-size: 15pt; color: #aab4bf; background: #101418;
    border-bottom: 2px solid #3d4b59; }
QLabel[role="cd_welcome"] { font-size: 44pt; font-weight: bold; color: #ffffff; }
QLabel[role="cd_store"] { font-size: 20pt; color: #aab4bf; }
QLabel[role="cd_info"] { font-size: 20pt; color: #aab4bf; }
QLabel[role="cd_saving"] { font-size: 22pt; font-weight: bold; color: #7CFC9A; }
QLabel[role="cd_caption"] { font-size: 22pt; font-weight: bold; color: #ffffff; }
QLabel[role="cd_total"] { font-size: 60pt; font-weight: bold; color: #7CFC9A; }
QLabel[role="cd_change"] { font-size: 52pt; font-weight: bold; color: #ffd23f; }
QLabel[role="cd_thanks"] { font-size: 36pt; font-weight: bold; color: #ffffff; }
QLabel[role="training"] { font-size: 22pt; }
"""



def _now_ms() -> int:
    return time.monotonic_ns() // 1_000_000

class CustomerWindow(QWidget):
    """Draws a ``CustomerView`` as it is; no state of its own beyond the widgets."""

    def __init__(self, currency: Currency, store_name: str) -> None:
        super().__init__(None, Qt.WindowType.Window | Qt.WindowType.WindowDoesNotAcceptFocus)
        # The cashier's window keeps the keyboard (scanner, F-keys) whatever happens here.
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setObjectName("customerDisplay")
        self.setWindowTitle(f"{store_name} — customer display")
        self.setStyleSheet(STYLE)
        self.currency = currency
        self.view: CustomerView | None = None
        root = QVBoxLayout(self)
        root.setContentsMargins(24, 16, 24, 24)
        self.banner = QLabel("TRAINING — not a real sale", self)
        set_role(self.banner, "training")
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.hide()
        root.addWidget(self.banner)
        self.stack = QStackedWidget(self)
        root.addWidget(self.stack, 1)

        self.welcome_page = QWidget(self)
        wl = QVBoxLayout(self.welcome_page)
        wl.addStretch(1)
        self.welcome = QLabel("", self.welcome_page)
        self.welcome.setWordWrap(True)
        self.welcome.setAlignment(Qt.AlignmentFlag.AlignCenter)
        set_role(self.welcome, "cd_welcome")
        wl.addWidget(self.welcome)
        self.store = QLabel(store_name, self.welcome_page)
        self.store.setAlignment(Qt.AlignmentFlag.AlignCenter)
        set_role(self.store, "cd_store")
        wl.addWidget(self.store)
        wl.addStretch(1)
        self.stack.addWidget(self.welcome_page)

        self.sale_page = QWidget(self)
        sl = QHBoxLayout(self.sale_page)
        sl.setContentsMargins(0, 0, 0, 0)
        self.table = QTableWidget(0, 3, self.sale_page)
        self.table.setHorizontalHeaderLabels(["Item", "Qty", "Amount"])
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(54)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        hh = self.table.horizontalHeader()
        hh.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        hh.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        hh.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        for col in (1, 2):
            self.table.horizontalHeaderItem(col).setTextAlignment(
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        sl.addWidget(self.table, 3)

        panel = QVBoxLayout()
        panel.setSpacing(6)
        self.store_header = self._label("cd_caption", panel, store_name)
        self.items_label = self._label("cd_info", panel)
        self.saving_label = self._label("cd_saving", panel)
        self.deposit_label = self._label("cd_info", panel)
        self.tax_label = self._label("cd_info", panel)
        panel.addStretch(1)
        self.total_caption = self._label("cd_caption", panel, TOTAL)
        self.total_label = self._label("cd_total", panel)
        self.paid_label = self._label("cd_info", panel)
        self.change_caption = self._label("cd_caption", panel, CHANGE)
        self.change_label = self._label("cd_change", panel)
        self.thanks_label = self._label("cd_thanks", panel, THANKS)
        sl.addLayout(panel, 2)
        self.stack.addWidget(self.sale_page)

    def _label(self, role: str, layout: QVBoxLayout, text: str = "") -> QLabel:
        label = QLabel(text, self.sale_page)
        label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        set_role(label, role)
        layout.addWidget(label)
        return label

    def show_view(self, view: CustomerView) -> None:
        self.view = view
        self.banner.setVisible(view.training)
        if view.mode is Mode.WELCOME:
            self.welcome.setText(view.welcome)
            self.store.setVisible(view.welcome != self.store.text())  # not the name twice
            self.stack.setCurrentWidget(self.welcome_page)
            return
        fmt = self.currency.format
        self.table.setRowCount(len(view.lines))
        for row, line in enumerate(view.lines):
            text = line.text if line.kind == "item" else f"   {line.text}"
            cells = (text, line.qty, fmt(line.amount))
            for col, value in enumerate(cells):
                cell = QTableWidgetItem(value)
                if col:
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                if line.kind in ("saving", "deposit"):
                    cell.setForeground(QColor(SAVING_COLOR if line.kind == "saving"
                                              else DEPOSIT_COLOR))
                self.table.setItem(row, col, cell)
        self.table.scrollToBottom()
        self.items_label.setText(f"{view.items} item{'s' if view.items != 1 else ''}")
        self.saving_label.setText(f"You save {fmt(view.saving)}" if view.saving else "")
        self.deposit_label.setText(f"Deposits {fmt(view.deposits)}" if view.deposits else "")
        self.tax_label.setText(f"Tax {fmt(view.tax_added)}" if view.tax_added else "")
        self.total_label.setText(self.currency.format(view.total, symbol=True))
        paid = view.mode is Mode.PAID
        self.paid_label.setText(f"{PAID.capitalize()} {fmt(view.paid)}" if paid else "")
        self.change_caption.setVisible(paid)
        self.change_label.setVisible(paid)
        self.change_label.setText(self.currency.format(view.change, symbol=True))
        self.thanks_label.setVisible(paid and view.thanks)
        self.stack.setCurrentWidget(self.sale_page)

    def row_texts(self) -> list[tuple[str, str, str]]:
        """The rows as the customer reads them (tests and diagnostics)."""
        return [tuple(self.table.item(r, c).text().strip() for c in range(3))  # type: ignore[misc]
                for r in range(self.table.rowCount())]


def pick_screen(want: int | str, screens: list[QScreen]) -> QScreen | None:
    """Screen number ``want`` (1 = the first) or the screen of that name."""
    if isinstance(want, int):
        return screens[want - 1] if 1 <= want <= len(screens) else None
    return next((s for s in screens if s.name() == want), None)


class CustomerDisplay(QObject):
    """Follows the sale screen of ``window`` and shows it to the customer.

    ``windowed``: a normal window on the cashier's screen (the demo's ``--customer-display``,
    tests) instead of full screen on the configured screen.
    """

    def __init__(self, window: MainWindow, settings: DisplaySettings,
                 windowed: bool = False) -> None:
        super().__init__(window)
        self.main = window
        self.settings = settings
        self.windowed = windowed
        app_settings = window.app.settings
        self.currency = app_settings.currency
        welcome = settings.customer.welcome or app_settings.store_name
        self.model = DisplayModel(welcome, settings.customer.idle_seconds,
                                  measure=app_settings.measure)
        self._totals: Any = None
        self.screen_state = ""
        self.pole_state = ""
        self.customer: CustomerWindow | None = None
        if settings.customer.enabled or windowed:
            self.customer = CustomerWindow(self.currency, app_settings.store_name)
        self.pole: PoleDisplay | None = None
        if settings.pole.port:
            self.pole = PoleDisplay(settings.pole, window.bridge.on_pole_state)
            window.bridge.pole_state.connect(self._pole_state)
            self.pole_state = f"pole display: connecting to {settings.pole.port}"
        self.status = QLabel("", window)
        window.statusBar().addPermanentWidget(self.status)
        self.status.hide()
        self._stopped = False
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.timeout.connect(self._tick)
        sale = window.sale
        sale.cart_changed.connect(self.cart_changed)
        sale.tendered.connect(self.tendered)
        sale.sale_done.connect(self.completed)
        qapp = QGuiApplication.instance()
        if isinstance(qapp, QGuiApplication):
            qapp.screenAdded.connect(self.place)
            qapp.screenRemoved.connect(self.place)

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        if self.pole is not None:
            self.pole.start()
        self._show(self.model.view)
        self.place()
        if self.windowed:  # again once the cashier's window is up: on top of it, not under
            QTimer.singleShot(0, self.place)

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._idle.stop()
        qapp = QGuiApplication.instance()
        if isinstance(qapp, QGuiApplication):
            qapp.screenAdded.disconnect(self.place)
            qapp.screenRemoved.disconnect(self.place)
        if self.pole is not None:
            self.pole.stop()
        if self.customer is not None:
            self.customer.close()
            self.customer.deleteLater()
            self.customer = None

    def place(self, _screen: QScreen | None = None) -> None:
        """Full screen on the configured screen; hidden (and said so) while it is missing."""
        w = self.customer
        if w is None:
            self.screen_state = ""
        elif self.windowed:
            if not w.isVisible():  # bottom right of the cashier's screen, to drag aside
                area = self.main.screen().availableGeometry()
                w.resize(*WINDOWED_SIZE)
                w.move(area.right() - WINDOWED_SIZE[0], area.bottom() - WINDOWED_SIZE[1])
            w.show()
            w.raise_()
            self.screen_state = "customer window"
        else:
            want = self.settings.customer.screen
            screen = pick_screen(want, QGuiApplication.screens())
            if screen is None:
                w.hide()
                self.screen_state = f"customer screen {want} not connected"
                log.warning("%s", self.screen_state)
            else:
                w.setScreen(screen)
                w.setGeometry(screen.geometry())
                w.showFullScreen()
                self.screen_state = f"customer screen {want}"
        self._status()

    def _pole_state(self, state: str) -> None:
        self.pole_state = state
        self._status()

    def _status(self) -> None:
        text = ", ".join(s for s in (self.screen_state, self.pole_state) if s)
        self.status.setText(text)
        self.status.setVisible(bool(text))  # an empty label still takes a boxed slot

    # -- the sale -------------------------------------------------------------------------
    def cart_changed(self, totals: Any) -> None:
        self._totals = totals
        session = self.main.sale.session
        self.model.set_training(bool(session and session.training))
        self._show(self.model.cart_changed(totals, _now_ms()))

    def tendered(self, tenders: list[Tender]) -> None:
        if self._totals is None:
            return
        try:  # the same settlement rule checkout applies; checkout reports a refusal itself
            settlement = settle(self._totals.total, tenders, self.currency)
        except PosError:
            return
        self._show(self.model.tendered(self._totals, settlement))

    def completed(self, result: SaleResult) -> None:
        self._show(self.model.completed(result.totals, result.settlement, _now_ms()))
        self._idle.start(self.model.idle_seconds * 1000)

    def _tick(self) -> None:
        view = self.model.tick(_now_ms() + 50)  # the timer may fire a hair early
        if view is not None:
            self._show(view)

    def _show(self, view: CustomerView) -> None:
        if self.customer is not None:
            self.customer.show_view(view)
        if self.pole is not None:
            p = self.settings.pole
            self.pole.show(pole_lines(view, self.currency.format, p.columns, p.codepage))
