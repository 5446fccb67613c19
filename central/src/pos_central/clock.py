"""Server time: always timezone-aware UTC; the wire's ISO-8601 ``...Z`` form."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(when: datetime | None) -> str | None:
    """``2026-11-24T15:04:05.123Z`` (milliseconds), or None."""
    if when is None:
        return None
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    """A wire time (already checked by ``wire``) as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
