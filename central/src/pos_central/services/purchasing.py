"""Purchase orders per store and vendor, suggested orders, and what registers tell about them.

- A PO is ``draft`` → ``sent`` → ``partially_received`` → ``received`` (or ``cancelled`` before
  anything arrived). Numbers are per store: ``PO-S1-000012`` (counter ``po:S1``).
- Suggested orders (``suggestions``, the one computation the dashboard, the API and the CLI
  use): for each active product of a store whose on-hand is at or below its reorder point,
  ``par − on-hand − on order`` (open PO lines not yet received), at least 0; None without a par
  level. Reorder point and par level come from ``store_stock_params`` (a register's
  ``reorder.set``) field by field before the catalog product's.
- Ingest (``apply_events``, inside the ingest transaction, only for newly stored events, so a
  redelivered event changes nothing): ``purchase_order.drafted`` becomes a sent PO of origin
  ``register`` under the register's PO id (a second copy is ignored); ``stock.received`` with a
  ``po_id`` adds each line's good quantity to the PO's lines and moves the PO to
  ``partially_received`` / ``received``; ``reorder.set`` upserts the store's parameters (the
  newest ``occurred_at`` wins, so late redeliveries cannot undo a newer setting).
- Object-level authorization (``authorize``, before anything is stored): a PO is received only
  by its own store, and a drafted PO cannot take another store's PO id; another store's
  register gets 403 naming the field and the PO is untouched.
- A ``stock.received`` naming a PO the central does not know (or, stored before that check,
  another store's) moved the stock but filled no PO: ``flagged_receipts`` finds them (read
  from the stored events, so one stays flagged until the data says otherwise) for the
  dashboard's Purchase orders page.

Quantities are integer base units (pieces, g, ml); costs integer minor units.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, or_, select, text, true, update

from pos_central.clock import iso, utc_now
from pos_central.db import tables as t
from pos_central.db.engine import read, write
from pos_central.db.sql import insert
from pos_central.errors import BadInput, Conflict, Forbidden, NotFound
from pos_protocol import from_wire_time, wire

DRAFTED = "purchase_order.drafted"
RECEIVED = "stock.received"
REORDER = "reorder.set"
TYPES = frozenset({DRAFTED, RECEIVED, REORDER})  # events ingest hands to this module
STATUSES = ("draft", "sent", "partially_received", "received", "cancelled")
ON_ORDER = ("draft", "sent", "partially_received")  # lines of these POs count as on order
SUGGEST_LIMIT = 500


# -- ingest -----------------------------------------------------------------------------------
def check_payload(event: wire.Event, where: str) -> None:
    """Refuse (``WireError``) a malformed payload of an event type handled here."""
    if event.type != RECEIVED or "po_id" in event.payload:  # a delivery without a PO: stored
        wire.parse_payload(event, where)


def authorize(conn: Connection, store: str, events: Sequence[tuple[str, wire.Event]]) -> None:
    """Object-level authorization (``Forbidden``, naming the field) of ``(where, event)``
    pairs from ``store``: a purchase order is received only by its own store, and a drafted
    PO cannot take the id of another store's PO. A PO the central does not know is nobody's
    (the delivery is stored and flagged, ``flagged_receipts``)."""
    refs = [(where, ev, str(ev.payload["po_id"])) for where, ev in events
            if ev.type in (DRAFTED, RECEIVED) and ev.payload.get("po_id") is not None]
    if not refs:
        return
    po = t.purchase_orders
    known = {r.id: r for r in conn.execute(select(po.c.id, po.c.number, po.c.store)
                                           .where(po.c.id.in_(sorted({i for *_, i in refs}))))}
    for where, ev, po_id in refs:
        row = known.get(po_id)
        if row is None or row.store == store:
            continue
        if ev.type == RECEIVED:
            raise Forbidden(f"purchase order {row.number} is {row.store}'s: only {row.store} "
                            f"receives against it, not {store}", f"{where}.payload.po_id")
        raise Forbidden(f"purchase order id {po_id} is {row.store}'s {row.number}: {store} "
                        "cannot draft under it", f"{where}.payload.po_id")


def apply_events(conn: Connection, store: str, events: Sequence[wire.Event]) -> None:
    """Apply newly stored events (already checked) in batch order, in the ingest
    transaction."""
    for ev in events:
        if ev.type == DRAFTED:
            _drafted(conn, store, wire.PurchaseOrderDrafted.parse(ev.payload),
                     from_wire_time(ev.occurred_at))
        elif ev.type == REORDER:
            _reorder(conn, store, wire.ReorderSet.parse(ev.payload),
                     from_wire_time(ev.occurred_at))
        elif ev.type == RECEIVED and ev.payload.get("po_id") is not None:
            got = wire.StockReceived.parse(ev.payload)
            if got.po_id is not None:
                _received(conn, store, got.po_id, got.received_by_sku())


def _drafted(conn: Connection, store: str, d: wire.PurchaseOrderDrafted, at: datetime) -> None:
    po = t.purchase_orders
    if conn.execute(select(po.c.id).where(po.c.id == d.po_id)).first():
        return  # the same PO once more (another event id): keep the first
    conn.execute(po.insert().values(
        id=d.po_id, number=_next_number(conn, store), store=store, vendor=d.vendor,
        status="sent", origin="register", created_at=at, sent_at=at, note=d.note))
    conn.execute(t.purchase_order_lines.insert(), [
        {"po_id": d.po_id, "sku": ln.sku, "ordered": ln.quantity, "received": 0,
         "unit_cost": ln.unit_cost} for ln in d.lines])


def _received(conn: Connection, store: str, po_id: str, received: dict[str, int]) -> None:
    po, pl = t.purchase_orders, t.purchase_order_lines
    row = conn.execute(select(po.c.store, po.c.status).where(po.c.id == po_id)).first()
    if row is None or row.store != store:
        return  # not this store's PO: the stock still moved; nothing to fill
    for sku, qty in sorted(received.items()):
        if qty:
            conn.execute(update(pl).where(pl.c.po_id == po_id, pl.c.sku == sku)
                         .values(received=pl.c.received + qty))
    if row.status in ("draft", "sent", "partially_received"):
        conn.execute(update(po).where(po.c.id == po_id).values(
            status=_filled_status(conn, po_id, row.status)))


def _filled_status(conn: Connection, po_id: str, current: str) -> str:
    pl = t.purchase_order_lines
    open_lines, any_received = conn.execute(
        select(func.count().filter(pl.c.received < pl.c.ordered),
               func.count().filter(pl.c.received > 0)).where(pl.c.po_id == po_id)).one()
    if not open_lines:
        return "received"
    return "partially_received" if any_received else current


def _reorder(conn: Connection, store: str, r: wire.ReorderSet, at: datetime) -> None:
    sp = t.store_stock_params
    ins = insert(conn, sp).values(store=store, sku=r.sku, reorder_point=r.reorder_point,
                                  par_level=r.par_level, updated_at=at)
    conn.execute(ins.on_conflict_do_update(
        index_elements=["store", "sku"],
        set_={"reorder_point": ins.excluded.reorder_point, "par_level": ins.excluded.par_level,
              "updated_at": ins.excluded.updated_at},
        where=sp.c.updated_at <= ins.excluded.updated_at))


def _next_number(conn: Connection, store: str) -> str:
    c = t.counters
    ins = insert(conn, c).values(name=f"po:{store}", value=1)
    n = conn.execute(ins.on_conflict_do_update(
        index_elements=["name"], set_={"value": c.c.value + 1}).returning(c.c.value)
    ).scalar_one()
    return f"PO-{store}-{int(n):06d}"


# -- suggested orders -------------------------------------------------------------------------
@dataclass(frozen=True)
class Suggestion:
    sku: str
    name: str
    variant: str
    unit: str
    vendor: str
    cost: int | None
    on_hand: int
    reorder_point: int
    par_level: int | None
    on_order: int

    @property
    def suggested(self) -> int | None:
        """Order up to par: par − on hand − on order, at least 0 (None without a par)."""
        if self.par_level is None:
            return None
        return max(self.par_level - self.on_hand - self.on_order, 0)

    def to_json(self) -> dict[str, Any]:
        return {**self.__dict__, "suggested": self.suggested}


def _levels() -> tuple[Any, Any, Any, Any]:
    """Column expressions (on-hand, reorder point, par level) and (the per-store on-order
    subquery, its quantity) over products joined with stock_levels and store_stock_params."""
    p, s, sp = t.products, t.stock_levels, t.store_stock_params
    po, pl = t.purchase_orders, t.purchase_order_lines
    on_order = (select(pl.c.sku, po.c.store,
                       func.sum(pl.c.ordered - pl.c.received).label("qty"))
                .select_from(pl.join(po, po.c.id == pl.c.po_id))
                .where(po.c.status.in_(ON_ORDER), pl.c.ordered > pl.c.received)
                .group_by(pl.c.sku, po.c.store).subquery("on_order"))
    return (func.coalesce(s.c.on_hand, 0), func.coalesce(sp.c.reorder_point, p.c.reorder_point),
            func.coalesce(sp.c.par_level, p.c.par_level),
            (on_order, func.coalesce(on_order.c.qty, 0)))


def _low(on_hand: Any, rp: Any) -> Any:
    """The one test of "low stock": an active product at or below its reorder point."""
    return and_(t.products.c.active, rp.is_not(None), on_hand <= rp)


@dataclass(frozen=True)
class StoreLevels:
    """A product's levels at one store: the store's own (``reorder.set``) before the
    catalog's, and whether it is low by the same test the suggestions use."""

    reorder_point: int | None
    par_level: int | None
    own: bool  # the store set its own reorder point or par level
    low: bool


def store_levels(engine: Engine, sku: str) -> dict[str, StoreLevels]:
    """Per store, the levels of catalog product ``sku`` (empty for a SKU not in the catalog)."""
    st, p, s, sp = t.stores, t.products, t.stock_levels, t.store_stock_params
    on_hand, rp, par, _ = _levels()
    own = or_(sp.c.reorder_point.is_not(None), sp.c.par_level.is_not(None))
    with read(engine) as conn:
        rows = conn.execute(
            select(st.c.code, rp.label("rp"), par.label("par"), own.label("own"),
                   _low(on_hand, rp).label("low"))
            .select_from(
                st.join(p, p.c.sku == sku)
                .outerjoin(s, and_(s.c.store == st.c.code, s.c.sku == p.c.sku))
                .outerjoin(sp, and_(sp.c.store == st.c.code, sp.c.sku == p.c.sku)))).all()
    return {r.code: StoreLevels(None if r.rp is None else int(r.rp),
                                None if r.par is None else int(r.par), bool(r.own),
                                bool(r.low)) for r in rows}


def suggestions(engine: Engine, store: str, vendor: str | None = None,
                limit: int = SUGGEST_LIMIT) -> list[Suggestion]:
    """Products of ``store`` at or below their reorder point, emptiest first (see module)."""
    p, s, sp = t.products, t.stock_levels, t.store_stock_params
    on_hand, rp, par, (oo, on_order) = _levels()
    q = (select(p.c.sku, p.c.name, p.c.variant, p.c.unit, p.c.vendor, p.c.cost,
                on_hand.label("on_hand"), rp.label("rp"), par.label("par"),
                on_order.label("on_order"))
         .select_from(
             p.outerjoin(s, and_(s.c.store == store, s.c.sku == p.c.sku))
             .outerjoin(sp, and_(sp.c.store == store, sp.c.sku == p.c.sku))
             .outerjoin(oo, and_(oo.c.store == store, oo.c.sku == p.c.sku)))
         .where(_low(on_hand, rp))
         .order_by(on_hand - rp, p.c.vendor, p.c.name, p.c.sku).limit(limit))
    if vendor is not None:
        q = q.where(p.c.vendor == vendor)
    with read(engine) as conn:
        _store(conn, store)
        rows = conn.execute(q).all()
    return [Suggestion(r.sku, r.name, r.variant, r.unit, r.vendor,
                       None if r.cost is None else int(r.cost), int(r.on_hand), int(r.rp),
                       None if r.par is None else int(r.par), int(r.on_order)) for r in rows]


def low_stock_counts(engine: Engine) -> dict[str, int]:
    """Per store, how many active products are at or below their reorder point."""
    st, p, s, sp = t.stores, t.products, t.stock_levels, t.store_stock_params
    on_hand, rp, _, _ = _levels()
    with read(engine) as conn:
        rows = conn.execute(
            select(st.c.code, func.count(p.c.sku))
            .select_from(
                st.join(p, true())
                .outerjoin(s, and_(s.c.store == st.c.code, s.c.sku == p.c.sku))
                .outerjoin(sp, and_(sp.c.store == st.c.code, sp.c.sku == p.c.sku)))
            .where(_low(on_hand, rp))
            .group_by(st.c.code)).all()
    return {code: int(n) for code, n in rows}


# -- purchase orders --------------------------------------------------------------------------
@dataclass(frozen=True)
class Line:
    sku: str
    name: str
    ordered: int
    received: int
    unit_cost: int | None


@dataclass(frozen=True)
class PurchaseOrder:
    id: str
    number: str
    store: str
    vendor: str
    status: str
    origin: str
    created_at: datetime
    sent_at: datetime | None
    note: str
    lines: list[Line]

    @property
    def open(self) -> bool:
        return self.status in wire.PO_OPEN_STATUSES

    @property
    def total_cost(self) -> int:
        return sum(ln.ordered * (ln.unit_cost or 0) for ln in self.lines)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "number": self.number, "store": self.store,
                "vendor": self.vendor, "status": self.status, "origin": self.origin,
                "created_at": iso(self.created_at), "sent_at": iso(self.sent_at),
                "note": self.note, "lines": [ln.__dict__ for ln in self.lines]}

    def to_wire(self) -> wire.PurchaseOrder:
        return wire.PurchaseOrder(
            self.id, self.number, self.vendor, self.status, self.origin,
            iso(self.created_at) or "", tuple(wire.PurchaseOrderLine(
                ln.sku, ln.ordered, ln.received, ln.unit_cost) for ln in self.lines),
            iso(self.sent_at), self.note)


def _store(conn: Connection, store: str) -> None:
    if not conn.execute(select(t.stores.c.code).where(t.stores.c.code == store)).first():
        raise NotFound(f"unknown store {store}", "store")


def _qty(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= wire.MAX_QUANTITY:
        raise BadInput(f"{where}: a whole quantity above 0 (base units)", where)
    return value


def create(engine: Engine, store: str, vendor: str, lines: Sequence[tuple[str, int, int | None]],
           note: str = "", send: bool = False) -> PurchaseOrder:
    """A new PO (``draft``, or ``sent`` with ``send``): lines are (sku, quantity, unit cost or
    None for the catalog cost). SKUs must be in the catalog; each at most once."""
    vendor = (vendor or "").strip()
    if not vendor or len(vendor) > 100:
        raise BadInput("vendor: 1 to 100 characters", "vendor")
    if len(note) > 200:
        raise BadInput("note: at most 200 characters", "note")
    if not lines:
        raise BadInput("a purchase order needs at least one line", "lines")
    p = t.products
    with write(engine) as conn:
        _store(conn, store)
        seen: set[str] = set()
        rows = []
        for i, (sku, qty, cost) in enumerate(lines):
            where = f"lines[{i}]"
            if sku in seen:
                raise BadInput(f"{where}: SKU {sku} appears twice", f"{where}.sku")
            seen.add(sku)
            known = conn.execute(select(p.c.cost).where(p.c.sku == sku)).first()
            if known is None:
                raise BadInput(f"{where}: unknown SKU {sku}", f"{where}.sku")
            if cost is not None and (isinstance(cost, bool) or not isinstance(cost, int)
                                     or cost < 0):
                raise BadInput(f"{where}: unit cost in minor units, 0 or more",
                               f"{where}.unit_cost")
            rows.append({"sku": sku, "ordered": _qty(qty, f"{where}.quantity"),
                         "received": 0, "unit_cost": known.cost if cost is None else cost})
        po_id = str(uuid.uuid4())
        now = utc_now()
        conn.execute(t.purchase_orders.insert().values(
            id=po_id, number=_next_number(conn, store), store=store, vendor=vendor,
            status="sent" if send else "draft", origin="central", created_at=now,
            sent_at=now if send else None, note=note))
        conn.execute(t.purchase_order_lines.insert(), [{**r, "po_id": po_id} for r in rows])
        return _load(conn, po_id)


def create_from_suggestions(engine: Engine, store: str, vendor: str | None = None
                            ) -> list[PurchaseOrder]:
    """One draft PO per vendor for every suggestion above 0 (products without a vendor are
    left out: a PO goes to somebody)."""
    by_vendor: dict[str, list[tuple[str, int, int | None]]] = {}
    for s in suggestions(engine, store, vendor):
        if s.suggested and s.vendor:
            by_vendor.setdefault(s.vendor, []).append((s.sku, s.suggested, s.cost))
    if not by_vendor:
        raise Conflict(f"nothing to order for {store}" + (f" from {vendor}" if vendor else "")
                       + ": no product at or below its reorder point needs more than is on "
                         "order")
    return [create(engine, store, v, lines, "from suggested orders")
            for v, lines in sorted(by_vendor.items())]


def _load(conn: Connection, ref: str) -> PurchaseOrder:
    po, pl, p = t.purchase_orders, t.purchase_order_lines, t.products
    row = conn.execute(select(po).where(or_(po.c.id == ref, po.c.number == ref))).first()
    if row is None:
        raise NotFound(f"unknown purchase order {ref}", "purchase_order")
    lines = [Line(r.sku, f"{r.name or ''} {r.variant or ''}".strip() or r.sku, int(r.ordered),
                  int(r.received), None if r.unit_cost is None else int(r.unit_cost))
             for r in conn.execute(
                 select(pl.c.sku, pl.c.ordered, pl.c.received, pl.c.unit_cost, p.c.name,
                        p.c.variant)
                 .select_from(pl.outerjoin(p, p.c.sku == pl.c.sku))
                 .where(pl.c.po_id == row.id).order_by(pl.c.sku))]
    return PurchaseOrder(row.id, row.number, row.store, row.vendor, row.status, row.origin,
                         row.created_at, row.sent_at, row.note, lines)


def get(engine: Engine, ref: str) -> PurchaseOrder:
    """A PO by id or number."""
    with read(engine) as conn:
        return _load(conn, ref)


def list_orders(engine: Engine, store: str | None = None, status: str | None = None,
                limit: int = 200) -> list[PurchaseOrder]:
    """Newest first; ``status`` one of STATUSES or ``open`` (sent or partially received)."""
    po = t.purchase_orders
    q = select(po.c.id).order_by(po.c.created_at.desc(), po.c.number.desc()).limit(limit)
    if store:
        q = q.where(po.c.store == store)
    if status == "open":
        q = q.where(po.c.status.in_(wire.PO_OPEN_STATUSES))
    elif status:
        if status not in STATUSES:
            raise BadInput(f"status: one of {', '.join(STATUSES)} or open", "status")
        q = q.where(po.c.status == status)
    with read(engine) as conn:
        if store:
            _store(conn, store)
        return [_load(conn, i) for i in conn.execute(q).scalars().all()]


def send(engine: Engine, ref: str) -> PurchaseOrder:
    """A draft goes to the vendor; the store's registers pull it from now on."""
    return _move(engine, ref, ("draft",), "sent")


def cancel(engine: Engine, ref: str) -> PurchaseOrder:
    """A draft or sent PO nothing has been received against yet."""
    return _move(engine, ref, ("draft", "sent"), "cancelled")


def _move(engine: Engine, ref: str, allowed: tuple[str, ...], to: str) -> PurchaseOrder:
    po = t.purchase_orders
    with write(engine) as conn:
        got = _load(conn, ref)
        if got.status not in allowed:
            raise Conflict(f"purchase order {got.number} is {got.status.replace('_', ' ')}; "
                           f"only a {' or '.join(allowed)} one can be "
                           f"{'sent' if to == 'sent' else 'cancelled'}", "status")
        values: dict[str, Any] = {"status": to}
        if to == "sent":
            values["sent_at"] = utc_now()
        conn.execute(update(po).where(po.c.id == got.id, po.c.status == got.status)
                     .values(**values))
        return _load(conn, got.id)


def open_for_register(engine: Engine, store: str) -> wire.PurchaseOrdersPage:
    """``GET /purchase-orders``: the store's sent and partially received POs."""
    po = t.purchase_orders
    with read(engine) as conn:
        ids = conn.execute(select(po.c.id).where(
            po.c.store == store, po.c.status.in_(wire.PO_OPEN_STATUSES))
            .order_by(po.c.created_at, po.c.number)).scalars().all()
        return wire.PurchaseOrdersPage(tuple(_load(conn, i).to_wire() for i in ids))


# -- receipts that filled no PO ---------------------------------------------------------------
@dataclass(frozen=True)
class FlaggedReceipt:
    """A ``stock.received`` naming a PO it could not fill: the stock moved at ``store``."""

    event_id: str
    store: str
    register: str
    occurred_at: datetime
    po_id: str
    po_number: str  # as the register named it ("" when it sent only the id)
    reference: str  # the delivery's reference (the vendor's delivery note) or ""
    units: int  # good units received, summed over its lines
    po_store: str | None  # the store the PO belongs to; None: the central knows no such PO

    @property
    def problem(self) -> str:
        named = self.po_number or self.po_id
        if self.po_store is None:
            return (f"names purchase order {named}, which the central does not know: the "
                    f"stock moved at {self.store}, no order was filled")
        return (f"names {named}, a purchase order of {self.po_store}: the stock moved at "
                f"{self.store}, {named} was not filled")

    def to_json(self) -> dict[str, Any]:
        return {"event_id": self.event_id, "store": self.store, "register": self.register,
                "occurred_at": iso(self.occurred_at), "po_id": self.po_id,
                "po_number": self.po_number, "reference": self.reference, "units": self.units,
                "po_store": self.po_store, "problem": self.problem}


# The PO id a stored receipt names, read in the database. PostgreSQL cannot CAST a payload
# escaping a lone surrogate to json (dashboard/queries.py reads sales the same way).
_PO_ID_SQL = {
    "postgresql": "CASE WHEN e.payload ~ '\\\\u[dD][89abcdefABCDEF]' THEN NULL "
                  "ELSE CAST(e.payload AS json) ->> 'po_id' END",
    "sqlite": "CASE WHEN json_valid(e.payload) THEN json_extract(e.payload, '$.po_id') END",
}
_FLAGGED_SQL = """
SELECT x.event_id, x.store, r.code AS register, x.occurred_at, x.po_id, x.payload,
       po.store AS po_store
FROM (SELECT e.event_id, e.store, e.register_id, e.occurred_at, e.payload,
             {po_id} AS po_id
      FROM events e
      WHERE e.type = 'stock.received' AND e.payload LIKE '%"po\\_id"%' ESCAPE '\\'
        {store}) x
JOIN registers r ON r.id = x.register_id
LEFT JOIN purchase_orders po ON po.id = x.po_id
WHERE x.po_id IS NOT NULL AND (po.id IS NULL OR po.store <> x.store)
ORDER BY x.occurred_at DESC, x.event_id
LIMIT :limit
"""


def flagged_receipts(engine: Engine, store: str | None = None, limit: int = 200
                     ) -> list[FlaggedReceipt]:
    """Receipts naming an unknown PO or another store's PO, newest first (all of
    ``store``'s, or every store's)."""
    sql = _FLAGGED_SQL.format(po_id=_PO_ID_SQL.get(engine.dialect.name, _PO_ID_SQL["sqlite"]),
                              store="AND e.store = :store" if store else "")
    stmt = text(sql).columns(occurred_at=t.events.c.occurred_at.type)
    with read(engine) as conn:
        rows = conn.execute(stmt, {"limit": limit, **({"store": store} if store else {})}
                            ).all()
    out = []
    for r in rows:  # at most ``limit`` rows: what the page shows
        body = _json_object(r.payload)
        lines = body.get("lines") if isinstance(body.get("lines"), list) else []
        units = sum(ln.get("received", 0) for ln in lines if isinstance(ln, dict)
                    and isinstance(ln.get("received"), int))
        out.append(FlaggedReceipt(
            r.event_id, r.store, r.register, r.occurred_at, r.po_id,
            str(body.get("po_number") or ""), str(body.get("reference") or ""), units,
            r.po_store))
    return out


def _json_object(raw: str) -> dict[str, Any]:
    try:
        got = json.loads(raw)
    except ValueError:
        return {}
    return got if isinstance(got, dict) else {}
