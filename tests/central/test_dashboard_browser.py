"""The dashboard in a real browser (headless Debian chromium driven by Playwright) against a
real central: sign in, search stock and compare it with the database, change a price through
the form, CSRF-less and owner posts refused; a screenshot of every page
(``POS_SCREENSHOTS=docs/screenshots`` writes them for the docs)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from dashboard_support import (
    ADMIN,
    OWNER,
    Chain,
    browser_sign_in,
    chain,
    chromium,
    needs_chromium,
    new_page,
    screenshot_dir,
)
from playwright.sync_api import expect
from sqlalchemy import select

from pos_central.db import tables as t
from pos_central.testing import running_central, test_db_url

pytestmark = [needs_chromium, pytest.mark.timeout(120)]


@pytest.fixture(scope="module")
def world() -> Iterator[Chain]:
    with test_db_url() as url, running_central(url) as central, chain(central) as c:
        yield c


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    with new_page(browser) as p:
        yield p


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(screenshot_dir() / f"dashboard-{name}.png"), full_page=True)


def _price(world: Chain, sku: str, store: str | None = None) -> int:
    with world.central.engine.connect() as conn:
        if store is None:
            q = select(t.products.c.price).where(t.products.c.sku == sku)
        else:
            q = select(t.store_prices.c.price).where(t.store_prices.c.sku == sku,
                                                     t.store_prices.c.store == store)
        return int(conn.execute(q).scalar_one())


def test_sign_in_and_look_around(world: Chain, page: Any) -> None:
    url = world.central.url
    page.goto(url + "/")
    expect(page.locator("input[type=password]")).to_have_count(1)
    shot(page, "sign-in")
    browser_sign_in(page, url, ADMIN, "wrong password")
    expect(page.locator("[role=alert]")).to_contain_text("Wrong user name or password")
    expect(page.locator("input[type=password]")).to_have_count(1)
    browser_sign_in(page, url, ADMIN)
    expect(page.locator("h1")).to_have_text("Stores & registers")
    expect(page.locator("main")).to_contain_text("Main Street")
    expect(page.locator("main")).to_contain_text("Harbour")
    # S1/R1's clock runs 7½ min slow and it quarantined 2 events: both flagged in red
    alerts = page.locator("section.store").first.locator("tbody tr").first.locator("td.alert")
    expect(alerts).to_have_count(2)
    expect(alerts.first).to_contain_text("behind")
    expect(alerts.last).to_contain_text("2")
    assert page.locator("td.alert").count() == 2  # nowhere else
    shot(page, "stores")
    page.click("nav >> text=Low stock")
    expect(page.locator("h1")).to_have_text("Low stock")
    shot(page, "low-stock")
    page.click("nav >> text=Transfers")
    expect(page.locator("main")).to_contain_text("No transfers yet")  # shot: transfers test
    page.click("nav >> text=Sales")
    expect(page.locator("svg.chart polyline")).to_have_count(2)  # one line per store
    shot(page, "sales")
    page.click("text=Sign out")
    expect(page.locator("input[type=password]")).to_have_count(1)
    page.goto(url + "/sales")  # the session is gone
    expect(page.locator("input[type=password]")).to_have_count(1)


def test_stock_search_shows_the_databases_figures(world: Chain, page: Any) -> None:
    url = world.central.url
    browser_sign_in(page, url, OWNER)
    expect(page.locator("h1")).to_have_text("Stores & registers")
    page.click("nav >> text=Stock")
    page.fill("#q", "e")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r".*/stock\?q=e$"))
    shot(page, "stock-search")
    for code, sku in (("Still Water", "100001"), ("5449000000996", "100002"),
                      ("24037674097180", "100001")):
        page.goto(url + "/stock")
        page.fill("#q", code)
        page.press("#q", "Enter")
        page.wait_for_url(re.compile(rf".*/products/{sku}$"))
        expect(page.locator("#total")).to_be_visible()
        expected = world.central.stock(sku)
        for store, qty in expected.items():
            shown = page.inner_text(f"#stock-by-store tr[data-store='{store}'] .on-hand")
            assert shown == f"{qty:,}".replace(",", " "), (code, store)
        assert page.inner_text("#total") == str(sum(expected.values()))
    shot(page, "product")


def test_admin_sets_a_price_through_the_form(world: Chain, page: Any) -> None:
    url = world.central.url
    browser_sign_in(page, url, ADMIN)
    expect(page.locator("h1")).to_have_text("Stores & registers")
    page.click("nav >> text=Manage")
    expect(page.locator("h1")).to_have_text("Manage")
    shot(page, "manage")
    page.fill("#p-sku", "100002")
    page.fill("#p-price", "1.29")
    page.select_option("#p-store", "S2")
    page.click("form[action='/manage/price'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/products/100002\?changed=price$"))
    expect(page.locator("[role=status]")).to_contain_text("Price saved")
    expect(page.locator("#stock-by-store tr[data-store='S2']")).to_contain_text("1.29 EUR")
    assert _price(world, "100002", "S2") == 129
    page.goto(url + "/manage")
    page.fill("#e-register", "R5")
    page.click("form[action='/manage/enrollment-code'] button[type=submit]")
    expect(page.locator("#enrollment-code")).to_be_visible()
    code = page.inner_text("#enrollment-code")
    assert re.fullmatch(r"[A-Z0-9]{4}(-[A-Z0-9]{4}){3}", code)
    shot(page, "enrollment-code")


def test_a_post_without_the_csrf_token_is_refused(world: Chain, page: Any) -> None:
    url = world.central.url
    browser_sign_in(page, url, ADMIN)
    expect(page.locator("h1")).to_have_text("Stores & registers")
    before = _price(world, "100001")
    # the browser's own session cookie goes along; only the token is missing
    r = page.request.post(url + "/manage/price",
                          form={"sku": "100001", "price": "0.01", "store": ""})
    assert r.status == 403 and "CSRF" in r.text()
    # a form without the token, submitted by the page itself (the page's CSP forbids fetch)
    page.evaluate("""() => {
        const f = document.createElement("form");
        f.method = "post";
        f.action = "/manage/price";
        for (const [k, v] of [["sku", "100001"], ["price", "0.02"], ["csrf", "forged"]]) {
            const i = document.createElement("input");
            i.type = "hidden"; i.name = k; i.value = v; f.appendChild(i);
        }
        document.body.appendChild(f);
        f.submit();
    }""")
    expect(page.locator("h1")).to_have_text("Refused")
    expect(page.locator("[role=alert]")).to_contain_text("CSRF")
    assert _price(world, "100001") == before


def test_an_owner_cannot_set_a_price(world: Chain, page: Any) -> None:
    url = world.central.url
    browser_sign_in(page, url, OWNER)
    expect(page.locator("header")).to_contain_text("owner (read-only)")
    page.click("nav >> text=Manage")
    expect(page.locator("main")).to_contain_text("change nothing")
    expect(page.locator("form[action='/manage/price']")).to_have_count(0)
    shot(page, "owner-manage")
    before = _price(world, "100001")
    token = page.get_attribute("form[action='/logout'] input[name=csrf]", "value")
    r = page.request.post(url + "/manage/price",  # a valid token of the owner's session
                          form={"sku": "100001", "price": "0.01", "store": "", "csrf": token})
    assert r.status == 403 and "Read-only account" in r.text()
    assert _price(world, "100001") == before
