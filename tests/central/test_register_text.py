"""What one register sends cannot stop the central (PostgreSQL when ``POS_TEST_PG_URL`` is
set): any Unicode the wire allows is stored and shown as sent; text no database can store or
query — a NUL character, half of a surrogate pair — anywhere in any event of any type (a value
or a key, at any depth) is refused with 422 naming the field, and so is such text in a path,
a query parameter, a form or another JSON body. Afterwards every dashboard page and every API
list still answers."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from central_helpers import WHEN, World, client, movement
from dashboard_support import ADMIN, PASSWORD, signed_in

from pos_central.dashboard.auth import create_user
from pos_central.services import purchasing

EXOTIC = "Ünïcödé ☕ 😀 עברית ‏\u200d\u0301 \u2028 \ufeff \uffff \U0010fffd \u0001 <b>&amp;"
EXOTIC_SKU = "SKU-😀-é\u0001"


def events(po_id: str, transfer_id: str, text: str = "note", sku: str = "100001"
           ) -> list[dict[str, Any]]:
    """One event of every type the protocol has, each with free text where it allows it."""
    def ev(type_: str, payload: dict[str, Any], *moves: dict[str, Any]) -> dict[str, Any]:
        return {"event_id": str(uuid.uuid4()), "seq": 1, "type": type_, "occurred_at": WHEN,
                "payload": {"movements": list(moves), **payload}}

    def mv(qty: int, kind: str) -> dict[str, Any]:
        return movement(sku, qty, kind, reason=text, reference=text)

    line = {"sku": sku, "quantity": 2}
    return [
        ev("sale.completed", {"receipt_no": text, "currency": "EUR", "total": 59, "note": text,
                              "lines": [{"sku": sku, "name": text, "qty": 1}]}, mv(-1, "sale")),
        ev("return.completed", {"return_no": text, "refund": 59, "reason": text},
           mv(1, "return")),
        ev("stock.received", {"reference": text, "vendor": text, "po_id": po_id,
                              "po_number": text,
                              "lines": [{"sku": sku, "received": 2, "damaged": 0}],
                              "discrepancies": [{"sku": sku, "kind": "short", "quantity": 1}]},
           mv(2, "receive")),
        ev("stock.adjusted", {"reference": text}, mv(-1, "adjust")),
        ev("stock.counted", {"reference": text, "note": text}, mv(1, "count_variance")),
        ev("stock.transferred_out", {"transfer_id": transfer_id, "number": text,
                                     "to_store": "S2", "lines": [line]}, mv(-2, "transfer_out")),
        ev("product.proposed", {"product": {"sku": f"P-{sku}", "name": text, "variant": text,
                                            "department": text, "vendor": text,
                                            "tax_class": "STD", "price": 100,
                                            "barcodes": [{"code": "4006381333931"}]}}),
        ev("purchase_order.drafted", {"po_id": str(uuid.uuid4()), "vendor": text, "note": text,
                                      "lines": [line]}),
        ev("reorder.set", {"sku": sku, "reorder_point": 3, "par_level": 9}),
        ev("deposit.refunded", {"refund_no": text, "method": "cash", "total": 25,
                                "lines": [{"code": text, "count": 1}]}),
    ]


def leaves(obj: Any, path: str) -> Iterator[tuple[str, list[Any]]]:
    """(field path, [container, key]) of every string value inside ``obj``."""
    items = obj.items() if isinstance(obj, dict) else enumerate(obj)
    for key, value in items:
        here = f"{path}.{key}" if isinstance(obj, dict) else f"{path}[{key}]"
        if isinstance(value, str):
            yield here, [obj, key]
        elif isinstance(value, dict | list):
            yield from leaves(value, here)


def post(c: httpx.Client, batch: list[dict[str, Any]]) -> httpx.Response:
    return c.post("/events", content=json.dumps({"events": batch}).encode(),
                  headers={"Content-Type": "application/json"})


@pytest.fixture
def shop(world: World) -> tuple[World, str, str]:
    create_user(world.central.engine, ADMIN, PASSWORD, "admin")
    po = purchasing.create(world.central.engine, "S1", "AquaCo", [("100001", 6, None)],
                           send=True)
    return world, po.id, str(uuid.uuid4())


def test_no_event_field_may_hold_a_nul_or_half_a_surrogate(shop: tuple[World, str, str]
                                                           ) -> None:
    world, po_id, transfer_id = shop
    till = world["S1/R1"]
    before = world.central.stock("100001")
    tried = 0
    for i, template in enumerate(events(po_id, transfer_id)):
        for field, _ in leaves(template, f"events[{i}]"):
            for bad in ("\x00", "\ud800", "\udc00x"):
                batch = json.loads(json.dumps(events(po_id, transfer_id)))  # a fresh copy
                container, key = dict(leaves(batch[i], f"events[{i}]"))[field]
                container[key] = container[key] + bad
                r = post(till.client, batch)
                tried += 1
                assert r.status_code == 422, (field, bad, r.text)
                assert r.json()["field"] == field, (field, r.json())
        batch = events(po_id, transfer_id)  # a key, not only values
        batch[i]["payload"]["odd\x00key"] = 1
        r = post(till.client, batch)
        assert r.status_code == 422 and r.json()["field"] == f"events[{i}].payload.'odd\\x00key'"
    assert tried > 150
    assert world.central.stock("100001") == before  # nothing of any of them stored


def test_any_other_unicode_is_kept_and_every_page_still_answers(
    shop: tuple[World, str, str]
) -> None:
    world, po_id, transfer_id = shop
    till = world["S1/R1"]
    for sku in ("100001", EXOTIC_SKU):
        batch = events(po_id, transfer_id if sku == "100001" else str(uuid.uuid4()), EXOTIC,
                       sku)
        r = post(till.client, batch)
        assert r.status_code == 200 and not r.json()["rejected"], r.text
        assert len(r.json()["held"]) == len(batch)
    unknown = world.admin.get("/admin/unknown-skus").json()["unknown_skus"]
    assert EXOTIC_SKU in {u["sku"] for u in unknown}  # stored as sent, flagged for review
    r2 = world["S1/R2"].client.get("/movements", params={"since": 0}).json()
    assert {m["movement"]["reason"] for m in r2["movements"]} == {EXOTIC}  # as sent
    assert EXOTIC_SKU in {m["movement"]["sku"] for m in r2["movements"]}

    api = ["/admin/registers", "/admin/proposals?status=all", "/admin/unknown-skus",
           "/admin/count-reviews", "/admin/transfers", "/admin/purchase-orders",
           "/admin/promotions", "/admin/stock/100001", "/admin/suggested-orders?store=S1"]
    for path in api:
        r = world.admin.get(path)
        assert r.status_code == 200, (path, r.text)
    r = world.admin.get(f"/admin/stock/{quote(EXOTIC_SKU, safe='')}")  # not in the catalog
    assert r.status_code == 404 and EXOTIC_SKU in r.json()["error"]
    for path in ("/catalog", "/movements", "/status", "/transfers", "/purchase-orders",
                 "/stores"):
        r = world["S2/R1"].client.get(path)
        assert r.status_code == 200, (path, r.text)
    r = till.client.get(f"/stores/S1/stock/{quote(EXOTIC_SKU, safe='')}")
    assert r.status_code == 404 and EXOTIC_SKU in r.json()["error"]  # an answer, not a 500
    pages = ["/", "/stock", f"/stock?q={quote(EXOTIC_SKU)}", "/stock?q=%F0%9F%98%80",
             "/products/100001", "/low-stock",
             "/low-stock?store=S1", "/transfers", "/sales", "/sales?days=7", "/manage",
             "/purchase-orders", "/purchase-orders?status=all", f"/purchase-orders/{po_id}"]
    with signed_in(world.central, ADMIN) as c:
        for path in pages:
            r = c.get(path)
            assert r.status_code == 200, (path, r.status_code, r.text[:300])
        assert "☕ 😀" in c.get("/transfers").text  # the transfer's number, as sent
        r = c.get(f"/products/{quote(EXOTIC_SKU, safe='')}")  # not in the catalog: a page
        assert r.status_code == 404 and "<html" in r.text


def test_parameters_forms_and_other_bodies_are_checked_too(shop: tuple[World, str, str]
                                                          ) -> None:
    world, *_ = shop
    till = world["S1/R1"]
    for path, field in [("/stores/S1/stock/a%00b", "code"), ("/catalog?since=0&x%00=1", "x\x00"),
                        ("/stores/S%00/stock/100001", "store")]:
        r = till.client.get(path)
        assert r.status_code == 422 and r.json()["field"] == field, (path, r.text)
    r = world.admin.get("/admin/transfers", params={"store": "S\x00"})
    assert r.status_code == 422 and r.json()["field"] == "store"
    r = world.admin.get("/admin/count-reviews", params={"store": "\x00"})
    assert r.status_code == 422
    with client(world.central) as anon:  # enrollment is a register's first request
        r = anon.post("/enroll", content=json.dumps({"code": "AB\x00C"}).encode())
        assert r.status_code == 422 and r.json()["field"] == "code"
    r = world.admin.post("/admin/stores", content=json.dumps(
        {"store": "S9", "name": "Bad \ud800 name"}).encode())
    assert r.status_code == 422 and r.json()["field"] == "name"
    with signed_in(world.central, ADMIN) as c:
        assert c.get("/products/a%00b").status_code == 422
        assert c.get("/stock", params={"q": "\x00"}).status_code == 422
        assert c.get("/stock").status_code == 200
    with httpx.Client(base_url=world.central.url, trust_env=False) as web:
        form = web.get("/login")
        r = web.post("/login", data={"csrf": "x", "username": "ad\x00min", "password": "p"})
        assert form.status_code == 200 and r.status_code == 422
