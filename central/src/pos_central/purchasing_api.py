"""HTTP routes for purchase orders (``services/purchasing.py``), added to the v1 API.

Registers: ``GET /api/v1/purchase-orders`` → the token's store's open POs (``wire``).
Admins: ``/api/v1/admin/purchase-orders`` — ``POST`` creates (``{"store", "vendor", "lines":
[{"sku", "quantity", "unit_cost"?}], "note"?, "send"?}`` or ``{"store",
"from_suggestions": true, "vendor"?}``), ``GET`` lists (``?store=&status=``), ``GET …/{ref}``
shows one (id or number), ``POST …/{ref}/send`` and ``…/{ref}/cancel``;
``GET /api/v1/admin/suggested-orders?store=S1[&vendor=V]``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from pos_central.api import Adm, Reg, _json, _object, _read
from pos_central.errors import BadInput
from pos_central.services import purchasing
from pos_protocol import wire

P = wire.API_PREFIX
StoreQ = Annotated[str | None, Query(max_length=16)]
StatusQ = Annotated[
    str | None, Query(pattern="^(draft|sent|partially_received|received|cancelled|open)$")]
VendorQ = Annotated[str | None, Query(max_length=100)]


def add_routes(app: FastAPI, engine: Engine) -> None:
    @app.get(f"{P}/purchase-orders")
    def register_pos(who: Reg) -> dict[str, Any]:
        page = purchasing.open_for_register(engine, who.store)
        return {"purchase_orders": [po.to_json() for po in page.purchase_orders]}

    @app.post(f"{P}/admin/purchase-orders", status_code=201)
    async def create(request: Request, _: Adm) -> dict[str, Any]:
        b = _object(_json(await _read(request, 256 * 1024)))
        store = b.get("store")
        if not isinstance(store, str):
            raise BadInput("store must be a store code", "store")
        if b.get("from_suggestions") is True:
            vendor = b.get("vendor")
            if vendor is not None and not isinstance(vendor, str):
                raise BadInput("vendor must be text", "vendor")
            got = await run_in_threadpool(purchasing.create_from_suggestions, engine, store,
                                          vendor)
            return {"purchase_orders": [po.to_json() for po in got]}
        raw = b.get("lines")
        if not isinstance(raw, list):
            raise BadInput("lines must be a list of {sku, quantity, unit_cost}", "lines")
        lines = []
        for i, ln in enumerate(raw):
            if not isinstance(ln, dict) or not isinstance(ln.get("sku"), str):
                raise BadInput(f"lines[{i}] needs a sku", f"lines[{i}].sku")
            lines.append((ln["sku"], ln.get("quantity"), ln.get("unit_cost")))
        vendor, note, send = b.get("vendor", ""), b.get("note", ""), b.get("send", False)
        if not isinstance(vendor, str) or not isinstance(note, str):
            raise BadInput("vendor and note must be text", "vendor")
        if not isinstance(send, bool):
            raise BadInput("send must be true or false", "send")
        po = await run_in_threadpool(purchasing.create, engine, store, vendor, lines, note,
                                     send)
        return po.to_json()

    @app.get(f"{P}/admin/purchase-orders")
    def list_pos(_: Adm, store: StoreQ = None, status: StatusQ = None) -> dict[str, Any]:
        return {"purchase_orders": [po.to_json() for po in
                                    purchasing.list_orders(engine, store, status)]}

    @app.get(P + "/admin/purchase-orders/{ref}")
    def get_po(ref: str, _: Adm) -> dict[str, Any]:
        return purchasing.get(engine, ref).to_json()

    @app.post(P + "/admin/purchase-orders/{ref}/send")
    def send_po(ref: str, _: Adm) -> dict[str, Any]:
        return purchasing.send(engine, ref).to_json()

    @app.post(P + "/admin/purchase-orders/{ref}/cancel")
    def cancel_po(ref: str, _: Adm) -> dict[str, Any]:
        return purchasing.cancel(engine, ref).to_json()

    @app.get(f"{P}/admin/suggested-orders")
    def suggested(_: Adm, store: Annotated[str, Query(max_length=16)],
                  vendor: VendorQ = None) -> dict[str, Any]:
        return {"store": store, "suggestions": [
            s.to_json() for s in purchasing.suggestions(engine, store, vendor)]}
