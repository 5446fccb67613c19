"""Deliveries that name a purchase order they cannot fill (one the central does not know, or
another store's stored before the central refused those with 403) move the stock, fill nothing
and are flagged on the Purchase orders page; another store's register receiving against a PO
now gets 403 and the PO stays open for its store; the
product page's "at or below reorder point" flag uses the store's own levels first, by the same
test as the suggested orders."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from central_helpers import Till, event, movement
from dashboard_support import OWNER, Chain, chain, signed_in

from pos_central.services import purchasing
from pos_central.testing import CentralHandle

WHEN = "2026-11-24T10:00:00.000Z"


@pytest.fixture
def fresh(central: CentralHandle) -> Iterator[Chain]:
    with chain(central) as c:
        yield c


def _post(till: Till, *events: dict[str, Any]) -> None:
    r = till.post(list(events))
    assert r.status_code == 200 and not r.json()["rejected"], r.text


def _receipt(sku: str, qty: int, ref: str, **po: Any) -> dict[str, Any]:
    return event(movement(sku, qty, "receive"), type_="stock.received", reference=ref,
                 lines=[{"sku": sku, "received": qty}], **po)


def _rows(html: str, table_id: str) -> list[str]:
    m = re.search(rf'<table id="{table_id}".*?<tbody>(.*?)</tbody>', html, re.S)
    return re.findall(r"<tr.*?</tr>", m.group(1), re.S) if m else []


def test_a_delivery_naming_a_po_it_cannot_fill_is_flagged(
    fresh: Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    central = fresh.central
    eng = central.engine
    s1_po = purchasing.create(eng, "S1", "AquaCo", [("100001", 24, None)], send=True)
    before = central.stock("100001")
    with signed_in(central, OWNER) as c:  # nothing to check yet: no section
        assert 'id="flagged-receipts"' not in c.get("/purchase-orders").text
    unknown = str(uuid.uuid4())
    # S2 receives against S1's order: refused (403), nothing stored, the PO untouched
    s2_receipt = _receipt("100001", 24, "DN-77", po_id=s1_po.id, po_number=s1_po.number)
    r = fresh.tills["S2/R1"].post([s2_receipt])
    assert r.status_code == 403 and r.json()["field"] == "events[0].payload.po_id", r.text
    assert central.stock("100001") == before
    assert purchasing.get(eng, s1_po.id).lines[0].received == 0
    # ... as a central before that check stored it: moved stock, filled nothing, flagged
    with monkeypatch.context() as m:
        m.setattr(purchasing, "authorize", lambda *a: None)
        _post(fresh.tills["S2/R1"], s2_receipt)
    # S1 names an order nobody made: moves stock, flagged
    _post(fresh.tills["S1/R2"], _receipt("100001", 5, "DN-78", po_id=unknown,
                                         po_number="PO-S1-R2-000009"))
    # fine: a delivery against its own store's order, and one without an order
    _post(fresh.tills["S1/R1"], _receipt("100001", 4, "DN-79", po_id=s1_po.id,
                                         po_number=s1_po.number),
          _receipt("100002", 6, "DN-80"))
    after = central.stock("100001")
    assert (after["S1"] - before["S1"], after["S2"] - before["S2"]) == (9, 24)
    assert purchasing.get(eng, s1_po.id).lines[0].received == 4  # S2's 24 filled nothing

    got = purchasing.flagged_receipts(eng)
    assert sorted((f.store, f.register, f.reference, f.units, f.po_store) for f in got) == [
        ("S1", "R2", "DN-78", 5, None), ("S2", "R1", "DN-77", 24, "S1")]
    by_ref = {f.reference: f for f in got}
    assert by_ref["DN-77"].problem == (f"names {s1_po.number}, a purchase order of S1: the "
                                       f"stock moved at S2, {s1_po.number} was not filled")
    assert "PO-S1-R2-000009, which the central does not know" in by_ref["DN-78"].problem
    assert [f.reference for f in purchasing.flagged_receipts(eng, "S2")] == ["DN-77"]
    assert purchasing.flagged_receipts(eng, "S9") == []

    with signed_in(central, OWNER) as c:  # owners see the flags too
        page = c.get("/purchase-orders", params={"status": "all"}).text
        rows = _rows(page, "flagged-receipts")
        assert len(rows) == 2 and "2 deliveries named a purchase order" in page
        assert any("S2 · R1" in r and "DN-77" in r and ">24<" in r for r in rows)
        s1 = c.get("/purchase-orders", params={"store": "S1"}).text
        (row,) = _rows(s1, "flagged-receipts")
        assert "DN-78" in row and "1 delivery named a purchase order it could not fill" in s1


def test_product_page_low_flag_uses_the_store_levels_first(fresh: Chain) -> None:
    central = fresh.central
    on_hand = {sku: central.stock(sku) for sku in ("100001", "100002")}
    catalog_rp = {"100001": 10, "100002": 6}
    assert on_hand["100002"]["S1"] > catalog_rp["100002"]  # the catalog calls S1's cola fine
    assert on_hand["100001"]["S2"] <= catalog_rp["100001"]  # ... and S2's water low
    # the stores' own levels (a manager at each register) say the opposite
    for till, sku, rp in (("S1/R1", "100002", on_hand["100002"]["S1"]),
                          ("S2/R1", "100001", on_hand["100001"]["S2"] - 1)):
        _post(fresh.tills[till], {"event_id": str(uuid.uuid4()), "seq": 900, "type":
                                  "reorder.set", "occurred_at": WHEN,
                                  "payload": {"sku": sku, "reorder_point": rp}})
    suggested = {st: {s.sku for s in purchasing.suggestions(central.engine, st)}
                 for st in ("S1", "S2")}
    assert "100002" in suggested["S1"] and "100001" not in suggested["S2"]

    with signed_in(central, OWNER) as c:
        for sku in ("100001", "100002"):
            html = c.get(f"/products/{sku}").text
            for store in ("S1", "S2"):
                row = re.search(rf'<tr data-store="{store}".*?</tr>', html, re.S)
                assert row, html
                low = "at or below reorder point" in row.group(0)
                assert low == (sku in suggested[store]), (sku, store)
        cola = c.get("/products/100002").text
        s1 = re.search(r'<tr data-store="S1".*?</tr>', cola, re.S).group(0)  # type: ignore[union-attr]
        assert re.search(rf'reorder-point">{on_hand["100002"]["S1"]} <span[^>]*>\(store', s1)
