"""The ledger and the outbox: append movements with their hash chain, add outbox events, verify.

Callers pass the connection of their own transaction, so a business record, its movements and
its outbox event commit together or not at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select, text
from sqlalchemy.exc import OperationalError

from pos_protocol import wire
from pos_terminal.clock import new_id
from pos_terminal.db import tables as t
from pos_terminal.db.fast import cursor, insert_sql
from pos_terminal.domain.ledger import GENESIS, Movement, movement_hash

_HEAD = (
    "SELECT (SELECT max(seq) FROM stock_movements), "
    "(SELECT hash FROM stock_movements WHERE terminal = ? ORDER BY seq DESC LIMIT 1)"
)
_MOVEMENT_COLUMNS = (
    "seq", "id", "product_id", "quantity", "kind", "reason", "reference", "unit_cost",
    "occurred_at", "user_id", "terminal", "prev_hash", "hash",
)
_INSERT_MOVEMENT = insert_sql(t.stock_movements, _MOVEMENT_COLUMNS)
_INSERT_EVENT = insert_sql(t.outbox, ("event_id", "type", "occurred_at", "payload"))


@dataclass(frozen=True)
class Posted:
    seq: int
    hash: str
    movement: Movement


def append(conn: Connection, terminal: str, movements: list[Movement]) -> list[Posted]:
    """Append movements to this terminal's chain; stock_levels follow through the trigger."""
    if not movements:
        return []
    cur = cursor(conn)
    last_seq, prev = cur.execute(_HEAD, (terminal,)).fetchone()
    seq = last_seq or 0
    prev = prev or GENESIS
    rows: list[tuple[Any, ...]] = []
    posted: list[Posted] = []
    for m in movements:
        seq += 1
        h = movement_hash(prev, seq, m)
        rows.append((
            seq, m.id, m.product_id, m.quantity, str(m.kind), m.reason, m.reference,
            m.unit_cost, m.occurred_at, m.user_id, m.terminal, prev, h,
        ))
        posted.append(Posted(seq, h, m))
        prev = h
    cur.executemany(_INSERT_MOVEMENT, rows)
    return posted


def movement_payload(posted: list[Posted], skus: dict[int, str]) -> tuple[wire.Movement, ...]:
    """The posted movements as an event carries them (``payload.movements``): SKUs for the
    register's product ids, with each movement's place in the hash chain."""
    return tuple(
        wire.Movement(
            id=p.movement.id, sku=skus[p.movement.product_id], quantity=p.movement.quantity,
            kind=str(p.movement.kind), occurred_at=p.movement.occurred_at,
            reason=p.movement.reason, reference=p.movement.reference,
            unit_cost=p.movement.unit_cost, seq=p.seq, hash=p.hash,
        )
        for p in posted
    )


def add_event(conn: Connection, occurred_at: str, payload: wire.Payload) -> str:
    """Add an outbox event carrying ``payload`` (its type is the payload's); its id."""
    event_id = new_id()
    cursor(conn).execute(_INSERT_EVENT, (
        event_id, payload.TYPE, occurred_at,
        json.dumps(payload.to_json(), separators=(",", ":"), ensure_ascii=False),
    ))
    return event_id


_ON_HAND = "SELECT on_hand FROM stock_levels WHERE product_id = ?"


def on_hand(conn: Connection, product_id: int) -> int:
    row = cursor(conn).execute(_ON_HAND, (product_id,)).fetchone()
    return row[0] if row else 0


def recent(conn: Connection, product_id: int, limit: int = 10) -> list[dict[str, Any]]:
    """The newest movements of a product, this register's and its siblings' (which on-hand
    includes), newest first; a sibling's movement has no local ``seq``."""
    m, sib = t.stock_movements, t.sibling_movements
    own = conn.execute(
        select(m.c.seq, m.c.occurred_at, m.c.kind, m.c.quantity, m.c.reason, m.c.reference,
               m.c.terminal)
        .where(m.c.product_id == product_id).order_by(m.c.seq.desc()).limit(limit)
    )
    others = conn.execute(
        select(sib.c.occurred_at, sib.c.kind, sib.c.quantity, sib.c.reason, sib.c.reference,
               sib.c.register.label("terminal"))
        .where(sib.c.product_id == product_id).order_by(sib.c.id.desc()).limit(limit)
    )
    rows = [dict(r._mapping) for r in own] + [{"seq": None, **r._mapping} for r in others]
    rows.sort(key=lambda r: r["occurred_at"], reverse=True)
    return rows[:limit]


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    movements: int
    products: int
    problem: str = ""


_LISTED_NOT_IN_LEDGER = text(
    "SELECT o.event_id, j.value ->> 'id' AS id, j.value ->> 'seq' AS seq"
    " FROM outbox o, json_each(o.payload, '$.movements') j"
    " LEFT JOIN stock_movements m ON m.id = j.value ->> 'id'"
    " WHERE json_valid(o.payload) AND j.value ->> 'hash' IS NOT NULL"
    " AND (m.id IS NULL OR m.hash != j.value ->> 'hash' OR m.seq != j.value ->> 'seq')"
    " LIMIT 1"
)


def verify(conn: Connection) -> VerifyReport:
    """Recompute every terminal's hash chain and compare stock_levels with the ledger's sums."""
    m = t.stock_movements
    heads: dict[str, tuple[int, str]] = {}
    count = 0
    cols = (m.c.seq, m.c.id, m.c.product_id, m.c.quantity, m.c.kind, m.c.reason, m.c.reference,
            m.c.unit_cost, m.c.occurred_at, m.c.user_id, m.c.terminal, m.c.prev_hash, m.c.hash)
    result = None
    while True:
        try:  # the first rows are fetched by execute() itself, the rest by next()
            if result is None:
                result = conn.execution_options(yield_per=5000).execute(
                    select(*cols).order_by(m.c.seq))
                rows = iter(result)
            row = next(rows, None)
        except OperationalError as exc:  # bytes changed in the file: a field is not text now
            if "decode" not in str(exc.orig):
                raise
            after = max((s for s, _ in heads.values()), default=0)
            return VerifyReport(False, count, 0, (
                f"a ledger row after seq={after} cannot be read ({exc.orig}): the file was "
                "changed outside the register"
            ))
        if row is None:
            break
        (seq, mid, pid, qty, kind, reason, ref, cost, at, uid, term, prev, h) = row
        count += 1
        expected_prev = heads.get(term, (0, GENESIS))[1]
        if prev != expected_prev:
            result.close()
            return VerifyReport(False, count, 0, (
                f"ledger row seq={seq} (id {mid}, terminal {term}): previous hash does not match "
                "the row before it: a row was removed, reordered or changed"
            ))
        mv = Movement(mid, pid, qty, kind, reason, ref, cost, at, uid, term)
        if movement_hash(prev, seq, mv) != h:
            result.close()
            return VerifyReport(False, count, 0, (
                f"ledger row seq={seq} (id {mid}, terminal {term}): its hash does not match its "
                "contents: the row was changed"
            ))
        heads[term] = (seq, h)
    # The chain alone cannot show that its newest rows were removed; the outbox events that
    # carried them still list each one's id, seq and hash.
    lost = conn.execute(_LISTED_NOT_IN_LEDGER).first()
    if lost is not None:
        return VerifyReport(False, count, 0, (
            f"ledger row seq={lost.seq} (id {lost.id}) that outbox event {lost.event_id} "
            "carries is missing or changed: a row was removed or rewritten"
        ))
    sums = dict(conn.execute(
        select(m.c.product_id, func.sum(m.c.quantity)).group_by(m.c.product_id)
    ).all())
    # Sibling registers' movements (pulled from the central) count in on-hand too; they are
    # not part of this register's chain. Unbound ones (product unknown here) count nowhere yet.
    sm = t.sibling_movements
    for pid, qty in conn.execute(
        select(sm.c.product_id, func.sum(sm.c.quantity))
        .where(sm.c.product_id.is_not(None)).group_by(sm.c.product_id)
    ).all():
        sums[pid] = sums.get(pid, 0) + qty
    levels = dict(conn.execute(select(t.stock_levels.c.product_id, t.stock_levels.c.on_hand)).all())
    for pid in sorted(set(sums) | set(levels)):
        want, got = sums.get(pid, 0), levels.get(pid, 0)
        if want != got:
            sku = conn.execute(select(t.products.c.sku).where(t.products.c.id == pid)).scalar()
            return VerifyReport(False, count, len(sums), (
                f"stock_levels for product {sku} (id {pid}) says {got} but the ledger (with "
                f"sibling registers' movements) sums to {want}"
            ))
    return VerifyReport(True, count, len(sums))


def outbox_backlog(conn: Connection) -> tuple[int, str | None]:
    """Events waiting for the central service (quarantined ones excluded), and when the
    oldest happened."""
    o = t.outbox
    n, oldest = conn.execute(
        select(func.count(), func.min(o.c.occurred_at)).where(o.c.status == "pending")
    ).one()
    return int(n), oldest
