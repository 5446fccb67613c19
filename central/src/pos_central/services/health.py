"""Register health: what a register reports about itself with each request (``wire.Health``
headers) — its clock, how many events it has quarantined, its backlog — kept per register for
the dashboard.

The clock skew is this server's time when the request arrived minus the register's clock when
it sent the request. The register stamps its clock last thing before sending, and the central
takes its own time before reading the body, so only the one-way network delay (milliseconds on
a LAN) remains in the figure; it errs towards "register behind". Registers that send no such
headers (older versions) have no row and show "—".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, update

from pos_central.db import tables as t
from pos_central.db.sql import insert
from pos_protocol import from_wire_time, wire

MAX_SKEW_MS = 10**15  # ~31,000 years: anything beyond is a garbled clock, not a skew


@dataclass(frozen=True)
class Health:
    """The dashboard's view of one register's reports (None: never reported)."""

    clock_skew_ms: int | None = None
    clock_checked_at: datetime | None = None
    quarantined: int | None = None
    quarantined_at: datetime | None = None

    @property
    def skew_s(self) -> float | None:
        return None if self.clock_skew_ms is None else self.clock_skew_ms / 1000


def skew_ms(arrived: datetime, clock: str | None) -> int | None:
    """Arrival time minus the register's clock, in milliseconds (None: no usable clock)."""
    if clock is None:
        return None
    try:
        sent = from_wire_time(clock)
    except ValueError:  # matches the wire pattern but is no date (month 13)
        return None
    delta = arrived - sent
    ms = (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000
    return ms if abs(ms) <= MAX_SKEW_MS else None


def record(conn: Connection, register_id: int, arrived: datetime,
           reported: wire.Health | None) -> None:
    """Keep what a register reported with a request that arrived at ``arrived`` (in the
    caller's transaction); values it did not send stay as they were."""
    if reported is None:
        return
    values: dict[str, object] = {}
    skew = skew_ms(arrived, reported.clock)
    if skew is not None:
        values.update(clock_skew_ms=skew, clock_checked_at=arrived)
    if reported.quarantined is not None:
        values.update(quarantined=reported.quarantined, quarantined_at=arrived)
    if values:
        h = t.register_health
        conn.execute(insert(conn, h).values(register_id=register_id, **values)
                     .on_conflict_do_update(index_elements=["register_id"], set_=values))
    if reported.pending is not None:  # a batch's own ``pending`` (ingest) comes later and wins
        r = t.registers
        conn.execute(update(r).where(r.c.id == register_id).values(
            pending_reported=reported.pending, pending_reported_at=arrived))
