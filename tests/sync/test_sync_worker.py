"""The sync worker against an in-memory central (``httpx.MockTransport``) on a real register
file: order, exact mark-sent, back-off on 5xx, quarantine, 413 halving, 422 bisection, a
refused token, the lock, callbacks."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sync_helpers import FakeCentral, product_json, pt, sibling_json

from pos_terminal.bootstrap import App
from pos_terminal.domain.cart import Cart
from pos_terminal.domain.tenders import Tender, TenderKind
from pos_terminal.services.catalog import resolve
from pos_terminal.services.sync import SyncService, build_worker
from pos_terminal.sync import status as st
from pos_terminal.sync.client import CentralClient
from pos_terminal.sync.errors import SyncLockedError
from pos_terminal.sync.lock import SyncLock
from pos_terminal.sync.settings import CentralSettings, lock_path, save_central
from pos_terminal.sync.worker import SyncWorker

FAST = {"retry_min": 0.01, "retry_max": 0.05, "poll": 0.02, "pull_every": 0.05,
        "auth_recheck": 0.05, "lock_retry": 0.05, "status_every": 0.0}


def sales(app: App, products: list[dict], n: int) -> None:
    codes = [p["barcodes"][0]["code"] for p in products
             if p["unit"] == "each" and p["min_age"] is None and p["max_per_sale"] is None]
    user = app.users.system_user().id
    for i in range(n):
        cart = Cart()
        with app.ctx.read() as conn:
            cart.add(resolve(conn, codes[i % len(codes)]), 1)
        app.checkout.complete_sale(cart, [Tender(TenderKind.CASH)], user)


class Harness:
    def __init__(self, app: App, fake: FakeCentral, **kw: Any) -> None:
        self.app = app
        self.fake = fake
        self.svc = SyncService(app.ctx)
        self.states: list[str] = []
        self.statuses: list[st.SyncStatus] = []
        self.threads: set[str] = set()
        client = CentralClient("http://central.test", fake.token, transport=fake.transport())

        def on_state(line: str) -> None:
            self.threads.add(threading.current_thread().name)
            self.states.append(line)

        opts = {**FAST, **kw}
        self.worker = SyncWorker(self.svc, client, "R1", SyncLock(lock_path(app.paths)),
                                 on_state, self.statuses.append, rng=random.Random(7), **opts)

    def wait(self, cond: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not cond():
            assert time.monotonic() < deadline, f"timed out; states: {self.states[-5:]}"
            time.sleep(0.01)

    def drained(self) -> bool:
        return self.svc.pending_count() == 0


@pytest.fixture
def harness(app: App) -> Iterator[Callable[..., Harness]]:
    made: list[Harness] = []

    def make(fake: FakeCentral | None = None, **kw: Any) -> Harness:
        h = Harness(app, fake or FakeCentral(), **kw)
        made.append(h)
        return h

    yield make
    for h in made:
        h.worker.stop()


def test_drains_in_order_marks_exactly_what_is_held(
    harness: Callable[..., Harness], app: App, products: list[dict]
) -> None:
    sales(app, products, 23)
    h = harness(batch_events=5)
    expected = [e.event_id for e in h.svc.next_batch(1000)]
    h.worker.start()
    h.wait(h.drained)
    assert list(h.fake.held) == expected  # seq order, each once
    assert max(h.fake.batches) <= 5
    h.wait(lambda: bool(h.states) and h.states[-1].startswith("sync: online, 0 pending"))
    assert h.threads == {"sync-worker"}
    assert h.worker.status is not None and h.worker.status.online
    h.wait(lambda: h.svc.figures().last_success_at is not None)
    # new sales are picked up without a restart (notify wakes the worker)
    sales(app, products, 2)
    h.worker.notify()
    h.wait(h.drained)
    assert len(h.fake.held) == 26


def test_5xx_and_network_errors_back_off_and_retry(
    harness: Callable[..., Harness], app: App, products: list[dict]
) -> None:
    sales(app, products, 3)
    fake = FakeCentral(script=[(503, {"error": "maintenance", "field": None}),
                               (500, {"error": "boom", "field": None}),
                               (502, None)])
    h = harness(fake)
    h.worker.start()
    h.wait(h.drained)
    assert len(fake.held) == 4
    assert any(s.startswith("sync: offline") for s in h.states)
    h.wait(lambda: h.svc.figures().last_error is None)  # cleared by the success
    assert h.svc.figures().last_failure_at is not None
    h.wait(lambda: h.states[-1].startswith("sync: online"))


def test_backoff_is_capped_exponential_with_jitter(harness: Callable[..., Harness]) -> None:
    w = harness(retry_min=1.0, retry_max=30.0).worker
    for failures, cap in ((1, 1), (2, 2), (3, 4), (5, 16), (6, 30), (50, 30)):
        for _ in range(20):
            assert cap / 2 <= w.delay(failures) <= cap


def test_a_rejected_event_is_quarantined_and_the_queue_drains(
    harness: Callable[..., Harness], app: App, products: list[dict]
) -> None:
    sales(app, products, 6)
    svc = SyncService(app.ctx)
    poison = svc.next_batch(1000)[3].event_id
    fake = FakeCentral(reject=lambda ev: "no such sku" if ev["event_id"] == poison else None)
    h = harness(fake, batch_events=4)
    h.worker.start()
    h.wait(h.drained)
    assert poison not in fake.held and len(fake.held) == 6
    q = h.svc.quarantined()
    assert [x.event_id for x in q] == [poison] and "no such sku" in q[0].reason
    h.wait(lambda: "1 quarantined" in h.states[-1])


def test_a_damaged_payload_is_quarantined_without_sending(
    harness: Callable[..., Harness], app: App, products: list[dict]
) -> None:
    sales(app, products, 2)
    svc = SyncService(app.ctx)
    bad = svc.next_batch(10)[1]
    with app.ctx.write() as conn:
        conn.exec_driver_sql("UPDATE outbox SET payload = '{\"movements\": [' WHERE seq = ?",
                             (bad.seq,))
    h = harness()
    h.worker.start()
    h.wait(h.drained)
    assert bad.event_id not in h.fake.held and len(h.fake.held) == 2
    assert "damaged" in h.svc.quarantined()[0].reason


def test_413_halves_the_batch(harness: Callable[..., Harness], app: App,
                              products: list[dict]) -> None:
    sales(app, products, 20)
    fake = FakeCentral(max_events=3)
    h = harness(fake, batch_events=16)
    h.worker.start()
    h.wait(h.drained)
    assert len(fake.held) == 21 and max(fake.batches) <= 3
    assert h.svc.figures().quarantined == 0


def test_422_naming_nothing_is_bisected_to_the_culprit(
    harness: Callable[..., Harness], app: App, products: list[dict]
) -> None:
    sales(app, products, 12)
    ids = [e.event_id for e in SyncService(app.ctx).next_batch(1000)]
    poison = ids[7]

    def rule(events: list[dict[str, Any]]) -> tuple[int, Any] | None:
        if any(e["event_id"] == poison for e in events):
            return 422, {"error": "the batch is malformed", "field": "events"}
        return None

    h = harness(FakeCentral(batch_rule=rule), batch_events=13)
    h.worker.start()
    h.wait(h.drained)
    assert [q.event_id for q in h.svc.quarantined()] == [poison]
    assert set(h.fake.held) == set(ids) - {poison}


def test_422_naming_an_event_quarantines_that_one(
    harness: Callable[..., Harness], app: App, products: list[dict]
) -> None:
    sales(app, products, 4)
    ids = [e.event_id for e in SyncService(app.ctx).next_batch(1000)]
    calls = []

    def rule(events: list[dict[str, Any]]) -> tuple[int, Any] | None:
        calls.append(len(events))
        if len(calls) == 1:
            return 422, {"error": "events[2].seq: out of range", "field": "events[2].seq"}
        return None

    h = harness(FakeCentral(batch_rule=rule))
    h.worker.start()
    h.wait(h.drained)
    assert [q.event_id for q in h.svc.quarantined()] == [ids[2]]
    assert "events[2].seq" in h.svc.quarantined()[0].reason


def test_a_refused_token_stops_until_a_new_token_is_provisioned(
    app: App, products: list[dict]
) -> None:
    sales(app, products, 2)
    fake = FakeCentral(token="new-token")
    save_central(app.paths, CentralSettings(url="http://central.test", token="old-token",
                                            store="S1", register="R1"))
    states: list[str] = []
    w = build_worker(app.ctx, app.paths, states.append, transport=fake.transport(), **FAST)
    assert w is not None
    w.start()
    try:
        deadline = time.monotonic() + 10
        while not any("not enrolled / token revoked: run pos-terminal provision" in s
                      for s in states):
            assert time.monotonic() < deadline, states
            time.sleep(0.01)
        time.sleep(0.3)
        n = len(fake.requests)
        time.sleep(0.3)
        assert len(fake.requests) == n  # stopped sending with the refused token
        assert w.state == st.NOT_ENROLLED
        save_central(app.paths, CentralSettings(url="http://central.test", token="new-token",
                                                store="S1", register="R1"))
        while SyncService(app.ctx).pending_count():
            assert time.monotonic() < deadline, states
            time.sleep(0.01)
    finally:
        w.stop()
    assert len(fake.held) == 3


def test_pulls_catalog_and_sibling_movements(
    harness: Callable[..., Harness], app: App, products: list[dict]
) -> None:
    p = products[0]
    fake = FakeCentral(products=[product_json(p["sku"], p["name"], 4242, 3, [],
                                              tax_class=p["tax_class"])],
                       siblings=[sibling_json(4, p["sku"], -3)])
    h = harness(fake)
    h.worker.start()
    h.wait(lambda: h.svc.movement_cursor() == 4 and h.svc.catalog_version() == 3)
    got = app.catalog.products(p["sku"])[0]
    assert got["price_minor"] == 4242 and got["on_hand"] == p["on_hand"] - 3
    fake.siblings.append(sibling_json(9, p["sku"], -1))
    h.wait(lambda: h.svc.movement_cursor() == 9)
    assert app.catalog.products(p["sku"])[0]["on_hand"] == p["on_hand"] - 4
    assert app.inventory.verify().ok


def test_one_worker_per_register(harness: Callable[..., Harness], app: App,
                                 products: list[dict], data_dir: Path) -> None:
    first = harness()
    first.worker.start()
    first.wait(lambda: first.worker.state == st.ONLINE)
    with pytest.raises(SyncLockedError, match="another sync worker"):
        SyncLock(lock_path(app.paths)).acquire()
    second = harness()
    second.worker.start()
    second.wait(lambda: bool(second.states) and "paused" in second.states[-1])
    assert second.worker.state == st.LOCKED
    save_central(app.paths, CentralSettings(url="http://central.test", token="t",
                                            store="S1", register="R1"))
    r = pt(data_dir, "sync", "--once")
    assert r.code == 1 and "another sync worker" in r.err and len(r.err.splitlines()) == 1
    r = pt(data_dir, "sync", "--status")
    assert r.code == 0 and "running (pid" in r.out
    first.worker.stop()
    second.wait(lambda: second.worker.state == st.ONLINE)  # takes over once it is free


def test_two_batches_in_flight_lose_and_double_nothing(
    harness: Callable[..., Harness], app: App, products: list[dict]
) -> None:
    sales(app, products, 40)
    ids = [e.event_id for e in SyncService(app.ctx).next_batch(1000)]
    poison = ids[17]
    fake = FakeCentral(max_events=4, script=[(200, None), (503, {"error": "x", "field": None})],
                       reject=lambda ev: "bad" if ev["event_id"] == poison else None)
    h = harness(fake, batch_events=6, in_flight=2)
    h.worker.start()
    h.wait(h.drained)
    assert set(fake.held) == set(ids) - {poison}
    assert [q.event_id for q in h.svc.quarantined()] == [poison]
    assert max(fake.batches) <= 4
