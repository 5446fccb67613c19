"""Dashboard pages for purchase orders: the list (per store and status), one PO with send and
cancel, deliveries that named a PO they could not fill (``purchasing.flagged_receipts``), and
"create POs from suggestions" on the low-stock page. Changes are admin-only,
CSRF-protected form posts (``routes.post_guard``); owners see everything, change nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from pos_central.dashboard import auth, queries
from pos_central.errors import CentralError
from pos_central.services import purchasing

STATUS_TABS = (("open", "Open"), ("draft", "Drafts"), ("received", "Received"),
               ("cancelled", "Cancelled"), ("all", "All"))
FLAGGED_LIMIT = 100  # deliveries that filled no PO, newest first

Guarded = Callable[[Callable[[Request, auth.Viewer], Response]], Callable[[Request], Response]]
PostGuard = Callable[[Request, bool], Awaitable[tuple[auth.Viewer, dict[str, str]] | Response]]


def add(router: APIRouter, engine: Engine, guarded: Guarded, post_guard: PostGuard) -> None:
    from pos_central.dashboard.routes import _message, _page, _redirect

    def list_page(request: Request, v: auth.Viewer) -> Response:
        stores = queries.stores(engine)
        codes = [c for c, _, _ in stores]
        store = request.query_params.get("store", "")
        if store and store not in codes:
            return _message("Unknown store", f"There is no store {store}.", 404, v,
                            "/purchase-orders")
        status = request.query_params.get("status", "open")
        if status not in dict(STATUS_TABS):
            status = "open"
        orders = purchasing.list_orders(engine, store or None,
                                        None if status == "all" else status)
        currencies = {c: cur for c, _, cur in stores}
        return _page("purchase_orders.html", viewer=v, path="/purchase-orders",
                     stores=stores, store=store, state=status, tabs=STATUS_TABS,
                     orders=orders, currencies=currencies,
                     made=request.query_params.get("made", ""),
                     flagged=purchasing.flagged_receipts(engine, store or None, FLAGGED_LIMIT),
                     flagged_limit=FLAGGED_LIMIT)

    def detail_page(request: Request, v: auth.Viewer) -> Response:
        po = purchasing.get(engine, request.path_params["ref"])
        currency = next((cur for c, _, cur in queries.stores(engine) if c == po.store), "EUR")
        return _page("purchase_order.html", viewer=v, path="/purchase-orders", po=po,
                     currency=currency, changed=request.query_params.get("changed", ""))

    router.add_api_route("/purchase-orders", guarded(list_page), methods=["GET"])
    router.add_api_route("/purchase-orders/{ref}", guarded(detail_page), methods=["GET"])

    async def change(request: Request, do: Callable[[], Any], done: Callable[[Any], str]
                     ) -> Response:
        got = await post_guard(request, True)
        if isinstance(got, Response):
            return got
        v, _ = got
        try:
            result = await run_in_threadpool(do)
        except CentralError as exc:
            return _message("Not done", exc.message, exc.status, v, "/purchase-orders")
        return _redirect(done(result))

    @router.post("/purchase-orders/{ref}/send")
    async def send(request: Request, ref: str) -> Response:
        return await change(request, lambda: purchasing.send(engine, ref),
                            lambda po: f"/purchase-orders/{quote(po.number)}?changed=sent")

    @router.post("/purchase-orders/{ref}/cancel")
    async def cancel(request: Request, ref: str) -> Response:
        return await change(request, lambda: purchasing.cancel(engine, ref),
                            lambda po: f"/purchase-orders/{quote(po.number)}?changed=cancelled")

    @router.post("/low-stock/order")
    async def from_suggestions(request: Request) -> Response:
        got = await post_guard(request, True)
        if isinstance(got, Response):
            return got
        v, form = got
        store = form.get("store", "")
        try:
            made = await run_in_threadpool(purchasing.create_from_suggestions, engine, store)
        except CentralError as exc:
            return _message("Nothing ordered", exc.message, exc.status, v, "/low-stock")
        numbers = ", ".join(po.number for po in made)
        return _redirect("/purchase-orders?" + urlencode(
            {"store": store, "status": "draft", "made": numbers}))
