"""The dashboard's purchase orders in a real browser (headless Debian chromium via Playwright)
against a real central fed over ``/api/v1/events``: an admin turns the low-stock suggestions
into draft POs, opens one and sends it, every figure checked against the database; an owner
sees the same pages without the buttons. Screenshots ``dashboard-purchase-orders.png`` and
``dashboard-purchase-order.png`` (``POS_SCREENSHOTS=docs/screenshots`` writes them for the
docs)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from central_helpers import event, movement
from dashboard_support import (
    ADMIN,
    OWNER,
    PASSWORD,
    Chain,
    chain,
    chromium,
    needs_chromium,
    screenshot_dir,
)
from playwright.sync_api import expect
from sqlalchemy import select

from pos_central.dashboard.routes import money, qty
from pos_central.db import tables as t
from pos_central.services import purchasing
from pos_central.testing import running_central, test_db_url

pytestmark = [needs_chromium, pytest.mark.timeout(120)]
WHEN = "2026-11-24T10:00:00.000Z"


@pytest.fixture(scope="module")
def world() -> Iterator[Chain]:
    with test_db_url() as url, running_central(url) as central, chain(central) as c:
        # a delivery at S2 naming an order the central never made: flagged on the PO page
        r = c.tills["S2/R1"].post([event(
            movement("100002", 12, "receive"), type_="stock.received", reference="DN-4711",
            po_id=str(uuid.uuid4()), po_number="PO-S2-R1-000003",
            lines=[{"sku": "100002", "received": 12}])])
        assert r.status_code == 200 and not r.json()["rejected"], r.text
        # S1's manager keeps more cola and apples than the catalog says: three vendors to order
        # from; S2 has an order on the way, half delivered
        levels = [("100002", 40, 80), ("100003", 10_000, 15_000)]
        r = c.tills["S1/R1"].post([{
            "event_id": str(uuid.uuid4()), "seq": 500 + i, "type": "reorder.set",
            "occurred_at": WHEN, "payload": {"sku": sku, "reorder_point": rp, "par_level": par}}
            for i, (sku, rp, par) in enumerate(levels)])
        assert r.status_code == 200 and not r.json()["rejected"], r.text
        s2 = purchasing.create(c.central.engine, "S2", "AquaCo", [("100001", 24, None)],
                               send=True)
        r = c.tills["S2/R1"].post([event(
            movement("100001", 12, "receive"), type_="stock.received", reference="DN-0815",
            po_id=s2.id, po_number=s2.number, lines=[{"sku": "100001", "received": 12}])])
        assert r.status_code == 200 and not r.json()["rejected"], r.text
        yield c


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def sign_in(page: Any, url: str, user: str) -> None:
    page.goto(url + "/")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    expect(page.locator("h1")).to_have_text("Stores & registers")


def euros(minor: int) -> str:
    return money(minor, "EUR")


def _po_rows(world: Chain, store: str) -> list[tuple[str, str, str]]:
    po = t.purchase_orders
    with world.central.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(  # type: ignore[misc]
            select(po.c.number, po.c.vendor, po.c.status).where(po.c.store == store)
            .order_by(po.c.number))]


def test_admin_orders_from_suggestions_and_sends_one(world: Chain, page: Any) -> None:
    url, eng = world.central.url, world.central.engine
    sign_in(page, url, ADMIN)
    page.click("nav >> text=Low stock")
    page.click("nav[aria-label=Stores] >> text=S1 · Main Street")
    expect(page.locator("h1")).to_have_text("Low stock")
    wanted = purchasing.suggestions(eng, "S1")
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(len(wanted))
    for i, s in enumerate(wanted):  # on hand, reorder point, par, on order, suggested
        expect(rows.nth(i)).to_contain_text(s.sku)
        cells = rows.nth(i).locator("td.num")
        expect(cells).to_have_text([qty(s.on_hand, s.unit), qty(s.reorder_point, s.unit),
                                    qty(s.par_level, s.unit), qty(s.on_order, s.unit),
                                    "no par level" if s.suggested is None
                                    else qty(s.suggested, s.unit)])
    to_order = {s.vendor: s for s in wanted if s.suggested and s.vendor}
    assert to_order, "the chain's S1 should have something to order"

    page.click("text=Create purchase orders from these suggestions")
    expect(page.locator("h1")).to_have_text("Purchase orders")
    made = _po_rows(world, "S1")
    assert sorted(v for _, v, _ in made) == sorted(to_order)
    assert all(status == "draft" for _, _, status in made)
    expect(page.locator("p.ok")).to_contain_text(", ".join(n for n, _, _ in made))
    listed = page.locator("#purchase-orders tbody tr")
    expect(listed).to_have_count(len(made))
    for number, vendor, _ in made:
        po = purchasing.get(eng, number)
        row = page.locator(f"#purchase-orders tr[data-po='{number}']")
        expect(row.locator("td").nth(2)).to_have_text(vendor)
        expect(row.locator("td.status")).to_have_text("draft")
        expect(row.locator("td.num").nth(1)).to_have_text(f"0 / {qty(to_order[vendor].suggested)}")
        expect(row.locator("td.num").nth(2)).to_have_text(euros(po.total_cost))

    water = next(n for n, v, _ in made if v == "AquaCo")
    page.click(f"#purchase-orders >> text={water}")
    expect(page.locator("h1")).to_contain_text(f"{water} · AquaCo")
    po = purchasing.get(eng, water)
    lines = page.locator("#lines tbody tr")
    expect(lines).to_have_count(len(po.lines))
    for i, ln in enumerate(po.lines):
        expect(lines.nth(i)).to_contain_text(ln.sku)
        expect(lines.nth(i).locator("td.num")).to_have_text(
            [qty(ln.ordered), "0", qty(ln.ordered), euros(ln.unit_cost or 0)])
    expect(page.locator("#lines tfoot td.num")).to_have_text(euros(po.total_cost))
    expect(page.locator("#status")).to_have_text("draft")
    page.screenshot(path=str(screenshot_dir() / "dashboard-purchase-order.png"), full_page=True)

    page.click("text=Send to the vendor")
    expect(page.locator("p.ok")).to_contain_text("Sent.")
    expect(page.locator("#status")).to_have_text("sent")
    expect(page.get_by_role("button", name="Send to the vendor")).to_have_count(0)
    sent = purchasing.get(eng, water)
    assert sent.status == "sent" and sent.sent_at is not None
    assert [p.number for p in purchasing.open_for_register(eng, "S1").purchase_orders] == [water]

    page.click("text=← Purchase orders")  # open POs of S1: the sent one
    expect(page.locator("#purchase-orders tbody tr")).to_have_count(1)
    expect(page.locator(f"tr[data-po='{water}'] td.status")).to_have_text("sent")

    page.click("nav[aria-label=Stores] >> text=All stores")  # every store, every status
    page.click("nav[aria-label=Status] >> text=All")
    every = purchasing.list_orders(eng)
    expect(page.locator("#purchase-orders tbody tr")).to_have_count(len(every))
    s2 = next(po for po in every if po.store == "S2")
    expect(page.locator(f"tr[data-po='{s2.number}'] td.status")).to_have_text(
        "partially received")
    expect(page.locator(f"tr[data-po='{s2.number}'] td.num").nth(1)).to_have_text("12 / 24")
    expect(page.locator("#flagged-receipts tbody tr")).to_have_count(1)
    page.screenshot(path=str(screenshot_dir() / "dashboard-purchase-orders.png"),
                    full_page=True)


def test_owner_sees_orders_but_no_buttons(world: Chain, page: Any) -> None:
    url, eng = world.central.url, world.central.engine
    if not purchasing.list_orders(eng, "S2", "draft"):
        purchasing.create(eng, "S2", "ColaCorp", [("100002", 6, None)])
    draft = purchasing.list_orders(eng, "S2", "draft")[0]
    sign_in(page, url, OWNER)
    page.goto(url + "/low-stock?store=S2")
    expect(page.locator("main table tbody tr").first).to_be_visible()
    expect(page.get_by_role("button")).to_have_count(1)  # "Sign out" only
    page.goto(url + "/purchase-orders?status=all")
    expect(page.locator(f"tr[data-po='{draft.number}']")).to_be_visible()
    flagged = page.locator("#flagged-receipts tbody tr")  # the delivery naming no known PO
    expect(flagged).to_have_count(1)
    expect(flagged).to_contain_text("DN-4711")
    expect(flagged).to_contain_text("PO-S2-R1-000003, which the central does not know")
    page.click(f"text={draft.number}")
    expect(page.locator("#status")).to_have_text("draft")
    expect(page.locator(".notice")).to_contain_text("cannot send or cancel")
    expect(page.get_by_role("button", name="Send to the vendor")).to_have_count(0)
    expect(page.get_by_role("button", name="Cancel the order")).to_have_count(0)
