"""Helpers for the UI tests (importable as ``ui_support``; not fixtures)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QWidget

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
