"""Catalog queries and writes (Core; barcode look-up is on the hot path)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, literal, or_, select, update

from pos_terminal.db import tables as t
from pos_terminal.domain.cart import Deposit, Item


@dataclass(frozen=True)
class ProductRow:
    id: int
    sku: str
    name: str
    variant: str
    group: str | None
    department: str | None
    vendor: str | None
    tax_code: str
    rate_ppm: int
    unit: str
    price: int
    price_per: int
    cost: int | None
    reorder_point: int | None
    par_level: int | None
    min_age: int | None
    max_per_sale: int | None
    on_hand: int


def _product_select() -> Any:
    p = t.products
    return (
        select(
            p.c.id, p.c.sku, p.c.name, p.c.variant,
            t.product_groups.c.name.label("group"),
            t.departments.c.name.label("department"),
            t.vendors.c.name.label("vendor"),
            t.tax_classes.c.code.label("tax_code"), t.tax_classes.c.rate_ppm,
            p.c.unit, p.c.price, p.c.price_per, p.c.cost, p.c.reorder_point, p.c.par_level,
            p.c.min_age, p.c.max_per_sale,
            func.coalesce(t.stock_levels.c.on_hand, 0).label("on_hand"),
        )
        .select_from(p)
        .join(t.tax_classes, t.tax_classes.c.id == p.c.tax_class_id)
        .outerjoin(t.product_groups, t.product_groups.c.id == p.c.group_id)
        .outerjoin(t.departments, t.departments.c.id == p.c.department_id)
        .outerjoin(t.vendors, t.vendors.c.id == p.c.vendor_id)
        .outerjoin(t.stock_levels, t.stock_levels.c.product_id == p.c.id)
    )


def _row(r: Any) -> ProductRow:
    return ProductRow(**r._mapping)


# The scan path: one indexed read by barcode key, joined with the product, its tax rate and its
# department (promotions). Deposits are resolved by a second read only for the few products or
# pack barcodes that carry one, so a plain scan pays for no deposit joins.
_DEP_TAX = t.tax_classes.alias("dep_tax")


def _item_select(multiplier: Any, pack_price: Any, pack_deposit: Any) -> Any:
    p = t.products
    return (
        select(
            p.c.id, p.c.sku, p.c.name, p.c.variant, p.c.unit, p.c.price, p.c.price_per,
            t.tax_classes.c.code, t.tax_classes.c.rate_ppm, multiplier, pack_price,
            p.c.min_age, p.c.max_per_sale, p.c.cost, t.departments.c.name, p.c.tare,
            p.c.deposit_code, pack_deposit,
        )
        .join(t.tax_classes, t.tax_classes.c.id == p.c.tax_class_id)
        .outerjoin(t.departments, t.departments.c.id == p.c.department_id)
        .where(p.c.active.is_(True))
    )


_ITEM_BY_KEY = (
    _item_select(t.barcodes.c.multiplier, t.barcodes.c.pack_price, t.barcodes.c.deposit_code)
    .join(t.barcodes, t.barcodes.c.product_id == t.products.c.id)
    .where(t.barcodes.c.key == bindparam("key"))
)
_ITEM_BY_SKU = _item_select(literal(1), literal(None), literal(None)).where(
    t.products.c.sku == bindparam("sku"))
_DEPOSIT = (
    select(t.deposit_types.c.code, t.deposit_types.c.name, t.deposit_types.c.amount,
           _DEP_TAX.c.code, _DEP_TAX.c.rate_ppm)
    .outerjoin(_DEP_TAX, _DEP_TAX.c.code == t.deposit_types.c.tax_code)
    .where(t.deposit_types.c.code == bindparam("code"), t.deposit_types.c.active.is_(True))
)


def _deposit(conn: Connection, dcode: str | None, item_tax: tuple[str, int],
             deposit_tax: Any) -> Deposit | None:
    """An active deposit type with its tax: its own class, else the store's rule, else the
    item's."""
    if dcode is None:
        return None
    r = conn.execute(_DEPOSIT, {"code": dcode}).first()
    if r is None:
        return None
    code, name, amount, dtax, drate = r
    if dtax is None:
        dtax, drate = deposit_tax if deposit_tax is not None else item_tax
    return Deposit(code, name, amount, dtax, drate)


def _item(conn: Connection, r: Any, deposit_tax: Any) -> Item:
    (pid, sku, name, variant, unit, price, per, code, rate, mult, pack_price, age, limit, cost,
     dept, tare, dcode, pcode) = r
    if mult != 1 and pack_price is not None:
        price, per = pack_price, mult
    deposit = _deposit(conn, dcode, (code, rate), deposit_tax)
    pack_deposit = _deposit(conn, pcode, (code, rate), deposit_tax)
    return Item(pid, sku, name, variant, unit, price, per, code, rate, mult, age, limit, cost,
                dept, deposit, tare or 0, pack_deposit)


def item_by_key(conn: Connection, key: str, deposit_tax: Any = None) -> Item | None:
    """``deposit_tax``: None (a deposit follows its item's tax) or (code, rate_ppm)."""
    r = conn.execute(_ITEM_BY_KEY, {"key": key}).first()
    return None if r is None else _item(conn, r, deposit_tax)


def item_by_sku(conn: Connection, sku: str, deposit_tax: Any = None) -> Item | None:
    r = conn.execute(_ITEM_BY_SKU, {"sku": sku}).first()
    return None if r is None else _item(conn, r, deposit_tax)


def product(conn: Connection, product_id: int) -> ProductRow:
    return _row(conn.execute(_product_select().where(t.products.c.id == product_id)).one())


def search(conn: Connection, text: str = "", limit: int = 50) -> list[ProductRow]:
    q = _product_select().where(t.products.c.active.is_(True))
    if text:
        like = f"%{text}%"
        q = q.where(or_(
            t.products.c.name.ilike(like), t.products.c.sku == text,
            t.products.c.variant.ilike(like),
            t.products.c.id.in_(select(t.barcodes.c.product_id).where(t.barcodes.c.code == text)),
        ))
    return [_row(r) for r in conn.execute(q.order_by(t.products.c.sku).limit(limit))]


def barcodes_of(conn: Connection, product_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    ids = list(product_ids)
    out: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    if not ids:
        return out
    b = t.barcodes
    rows = conn.execute(
        select(b.c.product_id, b.c.code, b.c.multiplier, b.c.pack_price)
        .where(b.c.product_id.in_(ids)).order_by(b.c.product_id, b.c.id)
    )
    for pid, code, mult, pack_price in rows:
        out[pid].append({"code": code, "multiplier": mult, "pack_price": pack_price})
    return out


def lookup_id(conn: Connection, table: t.Table, name: str | None) -> int | None:
    """Id of a named department/vendor/group, created on first use."""
    if not name:
        return None
    got = conn.execute(select(table.c.id).where(table.c.name == name)).scalar()
    if got is not None:
        return got
    return conn.execute(insert(table).values(name=name).returning(table.c.id)).scalar_one()


def tax_class_ids(conn: Connection) -> dict[str, int]:
    return dict(conn.execute(select(t.tax_classes.c.code, t.tax_classes.c.id)).all())


def upsert_product(conn: Connection, values: dict[str, Any]) -> int:
    p = t.products
    pid = conn.execute(select(p.c.id).where(p.c.sku == values["sku"])).scalar()
    if pid is None:
        return conn.execute(insert(p).values(**values).returning(p.c.id)).scalar_one()
    conn.execute(update(p).where(p.c.id == pid).values(**values))
    return pid


def barcode_owner(conn: Connection, key: str) -> int | None:
    return conn.execute(select(t.barcodes.c.product_id).where(t.barcodes.c.key == key)).scalar()


def replace_barcodes(conn: Connection, product_id: int, codes: list[dict[str, Any]]) -> None:
    conn.execute(t.barcodes.delete().where(t.barcodes.c.product_id == product_id))
    if codes:
        conn.execute(insert(t.barcodes), [dict(c, product_id=product_id) for c in codes])
