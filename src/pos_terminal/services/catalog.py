"""Catalog use cases: resolve a scan or typed code, price check, search, import a CSV."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from pos_protocol import catalog_csv, wire
from pos_protocol.barcode import strip_code
from pos_protocol.money import Currency, round_div
from pos_terminal.clock import new_id, utc_now
from pos_terminal.db import catalog as repo
from pos_terminal.db import ledger
from pos_terminal.db import tables as t
from pos_terminal.db.uow import transaction
from pos_terminal.domain.cart import Item
from pos_terminal.domain.ledger import Movement, MovementKind
from pos_terminal.domain.scan import (
    DEFAULT_RULES,
    BarcodeRules,
    CheckDigitError,
    ScanCode,
    interpret_scan,
)
from pos_terminal.errors import BarcodeError, InputError, NotFoundError, PosError
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
    updated: int  # products that differed from the file and were changed
    barcodes: int  # barcodes of the new and changed products
    opening_stock: int
    unchanged: int = 0
    file: str = ""  # how the file was read: "Windows-1252, semicolon-separated, decimal comma"

    def summary(self) -> str:
        """``N changed, M unchanged, K new``."""
        return f"{self.updated} changed, {self.unchanged} unchanged, {self.created} new"


Progress = Callable[[int, int], None]  # (rows done, rows in the file), from the import's thread

# Products written per transaction: each chunk holds the register's one write lock for a few
# milliseconds, so a sale committed during a long import waits for one chunk at most
# (bench/import_catalog.py measures it).
IMPORT_CHUNK = 250
PACE_EVERY_S = 0.002


class _Pace:
    """Hands the interpreter lock to the till's threads every couple of milliseconds of the
    import's Python work. Without it a sale's thread, which gives the lock up at every database
    call, would wait up to the 5 ms switch interval each time to get it back: 100 ms and more
    per sale while an import parses."""

    def __init__(self) -> None:
        self._next = time.perf_counter() + PACE_EVERY_S

    def __call__(self) -> None:
        if time.perf_counter() >= self._next:
            time.sleep(0.0001)  # any other thread that wants the lock takes it now
            self._next = time.perf_counter() + PACE_EVERY_S


@dataclass
class _Lookups:
    """Ids of departments, vendors and groups by name, made on first use."""

    tables: dict[str, dict[str, int]]

    def id(self, conn: Connection, table: t.Table, name: str) -> int | None:
        if not name:
            return None
        ids = self.tables[table.name]
        if name not in ids:
            ids[name] = repo.lookup_id(conn, table, name)  # type: ignore[assignment]
        return ids[name]


_LOOKUP_TABLES = (t.product_groups, t.departments, t.vendors)


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
        self, path: Path, opening_stock: bool = False, user_id: int | None = None,
        progress: Progress | None = None,
    ) -> ImportResult:
        """Import a catalog file (``pos_protocol.catalog_csv``: encoding, delimiter and decimal
        separator found from the file): every row is checked first, and one problem imports
        nothing. Only new and changed products are written, a few hundred per transaction, so
        a sale at this register never waits long for the import."""
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
        return self._import(data, opening_stock, user_id, progress)

    def import_text(
        self, text: str, opening_stock: bool = False, user_id: int | None = None,
        progress: Progress | None = None,
    ) -> ImportResult:
        return self._import(text.encode("utf-8"), opening_stock, user_id, progress)

    def _import(self, data: bytes, opening_stock: bool, user_id: int | None,
                progress: Progress | None) -> ImportResult:
        """Plan (read the file, compare it with the catalog), then write what differs in
        chunks of ``IMPORT_CHUNK`` products (each product whole, with its barcodes and its
        opening stock). A big file is planned in a child process: reading and comparing is
        seconds of pure Python, and in this process it would hold the interpreter lock the
        till's threads need for every database call. A chunk that finds a barcode taken since
        the comparison (a catalog pull in between) stops the import there; importing the file
        again finishes it."""
        s = self.ctx.settings
        decimal = s.decimal_separator if s.locale else None
        if len(data) > CHILD_BYTES:
            plan: Iterator[tuple[Any, ...]] = _planned_in_child(
                str(self.ctx.engine.url.database), data, s.currency, decimal)
        else:
            plan = _plan(self.ctx.engine, data, s.currency, decimal)
        report = progress or (lambda done, total: None)
        with self.ctx.read() as conn:
            tax_ids = repo.tax_class_ids(conn)
            lookups = _Lookups({tb.name: {n: i for i, n in conn.execute(
                select(tb.c.id, tb.c.name))} for tb in _LOOKUP_TABLES})
        described, total, unchanged, done = "", 0, 0, 0
        created = updated = nbar = stock = 0
        for message in plan:
            if message[0] == "plan":
                _, described, total, changing = message
                unchanged = done = total - changing
                report(0, total)
                report(unchanged, total)
                continue
            chunk: list[tuple[catalog_csv.ProductSpec, int | None]] = message[1]
            t0 = time.monotonic()
            c, u, n, k = self._write_chunk(chunk, tax_ids, lookups, opening_stock, user_id)
            created, updated, nbar, stock = created + c, updated + u, nbar + n, stock + k
            done += len(chunk)
            report(done, total)
            # A writer in another process (a CLI sale, a second window) only polls for the
            # lock: leave it as long a gap as the chunk held the lock.
            time.sleep(min(max(time.monotonic() - t0, 0.002), 0.05))
        return ImportResult(created, updated, nbar, stock, unchanged, described)

    def _write_chunk(
        self, chunk: list[tuple[catalog_csv.ProductSpec, int | None]], tax_ids: dict[str, int],
        lookups: _Lookups, opening_stock: bool, user_id: int | None,
    ) -> tuple[int, int, int, int]:
        """One transaction: these products (new or changed), their barcodes and opening stock.
        The rows are built before it begins, so the write lock is held for the SQL alone."""
        s = self.ctx.settings
        p, b = t.products, t.barcodes
        now = utc_now()
        rows = {spec.sku: {
            "sku": spec.sku, "name": spec.name, "variant": spec.variant,
            "tax_class_id": tax_ids[spec.tax_class], "unit": spec.unit, "price": spec.price,
            "price_per": spec.price_per, "cost": spec.cost, "reorder_point": spec.reorder_point,
            "par_level": spec.par_level, "min_age": spec.min_age,
            "max_per_sale": spec.max_per_sale, "active": True, "updated_at": now,
        } for spec, _ in chunk}
        keys = [bc.key for spec, _ in chunk for bc in spec.barcodes]
        with self.ctx.background_write() as conn:  # a sale at this register goes first
            owners: dict[str, int] = {}
            for i in range(0, len(keys), 500):
                owners.update(conn.execute(select(b.c.key, b.c.product_id)
                                           .where(b.c.key.in_(keys[i: i + 500]))).all())
            ids = {spec.sku: pid for spec, pid in chunk}
            fresh = [sku for sku, pid in ids.items() if pid is None]
            if fresh:  # made since the comparison (a catalog pull in between): update those
                ids.update(conn.execute(select(p.c.sku, p.c.id).where(p.c.sku.in_(fresh))).all())
            new_rows, changed_rows = [], []
            for spec, _ in chunk:
                values = rows[spec.sku]
                values.update(group_id=lookups.id(conn, t.product_groups, spec.group),
                              department_id=lookups.id(conn, t.departments, spec.department),
                              vendor_id=lookups.id(conn, t.vendors, spec.vendor))
                pid = ids[spec.sku]
                if pid is None:
                    new_rows.append(values)
                else:
                    changed_rows.append({**values, "_id": pid})
            if new_rows:
                conn.execute(insert(p), new_rows)
                skus = [r["sku"] for r in new_rows]
                ids.update(conn.execute(select(p.c.sku, p.c.id).where(p.c.sku.in_(skus))).all())
            if changed_rows:
                conn.execute(update(p).where(p.c.id == bindparam("_id")), changed_rows)
            for spec, _ in chunk:
                taken = [bc.code for bc in spec.barcodes
                         if owners.get(bc.key, ids[spec.sku]) != ids[spec.sku]]
                if taken:  # given to another product since the comparison (a catalog pull)
                    raise InputError(
                        f"line {spec.line}: barcode(s) {', '.join(taken)} went to another "
                        "product during the import (a catalog update from the central); "
                        "import the file again to finish")
            conn.execute(delete(b).where(b.c.product_id.in_(list(ids.values()))))
            bars = [{"key": bc.key, "code": bc.code, "multiplier": bc.multiplier,
                     "pack_price": bc.pack_price, "product_id": ids[spec.sku]}
                    for spec, _ in chunk for bc in spec.barcodes]
            if bars:
                conn.execute(insert(b), bars)
            made = {r["sku"] for r in new_rows}
            moves = [Movement(new_id(), ids[spec.sku], spec.stock, MovementKind.RECEIVE,
                              "opening stock", "catalog import", spec.cost, now, user_id,
                              s.terminal)
                     for spec, _ in chunk if opening_stock and spec.sku in made and spec.stock]
            if moves:  # only for products new to this register: a re-import adds no stock
                posted = ledger.append(conn, s.terminal, moves)
                ledger.add_event(conn, now, wire.StockReceived(
                    reference="opening stock",
                    movements=ledger.movement_payload(
                        posted, {ids[spec.sku]: spec.sku for spec, _ in chunk}),
                ))
        return (len(new_rows), len(changed_rows), len(bars),
                sum(m.quantity for m in moves))


# -- planning: read the file and compare it with the catalog ------------------------------------
# A file bigger than this is planned in a child process (see CatalogService._import).
CHILD_BYTES = 512 * 1024  # ≈ 5,000 rows: below it, reading takes a few tenths of a second


def _plan(engine: Any, data: bytes, currency: Currency, decimal: str | None
          ) -> Iterator[tuple[Any, ...]]:
    """``("plan", how the file was read, rows, rows to write)``, then ``("todo", [(spec,
    product id or None), ...])`` per chunk of new or changed products. Raises
    CatalogFileError (every problem, by line) before yielding anything."""
    with transaction(engine, write=False) as conn:
        tax_ids = repo.tax_class_ids(conn)
    file = catalog_csv.read(data, currency, set(tax_ids), _Pace(), decimal)
    with transaction(engine, write=False) as conn:
        names = {tb.name: {i: n for i, n in conn.execute(select(tb.c.id, tb.c.name))}
                 for tb in _LOOKUP_TABLES}
        p, b = t.products, t.barcodes
        current = {r.sku: r for r in conn.execute(select(
            p.c.id, p.c.sku, p.c.name, p.c.variant, p.c.group_id, p.c.department_id,
            p.c.vendor_id, p.c.tax_class_id, p.c.unit, p.c.price, p.c.price_per, p.c.cost,
            p.c.reorder_point, p.c.par_level, p.c.min_age, p.c.max_per_sale, p.c.active))}
        codes: dict[int, list[tuple[Any, ...]]] = {}
        owners: dict[str, int] = {}
        for pid, key, code, mult, pack in conn.execute(select(
                b.c.product_id, b.c.key, b.c.code, b.c.multiplier, b.c.pack_price)
                .order_by(b.c.product_id, b.c.id)):
            codes.setdefault(pid, []).append((key, code, mult, pack))
            owners[key] = pid
    problems = []
    todo: list[tuple[catalog_csv.ProductSpec, int | None]] = []
    pace = _Pace()
    for spec in file.products:
        pace()
        row = current.get(spec.sku)
        pid = row.id if row is not None else None
        taken = [bc.code for bc in spec.barcodes if owners.get(bc.key, pid) != pid]
        if taken:
            problems.append(f"line {spec.line}: barcode(s) {', '.join(taken)} already "
                            "belong to another product")
            continue
        if row is None or _differs(spec, row, tax_ids, names, codes.get(row.id, [])):
            todo.append((spec, pid))
    if problems:
        raise catalog_csv.CatalogFileError(problems)
    yield ("plan", file.describe(), len(file.products), len(todo))
    for start in range(0, len(todo), IMPORT_CHUNK):
        yield ("todo", todo[start: start + IMPORT_CHUNK])


def _plan_in_child(db: str, data: bytes, currency: Currency, decimal: str | None,
                   out: Any) -> None:
    """The child process's side: ``_plan``'s messages down the pipe, or what went wrong."""
    from pos_terminal.db.engine import make_engine

    engine = make_engine(db)
    try:
        for message in _plan(engine, data, currency, decimal):
            out.send(message)
        out.send(("end",))
    except catalog_csv.CatalogFileError as exc:
        out.send(("problems", exc.problems))
    except PosError as exc:
        out.send(("error", str(exc)))
    except Exception as exc:  # handed to the parent as one line; nothing was written
        out.send(("error", f"the catalog file could not be read: {exc}"))
    finally:
        out.close()
        engine.dispose()


def _planned_in_child(db: str, data: bytes, currency: Currency, decimal: str | None
                      ) -> Iterator[tuple[Any, ...]]:
    """``_plan`` run in a spawned child process, its messages received here one chunk at a
    time (each unpickled in a moment, so this process's threads are never held up)."""
    ctx = multiprocessing.get_context("spawn")  # never fork a process with threads
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_plan_in_child, args=(db, data, currency, decimal, send),
                        name="pos-import-plan", daemon=True)
    child.start()
    send.close()
    try:
        while True:
            try:
                message = receive.recv()
            except EOFError:
                raise PosError("the catalog import's reader stopped unexpectedly; nothing "
                               "more was written, import the file again") from None
            if message[0] == "end":
                return
            if message[0] == "problems":
                raise catalog_csv.CatalogFileError(message[1])
            if message[0] == "error":
                raise InputError(message[1])
            yield message
    finally:
        receive.close()
        child.join(5)
        if child.is_alive():
            child.terminate()


def _differs(spec: catalog_csv.ProductSpec, row: Any, tax_ids: dict[str, int],
             names: dict[str, dict[int, str]], codes: list[tuple[Any, ...]]) -> bool:
    """Whether importing ``spec`` would change the product ``row`` or its barcodes."""
    have = (row.name, row.variant, names["product_groups"].get(row.group_id, ""),
            names["departments"].get(row.department_id, ""),
            names["vendors"].get(row.vendor_id, ""), row.tax_class_id, row.unit, row.price,
            row.price_per, row.cost, row.reorder_point, row.par_level, row.min_age,
            row.max_per_sale, bool(row.active))
    want = (spec.name, spec.variant, spec.group, spec.department, spec.vendor,
            tax_ids[spec.tax_class], spec.unit, spec.price, spec.price_per, spec.cost,
            spec.reorder_point, spec.par_level, spec.min_age, spec.max_per_sale, True)
    return have != want or [(k, c, m, pp) for k, c, m, pp in codes] != [
        (bc.key, bc.code, bc.multiplier, bc.pack_price) for bc in spec.barcodes]
