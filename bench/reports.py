"""Report times over 1,000,000 sales: the Z report of a shift holding them, and a 365-day
sales-by-department report.

The register is built once (cached in ``${POS_BENCH_CACHE:-/tmp/pos-bench}/reports-N``): the
demo store, then N sales over the last 365 days (1-5 lines each, cash or card, the real
schema and indexes) written with bare sqlite3 for speed, all in one shift that is then closed.
Timings go through the real ``ReportService``/``ShiftService`` code paths.

    python bench/reports.py [--sales N] [--runs K]

Prints ``z_report_s``, ``sales_by_department_365d_s`` (median of K runs; goal ≤ 1 s each) and
the other reports' times for reference.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import figure, median
from pos_terminal import config
from pos_terminal.bootstrap import init_register, open_register
from pos_terminal.services import demo, report_printing
from pos_terminal.services.printing import PrintService
from pos_terminal.services.reports import Period

CHUNK = 50_000


def build(n: int) -> Path:
    root = Path(os.environ.get("POS_BENCH_CACHE", "/tmp/pos-bench")) / f"reports-{n}"
    data = root / "register"
    if (root / "complete").exists():
        return data
    if root.exists():
        import shutil

        shutil.rmtree(root)
    t0 = time.time()
    with init_register(data, config.new_settings("B1", "R1", "EUR")) as app:
        demo.seed(app)
        shift = app.shifts.open(1, 10000)
        products = [(p["price_minor"], p["tax_class"], p["sku"], p["name"], p["variant"], p["unit"])
                    for p in app.catalog.products(limit=1000) if p["unit"] == "each"]
        pids = dict(sqlite3.connect(data / "register.db").execute(
            "select sku, id from products").fetchall())
        rates = dict(sqlite3.connect(data / "register.db").execute(
            "select code, rate_ppm from tax_classes").fetchall())
    con = sqlite3.connect(data / "register.db", isolation_level=None)
    con.execute("PRAGMA synchronous=OFF")  # build only; the file keeps WAL
    rng = random.Random(1)
    now = datetime.now(UTC)
    receipt = 0
    for start in range(0, n, CHUNK):
        sales, lines, taxes, pays = [], [], [], []
        for _ in range(min(CHUNK, n - start)):
            receipt += 1
            sid = str(uuid.uuid4())
            at = (now - timedelta(seconds=rng.randint(0, 365 * 86400)))
            at_s = at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
            total = tax_total = 0
            by_class: dict[str, list[int]] = {}
            for k in range(rng.randint(1, 5)):
                price, tc, sku, name, variant, unit = rng.choice(products)
                qty = rng.randint(1, 3)
                amount = price * qty
                rate = rates[tc]
                tax = (amount * rate * 2 + 1_000_000 + rate) // (2 * (1_000_000 + rate))
                lines.append((sid, k + 1, pids[sku], sku, name, variant, unit, qty, price, 1,
                              None, amount, 0, 0, amount, tax, amount, tc, rate, 0))
                acc = by_class.setdefault(tc, [0, 0])
                acc[0] += amount
                acc[1] += tax
                total += amount
                tax_total += tax
            taxes += [(sid, tc, rates[tc], b, x) for tc, (b, x) in by_class.items()]
            kind = "cash" if rng.random() < 0.6 else "card"
            pays.append((sid, None, kind, total, total, 0, "" if kind == "cash" else "T1"))
            sales.append((sid, f"B1-R1-{receipt:07d}", 0, 2, at_s, "EUR", "inclusive", total, 0,
                          tax_total, total, 0, 0, shift.id))
        con.execute("BEGIN")
        con.executemany("INSERT INTO sales (id, receipt_no, training, user_id, completed_at, "
                        "currency, tax_mode, subtotal, discount, tax, total, cash_rounding, "
                        "change, shift_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", sales)
        con.executemany("INSERT INTO sale_lines (sale_id, line_no, product_id, sku, name, "
                        "variant, unit, qty, price, price_per, original_price, gross, "
                        "line_discount, sale_discount, amount, tax, total, tax_code, rate_ppm, "
                        "negative_stock) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", lines)
        con.executemany("INSERT INTO sale_taxes (sale_id, tax_code, rate_ppm, base, tax) "
                        "VALUES (?,?,?,?,?)", taxes)
        con.executemany("INSERT INTO payments (sale_id, return_id, kind, amount, tendered, "
                        "change, reference) VALUES (?,?,?,?,?,?,?)", pays)
        con.execute("COMMIT")
    con.execute("UPDATE counters SET value = ? WHERE name = 'receipt'", (receipt,))
    con.execute("ANALYZE")
    con.close()
    with open_register(data) as app:
        app.shifts.close(1, {10000: 1})
    print(f"build_s={time.time() - t0:.1f}", flush=True)
    (root / "complete").write_text("ok")
    return data


def timed(fn, runs: int) -> float:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return median(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sales", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    data = build(args.sales)
    with open_register(data) as app:
        year = Period.parse((datetime.now().date() - timedelta(days=364)).isoformat(), None)
        r = app.reports
        print(f"sales={args.sales}")
        figure("z_report_s", timed(lambda: r.z(), args.runs))
        figure("sales_by_department_365d_s", timed(lambda: r.sales_by("department", year),
                                                   args.runs))
        figure("sales_by_day_365d_s", timed(lambda: r.sales_by("day", year), args.runs))
        figure("sales_by_hour_365d_s", timed(lambda: r.sales_by("hour", year), args.runs))
        figure("tax_365d_s", timed(lambda: r.tax(year), args.runs))
        figure("movers_365d_s", timed(lambda: r.movers(year), args.runs))
        figure("shrinkage_365d_s", timed(lambda: r.shrinkage(year), args.runs))
        figure("stock_valuation_s", timed(lambda: r.stock(), args.runs))
        paper = PrintService(app.ctx, width=42)
        ref = report_printing.print_job_reference("departments", year)
        figure("print_departments_365d_s", timed(lambda: paper.table_document(ref), args.runs))


if __name__ == "__main__":
    main()
