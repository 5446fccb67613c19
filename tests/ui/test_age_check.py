"""Age-restricted items: the sale stops for an ID check; confirmed or refused, it is recorded."""

from __future__ import annotations

import sqlite3

from test_shift_flow import open_shift, sign_in

from pos_terminal.domain.tenders import Tender, TenderKind
from pos_terminal.ui.dialogs import AgeCheckDialog
from pos_terminal.ui.main_window import MainWindow

from ui_support import on_modal, shot


def restricted(w: MainWindow, age: int) -> str:
    p = next(p for p in w.app.catalog.products(limit=1000) if p["min_age"] == age
             and p["unit"] == "each")
    return next(b["code"] for b in p["barcodes"] if "multiplier" not in b)


def test_confirmed_check_is_recorded_with_the_sale(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    w = window
    sign_in(qtbot, w, "cashier", "1111")
    open_shift(qtbot, w)

    def confirm(d: AgeCheckDialog) -> None:
        shot(d, "age-check")
        d.confirm()

    on_modal(qtbot, confirm, AgeCheckDialog)
    w.sale.add_code(restricted(w, 18), typed=True)
    qtbot.waitUntil(lambda: w.sale.model.rowCount() == 1)
    w.sale.add_code(restricted(w, 16), typed=True)  # covered by the 18+ check: no new prompt
    qtbot.waitUntil(lambda: w.sale.model.rowCount() == 2)
    r = w.sale.session.complete([Tender(TenderKind.CASH)])  # type: ignore[union-attr]
    row = sqlite3.connect(w.app.paths.database).execute(
        "select action, reason, detail, reference from audit_log").fetchone()
    assert row[0] == "age_check"
    assert row[1].startswith("ID checked: born on or before ")
    assert row[2] == "confirmed 18+"
    assert row[3] == r.receipt_no


def test_refused_check_sells_nothing_restricted(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    w = window
    sign_in(qtbot, w, "cashier", "1111")
    open_shift(qtbot, w)

    def too_young(d: AgeCheckDialog) -> None:
        d.birth.setText("01.01.2015")
        d.check_birth()
        assert "too young" in d.error.text()
        d.refuse()

    on_modal(qtbot, too_young, AgeCheckDialog)
    w.sale.add_code(restricted(w, 16), typed=True)
    qtbot.waitUntil(lambda: "ID check refused" in w.sale.message.text())
    assert w.sale.model.rowCount() == 0
    w.sale.add_code(restricted(w, 18), typed=True)  # no prompt: refused for 16 covers 18
    qtbot.waitUntil(lambda: "cannot be sold in this sale" in w.sale.message.text())
    assert w.sale.model.rowCount() == 0


def test_quantity_limit_needs_a_supervisor(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    from pos_terminal.ui.dialogs import OverrideDialog

    w = window
    sign_in(qtbot, w, "cashier", "1111")
    open_shift(qtbot, w)
    p = next(p for p in w.app.catalog.products(limit=1000) if p["max_per_sale"])
    code = next(b["code"] for b in p["barcodes"] if "multiplier" not in b)
    limit = p["max_per_sale"]
    for _ in range(limit):
        w.sale.add_code(code, typed=True)
        qtbot.waitUntil(lambda: w.runner.pending == 0)
    assert w.sale.model.lines[0].line.qty == limit

    def approve(d: OverrideDialog) -> None:
        d.user.setCurrentText("manager")
        d.pin.setText("9999")
        d.reason.setText("doctor's prescription")
        d.accept()

    on_modal(qtbot, approve, OverrideDialog)
    w.sale.add_code(code, typed=True)
    qtbot.waitUntil(lambda: sum(x.line.qty for x in w.sale.model.lines) == limit + 1)
    r = w.sale.session.complete([Tender(TenderKind.CASH)])  # type: ignore[union-attr]
    row = sqlite3.connect(w.app.paths.database).execute(
        "select action, reason, detail, reference from audit_log").fetchone()
    assert row[:2] == ("quantity_limit", "doctor's prescription")
    assert f"over the limit of {limit}" in row[2]
    assert row[3] == r.receipt_no
