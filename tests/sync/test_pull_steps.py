"""The pull's purchase-order and transfer steps, declared in the worker's ``Central`` /
``SyncStore`` protocols: an older central that answers 404 to ``/stores`` and
``/purchase-orders`` is skipped and the register keeps what it has; any other failure is not
swallowed; a central that has them hands their pages to the register."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import httpx
import pytest
from sync_helpers import FakeCentral

from pos_protocol import wire
from pos_terminal.bootstrap import App
from pos_terminal.services.sync import SyncService
from pos_terminal.sync.client import CentralClient
from pos_terminal.sync.errors import CentralServerError
from pos_terminal.sync.worker import Syncer

WHEN = "2026-11-24T10:00:00.000Z"


def _page(number: str, sku: str) -> wire.PurchaseOrdersPage:
    return wire.PurchaseOrdersPage((wire.PurchaseOrder(
        str(uuid.uuid4()), number, "AquaCo", "sent", "central", WHEN,
        (wire.PurchaseOrderLine(sku, 12, 0, 34),), WHEN),))


@dataclass
class NewerCentral(FakeCentral):
    """The fake central plus ``/stores``, ``/transfers`` and ``/purchase-orders``;
    ``broken`` answers 500 there instead."""

    orders: wire.PurchaseOrdersPage | None = None
    broken: bool = False
    extra: list[str] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix(wire.API_PREFIX)
        if path not in ("/stores", "/transfers", "/purchase-orders"):
            return super().handle(request)
        self.extra.append(path)
        if self.broken:
            return httpx.Response(500, json={"error": "database down", "field": None})
        if path == "/stores":
            return httpx.Response(200, json={"stores": [{"code": "S2", "name": "Harbour"}]})
        if path == "/transfers":
            return httpx.Response(200, json={"transfers": []})
        assert self.orders is not None
        return httpx.Response(200, json={"purchase_orders": [
            po.to_json() for po in self.orders.purchase_orders]})


def _pull(app: App, fake: FakeCentral) -> None:
    client = CentralClient("http://central.test", fake.token, transport=fake.transport())
    syncer = Syncer(SyncService(app.ctx), client, "R1", 100)
    try:
        syncer.pull()
    finally:
        syncer.close()


def _open_numbers(app: App) -> list[str]:
    return [po.number for po in app.receiving.open_orders()]


def test_an_older_central_without_the_routes_is_skipped(app: App, products: list[dict]
                                                        ) -> None:
    app.sync.apply_purchase_orders(_page("PO-S1-000001", products[0]["sku"]))
    old = FakeCentral()
    _pull(app, old)  # 404 to /stores and /purchase-orders: no error, nothing replaced
    asked = [r.url.path.removeprefix(wire.API_PREFIX) for r in old.requests]
    assert "/stores" in asked and "/purchase-orders" in asked
    assert _open_numbers(app) == ["PO-S1-000001"]


def test_a_central_with_the_routes_replaces_the_pulled_orders(app: App, products: list[dict]
                                                              ) -> None:
    app.sync.apply_purchase_orders(_page("PO-S1-000001", products[0]["sku"]))
    newer = NewerCentral(orders=_page("PO-S1-000002", products[0]["sku"]))
    _pull(app, newer)
    assert newer.extra == ["/stores", "/transfers", "/purchase-orders"]
    assert _open_numbers(app) == ["PO-S1-000002"]
    assert [s.code for s in app.transfers.stores()] == ["S2"]


def test_other_failures_of_the_steps_are_not_swallowed(app: App, products: list[dict]) -> None:
    app.sync.apply_purchase_orders(_page("PO-S1-000001", products[0]["sku"]))
    with pytest.raises(CentralServerError, match="500"):
        _pull(app, NewerCentral(broken=True))
    assert _open_numbers(app) == ["PO-S1-000001"]
