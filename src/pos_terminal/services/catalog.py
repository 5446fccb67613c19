"""Catalog use cases: resolve a scan or typed code, price check, search, import a CSV."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from pos_terminal.clock import new_id, utc_now
from pos_terminal.db import catalog as repo
from pos_terminal.db import ledger
from pos_terminal.db import tables as t
from pos_terminal.domain import catalog_csv
from pos_terminal.domain.barcode import interpret
from pos_terminal.domain.cart import Item
from pos_terminal.domain.ledger import Movement, MovementKind
from pos_terminal.errors import BarcodeError, InputError, NotFoundError
from pos_terminal.services.context import Context


def resolve(conn: Connection, code: str) -> Item:
    """The item a scanned or typed code stands for; raises with the cashier's reason."""
    scan = interpret(code)
    if scan.bad_check_digit:
        item = repo.item_by_sku(conn, scan.raw)
        if item is not None:
            return item
        raise BarcodeError(f"{scan.raw}: bad check digit; scan again or type it carefully")
    for key in scan.keys:
        item = repo.item_by_key(conn, key)
        if item is not None:
            return item
    item = repo.item_by_sku(conn, scan.raw)
    if item is not None:
        return item
    raise NotFoundError(f"{scan.raw}: unknown barcode; no product has this code")


@dataclass(frozen=True)
class PriceCheck:
    item: Item
    on_hand: int


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    barcodes: int
    opening_stock: int


class CatalogService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def item(self, code: str) -> Item:
        with self.ctx.read() as conn:
            return resolve(conn, code)

    def price_check(self, code: str) -> PriceCheck:
        with self.ctx.read() as conn:
            item = resolve(conn, code)
            return PriceCheck(item, ledger.on_hand(conn, item.product_id))

    def products(self, text: str = "", limit: int = 50) -> list[dict[str, Any]]:
        """Products for look-up screens and ``products --json``, with barcodes and on-hand."""
        cur = self.ctx.settings.currency
        with self.ctx.read() as conn:
            rows = repo.search(conn, text, limit)
            codes = repo.barcodes_of(conn, [r.id for r in rows])
        out = []
        for r in rows:
            bcs = []
            for b in codes[r.id]:
                entry: dict[str, Any] = {"code": b["code"]}
                if b["multiplier"] != 1:
                    entry["multiplier"] = b["multiplier"]
                if b["pack_price"] is not None:
                    entry["pack_price"] = cur.format(b["pack_price"])
                bcs.append(entry)
            out.append({
                "sku": r.sku, "name": r.name, "variant": r.variant, "group": r.group,
                "department": r.department, "vendor": r.vendor, "unit": r.unit,
                "price": cur.format(r.price), "price_minor": r.price, "price_per": r.price_per,
                "tax_class": r.tax_code, "on_hand": r.on_hand, "min_age": r.min_age,
                "max_per_sale": r.max_per_sale, "reorder_point": r.reorder_point,
                "par_level": r.par_level, "barcodes": bcs,
            })
        return out

    def import_csv(
        self, path: Path, opening_stock: bool = False, user_id: int | None = None
    ) -> ImportResult:
        """Import a catalog file: every row or none. Opening stock is posted as receive moves."""
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read {path}: {exc}") from exc
        return self.import_text(text, opening_stock, user_id)

    def import_text(
        self, text: str, opening_stock: bool = False, user_id: int | None = None
    ) -> ImportResult:
        s = self.ctx.settings
        with self.ctx.write() as conn:
            tax_ids = repo.tax_class_ids(conn)
            specs = catalog_csv.parse(text, s.currency, set(tax_ids))
            problems = []
            created = updated = nbar = 0
            now = utc_now()
            moves: list[Movement] = []
            skus: dict[int, str] = {}
            for spec in specs:
                values = {
                    "sku": spec.sku, "name": spec.name, "variant": spec.variant,
                    "group_id": repo.lookup_id(conn, t.product_groups, spec.group),
                    "department_id": repo.lookup_id(conn, t.departments, spec.department),
                    "vendor_id": repo.lookup_id(conn, t.vendors, spec.vendor),
                    "tax_class_id": tax_ids[spec.tax_class], "unit": spec.unit,
                    "price": spec.price, "price_per": spec.price_per, "cost": spec.cost,
                    "reorder_point": spec.reorder_point, "par_level": spec.par_level,
                    "min_age": spec.min_age, "max_per_sale": spec.max_per_sale,
                    "active": True, "updated_at": now,
                }
                exists = conn.execute(
                    select(t.products.c.id).where(t.products.c.sku == spec.sku)
                ).scalar()
                pid = repo.upsert_product(conn, values)
                if exists is None:
                    created += 1
                else:
                    updated += 1
                skus[pid] = spec.sku
                taken = [
                    b.code for b in spec.barcodes
                    if repo.barcode_owner(conn, b.key) not in (None, pid)
                ]
                if taken:
                    problems.append(f"line {spec.line}: barcode(s) {', '.join(taken)} already "
                                    "belong to another product")
                    continue
                repo.replace_barcodes(conn, pid, [
                    {"key": b.key, "code": b.code, "multiplier": b.multiplier,
                     "pack_price": b.pack_price}
                    for b in spec.barcodes
                ])
                nbar += len(spec.barcodes)
                if opening_stock and spec.stock:
                    moves.append(Movement(
                        new_id(), pid, spec.stock, MovementKind.RECEIVE, "opening stock",
                        "catalog import", spec.cost, now, user_id, s.terminal,
                    ))
            if problems:
                raise catalog_csv.CatalogFileError(problems)
            if moves:
                posted = ledger.append(conn, s.terminal, moves)
                ledger.add_event(conn, "stock.received", now, {
                    "reference": "opening stock",
                    "movements": ledger.movement_payload(posted, skus),
                })
        return ImportResult(created, updated, nbar, sum(m.quantity for m in moves))
