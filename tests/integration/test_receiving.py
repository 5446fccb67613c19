"""Receiving at the register (real SQLite): against a pulled PO and free; packs; partial
receipts with over, short, damaged and unexpected lines; costs; one transaction per posting;
a delivery in progress survives a restart; a new product from an unknown barcode (manager);
POs drafted here."""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path

import pytest

from pos_protocol import wire
from pos_terminal.bootstrap import App, open_register
from pos_terminal.domain.users import Role
from pos_terminal.errors import AuthError, InputError, NotFoundError, QuantityError, RuleError
from pos_terminal.services.users import User

WATER, WATER_6 = "4037674097186", "24037674097180"  # 100001, and its pack of six
BIG_WATER = "4037674055889"  # 100002
SPARKLING = "4263653264854"  # 100003
WHEN = "2026-11-24T10:00:00.000Z"
VENDOR = "Rheinland Getränke Großhandel GmbH"


def _manager(app: App) -> User:
    return app.users.by_name("manager")


def _pull(app: App, *lines: tuple[str, int, int, int | None]) -> str:
    po_id = str(uuid.uuid4())
    page = wire.PurchaseOrdersPage((wire.PurchaseOrder(
        po_id, "PO-S1-000007", VENDOR, "sent", "central", WHEN,
        tuple(wire.PurchaseOrderLine(*ln) for ln in lines), WHEN),))
    assert app.sync.apply_purchase_orders(page) == 1
    return po_id


def _rows(data_dir: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(data_dir / "register.db")
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_receive_part_of_a_po_with_discrepancies(app: App, data_dir: Path) -> None:
    po_id = _pull(app, ("100001", 24, 0, 30), ("100002", 12, 0, None), ("100003", 6, 0, None))
    before = {sku: app.inventory.stock(sku).on_hand for sku in ("100001", "100002", "100003")}
    (order,) = app.receiving.open_orders()
    assert order.number == "PO-S1-000007" and "42 to come" in order.label
    user = _manager(app)
    r = app.receiving.start(user.id, po="PO-S1-000007", reference="DN-1")
    assert [(ln.sku, ln.ordered, ln.counted) for ln in r.lines] == [
        ("100001", 24, 0), ("100002", 12, 0), ("100003", 6, 0)]
    app.receiving.scan(r.id, WATER_6, 2)  # two packs of six
    app.receiving.scan(r.id, WATER)  # and a loose bottle
    app.receiving.set_counted(r.id, "100002", 12)
    app.receiving.set_damaged(r.id, "100002", 2)
    app.receiving.scan(r.id, "5438615502391")  # cola: not on the PO
    got = app.receiving.set_cost(r.id, "100002", 48)
    assert [(ln.sku, ln.counted, ln.damaged, ln.unit_cost) for ln in got.lines] == [
        ("100001", 13, 0, 30), ("100002", 12, 2, 48), ("100003", 0, 0, 33),
        (got.lines[3].sku, 1, 0, got.lines[3].unit_cost)]
    with pytest.raises(QuantityError, match="damaged but only"):
        app.receiving.set_damaged(r.id, "100001", 14)
    posted = app.receiving.post(r.id, user.id)
    assert sorted((d.sku, d.kind, d.quantity) for d in posted.discrepancies) == sorted([
        ("100001", "short", 11), ("100002", "damaged", 2), ("100003", "short", 6),
        (got.lines[3].sku, "unexpected", 1)])
    # good units are on hand at once; damaged ones are not
    assert app.inventory.stock("100001").on_hand == before["100001"] + 13
    assert app.inventory.stock("100002").on_hand == before["100002"] + 10
    assert app.inventory.verify().ok
    (event,) = _rows(data_dir, "SELECT payload FROM outbox WHERE type = 'stock.received' "
                               "ORDER BY seq DESC LIMIT 1")
    payload = json.loads(event[0])
    assert payload["po_id"] == po_id and payload["vendor"] == VENDOR
    assert {m["sku"]: (m["quantity"], m["unit_cost"]) for m in payload["movements"]} == {
        "100001": (13, 30), "100002": (10, 48), got.lines[3].sku: (1, got.lines[3].unit_cost)}
    assert wire.StockReceived.parse(payload).received_by_sku()["100002"] == 10  # the PO gets
    # the PO stays open for the rest; what is not yet at the central counts already here
    (order,) = app.receiving.open_orders()
    assert {ln.sku: ln.received for ln in order.lines} == {"100001": 13, "100002": 10,
                                                            "100003": 0}
    again = app.receiving.start(user.id, po=po_id)
    assert [(ln.sku, ln.before) for ln in again.lines] == [("100001", 13), ("100002", 10),
                                                           ("100003", 0)]
    with pytest.raises(RuleError, match="already posted"):
        app.receiving.scan(r.id, WATER)


def test_free_delivery_and_nothing_changes_on_bad_input(app: App, data_dir: Path) -> None:
    user = _manager(app)
    with pytest.raises(NotFoundError, match="no open purchase order"):
        app.receiving.start(user.id, po="PO-S1-999999")
    r = app.receiving.start(user.id, vendor=VENDOR)
    assert r.title.endswith("(no purchase order)")
    movements = _rows(data_dir, "SELECT count(*) FROM stock_movements")
    with pytest.raises(NotFoundError, match="unknown barcode"):
        app.receiving.scan(r.id, "4000000000013")
    with pytest.raises(InputError, match="nothing counted"):
        app.receiving.post(r.id, user.id)
    app.receiving.scan(r.id, BIG_WATER, 3)
    app.receiving.set_damaged(r.id, "100002", 3)  # everything broken
    posted = app.receiving.post(r.id, user.id)
    assert posted.received == {} and [(d.kind, d.quantity) for d in posted.discrepancies] == [
        ("damaged", 3)]
    assert _rows(data_dir, "SELECT count(*) FROM stock_movements") == movements
    assert _rows(data_dir, "SELECT kind, quantity FROM delivery_discrepancies") == [
        ("damaged", 3)]


def test_a_delivery_in_progress_survives_a_restart(data_dir: Path) -> None:
    with open_register(data_dir) as app:
        _pull(app, ("100001", 24, 6, None))
        r = app.receiving.start(_manager(app).id, po="PO-S1-000007")
        app.receiving.scan(r.id, WATER_6)
    with open_register(data_dir) as app:
        (resumed,) = app.receiving.in_progress()
        assert resumed.id == r.id and [(ln.sku, ln.before, ln.counted) for ln in
                                       resumed.lines] == [("100001", 6, 6)]
        app.receiving.scan(r.id, WATER_6)
        assert app.receiving.get(r.id).lines[0].counted == 12
        app.receiving.cancel(r.id)
        assert app.receiving.in_progress() == []


def test_unknown_barcode_becomes_a_proposed_product(app: App, data_dir: Path) -> None:
    cashier = app.users.by_name("cashier")
    r = app.receiving.start(cashier.id, vendor="Local Farm")
    with pytest.raises(AuthError, match="needs a manager"):
        app.receiving.new_product(r.id, cashier, "4000000000006", "Honey", 599, "RED", 310)
    got = app.receiving.new_product(r.id, _manager(app), "4000000000006", "Local Honey", 599,
                                    "RED", 310, counted=4)
    assert [(ln.name, ln.counted, ln.unit_cost) for ln in got.lines] == [("Local Honey", 4, 310)]
    assert app.catalog.item("4000000000006").price == 599  # sellable at once
    (payload,) = _rows(data_dir, "SELECT payload FROM outbox WHERE type = 'product.proposed'")
    product = wire.ProductProposed.parse(json.loads(payload[0])).product
    assert (product.name, product.vendor, product.barcodes[0].code) == (
        "Local Honey", "Local Farm", "4000000000006")
    assert _rows(data_dir, "SELECT action FROM audit_log WHERE action = 'new_product'")
    app.receiving.post(r.id, _manager(app).id)
    assert app.inventory.stock("4000000000006").on_hand == 4


def test_manager_drafts_a_po(app: App, data_dir: Path) -> None:
    with pytest.raises(AuthError):
        app.receiving.draft_po(app.users.by_name("cashier"), VENDOR, [(WATER, 1)])
    po = app.receiving.draft_po(_manager(app), VENDOR, [(WATER_6, 4), (WATER, 6),
                                                        (SPARKLING, 12)], "weekend")
    assert po.draft and [(ln.sku, ln.ordered) for ln in po.lines] == [("100001", 30),
                                                                     ("100003", 12)]
    (payload,) = _rows(data_dir, "SELECT payload FROM outbox WHERE type = "
                                 "'purchase_order.drafted'")
    draft = wire.PurchaseOrderDrafted.parse(json.loads(payload[0]))
    assert draft.po_id == po.id and draft.lines[0].unit_cost == 34
    # receivable before the central has echoed it
    r = app.receiving.start(_manager(app).id, po=po.number)
    assert [ln.sku for ln in r.lines] == ["100001", "100003"]
    # once its event is sent and a pull does not list it any more, the draft is gone
    app.sync.mark_sent([_rows(data_dir, "SELECT event_id FROM outbox WHERE type = "
                                        "'purchase_order.drafted'")[0][0]])
    app.sync.apply_purchase_orders(wire.PurchaseOrdersPage(()))
    assert app.receiving.open_orders() == []
    assert Role.MANAGER  # (roles come from the demo users)


def test_po_command(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pos_terminal import cli

    with open_register(data_dir) as app:
        _pull(app, ("100001", 24, 0, None), ("100002", 12, 0, None))

    def run(*args: str) -> tuple[int, str, str]:
        code = cli.main(["--data-dir", str(data_dir), "po", *args])
        got = capsys.readouterr()
        return code, got.out, got.err

    code, out, _ = run("list")
    assert code == 0 and "PO-S1-000007" in out and "36 to come" in out
    code, out, _ = run("receive", "PO-S1-000007", f"{WATER_6}x3", f"{BIG_WATER}x12",
                       "--damaged", f"{BIG_WATER}:1", "--json")
    got = json.loads(out)
    assert code == 0 and got["received"] == {"100001": 18, "100002": 11}
    assert sorted((d["kind"], d["quantity"]) for d in got["discrepancies"]) == [
        ("damaged", 1), ("short", 6)]
    code, _, err = run("receive", "PO-S1-000007", "4000000000013")
    assert code == 1 and "unknown barcode" in err and len(err.splitlines()) == 1
    with open_register(data_dir) as app:
        assert app.receiving.in_progress() == []  # the failed one left nothing open
    code, out, _ = run("draft", "--vendor", VENDOR, f"{SPARKLING}x6")
    assert code == 0 and "drafted DRAFT-" in out
