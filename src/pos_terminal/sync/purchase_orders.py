"""The sync pull's purchase-orders step: this store's open POs replace the register's copy.

Called by ``Syncer.pull`` after the catalog (so the POs' SKUs are known). A central that
predates purchase orders answers 404; the step is then skipped, as it is for a store or client
double without these methods (tests of the worker alone).
"""

from __future__ import annotations

from typing import Any

from pos_terminal.sync.errors import CentralServerError


def pull_purchase_orders(store: Any, central: Any) -> int | None:
    """Fetch ``/purchase-orders`` and hand the page to ``store.apply_purchase_orders``;
    returns how many open POs it holds, or None when skipped."""
    apply = getattr(store, "apply_purchase_orders", None)
    if apply is None or not hasattr(central, "purchase_orders"):
        return None
    try:
        page = central.purchase_orders()
    except CentralServerError as exc:
        if exc.status == 404:  # an older central: no purchase orders there
            return None
        raise
    return int(apply(page))
