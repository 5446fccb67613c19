"""The dashboard's Transfers page in a real browser (headless Debian chromium via Playwright)
against a real central fed by registers' transfer events over ``/api/v1/events``: transfers in
flight and recently received with discrepancies, checked against the database; a screenshot
``dashboard-transfers.png`` (``POS_SCREENSHOTS=docs/screenshots`` writes it for the docs)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from central_helpers import Till
from dashboard_support import (
    ADMIN,
    Chain,
    browser_sign_in,
    chain,
    chromium,
    needs_chromium,
    new_page,
    screenshot_dir,
    wire_time,
)
from playwright.sync_api import expect
from sqlalchemy import select

from pos_central.db import tables as t
from pos_central.testing import running_central, test_db_url

pytestmark = [needs_chromium, pytest.mark.timeout(120)]
_seq = iter(range(10_000, 20_000))


def _event(type_: str, when: datetime, moves: list[tuple[str, int, str]], tid: str,
           **payload: Any) -> dict[str, Any]:
    at = wire_time(when)
    return {"event_id": str(uuid.uuid4()), "seq": next(_seq), "type": type_, "occurred_at": at,
            "payload": {"transfer_id": tid, "movements": [
                {"id": str(uuid.uuid4()), "sku": sku, "quantity": q, "kind": kind,
                 "occurred_at": at, "reference": tid} for sku, q, kind in moves], **payload}}


def send(till: Till, number: str, to: str, lines: dict[str, int], when: datetime) -> str:
    tid = str(uuid.uuid4())
    ev = _event("stock.transferred_out", when,
                [(sku, -q, "transfer_out") for sku, q in lines.items()], tid, number=number,
                to_store=to, lines=[{"sku": s, "quantity": q} for s, q in lines.items()])
    assert till.post([ev]).json()["held"] == [ev["event_id"]]
    return tid


def receive(till: Till, tid: str, number: str, from_: str,
            lines: dict[str, tuple[int, int, int]], when: datetime) -> None:
    ev = _event("stock.transferred_in", when,
                [(sku, got, "transfer_in") for sku, (_, got, _) in lines.items() if got], tid,
                number=number, from_store=from_,
                lines=[{"sku": s, "sent": a, "received": b, "damaged": c}
                       for s, (a, b, c) in lines.items()])
    assert till.post([ev]).json()["held"] == [ev["event_id"]]


@pytest.fixture(scope="module")
def world() -> Iterator[Chain]:
    with test_db_url() as url, running_central(url) as central, chain(central) as c:
        now = datetime.now(UTC)
        s1, s2 = c.tills["S1/R1"], c.tills["S2/R1"]
        ids = {
            "flying": send(s1, "T-S1-R1-000003", "S2", {"100001": 12, "100002": 6},
                           now - timedelta(hours=5)),
            "unknown": send(s1, "T-S1-R1-000004", "S7", {"100004": 1},
                            now - timedelta(hours=2)),
            "short": send(s1, "T-S1-R1-000001", "S2", {"100001": 10, "100002": 4},
                          now - timedelta(days=2)),
            "exact": send(s2, "T-S2-R1-000001", "S1", {"100001": 3}, now - timedelta(days=1)),
        }
        receive(s2, ids["short"], "T-S1-R1-000001", "S1",
                {"100001": (10, 9, 0), "100002": (4, 2, 1)}, now - timedelta(days=1))
        receive(c.tills["S1/R2"], ids["exact"], "T-S2-R1-000001", "S2",
                {"100001": (3, 3, 0)}, now - timedelta(hours=20))
        yield c


@pytest.fixture
def page() -> Iterator[Any]:
    with chromium() as browser, new_page(browser) as p:
        yield p


def test_transfers_page_shows_what_is_in_flight_and_what_arrived_wrong(
    world: Chain, page: Any
) -> None:
    c = world
    url = c.central.url
    browser_sign_in(page, url, ADMIN)
    expect(page.locator("h1")).to_have_text("Stores & registers")
    page.click("nav >> text=Transfers")
    expect(page.locator("h1")).to_have_text("Transfers in flight")

    tr = t.transfers
    with c.central.engine.connect() as conn:
        flying = conn.execute(select(tr.c.number).where(tr.c.status == "in_transit")
                              .order_by(tr.c.sent_at)).scalars().all()
        off = conn.execute(select(tr.c.number).where(
            tr.c.status == "received_with_discrepancies")).scalars().all()
    assert flying == ["T-S1-R1-000003", "T-S1-R1-000004"] and off == ["T-S1-R1-000001"]

    in_flight = page.get_by_role("table", name="Transfers in flight")
    rows = in_flight.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("T-S1-R1-000003")
    expect(rows.nth(0)).to_contain_text("S1 → S2")
    expect(rows.nth(0).locator("td.num")).to_have_text("18")  # 12 + 6 units
    expect(rows.nth(1)).to_contain_text("S7, a store the central does not know")
    expect(page.locator(".notice")).to_contain_text("1 transfer flagged")

    wrong = page.get_by_role("table", name="Received with discrepancies")
    lines = wrong.locator("tbody tr")
    expect(lines).to_have_count(2)  # water 1 short; cola 2 received, 1 damaged, 1 short
    expect(lines.nth(0)).to_contain_text("T-S1-R1-000001")
    expect(lines.nth(0).locator("td.num")).to_have_text(["10", "9", "—", "1", "—"])
    expect(lines.nth(1).locator("td.num")).to_have_text(["4", "2", "1", "1", "—"])
    expect(page.locator("main")).not_to_contain_text("T-S2-R1-000001")  # arrived exactly
    page.screenshot(path=str(screenshot_dir() / "dashboard-transfers.png"), full_page=True)
