"""Object-level authorization at the central, tried with real registers of the wrong store
(``init``, ``provision``, the real sync client, uvicorn on loopback; PostgreSQL when
``POS_TEST_PG_URL`` is set): an event that names another store's object — a transfer sent to
another store, another store's transfer id, purchase order or movement — is refused with 403
naming the field, nothing of it is stored, the register quarantines it and keeps sending the
rest, and the object stays as it was for the store it belongs to."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sync_helpers import CRISPS, SKU, WATER, Registers, make_register, ok, outbox_ids, pt

from pos_central.db import tables as ct
from pos_central.services import purchasing, transfers
from pos_central.testing import CentralHandle
from pos_protocol import wire
from pos_terminal.bootstrap import open_register


def provision(central: CentralHandle, d: Path, store: str, register: str) -> None:
    ok(d, "provision", "--central", central.url, "--code", central.enroll_code(store, register))


@pytest.fixture
def stores(central: CentralHandle, register: Registers, tmp_path: Path) -> dict[str, Path]:
    """Registers S1-R1, S2-R1 and S3-R1 (a third store), enrolled, with stock."""
    central.create_store("S3", "Dock")
    regs = {"S1": register("S1", "R1"), "S2": register("S2", "R1"),
            "S3": make_register(tmp_path / "s3", "S3", "R1")}
    for store, d in regs.items():
        provision(central, d, store, "R1")
        ok(d, "receive", f"{WATER}x50", f"{CRISPS}x20")
        ok(d, "sync", "--once")
    return regs


def sync(d: Path) -> dict[str, Any]:
    """One sync round; the register's status afterwards (its quarantined events and why)."""
    r = pt(d, "sync", "--once")
    assert r.code == 0, r.err
    return json.loads(ok(d, "sync", "--status", "--json"))


def quarantined(status: dict[str, Any]) -> dict[str, str]:
    return {q["event_id"]: q["reason"] for q in status["quarantined_events"]}


def newest_event(d: Path) -> str:
    return outbox_ids(d)[-1]


def tamper(d: Path, event_id: str, path: str, value: Any) -> None:
    """What a register that lies would send: one field of an outbox event's payload changed."""
    con = sqlite3.connect(d / "register.db")
    con.execute("UPDATE outbox SET payload = json_set(payload, ?, ?) WHERE event_id = ?",
                (path, value, event_id))
    con.commit()
    con.close()


def central_stock(central: CentralHandle, sku: str) -> dict[str, int]:
    return central.stock(sku)


def transfer_row(central: CentralHandle, tid: str) -> Any:
    with central.engine.connect() as conn:
        return conn.execute(select(ct.transfers).where(ct.transfers.c.id == tid)).one()


def test_a_transfer_is_received_only_by_its_target_store(
    central: CentralHandle, stores: dict[str, Path]
) -> None:
    s1, s2, s3 = stores["S1"], stores["S2"], stores["S3"]
    sent = json.loads(ok(s1, "transfer", "send", "--to", "S2", f"{WATER}x5", "--json"))
    sync(s1)
    (x,) = transfers.inbound(central.engine, "S2")
    before = central_stock(central, SKU[WATER])
    # S3's register is made to believe the transfer is its own, and receives it
    with open_register(s3) as app:
        app.sync.apply_transfers(transfers.other_stores(central.engine, "S3"),
                                 [replace(x, to_store="S3")])
    ok(s3, "transfer", "receive", x.number)
    bad = newest_event(s3)
    ok(s3, "sell", CRISPS, "--pay", "cash")  # and goes on selling
    sale = newest_event(s3)
    status = sync(s3)
    why = quarantined(status)[bad]
    assert "403" in why and "only S2 receives it, not S3" in why
    assert "payload.transfer_id" in why
    assert status["pending"] == 0 and sale not in quarantined(status)  # the rest arrived
    row = transfer_row(central, x.id)
    assert (row.status, row.received_at, row.problem) == ("in_transit", None, None)
    after = central_stock(central, SKU[WATER])
    assert after["S3"] == before["S3"]  # the 5 units were not booked at S3
    # the transfer is still open for S2, which receives it
    assert [t.id for t in transfers.inbound(central.engine, "S2")] == [x.id]
    sync(s2)
    ok(s2, "transfer", "receive", sent["number"])
    assert quarantined(sync(s2)) == {}
    assert transfer_row(central, x.id).status == "received"
    assert central_stock(central, SKU[WATER])["S2"] == before["S2"] + 5


def test_no_store_sends_under_another_stores_transfer_id(
    central: CentralHandle, stores: dict[str, Path]
) -> None:
    s1, s3 = stores["S1"], stores["S3"]
    ok(s1, "transfer", "send", "--to", "S2", f"{WATER}x4")
    sync(s1)
    (x,) = transfers.inbound(central.engine, "S2")
    ok(s3, "transfer", "send", "--to", "S1", f"{WATER}x1")
    bad = newest_event(s3)
    tamper(s3, bad, "$.transfer_id", x.id)
    why = quarantined(sync(s3))[bad]
    assert "403" in why and "cannot send under it" in why
    row = transfer_row(central, x.id)
    assert (row.from_store, row.to_store, row.status) == ("S1", "S2", "in_transit")


def test_a_purchase_order_is_received_only_by_its_own_store(
    central: CentralHandle, stores: dict[str, Path]
) -> None:
    s1, s2 = stores["S1"], stores["S2"]
    po = purchasing.create(central.engine, "S1", "AquaCo", [(SKU[WATER], 24, None)], send=True)
    before = central_stock(central, SKU[WATER])
    page = purchasing.open_for_register(central.engine, "S1")
    with open_register(s2) as app:  # S2's register is made to list S1's order
        app.sync.apply_purchase_orders(page)
    ok(s2, "po", "receive", po.number, f"{WATER}x24")
    bad = newest_event(s2)
    why = quarantined(sync(s2))[bad]
    assert "403" in why and "only S1 receives against it, not S2" in why and "po_id" in why
    assert purchasing.get(central.engine, po.id).lines[0].received == 0
    assert central_stock(central, SKU[WATER])["S2"] == before["S2"]
    sync(s1)  # S1 pulls its order and receives against it
    ok(s1, "po", "receive", po.number, f"{WATER}x24")
    assert quarantined(sync(s1)) == {}
    got = purchasing.get(central.engine, po.id)
    assert (got.status, got.lines[0].received) == ("received", 24)


def test_no_store_drafts_under_another_stores_purchase_order_id(
    central: CentralHandle, stores: dict[str, Path]
) -> None:
    s2 = stores["S2"]
    po = purchasing.create(central.engine, "S1", "AquaCo", [(SKU[WATER], 24, None)], send=True)
    ok(s2, "po", "draft", "--vendor", "Other Co", f"{WATER}x3")
    bad = newest_event(s2)
    tamper(s2, bad, "$.po_id", po.id)
    why = quarantined(sync(s2))[bad]
    assert "403" in why and "cannot draft under it" in why
    got = purchasing.get(central.engine, po.id)
    assert (got.store, got.vendor, [ln.ordered for ln in got.lines]) == ("S1", "AquaCo", [24])


def test_no_store_books_under_another_stores_movement_id(
    central: CentralHandle, stores: dict[str, Path]
) -> None:
    s3 = stores["S3"]
    with central.engine.connect() as conn:
        foreign = conn.execute(select(ct.movements.c.movement_id)
                               .where(ct.movements.c.store == "S1").limit(1)).scalar_one()
    before = central_stock(central, SKU[WATER])
    ok(s3, "sell", f"{WATER}x2", "--pay", "cash")
    bad = newest_event(s3)
    tamper(s3, bad, "$.movements[0].id", foreign)
    why = quarantined(sync(s3))[bad]
    assert "403" in why and "movements[0].id" in why
    assert central_stock(central, SKU[WATER]) == before  # neither store's stock moved


def test_a_403_naming_no_event_still_means_the_token(central: CentralHandle,
                                                      stores: dict[str, Path]) -> None:
    """The register tells the two 403s apart: a revoked token stops sending (nothing is
    quarantined), an event naming another store's object is quarantined."""
    s3 = stores["S3"]
    central.revoke("S3", "R1")
    ok(s3, "sell", CRISPS, "--pay", "cash")
    r = pt(s3, "sync", "--once")
    assert r.code == 1 and "not enrolled" in (r.out + r.err)
    assert json.loads(ok(s3, "sync", "--status", "--json"))["quarantined"] == 0


def test_the_wire_names_the_field(central: CentralHandle, stores: dict[str, Path]) -> None:
    """The same refusal as the register sees it, on the wire: 403 and the field."""
    import httpx

    s1 = stores["S1"]
    ok(s1, "transfer", "send", "--to", "S2", f"{WATER}x2")
    sync(s1)
    (x,) = transfers.inbound(central.engine, "S2")
    token = next(ln.split('"')[1] for ln in (stores["S3"] / "central.toml").read_text()
                 .splitlines() if ln.startswith("token"))
    event = {"event_id": "0190a3f0-0000-7000-8000-00000000ab01", "seq": 9000,
             "type": "stock.transferred_in", "occurred_at": "2026-11-24T10:00:00.000Z",
             "payload": {"transfer_id": x.id, "number": x.number, "from_store": "S1",
                         "lines": [{"sku": SKU[WATER], "sent": 2, "received": 2}],
                         "movements": []}}
    with httpx.Client(base_url=central.api, trust_env=False,
                      headers={"Authorization": f"Bearer {token}"}) as c:
        r = c.post("/events", json={"events": [event]})
    assert r.status_code == 403
    assert r.json()["field"] == "events[0].payload.transfer_id"
    assert wire.error_of(r.json())[0].startswith(f"transfer {x.number} was sent to S2")
    assert transfer_row(central, x.id).status == "in_transit"
