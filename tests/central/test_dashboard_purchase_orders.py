"""The dashboard's purchase orders over real HTTP: the low-stock alert in the nav and overview,
"create POs from suggestions" (admin only, CSRF), the PO list and detail with send/cancel."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from dashboard_support import ADMIN, OWNER, Chain, chain, csrf_of, signed_in

from pos_central.services import purchasing
from pos_central.testing import CentralHandle


@pytest.fixture
def fresh(central: CentralHandle) -> Iterator[Chain]:
    with chain(central) as c:
        yield c


def test_low_stock_alert_and_orders_from_suggestions(fresh: Chain) -> None:
    central = fresh.central
    low = purchasing.low_stock_counts(central.engine)
    with signed_in(central, OWNER) as c:
        home = c.get("/").text
        badge = re.search(r'href="/low-stock"[^>]*>Low stock <span class="badge"[^>]*>(\d+)<',
                          home)
        assert badge and int(badge.group(1)) == sum(low.values())
        assert f"<strong>{low['S2']}</strong> product(s) at or below" in home
        page = c.get("/low-stock", params={"store": "S2"}).text
        assert "Create purchase orders" not in page  # owners only look
        r = c.post("/low-stock/order", data={"csrf": csrf_of(page), "store": "S2"})
        assert r.status_code == 403 and "owner account" in r.text
    assert purchasing.list_orders(central.engine) == []
    with signed_in(central, ADMIN) as c:
        page = c.get("/low-stock", params={"store": "S2"}).text
        assert "Create purchase orders from these suggestions" in page
        r = c.post("/low-stock/order", data={"store": "S2"})  # no CSRF token
        assert r.status_code == 403
        assert purchasing.list_orders(central.engine) == []
        r = c.post("/low-stock/order", data={"csrf": csrf_of(page), "store": "S2"})
        assert r.status_code == 303 and r.headers["location"].startswith("/purchase-orders?")
        listing = c.get(r.headers["location"]).text
        made = purchasing.list_orders(central.engine, "S2")
        assert made and all(po.status == "draft" for po in made)
        for po in made:
            assert po.number in listing
        # what is now on order is suggested no more
        assert all(not s.suggested for s in purchasing.suggestions(central.engine, "S2"))
        water = next(po for po in made if po.vendor == "AquaCo")
        detail = c.get(f"/purchase-orders/{water.number}").text
        assert "Send to the vendor" in detail and "Cancel the order" in detail
        r = c.post(f"/purchase-orders/{water.number}/send", data={"csrf": csrf_of(detail)})
        assert r.status_code == 303
        sent = c.get(r.headers["location"]).text
        assert re.search(r'id="status">sent<', sent) and "Send to the vendor" not in sent
        r = c.post(f"/purchase-orders/{water.number}/send", data={"csrf": csrf_of(sent)})
        assert r.status_code == 409 and "only a draft one can be sent" in r.text
        r = c.post(f"/purchase-orders/{water.number}/cancel", data={"csrf": csrf_of(sent)})
        assert r.status_code == 303
        assert purchasing.get(central.engine, water.id).status == "cancelled"
        assert c.get("/purchase-orders/PO-S9-000001").status_code == 404
        all_page = c.get("/purchase-orders", params={"status": "all"}).text
        assert water.number in all_page and "cancelled" in all_page
