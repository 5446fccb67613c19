"""Helpers for the UI tests (importable as ``ui_support``; not fixtures)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, Qt, QTimer
from PySide6.QtGui import QRegion
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QTableView,
    QWidget,
)

SHOTS = Path(os.environ["POS_SCREENSHOTS"]) if os.environ.get("POS_SCREENSHOTS") else None


def on_modal(qtbot, action: Callable[[QWidget], None], kind: type | None = None) -> None:  # type: ignore[no-untyped-def]
    """Run ``action`` on the next modal dialog once it is shown (exec() blocks the test)."""
    def poll() -> None:
        w = QApplication.activeModalWidget()
        if w is None or (kind is not None and not isinstance(w, kind)):
            QTimer.singleShot(20, poll)
            return
        action(w)

    QTimer.singleShot(0, poll)


def pick_choice(qtbot, value: str) -> None:  # type: ignore[no-untyped-def]
    """Pick the entry whose data is ``value`` in the next ChoiceDialog (the manager menu), once
    it is shown; open the menu after this call."""
    from pos_terminal.ui.dialogs import ChoiceDialog

    def pick(d: ChoiceDialog) -> None:
        for i in range(d.list.count()):
            if d.list.item(i).data(Qt.ItemDataRole.UserRole) == value:
                d.list.setCurrentRow(i)
        d.accept()

    on_modal(qtbot, pick, ChoiceDialog)


def back_office_entries(qtbot, window) -> list[str]:  # type: ignore[no-untyped-def]
    """What the back-office menu (Shift+F3) offers the signed-in user; the menu is closed."""
    from pos_terminal.ui.dialogs import ChoiceDialog

    offered: list[str] = []

    def look(d: ChoiceDialog) -> None:
        offered.extend(d.list.item(i).data(Qt.ItemDataRole.UserRole)
                       for i in range(d.list.count()))
        d.reject()

    on_modal(qtbot, look, ChoiceDialog)
    window.manager_menu()
    return offered


def shot(widget: QWidget, name: str, render: bool = False) -> None:
    """Save a screenshot when POS_SCREENSHOTS names a folder (docs/screenshots).

    On a real display (Xvfb: QT_QPA_PLATFORM=xcb) it grabs the window from the screen, as a
    person would see it; offscreen, or with ``render``, it renders the widget.
    """
    if SHOTS is None:
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()
    screen = widget.screen()
    if QApplication.platformName() == "xcb" and screen is not None and not render:
        pix = screen.grabWindow(widget.window().winId())
    else:
        pix = widget.grab()
    pix.save(str(SHOTS / f"{name}.png"))


# -- layout checks (tests/ui/test_screen_sizes.py, test_scenario_screens.py) ---------------------
SIZES = [(800, 600), (1024, 600), (1024, 768), (1280, 800), (1366, 768), (1920, 1080)]
TOUCH_PX = 44


def window_rect(widget: QWidget, top: QWidget | None = None) -> QRect:
    """``widget``'s rectangle in ``top``'s coordinates (its window by default)."""
    top = top or widget.window()
    return QRect(widget.mapTo(top, QPoint(0, 0)), widget.size())


def shown_whole(widget: QWidget, top: QWidget | None = None) -> str | None:
    """Why ``widget`` is not wholly on view in ``top`` (its window by default), or None: it
    must be shown, inside ``top``, and not clipped by any parent (its visible region is its
    whole rectangle)."""
    top = top or widget.window()
    name = f"{type(widget).__name__} {widget.text() if hasattr(widget, 'text') else ''!r}"
    if not widget.isVisible():
        return f"{name} is not shown"
    rect = window_rect(widget, top)
    if not top.rect().contains(rect):
        return f"{name} at {rect.getRect()} is outside its window {top.rect().getRect()}"
    hidden = QRegion(widget.rect()).subtracted(widget.visibleRegion())
    if not hidden.isEmpty():
        return f"{name} is cut: {hidden.boundingRect().getRect()} of it is not visible"
    return None


def overlaps(widgets: list[QWidget], top: QWidget | None = None) -> list[str]:
    """Pairs of ``widgets`` whose rectangles overlap in their window."""
    rects = [(w, window_rect(w, top)) for w in widgets if w.isVisible()]
    out = []
    for i, (a, ra) in enumerate(rects):
        for b, rb in rects[i + 1:]:
            if ra.intersects(rb) and not (a.isAncestorOf(b) or b.isAncestorOf(a)):
                out.append(f"{type(a).__name__} {getattr(a, 'text', str)()!r} overlaps "
                           f"{type(b).__name__} {getattr(b, 'text', str)()!r}")
    return out


def row_shown(view: QAbstractItemView, row: int) -> str | None:
    """Why ``row`` of ``view`` is not wholly on view, or None."""
    rect = view.visualRect(view.model().index(row, 0))
    port = view.viewport()
    if rect.isEmpty():
        return f"row {row} has no place on the screen"
    full = QRect(0, rect.top(), port.width(), rect.height())
    if not port.rect().contains(full):
        return f"row {row} at {full.getRect()} is outside the list's {port.rect().getRect()}"
    if not QRegion(full).subtracted(port.visibleRegion()).isEmpty():
        return f"row {row} is cut by the window"
    return shown_whole(port)


def touch_problems(top: QWidget) -> list[str]:
    """Everything a finger can hit in ``top`` that is smaller than ``TOUCH_PX``: buttons, text
    fields, spin boxes, combo boxes, check boxes, and the rows of lists and tables."""
    problems = []
    for w in top.findChildren(QWidget):
        if not w.isVisible() or w.window() is not top.window():
            continue
        if isinstance(w, QAbstractButton | QLineEdit | QComboBox | QAbstractSpinBox):
            if isinstance(w, QLineEdit) and isinstance(w.parentWidget(), QAbstractSpinBox
                                                      | QComboBox):
                continue  # the field inside a spin or combo box: the box is the target
            if w.height() < TOUCH_PX or w.width() < TOUCH_PX:
                problems.append(f"{type(w).__name__} {getattr(w, 'text', str)()!r}: "
                                f"{w.width()}x{w.height()}")
        if (isinstance(w, QAbstractItemView) and not isinstance(w, QHeaderView)
                and w.model() is not None and w.model().rowCount()):
            h = (w.rowHeight(0) if isinstance(w, QTableView)  # the grid line is the row's
                 else w.visualRect(w.model().index(0, 0)).height())
            if h < TOUCH_PX:
                problems.append(f"{type(w).__name__} rows are {h} px high")
    return problems
