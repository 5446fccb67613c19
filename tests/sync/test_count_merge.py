"""The merge property of stock counts: register A counts a product while register B of the same
store sells it offline, before and after the count moment, in any interleaving of syncs and
pulls. After everything has synced, the central's on-hand is what A counted minus the sales
made after the count, and both registers agree with it.

The hypothesis test drives the central's ingest and movement feed in process (the code the
endpoints run); one example goes through a real uvicorn central with the CLI.
"""

from __future__ import annotations

import itertools
import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sync_helpers import CATALOG, SKU, WATER, Registers, local_on_hand, ok

from pos_central.db import tables as ct
from pos_central.db.migrate import open_database
from pos_central.services import accounts, catalog, ingest, stock
from pos_central.testing import CentralHandle, test_db_url
from pos_terminal.bootstrap import App, open_register
from pos_terminal.services.counting import CountingService, Threshold

PRODUCT = SKU[WATER]
OPENING = 40


@dataclass
class Reg:
    app: App
    source: ingest.Source
    code: str

    def push(self, engine: Engine) -> None:
        while batch := self.app.sync.next_batch():
            got = ingest.ingest(engine, self.source,
                                [json.loads(e.wire_json()) for e in batch])
            assert not got.rejected, got.rejected
            self.app.sync.mark_sent(got.held)

    def pull(self, engine: Engine) -> None:
        while True:
            page = stock.movements_page(engine, self.source.store, self.source.register_id,
                                        self.app.sync.movement_cursor())
            self.app.sync.apply_movements(page, own_register=self.code)
            if not page.more:
                return


def _sell(app: App, n: int) -> None:
    from pos_terminal.domain.cart import Cart
    from pos_terminal.domain.tenders import Tender, TenderKind
    from pos_terminal.services.catalog import resolve

    cart = Cart()
    with app.ctx.read() as conn:
        cart.add(resolve(conn, WATER), n)
    app.checkout.complete_sale(cart, [Tender(TenderKind.CASH)], 1)


_stores = itertools.count(1)


@pytest.fixture(scope="module")
def central_engine() -> Iterator[Engine]:
    """One in-process central (PostgreSQL with POS_TEST_PG_URL); a new store per example."""
    with test_db_url() as url:
        engine = open_database(url)
        try:
            catalog.import_csv(engine, CATALOG)
            yield engine
        finally:
            engine.dispose()


def _store(engine: Engine, templates: dict[tuple[str, str], Path], root: Path
           ) -> tuple[Reg, Reg]:
    store = f"M{next(_stores)}"
    accounts.create_store(engine, store, "Merge street")
    regs = []
    for code in ("R1", "R2"):
        accounts.enroll(engine, accounts.make_enrollment_code(engine, store, code).code)
        with engine.connect() as conn:
            r = ct.registers
            rid = conn.execute(select(r.c.id).where(r.c.store == store, r.c.code == code)
                               ).scalar_one()
        d = root / f"{store}-{code}"
        shutil.copytree(templates[("S1", code)], d)
        # the register's own id in the central's feed is its code: R1 and R2, as here
        regs.append(Reg(open_register(d), ingest.Source(store, int(rid)), code))
    return regs[0], regs[1]


OPS = st.lists(st.one_of(
    st.tuples(st.just("sell_a"), st.integers(1, 3)),
    st.tuples(st.just("sell_b"), st.integers(1, 3)),
    st.tuples(st.sampled_from(["push_a", "push_b", "pull_a", "pull_b", "post", "recount"]),
              st.just(0)),
), max_size=10)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(before=OPS, after=OPS, shrink=st.integers(0, 3), scan=st.booleans())
def test_count_merges_with_offline_sales_on_a_sibling(
        register_templates: dict[tuple[str, str], Path], central_engine: Engine,
        before: list[tuple[str, int]], after: list[tuple[str, int]], shrink: int,
        scan: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        a, b = _store(central_engine, register_templates, Path(tmp))
        try:
            _run(central_engine, a, b, before, after, shrink, scan)
        finally:
            a.app.close()
            b.app.close()


def _run(engine: Engine, a: Reg, b: Reg, before: list[tuple[str, int]],
         after: list[tuple[str, int]], shrink: int, scan: bool) -> None:
    counting = CountingService(a.app.ctx, Threshold(10_000, 0))
    a.app.inventory.receive([(WATER, OPENING)], 1)
    a.push(engine)
    b.pull(engine)
    physical = OPENING
    session = counting.start("shelf", 1, codes=[WATER])
    counted: int | None = None
    sold_after = 0
    posted = False

    def step(op: str, n: int) -> None:
        nonlocal physical, counted, sold_after, posted
        if op in ("sell_a", "sell_b"):
            _sell(a.app if op == "sell_a" else b.app, n)
            physical -= n
            if counted is not None:
                sold_after += n
        elif op.startswith(("push", "pull")):
            reg = a if op.endswith("_a") else b
            (reg.push if op.startswith("push") else reg.pull)(engine)
        elif op == "recount" and counted is not None and not posted:
            counted = physical  # a fresh count replaces the first one and its moment
            counting.set_count(session.id, WATER, counted, 1)
            sold_after = 0
        elif op == "post" and counted is not None and not posted:
            counting.post(session.id, 1)
            posted = True
        time.sleep(0.002)  # a new millisecond: the count moment orders every sale

    for op, n in before:
        step(op, n)
    counted = physical - shrink  # some went missing: the count finds it
    physical = counted
    if scan:
        for _ in range(counted):
            counting.scan(session.id, WATER, 1)
    else:
        counting.set_count(session.id, WATER, counted, 1)
    time.sleep(0.002)
    for op, n in after:
        step(op, n)
    if not posted:
        counting.post(session.id, 1)
    for reg in (b, a, a, b, a, b):  # everyone sends and pulls until nothing is left
        reg.push(engine)
        reg.pull(engine)
    want = counted - sold_after
    assert stock.stock(engine, PRODUCT).on_hand[a.source.store] == want
    for reg in (a, b):
        assert reg.app.sync.pending_count() == 0
        assert local_on_hand(reg.app.paths.root, PRODUCT) == want
        assert reg.app.inventory.verify().ok


def test_count_merges_through_a_real_central(central: CentralHandle,
                                             register: Registers) -> None:
    """Two registers of one store and a real central: B sells offline before and after A's
    count moment; after both sync, the central has counted minus the sales after the count."""
    from test_sync_e2e import provision

    r1, r2 = register("S1", "R1"), register("S1", "R2")
    for d, name in ((r1, "R1"), (r2, "R2")):
        provision(central, d, "S1", name)
    ok(r1, "receive", f"{WATER}x30")
    for d in (r1, r2, r1, r2):
        ok(d, "sync", "--once")
    assert local_on_hand(r2, PRODUCT) == 30
    ok(r2, "sell", f"{WATER}x4", "--pay", "cash")  # offline, before the count: shelf has 26
    start = json.loads(ok(r1, "count-session", "start", "--codes", WATER,
                                "--recount-units", "10", "--json"))
    ok(r1, "count-session", "set", str(start["number"]), WATER, "25")  # one went missing
    time.sleep(0.01)
    ok(r2, "sell", f"{WATER}x3", "--pay", "cash")  # after the count moment
    ok(r1, "count-session", "post", str(start["number"]))
    for d in (r2, r1, r1, r2):
        assert "sync ok" in ok(d, "sync", "--once")
    assert central.stock(PRODUCT)["S1"] == 25 - 3
    assert local_on_hand(r1, PRODUCT) == local_on_hand(r2, PRODUCT) == 22
    moves = json.loads(ok(r1, "stock", WATER, "--json", "--movements", "20"))["movements"]
    assert ("count_variance", "count correction", 4) in {
        (m["kind"], m["reason"], m["quantity"]) for m in moves}
    for d in (r1, r2):
        assert ok(d, "verify").startswith("verify ok")
