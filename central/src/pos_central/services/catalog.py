"""The central catalog: import from the register's CSV format, prices per store, the versioned
``GET /catalog`` pages, and product proposals from registers.

Versions: ``counters.catalog_version`` only grows. Every change to a product (import, price,
adopted proposal) gives that product the next value, so each product's ``version`` is unique
and a register that asks ``since=V`` gets exactly the products changed after V. Writers take
the counter row's lock (an UPDATE) until commit, so versions commit in order.

Proposals (``product.proposed`` events) wait for an admin: ``accept`` adopts the proposed
product into the catalog (its price becomes the base price), ``reject`` drops it. Importing a
product settles its pending proposals as ``superseded``. Adoption is manual on purpose: a
register's guess at a name, tax class or price should not reach every store unseen.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, select, update

from pos_central.clock import iso, utc_now
from pos_central.db import tables as t
from pos_central.db.engine import read, write
from pos_central.db.sql import chunks, insert
from pos_central.errors import BadInput, Conflict, NotFound
from pos_central.services import retail
from pos_central.services.accounts import catalog_version, check_code
from pos_protocol import wire

_FIELDS = ("name", "variant", "product_group", "department", "vendor", "tax_class", "unit",
           "price", "price_per", "cost", "reorder_point", "par_level", "min_age",
           "max_per_sale", "active")


class CatalogRejected(BadInput):
    """A catalog file with problems; nothing was imported. ``problems`` name the lines."""

    def __init__(self, problems: list[str]) -> None:
        shown = "; ".join(problems[:5]) + (f"; … and {len(problems) - 5} more"
                                           if len(problems) > 5 else "")
        super().__init__(f"catalog not imported ({len(problems)} problem(s)): {shown}", "csv")
        self.problems = problems


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    version: int

    def to_json(self) -> dict[str, int]:
        return dict(self.__dict__)


def _bump(conn: Connection, n: int) -> int:
    """Take ``n`` versions; returns the highest (the first is ``top - n + 1``)."""
    c = t.counters
    return int(conn.execute(
        update(c).where(c.c.name == t.CATALOG_VERSION).values(value=c.c.value + n)
        .returning(c.c.value)
    ).scalar_one())


def import_csv(engine: Engine, data: bytes | str, currency: str | None = None) -> ImportResult:
    """Import a catalog in the register's CSV format: every row or none. ``data`` is the file
    as stored (bytes: its encoding, delimiter and decimal separator are found the way the
    register finds them, ``pos_protocol.catalog_csv``) or text already decoded."""
    from pos_protocol import InputError, catalog_csv
    from pos_protocol.money import Currency

    with write(engine) as conn:
        cur_code = _currency(conn, currency)
        tax = set(conn.execute(select(t.tax_classes.c.code)).scalars().all())
        try:
            cur = Currency.of(cur_code)
            specs = (catalog_csv.read(data, cur, tax).products if isinstance(data, bytes)
                     else catalog_csv.parse(data, cur, tax))
        except catalog_csv.CatalogFileError as exc:
            raise CatalogRejected(exc.problems) from exc
        except InputError as exc:  # an unknown currency (--currency)
            raise BadInput(str(exc), "currency") from exc
        rows = {s.sku: {
            "name": s.name, "variant": s.variant, "product_group": s.group,
            "department": s.department, "vendor": s.vendor, "tax_class": s.tax_class,
            "unit": s.unit, "price": s.price, "price_per": s.price_per, "cost": s.cost,
            "reorder_point": s.reorder_point, "par_level": s.par_level, "min_age": s.min_age,
            "max_per_sale": s.max_per_sale, "active": True,
        } for s in specs}
        codes = {s.sku: [(b.key, b.code, b.multiplier, b.pack_price) for b in s.barcodes]
                 for s in specs}
        existing, existing_codes, owners = _load(conn, list(rows),
                                                 [k[0] for c in codes.values() for k in c])
        problems = [
            f"line {s.line}: barcode {b.code} already belongs to product {owners[b.key]}"
            for s in specs for b in s.barcodes
            if b.key in owners and owners[b.key] != s.sku and owners[b.key] not in rows
        ]
        if problems:
            raise CatalogRejected(problems)
        changed = [sku for sku in rows
                   if existing.get(sku) != rows[sku] or existing_codes.get(sku, []) != codes[sku]]
        created = sum(1 for sku in changed if sku not in existing)
        if changed:
            _write_products(conn, changed, rows, codes)
        _settle(conn, list(rows), "imported from a catalog file")
        version = catalog_version(conn)
    if created > 1000 and engine.dialect.name == "postgresql":
        with write(engine) as conn:  # fresh planner statistics for ingest's unknown-SKU check
            conn.exec_driver_sql("ANALYZE products, barcodes")
    return ImportResult(created, len(changed) - created, len(rows) - len(changed), version)


def _currency(conn: Connection, currency: str | None) -> str:
    if currency:
        return currency.strip().upper()
    found = sorted(set(conn.execute(select(t.stores.c.currency)).scalars().all()))
    if len(found) > 1:
        raise BadInput(f"stores use several currencies ({', '.join(found)}); say which one the "
                       "file's prices are in (--currency)", "currency")
    return found[0] if found else "EUR"


def _load(conn: Connection, skus: list[str], keys: list[str]) -> tuple[
        dict[str, dict[str, Any]], dict[str, list[tuple[Any, ...]]], dict[str, str]]:
    p, b = t.products, t.barcodes
    existing: dict[str, dict[str, Any]] = {}
    current: dict[str, list[tuple[Any, ...]]] = {}
    for part in chunks(skus, 1000):
        for row in conn.execute(select(p).where(p.c.sku.in_(part))).mappings():
            existing[row["sku"]] = {f: row[f] for f in _FIELDS}
        for row in conn.execute(select(b).where(b.c.sku.in_(part))
                                .order_by(b.c.sku, b.c.position)).mappings():
            current.setdefault(row["sku"], []).append(
                (row["key"], row["code"], row["multiplier"], row["pack_price"]))
    owners: dict[str, str] = {}
    for part in chunks(keys, 1000):
        owners.update(conn.execute(select(b.c.key, b.c.sku).where(b.c.key.in_(part))).all())
    return existing, current, owners


def _write_products(conn: Connection, changed: list[str], rows: dict[str, dict[str, Any]],
                    codes: dict[str, list[tuple[Any, ...]]]) -> None:
    top = _bump(conn, len(changed))
    now = utc_now()
    p, b = t.products, t.barcodes
    values = [{"sku": sku, **rows[sku], "version": top - len(changed) + 1 + i, "updated_at": now}
              for i, sku in enumerate(changed)]
    ins = insert(conn, p)
    stmt = ins.on_conflict_do_update(
        index_elements=["sku"],
        set_={c: getattr(ins.excluded, c) for c in (*_FIELDS, "version", "updated_at")})
    for part in chunks(changed, 1000):
        conn.execute(delete(b).where(b.c.sku.in_(part)))
    for part in chunks(values):
        conn.execute(stmt, part)
    bars = [{"key": k, "sku": sku, "code": code, "multiplier": mult, "pack_price": pp,
             "position": i}
            for sku in changed for i, (k, code, mult, pp) in enumerate(codes[sku])]
    for part in chunks(bars):
        conn.execute(b.insert(), part)


def _settle(conn: Connection, skus: list[str], note: str) -> None:
    """The SKUs are in the catalog now: no longer unknown, their proposals superseded."""
    pp = t.product_proposals
    now = utc_now()
    for part in chunks(skus, 1000):
        conn.execute(delete(t.unknown_skus).where(t.unknown_skus.c.sku.in_(part)))
        conn.execute(update(pp).where(pp.c.sku.in_(part), pp.c.status == "pending")
                     .values(status="superseded", decided_at=now, note=note))


# -- prices -----------------------------------------------------------------------------------
def set_price(engine: Engine, sku: str, price: int, store: str | None = None) -> dict[str, Any]:
    """The base price (every store without its own) or one store's price; bumps the version."""
    if not isinstance(price, int) or isinstance(price, bool) or not 0 <= price <= 10**12:
        raise BadInput("price must be a whole number of minor units (cents), 0 or more",
                       "price")
    p = t.products
    with write(engine) as conn:
        if conn.execute(select(p.c.sku).where(p.c.sku == sku)).first() is None:
            raise NotFound(f"unknown product {sku}", "sku")
        if store is not None:
            check_code(store, "store")
            if conn.execute(select(t.stores.c.code).where(t.stores.c.code == store)).first() \
                    is None:
                raise NotFound(f"unknown store {store}", "store")
            sp = t.store_prices
            ins = insert(conn, sp)
            conn.execute(ins.values(store=store, sku=sku, price=price).on_conflict_do_update(
                index_elements=["store", "sku"], set_={"price": ins.excluded.price}))
            version = _bump(conn, 1)
            conn.execute(update(p).where(p.c.sku == sku)
                         .values(version=version, updated_at=utc_now()))
        else:
            version = _bump(conn, 1)
            conn.execute(update(p).where(p.c.sku == sku)
                         .values(price=price, version=version, updated_at=utc_now()))
    return {"sku": sku, "store": store, "price": price, "version": version}


# -- GET /catalog -----------------------------------------------------------------------------
def catalog_page(engine: Engine, store: str, since: int, limit: int = wire.PAGE_LIMIT
                 ) -> wire.CatalogPage:
    """Products changed after ``since`` with this store's prices, oldest change first."""
    p, sp, b = t.products, t.store_prices, t.barcodes
    with read(engine) as conn:
        top = catalog_version(conn)  # read first: every product <= top has committed
        rows = conn.execute(
            select(p, sp.c.price.label("store_price"))
            .outerjoin(sp, (sp.c.sku == p.c.sku) & (sp.c.store == store))
            .where(p.c.version > since, p.c.version <= top)
            .order_by(p.c.version).limit(limit + 1)
        ).mappings().all()
        more = len(rows) > limit
        rows = rows[:limit]
        codes: dict[str, list[wire.Barcode]] = {}
        for part in chunks([r["sku"] for r in rows], 1000):
            bd = t.barcode_deposits  # a pack barcode's own deposit (the crate), if any
            for bc in conn.execute(select(b, bd.c.deposit).outerjoin(bd, bd.c.key == b.c.key)
                                   .where(b.c.sku.in_(part))
                                   .order_by(b.c.sku, b.c.position)).mappings():
                codes.setdefault(bc["sku"], []).append(
                    wire.Barcode(bc["code"], bc["multiplier"], bc["pack_price"],
                                 bc["deposit"]))
        products = tuple(_product(r, codes.get(r["sku"], [])) for r in rows)
        version = products[-1].version if more else max(top, since)
        promos, deps = retail.rules_page(conn, since, version)  # same version counter
    return wire.CatalogPage(version, products, more, promos, deps)


def _product(r: Any, codes: list[wire.Barcode]) -> wire.Product:
    price = r["store_price"] if r["store_price"] is not None else r["price"]
    return wire.Product(
        sku=r["sku"], name=r["name"], tax_class=r["tax_class"], price=int(price),
        version=int(r["version"]), variant=r["variant"], group=r["product_group"],
        department=r["department"], vendor=r["vendor"], unit=r["unit"],
        price_per=r["price_per"], cost=r["cost"], barcodes=tuple(codes),
        reorder_point=r["reorder_point"], par_level=r["par_level"], min_age=r["min_age"],
        max_per_sale=r["max_per_sale"], active=bool(r["active"]),
        deposit=r["deposit"], tare=r["tare"],
    )


def product_name(conn: Connection, sku: str) -> str | None:
    row = conn.execute(select(t.products.c.name, t.products.c.variant)
                       .where(t.products.c.sku == sku)).first()
    if row is None:
        return None
    return f"{row.name} {row.variant}".strip()


# -- proposals and unknown SKUs ---------------------------------------------------------------
def list_proposals(engine: Engine, status: str | None = "pending") -> list[dict[str, Any]]:
    pp, r = t.product_proposals, t.registers
    q = (select(pp, r.c.code.label("register")).join(r, r.c.id == pp.c.register_id)
         .order_by(pp.c.id))
    if status:
        q = q.where(pp.c.status == status)
    with read(engine) as conn:
        rows = conn.execute(q).mappings().all()
    return [{"id": row["id"], "event_id": row["event_id"], "store": row["store"],
             "register": row["register"], "sku": row["sku"],
             "product": json.loads(row["product"]), "status": row["status"],
             "created_at": iso(row["created_at"]), "decided_at": iso(row["decided_at"]),
             "note": row["note"]} for row in rows]


def accept_proposal(engine: Engine, proposal_id: int) -> dict[str, Any]:
    """Adopt a proposed product into the catalog (a new version)."""
    from pos_protocol import BarcodeError
    from pos_protocol.barcode import normalise

    pp, p, b = t.product_proposals, t.products, t.barcodes
    with write(engine) as conn:
        row = _pending(conn, proposal_id)
        prod = wire.parse_product(json.loads(row.product))
        if conn.execute(select(p.c.sku).where(p.c.sku == prod.sku)).first():
            raise Conflict(f"product {prod.sku} is already in the catalog; reject this proposal")
        if conn.execute(select(t.tax_classes.c.code)
                        .where(t.tax_classes.c.code == prod.tax_class)).first() is None:
            raise BadInput(f"the proposal's tax class {prod.tax_class!r} is not one the "
                           "central knows; reject it and import the product instead",
                           "tax_class")
        bars = []
        for i, bc in enumerate(prod.barcodes):
            try:
                key = normalise(bc.code)
            except BarcodeError as exc:
                raise BadInput(f"proposed barcode {bc.code}: {exc}", "barcodes") from exc
            owner = conn.execute(select(b.c.sku).where(b.c.key == key)).scalar()
            if owner is not None:
                raise Conflict(f"proposed barcode {bc.code} already belongs to product {owner}")
            bars.append({"key": key, "sku": prod.sku, "code": bc.code,
                         "multiplier": bc.multiplier, "pack_price": bc.pack_price,
                         "position": i})
        version = _bump(conn, 1)
        now = utc_now()
        conn.execute(p.insert().values(
            sku=prod.sku, name=prod.name, variant=prod.variant, product_group=prod.group,
            department=prod.department, vendor=prod.vendor, tax_class=prod.tax_class,
            unit=prod.unit, price=prod.price, price_per=prod.price_per, cost=prod.cost,
            reorder_point=prod.reorder_point, par_level=prod.par_level, min_age=prod.min_age,
            max_per_sale=prod.max_per_sale, active=True, version=version, updated_at=now))
        if bars:
            conn.execute(b.insert(), bars)
        conn.execute(update(pp).where(pp.c.id == proposal_id)
                     .values(status="accepted", decided_at=now))
        _settle(conn, [prod.sku], f"proposal {proposal_id} accepted")
    return {"id": proposal_id, "status": "accepted", "sku": prod.sku, "version": version}


def reject_proposal(engine: Engine, proposal_id: int, note: str = "") -> dict[str, Any]:
    pp = t.product_proposals
    with write(engine) as conn:
        _pending(conn, proposal_id)
        conn.execute(update(pp).where(pp.c.id == proposal_id)
                     .values(status="rejected", decided_at=utc_now(), note=note[:200]))
    return {"id": proposal_id, "status": "rejected"}


def _pending(conn: Connection, proposal_id: int) -> Any:
    pp = t.product_proposals
    row = conn.execute(select(pp).where(pp.c.id == proposal_id)).first()
    if row is None:
        raise NotFound(f"unknown proposal {proposal_id}", "id")
    if row.status != "pending":
        raise Conflict(f"proposal {proposal_id} is already {row.status}")
    return row


def list_unknown_skus(engine: Engine) -> list[dict[str, Any]]:
    u, s = t.unknown_skus, t.stock_levels
    with read(engine) as conn:
        rows = conn.execute(
            select(u, func.coalesce(s.c.on_hand, 0).label("on_hand"))
            .outerjoin(s, (s.c.sku == u.c.sku) & (s.c.store == u.c.store))
            .order_by(u.c.sku, u.c.store)
        ).mappings().all()
    return [{"sku": r["sku"], "store": r["store"], "first_event_id": r["first_event_id"],
             "first_seen_at": iso(r["first_seen_at"]), "on_hand": int(r["on_hand"])}
            for r in rows]
