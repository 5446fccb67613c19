"""Sync, the database side: the outbox in order, what the central confirmed, quarantine, pulls.

The worker (``sync/worker.py``) does the talking; this service does every read and write of
the register's database it needs, each in one short transaction:

- ``next_batch`` reads pending outbox events in ``seq`` order, up to a count and a byte size.
- ``mark_sent`` marks exactly the event ids the central said it holds; nothing else.
- ``quarantine`` sets events the central rejected aside with its reason; the queue behind them
  keeps draining. A manager sees them in ``quarantined()`` (and ``sync --status``) and may
  ``requeue`` them once the cause is fixed.
- ``apply_catalog`` upserts a catalog page by SKU (products, barcodes, departments, groups,
  vendors) and stores the catalog version, in one transaction. Open carts keep their own
  ``Item`` copies, so a price change never reprices a sale in progress.
- ``apply_movements`` stores the store's other registers' movements in ``sibling_movements``
  (unique movement id: a re-pull stores nothing twice) and the cursor, in one transaction; a
  trigger adds them to ``stock_levels``. The local hash chain is not touched.

Everything the worker needs to resume after a restart (pending events, cursors, last
success) is in the database. ``build_worker`` wires a ``SyncWorker`` for a register.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select, update

from pos_protocol import wire
from pos_protocol.barcode import normalise
from pos_terminal.clock import utc_now
from pos_terminal.config import Paths
from pos_terminal.db import catalog as repo
from pos_terminal.db import tables as t
from pos_terminal.db.fast import cursor
from pos_terminal.errors import BarcodeError
from pos_terminal.services import counting
from pos_terminal.services.context import Context
from pos_terminal.services.retail import store_rules
from pos_terminal.sync.status import SyncFigures

if TYPE_CHECKING:
    from pos_terminal.sync.worker import SyncWorker

_NEXT = ("SELECT seq, event_id, type, occurred_at, payload FROM outbox "
         "WHERE status = 'pending' AND seq > ? ORDER BY seq LIMIT ?")
_MARK_SENT = ("UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, "
              "last_error = NULL, quarantined_at = NULL WHERE event_id = ? AND status != 'sent'")
_QUARANTINE = ("UPDATE outbox SET status = 'quarantined', quarantined_at = ?, last_error = ?, "
               "attempts = attempts + 1 WHERE event_id = ? AND status = 'pending'")
_FAILED = ("UPDATE outbox SET attempts = attempts + 1, last_error = ? "
           "WHERE event_id = ? AND status = 'pending'")
_INSERT_SIBLING = (
    "INSERT OR IGNORE INTO sibling_movements (movement_id, cursor, register, sku, product_id, "
    "quantity, kind, reason, reference, unit_cost, occurred_at, pulled_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_CHUNK = 500


@dataclass(frozen=True)
class OutboxEvent:
    """One pending outbox row; ``payload`` is its JSON text as stored."""

    seq: int
    event_id: str
    type: str
    occurred_at: str
    payload: str

    def wire_json(self) -> str:
        """The event as protocol JSON, reusing the stored payload text (no re-encoding)."""
        return (f'{{"event_id":{_q(self.event_id)},"seq":{self.seq},'
                f'"type":{_q(self.type)},"occurred_at":{_q(self.occurred_at)},'
                f'"payload":{self.payload}}}')


def _q(text: str) -> str:
    """A JSON string: plain ids and times as they are, anything odd through json.dumps."""
    if text.isalnum() or (text.isprintable() and '"' not in text and "\\" not in text):
        return f'"{text}"'
    return json.dumps(text)


@dataclass(frozen=True)
class QuarantinedEvent:
    seq: int
    event_id: str
    type: str
    occurred_at: str
    reason: str
    quarantined_at: str | None
    attempts: int

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class CatalogApplied:
    version: int
    created: int
    updated: int
    skipped: tuple[str, ...]  # "SKU: why", for products or barcodes not applied


@dataclass(frozen=True)
class MovementsApplied:
    cursor: int
    stored: int  # new rows (a re-pull stores 0)
    unbound: int  # sibling movements waiting for a product this register does not know yet


class SyncService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # -- outbox ---------------------------------------------------------------------------------
    def next_batch(self, max_events: int = 500, max_bytes: int = wire.MAX_BATCH_BYTES,
                   after_seq: int = 0) -> list[OutboxEvent]:
        """Pending events in ``seq`` order: at most ``max_events`` and, but for a single
        oversized event (returned alone), at most ``max_bytes`` of event JSON."""
        with self.ctx.read() as conn:
            rows = cursor(conn).execute(_NEXT, (after_seq, max_events)).fetchall()
        out: list[OutboxEvent] = []
        size = 0
        for row in rows:
            ev = OutboxEvent(*row)
            size += len(ev.payload) + len(ev.event_id) + len(ev.type) + 96
            if out and size > max_bytes:
                break
            out.append(ev)
        return out

    def pending_count(self) -> int:
        with self.ctx.read() as conn:
            return int(conn.execute(
                select(func.count()).select_from(t.outbox).where(t.outbox.c.status == "pending")
            ).scalar_one())

    def quarantined_count(self) -> int:
        """Events set aside (the central reports it per register on its dashboard)."""
        with self.ctx.read() as conn:
            return int(conn.execute(
                select(func.count()).select_from(t.outbox)
                .where(t.outbox.c.status == "quarantined")).scalar_one())

    def mark_sent(self, event_ids: Collection[str]) -> int:
        """Mark exactly these events sent (the ids the central holds); returns rows changed."""
        if not event_ids:
            return 0
        now = utc_now()
        with self.ctx.write() as conn:
            cur = cursor(conn)
            cur.executemany(_MARK_SENT, [(now, e) for e in event_ids])
            return int(cur.rowcount)

    def quarantine(self, rejections: Sequence[tuple[str, str]]) -> int:
        """Set pending events aside: ``(event_id, reason)`` pairs; returns rows changed."""
        if not rejections:
            return 0
        now = utc_now()
        with self.ctx.write() as conn:
            cur = cursor(conn)
            cur.executemany(_QUARANTINE, [(now, reason[:1000], eid) for eid, reason in
                                          rejections])
            return int(cur.rowcount)

    def quarantined(self, limit: int = 100) -> list[QuarantinedEvent]:
        o = t.outbox
        with self.ctx.read() as conn:
            rows = conn.execute(
                select(o.c.seq, o.c.event_id, o.c.type, o.c.occurred_at, o.c.last_error,
                       o.c.quarantined_at, o.c.attempts)
                .where(o.c.status == "quarantined").order_by(o.c.seq).limit(limit)
            ).all()
        return [QuarantinedEvent(r[0], r[1], r[2], r[3], r[4] or "", r[5], r[6]) for r in rows]

    def requeue(self, event_ids: Iterable[str] | None = None) -> int:
        """Put quarantined events back in the queue (all of them when ``event_ids`` is None)."""
        o = t.outbox
        stmt = update(o).where(o.c.status == "quarantined").values(
            status="pending", quarantined_at=None)
        if event_ids is not None:
            ids = list(event_ids)
            if not ids:
                return 0
            stmt = stmt.where(o.c.event_id.in_(ids))
        with self.ctx.write() as conn:
            return int(conn.execute(stmt).rowcount)

    def record_failure(self, error: str, event_ids: Sequence[str] = ()) -> None:
        """A round failed: remember why (and count an attempt on the events it carried)."""
        now = utc_now()
        with self.ctx.write() as conn:
            if event_ids:
                cursor(conn).executemany(_FAILED, [(error[:1000], e) for e in event_ids])
            conn.execute(update(t.sync_state).where(t.sync_state.c.id == 1).values(
                last_failure_at=now, last_error=error[:1000]))

    def record_success(self) -> None:
        with self.ctx.write() as conn:
            conn.execute(update(t.sync_state).where(t.sync_state.c.id == 1).values(
                last_success_at=utc_now(), last_error=None))

    # -- pulls ----------------------------------------------------------------------------------
    def catalog_version(self) -> int:
        with self.ctx.read() as conn:
            return _state(conn)["catalog_version"]

    def movement_cursor(self) -> int:
        with self.ctx.read() as conn:
            return _state(conn)["movement_cursor"]

    def apply_catalog(self, page: wire.CatalogPage) -> CatalogApplied:
        """Upsert a catalog page by SKU and store its version, all in one transaction."""
        now = utc_now()
        created = updated = 0
        skipped: list[str] = []
        with self.ctx.write() as conn:
            tax_ids = repo.tax_class_ids(conn)
            for p in page.products:
                if p.tax_class not in tax_ids:
                    skipped.append(f"{p.sku}: tax class {p.tax_class} is not set up at this "
                                   "register (add it under [tax_classes] in config.toml)")
                    continue
                exists = conn.execute(
                    select(t.products.c.id).where(t.products.c.sku == p.sku)).scalar()
                pid = repo.upsert_product(conn, {
                    "sku": p.sku, "name": p.name, "variant": p.variant,
                    "group_id": repo.lookup_id(conn, t.product_groups, p.group),
                    "department_id": repo.lookup_id(conn, t.departments, p.department),
                    "vendor_id": repo.lookup_id(conn, t.vendors, p.vendor),
                    "tax_class_id": tax_ids[p.tax_class], "unit": p.unit, "price": p.price,
                    "price_per": p.price_per, "cost": p.cost, "reorder_point": p.reorder_point,
                    "par_level": p.par_level, "min_age": p.min_age,
                    "max_per_sale": p.max_per_sale, "active": p.active, "updated_at": now,
                    "deposit_code": p.deposit, "tare": p.tare,
                })
                if exists is None:
                    created += 1
                else:
                    updated += 1
                codes: list[dict[str, Any]] = []
                keys: set[str] = set()
                for b in p.barcodes:
                    try:
                        key = normalise(b.code)
                    except BarcodeError as exc:
                        skipped.append(f"{p.sku}: barcode {b.code} left out ({exc})")
                        continue
                    if key in keys:
                        continue
                    keys.add(key)
                    codes.append({"key": key, "code": b.code, "multiplier": b.multiplier,
                                  "pack_price": b.pack_price, "deposit_code": b.deposit})
                if keys:  # the central is authoritative: a code moves to the product it names
                    conn.execute(t.barcodes.delete().where(
                        t.barcodes.c.key.in_(keys), t.barcodes.c.product_id != pid))
                repo.replace_barcodes(conn, pid, codes)
            store_rules(conn, page.promotions, page.deposits, now)  # retail (docs/retail.md)
            warning = (f"{len(skipped)} catalog item(s) not applied: " + "; ".join(skipped[:5])
                       ) if skipped else None
            values: dict[str, Any] = {"catalog_version": page.version}
            if page.products:  # keep the last warning until a pull changes something
                values["catalog_warning"] = warning
            conn.execute(update(t.sync_state).where(t.sync_state.c.id == 1).values(**values))
        return CatalogApplied(page.version, created, updated, tuple(skipped))

    def apply_movements(self, page: wire.MovementsPage, own_register: str) -> MovementsApplied:
        """Store a page of sibling movements (idempotent) and its cursor, in one transaction."""
        now = utc_now()
        with self.ctx.write() as conn:
            cur = cursor(conn)
            skus = sorted({s.movement.sku for s in page.movements})
            pids: dict[str, int] = {}
            for i in range(0, len(skus), _CHUNK):
                part = skus[i : i + _CHUNK]
                for sku, pid in conn.execute(
                        select(t.products.c.sku, t.products.c.id)
                        .where(t.products.c.sku.in_(part))):
                    pids[sku] = pid
            rows = []
            for s in page.movements:
                m = s.movement
                if s.register == own_register or cur.execute(
                        "SELECT 1 FROM stock_movements WHERE id = ?", (m.id,)).fetchone():
                    continue  # our own movement: already in the ledger
                rows.append((m.id, s.cursor, s.register, m.sku, pids.get(m.sku), m.quantity,
                             m.kind, m.reason, m.reference, m.unit_cost, m.occurred_at, now))
            stored = 0
            if rows:
                mark = counting.sibling_mark(conn)
                cur.executemany(_INSERT_SIBLING, rows)
                stored = max(0, int(cur.rowcount))
                # sales from before a count, arriving after it (services/counting.py)
                counting.on_pulled_siblings(conn, self.ctx.settings, mark)
            state = _state(conn)
            if page.cursor > state["movement_cursor"]:
                conn.execute(update(t.sync_state).where(t.sync_state.c.id == 1).values(
                    movement_cursor=page.cursor))
            unbound = conn.execute(
                select(func.count()).select_from(t.sibling_movements)
                .where(t.sibling_movements.c.product_id.is_(None))).scalar_one()
        return MovementsApplied(max(page.cursor, state["movement_cursor"]), stored, int(unbound))

    def apply_transfers(self, stores: Sequence[wire.StoreRef],
                        inbound: Sequence[wire.Transfer]) -> Any:
        """The other stores and the transfers in transit to this store (services/transfers)."""
        from pos_terminal.services.transfers import TransferService

        return TransferService(self.ctx).apply_pull(stores, inbound)

    def apply_purchase_orders(self, page: wire.PurchaseOrdersPage) -> int:
        """Replace the pulled open POs with the central's page (one transaction)."""
        from pos_terminal.services.receiving import replace_purchase_orders

        with self.ctx.write() as conn:
            return replace_purchase_orders(conn, page)

    def reset_cursors(self) -> None:
        """Pull the catalog and sibling movements from the start (a new central); re-pulled
        movements are stored once (unique movement id)."""
        with self.ctx.write() as conn:
            conn.execute(update(t.sync_state).where(t.sync_state.c.id == 1).values(
                catalog_version=0, movement_cursor=0))

    # -- figures --------------------------------------------------------------------------------
    def figures(self) -> SyncFigures:
        o, sm = t.outbox, t.sibling_movements
        with self.ctx.read() as conn:
            pending = conn.execute(
                select(func.count()).select_from(o).where(o.c.status == "pending")).scalar_one()
            oldest = conn.execute(
                select(o.c.occurred_at).where(o.c.status == "pending").order_by(o.c.seq)
                .limit(1)).scalar()
            quarantined = conn.execute(
                select(func.count()).select_from(o).where(o.c.status == "quarantined")
            ).scalar_one()
            unbound = conn.execute(
                select(func.count()).select_from(sm).where(sm.c.product_id.is_(None))
            ).scalar_one()
            s = _state(conn)
        return SyncFigures(
            pending=int(pending), oldest_pending_at=oldest, quarantined=int(quarantined),
            last_success_at=s["last_success_at"], last_failure_at=s["last_failure_at"],
            last_error=s["last_error"], catalog_version=s["catalog_version"],
            movement_cursor=s["movement_cursor"], unbound_sibling_movements=int(unbound),
            catalog_warning=s["catalog_warning"],
        )


def _state(conn: Connection) -> dict[str, Any]:
    row = conn.execute(select(t.sync_state).where(t.sync_state.c.id == 1)).mappings().first()
    if row is None:  # a database whose migration lost the row: start from nothing
        return {"catalog_version": 0, "movement_cursor": 0, "last_success_at": None,
                "last_failure_at": None, "last_error": None, "catalog_warning": None}
    return dict(row)


def build_worker(
    ctx: Context, paths: Paths, on_state: Callable[[str], None] | None = None,
    **options: Any,
) -> SyncWorker | None:
    """A sync worker for this register (not started), or None when it was never provisioned.

    ``on_state`` gets the status-bar line (``SyncStatus.line()``) from the worker thread; the
    GUI passes ``bridge.on_sync_state``. ``options`` go to ``SyncWorker`` (tests).
    """
    from pos_terminal.sync.settings import load_central
    from pos_terminal.sync.worker import SyncWorker

    central = load_central(paths)
    if central is None:
        return None
    return SyncWorker.create(SyncService(ctx), paths, ctx.settings.register, central,
                             on_state=on_state, **options)
