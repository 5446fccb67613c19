"""Retail rules at the central: promotions, deposit types and the products' deposit and tare.

One import file (``pos-central promotions import FILE`` or ``POST /api/v1/admin/promotions``)::

    {"promotions": [PromotionRule, ...],            # wire.parse_promotion, docs/promotions.md
     "deposits":   [{"code", "name", "amount", "tax_class"?, "active"?}, ...],
     "products":   [{"sku", "deposit": code | null, "tare": base units | null,
                     "barcodes"?: [{"code", "deposit": code | null}]}, ...]}

A product's ``deposit`` is charged per base unit; a barcode's ``deposit`` once per scan of that
(pack) barcode on top of it: the crate of a 20-bottle crate barcode. Only the barcodes listed
change; ``null`` removes a barcode's deposit.

Everything is checked before anything is written (one transaction). Each promotion, deposit
type or product that changes takes the next catalog version, so the registers' next
``GET /catalog?since=V`` brings it; unchanged entries keep theirs. A promotion is ended with
``"active": false`` (registers keep the row, switched off).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, delete, select, update

from pos_central.clock import utc_now
from pos_central.db import tables as t
from pos_central.db.engine import read, write
from pos_central.db.sql import insert
from pos_central.errors import BadInput
from pos_central.services.accounts import catalog_version
from pos_protocol import wire
from pos_protocol.barcode import normalise

MAX_RULES = 50_000


@dataclass(frozen=True)
class RulesImported:
    promotions: int  # changed (new or different)
    deposits: int
    products: int
    unchanged: int
    version: int

    def to_json(self) -> dict[str, int]:
        return dict(self.__dict__)


Link = tuple[str, str | None, int | None, dict[str, tuple[str, str | None]] | None]


def parse_rules(obj: Any) -> tuple[list[wire.PromotionRule], list[wire.DepositType],
                                   list[Link]]:
    if not isinstance(obj, dict):
        raise BadInput("expected a JSON object with promotions, deposits and/or products")
    unknown = set(obj) - {"promotions", "deposits", "products"}
    if unknown:
        raise BadInput(f"unknown key {sorted(unknown)[0]!r} (known: promotions, deposits, "
                       "products)", sorted(unknown)[0])
    items = [obj.get(k) or [] for k in ("promotions", "deposits", "products")]
    for k, v in zip(("promotions", "deposits", "products"), items, strict=True):
        if not isinstance(v, list):
            raise BadInput(f"{k} must be a list", k)
        if len(v) > MAX_RULES:
            raise BadInput(f"{k}: at most {MAX_RULES} entries per import", k)
    try:
        promos = [wire.parse_promotion(p, f"promotions[{i}]") for i, p in enumerate(items[0])]
        deps = [wire.parse_deposit(d, f"deposits[{i}]") for i, d in enumerate(items[1])]
        links = []
        for i, p in enumerate(items[2]):
            w = f"products[{i}]"
            if not isinstance(p, dict):
                raise wire.WireError(w, "expected an object")
            prod = wire.parse_product({"name": "-", "tax_class": "-", "price": 0, "version": 0,
                                       **p}, w)
            packs = None
            if "barcodes" in p:  # {key: (code, deposit)} of the barcodes named
                packs = {normalise(b.code): (b.code, b.deposit) for b in prod.barcodes}
            links.append((prod.sku, prod.deposit, prod.tare, packs))
    except wire.WireError as exc:
        raise BadInput(str(exc), exc.field) from exc
    for what, keys in (("promotion", [p.promo_id for p in promos]),
                       ("deposit", [d.code for d in deps]), ("product", [x[0] for x in links])):
        dup = {k for k in keys if keys.count(k) > 1}
        if dup:
            raise BadInput(f"{what} {sorted(dup)[0]} is given twice")
    return promos, deps, links


def _check_packs(conn: Connection, sku: str, packs: dict[str, tuple[str, str | None]],
                 dep_codes: set[str]) -> None:
    if not packs:
        return
    b = t.barcodes
    own = set(conn.execute(select(b.c.key).where(b.c.sku == sku)).scalars())
    for key, (code, dep) in packs.items():
        if key not in own:
            raise BadInput(f"product {sku}: barcode {code} is not one of its barcodes",
                           "products")
        if dep is not None and dep not in dep_codes:
            raise BadInput(f"product {sku}: barcode {code}: unknown deposit {dep}", "products")


def _write_packs(conn: Connection, packs: dict[str, tuple[str, str | None]]) -> bool:
    """Set or clear the barcodes' own deposits; True when anything changed."""
    bd = t.barcode_deposits
    changed = False
    for key, (_, dep) in packs.items():
        cur = conn.execute(select(bd.c.deposit).where(bd.c.key == key)).scalar()
        if cur == dep:
            continue
        changed = True
        if dep is None:
            conn.execute(delete(bd).where(bd.c.key == key))
        else:
            ins = insert(conn, bd).values(key=key, deposit=dep)
            conn.execute(ins.on_conflict_do_update(index_elements=["key"],
                                                   set_={"deposit": ins.excluded.deposit}))
    return changed


def _bump(conn: Connection) -> int:
    c = t.counters
    return int(conn.execute(
        update(c).where(c.c.name == t.CATALOG_VERSION).values(value=c.c.value + 1)
        .returning(c.c.value)).scalar_one())


def import_rules(engine: Engine, obj: Any) -> RulesImported:
    promos, deps, links = parse_rules(obj)
    now = utc_now()
    changed = [0, 0, 0]
    unchanged = 0
    with write(engine) as conn:
        known_tax = set(conn.execute(select(t.tax_classes.c.code)).scalars())
        for d in deps:
            if d.tax_class is not None and d.tax_class not in known_tax:
                raise BadInput(f"deposit {d.code}: unknown tax class {d.tax_class}", "deposits")
        dep_codes = set(conn.execute(select(t.deposit_types.c.code)).scalars())
        dep_codes |= {d.code for d in deps}
        skus = {x[0] for x in links}
        have = set(conn.execute(select(t.products.c.sku)
                                .where(t.products.c.sku.in_(skus))).scalars()) if skus else set()
        for sku, dep, _, packs in links:
            if sku not in have:
                raise BadInput(f"product {sku} is not in the catalog; import it first",
                               "products")
            if dep is not None and dep not in dep_codes:
                raise BadInput(f"product {sku}: unknown deposit {dep}", "products")
            _check_packs(conn, sku, packs or {}, dep_codes)
        old_p = {r.promo_id: (r.rule, r.active) for r in conn.execute(
            select(t.promotions.c.promo_id, t.promotions.c.rule, t.promotions.c.active))}
        for p in promos:
            rule = json.dumps(p.rule, sort_keys=True)
            if old_p.get(p.promo_id) == (rule, p.active):
                unchanged += 1
                continue
            ins = insert(conn, t.promotions).values(
                promo_id=p.promo_id, label=p.label, kind=p.kind, rule=rule, active=p.active,
                version=_bump(conn), updated_at=now)
            conn.execute(ins.on_conflict_do_update(
                index_elements=["promo_id"],
                set_={c: ins.excluded[c] for c in ("label", "kind", "rule", "active", "version",
                                                   "updated_at")}))
            changed[0] += 1
        old_d = {r.code: (r.name, r.amount, r.tax_class, r.active) for r in conn.execute(
            select(t.deposit_types))}
        for d in deps:
            if old_d.get(d.code) == (d.name, d.amount, d.tax_class, d.active):
                unchanged += 1
                continue
            ins = insert(conn, t.deposit_types).values(
                code=d.code, name=d.name, amount=d.amount, tax_class=d.tax_class,
                active=d.active, version=_bump(conn), updated_at=now)
            conn.execute(ins.on_conflict_do_update(
                index_elements=["code"],
                set_={c: ins.excluded[c] for c in ("name", "amount", "tax_class", "active",
                                                   "version", "updated_at")}))
            changed[1] += 1
        p = t.products
        for sku, dep, tare, packs in links:
            cur = conn.execute(select(p.c.deposit, p.c.tare).where(p.c.sku == sku)).one()
            packs_changed = _write_packs(conn, packs or {})
            if (cur.deposit, cur.tare) == (dep, tare) and not packs_changed:
                unchanged += 1
                continue
            conn.execute(update(p).where(p.c.sku == sku).values(
                deposit=dep, tare=tare, version=_bump(conn), updated_at=now))
            changed[2] += 1
        version = catalog_version(conn)
    return RulesImported(*changed, unchanged, version)


def list_rules(engine: Engine) -> dict[str, Any]:
    with read(engine) as conn:
        promos = [
            {**json.loads(r.rule), "active": r.active, "version": r.version}
            for r in conn.execute(select(t.promotions).order_by(t.promotions.c.promo_id))
        ]
        deps = [
            {"code": r.code, "name": r.name, "amount": r.amount, "tax_class": r.tax_class,
             "active": r.active, "version": r.version}
            for r in conn.execute(select(t.deposit_types).order_by(t.deposit_types.c.code))
        ]
        prods = [
            {"sku": r.sku, "deposit": r.deposit, "tare": r.tare}
            for r in conn.execute(select(t.products.c.sku, t.products.c.deposit,
                                         t.products.c.tare)
                                  .where((t.products.c.deposit.is_not(None))
                                         | (t.products.c.tare.is_not(None)))
                                  .order_by(t.products.c.sku))
        ]
        b, bd = t.barcodes, t.barcode_deposits
        for r in conn.execute(select(b.c.sku, b.c.code, bd.c.deposit)
                              .join(bd, bd.c.key == b.c.key).order_by(b.c.sku, b.c.position)):
            prods.append({"sku": r.sku, "barcodes": [{"code": r.code, "deposit": r.deposit}]})
    return {"promotions": promos, "deposits": deps, "products": prods}


def rules_page(conn: Connection, since: int, upto: int
               ) -> tuple[tuple[wire.PromotionRule, ...], tuple[wire.DepositType, ...]]:
    """Promotions and deposit types changed in the catalog versions (since, upto]."""
    pr, dt = t.promotions, t.deposit_types
    promos = tuple(
        wire.PromotionRule(r.promo_id, r.label, r.kind, json.loads(r.rule), int(r.version),
                           bool(r.active))
        for r in conn.execute(select(pr).where(pr.c.version > since, pr.c.version <= upto)
                              .order_by(pr.c.version)))
    deps = tuple(
        wire.DepositType(r.code, r.name, int(r.amount), r.tax_class, int(r.version),
                         bool(r.active))
        for r in conn.execute(select(dt).where(dt.c.version > since, dt.c.version <= upto)
                              .order_by(dt.c.version)))
    return promos, deps
