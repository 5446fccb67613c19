"""Ingest a batch of register events: store each event once, apply each movement once.

The rules (docs/central.md has them for people):

- Store and register come from the token (``Source``), never from the body.
- Each event is checked on its own (``wire.parse_event_movements``; a ``product.proposed``
  event also needs a valid ``payload.product``). An invalid event is *rejected* with its field
  and reason; the others are stored. A batch-shape problem is the caller's (the endpoint's)
  whole-request 413/422 and never reaches this function.
- Events go into ``events`` with ``INSERT … ON CONFLICT (event_id) DO NOTHING RETURNING
  event_id``: only the returned (newly inserted) events contribute movements, so redelivery
  stores nothing twice. Their movements go into ``movements`` the same way on ``movement_id``,
  and only the newly inserted movements move ``stock_levels`` — all in one transaction, so
  on-hand always equals the sum of the stored movements.
- An event id the server already holds for *another* register is rejected (``event_id``), not
  reported as held: that register must not mark it sent.
- A movement for a SKU the catalog does not know is stored and counted like any other (a sale
  is never refused over the catalog); the SKU is flagged in ``unknown_skus`` for review.
- ``product.proposed`` events become pending ``product_proposals`` an admin accepts or rejects.
- Text no database column can hold (a NUL character, half of a surrogate pair) anywhere in an
  event: the API refuses the batch (422 naming the field); called directly, a per-event
  rejection.
- Object-level authorization: an event naming an object another store owns (a transfer sent
  to another store, another store's transfer id or purchase order, another store's movement
  id) refuses the whole batch with 403 naming the field (``Forbidden``); nothing is stored and
  the object stays as it was for its store. The register quarantines the event named.
- Writers of one store are serialised (PostgreSQL advisory lock; SQLite BEGIN IMMEDIATE) so
  movement ids of a store commit in order and ``/movements`` cursors never skip a row.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, case, select, text, update

from pos_central import jsonio
from pos_central.clock import utc_now
from pos_central.db import tables as t
from pos_central.db.engine import write
from pos_central.db.sql import chunks, insert, lock_store
from pos_central.errors import Forbidden
from pos_central.services import purchasing, transfers
from pos_protocol import from_wire_time, wire

PROPOSED = "product.proposed"


@dataclass(frozen=True)
class Source:
    """Who sent the batch, from the token."""

    store: str
    register_id: int


@dataclass
class IngestResult:
    held: list[str] = field(default_factory=list)
    rejected: list[wire.Rejection] = field(default_factory=list)
    new_events: int = 0
    new_movements: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"held": self.held, "rejected": [r.to_json() for r in self.rejected]}


@dataclass
class _Valid:
    index: int
    event: wire.Event
    movements: list[wire.Movement]
    proposal: wire.Product | None
    occurred_at: datetime
    payload: str  # the payload as JSON text, as stored


def check(raw_events: list[Any]) -> tuple[list[_Valid], list[wire.Rejection]]:
    """Each event checked on its own; the first of repeated event ids in a batch wins."""
    valid: list[_Valid] = []
    rejected: list[wire.Rejection] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_events):
        where = f"events[{i}]"
        try:
            bad = wire.unstorable(raw, where)  # the API refuses these whole (422) already
            if bad is not None:
                raise bad
            event, movements = wire.parse_event_movements(raw, where)
            proposal = (wire.ProductProposed.parse(event.payload, f"{where}.payload").product
                        if event.type == PROPOSED else None)
            if event.type in purchasing.TYPES:  # POs, receipts against them, reorder levels
                purchasing.check_payload(event, where)
            if event.type in transfers.TYPES:  # transfers between stores
                transfers.check_payload(event, where)
            occurred = _time(event.occurred_at, f"{where}.occurred_at")
            for j, m in enumerate(movements):  # stored as sent; must still be a real time
                _time(m.occurred_at, f"{where}.payload.movements[{j}].occurred_at")
        except wire.WireError as exc:
            rejected.append(wire.Rejection(wire.event_id_of(raw), exc.field, exc.reason))
            continue
        if event.event_id in seen:
            continue
        seen.add(event.event_id)
        valid.append(_Valid(i, event, movements, proposal, occurred, _json(event.payload)))
    return valid, rejected


def _json(payload: dict[str, Any]) -> str:
    return jsonio.dumps(payload)


def ingest(engine: Engine, source: Source, raw_events: list[Any], pending: int | None = None,
           now: datetime | None = None) -> IngestResult:
    """Store a batch (already shape-checked: a list of at most MAX_BATCH_EVENTS objects)."""
    valid, rejected = check(raw_events)
    now = now or utc_now()
    result = IngestResult(rejected=rejected)
    info: dict[Any, Any] | None = None  # the pooled PostgreSQL session's info
    try:
        with write(engine) as conn:
            lock_store(conn, source.store)
            _authorize(conn, source, valid)
            if not valid:
                new_ids, foreign, result.new_movements = set(), set(), 0
            elif conn.dialect.name == "postgresql":
                info = conn.connection.info
                _pg_staging(conn, info)
                new_ids, foreign, result.new_movements = _pg_store(conn, source, valid,
                                                                   pending, now)
            else:
                new_ids, foreign, result.new_movements = _core_store(conn, source, valid, now)
            fresh = [v for v in valid if v.event.event_id in new_ids]
            result.new_events = len(fresh)
            if result.new_movements < sum(len(v.movements) for v in fresh):
                _no_foreign_movements(conn, source, fresh)  # some ids were held already
            _record_proposals(conn, source, fresh, now)
            purchasing.apply_events(conn, source.store,
                                    [v.event for v in fresh if v.event.type in purchasing.TYPES])
            transfers.apply_events(conn, source.store,
                                   [v.event for v in fresh if v.event.type in transfers.TYPES])
            if not valid or conn.dialect.name != "postgresql":
                _touch_register(conn, source, fresh, pending, now)
    except BaseException:
        if info is not None:  # make the staging tables again next time (IF NOT EXISTS)
            info.pop(_STAGED, None)
        raise
    if info is not None:  # committed: the tables outlive this transaction
        info[_STAGED] = True
    for v in valid:
        if v.event.event_id in foreign:
            result.rejected.append(wire.Rejection(
                v.event.event_id, f"events[{v.index}].event_id",
                "this event id is already held for another register"))
        else:
            result.held.append(v.event.event_id)
    return result


# -- object-level authorization -----------------------------------------------------------------
def _authorize(conn: Connection, source: Source, valid: list[_Valid]) -> None:
    """Every reference to a store-owned object must be the sending store's own (``Forbidden``,
    403, naming the field; nothing of the batch is stored): transfers (received only by their
    target store, sent only under the sender's ids) and purchase orders (received and drafted
    only by their store). Movement ids are checked after the insert (``_no_foreign_movements``);
    an event id held for another register is a per-event rejection (``_held_elsewhere``)."""
    for module in (transfers, purchasing):
        refs = [(f"events[{v.index}]", v.event) for v in valid if v.event.type in module.TYPES]
        if refs:
            module.authorize(conn, source.store, refs)


def _no_foreign_movements(conn: Connection, source: Source, fresh: list[_Valid]) -> None:
    """A new event whose movement id is another store's movement names that store's ledger:
    refused (``Forbidden``) and the whole batch rolled back. (A movement id this store holds
    already is a redelivery and stays a no-op.)"""
    where = {m.id: f"events[{v.index}].payload.movements[{j}].id"
             for v in fresh for j, m in enumerate(v.movements)}
    mv = t.movements
    for ids in chunks(sorted(where)):
        row = conn.execute(select(mv.c.movement_id, mv.c.store).where(
            mv.c.movement_id.in_(ids), mv.c.store != source.store).limit(1)).first()
        if row is not None:
            raise Forbidden(f"movement {row.movement_id} is one of {row.store}'s: "
                            f"{source.store} cannot book under its id",
                            where[row.movement_id])


# -- PostgreSQL: COPY into session staging tables, then one statement -------------------------
_STAGED = "pos_central.ingest_staging"  # key in a pooled connection's ``info``
_PG_STAGING = """
CREATE TEMP TABLE IF NOT EXISTS ingest_events (
    event_id varchar(36), seq bigint, type varchar(40), occurred_at timestamptz, payload text
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS ingest_movements (
    movement_id varchar(36), event_id varchar(36), sku varchar(64), quantity bigint,
    kind varchar(20), reason varchar(200), reference varchar(200), unit_cost bigint,
    occurred_at varchar(40), seq bigint, hash varchar(64)
) ON COMMIT DELETE ROWS
"""
# Only movements of newly inserted events are inserted; only newly inserted movements move
# on-hand; SKUs the catalog lacks are flagged; the register's bookkeeping follows.
_PG_APPLY = text("""
WITH new_events AS (
    INSERT INTO events (event_id, store, register_id, seq, type, occurred_at, received_at,
                        payload)
    SELECT event_id, :store, :rid, seq, type, occurred_at, :now, payload FROM ingest_events
    ON CONFLICT (event_id) DO NOTHING
    RETURNING event_id, seq
), new_movements AS (
    INSERT INTO movements (movement_id, event_id, store, register_id, sku, quantity, kind,
                           reason, reference, unit_cost, occurred_at, seq, hash)
    SELECT m.movement_id, m.event_id, :store, :rid, m.sku, m.quantity, m.kind, m.reason,
           m.reference, m.unit_cost, m.occurred_at, m.seq, m.hash
    FROM ingest_movements m JOIN new_events n ON n.event_id = m.event_id
    ON CONFLICT (movement_id) DO NOTHING
    RETURNING event_id, sku, quantity
), deltas AS (
    SELECT sku, sum(quantity) AS quantity, min(event_id) AS event_id
    FROM new_movements GROUP BY sku
), levels AS (
    INSERT INTO stock_levels (store, sku, on_hand)
    SELECT :store, sku, quantity FROM deltas WHERE quantity <> 0 ORDER BY sku
    ON CONFLICT (store, sku) DO UPDATE SET on_hand = stock_levels.on_hand + EXCLUDED.on_hand
), flagged AS (
    INSERT INTO unknown_skus (sku, store, first_event_id, first_seen_at)
    SELECT d.sku, :store, d.event_id, :now FROM deltas d
    WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.sku = d.sku)
    ON CONFLICT (sku, store) DO NOTHING
), touched AS (
    UPDATE registers r SET
        last_contact_at = :now,
        events_held = r.events_held + s.n,
        last_event_at = CASE WHEN s.n > 0 THEN :now ELSE r.last_event_at END,
        last_seq = CASE WHEN r.last_seq IS NULL OR r.last_seq < s.top THEN s.top
                        ELSE r.last_seq END,
        pending_reported = coalesce(CAST(:pending AS bigint), r.pending_reported),
        pending_reported_at = CASE WHEN CAST(:pending AS bigint) IS NULL
                                   THEN r.pending_reported_at ELSE :now END
    FROM (SELECT count(*) AS n, max(seq) AS top FROM new_events) s
    WHERE r.id = :rid
)
SELECT (SELECT coalesce(array_agg(event_id), '{}') FROM new_events),
       (SELECT count(*) FROM new_movements)
""")


def _pg_staging(conn: Connection, info: dict[Any, Any]) -> None:
    """Make the staging tables once per session (``info`` is marked after commit; a failed
    transaction clears the mark, so a rolled-back or vanished table is made again)."""
    if not info.get(_STAGED):
        conn.exec_driver_sql(_PG_STAGING)


def _pg_store(conn: Connection, source: Source, valid: list[_Valid], pending: int | None,
              now: datetime) -> tuple[set[str], set[str], int]:
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    with dbapi.cursor() as cur:  # type: ignore[attr-defined]
        with cur.copy("COPY ingest_events (event_id, seq, type, occurred_at, payload) "
                      "FROM STDIN") as cp:
            for v in valid:
                cp.write_row((v.event.event_id, v.event.seq, v.event.type, v.occurred_at,
                              v.payload))
        with cur.copy("COPY ingest_movements (movement_id, event_id, sku, quantity, kind, "
                      "reason, reference, unit_cost, occurred_at, seq, hash) FROM STDIN") as cp:
            for v in valid:
                eid = v.event.event_id
                for m in v.movements:
                    cp.write_row((m.id, eid, m.sku, m.quantity, m.kind, m.reason, m.reference,
                                  m.unit_cost, m.occurred_at, m.seq, m.hash))
    new_ids, applied = conn.execute(_PG_APPLY, {
        "store": source.store, "rid": source.register_id, "now": now, "pending": pending,
    }).one()
    new = set(new_ids)
    return new, _held_elsewhere(conn, source, valid, new), int(applied)


# -- SQLite (and any other dialect): SQLAlchemy Core --------------------------------------------
def _core_store(conn: Connection, source: Source, valid: list[_Valid],
                now: datetime) -> tuple[set[str], set[str], int]:
    e = t.events
    stmt = insert(conn, e).on_conflict_do_nothing(index_elements=["event_id"]).returning(
        e.c.event_id)
    new: set[str] = set()
    for part in chunks(valid):
        new.update(conn.execute(stmt, [{
            "event_id": v.event.event_id, "store": source.store,
            "register_id": source.register_id, "seq": v.event.seq, "type": v.event.type,
            "occurred_at": v.occurred_at, "received_at": now, "payload": v.payload,
        } for v in part]).scalars().all())
    fresh = [v for v in valid if v.event.event_id in new]
    return new, _held_elsewhere(conn, source, valid, new), _core_movements(conn, source, fresh,
                                                                          now)


def _held_elsewhere(conn: Connection, source: Source, valid: list[_Valid],
                    new: set[str]) -> set[str]:
    """Of the ids that were already held (redeliveries), those held for another register:
    one indexed look-up per id, and none at all in the usual all-new batch."""
    known = [v.event.event_id for v in valid if v.event.event_id not in new]
    if not known:
        return set()
    if conn.dialect.name == "postgresql":  # one array parameter: one cached, prepared plan
        return set(conn.execute(_PG_FOREIGN, {"ids": known, "rid": source.register_id})
                   .scalars().all())
    foreign: set[str] = set()
    e = t.events
    for ids in chunks(known):
        foreign.update(conn.execute(
            select(e.c.event_id).where(e.c.event_id.in_(ids),
                                       e.c.register_id != source.register_id)
        ).scalars().all())
    return foreign


_PG_FOREIGN = text("SELECT event_id FROM events WHERE event_id = ANY(CAST(:ids AS varchar[])) "
                   "AND register_id <> :rid")


def _core_movements(conn: Connection, source: Source, fresh: list[_Valid],
                    now: datetime) -> int:
    moves = [(v.event.event_id, m) for v in fresh for m in v.movements]
    if not moves:
        return 0
    mv = t.movements
    stmt = insert(conn, mv).on_conflict_do_nothing(index_elements=["movement_id"]).returning(
        mv.c.event_id, mv.c.sku, mv.c.quantity)
    deltas: dict[str, int] = defaultdict(int)
    first_event: dict[str, str] = {}
    applied = 0
    for part in chunks(moves):
        for eid, sku, qty in conn.execute(stmt, [{
            "movement_id": m.id, "event_id": eid, "store": source.store,
            "register_id": source.register_id, "sku": m.sku, "quantity": m.quantity,
            "kind": m.kind, "reason": m.reason, "reference": m.reference,
            "unit_cost": m.unit_cost, "occurred_at": m.occurred_at, "seq": m.seq,
            "hash": m.hash,
        } for eid, m in part]).all():
            deltas[sku] += qty
            first_event[sku] = min(first_event.get(sku, eid), eid)
            applied += 1
    _core_levels(conn, source.store, deltas)
    _core_flag_unknown(conn, source.store, sorted(deltas), first_event, now)
    return applied


def _core_levels(conn: Connection, store: str, deltas: dict[str, int]) -> None:
    levels = [{"store": store, "sku": sku, "on_hand": q}
              for sku, q in sorted(deltas.items()) if q]
    if not levels:
        return
    s = t.stock_levels
    ins = insert(conn, s)
    stmt = ins.on_conflict_do_update(index_elements=["store", "sku"],
                                     set_={"on_hand": s.c.on_hand + ins.excluded.on_hand})
    for part in chunks(levels):
        conn.execute(stmt, part)


def _core_flag_unknown(conn: Connection, store: str, skus: list[str],
                       first_event: dict[str, str], now: datetime) -> None:
    p = t.products
    known: set[str] = set()
    for part in chunks(skus):
        known.update(conn.execute(select(p.c.sku).where(p.c.sku.in_(part))).scalars().all())
    unknown = [{"sku": s, "store": store, "first_event_id": first_event[s], "first_seen_at": now}
               for s in skus if s not in known]
    if unknown:
        stmt = insert(conn, t.unknown_skus).on_conflict_do_nothing(
            index_elements=["sku", "store"])
        for part in chunks(unknown):
            conn.execute(stmt, part)


def _record_proposals(conn: Connection, source: Source, fresh: list[_Valid],
                      now: datetime) -> None:
    rows = [{
        "event_id": v.event.event_id, "store": source.store, "register_id": source.register_id,
        "sku": v.proposal.sku, "created_at": now,
        "product": json.dumps(v.proposal.to_json(), separators=(",", ":"), ensure_ascii=False),
    } for v in fresh if v.proposal is not None]
    if rows:
        conn.execute(insert(conn, t.product_proposals).on_conflict_do_nothing(
            index_elements=["event_id"]), rows)


def _touch_register(conn: Connection, source: Source, fresh: list[_Valid], pending: int | None,
                    now: datetime) -> None:
    r = t.registers
    values: dict[str, Any] = {"last_contact_at": now}
    if fresh:
        top = max(v.event.seq for v in fresh)
        values.update(
            last_event_at=now, events_held=r.c.events_held + len(fresh),
            last_seq=case((r.c.last_seq.is_(None), top), (r.c.last_seq < top, top),
                          else_=r.c.last_seq),
        )
    if pending is not None:
        values.update(pending_reported=pending, pending_reported_at=now)
    conn.execute(update(r).where(r.c.id == source.register_id).values(**values))


def _time(text: str, where: str) -> datetime:
    """A wire time (format already checked) as a datetime; 2026-02-30 is refused here."""
    try:
        return from_wire_time(text)
    except ValueError as exc:
        raise wire.WireError(where, "not a real date and time") from exc
