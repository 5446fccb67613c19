"""The durable print queue's rows. A job is queued in the same transaction as the record it
prints, so a committed sale always has its receipt waiting, whatever happens to the printer."""

from __future__ import annotations

from sqlalchemy import Connection

from pos_terminal.db import tables as t
from pos_terminal.db.fast import cursor, insert_sql

_INSERT_JOB = insert_sql(t.print_jobs, ("created_at", "kind", "reference", "copy"))


def enqueue(conn: Connection, kind: str, reference: str, at: str, copy: bool = False) -> int:
    cur = cursor(conn)
    cur.execute(_INSERT_JOB, (at, kind, reference, copy))
    return int(cur.lastrowid or 0)
