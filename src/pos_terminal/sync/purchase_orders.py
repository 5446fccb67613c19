"""The sync pull's purchase-orders step: this store's open POs replace the register's copy.

Called by ``Syncer.pull`` after the catalog (so the POs' SKUs are known). A central that
predates purchase orders answers 404; the step is then skipped and the register keeps the POs
it has.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pos_terminal.sync.errors import CentralServerError

if TYPE_CHECKING:
    from pos_terminal.sync.worker import Central, SyncStore


def pull_purchase_orders(store: SyncStore, central: Central) -> int | None:
    """Fetch ``/purchase-orders`` and hand the page to ``store.apply_purchase_orders``;
    returns how many open POs it holds, or None when the central has no such route."""
    try:
        page = central.purchase_orders()
    except CentralServerError as exc:
        if exc.status == 404:  # an older central: no purchase orders there
            return None
        raise
    return int(store.apply_purchase_orders(page))
