"""Catalog use cases: resolve a scan or typed code, price check, search, import a CSV."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from pos_terminal.clock import new_id, utc_now
from pos_terminal.db import catalog as repo
from pos_terminal.db import ledger
from pos_terminal.db import tables as t
from pos_terminal.domain import catalog_csv
from pos_terminal.domain.barcode import strip_code
from pos_terminal.domain.cart import Item
from pos_terminal.domain.ledger import Movement, MovementKind
from pos_terminal.domain.money import round_div
from pos_terminal.domain.scan import (
    DEFAULT_RULES,
    BarcodeRules,
    CheckDigitError,
    ScanCode,
    interpret_scan,
)
from pos_terminal.errors import BarcodeError, InputError, NotFoundError
from pos_terminal.services.context import Context


def resolve(conn: Connection, code: str, rules: BarcodeRules = DEFAULT_RULES) -> Item:
    """The catalog item a scanned or typed code stands for; raises with the cashier's reason."""
    return resolve_scan(conn, code, rules).catalog_item


@dataclass(frozen=True)
class ScanHit:
    """A scan resolved into what the cart should get: ``cart.add(hit.item, hit.quantity)``.

    ``item`` is the catalog item, except for a price-embedded label, where its ``price`` and
    ``price_per`` are set so that the line's gross is exactly the label's price. ``quantity`` is
    what ``Cart.add`` takes: 1 scan (× pack) for pieces, the embedded count, or grams for goods
    sold by weight (the embedded weight, or derived from an embedded price).
    """

    item: Item
    quantity: int
    code: ScanCode
    catalog_item: Item  # as the catalog has it, before any embedded price
    embedded_weight_g: int | None = None
    embedded_price: int | None = None  # minor units
    embedded_count: int | None = None

    @property
    def needs_quantity(self) -> bool:
        """A measured item scanned by a fixed code: ask the scale or the cashier for grams."""
        return self.item.unit != "each" and not self.code.embedded


def resolve_scan(
    conn: Connection, scan: str | ScanCode, rules: BarcodeRules = DEFAULT_RULES,
    deposit_tax: tuple[str, int] | None = None,
) -> ScanHit:
    """Resolve a scanned or typed code, with the weight/price/count a label carries.

    Raises ``BarcodeError`` ("bad check digit", a weight on a piece item…) or ``NotFoundError``
    ("unknown barcode") and then nothing may be added to the cart.
    """
    if isinstance(scan, str):
        try:
            code = interpret_scan(scan, rules)
        except CheckDigitError as exc:
            if exc.declared:  # the scanner said EAN/UPC/GS1: it is nothing else
                raise
            # A typed SKU may look like a GTIN with a bad check digit (as in resolve()).
            sku = strip_code(scan)
            item = repo.item_by_sku(conn, sku, deposit_tax)
            if item is None:
                raise
            return ScanHit(item, 1, ScanCode(sku, ()), item)
    else:
        code = scan
    item = None
    for key in code.keys:
        item = repo.item_by_key(conn, key, deposit_tax)
        if item is not None:
            break
    if item is None and code.internal:
        item = repo.item_by_sku(conn, code.text, deposit_tax)
    if item is None:
        what = f"item {code.plu} of in-store code {code.text}" if code.variable else code.text
        raise NotFoundError(f"{what}: unknown barcode; no product has this code")
    return _apply_embedded(item, code)


def _apply_embedded(item: Item, code: ScanCode) -> ScanHit:
    weight, price, count = code.weight_g, code.price, code.count
    label = f"{item.name} {item.variant}".strip()
    if weight is not None and item.unit != "g":
        raise BarcodeError(
            f"{code.text}: the label carries a weight but {label} is sold by {item.unit}; "
            "ask a manager to check the product's unit"
        )
    if count is not None and item.unit != "each":
        raise BarcodeError(
            f"{code.text}: the label carries a count but {label} is sold by {item.unit}"
        )
    sold = item
    if item.unit == "each":
        qty = count if count is not None else 1
        if price is not None:  # the label's price is what the scanned pieces cost together
            sold = replace(item, price=price, price_per=qty * item.pack)
    else:
        if weight is not None:
            qty = weight
        elif price is not None:
            if item.price <= 0:
                raise BarcodeError(f"{code.text}: {label} has no price per {item.unit} to work "
                                   "out the quantity from the label's price")
            qty = max(1, round_div(price * item.price_per, item.price))
        else:
            qty = 1  # a fixed code on a measured item: one base unit, as resolve() gives
        if price is not None:  # charge exactly the label's price for the quantity
            sold = replace(item, price=price, price_per=qty)
    return ScanHit(sold, qty, code, item, weight, price, count)


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

    def scan(self, code: str | ScanCode, rules: BarcodeRules = DEFAULT_RULES) -> ScanHit:
        """Resolve a scanner frame's code or a typed code into a cart-ready ``ScanHit``."""
        with self.ctx.read() as conn:
            return resolve_scan(conn, code, rules)

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
