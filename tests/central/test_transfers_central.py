"""Transfers at the central over HTTP: ingest of ``stock.transferred_out`` / ``_in`` (idempotent,
out of order, flagged but never refused over reference data), ``GET /stores``,
``GET /transfers`` and the admin list."""

from __future__ import annotations

import uuid
from typing import Any

from central_helpers import World, event, movement
from sqlalchemy import select

from pos_central.db import tables as t


def sent(to: str = "S2", qty: int = 10, sku: str = "100001",
         transfer_id: str | None = None) -> tuple[str, dict[str, Any]]:
    tid = transfer_id or str(uuid.uuid4())
    return tid, event(movement(sku, -qty, "transfer_out", reference=tid),
                      type_="stock.transferred_out", transfer_id=tid, number="T-S1-R1-000001",
                      to_store=to, lines=[{"sku": sku, "quantity": qty}])


def received(tid: str, got: int, sent_: int = 10, sku: str = "100001", damaged: int = 0,
             from_: str = "S1") -> dict[str, Any]:
    moves = [movement(sku, got, "transfer_in", reference=tid)] if got else []
    return event(*moves, type_="stock.transferred_in", transfer_id=tid,
                 number="T-S1-R1-000001", from_store=from_,
                 lines=[{"sku": sku, "sent": sent_, "received": got, "damaged": damaged}])


def row(world: World, tid: str) -> tuple[Any, list[tuple[str, int, int | None, int]]]:
    tr, tl = t.transfers, t.transfer_lines
    with world.central.engine.connect() as conn:
        r = conn.execute(select(tr).where(tr.c.id == tid)).one()
        lines = [(x.sku, x.sent, x.received, x.damaged) for x in conn.execute(
            select(tl).where(tl.c.transfer_id == tid).order_by(tl.c.sku))]
    return r, lines


def held(resp: Any) -> list[str]:
    assert resp.status_code == 200, resp.text
    return list(resp.json()["held"])


def test_out_then_in_moves_stock_and_closes_the_transfer_once(world: World) -> None:
    s1, s2 = world["S1/R1"], world["S2/R1"]
    tid, out = sent()
    assert held(s1.post([out])) == [out["event_id"]]
    assert held(s1.post([out])) == [out["event_id"]]  # redelivered: nothing twice
    r, lines = row(world, tid)
    assert (r.status, r.from_store, r.to_store, r.problem) == ("in_transit", "S1", "S2", None)
    assert lines == [("100001", 10, None, 0)]

    pending = s2.client.get("/transfers").json()["transfers"]
    assert [(x["id"], x["from_store"], x["status"], x["lines"]) for x in pending] == [
        (tid, "S1", "in_transit", [{"sku": "100001", "sent": 10}])]
    assert s1.client.get("/transfers").json() == {"transfers": []}  # not S1's to receive

    inn = received(tid, 9)
    assert held(s2.post([inn])) == [inn["event_id"]]
    held(s2.post([inn]))
    r, lines = row(world, tid)
    assert (r.status, r.problem) == ("received_with_discrepancies", None)
    assert lines == [("100001", 10, 9, 0)]
    assert s2.client.get("/transfers").json() == {"transfers": []}
    assert world.central.stock("100001") == {"S1": -10, "S2": 9}


def test_everything_as_sent_is_received_without_discrepancies(world: World) -> None:
    tid, out = sent(qty=4)
    held(world["S1/R1"].post([out]))
    held(world["S2/R1"].post([received(tid, 4, sent_=4)]))
    assert row(world, tid)[0].status == "received"


def test_reference_problems_are_stored_and_flagged(world: World) -> None:
    s1, s2 = world["S1/R1"], world["S2/R1"]
    unknown_id, unknown = sent(to="S9")
    own_id, own = sent(to="S1")
    assert held(s1.post([unknown, own])) == [unknown["event_id"], own["event_id"]]
    assert row(world, unknown_id)[0].problem == "sent to S9, a store the central does not know"
    assert row(world, own_id)[0].problem == "sent by S1 to its own store"
    # a receipt arriving before the sender's event, then the sender's event
    tid = str(uuid.uuid4())
    held(s2.post([received(tid, 5, sent_=5)]))
    r, _ = row(world, tid)
    assert r.problem == "received before the sending store's event arrived"
    held(s1.post([sent(qty=5, transfer_id=tid)[1]]))
    r, lines = row(world, tid)
    assert (r.status, r.problem, lines) == ("received", None, [("100001", 5, 5, 0)])
    # received twice by its store (two registers offline): both stocks booked, flagged
    tid2, out = sent(qty=2)
    held(s1.post([out]))
    held(s2.post([received(tid2, 2, sent_=2)]))
    held(s2.post([received(tid2, 2, sent_=2)]))  # again, under another event id
    r, _ = row(world, tid2)
    assert r.status == "received" and r.problem is not None and "received again by S2" in \
        r.problem
    # ... and by a store it was not sent to: refused (403), nothing changes
    wrong = world["S1/R2"].post([received(tid2, 2, sent_=2)])
    assert wrong.status_code == 403
    assert wrong.json()["field"] == "events[0].payload.transfer_id"
    assert row(world, tid2)[0].problem == r.problem
    listed = world.admin.get("/admin/transfers", params={"store": "S2"}).json()["transfers"]
    assert {x["id"] for x in listed} == {tid, tid2}
    flagged = world.admin.get("/admin/transfers", params={"store": "S9"}).json()["transfers"]
    assert [(x["id"], x["status"]) for x in flagged] == [(unknown_id, "in_transit")]


def test_malformed_transfer_events_are_rejected_with_their_field(world: World) -> None:
    s1 = world["S1/R1"]
    tid, out = sent()
    out["payload"]["lines"] = []
    _, positive = sent()
    positive["payload"]["movements"][0]["quantity"] = 3
    bad_in = received(tid, 1)
    bad_in["payload"]["lines"][0]["received"] = -1
    got = s1.post([out, positive, bad_in]).json()
    assert got["held"] == []
    assert [r["field"] for r in got["rejected"]] == [
        "events[0].payload.lines", "events[1].payload.movements[0]",
        "events[2].payload.lines[0].received"]


def test_stores_lists_the_other_stores_and_needs_a_register_token(world: World) -> None:
    assert world["S1/R1"].client.get("/stores").json() == {
        "stores": [{"code": "S2", "name": "Harbour"}]}
    assert world["S2/R1"].client.get("/stores").json()["stores"][0]["code"] == "S1"
    import httpx

    with httpx.Client(base_url=world.central.api, trust_env=False) as anon:
        assert anon.get("/stores").status_code == 401
        assert anon.get("/transfers").status_code == 401
