"""What the dashboard shows, read from the central's tables with SQL (aggregates in the
database, never Python loops over events or movements).

Money stays integer minor units here; the templates format it for display only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, func, literal, or_, select, text

from pos_central.db import tables as t
from pos_central.db.engine import read
from pos_central.db.types import UtcDateTime
from pos_central.services import purchasing
from pos_central.services import stock as stock_service
from pos_central.services import transfers as transfer_service

STALE_AFTER = timedelta(hours=1)  # a register not heard from for this long is flagged
SKEW_WARN_MS = 120_000  # a register clock off by more stamps receipts and reports wrong
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
    # what the register reports about itself (services/health.py); None: never reported
    clock_skew_ms: int | None = None
    clock_checked_at: datetime | None = None
    quarantined: int | None = None
    quarantined_at: datetime | None = None

    @property
    def skew_warning(self) -> bool:
        return self.clock_skew_ms is not None and abs(self.clock_skew_ms) > SKEW_WARN_MS

    @property
    def skew_text(self) -> str:
        """"4 min 12 s behind" (the register's clock against this server's), "—" unknown."""
        if self.clock_skew_ms is None:
            return "—"
        ms = abs(self.clock_skew_ms)
        way = "behind" if self.clock_skew_ms > 0 else "ahead"
        if ms < 60_000:
            return f"{ms / 1000:.1f} s {way}"
        secs = (ms + 500) // 1000
        if secs < 3600:
            return f"{secs // 60} min {secs % 60} s {way}"
        if secs < 172_800:
            return f"{secs // 3600} h {secs % 3600 // 60} min {way}"
        return f"{secs // 86_400} days {way}"


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
    st, r, u, pp, h = (t.stores, t.registers, t.unknown_skus, t.product_proposals,
                       t.register_health)
    now = datetime.now(UTC)
    with read(engine) as conn:
        stores = {row.code: StoreRow(row.code, row.name, row.currency) for row in conn.execute(
            select(st.c.code, st.c.name, st.c.currency).order_by(st.c.code))}
        for code, n in conn.execute(select(u.c.store, func.count()).group_by(u.c.store)):
            if code in stores:
                stores[code].unknown_skus = int(n)
        for row in conn.execute(select(r, h.c.clock_skew_ms, h.c.clock_checked_at,
                                       h.c.quarantined, h.c.quarantined_at)
                                .outerjoin(h, h.c.register_id == r.c.id)
                                .order_by(r.c.store, r.c.code)):
            state = ("revoked" if row.revoked_at else "enrolled" if row.token_hash
                     else "waiting for enrollment")
            stale = state == "enrolled" and (row.last_contact_at is None
                                             or now - row.last_contact_at > STALE_AFTER)
            stores[row.store].registers.append(RegisterRow(
                row.store, row.code, state, row.last_contact_at, row.last_event_at,
                int(row.events_held), row.last_seq, row.pending_reported,
                row.pending_reported_at, stale, row.clock_skew_ms, row.clock_checked_at,
                row.quarantined, row.quarantined_at))
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
    from pos_protocol import BarcodeError
    from pos_protocol.barcode import normalise, strip_code

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
    levels: purchasing.StoreLevels | None = None  # None: not in the catalog


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
    ``pos-central stock``), its prices and reorder levels (each store's own first; "low" is
    the suggested orders' test, ``purchasing.store_levels``). Raises NotFound."""
    got = stock_service.stock(engine, code)
    levels = purchasing.store_levels(engine, got.sku)
    p, b, sp, st = t.products, t.barcodes, t.store_prices, t.stores
    with read(engine) as conn:
        row = conn.execute(select(p).where(p.c.sku == got.sku)).mappings().first()
        codes = [(c, int(m)) for c, m in conn.execute(
            select(b.c.code, b.c.multiplier).where(b.c.sku == got.sku).order_by(b.c.position))]
        own = dict(conn.execute(select(sp.c.store, sp.c.price).where(sp.c.sku == got.sku)).all())
        info = {c: (n, cur) for c, n, cur in conn.execute(select(st.c.code, st.c.name,
                                                                  st.c.currency))}
    rows = [StoreStock(
        store, info.get(store, ("", ""))[0], info.get(store, ("", ""))[1], qty,
        own.get(store, row["price"] if row else None), store in own,
        store in levels and levels[store].low, levels.get(store))
        for store, qty in got.on_hand.items()]
    return ProductDetail(got.sku, got.known, got.name or "", dict(row) if row else None, codes,
                         rows, sum(got.on_hand.values()))


# -- low stock --------------------------------------------------------------------------------
# One computation of low stock and suggested orders (a store's own reorder levels first, what
# is on order counted): ``services.purchasing``; the page shows its rows.
LowRow = purchasing.Suggestion


def low_stock_counts(engine: Engine) -> dict[str, int]:
    """Per store, how many active products are at or below their reorder point."""
    return purchasing.low_stock_counts(engine)


def low_stock(engine: Engine, store: str) -> list[LowRow]:
    """Active products of ``store`` at or below their reorder point, emptiest first."""
    return purchasing.suggestions(engine, store, limit=LOW_STOCK_LIMIT)


# -- transfers ------------------------------------------------------------------------------
def transfers(engine: Engine) -> transfer_service.Board:
    """Transfers in flight and recently received with discrepancies (services/transfers.py)."""
    return transfer_service.board(engine)


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
