"""Transfers between stores at the register: send stock to another store, receive what another
store sent (docs/inventory.md, "Transfers").

- ``send`` posts, in one transaction, the transfer and its lines, one ``transfer_out``
  (negative) movement per product and one ``stock.transferred_out`` event. It works offline;
  the event reaches the central with the next sync. The target must be another store, and one
  the central knows once this register has pulled the store list.
- The sync pull (``apply_pull``) stores the other stores and the transfers to this store that
  are still in transit; a pending transfer the central no longer lists was received by another
  register of this store and is closed here.
- ``receive`` posts, in one transaction, ``transfer_in`` movements for the good units that
  arrived, the received and damaged quantities per line, and one ``stock.transferred_in``
  event with the discrepancies (short, over, damaged, unexpected). A transfer is received once:
  a second receipt at this register is refused, and so is one after a sibling register's
  receipt has been pulled.

Quantities are integer base units; a pack barcode counts its multiplier.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from pos_protocol import wire
from pos_terminal.clock import new_id, utc_now
from pos_terminal.db import ledger
from pos_terminal.db import tables as t
from pos_terminal.db.counters import next_number
from pos_terminal.domain.cart import check_quantity
from pos_terminal.domain.ledger import Movement, MovementKind
from pos_terminal.errors import InputError, NotFoundError, QuantityError, RuleError
from pos_terminal.services.catalog import resolve
from pos_terminal.services.context import Context


@dataclass(frozen=True)
class TransferLine:
    sku: str
    name: str  # "" when the product is not in this register's catalog
    unit: str
    sent: int
    received: int | None = None
    damaged: int = 0
    known: bool = True  # the product is in this register's catalog

    @property
    def label(self) -> str:
        return self.name or f"unknown product {self.sku}"


@dataclass(frozen=True)
class Transfer:
    id: str
    number: str
    direction: str  # out | in
    from_store: str
    to_store: str
    status: str  # sent | pending | received | closed
    sent_at: str | None
    received_at: str | None
    lines: tuple[TransferLine, ...]

    @property
    def units(self) -> int:
        return sum(ln.sent for ln in self.lines)

    def to_json(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["lines"] = [dict(ln.__dict__) for ln in self.lines]
        return d


@dataclass(frozen=True)
class Discrepancy:
    sku: str
    kind: str  # short | over | damaged | unexpected
    quantity: int


@dataclass(frozen=True)
class Received:
    transfer: Transfer
    discrepancies: tuple[Discrepancy, ...]
    on_hand: dict[str, int]


@dataclass(frozen=True)
class PullApplied:
    stores: int
    pending: int  # in-transit transfers to this store now listed here
    closed: int  # pending here, but received elsewhere


def discrepancies(sent: int, received: int, damaged: int, sku: str) -> list[Discrepancy]:
    """What differs between a line as sent and as it arrived (good + damaged units)."""
    out: list[Discrepancy] = []
    if damaged:
        out.append(Discrepancy(sku, "damaged", damaged))
    arrived = received + damaged
    if sent == 0 and arrived:
        out.append(Discrepancy(sku, "unexpected", arrived))
    elif arrived > sent:
        out.append(Discrepancy(sku, "over", arrived - sent))
    elif arrived < sent:
        out.append(Discrepancy(sku, "short", sent - arrived))
    return out


class TransferService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # -- reading --------------------------------------------------------------------------------
    def stores(self) -> list[wire.StoreRef]:
        """The other stores a transfer may go to (empty before the first sync pull)."""
        ks = t.known_stores
        with self.ctx.read() as conn:
            return [wire.StoreRef(c, n) for c, n in
                    conn.execute(select(ks.c.code, ks.c.name).order_by(ks.c.code))]

    def inbound(self, pending_only: bool = True, limit: int = 100) -> list[Transfer]:
        """Transfers to this store, oldest first (pending ones only by default)."""
        statuses = ("pending",) if pending_only else ("pending", "received", "closed")
        return self._list("in", statuses, limit)

    def outbound(self, limit: int = 100) -> list[Transfer]:
        """Transfers this register sent, newest first."""
        return self._list("out", ("sent",), limit)

    def get(self, ref: str) -> Transfer:
        """A transfer by id or number (e.g. ``T-S1-R1-000003``)."""
        with self.ctx.read() as conn:
            return _load(conn, _find(conn, ref))

    def _list(self, direction: str, statuses: tuple[str, ...], limit: int) -> list[Transfer]:
        tr = t.transfers
        order = tr.c.sent_at.desc() if direction == "out" else tr.c.sent_at
        with self.ctx.read() as conn:
            ids = conn.execute(select(tr.c.id).where(
                tr.c.direction == direction, tr.c.status.in_(statuses))
                .order_by(order, tr.c.number).limit(limit)).scalars().all()
            return [_load(conn, i) for i in ids]

    def resolve_code(self, code: str, count: int = 1) -> tuple[str, int, str]:
        """A scanned or typed code as (SKU, base units, label); a pack counts its multiplier."""
        with self.ctx.read() as conn:
            sku, qty, label, _ = _resolve(conn, code, count)
        return sku, qty, label

    # -- sending --------------------------------------------------------------------------------
    def send(self, to_store: str, items: Iterable[tuple[str, int]], user_id: int) -> Transfer:
        """Send stock to another store: ``transfer_out`` movements and one outbox event."""
        s = self.ctx.settings
        target = (to_store or "").strip().upper()
        if not target:
            raise InputError("choose the store the goods go to")
        if target == s.store.upper():
            raise RuleError(f"{target} is this store: a transfer goes to another store")
        wanted = list(items)
        if not wanted:
            raise InputError("scan at least one item to send")
        now = utc_now()
        with self.ctx.write() as conn:
            known = dict(conn.execute(select(t.known_stores.c.code, t.known_stores.c.name)).all())
            if known and target not in known:
                raise NotFoundError(
                    f"the central knows no store {target}; choose one of "
                    f"{', '.join(sorted(known))} (sync to refresh the list)")
            lines: dict[str, tuple[int, int, int | None, str]] = {}  # sku: pid, qty, cost, label
            for code, count in wanted:
                sku, qty, label, item = _resolve(conn, code, count)
                pid, before, cost, _ = lines.get(sku, (item.product_id, 0, item.cost, label))
                lines[sku] = (pid, before + qty, cost, label)
            for pid, qty, _, label in lines.values():
                have = ledger.on_hand(conn, pid)
                if qty > have:
                    raise RuleError(f"{label}: only {have} on hand here, cannot send {qty}")
            transfer_id = new_id()
            number = f"T-{s.store}-{s.register}-{next_number(conn, 'transfer'):06d}"
            conn.execute(insert(t.transfers).values(
                id=transfer_id, number=number, direction="out", from_store=s.store,
                to_store=target, status="sent", sent_at=now, user_id=user_id))
            conn.execute(insert(t.transfer_lines), [
                {"transfer_id": transfer_id, "sku": sku, "sent": qty}
                for sku, (_, qty, _, _) in lines.items()])
            moves = [Movement(new_id(), pid, -qty, MovementKind.TRANSFER_OUT, f"to {target}",
                              transfer_id, cost, now, user_id, s.terminal)
                     for pid, qty, cost, _ in lines.values()]
            posted = ledger.append(conn, s.terminal, moves)
            skus = {pid: sku for sku, (pid, _, _, _) in lines.items()}
            ledger.add_event(conn, now, wire.StockTransferredOut(
                transfer_id=transfer_id, number=number, to_store=target,
                lines=tuple(wire.SentLine(sku=sku, quantity=qty)
                            for sku, (_, qty, _, _) in lines.items()),
                movements=ledger.movement_payload(posted, skus),
            ))
            return _load(conn, transfer_id)

    # -- receiving ------------------------------------------------------------------------------
    def receive(self, ref: str, received: Mapping[str, int] | None, user_id: int,
                damaged: Mapping[str, int] | None = None) -> Received:
        """Receive a pending inbound transfer.

        ``received`` maps SKU to the good units that arrived (None: everything as sent);
        ``damaged`` SKU to units that arrived unsellable (recorded, not put on hand). A SKU not
        on the transfer is an unexpected item.
        """
        s = self.ctx.settings
        got = dict(received) if received is not None else None
        bad = dict(damaged or {})
        for sku, n in [*(got or {}).items(), *bad.items()]:
            if n < 0:
                raise QuantityError(f"{sku}: a received quantity cannot be negative")
        now = utc_now()
        with self.ctx.write() as conn:
            tid = _find(conn, ref)
            tr = _load(conn, tid)
            if tr.direction != "in":
                raise RuleError(f"{tr.number} was sent from this store; the store it went to "
                                "receives it")
            if tr.status != "pending" or _received_by_sibling(conn, tid):
                raise RuleError(f"transfer {tr.number} was already received"
                                + (f" ({tr.received_at[:16]})" if tr.received_at else ""))
            sent = {ln.sku: ln.sent for ln in tr.lines}
            if got is None:
                got = {sku: max(0, n - bad.get(sku, 0)) for sku, n in sent.items()}
            skus = sorted(set(sent) | set(got) | set(bad))
            pids = _product_ids(conn, skus)
            rows: list[dict[str, Any]] = []
            found: list[Discrepancy] = []
            moves: list[Movement] = []
            for sku in skus:
                good, broken = got.get(sku, 0), bad.get(sku, 0)
                if (good or broken) and sku not in pids:
                    raise NotFoundError(f"product {sku} is not in this register's catalog; "
                                        "sync the catalog, then receive again")
                if sku in pids and good:
                    check_quantity(good, pids[sku][1])
                    moves.append(Movement(new_id(), pids[sku][0], good,
                                          MovementKind.TRANSFER_IN, f"from {tr.from_store}",
                                          tid, pids[sku][2], now, user_id, s.terminal))
                found += discrepancies(sent.get(sku, 0), good, broken, sku)
                rows.append({"sku": sku, "sent": sent.get(sku, 0), "received": good,
                             "damaged": broken})
            conn.execute(delete(t.transfer_lines).where(t.transfer_lines.c.transfer_id == tid))
            conn.execute(insert(t.transfer_lines), [{"transfer_id": tid, **r} for r in rows])
            conn.execute(update(t.transfers).where(t.transfers.c.id == tid).values(
                status="received", received_at=now, user_id=user_id))
            posted = ledger.append(conn, s.terminal, moves)
            ledger.add_event(conn, now, wire.StockTransferredIn(
                transfer_id=tid, number=tr.number, from_store=tr.from_store,
                lines=tuple(wire.ArrivedLine(**r) for r in rows),
                discrepancies=tuple(wire.Discrepancy(**d.__dict__) for d in found),
                movements=ledger.movement_payload(
                    posted, {pid: sku for sku, (pid, _, _) in pids.items()}),
            ))
            levels = {sku: ledger.on_hand(conn, pids[sku][0]) for sku in skus if sku in pids}
            return Received(_load(conn, tid), tuple(found), levels)

    # -- sync pull ------------------------------------------------------------------------------
    def apply_pull(self, stores: Iterable[wire.StoreRef],
                   inbound: Iterable[wire.Transfer]) -> PullApplied:
        """Replace the known stores and the in-transit transfers to this store, in one
        transaction; a pending transfer no longer listed was received elsewhere: closed."""
        now = utc_now()
        tr, tl = t.transfers, t.transfer_lines
        own = self.ctx.settings.store
        with self.ctx.write() as conn:
            others = [s for s in stores if s.code != own]
            conn.execute(delete(t.known_stores))
            if others:
                conn.execute(insert(t.known_stores), [
                    {"code": s.code, "name": s.name, "pulled_at": now} for s in others])
            listed = {x.id: x for x in inbound if x.to_store == own}
            local = dict(conn.execute(select(tr.c.id, tr.c.status).where(
                tr.c.direction == "in")).all())
            for x in listed.values():
                if x.id in local:
                    continue  # pending already, or received here and not yet synced
                conn.execute(insert(tr).values(
                    id=x.id, number=x.number, direction="in", from_store=x.from_store,
                    to_store=x.to_store, status="pending", sent_at=x.sent_at, pulled_at=now))
                conn.execute(insert(tl), [{"transfer_id": x.id, "sku": ln.sku,
                                           "sent": ln.sent} for ln in x.lines])
            gone = [i for i, st in local.items() if st == "pending" and i not in listed]
            if gone:
                conn.execute(update(tr).where(tr.c.id.in_(gone)).values(status="closed"))
        return PullApplied(len(others), len(listed), len(gone))


# -- helpers ------------------------------------------------------------------------------------
def _resolve(conn: Connection, code: str, count: int) -> tuple[str, int, str, Any]:
    if count <= 0:
        raise QuantityError("quantity must be positive")
    item = resolve(conn, code)
    qty = check_quantity(count * item.pack if item.unit == "each" else count, item.unit)
    return item.sku, qty, f"{item.name} {item.variant}".strip(), item


def _find(conn: Connection, ref: str) -> str:
    tr = t.transfers
    text = (ref or "").strip()
    if not text:
        raise InputError("give a transfer number (e.g. T-S1-R1-000003)")
    got = conn.execute(select(tr.c.id).where((tr.c.id == text) | (tr.c.number == text.upper()))
                       ).scalar()
    if got is None:
        raise NotFoundError(f"no transfer {text} here; sync to pull transfers sent to this store")
    return str(got)


def _load(conn: Connection, transfer_id: str) -> Transfer:
    tr, tl, p = t.transfers, t.transfer_lines, t.products
    row = conn.execute(select(tr).where(tr.c.id == transfer_id)).one()
    lines = conn.execute(
        select(tl.c.sku, p.c.name, p.c.variant, p.c.unit, tl.c.sent, tl.c.received,
               tl.c.damaged, p.c.id)
        .select_from(tl.outerjoin(p, p.c.sku == tl.c.sku))
        .where(tl.c.transfer_id == transfer_id).order_by(tl.c.sku)).all()
    return Transfer(
        row.id, row.number, row.direction, row.from_store, row.to_store, row.status,
        row.sent_at, row.received_at,
        tuple(TransferLine(sku, f"{name or ''} {variant or ''}".strip(), unit or "each", sent,
                           received, damaged, pid is not None)
              for sku, name, variant, unit, sent, received, damaged, pid in lines))


def _product_ids(conn: Connection, skus: list[str]) -> dict[str, tuple[int, str, int | None]]:
    p = t.products
    return {sku: (pid, unit, cost) for sku, pid, unit, cost in conn.execute(
        select(p.c.sku, p.c.id, p.c.unit, p.c.cost).where(p.c.sku.in_(skus)))}


def _received_by_sibling(conn: Connection, transfer_id: str) -> bool:
    """Another register of this store received it (its movements were pulled already)."""
    sm = t.sibling_movements
    return conn.execute(select(sm.c.id).where(
        sm.c.kind == str(MovementKind.TRANSFER_IN), sm.c.reference == transfer_id).limit(1)
    ).first() is not None
