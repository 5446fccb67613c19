"""Scan to cart: from a keyboard-wedge scan's last keystroke to the cart row in the model.

A real main window (offscreen Qt) on a register with 1,000,000 products, the keyboard-wedge
filter installed as in the app. Each scan is a burst of key events (digits + Enter) sent to
the focused widget; the clock starts when the Enter key event is sent and stops when the cart
model shows the new quantity (look-up on the database thread, result back on the GUI thread).

    python bench/scan_to_cart.py [--products N] [--scans K]

Prints ``scan_to_cart_p50_ms`` and ``scan_to_cart_p99_ms`` (goal p99 ≤ 15 ms). The register is
the one bench/startup.py builds (``pos-terminal demo --products N``, cached).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from _common import figure, percentile
from startup import build


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--products", type=int, default=1_000_000)
    ap.add_argument("--scans", type=int, default=1000)
    args = ap.parse_args()
    data = build(args.products)

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from pos_terminal.bootstrap import open_register
    from pos_terminal.services.demo import synthetic_code
    from pos_terminal.ui.main_window import MainWindow
    from pos_terminal.ui.theme import STYLE
    from pos_terminal.ui.wedge_filter import WedgeFilter

    qapp = QApplication([])
    qapp.setStyleSheet(STYLE)
    app = open_register(data)
    w = MainWindow(app)
    w.show()
    wedge = WedgeFilter(app.scanner, w)
    wedge.scanned.connect(w.handle_scan)
    wedge.install()

    def until(cond, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
        end = time.perf_counter() + timeout
        while not cond():
            qapp.processEvents()
            if time.perf_counter() > end:
                raise TimeoutError("the window did not get there")

    until(lambda: w.login.users.count() > 0)
    w.login.users.setCurrentRow(0)
    w.login.pin.setText("1111")
    w.login.submit()
    until(lambda: w.stack.currentWidget() in (w.sale, w.open_shift))
    if w.stack.currentWidget() is w.open_shift:
        app.shifts.open(w.user.id, 0)  # type: ignore[union-attr]
        w._show_sale()
    with app.ctx.read() as conn:
        top = conn.exec_driver_sql("select max(id) from products").scalar()
    rng = random.Random(7)
    field = w.sale.scan_field
    times: list[float] = []
    for k in range(args.scans + 20):
        if k % 50 == 0 and w.sale.session is not None:
            w.sale.session.void_sale()
            w.sale.refresh()
        pid = rng.randint(300, top)  # the synthetic part of the catalog
        code = synthetic_code(pid)
        before = sum(p.line.qty for p in w.sale.model.lines)
        QTest.keyClicks(field, code)
        t0 = time.perf_counter()
        QTest.keyClick(field, Qt.Key.Key_Return)
        until(lambda b=before: sum(p.line.qty for p in w.sale.model.lines) > b)
        if k >= 20:
            times.append((time.perf_counter() - t0) * 1000)
    wedge.uninstall()
    w.close()
    app.close()
    print(f"products={args.products}")
    print(f"scans={args.scans}")
    figure("scan_to_cart_p50_ms", percentile(times, 50))
    figure("scan_to_cart_p99_ms", percentile(times, 99))


if __name__ == "__main__":
    main()
