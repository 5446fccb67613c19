"""Server time: always timezone-aware UTC, written and read as wire time
(``pos_protocol.to_wire_time``)."""

from __future__ import annotations

from datetime import UTC, datetime

from pos_protocol import to_wire_time


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(when: datetime | None) -> str | None:
    """``when`` as wire time (``2026-11-24T15:04:05.123Z``), or None."""
    return None if when is None else to_wire_time(when)
