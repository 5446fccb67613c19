"""The sync pull's transfers step: the other stores and the transfers in transit to this store.

Called by ``Syncer.pull`` after the catalog and sibling movements. A central that predates
transfers answers 404 to ``GET /stores``; the step is then skipped (nothing to pull).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pos_terminal.sync.errors import CentralServerError

if TYPE_CHECKING:
    from pos_terminal.sync.worker import Central, SyncStore


def pull_transfers(store: SyncStore, central: Central) -> Any:
    """Fetch ``/stores`` and ``/transfers`` and hand both to ``store.apply_transfers``;
    returns what it answers, or None when the central has no such routes."""
    try:
        stores = central.stores()
    except CentralServerError as exc:
        if exc.status == 404:  # an older central: no transfers there
            return None
        raise
    return store.apply_transfers(stores, central.transfers())
