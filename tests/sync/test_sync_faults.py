"""Delivery under failure, against a real central: the sync process SIGKILLed between the
central's commit and mark-sent, many times; and a fault-injecting proxy (resets, answers lost
after the commit, latency, 5xx). Zero lost, zero duplicated, every register converges.

``POS_SYNC_KILLS`` sets the number of kills (20 by default, for CI), ``POS_SYNC_SEED`` the seed.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from sync_helpers import (
    COLA,
    CRISPS,
    SKU,
    WATER,
    Registers,
    assert_converged,
    central_events,
    local_on_hand,
    ok,
    outbox_ids,
    outbox_status,
)

from pos_central.testing import CentralHandle
from pos_terminal.bootstrap import open_register
from pos_terminal.config import Paths
from pos_terminal.services.sync import SyncService, build_worker
from pos_terminal.sync.settings import load_central, save_central
from pos_terminal.sync.worker import KILL_HOOK

from fault_proxy import FaultProxy

KILLS = int(os.environ.get("POS_SYNC_KILLS", "20"))
SEED = int(os.environ.get("POS_SYNC_SEED", "20261124"))
SKUS = [SKU[WATER], SKU[COLA], SKU[CRISPS]]


def provision(central: CentralHandle, d: Path, store: str, register: str, **tune: object) -> None:
    code = central.enroll_code(store, register)
    ok(d, "provision", "--central", central.url, "--code", code)
    if tune:
        paths = Paths(d)
        s = load_central(paths)
        assert s is not None
        save_central(paths, replace(s, **tune))  # type: ignore[arg-type]


def test_sigkill_between_commit_and_mark_sent(central: CentralHandle,
                                              register: Registers) -> None:
    d = register("S1", "R1")
    provision(central, d, "S1", "R1", batch_events=3)
    ok(d, "receive", f"{WATER}x500", f"{COLA}x500")
    for i in range(24):
        ok(d, "sell", f"{WATER}x{1 + i % 3}", *([COLA] if i % 2 else []), "--pay", "cash")
    rng = random.Random(SEED)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    killed = redelivered = 0
    for i in range(KILLS):
        before = set(outbox_ids(d)) - pending_ids(d)
        proc = subprocess.run(
            [sys.executable, "-m", "pos_terminal", "--data-dir", str(d), "sync", "--once"],
            env={**env, KILL_HOOK: str(rng.randint(1, 2))}, capture_output=True, text=True,
            timeout=60)
        assert proc.returncode in (0, -9), proc.stderr
        if proc.returncode == -9:
            killed += 1
            held = set(central_events(central)["S1-R1"])
            # the central committed what the register has not marked: it will be sent again
            unmarked = held & pending_ids(d)
            assert unmarked, f"kill {i}: the answer's batch should be held but unmarked"
            redelivered += len(unmarked)
        assert before <= set(outbox_ids(d)) - pending_ids(d)  # sent stays sent
        ok(d, "sell", WATER, "--pay", "cash")  # life goes on between crashes
    assert killed >= KILLS * 2 // 3, f"only {killed} of {KILLS} runs were killed"
    ok(d, "sync", "--once")
    assert_converged(central, {"S1-R1": d}, SKUS)
    print(f"\nsync sigkill: {killed} kills, {redelivered} events held but unmarked at a kill, "
          f"{len(outbox_ids(d))} events, none lost or doubled")


def pending_ids(d: Path) -> set[str]:
    from sync_helpers import db_rows

    return {r[0] for r in db_rows(d, "SELECT event_id FROM outbox WHERE status = 'pending'")}


def test_fault_proxy_loses_and_doubles_nothing(central: CentralHandle,
                                               register: Registers) -> None:
    regs = {"S1-R1": register("S1", "R1"), "S1-R2": register("S1", "R2")}
    port = urlsplit(central.url).port
    assert port is not None
    faults = {"reset": 0.12, "drop": 0.15, "error": 0.12, "delay": 0.2}
    with FaultProxy(port, faults, seed=SEED) as proxy:
        apps = []
        workers = []
        try:
            for name, d in regs.items():
                provision(central, d, *name.split("-"), batch_events=3)
                paths = Paths(d)
                s = load_central(paths)
                assert s is not None
                save_central(paths, replace(s, url=proxy.url, timeout=5.0))
                app = open_register(d)
                apps.append(app)
                w = build_worker(app.ctx, app.paths, retry_min=0.01, retry_max=0.08,
                                 poll=0.02, pull_every=0.05)
                assert w is not None
                workers.append(w)
            for d in regs.values():
                ok(d, "receive", f"{WATER}x100", f"{COLA}x50", f"{CRISPS}x50")
            for w in workers:
                w.start()
            rng = random.Random(SEED)
            for i in range(60):  # sales while the network misbehaves
                d = regs["S1-R1"] if i % 2 else regs["S1-R2"]
                code = rng.choice([WATER, COLA, CRISPS])
                ok(d, "sell", f"{code}x{rng.randint(1, 3)}", "--pay", "cash")
            for w in workers:
                w.notify()
            wait_until(lambda: all(outbox_status(d).get("pending", 0) == 0
                                   for d in regs.values()), 60)
            assert proxy.counts["drop"] and proxy.counts["reset"] and proxy.counts["error"], (
                f"faults not exercised: {proxy.counts}")
            proxy.faults = {}  # the network heals: the registers must converge
            wait_until(lambda: converged(central, regs), 30)
        finally:
            for w in workers:
                w.stop()
            for app in apps:
                app.close()
    assert_converged(central, regs, SKUS)
    assert all(outbox_status(d) == {"sent": len(outbox_ids(d))} for d in regs.values())
    print(f"\nfault proxy: {dict(proxy.counts)}")


def converged(central: CentralHandle, regs: dict[str, Path]) -> bool:
    for sku in SKUS:
        want = central.stock(sku).get("S1", 0)
        if any(local_on_hand(d, sku) != want for d in regs.values()):
            return False
    return True


def wait_until(cond: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not cond():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_restarted_worker_resumes_from_the_database(central: CentralHandle,
                                                      register: Registers) -> None:
    d = register("S1", "R1")
    provision(central, d, "S1", "R1", batch_events=2)
    for _ in range(5):
        ok(d, "sell", WATER, "--pay", "cash")
    with open_register(d) as app:
        svc = SyncService(app.ctx)
        first = build_worker(app.ctx, app.paths, poll=0.02, pull_every=0.05)
        assert first is not None
        first.start()
        wait_until(lambda: svc.movement_cursor() > 0 or svc.pending_count() == 0, 20)
        first.stop()
        ok(d, "sell", COLA, "--pay", "cash")
        second = build_worker(app.ctx, app.paths, poll=0.02, pull_every=0.05)
        assert second is not None
        second.start()
        wait_until(lambda: svc.pending_count() == 0, 20)
        second.stop()
    assert_converged(central, {"S1-R1": d}, SKUS)
