"""Time and ids in one place, so tests can pin them."""

from __future__ import annotations

import os
import time
import uuid

from pos_protocol import wire_time_now


def utc_now() -> str:
    """Current UTC time as wire time, e.g. 2026-11-24T15:04:05.123Z (``pos_protocol``'s codec:
    every time the register stores or sends is written this way, so they sort as text)."""
    return wire_time_now()


def new_id() -> str:
    """A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits.

    Time-ordered ids keep inserts into the ledger's and outbox's unique indexes at the end of
    the B-tree instead of scattered across it, which matters at tens of millions of rows.
    """
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & (2**48 - 1)) << 80 | 0x7 << 76 | (rand >> 68 & 0xFFF) << 64
    value |= 0b10 << 62 | rand & (2**62 - 1)
    return str(uuid.UUID(int=value))
