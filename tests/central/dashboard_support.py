"""Dashboard tests' shared pieces: a small chain with real events (through the real
``/api/v1/events`` with enrolled registers' tokens), accounts, a form-aware HTTP client, and
the browser (Playwright driving Debian's ``/usr/bin/chromium``; never ``playwright install``).

Browser tests skip, with the reason, only when /usr/bin/chromium is missing and ``CI`` is not
set; under ``CI`` they run and fail without it (``.ci/run`` installs it). Screenshots go to
``$POS_SCREENSHOTS`` (e.g. ``docs/screenshots``) as ``dashboard-NAME.png``, else to a
temporary folder.
"""

from __future__ import annotations

import os
import re
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from central_helpers import Till, enroll
from sqlalchemy import update

from pos_central.dashboard.auth import create_user
from pos_central.db import tables as t
from pos_central.testing import CentralHandle
from pos_protocol import wire

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
NO_BROWSER = "needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"),
                                    reason=NO_BROWSER)

ADMIN, OWNER, PASSWORD = "alice", "olivia", "correct horse battery"
CATALOG = """sku,name,variant,department,vendor,tax_class,unit,price,price_per,cost,barcodes,\
reorder_point,par_level
100001,Still Water,0.5 l,Beverages,AquaCo,RED,each,0.59,1,0.34,\
4037674097186|24037674097180*6=2.99,10,24
100002,Cola,0.33 l,Beverages,ColaCorp,STD,each,1.19,1,0.60,5449000000996,6,12
100003,Apples,,Produce,Orchard,RED,g,2.99,1000,,,2000,5000
100004,Sea Salt Crisps,150 g,Snacks,SnackCo,STD,each,1.49,1,0.70,,4,
"""


def wire_time(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


@dataclass
class Chain:
    """Stores S1 (registers R1, R2) and S2 (R1) with the catalog above, receipts and sales
    on the last few days, an admin and an owner account."""

    central: CentralHandle
    tills: dict[str, Till]
    sales: dict[tuple[str, str], tuple[int, int]]  # (store, day) -> (count, total)
    refunds: dict[tuple[str, str], int]

    def close(self) -> None:
        for till in self.tills.values():
            till.client.close()


class Events:
    """Builds a register's events with increasing sequence numbers."""

    def __init__(self) -> None:
        self.seq = 0

    def make(self, type_: str, when: datetime, moves: list[tuple[str, int, str]],
             **payload: Any) -> dict[str, Any]:
        self.seq += 1
        at = wire_time(when)
        movements = [{"id": str(uuid.uuid4()), "sku": sku, "quantity": q, "kind": kind,
                      "occurred_at": at} for sku, q, kind in moves]
        return {"event_id": str(uuid.uuid4()), "seq": self.seq, "type": type_,
                "occurred_at": at, "payload": {"movements": movements, **payload}}


PRICES = {"100001": 59, "100002": 119, "100004": 149}


@contextmanager
def chain(central: CentralHandle) -> Iterator[Chain]:
    central.create_store("S1", "Main Street")
    central.create_store("S2", "Harbour")
    central.import_catalog_csv(CATALOG)
    create_user(central.engine, ADMIN, PASSWORD, "admin")
    create_user(central.engine, OWNER, PASSWORD, "owner")
    tills = {f"{s}/{r}": enroll(central, s, r) for s, r in (("S1", "R1"), ("S1", "R2"),
                                                             ("S2", "R1"))}
    got = Chain(central, tills, {}, {})
    try:
        _fill(got)
        yield got
    finally:
        got.close()


def _fill(c: Chain) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    today = now.replace(hour=0, minute=0, second=0)
    seqs = {k: Events() for k in c.tills}
    start = today - timedelta(days=6, hours=-7)
    opening = {"S1/R1": [("100001", 48, "receive"), ("100002", 60, "receive"),
                         ("100003", 9000, "receive"), ("100004", 3, "receive")],
               "S2/R1": [("100001", 20, "receive"), ("100002", 5, "receive")]}
    for key, moves in opening.items():
        _post(c.tills[key], [seqs[key].make("stock.received", start, moves, delivery="D-1")])
    # sales: every day of the last week, a different basket per register
    baskets = {"S1/R1": [("100001", 3), ("100002", 1)], "S1/R2": [("100002", 2)],
               "S2/R1": [("100001", 1)]}
    for key, basket in baskets.items():
        store = key.split("/")[0]
        events = []
        for day in range(7):
            when = today - timedelta(days=6 - day) + timedelta(hours=9 + day % 5)
            if when > now:
                when = now - timedelta(minutes=5)
            times = 1 + (day * 7 + len(key)) % 3
            for _ in range(times):
                total = sum(PRICES[sku] * q for sku, q in basket)
                events.append(seqs[key].make(
                    "sale.completed", when, [(sku, -q, "sale") for sku, q in basket],
                    total=total, currency="EUR", receipt_no=f"{key}-{len(events)}"))
                slot = c.sales.get((store, when.date().isoformat()), (0, 0))
                c.sales[(store, when.date().isoformat())] = (slot[0] + 1, slot[1] + total)
        _post(c.tills[key], events, health_headers(key), pending=2 if key == "S2/R1" else 0)
    # a return at S1 today, restocking one water
    when = now - timedelta(minutes=3)
    _post(c.tills["S1/R1"], [seqs["S1/R1"].make("return.completed", when,
                                                [("100001", 1, "return")], refund=59)])
    c.refunds[("S1", when.date().isoformat())] = 59
    # S1/R2 last heard from three hours ago (stale); S2/R2 waits for its enrollment
    r = t.registers
    back = now - timedelta(hours=3)
    with c.central.engine.begin() as conn:
        conn.execute(update(r).where(r.c.store == "S1", r.c.code == "R2").values(
            last_contact_at=back, last_event_at=back, pending_reported_at=back))
    c.central.enroll_code("S2", "R2")


# What two registers report about themselves with their sales (wire.Health headers): S1/R1's
# clock runs 7½ minutes slow and it has quarantined two events; S2/R1 is in step. S1/R2 sends
# nothing (an older register).
SKEWS = {"S1/R1": timedelta(minutes=7, seconds=30), "S2/R1": timedelta(seconds=-0.4)}
QUARANTINED = {"S1/R1": 2, "S2/R1": 0}


def health_headers(key: str) -> dict[str, str] | None:
    """The headers register ``key`` sends now (None: it sends none)."""
    if key not in SKEWS:
        return None
    return wire.Health(wire_time(datetime.now(UTC) - SKEWS[key]), QUARANTINED[key]).headers()


def _post(till: Till, events: list[dict[str, Any]], headers: dict[str, str] | None = None,
          **kw: Any) -> None:
    r = till.client.post("/events", json={"events": events, **kw}, headers=headers)
    assert r.status_code == 200, r.text
    assert not r.json()["rejected"], r.text


# -- an HTTP client that signs in like a browser ----------------------------------------------
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    m = CSRF.search(html)
    assert m, "no CSRF field on the page"
    return m.group(1)


def web(central: CentralHandle, **kw: Any) -> httpx.Client:
    return httpx.Client(base_url=central.url, trust_env=False, follow_redirects=False,
                        timeout=30, **kw)


def sign_in(client: httpx.Client, user: str, password: str = PASSWORD, **headers: str
            ) -> httpx.Response:
    form = client.get("/login")
    return client.post("/login", data={"csrf": csrf_of(form.text), "username": user,
                                       "password": password, "next": "/"}, headers=headers)


@contextmanager
def signed_in(central: CentralHandle, user: str) -> Iterator[httpx.Client]:
    with web(central) as c:
        r = sign_in(c, user)
        assert r.status_code == 303, r.text
        yield c


# -- the browser ------------------------------------------------------------------------------
def screenshot_dir() -> Path:
    where = os.environ.get("POS_SCREENSHOTS")
    path = Path(where) if where else Path(tempfile.gettempdir()) / "pos-central-screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def new_page(browser: Any) -> Iterator[Any]:
    """A page in a fresh browser context (1280×860, 10 s timeouts), closed afterwards."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def browser_sign_in(page: Any, url: str, user: str, password: str = PASSWORD) -> None:
    """Sign in through the dashboard's login form."""
    page.goto(url + "/")
    page.fill("#username", user)
    page.fill("#password", password)
    page.click("form[action='/login'] button[type=submit]")


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Debian chromium under Playwright (its driver ships in the wheel)."""
    if not CHROMIUM.exists():
        pytest.fail(f"CI is set but {CHROMIUM} is missing; .ci/run installs it "
                    "(apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
