"""Stock events: deliveries received, adjustments, counts. Each carries the ledger movements it
made (``payload.movements``), which the central books once per movement id.

``stock.received`` may name the PO it fills (``po_id``, ``po_number``) with its ``lines``
(``received`` went on hand, ``damaged`` did not) and ``discrepancies`` (kind over, short,
damaged or unexpected). ``stock.counted`` is a count posted as variances, or (``correction``)
the late correction of counts that movements made before them arrived after.
"""

from __future__ import annotations

from pos_protocol.wire._movements import MOVEMENTS, Movement
from pos_protocol.wire._record import (
    Bool,
    Int,
    Many,
    Object,
    Payload,
    Record,
    Text,
    Time,
    Uuid,
    record,
    spec,
)

DISCREPANCY_KINDS = ("over", "short", "damaged", "unexpected")


@record
class Discrepancy(Record):
    """What arrived differently from what was expected (a delivery against a PO, a transfer)."""

    kind: str = spec(Text(16, choices=DISCREPANCY_KINDS))
    sku: str = spec(Text(64))
    quantity: int = spec(Int(lo=0))


@record
class ReceivedLine(Record):
    sku: str = spec(Text(64))
    counted: int = spec(Int(lo=0), default=0)
    received: int = spec(Int(lo=0))  # went on hand
    damaged: int = spec(Int(lo=0), default=0)  # arrived, not put on hand
    unit_cost: int | None = spec(Int(lo=0), default=None)


@record
class StockReceived(Payload):
    """``stock.received``: goods in (a delivery, opening stock), against a PO or not."""

    TYPE = "stock.received"
    reference: str = spec(Text(200), default="")
    delivery_id: str | None = spec(Uuid(), default=None, omit=True)
    vendor: str = spec(Text(100), default="", omit=True)
    po_id: str | None = spec(Uuid(), default=None, omit=True)
    po_number: str = spec(Text(40), default="", omit=True)
    lines: tuple[ReceivedLine, ...] = spec(Many(ReceivedLine), default=(), omit=True)
    discrepancies: tuple[Discrepancy, ...] = spec(Many(Discrepancy), default=(), omit=True)
    movements: tuple[Movement, ...] = spec(MOVEMENTS, default=())

    def received_by_sku(self) -> dict[str, int]:
        """Good units received per SKU (what a PO gets filled with)."""
        got: dict[str, int] = {}
        for ln in self.lines:
            got[ln.sku] = got.get(ln.sku, 0) + ln.received
        return got


@record
class StockAdjusted(Payload):
    """``stock.adjusted``: a signed correction; the reason code is on the movement."""

    TYPE = "stock.adjusted"
    reference: str = spec(Text(200))
    note: str = spec(Text(1000), default="")
    movements: tuple[Movement, ...] = spec(MOVEMENTS, default=())


@record
class CountedLine(Record):
    sku: str = spec(Text(64))
    counted: int = spec(Int(lo=0))
    expected: int | None = spec(Int(), default=None)  # on hand when counted
    counted_at: str | None = spec(Time(), default=None)
    variance: int = spec(Int(), default=0)  # posted: counted minus expected


@record
class StockCounted(Payload):
    """``stock.counted``: a count session posted as variances (``session_id``, ``lines``), or a
    late ``correction`` of ``sessions`` whose counts missed movements that arrived after."""

    TYPE = "stock.counted"
    reference: str = spec(Text(200))
    session_id: str | None = spec(Uuid(), default=None, omit=True)
    number: int | None = spec(Int(lo=1, hi=2**62), default=None, omit=True)
    scope: dict[str, object] | None = spec(Object(), default=None, omit=True)
    blind: bool = spec(Bool(), default=False, omit=True)
    lines: tuple[CountedLine, ...] = spec(Many(CountedLine), default=(), omit=True)
    skipped: int = spec(Int(lo=0), default=0, omit=True)  # products in scope left uncounted
    correction: str = spec(Text(300), default="", omit=True)
    sessions: tuple[str, ...] = spec(Many(Uuid()), default=(), omit=True)
    movements: tuple[Movement, ...] = spec(MOVEMENTS, default=())
