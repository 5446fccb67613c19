"""HTTP routes for transfers between stores (``services/transfers.py``), added to the v1 API.

Registers: ``GET /api/v1/stores`` → the other stores (``{"stores": [{"code", "name"}]}``);
``GET /api/v1/transfers`` → transfers in transit to the token's store, with their lines.
Admins: ``GET /api/v1/admin/transfers?store=&status=`` → transfers with sent, received and
damaged units per line and any ``problem`` flagged.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Query
from sqlalchemy import Engine

from pos_central.api import Adm, Reg
from pos_central.services import transfers
from pos_protocol import wire

P = wire.API_PREFIX
StoreQ = Annotated[str | None, Query(max_length=16)]
StatusQ = Annotated[
    str | None, Query(pattern="^(in_transit|received|received_with_discrepancies)$")]


def add_routes(app: FastAPI, engine: Engine) -> None:
    @app.get(f"{P}/stores")
    def stores(who: Reg) -> dict[str, Any]:
        return {"stores": [s.__dict__ for s in transfers.other_stores(engine, who.store)]}

    @app.get(f"{P}/transfers")
    def inbound(who: Reg) -> dict[str, Any]:
        return {"transfers": [x.to_json() for x in transfers.inbound(engine, who.store)]}

    @app.get(f"{P}/admin/transfers")
    def admin_transfers(_: Adm, store: StoreQ = None, status: StatusQ = None) -> dict[str, Any]:
        return {"transfers": [r.to_json() for r in
                              transfers.list_transfers(engine, store, status)]}
