"""Transfers between stores at the central: what registers tell about them, what they pull,
what the dashboard shows.

- Ingest (``apply_events``, inside the ingest transaction, only for newly stored events, so a
  redelivered event changes nothing): ``stock.transferred_out`` makes the transfer
  (``in_transit``) under the sending register's transfer id; a second copy under another event
  id is ignored. ``stock.transferred_in`` records received and damaged units per line and
  closes it: ``received`` when every line arrived as sent and undamaged, else
  ``received_with_discrepancies``.
- The stock moves through the events' movements, applied by ingest to the sending store
  (``transfer_out``) and the receiving one (``transfer_in``) like any other movement.
- Object-level authorization (``authorize``, before anything is stored): a transfer is
  received only by the store it was sent to, and nobody sends under another store's transfer
  id; another store's register gets 403 naming the field, and the transfer stays open for its
  store. Other reference problems are stored and flagged (``problem``) for a person to look at:
  a transfer to an unknown store or to its own store, one received twice by its store, a
  receipt that arrives before the sender's event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update

from pos_central.clock import iso, utc_now
from pos_central.db import tables as t
from pos_central.db.engine import read
from pos_central.errors import Forbidden
from pos_protocol import from_wire_time, wire

OUT = "stock.transferred_out"
IN = "stock.transferred_in"
TYPES = frozenset({OUT, IN})  # events ingest hands to this module
IN_TRANSIT = "in_transit"
RECEIVED = "received"
DISCREPANCIES = "received_with_discrepancies"
EARLY = "received before the sending store's event arrived"
BOARD_LIMIT = 200


# -- ingest -----------------------------------------------------------------------------------
def check_payload(event: wire.Event, where: str) -> None:
    """Refuse (``WireError``) a malformed payload of an event type handled here."""
    wire.parse_payload(event, where)
    if event.type == OUT:
        for i, m in enumerate(event.movements):  # the movements must match what lines say
            if m.kind != "transfer_out" or m.quantity > 0:
                raise wire.WireError(f"{where}.payload.movements[{i}]",
                                     "a transfer sends with negative transfer_out movements")


def authorize(conn: Connection, store: str, events: Sequence[tuple[str, wire.Event]]) -> None:
    """Object-level authorization (``Forbidden``, naming the field) of ``(where, event)``
    pairs from ``store``: a transfer is received only by the store it was sent to, and a
    transfer id that is another store's transfer cannot be sent again under it. A transfer
    the central does not know yet is not anybody's (a receipt may arrive first)."""
    ids = {str(ev.payload.get("transfer_id")) for _, ev in events}
    if not ids:
        return
    tr = t.transfers
    known = {r.id: r for r in conn.execute(
        select(tr.c.id, tr.c.number, tr.c.from_store, tr.c.to_store)
        .where(tr.c.id.in_(sorted(ids))))}
    for where, ev in events:
        row = known.get(str(ev.payload.get("transfer_id")))
        if row is None:
            continue
        if ev.type == IN and row.to_store != store:
            raise Forbidden(f"transfer {row.number} was sent to {row.to_store}: only "
                            f"{row.to_store} receives it, not {store}",
                            f"{where}.payload.transfer_id")
        if ev.type == OUT and row.from_store != store:
            raise Forbidden(f"transfer id {row.id} is {row.from_store}'s transfer {row.number}: "
                            f"{store} cannot send under it", f"{where}.payload.transfer_id")


def apply_events(conn: Connection, store: str, events: Sequence[wire.Event]) -> None:
    """Apply newly stored events (already checked) in batch order."""
    for ev in events:
        at = from_wire_time(ev.occurred_at)
        if ev.type == OUT:
            _sent(conn, store, wire.StockTransferredOut.parse(ev.payload), at)
        elif ev.type == IN:
            _received(conn, store, wire.StockTransferredIn.parse(ev.payload), at)


def _problem_of_target(conn: Connection, store: str, to_store: str) -> str | None:
    if to_store == store:
        return f"sent by {store} to its own store"
    if conn.execute(select(t.stores.c.code).where(t.stores.c.code == to_store)).first() is None:
        return f"sent to {to_store}, a store the central does not know"
    return None


def _sent(conn: Connection, store: str, x: wire.StockTransferredOut, at: datetime) -> None:
    tr, tl, tid = t.transfers, t.transfer_lines, x.transfer_id
    row = conn.execute(select(tr).where(tr.c.id == tid)).first()
    if row is not None and row.sent_at is not None:
        return  # the same transfer once more (another event id): keep the first
    problem = _problem_of_target(conn, store, x.to_store)
    if row is None:
        conn.execute(tr.insert().values(
            id=tid, number=x.number, from_store=store, to_store=x.to_store, status=IN_TRANSIT,
            sent_at=at, problem=problem))
        conn.execute(tl.insert(), [{"transfer_id": tid, "sku": ln.sku, "sent": ln.quantity,
                                    "damaged": 0} for ln in x.lines])
        return
    # the receipt came first: fill in what was sent and settle the status again
    if row.from_store != store or row.to_store != x.to_store:
        problem = (f"received by {row.to_store} from {row.from_store}, but {store} sent it "
                   f"to {x.to_store}")
    elif row.problem not in (None, EARLY):
        problem = row.problem
    have = set(conn.execute(select(tl.c.sku).where(tl.c.transfer_id == tid)).scalars())
    for ln in x.lines:
        if ln.sku in have:
            conn.execute(update(tl).where(tl.c.transfer_id == tid, tl.c.sku == ln.sku)
                         .values(sent=ln.quantity))
        else:
            conn.execute(tl.insert().values(transfer_id=tid, sku=ln.sku, sent=ln.quantity,
                                            received=0, damaged=0))
    conn.execute(update(tr).where(tr.c.id == tid).values(
        number=x.number, sent_at=at, problem=problem, status=_settled(conn, tid)))


def _received(conn: Connection, store: str, x: wire.StockTransferredIn,
              at: datetime) -> None:
    tr, tl, tid = t.transfers, t.transfer_lines, x.transfer_id
    row = conn.execute(select(tr).where(tr.c.id == tid)).first()
    if row is None:  # the sender's event has not arrived yet: keep what the receiver says
        conn.execute(tr.insert().values(
            id=tid, number=x.number or "?", from_store=x.from_store, to_store=store,
            status=DISCREPANCIES, received_at=at, problem=EARLY))
        conn.execute(tl.insert(), [{"transfer_id": tid, "sku": ln.sku, "sent": ln.sent,
                                    "received": ln.received, "damaged": ln.damaged}
                                   for ln in x.lines])
        conn.execute(update(tr).where(tr.c.id == tid).values(status=_settled(conn, tid)))
        return
    if row.status != IN_TRANSIT:
        _flag(conn, tid, f"received again by {store} on {iso(at)[:16]}; the stock of both "
                          "receipts was booked: check and correct")
        return
    problem = row.problem
    if row.to_store != store:
        problem = f"sent to {row.to_store} but received by {store}"
    have = set(conn.execute(select(tl.c.sku).where(tl.c.transfer_id == tid)).scalars())
    for ln in x.lines:
        if ln.sku in have:
            conn.execute(update(tl).where(tl.c.transfer_id == tid, tl.c.sku == ln.sku)
                         .values(received=ln.received, damaged=ln.damaged))
        else:  # an item the sender did not list
            conn.execute(tl.insert().values(transfer_id=tid, sku=ln.sku, sent=0,
                                            received=ln.received, damaged=ln.damaged))
    conn.execute(update(tl).where(tl.c.transfer_id == tid, tl.c.received.is_(None))
                 .values(received=0))  # listed as sent, not mentioned: nothing arrived
    conn.execute(update(tr).where(tr.c.id == tid).values(
        received_at=at, problem=problem, status=_settled(conn, tid)))


def _settled(conn: Connection, transfer_id: str) -> str:
    """The status a transfer's lines give: in transit until received, then with or without
    discrepancies."""
    tl = t.transfer_lines
    lines = conn.execute(select(tl.c.sent, tl.c.received, tl.c.damaged)
                         .where(tl.c.transfer_id == transfer_id)).all()
    if any(r.received is None for r in lines):
        return IN_TRANSIT
    exact = all(r.received == r.sent and not r.damaged for r in lines)
    return RECEIVED if exact else DISCREPANCIES


def _flag(conn: Connection, transfer_id: str, problem: str) -> None:
    conn.execute(update(t.transfers).where(t.transfers.c.id == transfer_id)
                 .values(problem=problem[:300]))


# -- what registers pull ----------------------------------------------------------------------
def other_stores(engine: Engine, store: str) -> list[wire.StoreRef]:
    s = t.stores
    with read(engine) as conn:
        return [wire.StoreRef(c, n) for c, n in conn.execute(
            select(s.c.code, s.c.name).where(s.c.code != store).order_by(s.c.code))]


def inbound(engine: Engine, store: str) -> list[wire.Transfer]:
    """Transfers to ``store`` still in transit (the sender's event has arrived), with lines."""
    tr = t.transfers
    with read(engine) as conn:
        rows = conn.execute(select(tr).where(
            tr.c.to_store == store, tr.c.status == IN_TRANSIT, tr.c.sent_at.is_not(None))
            .order_by(tr.c.sent_at, tr.c.id).limit(1000)).all()
        lines = _lines(conn, [r.id for r in rows])
    return [wire.Transfer(r.id, r.number, r.from_store, r.to_store,
                          tuple(wire.TransferLine(ln.sku, ln.sent) for ln in lines.get(r.id, [])),
                          r.status, _wire_time(r.sent_at)) for r in rows]


def _wire_time(dt: datetime | None) -> str | None:
    return None if dt is None else iso(dt)


@dataclass(frozen=True)
class Line:
    sku: str
    name: str
    sent: int
    received: int | None
    damaged: int

    @property
    def short(self) -> int:
        return max(0, self.sent - (self.received or 0) - self.damaged)

    @property
    def over(self) -> int:
        return max(0, (self.received or 0) + self.damaged - self.sent)


@dataclass(frozen=True)
class Row:
    id: str
    number: str
    from_store: str
    to_store: str
    status: str
    sent_at: datetime | None
    received_at: datetime | None
    problem: str | None
    lines: list[Line] = field(default_factory=list)

    @property
    def units(self) -> int:
        return sum(ln.sent for ln in self.lines)

    @property
    def received_units(self) -> int:
        return sum(ln.received or 0 for ln in self.lines)

    @property
    def differing(self) -> list[Line]:
        return [ln for ln in self.lines if ln.short or ln.over or ln.damaged]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "number": self.number, "from_store": self.from_store,
                "to_store": self.to_store, "status": self.status,
                "sent_at": _wire_time(self.sent_at),
                "received_at": _wire_time(self.received_at), "problem": self.problem,
                "lines": [{"sku": ln.sku, "sent": ln.sent, "received": ln.received,
                           "damaged": ln.damaged} for ln in self.lines]}


def _lines(conn: Connection, ids: list[str]) -> dict[str, list[Any]]:
    tl, p = t.transfer_lines, t.products
    out: dict[str, list[Any]] = {}
    for i in range(0, len(ids), 500):
        for r in conn.execute(
                select(tl.c.transfer_id, tl.c.sku, tl.c.sent, tl.c.received, tl.c.damaged,
                       p.c.name, p.c.variant)
                .select_from(tl.outerjoin(p, p.c.sku == tl.c.sku))
                .where(tl.c.transfer_id.in_(ids[i:i + 500])).order_by(tl.c.sku)):
            out.setdefault(r.transfer_id, []).append(r)
    return out


def _rows(conn: Connection, stmt: Any) -> list[Row]:
    found = conn.execute(stmt).all()
    lines = _lines(conn, [r.id for r in found])
    return [Row(r.id, r.number, r.from_store, r.to_store, r.status, r.sent_at, r.received_at,
                r.problem, [Line(ln.sku, f"{ln.name or ''} {ln.variant or ''}".strip(),
                                 ln.sent, ln.received, ln.damaged)
                            for ln in lines.get(r.id, [])]) for r in found]


# -- the dashboard ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Board:
    in_flight: list[Row]
    discrepancies: list[Row]  # received with discrepancies in the last ``days``
    days: int
    flagged: int  # transfers anywhere with a problem to look at


def board(engine: Engine, days: int = 30, now: datetime | None = None) -> Board:
    """Transfers in flight (oldest first) and recently received with discrepancies."""
    tr = t.transfers
    since = (now or utc_now()) - timedelta(days=days)
    with read(engine) as conn:
        flying = _rows(conn, select(tr).where(tr.c.status == IN_TRANSIT)
                       .order_by(tr.c.sent_at, tr.c.id).limit(BOARD_LIMIT))
        off = _rows(conn, select(tr).where(tr.c.status == DISCREPANCIES,
                                           tr.c.received_at >= since)
                    .order_by(tr.c.received_at.desc(), tr.c.id).limit(BOARD_LIMIT))
        flagged = int(conn.execute(select(func.count()).select_from(tr)
                                   .where(tr.c.problem.is_not(None))).scalar_one())
    return Board(flying, off, days, flagged)


def list_transfers(engine: Engine, store: str | None = None, status: str | None = None,
                   limit: int = 500) -> list[Row]:
    """For admins and the CLI: transfers from or to ``store``, newest first."""
    tr = t.transfers
    stmt = select(tr)
    if store:
        stmt = stmt.where((tr.c.from_store == store) | (tr.c.to_store == store))
    if status:
        stmt = stmt.where(tr.c.status == status)
    stmt = stmt.order_by(tr.c.sent_at.desc().nulls_last(), tr.c.id).limit(limit)
    with read(engine) as conn:
        return _rows(conn, stmt)

