"""Guard against a Qt binding that miscounts references to None.

PySide6-Essentials 6.12.0 on Python 3.11 drops a reference to None on every call of a method
returning void; a register calls such methods millions of times per shift and the process dies
with "none_dealloc" (seen in bench/scan_to_cart.py after a few thousand scans). pyproject pins
below it; this test fails loudly if a future version brings the bug back.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QLineEdit


def test_void_calls_keep_none_alive(qtbot) -> None:  # type: ignore[no-untyped-def]
    field = QLineEdit()
    qtbot.addWidget(field)
    before = sys.getrefcount(None)
    for _ in range(2000):
        field.setText("x")
        field.clear()
        QApplication.processEvents()
    assert sys.getrefcount(None) - before > -100
