"""Enrollment, the register's view of the central (``/status``), request health headers and
error answers.

``POST /enroll`` ``{"code": str}`` → ``{"token": str, "store": str, "register": str}``.
``GET /status`` → ``Status``; ``GET /health`` (no token) → ``{"ok": true, "protocol": 1}``.
Every error answer is ``{"error": "one line for a person", "field": "dotted.path" | null}``
with status 401 (missing/unknown/revoked token, unknown enrollment code), 403 (not allowed for
this token; used or expired enrollment code; another store's object), 413 (batch over
MAX_BATCH_EVENTS or MAX_BATCH_BYTES), 415 (Content-Encoding other than gzip) or 422 (malformed
request, text no database can hold); nothing is stored on any of them.

Every authenticated request may carry what the register knows about itself (``Health``); the
central records it per register for the dashboard. Optional: older registers send none, and a
value the central cannot read is ignored (health figures never make a request fail).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pos_protocol._wiretime import WIRE_TIME
from pos_protocol.wire import _fields as f

CLOCK_HEADER = "X-POS-Clock"  # the register's UTC clock when it sent the request (wire time)
QUARANTINED_HEADER = "X-POS-Quarantined"  # events the register has set aside (rejected)
PENDING_HEADER = "X-POS-Pending"  # events still waiting to be sent


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


def parse_enrollment(obj: Any) -> Enrollment:
    body = f.obj(obj, "answer")
    return Enrollment(f.text(body, "token", "", 200), f.text(body, "store", "", 16),
                      f.text(body, "register", "", 16))


def parse_status(obj: Any) -> Status:
    body = f.obj(obj, "answer")
    return Status(
        protocol=f.integer(body, "protocol", "", lo=1, hi=1000) or 0,
        server_time=f.time(body, "server_time", ""),
        store=f.text(body, "store", "", 16), register=f.text(body, "register", "", 16),
        last_contact_at=f.opt_time(body, "last_contact_at"),
        events_held=f.integer(body, "events_held", "", lo=0, hi=2**62) or 0,
        last_seq=f.integer(body, "last_seq", "", required=False, lo=0, hi=2**62),
        last_event_at=f.opt_time(body, "last_event_at"),
        pending=f.integer(body, "pending", "", required=False, lo=0, hi=2**62),
        pending_at=f.opt_time(body, "pending_at"),
        catalog_version=f.integer(body, "catalog_version", "", lo=0, hi=2**62) or 0,
        clock_skew_ms=f.integer(body, "clock_skew_ms", "", required=False, lo=-(2**62),
                                hi=2**62),
        clock_checked_at=f.opt_time(body, "clock_checked_at"),
        quarantined=f.integer(body, "quarantined", "", required=False, lo=0, hi=2**62),
        quarantined_at=f.opt_time(body, "quarantined_at"),
    )


def parse_health(headers: Any) -> Health | None:
    """The health headers of a request (a case-insensitive mapping); unreadable values are
    dropped; None when there are none."""
    def count(name: str) -> int | None:
        text = (headers.get(name) or "").strip()
        return int(text) if text.isdigit() and len(text) <= 18 else None

    clock = (headers.get(CLOCK_HEADER) or "").strip()
    got = Health(clock if WIRE_TIME.match(clock) else None, count(QUARANTINED_HEADER),
                 count(PENDING_HEADER))
    return None if got == Health() else got


def error_of(obj: Any) -> tuple[str, str | None]:
    """(message, field) of an error answer, tolerating odd bodies (a proxy's HTML page)."""
    if isinstance(obj, dict) and isinstance(obj.get("error"), str):
        field = obj.get("field")
        return obj["error"], field if isinstance(field, str) else None
    return "the central service answered with an unexpected body", None
