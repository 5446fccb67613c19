"""Purchase orders at the central: suggested orders (reorder point, par, on-hand, on order;
a store's own levels first), the admin API, the registers' page, and ingest of drafted POs,
receipts against POs and reorder levels (idempotent)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from central_helpers import World, counts, event, movement
from dashboard_support import CATALOG as CATALOG_WITH_LEVELS

from pos_central.services import purchasing
from pos_protocol import wire

WHEN = "2026-11-24T10:00:00.000Z"


def _receive(world: World, till: str, *moves: tuple[str, int], **payload: Any) -> dict[str, Any]:
    e = event(*(movement(sku, q, "receive") for sku, q in moves), type_="stock.received",
              **payload)
    r = world[till].post([e])
    assert r.status_code == 200 and not r.json()["rejected"], r.text
    return e


def _typed(type_: str, payload: dict[str, Any], when: str = WHEN) -> dict[str, Any]:
    return {"event_id": str(uuid.uuid4()), "seq": 1, "type": type_, "occurred_at": when,
            "payload": payload}


def _suggested(world: World, store: str) -> dict[str, int | None]:
    r = world.admin.get("/admin/suggested-orders", params={"store": store})
    assert r.status_code == 200, r.text
    return {s["sku"]: s["suggested"] for s in r.json()["suggestions"]}


def test_suggestions_orders_and_receipts(world: World) -> None:
    central = world.central
    central.import_catalog_csv(CATALOG_WITH_LEVELS)  # vendors, reorder points, par levels
    _receive(world, "S1/R1", ("100001", 5), ("100002", 20))
    # water 5 ≤ 10: up to par 24; apples none ≤ 2000: up to 5000 g; crisps: no par level
    assert _suggested(world, "S1") == {"100001": 19, "100003": 5000, "100004": None}
    # the store's own levels (a manager at a register) come before the catalog's
    r = world["S1/R1"].post([_typed("reorder.set", {"sku": "100002", "reorder_point": 25,
                                                    "par_level": 40})])
    assert r.json()["held"]
    older = _typed("reorder.set", {"sku": "100002", "reorder_point": 1, "par_level": 2},
                   "2026-11-01T10:00:00.000Z")
    world["S1/R1"].post([older])  # arrives late: the newer setting stays
    assert _suggested(world, "S1")["100002"] == 20
    assert _suggested(world, "S2")["100002"] == 12  # S2 keeps the catalog's par (nothing there)

    made = world.admin.post("/admin/purchase-orders",
                            json={"store": "S1", "from_suggestions": True})
    assert made.status_code == 201, made.text
    pos = {p["vendor"]: p for p in made.json()["purchase_orders"]}
    assert sorted(pos) == ["AquaCo", "ColaCorp", "Orchard"]  # SnackCo: no par, nothing
    water = pos["AquaCo"]
    assert water["status"] == "draft" and water["number"].startswith("PO-S1-")
    assert water["lines"] == [{"sku": "100001", "name": "Still Water 0.5 l", "ordered": 19,
                               "received": 0, "unit_cost": 34}]
    # what is on order is not suggested again
    assert _suggested(world, "S1") == {"100001": 0, "100002": 0, "100003": 0, "100004": None}
    again = world.admin.post("/admin/purchase-orders",
                             json={"store": "S1", "from_suggestions": True})
    assert again.status_code == 409 and "nothing to order" in again.json()["error"]

    # registers see sent POs only, of their own store
    assert world["S1/R1"].client.get("/purchase-orders").json() == {"purchase_orders": []}
    sent = world.admin.post(f"/admin/purchase-orders/{water['number']}/send")
    assert sent.status_code == 200 and sent.json()["status"] == "sent"
    assert world.admin.post(f"/admin/purchase-orders/{water['id']}/send").status_code == 409
    page = wire.parse_purchase_orders_page(world["S1/R2"].client.get("/purchase-orders").json())
    assert [(p.number, p.lines[0].ordered) for p in page.purchase_orders] == [
        (water["number"], 19)]
    assert world["S2/R1"].client.get("/purchase-orders").json() == {"purchase_orders": []}

    # a delivery against the PO: good quantity fills the line; a redelivery changes nothing
    lines = [{"sku": "100001", "received": 10, "damaged": 2, "unit_cost": 34}]
    first = _receive(world, "S1/R1", ("100001", 10), po_id=water["id"], lines=lines,
                     discrepancies=[{"sku": "100001", "kind": "short", "quantity": 9},
                                    {"sku": "100001", "kind": "damaged", "quantity": 2}])
    before = counts(central)
    assert world["S1/R1"].post([first]).json()["held"] == [first["event_id"]]
    assert counts(central) == before
    got = purchasing.get(central.engine, water["number"])
    assert (got.status, got.lines[0].received) == ("partially_received", 10)
    assert central.stock("100001")["S1"] == 15
    assert world.admin.post(f"/admin/purchase-orders/{water['id']}/cancel").status_code == 409
    _receive(world, "S1/R2", ("100001", 9), po_id=water["id"],
             lines=[{"sku": "100001", "received": 9}])
    got = purchasing.get(central.engine, water["id"])
    assert (got.status, got.lines[0].received) == ("received", 19)
    assert world["S1/R1"].client.get("/purchase-orders").json() == {"purchase_orders": []}
    # a draft can be cancelled; the list filters by status
    cola = pos["ColaCorp"]["number"]
    assert world.admin.post(f"/admin/purchase-orders/{cola}/cancel").json()["status"] == \
        "cancelled"
    listed = world.admin.get("/admin/purchase-orders", params={"store": "S1",
                                                               "status": "draft"}).json()
    assert [p["vendor"] for p in listed["purchase_orders"]] == ["Orchard"]


def test_register_drafted_po_is_stored_once_as_sent(world: World) -> None:
    po_id = str(uuid.uuid4())
    payload = {"po_id": po_id, "vendor": "AquaCo", "note": "short on water",
               "lines": [{"sku": "100001", "quantity": 48, "unit_cost": 30}]}
    e = _typed("purchase_order.drafted", payload)
    till = world["S1/R1"]
    assert till.post([e]).json()["held"] == [e["event_id"]]
    till.post([e])  # redelivered
    till.post([_typed("purchase_order.drafted", payload)])  # same PO, another event id
    listed = world.admin.get("/admin/purchase-orders").json()["purchase_orders"]
    assert [(p["id"], p["status"], p["origin"], p["number"]) for p in listed] == [
        (po_id, "sent", "register", "PO-S1-000001")]
    assert listed[0]["lines"][0]["ordered"] == 48
    page = wire.parse_purchase_orders_page(world["S1/R2"].client.get("/purchase-orders").json())
    assert [p.id for p in page.purchase_orders] == [po_id]


def test_malformed_po_events_are_rejected_with_their_field(world: World) -> None:
    bad = [
        _typed("purchase_order.drafted", {"po_id": "x", "vendor": "V", "lines": []}),
        _typed("purchase_order.drafted", {"po_id": str(uuid.uuid4()), "vendor": "V",
                                          "lines": [{"sku": "100001", "quantity": 0}]}),
        _typed("reorder.set", {"sku": "100001", "reorder_point": -1}),
        event(movement("100001", 1, "receive"), type_="stock.received",
              po_id=str(uuid.uuid4()), lines=[{"sku": "100001", "received": "ten"}]),
    ]
    before = counts(world.central)
    r = world["S1/R1"].post(bad).json()
    assert r["held"] == []
    assert [x["field"] for x in r["rejected"]] == [
        "events[0].payload.po_id", "events[1].payload.lines[0].quantity",
        "events[2].payload.reorder_point", "events[3].payload.lines[0].received"]
    assert counts(world.central) == before


def test_admin_api_refuses_bad_orders(world: World) -> None:
    a = world.admin
    r = a.post("/admin/purchase-orders", json={"store": "S1", "vendor": "AquaCo",
                                               "lines": [{"sku": "999", "quantity": 1}]})
    assert r.status_code == 422 and "unknown SKU 999" in r.json()["error"]
    r = a.post("/admin/purchase-orders", json={"store": "S1", "vendor": "AquaCo",
                                               "lines": [{"sku": "100001", "quantity": 0}]})
    assert r.status_code == 422 and r.json()["field"] == "lines[0].quantity"
    r = a.post("/admin/purchase-orders", json={"store": "S9", "vendor": "AquaCo",
                                               "lines": [{"sku": "100001", "quantity": 1}]})
    assert r.status_code == 404
    assert world["S1/R1"].client.get("/admin/purchase-orders").status_code == 403
    assert a.get("/admin/purchase-orders", params={"status": "lost"}).status_code == 422
    assert counts(world.central)["events"] == 0
    r = a.post("/admin/purchase-orders", json={"store": "S1", "vendor": "AquaCo", "send": True,
                                               "lines": [{"sku": "100001", "quantity": 6}]})
    assert r.status_code == 201 and r.json()["status"] == "sent"
    assert r.json()["lines"][0]["unit_cost"] == 34  # the catalog's cost


def test_po_command(world: World, capsys: Any) -> None:
    from pos_central.cli import main

    db = world.central.db_url
    world.central.import_catalog_csv(CATALOG_WITH_LEVELS)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["po", *args, "--db", db])
        got = capsys.readouterr()
        return code, got.out, got.err

    code, out, _ = run("suggest", "S1", "--json")
    assert code == 0 and {s["sku"]: s["suggested"] for s in json.loads(out)}["100001"] == 24
    code, out, _ = run("create", "S1", "--vendor", "AquaCo", "--line", "100001:12@0.30", "--send",
                       "--json")
    (po,) = json.loads(out)
    assert code == 0 and po["status"] == "sent" and po["lines"][0]["unit_cost"] == 30
    code, out, _ = run("suggest", "S1")
    assert "100001" in out and "on order     12" in out and "suggest 12" in out
    code, _, err = run("create", "S1", "--vendor", "AquaCo", "--line", "100001x3")
    assert code == 1 and "SKU:QTY" in err and len(err.splitlines()) == 1
    code, _, err = run("send", po["number"])
    assert code == 1 and "is sent" in err
    code, out, _ = run("list", "--store", "S1", "--status", "open")
    assert po["number"] in out
    code, out, _ = run("cancel", po["number"])
    assert code == 0 and "cancelled" in out
    assert len(purchasing.list_orders(world.central.engine)) == 1
