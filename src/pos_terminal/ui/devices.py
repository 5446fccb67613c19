"""Start the register's scanner for the window, per its ``[scanner]`` settings.

A keyboard-wedge scanner is read by an application event filter on the GUI thread; a serial
scanner by its own worker thread, whose frames reach the window through the device bridge.
"""

from __future__ import annotations

from pos_terminal.hardware.print_worker import PrintWorker
from pos_terminal.hardware.printer_settings import PrinterSettings
from pos_terminal.hardware.scale import ScaleWorker
from pos_terminal.hardware.scale_settings import ScaleSettings
from pos_terminal.hardware.scanner_settings import ScannerSettings
from pos_terminal.hardware.serial_scanner import SerialScanner
from pos_terminal.services.sync import build_worker
from pos_terminal.ui.bridge import DeviceBridge
from pos_terminal.ui.customer_display import CustomerDisplay
from pos_terminal.ui.main_window import MainWindow
from pos_terminal.ui.wedge_filter import WedgeFilter


class Devices:
    """The scanner and the print worker of one window; ``stop()`` when the window closes."""

    def __init__(self, window: MainWindow, settings: ScannerSettings,
                 printer: PrinterSettings | None = None, customer_window: bool = False) -> None:
        app = window.app
        # The customer's window and pole display ([customer_display], [pole_display]);
        # ``customer_window`` opens it as a normal window (the demo's --customer-display).
        self.display: CustomerDisplay | None = None
        if app.display.wanted or customer_window:
            self.display = CustomerDisplay(window, app.display, windowed=customer_window)
            self.display.start()
        self.printer = PrintWorker.create(app.printing, printer or app.printer,
                                          window.bridge.on_printer_state)
        window.job_queued.connect(self.printer.notify)
        window.printer_label.setText(f"printer: {self.printer.state}")
        self.printer.start()
        # The outbox worker, when this register was provisioned: its state heads the status
        # bar's sync field (the window reads the backlog again after every commit).
        self.sync = build_worker(app.ctx, app.paths, window.bridge.on_sync_state,
                                 on_status=window.bridge.on_sync_status)
        if self.sync is not None:
            window.sale.sale_done.connect(lambda _r: self.sync and self.sync.notify())
            self.sync.start()
        self.wedge: WedgeFilter | None = None
        self.serial: SerialScanner | None = None
        bridge: DeviceBridge = window.bridge
        if settings.kind == "wedge":
            self.wedge = WedgeFilter(settings, window)
            self.wedge.scanned.connect(window.handle_scan)
            self.wedge.install()
            window.scanner_label.setText("scanner: keyboard wedge")
        elif settings.kind == "serial":
            self.serial = SerialScanner(settings, bridge.on_scan, bridge.on_scanner_state)
            window.scanner_label.setText(f"scanner: connecting to {settings.port}")
            self.serial.start()
        else:
            window.scanner_label.setText("scanner: none (type codes)")
        self.scale = attach_scale(window, app.scale)

    def stop(self) -> None:
        if self.display is not None:
            self.display.stop()
        self.printer.stop()
        if self.sync is not None:
            self.sync.stop()
        if self.wedge is not None:
            self.wedge.uninstall()
        if self.serial is not None:
            self.serial.stop()
        if self.scale is not None:
            self.scale.stop()


def attach_scale(window: MainWindow, settings: ScaleSettings) -> ScaleWorker | None:
    """Start reading the ``[scale]`` (when there is one) into the window's device bridge: the
    weight dialog shows its readings. The caller stops the returned worker."""
    if not settings.enabled:
        return None
    worker = ScaleWorker(settings, window.bridge.on_scale_reading)
    window.bridge.scale_attached = True
    worker.start()
    return worker
