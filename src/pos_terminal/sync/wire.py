"""Sync protocol v1: the JSON shapes the register and the central service exchange.

This is the one module ``pos_central`` shares with the register (DESIGN.md). Plain Python only
(no pydantic, httpx or SQLAlchemy), so both sides can import it cheaply. Everything is
validated here, with errors that name the offending field.

Endpoints (all under ``/api/v1``, ``Authorization: Bearer <register token>`` except enroll):

``POST /events``
    request ``{"events": [Event, ...]}`` (optionally gzip-compressed with
    ``Content-Encoding: gzip``), at most ``MAX_BATCH_EVENTS`` events and ``MAX_BATCH_BYTES``
    bytes uncompressed. Answer ``{"held": [event_id, ...], "rejected": [{"event_id", "field",
    "reason"}, ...]}``: ``held`` lists every id the server now stores (new or already known), so
    the register marks exactly those sent; a rejected event is quarantined by the register.
``GET /catalog?since=VERSION``
    ``{"version": int, "products": [Product, ...]}``: products changed after ``since``.
``GET /movements?since=CURSOR``
    ``{"cursor": int, "movements": [SiblingMovement, ...]}``: the movements of this store's
    other registers after ``cursor``, oldest first; the register stores ``cursor`` for next time.
``POST /enroll``
    ``{"code": str}`` → ``{"token": str, "store": str, "register": str}``.

Money is integer minor units, quantities integer base units, times ISO-8601 UTC strings.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

PROTOCOL_VERSION = 1
API_PREFIX = "/api/v1"
MAX_BATCH_EVENTS = 1000
MAX_BATCH_BYTES = 8 * 1024 * 1024

EVENT_TYPES = frozenset({
    "sale.completed",
    "return.completed",
    "stock.received",
    "stock.adjusted",
    "stock.counted",
    "stock.transferred_out",
    "stock.transferred_in",
    "product.proposed",
})
MOVEMENT_KINDS = frozenset({
    "sale", "return", "receive", "adjust", "count_variance", "transfer_out", "transfer_in",
})
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")
MAX_QUANTITY = 10**9


class WireError(ValueError):
    """A malformed value; ``field`` is a dotted path such as ``events[3].payload.movements``."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Movement:
    """One ledger movement as carried in an event's ``payload.movements``."""

    id: str
    sku: str
    quantity: int
    kind: str
    occurred_at: str
    reason: str = ""
    reference: str = ""
    unit_cost: int | None = None
    seq: int | None = None
    hash: str | None = None


@dataclass(frozen=True)
class Event:
    event_id: str
    seq: int
    type: str
    occurred_at: str
    payload: dict[str, Any]

    @property
    def movements(self) -> list[Movement]:
        return parse_movements(self.payload.get("movements", []), "payload.movements")

    def to_json(self) -> dict[str, Any]:
        return {"event_id": self.event_id, "seq": self.seq, "type": self.type,
                "occurred_at": self.occurred_at, "payload": self.payload}


@dataclass(frozen=True)
class SiblingMovement:
    """A movement of another register of the same store, as pulled from the central."""

    cursor: int
    register: str
    movement: Movement


# -- validation helpers -----------------------------------------------------------------------
def _str(obj: dict[str, Any], key: str, where: str, max_len: int = 200,
         required: bool = True) -> str:
    v = obj.get(key)
    if v is None and not required:
        return ""
    if not isinstance(v, str) or (required and not v):
        raise WireError(f"{where}.{key}" if where else key, "expected a non-empty string")
    if len(v) > max_len:
        raise WireError(f"{where}.{key}" if where else key, f"longer than {max_len} characters")
    return v


def _int(obj: dict[str, Any], key: str, where: str, required: bool = True,
         lo: int = -MAX_QUANTITY, hi: int = MAX_QUANTITY) -> int | None:
    v = obj.get(key)
    if v is None and not required:
        return None
    if not isinstance(v, int) or isinstance(v, bool):
        raise WireError(f"{where}.{key}" if where else key, "expected an integer")
    if not lo <= v <= hi:
        raise WireError(f"{where}.{key}" if where else key, f"out of range {lo}..{hi}")
    return v


def _time(obj: dict[str, Any], key: str, where: str) -> str:
    v = _str(obj, key, where, 40)
    if not _TIME.match(v):
        raise WireError(f"{where}.{key}" if where else key,
                        "expected an ISO-8601 UTC time like 2026-11-24T15:04:05.123Z")
    return v


def _uuid(obj: dict[str, Any], key: str, where: str) -> str:
    v = _str(obj, key, where, 36)
    try:
        uuid.UUID(v)
    except ValueError as exc:
        raise WireError(f"{where}.{key}" if where else key, "expected a UUID") from exc
    return v


def parse_movements(items: Any, where: str) -> list[Movement]:
    if not isinstance(items, list):
        raise WireError(where, "expected a list")
    out = []
    for i, m in enumerate(items):
        w = f"{where}[{i}]"
        if not isinstance(m, dict):
            raise WireError(w, "expected an object")
        kind = _str(m, "kind", w, 20)
        if kind not in MOVEMENT_KINDS:
            raise WireError(f"{w}.kind", f"unknown movement kind {kind!r}")
        out.append(Movement(
            id=_uuid(m, "id", w), sku=_str(m, "sku", w, 64),
            quantity=_int(m, "quantity", w) or 0, kind=kind,
            occurred_at=_time(m, "occurred_at", w),
            reason=_str(m, "reason", w, 200, required=False),
            reference=_str(m, "reference", w, 200, required=False),
            unit_cost=_int(m, "unit_cost", w, required=False, lo=0),
            seq=_int(m, "seq", w, required=False, lo=1, hi=2**62),
            hash=_str(m, "hash", w, 64, required=False) or None,
        ))
    return out


def parse_event(obj: Any, where: str = "") -> Event:
    """Check one event; raises ``WireError`` naming the first bad field."""
    if not isinstance(obj, dict):
        raise WireError(where or "event", "expected an object")
    w = where
    type_ = _str(obj, "type", w, 40)
    if type_ not in EVENT_TYPES:
        raise WireError(f"{w}.type" if w else "type", f"unknown event type {type_!r}")
    payload = obj.get("payload")
    if not isinstance(payload, dict):
        raise WireError(f"{w}.payload" if w else "payload", "expected an object")
    event = Event(
        event_id=_uuid(obj, "event_id", w), seq=_int(obj, "seq", w, lo=1, hi=2**62) or 0,
        type=type_, occurred_at=_time(obj, "occurred_at", w), payload=payload,
    )
    parse_movements(payload.get("movements", []), f"{w}.payload.movements" if w
                    else "payload.movements")
    return event


def parse_batch(body: Any) -> list[Any]:
    """The raw event objects of a batch (each is checked on its own by ``parse_event``)."""
    if not isinstance(body, dict) or not isinstance(body.get("events"), list):
        raise WireError("events", "expected {\"events\": [...]}")
    events = body["events"]
    if len(events) > MAX_BATCH_EVENTS:
        raise WireError("events", f"more than {MAX_BATCH_EVENTS} events in one batch")
    return events


def event_id_of(obj: Any) -> str | None:
    """The event id of a raw (possibly invalid) event, for the per-event answer."""
    if isinstance(obj, dict) and isinstance(obj.get("event_id"), str):
        return obj["event_id"][:64]
    return None


@dataclass(frozen=True)
class Barcode:
    code: str
    multiplier: int = 1
    pack_price: int | None = None


@dataclass(frozen=True)
class Product:
    """A catalog entry as the central sends it (``GET /catalog``); money in minor units."""

    sku: str
    name: str
    tax_class: str
    price: int
    version: int
    variant: str = ""
    group: str = ""
    department: str = ""
    vendor: str = ""
    unit: str = "each"
    price_per: int = 1
    cost: int | None = None
    barcodes: tuple[Barcode, ...] = ()
    reorder_point: int | None = None
    par_level: int | None = None
    min_age: int | None = None
    max_per_sale: int | None = None
    active: bool = True

    def to_json(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["barcodes"] = [b.__dict__ for b in self.barcodes]
        return d


def parse_product(obj: Any, where: str = "product") -> Product:
    if not isinstance(obj, dict):
        raise WireError(where, "expected an object")
    unit = _str(obj, "unit", where, 8, required=False) or "each"
    if unit not in ("each", "g", "ml"):
        raise WireError(f"{where}.unit", "expected each, g or ml")
    codes = obj.get("barcodes", [])
    if not isinstance(codes, list):
        raise WireError(f"{where}.barcodes", "expected a list")
    barcodes = []
    for i, b in enumerate(codes):
        bw = f"{where}.barcodes[{i}]"
        if not isinstance(b, dict):
            raise WireError(bw, "expected an object")
        barcodes.append(Barcode(_str(b, "code", bw, 48),
                                _int(b, "multiplier", bw, required=False, lo=1) or 1,
                                _int(b, "pack_price", bw, required=False, lo=0)))
    active = obj.get("active", True)
    if not isinstance(active, bool):
        raise WireError(f"{where}.active", "expected true or false")
    return Product(
        sku=_str(obj, "sku", where, 64), name=_str(obj, "name", where, 200),
        tax_class=_str(obj, "tax_class", where, 16),
        price=_int(obj, "price", where, lo=0) or 0,
        version=_int(obj, "version", where, lo=0, hi=2**62) or 0,
        variant=_str(obj, "variant", where, 100, required=False),
        group=_str(obj, "group", where, 100, required=False),
        department=_str(obj, "department", where, 100, required=False),
        vendor=_str(obj, "vendor", where, 100, required=False),
        unit=unit, price_per=_int(obj, "price_per", where, required=False, lo=1) or 1,
        cost=_int(obj, "cost", where, required=False, lo=0), barcodes=tuple(barcodes),
        reorder_point=_int(obj, "reorder_point", where, required=False, lo=0),
        par_level=_int(obj, "par_level", where, required=False, lo=0),
        min_age=_int(obj, "min_age", where, required=False, lo=0, hi=120),
        max_per_sale=_int(obj, "max_per_sale", where, required=False, lo=1),
        active=active,
    )
