"""The wire's time: ISO-8601 UTC with milliseconds and a ``Z``, e.g. ``2026-11-24T15:04:05.123Z``.

The one codec for it. The register writes every time it stores or sends this way (so they sort
as text), the central reads and writes them, and the parsers of ``pos_protocol.wire`` accept
exactly ``WIRE_TIME`` (one to six fraction digits or none, always ``Z``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

WIRE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")


def to_wire_time(when: datetime) -> str:
    """``when`` (aware, any zone) as wire time, to the millisecond (truncated, not rounded)."""
    u = when.astimezone(UTC)
    return f"{u:%Y-%m-%dT%H:%M:%S}.{u.microsecond // 1000:03d}Z"


def wire_time_now() -> str:
    """This machine's clock now, as wire time."""
    return to_wire_time(datetime.now(UTC))


def from_wire_time(text: str) -> datetime:
    """A wire time as an aware UTC datetime; ``ValueError`` for any other text, or a time that
    is well formed but not real (2026-02-30)."""
    if not WIRE_TIME.match(text):
        raise ValueError(f"{text!r} is not a wire time like 2026-11-24T15:04:05.123Z")
    return datetime.fromisoformat(text)
