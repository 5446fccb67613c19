"""A shift at the till driven only by keys and scanner bursts (tests/ui/scenario.py)."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt

from pos_terminal.ui.tender import TenderDialog

from scenario import Driver, Till


def everyday_code(t: Driver) -> str:
    """The unit barcode of an everyday item (sold by the piece, no age or quantity limit)."""
    rows = t.w.app.catalog.products(limit=50)
    p = next(p for p in rows if p["unit"] == "each" and p["min_age"] is None
             and p["max_per_sale"] is None)
    return next(b["code"] for b in p["barcodes"] if "multiplier" not in b)


def test_sign_in_open_scan_and_pay_cash_by_keys(till: Till) -> None:
    def body(t: Driver) -> None:
        code = everyday_code(t)
        t.sign_in("cashier", "1111")
        t.open_shift()
        t.scan(code)
        t.scan(code)
        t.wait(lambda: t.w.sale.model.rowCount() == 1
               and t.w.sale.model.lines[0].line.qty == 2, "two of the item on one line")
        t.key(Qt.Key.Key_F12)
        t.wait_modal(TenderDialog)
        t.key(Qt.Key.Key_F1)  # cash, exact
        t.wait_no_modal()
        t.wait(lambda: t.w.sale.change_label.text().startswith("Change"), "the change shown")

    till.run(body)
    db = sqlite3.connect(till.w.app.paths.database)
    assert db.execute("select count(*) from sales").fetchone()[0] == 1
