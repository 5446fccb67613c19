"""For any sequence of sales, returns, receipts, adjustments and counts: on-hand equals the
ledger's sum, the hash chain verifies, and every movement has its outbox event from the same
transaction (the event lists exactly the movements the transaction wrote)."""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from pos_terminal.bootstrap import App, open_register
from pos_terminal.domain.cart import Cart
from pos_terminal.domain.tenders import Tender, TenderKind
from pos_terminal.errors import PosError
from pos_terminal.services.catalog import resolve

TEMPLATE: Path | None = None


@pytest.fixture(autouse=True)
def _template(seeded_template: Path) -> None:
    global TEMPLATE
    TEMPLATE = seeded_template


class Register(RuleBasedStateMachine):
    app: App

    @initialize()
    def open(self) -> None:
        assert TEMPLATE is not None
        self.dir = Path(tempfile.mkdtemp(prefix="stateful-"))
        shutil.copytree(TEMPLATE, self.dir / "r")
        self.app = open_register(self.dir / "r")
        self.codes = [p["sku"] for p in self.app.catalog.products(limit=12) if p["unit"] == "each"]
        self.expected: dict[str, int] = {
            p["sku"]: p["on_hand"] for p in self.app.catalog.products(limit=12)
        }
        self.receipts: list[tuple[str, str, int]] = []

    def teardown(self) -> None:
        self.app.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    @rule(picks=st.lists(st.tuples(st.integers(0, 5), st.integers(1, 4)), min_size=1, max_size=5))
    def sell(self, picks: list[tuple[int, int]]) -> None:
        cart = Cart()
        with self.app.ctx.read() as conn:
            for i, n in picks:
                cart.add(resolve(conn, self.codes[i]), n)
        r = self.app.checkout.complete_sale(cart, [Tender(TenderKind.CASH)], 1)
        for ln in cart.active_lines:
            self.expected[ln.item.sku] -= ln.qty
            self.receipts.append((r.receipt_no, ln.item.sku, ln.qty))

    @precondition(lambda self: self.receipts)
    @rule(k=st.integers(0, 10_000), n=st.integers(1, 3), restock=st.booleans())
    def give_back(self, k: int, n: int, restock: bool) -> None:
        receipt, sku, _sold = self.receipts[k % len(self.receipts)]
        try:
            self.app.returns.return_items(receipt, [(sku, n)], 1, restock=restock)
        except PosError:
            return  # more than is left to return: refused, nothing written
        if restock:
            self.expected[sku] += n

    @rule(i=st.integers(0, 5), n=st.integers(1, 50))
    def receive(self, i: int, n: int) -> None:
        self.app.inventory.receive([(self.codes[i], n)], 1)
        self.expected[self.codes[i]] += n

    @rule(i=st.integers(0, 5), q=st.integers(-20, 20).filter(bool))
    def adjust(self, i: int, q: int) -> None:
        self.app.inventory.adjust(self.codes[i], q, "correction", 1)
        self.expected[self.codes[i]] += q

    @rule(i=st.integers(0, 5), counted=st.integers(0, 200))
    def count(self, i: int, counted: int) -> None:
        self.app.inventory.count(self.codes[i], counted, 1)
        self.expected[self.codes[i]] = counted

    @invariant()
    def ledger_holds(self) -> None:
        if not hasattr(self, "app"):
            return
        for sku in self.codes:
            assert self.app.inventory.stock(sku).on_hand == self.expected[sku]
        assert self.app.inventory.verify().ok
        c = sqlite3.connect(self.app.paths.database)
        in_events: list[str] = []
        for (payload,) in c.execute("select payload from outbox"):
            in_events += [m["id"] for m in json.loads(payload).get("movements", [])]
        ids = [r[0] for r in c.execute("select id from stock_movements")]
        assert sorted(in_events) == sorted(ids)
        c.close()


Register.TestCase.settings = settings(max_examples=25, stateful_step_count=15, deadline=None)
TestRegister = Register.TestCase
