"""Purchase orders and reorder levels (additive within v1).

``GET /purchase-orders`` → ``{"purchase_orders": [PurchaseOrder, ...]}``: the calling register's
store's open POs (status ``sent`` or ``partially_received``), each with its lines (``ordered``,
``received`` so far, ``unit_cost``); the register replaces its copy with it. A manager's draft
at the register is a ``purchase_order.drafted`` event (the central stores it as a sent PO); a
delivery against a PO is a ``stock.received`` event naming it (``_stock.StockReceived``);
``reorder.set`` carries a product's reorder point and par level at the register's store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pos_protocol.wire import _fields as f
from pos_protocol.wire._record import Int, Many, Payload, Record, Text, Uuid, record, spec

PO_OPEN_STATUSES = ("sent", "partially_received")


@dataclass(frozen=True)
class PurchaseOrderLine:
    sku: str
    ordered: int
    received: int = 0
    unit_cost: int | None = None


@dataclass(frozen=True)
class PurchaseOrder:
    id: str
    number: str
    vendor: str
    status: str
    origin: str
    created_at: str
    lines: tuple[PurchaseOrderLine, ...]
    sent_at: str | None = None
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["lines"] = [ln.__dict__ for ln in self.lines]
        return d


@dataclass(frozen=True)
class PurchaseOrdersPage:
    purchase_orders: tuple[PurchaseOrder, ...]


def parse_purchase_orders_page(obj: Any) -> PurchaseOrdersPage:
    body = f.obj(obj, "answer")
    out = []
    for w, po in f.objects(body, "purchase_orders"):
        status = f.text(po, "status", w, 20)
        origin = f.text(po, "origin", w, 10)
        parsed = [PurchaseOrderLine(
            f.text(ln, "sku", lw, 64), f.integer(ln, "ordered", lw, lo=1) or 0,
            f.integer(ln, "received", lw, lo=0) or 0,
            f.integer(ln, "unit_cost", lw, required=False, lo=0))
            for lw, ln in f.objects(po, "lines", w)]
        out.append(PurchaseOrder(
            id=f.uid(po, "id", w), number=f.text(po, "number", w, 40),
            vendor=f.text(po, "vendor", w, 100), status=status, origin=origin,
            created_at=f.time(po, "created_at", w), lines=tuple(parsed),
            sent_at=f.opt_time(po, "sent_at", w),
            note=f.text(po, "note", w, 200, required=False)))
    return PurchaseOrdersPage(tuple(out))


@record
class DraftLine(Record):
    sku: str = spec(Text(64))
    quantity: int = spec(Int(lo=1))
    unit_cost: int | None = spec(Int(lo=0), default=None)


@record
class PurchaseOrderDrafted(Payload):
    """``purchase_order.drafted``: a PO a manager drafted at the register (codes resolved to
    SKUs, each SKU once, packs counted in base units)."""

    TYPE = "purchase_order.drafted"
    po_id: str = spec(Uuid())
    vendor: str = spec(Text(100))
    note: str = spec(Text(200), default="")
    lines: tuple[DraftLine, ...] = spec(Many(DraftLine, by_sku=True))


@record
class ReorderSet(Payload):
    """``reorder.set``: a manager's reorder point and par level for a product at this store
    (either may be null: none)."""

    TYPE = "reorder.set"
    sku: str = spec(Text(64))
    reorder_point: int | None = spec(Int(lo=0), default=None)
    par_level: int | None = spec(Int(lo=0), default=None)
