"""Start the cashier window on a register's data dir."""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from pos_terminal.bootstrap import App, open_register
from pos_terminal.errors import PosError
from pos_terminal.ui.devices import Devices
from pos_terminal.ui.main_window import MainWindow
from pos_terminal.ui.theme import STYLE


def build(app: App) -> MainWindow:
    """The main window on an opened register (tests call this with their own App)."""
    return MainWindow(app)


def run(data_dir: Path, customer_window: bool = False, demo: bool = False) -> int:
    """``customer_window``: also open the customer display as a normal window; ``demo``: on a
    second screen, open it there full screen even when the register's config does not ask."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    qapp = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(qapp, QApplication)
    qapp.setApplicationName("pos-terminal")
    qapp.setStyleSheet(STYLE)
    quit_after = os.environ.get("POS_TERMINAL_QUIT_AFTER_MS", "")
    try:
        register = open_register(data_dir)
    except PosError as exc:  # a refused config, a missing database…: say why, start nothing
        print(f"error: {exc}", file=sys.stderr)
        box = QMessageBox(QMessageBox.Icon.Critical, "pos-terminal cannot start", str(exc))
        if quit_after.isdigit():  # smoke tests: the message is shown, then dismissed
            QTimer.singleShot(int(quit_after), box.reject)
        box.exec()
        return 1
    with register:
        if demo and len(qapp.screens()) > 1 and not register.display.customer.enabled:
            shown = replace(register.display.customer, enabled=True)
            register.display = replace(register.display, customer=shown)
        window = build(register)
        devices = Devices(window, register.scanner, customer_window=customer_window)
        window.show_on_screen()  # [window] mode: maximised (default), full screen, kiosk…
        if quit_after.isdigit():  # smoke tests of a built bundle: show the window, then quit
            QTimer.singleShot(int(quit_after), qapp.quit)
        try:
            return int(qapp.exec())
        finally:
            devices.stop()
