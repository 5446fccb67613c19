"""UI fixtures: the real main window on a copy of the seeded demo register (offscreen Qt)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from pos_terminal.bootstrap import open_register
from pos_terminal.ui.main_window import MainWindow
from pos_terminal.ui.theme import STYLE


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


@pytest.fixture
def till(window: MainWindow, qtbot):  # type: ignore[no-untyped-def]
    """The cashier window with its keyboard-wedge scanner, driven by keys (tests/ui/scenario.py)."""
    from pos_terminal.ui.wedge_filter import WedgeFilter

    from scenario import Till

    wedge = WedgeFilter(window.app.scanner, window)
    wedge.scanned.connect(window.handle_scan)
    wedge.install()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    yield Till(window, qtbot)
    wedge.uninstall()
