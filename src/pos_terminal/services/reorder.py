"""Reorder point and par level per product for this store, and the low-stock list.

The catalog (from the central) carries default levels; a manager at the register may set the
store's own, which then take precedence (``reorder_levels``; a row overrides both values, so a
level can also be switched off for this store). Each change goes up as a ``reorder.set`` event.
A product is low when its on-hand is at or below its reorder point; the suggested order fills
it up to the par level (or the reorder point when there is no par level).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, text

from pos_protocol import wire
from pos_terminal.clock import utc_now
from pos_terminal.db import ledger
from pos_terminal.db import tables as t
from pos_terminal.domain.users import Role
from pos_terminal.errors import AuthError, QuantityError
from pos_terminal.services.catalog import resolve
from pos_terminal.services.context import Context

MAX_LEVEL = 10**7
KEEP: Any = object()  # leave this level as it is

# Effective levels: the store's row when there is one, else the catalog's.
_EFFECTIVE = """
SELECT p.id, p.sku, p.name, p.variant, p.unit, coalesce(d.name, '') AS department,
       coalesce(v.on_hand, 0) AS on_hand,
       CASE WHEN r.product_id IS NULL THEN p.reorder_point ELSE r.reorder_point END AS rp,
       CASE WHEN r.product_id IS NULL THEN p.par_level ELSE r.par_level END AS par,
       r.product_id IS NOT NULL AS local
FROM products p
LEFT JOIN reorder_levels r ON r.product_id = p.id
LEFT JOIN stock_levels v ON v.product_id = p.id
LEFT JOIN departments d ON d.id = p.department_id
"""
_LOW = "WHERE p.active = 1 AND rp IS NOT NULL AND coalesce(v.on_hand, 0) <= rp"


@dataclass(frozen=True)
class Levels:
    sku: str
    name: str
    variant: str
    unit: str
    department: str
    on_hand: int
    reorder_point: int | None
    par_level: int | None
    local: bool  # set for this store (else the catalog's)

    @property
    def label(self) -> str:
        return f"{self.name} {self.variant}".strip()

    @property
    def low(self) -> bool:
        return self.reorder_point is not None and self.on_hand <= self.reorder_point

    @property
    def suggested(self) -> int:
        """What to order to fill up to the par level (the reorder point without one)."""
        if self.reorder_point is None:
            return 0
        top = self.par_level if self.par_level is not None else self.reorder_point
        return max(0, top - self.on_hand)

    def to_json(self) -> dict[str, Any]:
        return {"sku": self.sku, "name": self.name, "variant": self.variant,
                "unit": self.unit, "department": self.department, "on_hand": self.on_hand,
                "reorder_point": self.reorder_point, "par_level": self.par_level,
                "source": "store" if self.local else "catalog",
                "suggested_order": self.suggested}


def _levels(r: Any) -> Levels:
    _pid, sku, name, variant, unit, dep, on_hand, rp, par, local = r
    return Levels(sku, name, variant, unit, dep, int(on_hand), rp, par, bool(local))


def _check(value: int | None, what: str) -> int | None:
    if value is not None and not 0 <= value <= MAX_LEVEL:
        raise QuantityError(f"a {what} is a whole number from 0 to {MAX_LEVEL}")
    return value


class ReorderService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def levels(self, code: str) -> Levels:
        with self.ctx.read() as conn:
            return self._levels(conn, resolve(conn, code).product_id)

    def _levels(self, conn: Connection, product_id: int) -> Levels:
        return _levels(conn.execute(text(_EFFECTIVE + "WHERE p.id = :pid"),
                                    {"pid": product_id}).one())

    def set_levels(self, code: str, user_id: int, reorder_point: int | None = KEEP,
                   par_level: int | None = KEEP) -> Levels:
        """A manager sets this store's levels (``None`` switches a level off, ``KEEP`` keeps
        the current one); one transaction with its ``reorder.set`` event."""
        with self.ctx.write() as conn:
            role = conn.execute(select(t.users.c.role).where(t.users.c.id == user_id)).scalar()
            if role is None or Role.parse(role) < Role.MANAGER:
                raise AuthError("reorder and par levels are set by a manager")
            item = resolve(conn, code)
            now_levels = self._levels(conn, item.product_id)
            rp = now_levels.reorder_point if reorder_point is KEEP else _check(
                reorder_point, "reorder point")
            par = now_levels.par_level if par_level is KEEP else _check(par_level, "par level")
            if rp is not None and par is not None and par < rp:
                raise QuantityError(f"the par level ({par}) is what to fill up to: it cannot be "
                                    f"below the reorder point ({rp})")
            now = utc_now()
            stmt = insert(t.reorder_levels).values(
                product_id=item.product_id, reorder_point=rp, par_level=par, updated_at=now,
                user_id=user_id)
            conn.execute(stmt.prefix_with("OR REPLACE"))
            ledger.add_event(conn, now, wire.ReorderSet(sku=item.sku, reorder_point=rp,
                                                        par_level=par))
            return self._levels(conn, item.product_id)

    def low_stock(self, limit: int | None = None) -> list[Levels]:
        """Products at or below their reorder point, the emptiest (relative to par) first."""
        sql = _EFFECTIVE + _LOW + " ORDER BY coalesce(par, rp) - coalesce(v.on_hand, 0) DESC, p.sku"
        if limit:
            sql += f" LIMIT {int(limit)}"
        with self.ctx.read() as conn:
            return [_levels(r) for r in conn.execute(text(sql))]

    def low_stock_count(self) -> int:
        """For the main window's badge."""
        with self.ctx.read() as conn:
            return int(conn.execute(text(f"SELECT count(*) FROM ({_EFFECTIVE} {_LOW})"))
                       .scalar_one())
