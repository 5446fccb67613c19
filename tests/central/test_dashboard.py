"""The web dashboard over real HTTP (no browser): sign-in, sessions, CSRF, roles, throttling,
and the figures its pages show against the database."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from dashboard_support import (
    ADMIN,
    OWNER,
    PASSWORD,
    Chain,
    chain,
    csrf_of,
    sign_in,
    signed_in,
    web,
)
from sqlalchemy import select, update

from pos_central import security
from pos_central.cli import main as cli_main
from pos_central.clock import utc_now
from pos_central.dashboard import auth
from pos_central.db import tables as t
from pos_central.testing import CentralHandle, running_central, test_db_url

PAGES = ("/", "/stock", "/stock?q=a", "/products/100001", "/products/100003", "/low-stock",
         "/low-stock?store=S2", "/transfers", "/sales", "/sales?days=90", "/manage")


@pytest.fixture(scope="module")
def shared() -> Iterator[Chain]:
    """One chain for the tests that change nothing (or only what they check)."""
    with test_db_url() as url, running_central(url) as central, chain(central) as c:
        yield c


@pytest.fixture
def fresh(central: CentralHandle) -> Iterator[Chain]:
    with chain(central) as c:
        yield c


def _price(central: CentralHandle, sku: str) -> int:
    with central.engine.connect() as conn:
        return int(conn.execute(select(t.products.c.price).where(t.products.c.sku == sku))
                   .scalar_one())


# -- sign-in and sessions ---------------------------------------------------------------------
def test_home_shows_a_sign_in_form_until_signed_in(shared: Chain) -> None:
    with web(shared.central) as c:
        r = c.get("/")
        assert r.status_code == 200
        assert re.search(r'<input[^>]*type="password"', r.text)
        assert "Stores &amp; registers" not in r.text
        assert c.get("/stock?q=cola").status_code == 303
        assert c.get("/stock?q=cola").headers["location"] == "/login?next=%2Fstock%3Fq%3Dcola"


def test_sign_in_sets_a_hashed_http_only_session_cookie(shared: Chain) -> None:
    with web(shared.central) as c:
        wrong = sign_in(c, ADMIN, "not the password")
        assert wrong.status_code == 401 and "Wrong user name or password" in wrong.text
        assert "pos_central_session" not in c.cookies
        r = sign_in(c, ADMIN)
        assert r.status_code == 303 and r.headers["location"] == "/"
        cookie = next(h for h in r.headers.get_list("set-cookie")
                      if h.startswith("pos_central_session="))
        token = cookie.split(";")[0].split("=", 1)[1]
        flags = cookie.lower()
        assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags
        assert "secure" not in flags  # plain http here; see the https test
        with shared.central.engine.connect() as conn:
            stored = conn.execute(select(t.admin_sessions.c.token_hash)).scalars().all()
        assert security.token_hash(token) in stored and token not in stored
        assert "Stores &amp; registers" in c.get("/").text


def test_cookie_is_secure_behind_https(shared: Chain) -> None:
    """Behind a TLS proxy on the same host (X-Forwarded-Proto from 127.0.0.1, trusted by
    uvicorn) the session cookie is Secure."""
    with web(shared.central) as c:
        r = sign_in(c, ADMIN, **{"X-Forwarded-Proto": "https"})
        assert r.status_code == 303
        cookie = next(h for h in r.headers.get_list("set-cookie")
                      if h.startswith("pos_central_session="))
        assert "secure" in cookie.lower()


def test_sessions_expire_when_idle_and_at_their_limit(fresh: Chain) -> None:
    central = fresh.central
    s = t.admin_sessions
    with signed_in(central, ADMIN) as c:
        assert "Sign out" in c.get("/").text
        with central.engine.begin() as conn:  # idle too long
            conn.execute(update(s).values(expires_at=utc_now() - timedelta(seconds=1)))
        r = c.get("/")
        assert r.status_code == 200 and 'type="password"' in r.text and "Sign out" not in r.text
        assert c.get("/sales").status_code == 303
    with signed_in(central, ADMIN) as c:  # use slides the idle expiry, up to the hard limit
        old = utc_now() - auth.SESSION_MAX + timedelta(minutes=5)
        with central.engine.begin() as conn:
            conn.execute(update(s).values(created_at=old, last_seen_at=old))
        assert "Sign out" in c.get("/").text
        with central.engine.connect() as conn:
            expires = conn.execute(select(s.c.expires_at)).scalar_one()
        assert expires <= old + auth.SESSION_MAX + timedelta(seconds=1)
        assert expires < utc_now() + auth.SESSION_IDLE - timedelta(minutes=20)


def test_sign_out_ends_the_session(shared: Chain) -> None:
    with signed_in(shared.central, ADMIN) as c:
        token = c.cookies["pos_central_session"]
        page = c.get("/").text
        assert c.post("/logout", data={}).status_code == 403  # no CSRF token: refused
        r = c.post("/logout", data={"csrf": csrf_of(page)})
        assert r.status_code == 303
    with web(shared.central, cookies={"pos_central_session": token}) as c2:
        assert 'type="password"' in c2.get("/").text


def test_signing_in_again_ends_the_old_session(shared: Chain) -> None:
    with signed_in(shared.central, ADMIN) as c:
        first = c.cookies["pos_central_session"]
        c.cookies.set("pos_central_login", "pre-session-token")  # a sign-in form in a 2nd tab
        r = c.post("/login", data={"csrf": "pre-session-token", "username": OWNER,
                                   "password": PASSWORD})
        assert r.status_code == 303
        assert c.cookies["pos_central_session"] != first
        assert "owner (read-only)" in c.get("/").text
    with shared.central.engine.connect() as conn:
        stored = set(conn.execute(select(t.admin_sessions.c.token_hash)).scalars())
    assert security.token_hash(first) not in stored


def test_next_only_redirects_within_the_dashboard(shared: Chain) -> None:
    with web(shared.central) as c:
        form = c.get("/login?next=//evil.example/x")
        assert 'name="next" value="/"' in form.text
        r = c.post("/login", data={"csrf": csrf_of(form.text), "username": ADMIN,
                                   "password": PASSWORD, "next": "https://evil.example/"})
        assert r.headers["location"] == "/"


def test_sign_in_form_needs_its_own_csrf_cookie(shared: Chain) -> None:
    with web(shared.central) as c:
        r = c.post("/login", data={"csrf": "made-up", "username": ADMIN, "password": PASSWORD})
        assert r.status_code == 403 and "pos_central_session" not in c.cookies


# -- throttling -------------------------------------------------------------------------------
def test_sign_in_is_throttled_after_repeated_failures(fresh: Chain) -> None:
    central = fresh.central
    with web(central) as c:
        for _ in range(auth.MAX_USER_FAILURES):
            assert sign_in(c, ADMIN, "wrong password").status_code == 401
        locked = sign_in(c, ADMIN)  # even the right password, for now
        assert locked.status_code == 429 and "too many failed sign-ins" in locked.text
        assert "pos_central_session" not in c.cookies
        assert sign_in(c, OWNER).status_code == 303  # another account is not locked
    with central.engine.begin() as conn:  # the window passes
        conn.execute(update(t.login_failures).values(
            failed_at=utc_now() - auth.FAILURE_WINDOW - timedelta(seconds=1)))
    with web(central) as c:
        assert sign_in(c, ADMIN).status_code == 303
    with central.engine.connect() as conn:  # success cleared the name's failures
        left = conn.execute(select(t.login_failures.c.username)).scalars().all()
    assert ADMIN not in left


def test_sign_in_is_throttled_per_address(fresh: Chain) -> None:
    with web(fresh.central) as c:
        for i in range(auth.MAX_REMOTE_FAILURES):
            assert sign_in(c, f"guess{i}", "wrong password").status_code == 401
        assert sign_in(c, ADMIN).status_code == 429


# -- CSRF and roles ---------------------------------------------------------------------------
def test_posts_without_the_csrf_token_are_refused(shared: Chain) -> None:
    central = shared.central
    before = _price(central, "100002")
    with signed_in(central, ADMIN) as c:
        token = csrf_of(c.get("/manage").text)
        form = {"sku": "100002", "price": "9.99", "store": ""}
        for data, headers in (
            (form, {}),  # no token
            ({**form, "csrf": "0" * 64}, {}),  # a wrong token
            ({**form, "csrf": token}, {"Origin": "https://evil.example"}),  # another site
        ):
            r = c.post("/manage/price", data=data, headers=headers)
            assert r.status_code == 403 and "CSRF" in r.text
        assert c.post("/manage/enrollment-code",
                      data={"store": "S1", "register": "R9"}).status_code == 403
        assert _price(central, "100002") == before
        other = web(central)  # another session's token does not fit this one
        sign_in(other, OWNER)
        r = c.post("/manage/price", data={**form, "csrf": csrf_of(other.get("/").text)})
        assert r.status_code == 403
        other.close()
    assert _price(central, "100002") == before
    assert all(r["register"] != "R9" for r in central.registers())


def test_admin_sets_prices_and_makes_enrollment_codes(fresh: Chain) -> None:
    central = fresh.central
    with signed_in(central, ADMIN) as c:
        token = csrf_of(c.get("/manage").text)
        r = c.post("/manage/price", data={"csrf": token, "sku": "100002", "price": "1,25",
                                          "store": ""})
        assert r.status_code == 303 and r.headers["location"] == "/products/100002?changed=price"
        assert _price(central, "100002") == 125
        r = c.post("/manage/price", data={"csrf": token, "sku": "100002", "price": "1.35",
                                          "store": "S2"})
        assert r.status_code == 303
        page = c.get(r.headers["location"]).text
        assert "Price saved" in page and "1.35 EUR" in page and "1.25 EUR" in page
        bad = c.post("/manage/price", data={"csrf": token, "sku": "100002", "price": "1.234"})
        assert bad.status_code == 422 and "decimal places" in bad.text
        unknown = c.post("/manage/price", data={"csrf": token, "sku": "NOPE", "price": "1"})
        assert unknown.status_code == 404 and "unknown product NOPE" in unknown.text
        r = c.post("/manage/enrollment-code", data={"csrf": token, "store": "S2",
                                                    "register": "R7", "ttl_hours": "2"})
        assert r.status_code == 200
        code = re.search(r'id="enrollment-code">([A-Z0-9-]+)<', r.text).group(1)
    got = httpx.post(central.api + "/enroll", json={"code": code}, trust_env=False)
    assert got.status_code == 200 and got.json()["register"] == "R7"


def test_owners_see_everything_and_change_nothing(shared: Chain) -> None:
    central = shared.central
    before = _price(central, "100001")
    with signed_in(central, OWNER) as c:
        for path in PAGES:
            assert c.get(path).status_code == 200, path
        manage = c.get("/manage").text
        assert "owner" in manage and 'action="/manage/price"' not in manage
        token = csrf_of(manage)  # the sign-out form's: a valid token of this session
        r = c.post("/manage/price", data={"csrf": token, "sku": "100001", "price": "0.01"})
        assert r.status_code == 403 and "Read-only account" in r.text
        r = c.post("/manage/enrollment-code", data={"csrf": token, "store": "S1",
                                                    "register": "R8"})
        assert r.status_code == 403
    assert _price(central, "100001") == before
    assert all(r["register"] != "R8" for r in central.registers())


def test_create_admin_with_a_role(central_db_url: str, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse\n"))
    assert cli_main(["create-admin", "olga", "--role", "owner", "--password-stdin",
                     "--db", central_db_url]) == 0
    assert "owner olga created (read-only)" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse\n"))
    assert cli_main(["create-admin", "adam", "--password-stdin", "--db", central_db_url]) == 0
    with running_central(central_db_url) as central, central.engine.connect() as conn:
        roles = dict(conn.execute(select(t.admins.c.username, t.admins.c.role)).all())
    assert roles == {"olga": "owner", "adam": "admin"}


# -- pages ------------------------------------------------------------------------------------
URL = re.compile(r"""(?:https?:)?//([A-Za-z0-9.\-\[\]:]+)""")


def test_pages_use_nothing_from_outside(shared: Chain) -> None:
    """Every page and the stylesheet name no host but this one; no scripts at all."""
    with signed_in(shared.central, ADMIN) as c:
        bodies = {path: c.get(path) for path in (*PAGES, "/static/dashboard.css")}
    with web(shared.central) as anon:
        bodies["/ (signed out)"] = anon.get("/")
    for path, r in bodies.items():
        assert r.status_code == 200, path
        hosts = {h.split(":")[0] for h in URL.findall(r.text)}
        assert hosts <= {"127.0.0.1", "localhost"}, (path, hosts)
        assert "<script" not in r.text.lower(), path
        if path != "/static/dashboard.css":
            assert "default-src 'none'" in r.headers["content-security-policy"]
            assert r.headers["x-frame-options"] == "DENY"


def test_product_page_shows_the_databases_stock(shared: Chain) -> None:
    central = shared.central
    with signed_in(central, OWNER) as c:
        for code in ("100001", "4037674097186", "24037674097180", "100003"):
            r = c.get("/stock", params={"q": code})
            assert r.status_code == 303
            page = c.get(r.headers["location"]).text
            sku = "100003" if code == "100003" else "100001"
            unit = " g" if sku == "100003" else ""
            for store, qty in central.stock(sku).items():
                cell = re.search(rf'data-store="{store}".*?class="num on-hand">([^<]+)<', page,
                                 re.S)
                assert cell and cell.group(1) == f"{qty:,}".replace(",", " ") + unit
        listing = c.get("/stock", params={"q": "e"}).text  # several matches: a list
        assert "Still Water" in listing and "Apples" in listing and "Cola" not in listing
        assert "Nothing matches" in c.get("/stock", params={"q": "zzz"}).text


def test_low_stock_suggests_par_minus_on_hand(shared: Chain) -> None:
    central = shared.central
    with signed_in(central, ADMIN) as c:
        s2 = c.get("/low-stock", params={"store": "S2"}).text
        assert c.get("/low-stock", params={"store": "S9"}).status_code == 404
    rows = dict(re.findall(r'href="/products/(\d+)">.*?<strong>([^<]+)</strong>', s2, re.S))
    water = central.stock("100001")["S2"]
    assert water <= 10 and rows["100001"] == str(24 - water)
    assert rows["100003"] == "5 000 g"  # nothing in S2: par 5000 g
    assert rows["100004"] == "no par level"
    assert "100002" in rows  # cola: 5 on hand, reorder point 6


def test_sales_per_day_match_the_events(shared: Chain) -> None:
    from pos_central.dashboard.queries import sales_per_day

    report = sales_per_day(shared.central.engine, 14)
    got = {(r.store, r.day.isoformat()): (r.sales, r.total) for r in report.rows}
    assert got == shared.sales
    refunds = {(r.store, r.day.isoformat()): r.refunds for r in report.rows if r.refunds}
    assert refunds == shared.refunds
    with signed_in(shared.central, OWNER) as c:
        page = c.get("/sales", params={"days": 7}).text
    assert page.count("<svg") == 1 and "<polyline" in page
    _, (_, total) = max(shared.sales.items())
    assert f"{total // 100}.{total % 100:02d} EUR" in page


def test_sales_survive_odd_payloads(fresh: Chain) -> None:
    """A sale whose total is not an integer is counted but not summed; one whose payload
    escapes a lone surrogate (text PostgreSQL's json cannot read) is refused (422, naming the
    field) and never stored; the page still renders."""
    from dashboard_support import Events

    from pos_central.dashboard.queries import sales_per_day

    ev = Events()
    ev.seq = 1000
    now = utc_now() - timedelta(minutes=1)
    odd = ev.make("sale.completed", now, [("100001", -1, "sale")], total="1.00", currency="EUR")
    lone = ev.make("sale.completed", now, [("100001", -1, "sale")], total=59, currency="EUR",
                   note="\ud800")
    r = fresh.tills["S2/R1"].client.post(  # json.dumps escapes the surrogate as \ud800
        "/events", content=json.dumps({"events": [odd, lone]}),
        headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["field"] == "events[1].payload.note", r.text
    r = fresh.tills["S2/R1"].client.post(
        "/events", content=json.dumps({"events": [odd]}),
        headers={"Content-Type": "application/json"})
    assert r.status_code == 200 and not r.json()["rejected"], r.text
    today = [x for x in sales_per_day(fresh.central.engine, 1).rows if x.store == "S2"]
    before = fresh.sales[("S2", now.date().isoformat())]
    assert today[0].sales == before[0] + 1
    assert today[0].unusable == 1
    assert today[0].total == before[1]
    with signed_in(fresh.central, ADMIN) as c:
        page = c.get("/sales")
    assert page.status_code == 200 and "without a total" in page.text


def test_transfers_section_is_empty_without_transfers(shared: Chain) -> None:
    with signed_in(shared.central, ADMIN) as c:
        assert "No transfers yet" in c.get("/transfers").text


def test_overview_shows_registers_and_their_backlog(shared: Chain) -> None:
    with signed_in(shared.central, OWNER) as c:
        page = c.get("/").text
    assert "S1 · Main Street" in page and "S2 · Harbour" in page
    s2 = page.split("S2 · Harbour")[1]
    row = re.search(r'<th scope="row">R1</th>(.*?)</tr>', s2, re.S).group(1)
    cells = re.findall(r'<td class="num">(.*?)</td>', row, re.S)
    held = shared.central.registers()[2]["events_held"]
    assert cells[0] == str(held) and cells[2].startswith("2<br>")
    assert "waiting for enrollment" in s2
    s1 = page.split("S1 · Main Street")[1].split("S2 · Harbour")[0]
    stale = re.search(r'<tr class="warn">\s*<th scope="row">(R\d)</th>', s1)
    assert stale and stale.group(1) == "R2" and "3 hours ago" in s1
    assert "Clock skew" in page and "Quarantined" in page


def test_overview_flags_clock_skew_and_quarantined_events(shared: Chain) -> None:
    with signed_in(shared.central, OWNER) as c:
        page = c.get("/").text
    regs = {(x["store"], x["register"]): x for x in shared.central.registers()}

    def row(store: str, register: str) -> str:
        part = page.split(f"<h2>{store} ·")[1].split("</section>")[0]
        return re.search(rf'<th scope="row">{register}</th>(.*?)</tr>', part, re.S).group(1)

    slow = regs[("S1", "R1")]  # its clock runs 7½ min slow; two events quarantined
    assert slow["quarantined"] == 2 and abs(slow["clock_skew_s"] - 450) < 5
    r = row("S1", "R1")
    assert re.search(r'<td class="skew alert"><span class="bad">7 min 3\d s behind', r)
    assert '<td class="num alert"><span class="bad">2</span>' in r and "--requeue" in r
    fine = regs[("S2", "R1")]
    assert fine["quarantined"] == 0 and abs(fine["clock_skew_s"]) < 5
    r = row("S2", "R1")
    assert "alert" not in r and re.search(r'<td class="skew">\d\.\d s (ahead|behind)', r)
    assert regs[("S1", "R2")]["clock_skew_s"] is None  # sends no health headers
    assert re.findall(r"<td[^>]*>(.*?)</td>", row("S1", "R2"), re.S)[-2:] == ["—", "—"]
