"""Gap-free number series (receipts, returns, shifts), inside the caller's transaction."""

from __future__ import annotations

from sqlalchemy import Connection

from pos_terminal.db.fast import cursor

_NEXT = "UPDATE counters SET value = value + 1 WHERE name = ? RETURNING value"
_FIRST = "INSERT INTO counters (name, value) VALUES (?, 1)"


def next_number(conn: Connection, name: str) -> int:
    cur = cursor(conn)
    got = cur.execute(_NEXT, (name,)).fetchone()
    if got is None:
        cur.execute(_FIRST, (name,))
        return 1
    return int(got[0])
