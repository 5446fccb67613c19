"""UI fixtures: the real main window on a copy of the seeded demo register (offscreen Qt)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

from pos_terminal.bootstrap import open_register
from pos_terminal.ui.main_window import MainWindow
from pos_terminal.ui.theme import STYLE

SHOTS = Path(os.environ.get("POS_SCREENSHOTS", "")) if os.environ.get("POS_SCREENSHOTS") else None


@pytest.fixture
def window(data_dir: Path, qtbot) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    QApplication.instance().setStyleSheet(STYLE)  # type: ignore[union-attr]
    app = open_register(data_dir)
    w = MainWindow(app)
    qtbot.addWidget(w)
    w.resize(1024, 768)
    w.show()
    qtbot.waitUntil(lambda: w.login.users.count() > 0)
    yield w
    w.close()
    app.close()


def on_modal(qtbot, action: Callable[[QWidget], None], kind: type | None = None) -> None:  # type: ignore[no-untyped-def]
    """Run ``action`` on the next modal dialog once it is shown (exec() blocks the test)."""
    def poll() -> None:
        w = QApplication.activeModalWidget()
        if w is None or (kind is not None and not isinstance(w, kind)):
            QTimer.singleShot(20, poll)
            return
        action(w)

    QTimer.singleShot(0, poll)


def shot(widget: QWidget, name: str) -> None:
    """Save a screenshot when POS_SCREENSHOTS names a folder (docs/screenshots)."""
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(SHOTS / f"{name}.png"))
