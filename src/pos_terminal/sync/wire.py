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
    "purchase_order.drafted",  # a PO drafted by a manager at the register
    "reorder.set",  # a manager's reorder point / par level for a product at this store
    "deposit.refunded",  # empties returned without a sale
})
MOVEMENT_KINDS = frozenset({
    "sale", "return", "receive", "adjust", "count_variance", "transfer_out", "transfer_in",
})
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")
_CANONICAL_UUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
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
    if _CANONICAL_UUID.match(v):  # the usual form, without building a UUID (ingest hot path)
        return v
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
    return _event_and_movements(obj, where)[0]


def _event_and_movements(obj: Any, w: str) -> tuple[Event, list[Movement]]:
    if not isinstance(obj, dict):
        raise WireError(w or "event", "expected an object")
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
    mw = f"{w}.payload.movements" if w else "payload.movements"
    return event, parse_movements(payload.get("movements", []), mw)


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


# -- Additions for the central service (all additive within v1) -------------------------------
#
# ``POST /events`` request may carry ``"pending": int`` (events the register still holds after
# this batch); the server keeps the last figure for ``/status`` and the admin's register list.
# ``GET /catalog`` and ``GET /movements`` take ``limit`` (default ``PAGE_LIMIT``, at most
# ``MAX_PAGE_LIMIT``) and answer ``"more": true`` when another page follows at once; a
# catalog page's ``version`` is then the last product's version, so ``since=version`` goes on.
# A sibling movement is ``{"cursor": int, "register": str, "movement": Movement}``.
# ``product.proposed`` events carry ``{"product": Product}`` (``version`` may be left out).
# ``GET /status`` → ``Status``; ``GET /health`` (no token) → ``{"ok": true, "protocol": 1}``.
# Every error answer is ``{"error": "one line for a person", "field": "dotted.path" | null}``
# with status 401 (missing/unknown/revoked token, unknown enrollment code), 403 (not allowed for
# this token; used or expired enrollment code), 413 (batch over MAX_BATCH_EVENTS or
# MAX_BATCH_BYTES), 415 (Content-Encoding other than gzip) or 422 (malformed request); nothing
# is stored on any of them.

PENDING_FIELD = "pending"
PAGE_LIMIT = 1000
MAX_PAGE_LIMIT = 5000


def batch_pending(body: Any) -> int | None:
    """The optional ``pending`` count of a batch request."""
    if not isinstance(body, dict) or body.get(PENDING_FIELD) is None:
        return None
    return _int(body, PENDING_FIELD, "", lo=0, hi=2**62)


def movement_to_json(m: Movement) -> dict[str, Any]:
    return {"id": m.id, "sku": m.sku, "quantity": m.quantity, "kind": m.kind,
            "occurred_at": m.occurred_at, "reason": m.reason, "reference": m.reference,
            "unit_cost": m.unit_cost, "seq": m.seq, "hash": m.hash}


def sibling_to_json(s: SiblingMovement) -> dict[str, Any]:
    return {"cursor": s.cursor, "register": s.register, "movement": movement_to_json(s.movement)}


@dataclass(frozen=True)
class Rejection:
    event_id: str | None
    field: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"event_id": self.event_id, "field": self.field, "reason": self.reason}


@dataclass(frozen=True)
class EventsAnswer:
    held: tuple[str, ...]
    rejected: tuple[Rejection, ...]


@dataclass(frozen=True)
class MovementsPage:
    cursor: int
    movements: tuple[SiblingMovement, ...]
    more: bool = False


@dataclass(frozen=True)
class CatalogPage:
    version: int
    products: tuple[Product, ...]
    more: bool = False


@dataclass(frozen=True)
class Enrollment:
    token: str
    store: str
    register: str


@dataclass(frozen=True)
class Status:
    """``GET /status``: the server's clock and what it has seen of the calling register."""

    protocol: int
    server_time: str
    store: str
    register: str
    last_contact_at: str | None  # before this request
    events_held: int
    last_seq: int | None  # highest event seq held
    last_event_at: str | None  # when the newest held event arrived
    pending: int | None  # the register's own count in its last batch
    pending_at: str | None
    catalog_version: int

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _obj(obj: Any, where: str) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise WireError(where, "expected an object")
    return obj


def _bool(obj: dict[str, Any], key: str) -> bool:
    v = obj.get(key, False)
    if not isinstance(v, bool):
        raise WireError(key, "expected true or false")
    return v


def _opt_time(obj: dict[str, Any], key: str) -> str | None:
    return None if obj.get(key) is None else _time(obj, key, "")


def parse_events_answer(obj: Any) -> EventsAnswer:
    body = _obj(obj, "answer")
    held, rejected = body.get("held"), body.get("rejected", [])
    if not isinstance(held, list) or not all(isinstance(h, str) for h in held):
        raise WireError("held", "expected a list of event ids")
    if not isinstance(rejected, list):
        raise WireError("rejected", "expected a list")
    out = []
    for i, r in enumerate(rejected):
        r = _obj(r, f"rejected[{i}]")
        eid = r.get("event_id")
        out.append(Rejection(eid if isinstance(eid, str) else None,
                             _str(r, "field", f"rejected[{i}]", 300),
                             _str(r, "reason", f"rejected[{i}]", 1000)))
    return EventsAnswer(tuple(held), tuple(out))


def parse_movements_page(obj: Any) -> MovementsPage:
    body = _obj(obj, "answer")
    cursor = _int(body, "cursor", "", lo=0, hi=2**62) or 0
    items = body.get("movements")
    if not isinstance(items, list):
        raise WireError("movements", "expected a list")
    out = []
    for i, s in enumerate(items):
        w = f"movements[{i}]"
        s = _obj(s, w)
        (m,) = parse_movements([s.get("movement")], f"{w}.movement")
        out.append(SiblingMovement(_int(s, "cursor", w, lo=1, hi=2**62) or 0,
                                   _str(s, "register", w, 16), m))
    return MovementsPage(cursor, tuple(out), _bool(body, "more"))


def parse_catalog_page(obj: Any) -> CatalogPage:
    body = _obj(obj, "answer")
    version = _int(body, "version", "", lo=0, hi=2**62) or 0
    items = body.get("products")
    if not isinstance(items, list):
        raise WireError("products", "expected a list")
    products = tuple(parse_product(p, f"products[{i}]") for i, p in enumerate(items))
    return CatalogPage(version, products, _bool(body, "more"))


def parse_enrollment(obj: Any) -> Enrollment:
    body = _obj(obj, "answer")
    return Enrollment(_str(body, "token", "", 200), _str(body, "store", "", 16),
                      _str(body, "register", "", 16))


def parse_status(obj: Any) -> Status:
    body = _obj(obj, "answer")
    return Status(
        protocol=_int(body, "protocol", "", lo=1, hi=1000) or 0,
        server_time=_time(body, "server_time", ""),
        store=_str(body, "store", "", 16), register=_str(body, "register", "", 16),
        last_contact_at=_opt_time(body, "last_contact_at"),
        events_held=_int(body, "events_held", "", lo=0, hi=2**62) or 0,
        last_seq=_int(body, "last_seq", "", required=False, lo=0, hi=2**62),
        last_event_at=_opt_time(body, "last_event_at"),
        pending=_int(body, "pending", "", required=False, lo=0, hi=2**62),
        pending_at=_opt_time(body, "pending_at"),
        catalog_version=_int(body, "catalog_version", "", lo=0, hi=2**62) or 0,
    )


def parse_proposal(payload: Any, where: str = "payload") -> Product:
    """The product a ``product.proposed`` event proposes (``{"product": {...}}``)."""
    body = _obj(payload, where)
    product = body.get("product")
    if isinstance(product, dict) and "version" not in product:
        product = {**product, "version": 0}
    return parse_product(product, f"{where}.product")


def error_of(obj: Any) -> tuple[str, str | None]:
    """(message, field) of an error answer, tolerating odd bodies (a proxy's HTML page)."""
    if isinstance(obj, dict) and isinstance(obj.get("error"), str):
        field = obj.get("field")
        return obj["error"], field if isinstance(field, str) else None
    return "the central service answered with an unexpected body", None


def parse_event_movements(obj: Any, where: str = "") -> tuple[Event, list[Movement]]:
    """``parse_event`` (same checks, same order) that also returns the parsed movements, so a
    consumer does not parse them twice; also refuses a movement id repeated inside the event."""
    event, movements = _event_and_movements(obj, where)
    mw = f"{where}.payload.movements" if where else "payload.movements"
    if len(movements) > 1:
        seen: set[str] = set()
        for i, m in enumerate(movements):
            if m.id in seen:
                raise WireError(f"{mw}[{i}].id", "movement id appears twice in this event")
            seen.add(m.id)
    return event, movements
