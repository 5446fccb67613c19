"""Sale commit: a 5-line cash sale through CheckoutService vs. bare sqlite3 writing the same rows.

Both write to databases on the same disk with the same pragmas (WAL, synchronous=FULL,
foreign keys, busy timeout); the bare baseline writes the sale, lines, taxes, payment, five
hash-chained ledger rows, five stock-level upserts, the print job and the outbox event in one
transaction,
so the ratio is the price of the service layer. Runs are interleaved so both see the same disk.

    python bench/sale_commit.py [--sales N]

Prints p50/p99 in ms for both and, last, ``ratio=<service median / bare median>`` (goal ≤ 2.5).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import figure, median, percentile
from pos_terminal import config
from pos_terminal.bootstrap import App, init_register
from pos_terminal.domain.cart import Cart, Item
from pos_terminal.domain.tenders import Tender, TenderKind
from pos_terminal.services import demo
from pos_terminal.services.catalog import resolve


def setup(root: Path) -> tuple[App, list[Item]]:
    app = init_register(root / "svc", config.new_settings("B1", "R1", "EUR"))
    demo.seed(app)
    with app.ctx.read() as conn:
        codes = [p["barcodes"][0]["code"] for p in app.catalog.products(limit=5)]
        items = [resolve(conn, c) for c in codes]
    return app, items


def bare_db(app: App, root: Path) -> sqlite3.Connection:
    """A copy of the migrated register database without the level trigger (writes levels itself)."""
    path = root / "bare.db"
    src = sqlite3.connect(app.paths.database)
    dst = sqlite3.connect(path)
    src.backup(dst)
    src.close()
    dst.close()
    con = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=10000"):
        con.execute(f"PRAGMA {pragma}")
    con.execute("DROP TRIGGER stock_movements_level")
    return con


def bare_sale(con: sqlite3.Connection, items: list[Item], user: int) -> None:
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    sale_id = str(uuid.uuid4())
    con.execute("BEGIN IMMEDIATE")
    n = con.execute(
        "UPDATE counters SET value = value + 1 WHERE name = 'receipt' RETURNING value"
    ).fetchone()
    if n is None:
        con.execute("INSERT INTO counters (name, value) VALUES ('receipt', 1)")
        n = (1,)
    receipt = f"B1-R1-{n[0]:06d}"
    shift = con.execute("SELECT id FROM shifts WHERE status = 'open'").fetchone()
    total = sum(i.price for i in items)
    con.execute(
        "INSERT INTO sales (id, receipt_no, training, user_id, completed_at, currency, tax_mode,"
        " subtotal, discount, tax, total, cash_rounding, change, shift_id)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (sale_id, receipt, 0, user, now, "EUR", "inclusive", total, 0, total // 10, total, 0, 0,
         shift[0] if shift else None),
    )
    con.executemany(
        "INSERT INTO sale_lines (sale_id, line_no, product_id, sku, name, variant, unit, qty,"
        " price, price_per, original_price, gross, line_discount, sale_discount, amount, tax,"
        " total, tax_code, rate_ppm, negative_stock)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [(sale_id, k + 1, i.product_id, i.sku, i.name, i.variant, i.unit, 1, i.price, 1, None,
          i.price, 0, 0, i.price, i.price // 10, i.price, i.tax_code, i.rate_ppm, 0)
         for k, i in enumerate(items)],
    )
    con.executemany(
        "INSERT INTO sale_taxes (sale_id, tax_code, rate_ppm, base, tax) VALUES (?,?,?,?,?)",
        [(sale_id, "STD", 190000, total, total // 10)],
    )
    con.execute(
        "INSERT INTO payments (sale_id, return_id, kind, amount, tendered, change, reference)"
        " VALUES (?,?,?,?,?,?,?)", (sale_id, None, "cash", total, total, 0, ""),
    )
    con.execute("INSERT INTO print_jobs (created_at, kind, reference, copy) VALUES (?,?,?,?)",
                (now, "receipt", sale_id, 0))
    last, prev = con.execute(
        "SELECT (SELECT max(seq) FROM stock_movements), (SELECT hash FROM stock_movements"
        " WHERE terminal = 'B1-R1' ORDER BY seq DESC LIMIT 1)"
    ).fetchone()
    seq, prev = last or 0, prev or "0" * 64
    rows, moves = [], []
    for i in items:
        seq += 1
        mid = str(uuid.uuid4())
        h = hashlib.sha256("\x1f".join((prev, str(seq), mid, str(i.product_id), "-1", "sale", "",
                                        sale_id, str(i.cost), now, str(user), "B1-R1")).encode())
        h = h.hexdigest()
        rows.append((seq, mid, i.product_id, -1, "sale", "", sale_id, i.cost, now, user, "B1-R1",
                     prev, h))
        moves.append({"id": mid, "seq": seq, "sku": i.sku, "quantity": -1, "hash": h})
        prev = h
    con.executemany(
        "INSERT INTO stock_movements (seq, id, product_id, quantity, kind, reason, reference,"
        " unit_cost, occurred_at, user_id, terminal, prev_hash, hash)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows,
    )
    con.executemany(
        "INSERT INTO stock_levels (product_id, on_hand) VALUES (?, ?) ON CONFLICT (product_id)"
        " DO UPDATE SET on_hand = on_hand + excluded.on_hand",
        [(i.product_id, -1) for i in items],
    )
    payload = {"sale_id": sale_id, "receipt_no": receipt, "total": total,
               "lines": [{"sku": i.sku, "qty": 1, "amount": i.price} for i in items],
               "movements": moves}
    con.execute(
        "INSERT INTO outbox (event_id, type, occurred_at, payload) VALUES (?,?,?,?)",
        (str(uuid.uuid4()), "sale.completed", now, json.dumps(payload, separators=(",", ":"))),
    )
    con.execute("COMMIT")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sales", type=int, default=300)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-sale-"))
    try:
        app, items = setup(root)
        con = bare_db(app, root)
        user = app.users.system_user().id
        cash = [Tender(TenderKind.CASH)]
        svc, bare = [], []
        for k in range(args.sales + 20):
            cart = Cart()
            for i in items:
                cart.add(i)
            t0 = time.perf_counter()
            app.checkout.complete_sale(cart, cash, user)
            t1 = time.perf_counter()
            bare_sale(con, items, user)
            t2 = time.perf_counter()
            if k >= 20:  # warm-up
                svc.append((t1 - t0) * 1000)
                bare.append((t2 - t1) * 1000)
        con.close()
        app.close()
        print(f"sales={args.sales}")
        figure("service_p50_ms", percentile(svc, 50))
        figure("service_p99_ms", percentile(svc, 99))
        figure("bare_p50_ms", percentile(bare, 50))
        figure("bare_p99_ms", percentile(bare, 99))
        figure("ratio", median(svc) / median(bare), 2)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
