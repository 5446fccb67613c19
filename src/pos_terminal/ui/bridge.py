"""Background workers (scanner, printer, sync) reach the GUI only through these signals.

Workers call the plain methods from their own threads; Qt queues the signals to the GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class DeviceBridge(QObject):
    scanned = Signal(object)  # a ScanFrame from a serial scanner
    scale_reading = Signal(object)  # a hardware.scale.ScaleReading, on every change
    scanner_state = Signal(str)
    printer_state = Signal(str, int)  # state, jobs waiting
    sync_state = Signal(str)
    sync_status = Signal(object)  # the SyncStatus behind the line: its state, for the window
    pole_state = Signal(str)  # the customer's pole display

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.scale_attached = False  # a scale worker reports here (ui/devices.attach_scale)
        self.scale_latest: object | None = None  # its newest reading, kept on the GUI thread
        self.scale_reading.connect(self._keep_scale)

    def on_scale_reading(self, reading: object) -> None:
        self.scale_reading.emit(reading)

    def _keep_scale(self, reading: object) -> None:
        self.scale_latest = reading

    def on_scan(self, frame: object) -> None:
        self.scanned.emit(frame)

    def on_scanner_state(self, state: str) -> None:
        self.scanner_state.emit(state)

    def on_printer_state(self, state: str, pending: int) -> None:
        self.printer_state.emit(state, pending)

    def on_sync_state(self, state: str) -> None:
        self.sync_state.emit(state)

    def on_sync_status(self, status: object) -> None:
        self.sync_status.emit(status)

    def on_pole_state(self, state: str) -> None:
        self.pole_state.emit(state)
