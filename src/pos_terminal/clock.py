"""Time and ids in one place, so tests can pin them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime


def utc_now() -> str:
    """Current UTC time as ISO-8601 with milliseconds, e.g. 2026-11-24T15:04:05.123Z."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def new_id() -> str:
    return str(uuid.uuid4())
