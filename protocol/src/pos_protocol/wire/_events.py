"""Events: the envelope every outbox event travels in, batches of them, and the answer.

``POST /events`` request ``{"events": [Event, ...], "pending": int?}`` (optionally gzip with
``Content-Encoding: gzip``), at most ``MAX_BATCH_EVENTS`` events and ``MAX_BATCH_BYTES`` bytes
uncompressed; ``pending`` is how many events the register still holds after this batch. Answer
``{"held": [event_id, ...], "rejected": [{"event_id", "field", "reason"}, ...]}``: ``held``
lists every id the server now stores (new or already known), so the register marks exactly
those sent; a rejected event is quarantined by the register.

An event is ``{"event_id": uuid, "seq": int, "type": str, "occurred_at": wire time,
"payload": {...}}``; ``PAYLOADS`` has the typed payload class of every type (``EVENT_TYPES``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pos_protocol._errors import WireError
from pos_protocol.wire import _fields as f
from pos_protocol.wire._catalog import ProductProposed
from pos_protocol.wire._movements import Movement, parse_movements
from pos_protocol.wire._purchase_orders import PurchaseOrderDrafted, ReorderSet
from pos_protocol.wire._record import Payload
from pos_protocol.wire._sales import DepositRefunded, ReturnCompleted, SaleCompleted
from pos_protocol.wire._stock import StockAdjusted, StockCounted, StockReceived
from pos_protocol.wire._transfers import StockTransferredIn, StockTransferredOut

PROTOCOL_VERSION = 1
API_PREFIX = "/api/v1"
MAX_BATCH_EVENTS = 1000
MAX_BATCH_BYTES = 8 * 1024 * 1024
PENDING_FIELD = "pending"
# ``GET /catalog`` and ``GET /movements`` take ``limit`` (default PAGE_LIMIT, at most
# MAX_PAGE_LIMIT) and answer ``"more": true`` when another page follows at once.
PAGE_LIMIT = 1000
MAX_PAGE_LIMIT = 5000

PAYLOADS: dict[str, type[Payload]] = {p.TYPE: p for p in (
    SaleCompleted, ReturnCompleted, DepositRefunded,
    StockReceived, StockAdjusted, StockCounted, StockTransferredOut, StockTransferredIn,
    ProductProposed, PurchaseOrderDrafted, ReorderSet,
)}
EVENT_TYPES = frozenset(PAYLOADS)


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


def parse_payload(event: Event, where: str = "") -> Payload:
    """The typed payload of a checked event (``PAYLOADS``); ``WireError`` names the first bad
    field (``events[3].payload.lines[0].sku``)."""
    return PAYLOADS[event.type].parse(event.payload, f.path(where, "payload"))


def parse_event(obj: Any, where: str = "") -> Event:
    """Check one event's envelope and movements; raises ``WireError`` naming the first bad
    field. The rest of the payload is the typed payload's (``parse_payload``)."""
    return _event_and_movements(obj, where)[0]


def parse_event_movements(obj: Any, where: str = "") -> tuple[Event, list[Movement]]:
    """``parse_event`` (same checks, same order) that also returns the parsed movements, so a
    consumer does not parse them twice; also refuses a movement id repeated inside the event."""
    event, movements = _event_and_movements(obj, where)
    mw = f.path(where, "payload.movements")
    if len(movements) > 1:
        seen: set[str] = set()
        for i, m in enumerate(movements):
            if m.id in seen:
                raise WireError(f"{mw}[{i}].id", "movement id appears twice in this event")
            seen.add(m.id)
    return event, movements


def _event_and_movements(obj: Any, w: str) -> tuple[Event, list[Movement]]:
    if not isinstance(obj, dict):
        raise WireError(w or "event", "expected an object")
    type_ = f.text(obj, "type", w, 40)
    if type_ not in EVENT_TYPES:
        raise WireError(f.path(w, "type"), f"unknown event type {type_!r}")
    payload = obj.get("payload")
    if not isinstance(payload, dict):
        raise WireError(f.path(w, "payload"), "expected an object")
    event = Event(
        event_id=f.uid(obj, "event_id", w), seq=f.integer(obj, "seq", w, lo=1, hi=2**62) or 0,
        type=type_, occurred_at=f.time(obj, "occurred_at", w), payload=payload,
    )
    return event, parse_movements(payload.get("movements", []), f.path(w, "payload.movements"))


def parse_batch(body: Any) -> list[Any]:
    """The raw event objects of a batch (each is checked on its own by ``parse_event``)."""
    if not isinstance(body, dict) or not isinstance(body.get("events"), list):
        raise WireError("events", "expected {\"events\": [...]}")
    events = body["events"]
    if len(events) > MAX_BATCH_EVENTS:
        raise WireError("events", f"more than {MAX_BATCH_EVENTS} events in one batch")
    return events


def batch_pending(body: Any) -> int | None:
    """The optional ``pending`` count of a batch request."""
    if not isinstance(body, dict) or body.get(PENDING_FIELD) is None:
        return None
    return f.integer(body, PENDING_FIELD, "", lo=0, hi=2**62)


def event_id_of(obj: Any) -> str | None:
    """The event id of a raw (possibly invalid) event, for the per-event answer."""
    if isinstance(obj, dict) and isinstance(obj.get("event_id"), str):
        return obj["event_id"][:64]
    return None


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


def parse_events_answer(obj: Any) -> EventsAnswer:
    body = f.obj(obj, "answer")
    held, rejected = body.get("held"), body.get("rejected", [])
    if not isinstance(held, list) or not all(isinstance(h, str) for h in held):
        raise WireError("held", "expected a list of event ids")
    if not isinstance(rejected, list):
        raise WireError("rejected", "expected a list")
    out = []
    for i, r in enumerate(rejected):
        r = f.obj(r, f"rejected[{i}]")
        eid = r.get("event_id")
        out.append(Rejection(eid if isinstance(eid, str) else None,
                             f.text(r, "field", f"rejected[{i}]", 300),
                             f.text(r, "reason", f"rejected[{i}]", 1000)))
    return EventsAnswer(tuple(held), tuple(out))
