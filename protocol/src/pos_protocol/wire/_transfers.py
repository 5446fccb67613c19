"""Transfers between stores (issue 6; additive within v1).

``GET /stores`` → ``{"stores": [{"code", "name"}, ...]}``: the stores other than the caller's.
``GET /transfers`` → ``{"transfers": [Transfer, ...]}``: transfers to the caller's store still
``in_transit``, each with its lines ``{"sku", "sent"}``; the register replaces its copy with it.
``stock.transferred_out`` (``transfer_out`` movements, negative) and ``stock.transferred_in``
(``transfer_in`` for the good units received; damaged ones stay off hand) tell the central.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pos_protocol._errors import WireError
from pos_protocol.wire import _fields as f
from pos_protocol.wire._movements import MOVEMENTS, Movement
from pos_protocol.wire._record import Int, Many, Payload, Record, Text, Uuid, record, spec
from pos_protocol.wire._stock import Discrepancy

TRANSFER_STATUSES = ("in_transit", "received", "received_with_discrepancies")


@dataclass(frozen=True)
class StoreRef:
    code: str
    name: str


@dataclass(frozen=True)
class TransferLine:
    sku: str
    sent: int
    received: int = 0
    damaged: int = 0


@dataclass(frozen=True)
class Transfer:
    """A transfer as ``GET /transfers`` sends it."""

    id: str
    number: str
    from_store: str
    to_store: str
    lines: tuple[TransferLine, ...]
    status: str = "in_transit"
    sent_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "number": self.number, "from_store": self.from_store,
                "to_store": self.to_store, "status": self.status, "sent_at": self.sent_at,
                "lines": [{"sku": ln.sku, "sent": ln.sent} for ln in self.lines]}


def parse_stores(obj: Any) -> tuple[StoreRef, ...]:
    body = f.obj(obj, "answer")
    return tuple(StoreRef(f.text(s, "code", w, 16), f.text(s, "name", w, 200, required=False))
                 for w, s in f.objects(body, "stores"))


def parse_transfers_page(obj: Any) -> tuple[Transfer, ...]:
    body = f.obj(obj, "answer")
    out = []
    for w, tr in f.objects(body, "transfers"):
        status = f.text(tr, "status", w, 30)
        if status not in TRANSFER_STATUSES:
            raise WireError(f"{w}.status", f"unknown transfer status {status!r}")
        lines = tuple(TransferLine(sku, f.integer(ln, "sent", lw, lo=0) or 0)
                      for lw, ln, sku in f.sku_lines(tr.get("lines"), f"{w}.lines"))
        out.append(Transfer(
            f.uid(tr, "id", w), f.text(tr, "number", w, 60), f.text(tr, "from_store", w, 16),
            f.text(tr, "to_store", w, 16), lines, status, f.opt_time(tr, "sent_at", w)))
    return tuple(out)


@record
class SentLine(Record):
    sku: str = spec(Text(64))
    quantity: int = spec(Int(lo=0))


@record
class StockTransferredOut(Payload):
    """``stock.transferred_out``: stock sent to another store (the sender is the token's
    store); the transfer's number reads ``T-S1-R1-000003``."""

    TYPE = "stock.transferred_out"
    transfer_id: str = spec(Uuid())
    number: str = spec(Text(60))
    to_store: str = spec(Text(16))
    lines: tuple[SentLine, ...] = spec(Many(SentLine, by_sku=True))
    movements: tuple[Movement, ...] = spec(MOVEMENTS, default=())


@record
class ArrivedLine(Record):
    sku: str = spec(Text(64))
    sent: int = spec(Int(lo=0))
    received: int = spec(Int(lo=0), default=0)  # good units, put on hand
    damaged: int = spec(Int(lo=0), default=0)  # arrived unsellable, kept off hand


@record
class StockTransferredIn(Payload):
    """``stock.transferred_in``: a transfer received (the receiver is the token's store);
    the discrepancies' quantities are the lines' differences."""

    TYPE = "stock.transferred_in"
    discrepancies: tuple[Discrepancy, ...] = spec(Many(Discrepancy), default=(), omit=True)
    transfer_id: str = spec(Uuid())
    number: str = spec(Text(60), default="")
    from_store: str = spec(Text(16))
    lines: tuple[ArrivedLine, ...] = spec(Many(ArrivedLine, by_sku=True))
    movements: tuple[Movement, ...] = spec(MOVEMENTS, default=())
