"""What the dashboard shows, read from the central's tables with SQL (aggregates in the
database, never Python loops over events or movements).

Money stays integer minor units here; the templates format it for display only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, bindparam, func, inspect, literal, or_, select, text, true

from pos_central.db import tables as t
from pos_central.db.engine import read
from pos_central.db.types import UtcDateTime
from pos_central.services import stock as stock_service

STALE_AFTER = timedelta(hours=1)  # a register not heard from for this long is flagged
SEARCH_LIMIT = 50
LOW_STOCK_LIMIT = 500


# -- stores and registers ---------------------------------------------------------------------
@dataclass(frozen=True)
class RegisterRow:
    store: str
    register: str
    state: str
    last_contact_at: datetime | None
    last_event_at: datetime | None
    events_held: int
    last_seq: int | None
    pending: int | None
    pending_at: datetime | None
    stale: bool


@dataclass
class StoreRow:
    code: str
    name: str
    currency: str
    unknown_skus: int = 0
    registers: list[RegisterRow] = field(default_factory=list)


@dataclass(frozen=True)
class Overview:
    stores: list[StoreRow]
    pending_proposals: int
    now: datetime


def overview(engine: Engine) -> Overview:
    st, r, u, pp = t.stores, t.registers, t.unknown_skus, t.product_proposals
    now = datetime.now(UTC)
    with read(engine) as conn:
        stores = {row.code: StoreRow(row.code, row.name, row.currency) for row in conn.execute(
            select(st.c.code, st.c.name, st.c.currency).order_by(st.c.code))}
        for code, n in conn.execute(select(u.c.store, func.count()).group_by(u.c.store)):
            if code in stores:
                stores[code].unknown_skus = int(n)
        for row in conn.execute(select(r).order_by(r.c.store, r.c.code)):
            state = ("revoked" if row.revoked_at else "enrolled" if row.token_hash
                     else "waiting for enrollment")
            stale = state == "enrolled" and (row.last_contact_at is None
                                             or now - row.last_contact_at > STALE_AFTER)
            stores[row.store].registers.append(RegisterRow(
                row.store, row.code, state, row.last_contact_at, row.last_event_at,
                int(row.events_held), row.last_seq, row.pending_reported,
                row.pending_reported_at, stale))
        proposals = int(conn.execute(select(func.count()).select_from(pp)
                                     .where(pp.c.status == "pending")).scalar_one())
    return Overview(list(stores.values()), proposals, now)


def stores(engine: Engine) -> list[tuple[str, str, str]]:
    """(code, name, currency) of every store."""
    st = t.stores
    with read(engine) as conn:
        return [(c, n, cur) for c, n, cur in conn.execute(
            select(st.c.code, st.c.name, st.c.currency).order_by(st.c.code))]


# -- products and stock -----------------------------------------------------------------------
@dataclass(frozen=True)
class ProductHit:
    sku: str
    name: str
    variant: str
    unit: str
    known: bool
    total: int
    on_hand: dict[str, int]  # per store, where anything moved


def search(engine: Engine, query: str) -> list[ProductHit]:
    """Products whose SKU or barcode is ``query``, or whose SKU starts with it, or whose name
    or variant contains it (any case); also a SKU only seen in movements."""
    from pos_terminal.domain.barcode import normalise, strip_code
    from pos_terminal.errors import BarcodeError

    q = (query or "").strip()[:100]
    if not q:
        return []
    p, b, s = t.products, t.barcodes, t.stock_levels
    try:
        key: str | None = normalise(strip_code(q))
    except BarcodeError:
        key = None
    by_code = select(b.c.sku).where(b.c.key == key) if key else None
    like = q.lower()
    cond = or_(
        p.c.sku == q,
        p.c.sku.startswith(q, autoescape=True),
        func.lower(p.c.name).contains(like, autoescape=True),
        func.lower(p.c.variant).contains(like, autoescape=True),
        *([p.c.sku.in_(by_code)] if by_code is not None else []),
    )
    total = (select(func.coalesce(func.sum(s.c.on_hand), 0)).where(s.c.sku == p.c.sku)
             .scalar_subquery())
    exact = (p.c.sku == q) | (p.c.sku.in_(by_code) if by_code is not None else literal(False))
    with read(engine) as conn:
        rows = conn.execute(
            select(p.c.sku, p.c.name, p.c.variant, p.c.unit, total.label("total"))
            .where(cond).order_by(exact.desc(), p.c.name, p.c.variant, p.c.sku)
            .limit(SEARCH_LIMIT)).all()
        levels: dict[str, dict[str, int]] = {}
        skus = [r.sku for r in rows] or [q]
        for sku, store, n in conn.execute(select(s.c.sku, s.c.store, s.c.on_hand)
                                          .where(s.c.sku.in_(skus))):
            levels.setdefault(sku, {})[store] = int(n)
    hits = [ProductHit(r.sku, r.name, r.variant, r.unit, True, int(r.total),
                       levels.get(r.sku, {})) for r in rows]
    if not hits and q in levels:  # a SKU the catalog does not know yet, only in movements
        hits = [ProductHit(q, "", "", "each", False, sum(levels[q].values()), levels[q])]
    return hits


@dataclass(frozen=True)
class StoreStock:
    store: str
    name: str
    currency: str
    on_hand: int
    price: int | None  # this store's price (its own or the base price), minor units
    own_price: bool
    low: bool


@dataclass(frozen=True)
class ProductDetail:
    sku: str
    known: bool
    name: str
    product: dict[str, Any] | None
    barcodes: list[tuple[str, int]]
    stores: list[StoreStock]
    total: int


def product(engine: Engine, code: str) -> ProductDetail:
    """A product's on-hand in every store (``services.stock``, the same figures as
    ``pos-central stock``), its prices and reorder levels. Raises NotFound."""
    got = stock_service.stock(engine, code)
    p, b, sp, st = t.products, t.barcodes, t.store_prices, t.stores
    with read(engine) as conn:
        row = conn.execute(select(p).where(p.c.sku == got.sku)).mappings().first()
        codes = [(c, int(m)) for c, m in conn.execute(
            select(b.c.code, b.c.multiplier).where(b.c.sku == got.sku).order_by(b.c.position))]
        own = dict(conn.execute(select(sp.c.store, sp.c.price).where(sp.c.sku == got.sku)).all())
        info = {c: (n, cur) for c, n, cur in conn.execute(select(st.c.code, st.c.name,
                                                                  st.c.currency))}
    reorder = row["reorder_point"] if row else None
    rows = [StoreStock(
        store, info.get(store, ("", ""))[0], info.get(store, ("", ""))[1], qty,
        own.get(store, row["price"] if row else None), store in own,
        reorder is not None and qty <= reorder) for store, qty in got.on_hand.items()]
    return ProductDetail(got.sku, got.known, got.name or "", dict(row) if row else None, codes,
                         rows, sum(got.on_hand.values()))


# -- low stock --------------------------------------------------------------------------------
@dataclass(frozen=True)
class LowRow:
    sku: str
    name: str
    variant: str
    unit: str
    vendor: str
    on_hand: int
    reorder_point: int
    par_level: int | None

    @property
    def suggested(self) -> int | None:
        """Order up to par: par − on hand (None without a par level)."""
        if self.par_level is None:
            return None
        return max(self.par_level - self.on_hand, 0)


def low_stock_counts(engine: Engine) -> dict[str, int]:
    """Per store, how many active products are at or below their reorder point."""
    st, p, s = t.stores, t.products, t.stock_levels
    on_hand = func.coalesce(s.c.on_hand, 0)
    with read(engine) as conn:
        rows = conn.execute(
            select(st.c.code, func.count(p.c.sku))
            .select_from(st.join(p, true()))
            .outerjoin(s, and_(s.c.store == st.c.code, s.c.sku == p.c.sku))
            .where(p.c.reorder_point.is_not(None), p.c.active, on_hand <= p.c.reorder_point)
            .group_by(st.c.code)).all()
    return {code: int(n) for code, n in rows}


def low_stock(engine: Engine, store: str) -> list[LowRow]:
    """Active products of ``store`` at or below their reorder point, emptiest first."""
    p, s = t.products, t.stock_levels
    on_hand = func.coalesce(s.c.on_hand, 0)
    with read(engine) as conn:
        rows = conn.execute(
            select(p.c.sku, p.c.name, p.c.variant, p.c.unit, p.c.vendor,
                   on_hand.label("on_hand"), p.c.reorder_point, p.c.par_level)
            .select_from(p.outerjoin(s, and_(s.c.store == store, s.c.sku == p.c.sku)))
            .where(p.c.reorder_point.is_not(None), p.c.active, on_hand <= p.c.reorder_point)
            .order_by(on_hand - p.c.reorder_point, p.c.vendor, p.c.name, p.c.sku)
            .limit(LOW_STOCK_LIMIT)).all()
    return [LowRow(r.sku, r.name, r.variant, r.unit, r.vendor, int(r.on_hand),
                   int(r.reorder_point), None if r.par_level is None else int(r.par_level))
            for r in rows]


# -- transfers --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Transfers:
    available: bool  # the central has a transfers table
    columns: list[str]
    rows: list[tuple[Any, ...]]


_DONE = ("received", "cancelled", "canceled", "closed", "done", "completed")


def transfers_in_flight(engine: Engine) -> Transfers:
    """Transfers not yet received, when the central keeps transfers (a later schema adds the
    table; until then there are none to show)."""
    with read(engine) as conn:
        if not inspect(conn).has_table("transfers"):
            return Transfers(False, [], [])
        from sqlalchemy import MetaData, Table

        table = Table("transfers", MetaData(), autoload_with=conn)
        q = select(table).limit(200)
        if "status" in table.c:
            q = q.where(table.c.status.not_in(_DONE))
        if "id" in table.c:
            q = q.order_by(table.c.id.desc())
        rows = conn.execute(q).all()
    return Transfers(True, list(table.c.keys()), [tuple(r) for r in rows])


# -- sales per store per day ------------------------------------------------------------------
@dataclass(frozen=True)
class DaySales:
    store: str
    day: date
    currency: str
    sales: int  # number of completed sales
    total: int  # their totals, minor units
    refunds: int  # refunds of completed returns that day, minor units
    unusable: int  # sales whose payload had no integer total (counted, not summed)


@dataclass(frozen=True)
class SalesReport:
    first: date
    last: date
    days: list[date]
    rows: list[DaySales]
    currencies: dict[str, str]  # store -> currency


# Per dialect: the UTC day, the sale's integer total (NULL when not an integer), its currency.
# A payload escaping a lone surrogate (\ud800) is not JSON PostgreSQL can read; such an event
# is counted but not summed.
_PG_SALES = """
SELECT store, day, type, currency, count(*) AS n, sum(amount) AS amount,
       count(*) - count(amount) AS unusable
FROM (
  SELECT store, type,
         CAST(timezone('UTC', occurred_at) AS date) AS day,
         CASE WHEN type = 'sale.completed' THEN doc ->> 'currency' END AS currency,
         CASE WHEN json_typeof(doc -> amount_key) = 'number'
                   AND (doc ->> amount_key) ~ '^-?[0-9]{1,18}$'
              THEN CAST(doc ->> amount_key AS bigint) END AS amount
  FROM (
    SELECT store, type, occurred_at,
           CASE WHEN type = 'sale.completed' THEN 'total' ELSE 'refund' END AS amount_key,
           CASE WHEN payload ~ '\\\\u[dD][89abcdefABCDEF]' THEN NULL
                ELSE CAST(payload AS json) END AS doc
    FROM events
    WHERE type IN ('sale.completed', 'return.completed')
      AND occurred_at >= :since AND occurred_at < :until
  ) e
) x
GROUP BY store, day, type, currency
"""
_SQLITE_SALES = """
SELECT store, day, type, currency, count(*) AS n, sum(amount) AS amount,
       count(*) - count(amount) AS unusable
FROM (
  SELECT store, type, substr(occurred_at, 1, 10) AS day,
         CASE WHEN type = 'sale.completed' THEN json_extract(payload, '$.currency') END
           AS currency,
         CASE WHEN type = 'sale.completed' AND json_type(payload, '$.total') = 'integer'
              THEN json_extract(payload, '$.total')
              WHEN type = 'return.completed' AND json_type(payload, '$.refund') = 'integer'
              THEN json_extract(payload, '$.refund') END AS amount
  FROM events
  WHERE type IN ('sale.completed', 'return.completed')
    AND occurred_at >= :since AND occurred_at < :until
    AND json_valid(payload)
) x
GROUP BY store, day, type, currency
"""


def sales_per_day(engine: Engine, days: int, today: date | None = None) -> SalesReport:
    """Completed sales (count and total) and refunds per store and UTC day, for the ``days``
    days up to ``today``; one SQL aggregate over the events of that range."""
    last = today or datetime.now(UTC).date()
    first = last - timedelta(days=days - 1)
    since = datetime(first.year, first.month, first.day, tzinfo=UTC)
    until = since + timedelta(days=days)
    sql = _PG_SALES if engine.dialect.name == "postgresql" else _SQLITE_SALES
    stmt = text(sql).bindparams(bindparam("since", type_=UtcDateTime()),
                                bindparam("until", type_=UtcDateTime()))
    currencies = {code: cur for code, _, cur in stores(engine)}
    got: dict[tuple[str, date, str], list[int]] = {}
    with read(engine) as conn:
        for row in conn.execute(stmt, {"since": since, "until": until}):
            day = row.day if isinstance(row.day, date) else date.fromisoformat(str(row.day))
            store_cur = currencies.get(row.store, "")
            if row.type == "sale.completed":
                cur = row.currency if isinstance(row.currency, str) else store_cur
                slot = got.setdefault((row.store, day, cur), [0, 0, 0, 0])
                slot[0] += int(row.n)
                slot[1] += int(row.amount or 0)
                slot[3] += int(row.unusable)
            else:
                slot = got.setdefault((row.store, day, store_cur), [0, 0, 0, 0])
                slot[2] += int(row.amount or 0)
    rows = [DaySales(store, day, cur, *v) for (store, day, cur), v in sorted(got.items())]
    all_days = [first + timedelta(days=i) for i in range(days)]
    return SalesReport(first, last, all_days, rows, currencies)
