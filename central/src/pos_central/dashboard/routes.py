"""The dashboard's pages and form posts (server-rendered HTML, Jinja2, no script).

Every page but the sign-in form needs a session; every POST needs the session's CSRF token in
the ``csrf`` field (the sign-in form a pre-session token in a cookie, double-submit), and is
refused when an ``Origin`` header names another site. Owners (read-only) get 403 on every
change. Errors are pages, never JSON or tracebacks.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from pos_central.clock import utc_now
from pos_central.dashboard import auth, chart, queries
from pos_central.errors import BadInput, CentralError, plain_fields
from pos_central.services import accounts, catalog

HERE = Path(__file__).parent
COOKIE = "pos_central_session"
LOGIN_COOKIE = "pos_central_login"
MAX_FORM_BYTES = 16 * 1024
SALES_DAYS = (7, 14, 30, 90)
CHART_STORES = 12
STORE_COLUMNS = 8  # search results show on-hand per store up to this many stores
NAV = (("/", "Stores & registers"), ("/stock", "Stock"), ("/low-stock", "Low stock"),
       ("/purchase-orders", "Purchase orders"), ("/transfers", "Transfers"),
       ("/sales", "Sales"), ("/manage", "Manage"))
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
STATIC = {"dashboard.css": "text/css; charset=utf-8"}


# -- formatting (display only) ----------------------------------------------------------------
def money(minor: int | None, currency: str) -> str:
    from pos_protocol.money import EXPONENTS, format_amount

    if minor is None:
        return "—"
    return f"{format_amount(int(minor), EXPONENTS.get(currency, 2))} {currency}"


def when(dt: datetime | None) -> str:
    return "—" if dt is None else dt.strftime("%Y-%m-%d %H:%M UTC")


def ago(dt: datetime | None, now: datetime | None = None) -> str:
    if dt is None:
        return "never"
    secs = int(((now or utc_now()) - dt).total_seconds())
    if secs < 0:
        return "just now"
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if secs >= size:
            n = secs // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def qty(n: int | None, unit: str = "each") -> str:
    if n is None:
        return "—"
    text = f"{n:,}".replace(",", " ")
    return text if unit == "each" else f"{text} {unit}"


_env = Environment(loader=FileSystemLoader(HERE / "templates"),
                   autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                   trim_blocks=True, lstrip_blocks=True)
_env.filters.update(money=money, when=when, ago=ago, qty=qty,
                    urlq=lambda s: quote(str(s), safe=""))


# -- responses --------------------------------------------------------------------------------
def _page(name: str, status: int = 200, viewer: auth.Viewer | None = None,
          path: str = "/", **ctx: Any) -> HTMLResponse:
    body = _env.get_template(name).render(viewer=viewer, nav=NAV, path=path, **ctx)
    return HTMLResponse(body, status, headers=SECURITY_HEADERS)


def _message(title: str, text: str, status: int, viewer: auth.Viewer | None = None,
             path: str = "/") -> HTMLResponse:
    return _page("message.html", status, viewer, path, title=title, text=text)


def _redirect(to: str) -> RedirectResponse:
    return RedirectResponse(to, 303, headers={"Cache-Control": "no-store"})


def _local(target: str | None) -> str:
    """A redirect target on this site only (a path, never //host or a scheme)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


async def _form(request: Request) -> dict[str, str]:
    """The urlencoded form of a POST (at most MAX_FORM_BYTES); first value of each field."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_FORM_BYTES:
            raise BadInput("form too large", "body")
    if ctype != "application/x-www-form-urlencoded":
        return {}
    try:
        parsed = parse_qs(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=50)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadInput("the form is not valid", "body") from exc
    form = {k: v[0] for k, v in parsed.items()}
    plain_fields(form.items())  # a NUL would stop the query that looks the value up
    return form


def _same_origin(request: Request) -> bool:
    """False when the browser says the POST comes from another site."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    host = request.headers.get("host", "")
    return origin in (f"{request.url.scheme}://{host}",)


# -- the router -------------------------------------------------------------------------------
def mount(app: FastAPI, engine: Engine) -> None:
    """Serve the dashboard at ``/`` of the central's app."""
    app.include_router(build_router(engine))


def build_router(engine: Engine) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def viewer_of(request: Request) -> auth.Viewer | None:
        return auth.viewer(engine, request.cookies.get(COOKIE))

    def signed_in(request: Request) -> auth.Viewer | Response:
        v = viewer_of(request)
        if v is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return _redirect("/login?" + urlencode({"next": target}))
        return v

    def guarded(render: Callable[[Request, auth.Viewer], Response]
                ) -> Callable[[Request], Response]:
        def handler(request: Request) -> Response:
            v: auth.Viewer | Response | None = None
            try:
                v = signed_in(request)
                if isinstance(v, Response):
                    return v
                return render(request, v)
            except CentralError as exc:
                shown = v if isinstance(v, auth.Viewer) else None
                return _message("Not available", exc.message, exc.status, shown,
                                request.url.path)
        return handler

    async def post_guard(request: Request, change: bool) -> tuple[auth.Viewer, dict[str, str]
                                                                  ] | Response:
        try:
            form = await _form(request)
        except BadInput as exc:
            return _message("Refused", exc.message, 413 if "large" in exc.message else 422)
        try:
            v = await run_in_threadpool(viewer_of, request)
        except CentralError as exc:
            return _message("Not available", exc.message, exc.status)
        if v is None:
            return _message("Signed out", "Your session has ended; sign in again.", 403)
        if not _same_origin(request) or not auth.csrf_ok(v.token, form.get("csrf")):
            return _message("Refused", "This form is stale or did not come from this "
                            "dashboard (missing or wrong CSRF token). Reload the page and try "
                            "again.", 403, v)
        if change and not v.can_change:
            return _message("Read-only account", f"{v.username} is an owner account: it can "
                            "see everything but change nothing. Ask an admin.", 403, v)
        return v, form

    # -- sign-in ------------------------------------------------------------------------------
    def login_page(request: Request, status: int = 200, error: str = "",
                   next_: str | None = None, username: str = "") -> HTMLResponse:
        pre = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
        resp = _page("login.html", status, None, "/login", csrf=pre, error=error,
                     next=_local(next_ or request.query_params.get("next")), username=username)
        resp.set_cookie(LOGIN_COOKIE, pre, max_age=3600, httponly=True, samesite="lax",
                        secure=_secure(request), path="/")
        return resp

    @router.get("/", response_class=HTMLResponse)
    def home(request: Request) -> Response:
        v = None
        try:
            v = viewer_of(request)
            if v is None:
                return login_page(request)
            low = queries.low_stock_counts(engine)
            return _page("overview.html", viewer=v, path="/", data=queries.overview(engine),
                         stale_after=queries.STALE_AFTER, skew_warn_ms=queries.SKEW_WARN_MS,
                         low=low, low_total=sum(low.values()))
        except CentralError as exc:
            return _message("Not available", exc.message, exc.status, v)

    @router.get("/login", response_class=HTMLResponse)
    def login_form(request: Request) -> Response:
        if viewer_of(request) is not None:
            return _redirect(_local(request.query_params.get("next")))
        return login_page(request)

    @router.post("/login")
    async def login(request: Request) -> Response:
        try:
            form = await _form(request)
        except BadInput as exc:
            return _message("Refused", exc.message, 413 if "large" in exc.message else 422)
        pre = request.cookies.get(LOGIN_COOKIE, "")
        sent = form.get("csrf", "")
        if not _same_origin(request) or not pre or not hmac.compare_digest(pre, sent):
            return login_page(request, 403, "The sign-in form expired or did not come from "
                              "this dashboard; try again (cookies must be allowed).",
                              form.get("next"))
        username = form.get("username", "")
        remote = request.client.host if request.client else "?"
        try:
            token = await run_in_threadpool(auth.sign_in, engine, username,
                                            form.get("password", ""), remote)
        except auth.Throttled as exc:
            return login_page(request, 429, exc.message, form.get("next"), username)
        except CentralError as exc:
            return login_page(request, exc.status, exc.message, form.get("next"), username)
        if token is None:
            return login_page(request, 401, "Wrong user name or password.", form.get("next"),
                              username)
        old = request.cookies.get(COOKIE)
        if old:  # signing in again ends the session the browser had
            await run_in_threadpool(auth.sign_out, engine, old)
        resp = _redirect(_local(form.get("next")))
        resp.set_cookie(COOKIE, token, max_age=int(auth.SESSION_MAX.total_seconds()),
                        httponly=True, samesite="lax", secure=_secure(request), path="/")
        resp.delete_cookie(LOGIN_COOKIE, path="/")
        return resp

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        got = await post_guard(request, change=False)
        if isinstance(got, Response):
            return got
        v, _ = got
        await run_in_threadpool(auth.sign_out, engine, v.token)
        resp = _redirect("/")
        resp.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax",
                           secure=_secure(request))
        return resp

    # -- pages --------------------------------------------------------------------------------
    def stock_page(request: Request, v: auth.Viewer) -> Response:
        q = request.query_params.get("q", "").strip()
        hits = queries.search(engine, q) if q else []
        if len(hits) == 1:
            return _redirect(f"/products/{quote(hits[0].sku, safe='')}")
        stores = queries.stores(engine)
        return _page("stock.html", viewer=v, path="/stock", q=q, hits=hits,
                     limit=queries.SEARCH_LIMIT,
                     columns=[c for c, _, _ in stores] if len(stores) <= STORE_COLUMNS else [])

    def product_page(request: Request, v: auth.Viewer) -> Response:
        sku = request.path_params["sku"]
        return _page("product.html", viewer=v, path="/stock", p=queries.product(engine, sku),
                     changed=request.query_params.get("changed", ""))

    def low_stock_page(request: Request, v: auth.Viewer) -> Response:
        stores = queries.stores(engine)
        counts = queries.low_stock_counts(engine)
        codes = [c for c, _, _ in stores]
        store = request.query_params.get("store") or next(
            (c for c in codes if counts.get(c)), codes[0] if codes else "")
        if store and store not in codes:
            return _message("Unknown store", f"There is no store {store}.", 404, v,
                            "/low-stock")
        rows = queries.low_stock(engine, store) if store else []
        return _page("low_stock.html", viewer=v, path="/low-stock", stores=stores,
                     counts=counts, store=store, rows=rows, limit=queries.LOW_STOCK_LIMIT,
                     low_total=sum(counts.values()))

    def transfers_page(request: Request, v: auth.Viewer) -> Response:
        return _page("transfers.html", viewer=v, path="/transfers",
                     board=queries.transfers(engine))

    def sales_page(request: Request, v: auth.Viewer) -> Response:
        from pos_protocol.money import EXPONENTS

        try:
            days = int(request.query_params.get("days", "14"))
        except ValueError:
            days = 14
        if days not in SALES_DAYS:
            days = 14
        report = queries.sales_per_day(engine, days)
        charts = []
        for cur in sorted({r.currency for r in report.rows}):
            per_store: dict[str, list[int]] = {}
            index = {d: i for i, d in enumerate(report.days)}
            for r in report.rows:
                if r.currency == cur:
                    per_store.setdefault(r.store, [0] * len(report.days))[index[r.day]] += r.total
            top = sorted(per_store, key=lambda s: (-sum(per_store[s]), s))[:CHART_STORES]
            charts.append({
                "currency": cur, "stores": len(per_store), "shown": len(top),
                "svg": chart.line_chart(report.days, [(s, per_store[s]) for s in sorted(top)],
                                        EXPONENTS.get(cur, 2),
                                        f"Sales per store per day ({cur})")})
        return _page("sales.html", viewer=v, path="/sales", report=report, charts=charts,
                     days=days, choices=SALES_DAYS)

    def manage_page(request: Request, v: auth.Viewer, status: int = 200, error: str = "",
                    form: dict[str, str] | None = None) -> Response:
        return _page("manage.html", status, v, "/manage", stores=queries.stores(engine),
                     error=error, form=form or {})

    router.add_api_route("/stock", guarded(stock_page), methods=["GET"])
    router.add_api_route("/products/{sku:path}", guarded(product_page), methods=["GET"])
    router.add_api_route("/low-stock", guarded(low_stock_page), methods=["GET"])
    router.add_api_route("/transfers", guarded(transfers_page), methods=["GET"])
    router.add_api_route("/sales", guarded(sales_page), methods=["GET"])
    router.add_api_route("/manage", guarded(manage_page), methods=["GET"])

    # -- changes (admins only) ----------------------------------------------------------------
    @router.post("/manage/enrollment-code")
    async def new_enrollment_code(request: Request) -> Response:
        got = await post_guard(request, change=True)
        if isinstance(got, Response):
            return got
        v, form = got
        try:
            hours = int(form.get("ttl_hours", "24") or "24")
            if not 1 <= hours <= 720:
                raise ValueError
        except ValueError:
            return await run_in_threadpool(manage_page, request, v, 422,
                                           "Valid for: a whole number of hours, 1 to 720.", form)
        try:
            code = await run_in_threadpool(
                accounts.make_enrollment_code, engine, form.get("store", ""),
                form.get("register", "").strip(), timedelta(hours=hours))
        except CentralError as exc:
            return await run_in_threadpool(manage_page, request, v, exc.status, exc.message,
                                           form)
        return _page("code.html", viewer=v, path="/manage", code=code)

    @router.post("/manage/price")
    async def set_price(request: Request) -> Response:
        got = await post_guard(request, change=True)
        if isinstance(got, Response):
            return got
        v, form = got
        sku = form.get("sku", "").strip()
        store = form.get("store", "").strip() or None
        try:
            minor = await run_in_threadpool(_price_minor, engine, form.get("price", ""), store)
            await run_in_threadpool(catalog.set_price, engine, sku, minor, store)
        except CentralError as exc:
            return await run_in_threadpool(manage_page, request, v, exc.status, exc.message,
                                           form)
        return _redirect(f"/products/{quote(sku, safe='')}?changed=price")

    @router.api_route("/static/{name}", methods=["GET", "HEAD"])
    def static(name: str) -> Response:
        if name not in STATIC:
            return Response("not found", 404, media_type="text/plain")
        return Response((HERE / "static" / name).read_bytes(), media_type=STATIC[name],
                        headers={"Cache-Control": "max-age=3600",
                                 "X-Content-Type-Options": "nosniff"})

    from pos_central.dashboard import purchasing_pages

    purchasing_pages.add(router, engine, guarded, post_guard)  # purchase orders
    return router


def _price_minor(engine: Engine, text: str, store: str | None) -> int:
    """A price typed by a person ("1.29") in minor units of the store's currency (the
    stores' one currency for a base price)."""
    from pos_protocol import InputError
    from pos_protocol.money import Currency

    stores = queries.stores(engine)
    if store is not None:
        found = [cur for code, _, cur in stores if code == store]
        if not found:
            raise BadInput(f"unknown store {store}", "store")
        currency = found[0]
    else:
        currencies = sorted({cur for _, _, cur in stores}) or ["EUR"]
        if len(currencies) > 1:
            raise BadInput("stores use several currencies (" + ", ".join(currencies) + "); "
                           "set the price per store", "store")
        currency = currencies[0]
    try:
        minor = Currency.of(currency).parse(text)
    except InputError as exc:
        raise BadInput(f"price: {exc}", "price") from exc
    if minor < 0:
        raise BadInput("price: must be 0 or more", "price")
    return minor
