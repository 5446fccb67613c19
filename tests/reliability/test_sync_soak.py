"""Three registers of one store sync through a fault-injecting proxy for a long stretch while
they sell, take returns, receive deliveries and count stock: connections reset, answers lost
after the central committed, 503s, latency, and now and then a full outage of a few seconds.
Then the network heals.

0 lost, 0 duplicated at the central (every register's events exactly once, every movement
exactly once), and every register's on-hand equals the central's within 60 s of healing.

Duration: 30 s (reduced) or 10 minutes (``POS_RELIABILITY_FULL=1``); ``POS_SOAK_S`` overrides.
A real central (PostgreSQL under ``POS_TEST_PG_URL``, else SQLite); the registers' workers are
the real ``SyncWorker`` threads; the work goes through the real command line.

The poison-event case (one event the central refuses is quarantined while the rest drain) is
tests/sync/test_sync_e2e.py::test_a_poison_event_is_quarantined_and_the_rest_arrive, marked
``reliability`` too so ``pytest -m reliability`` runs it with this suite.
"""

from __future__ import annotations

import os
import random
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from reliability_support import size
from sync_helpers import (
    CATALOG,
    COLA,
    CRISPS,
    SKU,
    WATER,
    assert_converged,
    local_on_hand,
    make_register,
    ok,
    outbox_status,
)

from pos_central.testing import CentralHandle, running_central, test_db_url
from pos_terminal.bootstrap import App, open_register
from pos_terminal.config import Paths
from pos_terminal.services.sync import build_worker
from pos_terminal.sync.settings import load_central, save_central

from fault_proxy import FaultProxy

SOAK_S = float(os.environ.get("POS_SOAK_S") or size(30, 600))
SEED = int(os.environ.get("POS_SOAK_SEED", "20261124"))
HEAL_S = 60.0
CODES = [WATER, COLA, CRISPS]
SKUS = [SKU[c] for c in CODES]
FAULTS = {"reset": 0.10, "drop": 0.12, "error": 0.10, "delay": 0.2}
OUTAGE = {"reset": 1.0}


@pytest.fixture
def central() -> Iterator[CentralHandle]:
    with test_db_url() as url, running_central(url) as handle:
        handle.create_store("S1", "Main Street")
        handle.import_catalog_csv(CATALOG)
        yield handle


def converged(central: CentralHandle, regs: dict[str, Path]) -> bool:
    if any(outbox_status(d).get("pending", 0) for d in regs.values()):
        return False
    for sku in SKUS:
        want = central.stock(sku).get("S1", 0)
        if any(local_on_hand(d, sku) != want for d in regs.values()):
            return False
    return True


def work(rng: random.Random, d: Path, receipts: list[str], done: Counter[str]) -> None:
    """One cashier or stock-room action on register ``d`` through the command line."""
    x = rng.random()
    code = rng.choice(CODES)
    if x < 0.70 or not receipts:
        out = ok(d, "sell", f"{code}x{rng.randint(1, 3)}", *([rng.choice(CODES)]
                 if rng.random() < 0.4 else []), "--pay", rng.choice(["cash", "card:T77"]))
        m = re.match(r"receipt (\S+)", out)
        assert m, out
        receipts.append(m.group(1))
        done["sale"] += 1
    elif x < 0.82:
        receipt = receipts.pop(rng.randrange(len(receipts)))
        got = _cli_return(d, receipt, code)
        done["return" if got else "return refused"] += 1
    elif x < 0.95:
        ok(d, "receive", f"{code}x{rng.randint(6, 24)}", "--ref", f"DLV-{rng.randrange(10**9)}")
        done["receive"] += 1
    else:
        ok(d, "count", code, str(rng.randint(20, 200)))
        done["count"] += 1


def _cli_return(d: Path, receipt: str, code: str) -> bool:
    from sync_helpers import pt

    r = pt(d, "return", receipt, code)  # refused when that receipt had none of it: fine
    return r.code == 0


@pytest.mark.slow
@pytest.mark.timeout(int(SOAK_S) + 300)
def test_three_registers_through_a_faulty_network_lose_and_double_nothing(
    central: CentralHandle, tmp_path: Path,
) -> None:
    regs = {f"S1-R{n}": make_register(tmp_path, "S1", f"R{n}") for n in (1, 2, 3)}
    port = urlsplit(central.url).port
    assert port is not None
    rng = random.Random(SEED)
    done: Counter[str] = Counter()
    apps: list[App] = []
    with FaultProxy(port, FAULTS, seed=SEED) as proxy:
        workers = []
        try:
            for name, d in regs.items():
                ok(d, "provision", "--central", central.url,
                   "--code", central.enroll_code(*name.split("-")))
                s = load_central(Paths(d))
                assert s is not None
                save_central(Paths(d), replace(s, url=proxy.url, timeout=5.0, batch_events=5))
                ok(d, "receive", *(f"{c}x200" for c in CODES))
                app = open_register(d)
                apps.append(app)
                w = build_worker(app.ctx, app.paths, retry_min=0.01, retry_max=0.2,
                                 poll=0.05, pull_every=0.2)
                assert w is not None
                workers.append(w)
                w.start()
            receipts: dict[str, list[str]] = {name: [] for name in regs}
            outages = 0
            started = time.monotonic()
            next_outage, outage_ends = started + rng.uniform(4, 10), 0.0
            while time.monotonic() - started < SOAK_S:
                now = time.monotonic()
                if now >= next_outage:  # the store's line drops for a few seconds
                    proxy.faults = dict(OUTAGE)
                    outages += 1
                    outage_ends = now + rng.uniform(2, 6)
                    next_outage = outage_ends + rng.uniform(6, 15)
                elif outage_ends and now >= outage_ends:
                    proxy.faults, outage_ends = dict(FAULTS), 0.0
                name = rng.choice(list(regs))
                work(rng, regs[name], receipts[name], done)
            proxy.faults = {}  # healed
            healed = time.monotonic()
            for w in workers:
                w.notify()
            while not converged(central, regs):
                assert time.monotonic() - healed < HEAL_S, (
                    f"not converged {HEAL_S:.0f} s after healing: "
                    f"{ {n: outbox_status(d) for n, d in regs.items()} }")
                time.sleep(0.1)
            took = time.monotonic() - healed
        finally:
            for w in workers:
                w.stop()
            for app in apps:
                app.close()
    assert proxy.counts["drop"] and proxy.counts["reset"] and proxy.counts["error"], (
        f"faults not exercised: {proxy.counts}")
    assert done["sale"] > 20 and done["return"] and done["receive"], done
    assert_converged(central, regs, SKUS)  # events once each, movements once, verify passes
    print(f"\nsync soak: {SOAK_S:.0f} s, {dict(done)}, {outages} outages, proxy "
          f"{dict(proxy.counts)}; converged {took:.1f} s after healing")
