"""POST /events: stored once per event id, on-hand moved once per movement, per-event
rejections, gzip, unknown SKUs, proposals, concurrency."""

from __future__ import annotations

import gzip
import json
import threading
import uuid

import httpx
from central_helpers import World, counts, event, movement, sale

from pos_protocol import wire


def test_batch_is_stored_and_moves_on_hand(world: World) -> None:
    till = world["S1/R1"]
    batch = [sale("100001", 2), sale("100002", 1),
             event(movement("100001", 24, "receive"), type_="stock.received")]
    r = till.post(batch)
    assert r.status_code == 200, r.text
    answer = wire.parse_events_answer(r.json())
    assert list(answer.held) == [e["event_id"] for e in batch]
    assert answer.rejected == ()
    assert world.central.stock("100001") == {"S1": 22, "S2": 0}
    assert world.central.stock("100002") == {"S1": -1, "S2": 0}


def test_redelivery_stores_once_and_moves_once(world: World) -> None:
    till = world["S1/R1"]
    batch = [sale("100001", 3) for _ in range(5)]
    first = till.post(batch).json()
    before = counts(world.central)
    again = till.post(batch).json()  # the answer was lost; the register sends it all again
    assert again["held"] == first["held"] == [e["event_id"] for e in batch]
    assert counts(world.central) == before
    assert before["events"] == 5 and before["movements"] == 5
    assert world.central.stock("100001")["S1"] == -15


def test_repeated_event_inside_one_batch_counts_once(world: World) -> None:
    e = sale("100002", 1)
    r = world["S1/R1"].post([e, e, e]).json()
    assert r["held"] == [e["event_id"]]
    assert world.central.stock("100002")["S1"] == -1


def test_same_movement_in_two_events_moves_once(world: World) -> None:
    m = movement("100001", -1)
    world["S1/R1"].post([event(m), event(m)])
    assert world.central.stock("100001")["S1"] == -1
    assert counts(world.central)["movements"] == 1


def test_mixed_batch_rejects_only_the_invalid_event(world: World) -> None:
    good1, good2 = sale("100001", 1), sale("100002", 1)
    bad_qty = sale("100001", 1)
    bad_qty["payload"]["movements"][0]["quantity"] = "many"
    bad_type = sale()
    bad_type["type"] = "sale.exploded"
    not_object = 42
    bad_date = sale()
    bad_date["occurred_at"] = "2026-02-30T10:00:00Z"
    r = world["S1/R1"].post([good1, bad_qty, good2, bad_type, not_object, bad_date])
    assert r.status_code == 200
    body = r.json()
    assert body["held"] == [good1["event_id"], good2["event_id"]]
    rejected = {x["field"]: x for x in body["rejected"]}
    assert set(rejected) == {"events[1].payload.movements[0].quantity", "events[3].type",
                             "events[4]", "events[5].occurred_at"}
    assert rejected["events[1].payload.movements[0].quantity"]["event_id"] == bad_qty["event_id"]
    assert rejected["events[1].payload.movements[0].quantity"]["reason"] == "expected an integer"
    assert rejected["events[4]"]["event_id"] is None
    assert counts(world.central)["events"] == 2
    assert world.central.stock("100001")["S1"] == -1


def test_movement_id_twice_in_one_event_is_rejected(world: World) -> None:
    m = movement("100001", -1)
    e = event(m, dict(m))
    body = world["S1/R1"].post([e]).json()
    assert body["held"] == []
    assert body["rejected"][0]["field"] == "events[0].payload.movements[1].id"


def test_gzip_batch(world: World) -> None:
    batch = [sale("100001", 1) for _ in range(50)]
    raw = gzip.compress(json.dumps({"events": batch}).encode())
    r = world["S1/R1"].client.post("/events", content=raw, headers={
        "Content-Encoding": "gzip", "Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    assert len(r.json()["held"]) == 50
    assert world.central.stock("100001")["S1"] == -50


def test_unknown_sku_is_stored_counted_and_flagged(world: World) -> None:
    r = world["S1/R1"].post([sale("NEW-1", 2), event(movement("NEW-1", 10, "receive"),
                                                     type_="stock.received")])
    assert len(r.json()["held"]) == 2
    assert world.central.stock("NEW-1") == {"S1": 8, "S2": 0}
    flagged = world.admin.get("/admin/unknown-skus").json()["unknown_skus"]
    assert [(f["sku"], f["store"], f["on_hand"]) for f in flagged] == [("NEW-1", "S1", 8)]
    stock = world.admin.get("/admin/stock/NEW-1").json()
    assert stock["known"] is False and stock["on_hand"] == {"S1": 8, "S2": 0}
    # the product arrives in the catalog: no longer flagged, its on-hand kept
    world.central.import_catalog_csv("sku,name,tax_class,price\nNEW-1,New thing,STD,1.00\n")
    assert world.admin.get("/admin/unknown-skus").json()["unknown_skus"] == []
    assert world.central.stock("NEW-1") == {"S1": 8, "S2": 0}


def test_store_and_register_come_from_the_token(world: World) -> None:
    e = sale("100001", 1)
    e["payload"]["store"] = "S2"
    r = world["S1/R2"].post([e], store="S2", register="R9")
    assert r.status_code == 200
    assert world.central.stock("100001") == {"S1": -1, "S2": 0}
    sibling = world["S1/R1"].client.get("/movements").json()["movements"]
    assert [m["register"] for m in sibling] == ["R2"]


def test_event_id_held_for_another_register_is_rejected(world: World) -> None:
    e = sale("100001", 1)
    assert world["S1/R1"].post([e]).json()["held"] == [e["event_id"]]
    body = world["S2/R1"].post([e]).json()
    assert body["held"] == []
    assert body["rejected"] == [{"event_id": e["event_id"], "field": "events[0].event_id",
                                 "reason": "this event id is already held for another register"}]
    assert world.central.stock("100001") == {"S1": -1, "S2": 0}


def test_status_shows_contact_backlog_and_clock(world: World) -> None:
    till = world["S1/R1"]
    till.post([sale(), sale()], pending=7)
    got = wire.parse_status(till.client.get("/status").json())
    assert (got.store, got.register, got.events_held, got.pending) == ("S1", "R1", 2, 7)
    assert got.last_seq is not None and got.last_contact_at is not None
    assert got.catalog_version == 3
    listed = {(x["store"], x["register"]): x
              for x in world.admin.get("/admin/registers").json()["registers"]}
    assert listed[("S1", "R1")]["events_held"] == 2
    assert listed[("S1", "R1")]["pending"] == 7
    assert listed[("S1", "R2")]["events_held"] == 0


def test_product_proposal_is_adopted_when_an_admin_accepts(world: World) -> None:
    product = {"sku": "P-9", "name": "Local honey", "tax_class": "RED", "price": 699,
               "barcodes": [{"code": "4006381333931"}]}
    proposal = event(type_="product.proposed", product=product)
    sold = sale("P-9", 1)
    body = world["S1/R1"].post([proposal, sold]).json()
    assert len(body["held"]) == 2
    pending = world.admin.get("/admin/proposals").json()["proposals"]
    assert [(p["sku"], p["store"], p["register"]) for p in pending] == [("P-9", "S1", "R1")]
    version_before = world["S1/R2"].client.get("/catalog").json()["version"]
    r = world.admin.post(f"/admin/proposals/{pending[0]['id']}/accept")
    assert r.status_code == 200, r.text
    page = world["S1/R2"].client.get("/catalog", params={"since": version_before}).json()
    assert [(p["sku"], p["price"]) for p in page["products"]] == [("P-9", 699)]
    assert world.central.stock("4006381333931") == {"S1": -1, "S2": 0}
    assert world.admin.get("/admin/unknown-skus").json()["unknown_skus"] == []
    again = world.admin.post(f"/admin/proposals/{pending[0]['id']}/accept")
    assert again.status_code == 409


def test_invalid_proposal_is_a_per_event_rejection(world: World) -> None:
    bad = event(type_="product.proposed", product={"sku": "P-1", "name": "x"})
    body = world["S1/R1"].post([bad]).json()
    assert body["rejected"][0]["field"] == "events[0].payload.product.tax_class"
    assert counts(world.central)["product_proposals"] == 0


def test_concurrent_overlapping_batches_store_each_event_once(world: World) -> None:
    events = [sale("100001", 1) for _ in range(300)]
    # two threads, each sending overlapping windows of the same events, several times
    windows = [events[0:200], events[100:300], events[50:250], events[0:300]]
    errors: list[BaseException] = []

    def post_all(order: list[list[dict]]) -> None:
        try:
            with httpx.Client(base_url=world.central.api, timeout=60, trust_env=False,
                              headers={"Authorization": f"Bearer {world['S1/R1'].token}"}) as c:
                for batch in order:
                    r = c.post("/events", json={"events": batch})
                    assert r.status_code == 200, r.text
                    assert r.json()["held"] == [e["event_id"] for e in batch]
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=post_all, args=(windows,)),
               threading.Thread(target=post_all, args=(windows[::-1],))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    got = counts(world.central)
    assert (got["events"], got["movements"]) == (300, 300)
    assert world.central.stock("100001") == {"S1": -300, "S2": 0}


def test_two_stores_ingest_in_parallel(world: World) -> None:
    def post(key: str) -> None:
        for _ in range(5):
            world[key].post([sale("100002", 1) for _ in range(40)])

    threads = [threading.Thread(target=post, args=(k,)) for k in ("S1/R1", "S1/R2", "S2/R1")]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert world.central.stock("100002") == {"S1": -400, "S2": -200}


def test_event_ids_are_uuids_of_any_version(world: World) -> None:
    e = sale()
    e["event_id"] = str(uuid.uuid1())
    assert world["S1/R1"].post([e]).json()["held"] == [e["event_id"]]


def test_text_a_database_cannot_hold_is_refused_naming_its_field(world: World) -> None:
    """A NUL or half a surrogate pair anywhere in an event (typed fields and free payload
    alike): the batch is refused (422) naming the field, nothing stored; the register
    quarantines that event and sends the rest, which are then held."""
    nul = event(movement("A\x00B", -1))
    surrogate = event(movement("100001", -1, reason="bad \ud800 text"))
    odd_payload = sale("100002", 1)
    odd_payload["payload"]["note"] = "lone \ud800 surrogate, NUL \x00 inside"
    good = sale("100002", 1)
    batch = [nul, surrogate, odd_payload, good]
    fields = []
    while len(batch) > 1:
        raw = json.dumps({"events": batch}).encode()  # \u escapes
        r = world["S1/R1"].client.post("/events", content=raw)
        assert r.status_code == 422, r.text
        fields.append(r.json()["field"])
        assert world.central.stock("100002").get("S1", 0) == 0  # nothing of the batch stored
        batch = batch[1:]  # what the register does: quarantine events[0], send the rest
    assert fields == ["events[0].payload.movements[0].sku",
                      "events[0].payload.movements[0].reason", "events[0].payload.note"]
    r = world["S1/R1"].client.post("/events", content=json.dumps({"events": batch}).encode())
    assert r.status_code == 200 and r.json()["held"] == [good["event_id"]]
    assert world.central.stock("100002")["S1"] == -1


def test_nan_is_not_json(world: World) -> None:
    raw = b'{"events": [], "pad": NaN}'
    r = world["S1/R1"].client.post("/events", content=raw)
    assert r.status_code == 422 and r.json()["field"] == "body"
