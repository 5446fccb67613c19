"""Background workers (scanner, printer, sync) reach the GUI only through these signals.

Workers call the plain methods from their own threads; Qt queues the signals to the GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class DeviceBridge(QObject):
    scanned = Signal(object)  # a ScanFrame from a serial scanner
    scanner_state = Signal(str)
    printer_state = Signal(str, int)  # state, jobs waiting
    sync_state = Signal(str)
    pole_state = Signal(str)  # the customer's pole display

    def on_scan(self, frame: object) -> None:
        self.scanned.emit(frame)

    def on_scanner_state(self, state: str) -> None:
        self.scanner_state.emit(state)

    def on_printer_state(self, state: str, pending: int) -> None:
        self.printer_state.emit(state, pending)

    def on_sync_state(self, state: str) -> None:
        self.sync_state.emit(state)

    def on_pole_state(self, state: str) -> None:
        self.pole_state.emit(state)
