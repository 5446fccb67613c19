"""A stock transfer between two real registers of two stores through a real central service
(uvicorn on loopback; PostgreSQL when ``POS_TEST_PG_URL`` is set, else SQLite), driven through
the ``pos-terminal`` command like a person at each register would."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from pos_central.db import tables as ct
from pos_central.testing import CentralHandle

from support import central_with_stores, ok, pt

CATALOG = """sku,name,variant,department,tax_class,unit,price,price_per,cost,barcodes
200001,Still Water,0.5 l,Beverages,RED,each,0.59,1,0.34,4037674097186|24037674097180*6=2.99
200002,Cola,0.33 l,Beverages,STD,each,1.19,1,0.60,5449000000996
"""
WATER, WATER_6, COLA = "4037674097186", "24037674097180", "5449000000996"


def on_hand(data_dir: Path, sku: str) -> int:
    con = sqlite3.connect(data_dir / "register.db")
    try:
        row = con.execute("SELECT coalesce(l.on_hand, 0) FROM products p LEFT JOIN stock_levels "
                          "l ON l.product_id = p.id WHERE p.sku = ?", (sku,)).fetchone()
    finally:
        con.close()
    return int(row[0])


@pytest.fixture
def central() -> Iterator[CentralHandle]:
    with central_with_stores(CATALOG) as handle:
        yield handle


@pytest.fixture
def registers(central: CentralHandle, tmp_path: Path) -> dict[str, Path]:
    """S1-R1, S2-R1 and S2-R2: initialised, catalog imported, provisioned."""
    (tmp_path / "catalog.csv").write_text(CATALOG)
    out = {}
    for store, reg in (("S1", "R1"), ("S2", "R1"), ("S2", "R2")):
        d = tmp_path / f"{store}-{reg}"
        ok(d, "init", "--store", store, "--register", reg)
        ok(d, "import-catalog", str(tmp_path / "catalog.csv"))
        ok(d, "provision", "--central", central.url, "--code",
           central.enroll_code(store, reg))
        out[f"{store}-{reg}"] = d
    return out


def central_transfer(central: CentralHandle, transfer_id: str) -> tuple[Any, list[Any]]:
    tr, tl = ct.transfers, ct.transfer_lines
    with central.engine.connect() as conn:
        row = conn.execute(select(tr).where(tr.c.id == transfer_id)).one()
        lines = conn.execute(select(tl).where(tl.c.transfer_id == transfer_id)
                             .order_by(tl.c.sku)).all()
    return row, lines


def test_transfer_between_two_stores_through_the_central(
    central: CentralHandle, registers: dict[str, Path]
) -> None:
    s1, s2a, s2b = registers["S1-R1"], registers["S2-R1"], registers["S2-R2"]
    ok(s1, "receive", f"{WATER}x20", f"{COLA}x5")
    for d in registers.values():
        ok(d, "sync", "--once")  # S1's opening stock goes up; everyone learns the stores
    assert central.stock("200001") == {"S1": 20, "S2": 0}

    # S1 sends 10 waters (a six-pack and four singles); on-hand drops at once, offline.
    sent = json.loads(ok(s1, "transfer", "send", "--to", "S2", WATER_6, f"{WATER}x4",
                         "--json"))
    assert sent["number"] == "T-S1-R1-000001"
    assert [(ln["sku"], ln["sent"]) for ln in sent["lines"]] == [("200001", 10)]
    assert on_hand(s1, "200001") == 10
    ok(s1, "sync", "--once")
    row, _ = central_transfer(central, sent["id"])
    assert (row.status, row.from_store, row.to_store, row.problem) == (
        "in_transit", "S1", "S2", None)

    # Both registers of S2 pull the pending transfer.
    ok(s2a, "sync", "--once")
    ok(s2b, "sync", "--once")
    for d in (s2a, s2b):
        listed = json.loads(ok(d, "transfer", "list", "--json"))["inbound"]
        assert [(x["number"], x["status"], x["from_store"], x["lines"][0]["sent"])
                for x in listed] == [("T-S1-R1-000001", "pending", "S1", 10)]

    # S2-R1 receives 9 (1 short): on hand at once; a second receipt here is refused.
    got = json.loads(ok(s2a, "transfer", "receive", "T-S1-R1-000001", f"{WATER}x9", "--json"))
    assert got["discrepancies"] == [{"sku": "200001", "kind": "short", "quantity": 1}]
    assert on_hand(s2a, "200001") == 9
    again = pt(s2a, "transfer", "receive", "T-S1-R1-000001")
    assert again.code == 1 and "already received" in again.err
    assert len(again.err.strip().splitlines()) == 1
    ok(s2a, "sync", "--once")

    # The central: S1 -10, S2 +9, the transfer closed with its discrepancy.
    assert central.stock("200001") == {"S1": 10, "S2": 9}
    row, lines = central_transfer(central, sent["id"])
    assert row.status == "received_with_discrepancies" and row.received_at is not None
    assert [(ln.sku, ln.sent, ln.received, ln.damaged) for ln in lines] == [
        ("200001", 10, 9, 0)]

    # S2's second register sees it received after its next sync and cannot receive it again.
    ok(s2b, "sync", "--once")
    assert json.loads(ok(s2b, "transfer", "list", "--json"))["inbound"] == []
    twice = pt(s2b, "transfer", "receive", "T-S1-R1-000001", f"{WATER}x9")
    assert twice.code == 1 and "already received" in twice.err
    assert on_hand(s2b, "200001") == 9  # R1's receipt, pulled as a sibling movement
    assert central.stock("200001") == {"S1": 10, "S2": 9}
    for d in registers.values():
        assert ok(d, "verify").startswith("verify ok")


def test_a_sibling_receipt_pulled_before_the_transfer_list_still_blocks_a_second_receipt(
    central: CentralHandle, registers: dict[str, Path]
) -> None:
    """R2 still lists the transfer as pending but already holds R1's transfer_in movements."""
    s1, s2a, s2b = registers["S1-R1"], registers["S2-R1"], registers["S2-R2"]
    ok(s1, "receive", f"{COLA}x3")
    ok(s1, "sync", "--once")
    sent = json.loads(ok(s1, "transfer", "send", "--to", "S2", f"{COLA}x3", "--json"))
    ok(s1, "sync", "--once")
    ok(s2a, "sync", "--once")
    ok(s2b, "sync", "--once")
    ok(s2a, "transfer", "receive", sent["number"])
    ok(s2a, "sync", "--once")
    # only the sibling movements reach R2 (as if its transfer list were not pulled yet)
    con = sqlite3.connect(s2b / "register.db")
    try:
        assert con.execute("SELECT status FROM transfers WHERE id = ?",
                           (sent["id"],)).fetchone() == ("pending",)
    finally:
        con.close()
    from pos_terminal.bootstrap import open_register
    from pos_terminal.services.sync import SyncService
    from pos_terminal.sync.client import CentralClient
    from pos_terminal.sync.settings import load_central

    with open_register(s2b) as app:
        settings = load_central(app.paths)
        assert settings is not None
        with CentralClient.from_settings(settings) as client:
            SyncService(app.ctx).apply_movements(client.movements(0), "R2")
    r = pt(s2b, "transfer", "receive", sent["number"])
    assert r.code == 1 and "already received" in r.err
    row, _ = central_transfer(central, sent["id"])
    assert row.status == "received"
    assert central.stock("200002") == {"S1": 0, "S2": 3}


def test_sending_is_refused_to_its_own_or_an_unknown_store_and_for_more_than_on_hand(
    central: CentralHandle, registers: dict[str, Path]
) -> None:
    s1 = registers["S1-R1"]
    ok(s1, "receive", f"{WATER}x2")
    before = on_hand(s1, "200001")
    own = pt(s1, "transfer", "send", "--to", "S1", WATER)
    assert own.code == 1 and "this store" in own.err
    # before the first pull the register cannot know the stores: it sends (works offline) ...
    offline = pt(s1, "transfer", "send", "--to", "S9", WATER)
    assert offline.code == 0
    ok(s1, "sync", "--once")  # ... and the central stores it, flagged
    with central.engine.connect() as conn:
        problem = conn.execute(select(ct.transfers.c.problem)).scalar_one()
    assert problem == "sent to S9, a store the central does not know"
    # once the stores are known, an unknown store is refused before anything is posted
    unknown = pt(s1, "transfer", "send", "--to", "S9", WATER)
    assert unknown.code == 1 and "no store S9" in unknown.err and "S2" in unknown.err
    too_many = pt(s1, "transfer", "send", "--to", "S2", f"{WATER}x5")
    assert too_many.code == 1 and "only 1 on hand" in too_many.err
    assert on_hand(s1, "200001") == before - 1
