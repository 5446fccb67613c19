"""End to end against a real central (uvicorn on loopback; PostgreSQL when ``POS_TEST_PG_URL``
is set): provisioning, offline sales that converge, quarantine of a poison event, a revoked
token, ``doctor central`` and the sync lock across processes."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sync_helpers import (
    COLA,
    CRISPS,
    EXTRA,
    HONEY,
    SKU,
    WATER,
    Registers,
    assert_converged,
    central_events,
    local_on_hand,
    ok,
    outbox_ids,
    own_sum,
    pt,
)

from pos_central.testing import CentralHandle


def provision(central: CentralHandle, d: Path, store: str, register: str) -> str:
    code = central.enroll_code(store, register)
    return ok(d, "provision", "--central", central.url, "--code", code)


def test_provision_stores_url_and_token_owner_only(central: CentralHandle,
                                                    register: Registers) -> None:
    d = register("S1", "R1")
    out = provision(central, d, "S1", "R1")
    f = d / "central.toml"
    assert stat.S_IMODE(f.stat().st_mode) == 0o600
    token = next(line.split('"')[1] for line in f.read_text().splitlines()
                 if line.startswith("token"))
    assert token and token not in out
    status = pt(d, "sync", "--status", "--json")
    assert token not in status.out
    assert json.loads(status.out)["central"] == central.url
    assert "S1-R1 enrolled" in out
    assert pt(d, "sync", "--once").code == 0


def test_provision_refuses_bad_codes_and_stores_nothing(central: CentralHandle,
                                                        register: Registers) -> None:
    d = register("S1", "R1")
    r = pt(d, "provision", "--central", central.url, "--code", "ABCD-EFGH-JKLM-NPQR")
    assert r.code == 1 and "unknown enrollment code" in r.err and len(r.err.splitlines()) == 1
    assert not (d / "central.toml").exists()
    other = central.enroll_code("S1", "R2")  # a valid code for another register
    r = pt(d, "provision", "--central", central.url, "--code", other)
    assert r.code == 1 and "register R2 of store S1" in r.err and "not used" in r.err
    assert not (d / "central.toml").exists()
    r2 = register("S1", "R2")  # the code was not spent on the wrong register
    assert pt(r2, "provision", "--central", central.url, "--code", other).code == 0
    r = pt(d, "provision", "--central", central.url, "--code", other)  # now used
    assert r.code == 1 and "already used" in r.err and "not used" not in r.err
    r = pt(d, "sync", "--once")
    assert r.code == 1 and "not provisioned" in r.err
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = pt(d, "provision", "--central", f"http://127.0.0.1:{port}", "--code", other)
    assert r.code == 1 and "cannot connect" in r.err and len(r.err.splitlines()) == 1
    assert not (d / "central.toml").exists()


def test_offline_registers_converge(central: CentralHandle, register: Registers) -> None:
    r1, r2, s2 = register("S1", "R1"), register("S1", "R2"), register("S2", "R1")
    regs = {"S1-R1": r1, "S1-R2": r2, "S2-R1": s2}
    for name, d in regs.items():
        provision(central, d, *name.split("-"))
    # offline: deliveries, sales, a return, a count, on every register
    for d in regs.values():
        ok(d, "receive", f"{WATER}x24", f"{COLA}x12", f"{CRISPS}x10")
    ok(r1, "sell", f"{WATER}x3", COLA, "--pay", "cash")
    receipt = json.loads(ok(r1, "sell", f"{CRISPS}x2", "--pay", "cash", "--json"))["receipt_no"]
    ok(r1, "return", receipt, CRISPS)
    ok(r2, "sell", f"{WATER}x5", f"{CRISPS}x4", "--pay", "cash")
    ok(r2, "count", COLA, "9")
    ok(r2, "receive", f"{HONEY}x6")
    ok(r2, "sell", f"{HONEY}x2", "--pay", "cash")  # a product the central does not know yet
    ok(s2, "sell", f"{WATER}x7", "--pay", "cash")
    ok(r1, "sell", WATER, "--pay", "cash", "--training")  # never leaves the register
    # online: rounds in an order that makes every register pull the others' rows; the third
    # carries R2's count correction (R1's offline delivery and sale came before R2's count,
    # services/counting.py) to R1
    for _ in range(3):
        for d in regs.values():
            assert "sync ok" in ok(d, "sync", "--once")
    assert_converged(central, regs, [SKU[WATER], SKU[COLA], SKU[CRISPS]])
    assert local_on_hand(r1, SKU[WATER]) == 24 + 24 - 3 - 5  # own and R2's, not S2's
    moves = json.loads(ok(r1, "stock", WATER, "--json", "--movements", "20"))["movements"]
    assert sorted((m["terminal"], m["kind"], m["quantity"]) for m in moves) == sorted([
        ("S1-R1", "receive", 24), ("S1-R1", "sale", -3),
        ("R2", "receive", 24), ("R2", "sale", -5)])  # the sum is the on-hand shown
    assert central.stock(SKU[HONEY])["S1"] == 4  # stored, though unknown to the catalog
    status = json.loads(ok(r1, "sync", "--status", "--json"))
    assert status["unbound_sibling_movements"] == 2 and status["pending"] == 0
    # the central adopts the product and changes a price: both reach the register
    central.import_catalog_csv(EXTRA)
    central.set_price(SKU[COLA], 129)
    ok(r1, "sync", "--once")
    assert local_on_hand(r1, SKU[HONEY]) == 4 == own_sum(r2, SKU[HONEY])
    cola = json.loads(ok(r1, "price", COLA, "--json"))
    assert cola["price"] == "1.29"
    assert json.loads(ok(r1, "sync", "--status", "--json"))["unbound_sibling_movements"] == 0
    assert ok(r1, "verify").startswith("verify ok")
    # a re-sync changes nothing anywhere
    before = central_events(central)
    for d in regs.values():
        ok(d, "sync", "--once")
    assert central_events(central) == before


@pytest.mark.reliability  # also part of the reliability suite (tests/reliability/)
def test_a_poison_event_is_quarantined_and_the_rest_arrive(central: CentralHandle,
                                                           register: Registers) -> None:
    d = register("S1", "R1")
    provision(central, d, "S1", "R1")
    ok(d, "receive", f"{WATER}x10")
    for _ in range(6):
        ok(d, "sell", WATER, "--pay", "cash")
    ids = outbox_ids(d)
    poison, broken = ids[2], ids[5]
    import sqlite3

    con = sqlite3.connect(d / "register.db")
    # valid JSON the central refuses (a per-event rejection) ...
    con.execute("UPDATE outbox SET payload = json_replace(payload, '$.movements[0].quantity', "
                "'lots') WHERE event_id = ?", (poison,))
    # ... and a payload damaged inside its braces: the batch is not JSON, the central refuses
    # it whole (422), the worker bisects down to the row
    con.execute("UPDATE outbox SET payload = '{\"movements\": [}' WHERE event_id = ?",
                (broken,))
    con.commit()
    con.close()
    r = pt(d, "sync", "--once")
    assert r.code == 0 and "2 event(s) quarantined" in r.out
    held = central_events(central)["S1-R1"]
    assert sorted(held) == sorted(set(ids) - {poison, broken})
    st = json.loads(ok(d, "sync", "--status", "--json"))
    assert st["pending"] == 0 and st["quarantined"] == 2
    q = {x["event_id"]: x["reason"] for x in st["quarantined_events"]}
    assert "quantity" in q[poison] and "422" in q[broken]
    assert poison in ok(d, "sync", "--status")
    doc = pt(d, "doctor", "central")
    assert doc.code == 1 and "quarantined" in doc.out
    assert central.stock(SKU[WATER])["S1"] == 10 - 4  # the two poison sales are not counted


def test_a_revoked_token_says_run_provision(central: CentralHandle, register: Registers) -> None:
    d = register("S1", "R1")
    provision(central, d, "S1", "R1")
    ok(d, "sell", WATER, "--pay", "cash")
    central.revoke("S1", "R1")
    r = pt(d, "sync", "--once")
    assert r.code == 1
    assert r.err.strip().startswith("error: not enrolled / token revoked: run pos-terminal "
                                     "provision")
    assert len(r.err.splitlines()) == 1
    doc = pt(d, "doctor", "central")
    assert doc.code == 1 and "FAIL  token" in doc.out
    provision(central, d, "S1", "R1")  # a new code re-enrolls the register
    assert pt(d, "sync", "--once").code == 0
    assert len(central_events(central)["S1-R1"]) == 1


def test_doctor_central(central: CentralHandle, register: Registers) -> None:
    d = register("S1", "R1")
    r = pt(d, "doctor", "central")
    assert r.code == 1 and "FAIL  config" in r.out and "provision" in r.out
    provision(central, d, "S1", "R1")
    r = pt(d, "doctor", "central")
    lines = r.out.splitlines()
    assert r.code == 0, r.out
    assert [line.split()[:2] for line in lines] == [
        ["ok", "config"], ["ok", "reachable"], ["ok", "token"], ["ok", "clock"],
        ["ok", "backlog"]]
    assert "answered in" in lines[1]
    assert "behind" in lines[3] or "ahead" in lines[3]
    js = pt(d, "doctor", "central", "--json")
    assert all(json.loads(x)["result"] == "ok" for x in js.out.splitlines())
    os.chmod(d / "central.toml", 0o644)
    r = pt(d, "doctor", "central")
    assert r.code == 1 and "chmod 600" in r.out
    os.chmod(d / "central.toml", 0o600)
    central.stop()  # the central goes away
    r = pt(d, "doctor", "central")
    assert r.code == 1 and "FAIL  reachable" in r.out and "cannot connect" in r.out
    r = pt(d, "sync", "--once")
    assert r.code == 1 and "cannot connect" in r.err and len(r.err.splitlines()) == 1


def test_a_second_process_cannot_sync_the_same_register(central: CentralHandle,
                                                        register: Registers) -> None:
    d = register("S1", "R1")
    provision(central, d, "S1", "R1")
    ok(d, "sell", WATER, "--pay", "cash")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "pos_terminal", "--data-dir", str(d), "sync"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 30
        for line in proc.stdout:  # the foreground worker prints its status lines
            if "online, 0 pending" in line:
                break
            assert time.monotonic() < deadline
        r = pt(d, "sync", "--once")
        assert r.code == 1 and f"(pid {proc.pid})" in r.err
        assert f"running (pid {proc.pid})" in ok(d, "sync", "--status")
        proc.send_signal(signal.SIGKILL)  # the lock dies with its holder
        proc.wait(10)
        assert pt(d, "sync", "--once").code == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert len(central_events(central)["S1-R1"]) == 1
