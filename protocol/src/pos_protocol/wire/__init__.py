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
from collections.abc import Iterator
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


# -- text a database can hold ------------------------------------------------------------------
# Any Unicode the wire allows is kept as sent, but for two things JSON can carry and no
# database column can hold or be queried with: the NUL character (``\u0000``) and half of a
# surrogate pair (``\ud800`` alone; a whole pair is one character and fine).
_SURROGATE = re.compile("[\ud800-\udfff]")
# what a JSON text must contain for either to be in it (escapes: raw bytes cannot be either)
UNSTORABLE_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89abcdefABCDEF][0-9a-fA-F]{2})")


def text_problem(text: str) -> str | None:
    """Why a database cannot store or query ``text``, or None."""
    if "\x00" in text:
        return "contains a NUL character (U+0000), which cannot be stored"
    if not text.isascii() and _SURROGATE.search(text):
        return "contains half of a surrogate pair (an escape like \\ud800 alone), which is not text"
    return None


def unstorable(value: Any, where: str = "") -> WireError | None:
    """The first string in ``value`` (a key or a value, at any depth) a database cannot store or
    query, as a WireError naming its field (``events[3].payload.note``); None when all can."""
    if isinstance(value, str):
        why = text_problem(value)
        return WireError(where or "body", why) if why else None
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{where}.{key}" if where else str(key)
            why = text_problem(key) if isinstance(key, str) else None
            if why:
                return WireError(f"{where}.{key!r}" if where else repr(key), f"a key {why}")
            found = unstorable(item, path)
            if found:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = unstorable(item, f"{where}[{i}]")
            if found:
                return found
    return None


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
    # A DepositType code charged once per scan of this barcode (a crate), on top of the
    # product's per-unit deposit. Optional: sent only when set; older registers ignore it.
    deposit: str | None = None

    def to_json(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        if d["deposit"] is None:
            del d["deposit"]
        return d


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
    deposit: str | None = None  # a DepositType code, charged per base unit
    tare: int | None = None  # base units taken off a weight entered at the register

    def to_json(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["barcodes"] = [b.to_json() for b in self.barcodes]
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
                                _int(b, "pack_price", bw, required=False, lo=0),
                                _str(b, "deposit", bw, 16, required=False) or None))
    active = _bool(obj, "active", where, default=True)
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
        deposit=_str(obj, "deposit", where, 16, required=False) or None,
        tare=_int(obj, "tare", where, required=False, lo=0, hi=100_000),
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
    promotions: tuple[PromotionRule, ...] = ()
    deposits: tuple[DepositType, ...] = ()


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
    # what the central last measured of this register (register_health; None: never)
    clock_skew_ms: int | None = None  # central's time minus the register's clock
    clock_checked_at: str | None = None
    quarantined: int | None = None  # as the register last reported it
    quarantined_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _obj(obj: Any, where: str) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise WireError(where, "expected an object")
    return obj


def _bool(obj: dict[str, Any], key: str, where: str = "", default: bool = False) -> bool:
    v = obj.get(key, default)
    if not isinstance(v, bool):
        raise WireError(f"{where}.{key}" if where else key, "expected true or false")
    return v


def _opt_time(obj: dict[str, Any], key: str, where: str = "") -> str | None:
    return None if obj.get(key) is None else _time(obj, key, where)


def _list(obj: dict[str, Any], key: str, where: str = "") -> list[Any]:
    items = obj.get(key)
    if not isinstance(items, list):
        raise WireError(f"{where}.{key}" if where else key, "expected a list")
    return items


def _objects(obj: dict[str, Any], key: str,
             where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """(field path, object) for each item of the list ``obj[key]``: the one page-parser loop."""
    path = f"{where}.{key}" if where else key
    for i, raw in enumerate(_list(obj, key, where)):
        w = f"{path}[{i}]"
        yield w, _obj(raw, w)


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
    out = []
    for w, s in _objects(body, "movements"):
        (m,) = parse_movements([s.get("movement")], f"{w}.movement")
        out.append(SiblingMovement(_int(s, "cursor", w, lo=1, hi=2**62) or 0,
                                   _str(s, "register", w, 16), m))
    return MovementsPage(cursor, tuple(out), _bool(body, "more"))


def parse_catalog_page(obj: Any) -> CatalogPage:
    body = _obj(obj, "answer")
    version = _int(body, "version", "", lo=0, hi=2**62) or 0
    items = _list(body, "products")
    products = tuple(parse_product(p, f"products[{i}]") for i, p in enumerate(items))
    return CatalogPage(version, products, _bool(body, "more"), *_retail_lists(body))


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
        clock_skew_ms=_int(body, "clock_skew_ms", "", required=False, lo=-(2**62), hi=2**62),
        clock_checked_at=_opt_time(body, "clock_checked_at"),
        quarantined=_int(body, "quarantined", "", required=False, lo=0, hi=2**62),
        quarantined_at=_opt_time(body, "quarantined_at"),
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


# -- register health (request headers) ----------------------------------------------------------
# Every authenticated request may carry what the register knows about itself; the central
# records it per register for the dashboard. Optional: older registers send none, and a value
# the central cannot read is ignored (health figures never make a request fail).
CLOCK_HEADER = "X-POS-Clock"  # the register's UTC clock when it sent the request (wire time)
QUARANTINED_HEADER = "X-POS-Quarantined"  # events the register has set aside (rejected)
PENDING_HEADER = "X-POS-Pending"  # events still waiting to be sent


@dataclass(frozen=True)
class Health:
    clock: str | None = None  # wire time (``..Z``)
    quarantined: int | None = None
    pending: int | None = None

    def headers(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.clock is not None:
            out[CLOCK_HEADER] = self.clock
        if self.quarantined is not None:
            out[QUARANTINED_HEADER] = str(self.quarantined)
        if self.pending is not None:
            out[PENDING_HEADER] = str(self.pending)
        return out


def parse_health(headers: Any) -> Health | None:
    """The health headers of a request (a case-insensitive mapping); unreadable values are
    dropped; None when there are none."""
    def count(name: str) -> int | None:
        text = (headers.get(name) or "").strip()
        return int(text) if text.isdigit() and len(text) <= 18 else None

    clock = (headers.get(CLOCK_HEADER) or "").strip()
    got = Health(clock if _TIME.match(clock) else None, count(QUARANTINED_HEADER),
                 count(PENDING_HEADER))
    return None if got == Health() else got


# -- Purchase orders and receiving (additive within v1) ---------------------------------------
#
# ``GET /purchase-orders`` → ``{"purchase_orders": [PurchaseOrder, ...]}``: the calling
# register's store's open POs (status ``sent`` or ``partially_received``), each with its lines
# (``ordered``, ``received`` so far, ``unit_cost``); the register replaces its copy with it.
# ``purchase_order.drafted`` payload: ``{"po_id": uuid, "vendor": str, "note": str,
# "lines": [{"sku", "quantity", "unit_cost"}]}`` (the central stores it as a sent PO).
# ``stock.received`` may carry ``"po_id"``, ``"vendor"``, ``"lines": [{"sku", "received",
# "damaged", "unit_cost"}]`` (``received`` went on hand; damaged did not) and
# ``"discrepancies": [{"sku", "kind", "quantity"}]`` (kind over|short|damaged|unexpected).
# ``reorder.set`` payload: ``{"sku", "reorder_point", "par_level"}`` (either may be null).
PO_OPEN_STATUSES = ("sent", "partially_received")
DISCREPANCY_KINDS = frozenset({"over", "short", "damaged", "unexpected"})


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


@dataclass(frozen=True)
class PoDraft:
    """What ``purchase_order.drafted`` carries."""

    po_id: str
    vendor: str
    note: str
    lines: tuple[PurchaseOrderLine, ...]


@dataclass(frozen=True)
class PoReceipt:
    """The PO part of a ``stock.received`` event: good quantity received per SKU."""

    po_id: str
    received: dict[str, int]


@dataclass(frozen=True)
class ReorderSet:
    sku: str
    reorder_point: int | None
    par_level: int | None


def _sku_lines(items: Any, where: str) -> list[tuple[str, dict[str, Any], str]]:
    """(field path, line, SKU) of a non-empty list of lines keyed by SKU, each SKU once (the
    lines of PO drafts and transfers)."""
    if not isinstance(items, list) or not items:
        raise WireError(where, "expected a non-empty list")
    out: list[tuple[str, dict[str, Any], str]] = []
    seen: set[str] = set()
    for i, raw in enumerate(items):
        w = f"{where}[{i}]"
        ln = _obj(raw, w)
        sku = _str(ln, "sku", w, 64)
        if sku in seen:
            raise WireError(f"{w}.sku", f"SKU {sku} appears twice")
        seen.add(sku)
        out.append((w, ln, sku))
    return out


def _discrepancies(body: dict[str, Any], where: str) -> list[tuple[str, dict[str, Any]]]:
    """(field path, entry) of the optional ``discrepancies`` list, each kind checked."""
    out = []
    if body.get("discrepancies") is None:
        return out
    for w, d in _objects(body, "discrepancies", where):
        if d.get("kind") not in DISCREPANCY_KINDS:
            raise WireError(f"{w}.kind", "expected over, short, damaged or unexpected")
        out.append((w, d))
    return out


def _lines(items: Any, where: str, qty_key: str) -> tuple[PurchaseOrderLine, ...]:
    return tuple(PurchaseOrderLine(sku, _int(ln, qty_key, w, lo=1) or 0, 0,
                                   _int(ln, "unit_cost", w, required=False, lo=0))
                 for w, ln, sku in _sku_lines(items, where))


def parse_po_draft(payload: Any, where: str = "payload") -> PoDraft:
    body = _obj(payload, where)
    return PoDraft(_uuid(body, "po_id", where), _str(body, "vendor", where, 100),
                   _str(body, "note", where, 200, required=False),
                   _lines(body.get("lines"), f"{where}.lines", "quantity"))


def parse_po_receipt(payload: Any, where: str = "payload") -> PoReceipt | None:
    """The PO a ``stock.received`` event fills, or None for a delivery without a PO."""
    body = _obj(payload, where)
    if body.get("po_id") is None:
        return None
    po_id = _uuid(body, "po_id", where)
    items = body.get("lines", [])
    if not isinstance(items, list):
        raise WireError(f"{where}.lines", "expected a list")
    got: dict[str, int] = {}
    for i, raw in enumerate(items):
        w = f"{where}.lines[{i}]"
        ln = _obj(raw, w)
        sku = _str(ln, "sku", w, 64)
        got[sku] = got.get(sku, 0) + (_int(ln, "received", w, lo=0) or 0)
        _int(ln, "damaged", w, required=False, lo=0)
    for w, d in _discrepancies(body, where):
        _int(d, "quantity", w, lo=0)
    return PoReceipt(po_id, got)


def parse_reorder_set(payload: Any, where: str = "payload") -> ReorderSet:
    body = _obj(payload, where)
    return ReorderSet(_str(body, "sku", where, 64),
                      _int(body, "reorder_point", where, required=False, lo=0),
                      _int(body, "par_level", where, required=False, lo=0))


def parse_purchase_orders_page(obj: Any) -> PurchaseOrdersPage:
    body = _obj(obj, "answer")
    out = []
    for w, po in _objects(body, "purchase_orders"):
        status = _str(po, "status", w, 20)
        origin = _str(po, "origin", w, 10)
        parsed = [PurchaseOrderLine(
            _str(ln, "sku", lw, 64), _int(ln, "ordered", lw, lo=1) or 0,
            _int(ln, "received", lw, lo=0) or 0,
            _int(ln, "unit_cost", lw, required=False, lo=0)) for lw, ln in _objects(po, "lines", w)]
        out.append(PurchaseOrder(
            id=_uuid(po, "id", w), number=_str(po, "number", w, 40),
            vendor=_str(po, "vendor", w, 100), status=status, origin=origin,
            created_at=_time(po, "created_at", w), lines=tuple(parsed),
            sent_at=_opt_time(po, "sent_at", w),
            note=_str(po, "note", w, 200, required=False)))
    return PurchaseOrdersPage(tuple(out))


# -- Retail rules in the catalog (issue 10; additive within v1) --------------------------------
#
# A catalog page may carry ``"promotions": [PromotionRule, ...]`` and ``"deposits":
# [DepositType, ...]`` changed after ``since`` (they take versions from the same counter as the
# products), and a product may carry ``"deposit": code`` and ``"tare": base units``. Registers
# that predate these fields ignore them; a page without them means "no change".
# PromotionRule: ``{"id", "label", "kind": "multibuy"|"bundle"|"department", "version",
# "active", "window": {...}}`` plus, by kind, ``skus, qty, pay_for|price`` / ``slots: [[sku,
# ...], ...], price`` / ``department, percent_ppm|amount_off``; docs/promotions.md.

PROMOTION_KINDS = ("multibuy", "bundle", "department")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class PromotionRule:
    """A promotion as the central stores and sends it; ``rule`` is the normalised JSON."""

    promo_id: str
    label: str
    kind: str
    rule: dict[str, Any]
    version: int = 0
    active: bool = True

    def to_json(self) -> dict[str, Any]:
        return {**self.rule, "version": self.version, "active": self.active}


@dataclass(frozen=True)
class DepositType:
    """A container deposit (bottle, can, crate); ``tax_class`` None: the store's rule decides."""

    code: str
    name: str
    amount: int
    tax_class: str | None = None
    version: int = 0
    active: bool = True

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _skus(v: Any, where: str) -> list[str]:
    if not isinstance(v, list) or not v:
        raise WireError(where, "expected a non-empty list of SKUs")
    out = []
    for i, s in enumerate(v):
        if not isinstance(s, str) or not s or len(s) > 64:
            raise WireError(f"{where}[{i}]", "expected a SKU")
        out.append(s)
    return sorted(set(out))


def _window(v: Any, where: str) -> dict[str, Any]:
    w = _obj(v, where)
    out: dict[str, Any] = {}
    for key in ("start_date", "end_date"):
        if w.get(key) is not None:
            if not isinstance(w[key], str) or not _DATE.match(w[key]):
                raise WireError(f"{where}.{key}", "expected a date like 2026-12-24")
            out[key] = w[key]
    for key in ("start_time", "end_time"):
        if w.get(key) is not None:
            if not isinstance(w[key], str) or not _HHMM.match(w[key]):
                raise WireError(f"{where}.{key}", "expected a time like 17:30")
            out[key] = w[key]
    if ("start_time" in out) != ("end_time" in out):
        raise WireError(where, "a daily time window needs both start_time and end_time")
    if w.get("weekdays") is not None:
        days = w["weekdays"]
        if not isinstance(days, list) or not all(
                isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6 for d in days):
            raise WireError(f"{where}.weekdays", "expected a list of 0 (Monday) to 6 (Sunday)")
        out["weekdays"] = sorted(set(days))
    return out


def _percent_ppm(obj: dict[str, Any], where: str) -> int | None:
    """``percent_ppm`` as given, or ``percent`` ("12.5" or 10) in parts per million."""
    if obj.get("percent") is None:
        return _int(obj, "percent_ppm", where, required=False, lo=1, hi=1_000_000)
    v = obj["percent"]
    m = re.match(r"^(\d{1,3})(?:\.(\d{1,4}))?$", str(v)) if not isinstance(v, bool) else None
    if m is None:
        raise WireError(f"{where}.percent", "expected a percentage like 10 or 12.5")
    ppm = int(m.group(1)) * 10_000 + int((m.group(2) or "").ljust(4, "0"))
    if not 0 < ppm <= 1_000_000:
        raise WireError(f"{where}.percent", "expected more than 0 and at most 100")
    return ppm


def parse_promotion(obj: Any, where: str = "promotion") -> PromotionRule:
    """Validate a promotion (catalog page or an import file) into its normalised form."""
    o = _obj(obj, where)
    pid = _str(o, "id", where, 64)
    label = _str(o, "label", where, 60)
    kind = _str(o, "kind", where, 16)
    rule: dict[str, Any] = {"id": pid, "label": label, "kind": kind}
    if kind == "multibuy":
        rule["skus"] = _skus(o.get("skus"), f"{where}.skus")
        qty = _int(o, "qty", where, lo=1, hi=1000) or 0
        pay_for = _int(o, "pay_for", where, required=False, lo=1, hi=qty - 1 if qty > 1 else 0)
        price = _int(o, "price", where, required=False, lo=0)
        if (pay_for is None) == (price is None):
            raise WireError(where, "a multibuy needs either pay_for or a price")
        rule.update(qty=qty, **({"pay_for": pay_for} if pay_for else {"price": price}))
    elif kind == "bundle":
        slots = o.get("slots")
        if not isinstance(slots, list) or not slots:
            raise WireError(f"{where}.slots", "expected a list of SKU lists")
        rule["slots"] = [_skus(s, f"{where}.slots[{i}]") for i, s in enumerate(slots)]
        rule["price"] = _int(o, "price", where, lo=0)
    elif kind == "department":
        rule["department"] = _str(o, "department", where, 100)
        ppm = _percent_ppm(o, where)
        off = _int(o, "amount_off", where, required=False, lo=1)
        if (ppm is None) == (off is None):
            raise WireError(where, "a department deal needs either a percent or an amount_off")
        rule.update({"percent_ppm": ppm} if ppm else {"amount_off": off})
    else:
        raise WireError(f"{where}.kind", "expected multibuy, bundle or department")
    if o.get("window") is not None:
        win = _window(o["window"], f"{where}.window")
        if win:
            rule["window"] = win
    active = _bool(o, "active", where, default=True)
    version = _int(o, "version", where, required=False, lo=0, hi=2**62) or 0
    return PromotionRule(pid, label, kind, rule, version, active)


def parse_deposit(obj: Any, where: str = "deposit") -> DepositType:
    o = _obj(obj, where)
    active = _bool(o, "active", where, default=True)
    return DepositType(
        code=_str(o, "code", where, 16), name=_str(o, "name", where, 60),
        amount=_int(o, "amount", where, lo=0) or 0,
        tax_class=_str(o, "tax_class", where, 16, required=False) or None,
        version=_int(o, "version", where, required=False, lo=0, hi=2**62) or 0,
        active=active,
    )


def _retail_lists(body: dict[str, Any]
                  ) -> tuple[tuple[PromotionRule, ...], tuple[DepositType, ...]]:
    promos, deps = body.get("promotions") or [], body.get("deposits") or []
    if not isinstance(promos, list):
        raise WireError("promotions", "expected a list")
    if not isinstance(deps, list):
        raise WireError("deposits", "expected a list")
    return (tuple(parse_promotion(p, f"promotions[{i}]") for i, p in enumerate(promos)),
            tuple(parse_deposit(d, f"deposits[{i}]") for i, d in enumerate(deps)))


# -- Transfers between stores (issue 6; additive within v1) ------------------------------------
#
# ``GET /stores`` → ``{"stores": [{"code", "name"}, ...]}``: the stores other than the caller's.
# ``GET /transfers`` → ``{"transfers": [Transfer, ...]}``: transfers to the caller's store still
# ``in_transit``, each with its lines ``{"sku", "sent"}``; the register replaces its copy with it.
# ``stock.transferred_out`` payload: ``{"transfer_id": uuid, "number": "T-S1-R1-000003",
# "to_store", "lines": [{"sku", "quantity"}], "movements"}`` (``transfer_out``, negative).
# ``stock.transferred_in`` payload: ``{"transfer_id", "number", "from_store", "lines": [{"sku",
# "sent", "received", "damaged"}], "discrepancies": [{"sku", "kind", "quantity"}],
# "movements"}`` (``transfer_in`` for the good units received; damaged ones stay off hand).
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
    """A transfer as ``GET /transfers`` sends it, or as an event describes it."""

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


def _transfer_lines(items: Any, where: str, keys: tuple[str, ...]) -> tuple[TransferLine, ...]:
    """Lines keyed by SKU (each once); ``keys`` are the quantity fields, the first required."""
    return tuple(TransferLine(sku, *[_int(ln, k, w, required=j == 0, lo=0) or 0
                                     for j, k in enumerate(keys)])
                 for w, ln, sku in _sku_lines(items, where))


def parse_transfer_out(payload: Any, where: str = "payload") -> Transfer:
    """What ``stock.transferred_out`` says: sent quantities per SKU (from_store left empty:
    the sender is the token's store)."""
    body = _obj(payload, where)
    return Transfer(_uuid(body, "transfer_id", where), _str(body, "number", where, 60), "",
                    _str(body, "to_store", where, 16),
                    _transfer_lines(body.get("lines"), f"{where}.lines", ("quantity",)))


def parse_transfer_in(payload: Any, where: str = "payload") -> Transfer:
    """What ``stock.transferred_in`` says (to_store left empty: the token's store)."""
    body = _obj(payload, where)
    _discrepancies(body, where)  # kinds only: the quantities are the lines'
    return Transfer(_uuid(body, "transfer_id", where),
                    _str(body, "number", where, 60, required=False),
                    _str(body, "from_store", where, 16), "",
                    _transfer_lines(body.get("lines"), f"{where}.lines",
                                    ("sent", "received", "damaged")))


def parse_stores(obj: Any) -> tuple[StoreRef, ...]:
    body = _obj(obj, "answer")
    return tuple(StoreRef(_str(s, "code", w, 16), _str(s, "name", w, 200, required=False))
                 for w, s in _objects(body, "stores"))


def parse_transfers_page(obj: Any) -> tuple[Transfer, ...]:
    body = _obj(obj, "answer")
    out = []
    for w, tr in _objects(body, "transfers"):
        status = _str(tr, "status", w, 30)
        if status not in TRANSFER_STATUSES:
            raise WireError(f"{w}.status", f"unknown transfer status {status!r}")
        out.append(Transfer(
            _uuid(tr, "id", w), _str(tr, "number", w, 60), _str(tr, "from_store", w, 16),
            _str(tr, "to_store", w, 16), _transfer_lines(tr.get("lines"), f"{w}.lines",
                                                          ("sent",)),
            status, _opt_time(tr, "sent_at", w)))
    return tuple(out)
