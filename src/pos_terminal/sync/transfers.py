"""The sync pull's transfers step: the other stores and the transfers in transit to this store.

Called by ``Syncer.pull`` after the catalog and sibling movements. A central that predates
transfers answers 404 to ``GET /stores``; the step is then skipped (nothing to pull), as it is
for a store or client double without these methods (tests of the worker alone).
"""

from __future__ import annotations

from typing import Any

from pos_terminal.sync.errors import CentralServerError


def pull_transfers(store: Any, central: Any) -> Any:
    """Fetch ``/stores`` and ``/transfers`` and hand both to ``store.apply_transfers``;
    returns what it answers, or None when skipped."""
    apply = getattr(store, "apply_transfers", None)
    if apply is None or not hasattr(central, "stores") or not hasattr(central, "transfers"):
        return None
    try:
        stores = central.stores()
    except CentralServerError as exc:
        if exc.status == 404:  # an older central: no transfers there
            return None
        raise
    return apply(stores, central.transfers())
