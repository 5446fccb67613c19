"""Transfers in the real main window: a manager sends stock to another store from the manager
menu, and receives a transfer another store sent, with a shortage and a damaged unit."""

from __future__ import annotations

import json
import uuid

from PySide6.QtCore import Qt
from test_shift_flow import codes, db, open_shift, sign_in

from pos_protocol import wire
from pos_terminal.ui.main_window import MainWindow

from ui_support import pick_choice, shot


def on_hand(w: MainWindow, code: str) -> int:
    return w.app.inventory.stock(code).on_hand


def test_send_stock_to_another_store(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    w = window
    w.app.transfers.apply_pull([wire.StoreRef("S2", "Harbour"), wire.StoreRef("S3", "Airport")],
                               [])
    sign_in(qtbot, w, "manager", "9999")
    open_shift(qtbot, w)
    pick_choice(qtbot, "transfer_out")
    w.manager_menu()
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.transfer_out)
    out = w.transfer_out
    qtbot.waitUntil(lambda: out.target.count() == 2)
    assert out.target.itemText(0) == "S2 · Harbour"
    first, second = codes(w)[:2]
    before = on_hand(w, first), on_hand(w, second)
    for text in (first, f"3x {first}", second):
        qtbot.keyClicks(out.scan_field, text)
        qtbot.keyClick(out.scan_field, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: w.runner.pending == 0)
    assert out.table.rowCount() == 2
    assert out.table.item(0, 2).text() == "4" and out.total.text() == "5 unit(s) in 2 line(s)"
    shot(w, "transfer-send")
    w.activateWindow()
    qtbot.waitUntil(lambda: w.isActiveWindow())
    qtbot.keyClick(out.scan_field, Qt.Key.Key_F12)  # the F-key on its button
    qtbot.waitUntil(lambda: "posted" in out.message.text())
    assert "T-S1-R1-000001 to S2" in out.message.text() and out.table.rowCount() == 0
    assert (on_hand(w, first), on_hand(w, second)) == (before[0] - 4, before[1] - 1)
    c = db(w)
    (payload,) = c.execute("select payload from outbox where type = 'stock.transferred_out'"
                           ).fetchone()
    sent = json.loads(payload)
    assert sent["to_store"] == "S2" and sorted(ln["quantity"] for ln in sent["lines"]) == [1, 4]
    assert sorted(m["quantity"] for m in sent["movements"]) == [-4, -1]
    # an unknown store is refused with the list of known ones; nothing posted
    out.target.setEditText("S9")
    out.handle_scan(first)
    qtbot.waitUntil(lambda: w.runner.pending == 0)
    out.send()
    qtbot.waitUntil(lambda: out.message.kind == "error")
    assert "no store S9" in out.message.text() and "S2, S3" in out.message.text()
    assert c.execute("select count(*) from transfers").fetchone() == (1,)
    qtbot.keyClick(out.scan_field, Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.sale)


def test_receive_a_transfer_with_a_shortage_and_damage(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    w = window
    first, second = codes(w)[:2]
    sku1, sku2 = (w.app.catalog.item(c).sku for c in (first, second))
    tid = str(uuid.uuid4())
    w.app.transfers.apply_pull([wire.StoreRef("S2", "Harbour")], [wire.Transfer(
        tid, "T-S2-R1-000007", "S2", "S1",
        (wire.TransferLine(sku1, 6), wire.TransferLine(sku2, 2)),
        sent_at="2026-11-24T09:30:00.000Z")])
    before = on_hand(w, first), on_hand(w, second)
    sign_in(qtbot, w, "manager", "9999")
    open_shift(qtbot, w)
    pick_choice(qtbot, "transfer_in")
    w.manager_menu()
    screen = w.transfer_in
    qtbot.waitUntil(lambda: screen.current is not None)  # the only one opens by itself
    assert screen.pending.rowCount() == 1 and screen.pending.item(0, 0).text() == "T-S2-R1-000007"
    assert "6 unit(s)" not in screen.heading.text() and "8 unit(s) sent" in screen.heading.text()
    for text in (f"5x {first}", second, second):  # scanned as it comes out of the box
        w.handle_scan(text)  # a scanner's frame goes to the screen on top
        qtbot.waitUntil(lambda: w.runner.pending == 0)
    row = screen.rows.index(sku2)
    screen.table.selectRow(row)
    w.activateWindow()
    qtbot.waitUntil(lambda: w.isActiveWindow())
    qtbot.keyClick(screen.scan_field, Qt.Key.Key_F4)  # one of the two arrived broken
    assert screen.spin(row, 4).value() == 1
    screen.spin(row, 3).setValue(1)
    assert screen.spin(screen.rows.index(sku1), 3).value() == 5
    shot(w, "transfer")
    qtbot.keyClick(screen.scan_field, Qt.Key.Key_F12)
    qtbot.waitUntil(lambda: "T-S2-R1-000007 received" in screen.message.text())
    assert "received with discrepancies" in screen.message.text()
    assert "1 short" in screen.message.text() and "1 damaged" in screen.message.text()
    assert (on_hand(w, first), on_hand(w, second)) == (before[0] + 5, before[1] + 1)
    c = db(w)
    assert c.execute("select status from transfers where id = ?", (tid,)).fetchone() == (
        "received",)
    (payload,) = c.execute("select payload from outbox where type = 'stock.transferred_in'"
                           ).fetchone()
    got = json.loads(payload)
    assert sorted((d["sku"], d["kind"], d["quantity"]) for d in got["discrepancies"]) == sorted(
        [(sku1, "short", 1), (sku2, "damaged", 1)])
    assert screen.pending.rowCount() == 0  # nothing left to receive
    # a second receipt of the same transfer is refused
    screen.open(w.app.transfers.get(tid))
    screen.all_arrived()
    screen.post()
    qtbot.waitUntil(lambda: screen.message.kind == "error")
    assert "already received" in screen.message.text()
