"""On-hand across stores and the sibling-movement feed registers pull.

On-hand lives in ``stock_levels`` (kept by ingest in the same transaction as the movements), so
a look-up is one indexed read. SKUs the catalog does not know yet are tracked the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from pos_central.db import tables as t
from pos_central.db.engine import read
from pos_central.errors import BadInput, NotFound
from pos_central.services.catalog import product_name
from pos_protocol import wire


@dataclass(frozen=True)
class Stock:
    sku: str
    name: str | None
    known: bool  # in the catalog (False: only seen in movements, flagged for review)
    on_hand: dict[str, int]  # every store, 0 where nothing moved

    def to_json(self) -> dict[str, Any]:
        return {"sku": self.sku, "name": self.name, "known": self.known,
                "on_hand": self.on_hand, "total": sum(self.on_hand.values())}


def resolve_sku(conn: Connection, code: str) -> tuple[str, bool]:
    """The SKU a code names: a SKU, else a barcode (any pack), else a SKU only seen in stock."""
    from pos_protocol import BarcodeError
    from pos_protocol.barcode import normalise, strip_code

    code = (code or "").strip()
    if not code or len(code) > 64:
        raise BadInput("give a SKU or barcode (1 to 64 characters)", "code")
    p, b, s = t.products, t.barcodes, t.stock_levels
    if conn.execute(select(p.c.sku).where(p.c.sku == code)).first():
        return code, True
    try:
        key = normalise(strip_code(code))
    except BarcodeError:
        key = None
    if key is not None:
        sku = conn.execute(select(b.c.sku).where(b.c.key == key)).scalar()
        if sku is not None:
            return sku, True
    if conn.execute(select(s.c.sku).where(s.c.sku == code).limit(1)).first():
        return code, False
    raise NotFound(f"unknown product {code}: no SKU or barcode matches", "code")


def stock(engine: Engine, code: str) -> Stock:
    s = t.stock_levels
    with read(engine) as conn:
        sku, known = resolve_sku(conn, code)
        levels = dict(conn.execute(select(s.c.store, s.c.on_hand).where(s.c.sku == sku)).all())
        stores = conn.execute(select(t.stores.c.code).order_by(t.stores.c.code)).scalars().all()
        name = product_name(conn, sku) if known else None
    on_hand = {st: int(levels.get(st, 0)) for st in stores}
    for st, q in levels.items():  # a store row missing would be a bug; never hide stock
        on_hand.setdefault(st, int(q))
    return Stock(sku, name, known, on_hand)


def movements_page(engine: Engine, store: str, register_id: int, since: int,
                   limit: int = wire.PAGE_LIMIT) -> wire.MovementsPage:
    """Movements of the store's other registers after ``since``, oldest first.

    The cursor moves past the caller's own movements too, so a quiet sibling does not make the
    caller rescan its own rows. Reads one snapshot (REPEATABLE READ on PostgreSQL)."""
    m, r = t.movements, t.registers
    with read(engine.execution_options(isolation_level="REPEATABLE READ")
              if engine.dialect.name == "postgresql" else engine) as conn:
        rows = conn.execute(
            select(m, r.c.code.label("register")).join(r, r.c.id == m.c.register_id)
            .where(m.c.store == store, m.c.register_id != register_id, m.c.id > since)
            .order_by(m.c.id).limit(limit + 1)
        ).mappings().all()
        more = len(rows) > limit
        rows = rows[:limit]
        if more:
            cursor = int(rows[-1]["id"])
        else:
            top = conn.execute(select(func.max(m.c.id)).where(m.c.store == store)).scalar()
            cursor = max(int(top or 0), since)
    out = tuple(wire.SiblingMovement(int(row["id"]), row["register"], wire.Movement(
        id=row["movement_id"], sku=row["sku"], quantity=int(row["quantity"]), kind=row["kind"],
        occurred_at=row["occurred_at"], reason=row["reason"],
        reference=row["reference"], unit_cost=row["unit_cost"], seq=row["seq"],
        hash=row["hash"])) for row in rows)
    return wire.MovementsPage(cursor, out, more)


def store_stock(engine: Engine, store: str, code: str) -> dict[str, Any]:
    st = stock(engine, code)
    if store not in st.on_hand:
        raise NotFound(f"unknown store {store}", "store")
    return {"store": store, "sku": st.sku, "name": st.name, "known": st.known,
            "on_hand": st.on_hand[store]}
