"""Catalog import at the register while the till sells: 50,000 rows, then the same file again,
then the file with one price changed; a 5-line cash sale is committed every ~50 ms in another
thread all along (through CheckoutService, the way the window's database thread does).

    python bench/import_catalog.py [--rows N] [--every-ms 50]

Prints ``import_50k_s``, ``reimport_unchanged_50k_s``, ``reimport_one_changed_50k_s`` (the
``50k`` is the default size; the figure names stay the same for other sizes), then how long a
sale's commit took while an import ran: ``sale_commit_wait_max_ms`` (goal ≤ 100) and
``sale_commit_wait_p99_ms``, and the same-run baseline: the same sales every ~50 ms with no
import for ``--baseline-s`` seconds (``sale_commit_noimport_p99_ms``, ``..._max_ms``; on a
shared machine the disk's fsync stalls show there too), and the count of sales committed during
the imports (every one must succeed). ``*_cpu_s``: the CPU seconds each import took, its
reader process and the sales included (wall times grow with a shared machine's load).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import figure, percentile
from pos_protocol.gtin import with_check_digit
from pos_terminal import config
from pos_terminal.bootstrap import App, init_register
from pos_terminal.domain.cart import Cart, Item
from pos_terminal.domain.tenders import Tender, TenderKind
from pos_terminal.services import demo
from pos_terminal.services.catalog import resolve

HEADER = "sku,name,variant,group,department,vendor,tax_class,unit,price,cost,barcodes\n"
DEPARTMENTS = ("Beverages", "Snacks", "Dairy", "Household", "Tobacco", "Bakery", "Frozen")


def catalog(rows: int, changed: int | None = None) -> str:
    """A catalog of ``rows`` products; ``changed``: that row's price is one cent higher."""
    out = [HEADER]
    for i in range(rows):
        price = 99 + (i * 37) % 2000 + (1 if i == changed else 0)
        dept = DEPARTMENTS[i % len(DEPARTMENTS)]
        code = with_check_digit(f"29{i:010d}")
        pack = with_check_digit(f"28{i:010d}")
        out.append(f"B{i:07d},Bench item {i},{i % 3 + 1} pcs,Group {i % 97},{dept},"
                   f"Vendor {i % 41},STD,each,{price // 100}.{price % 100:02d},"
                   f"{price // 200}.{(price // 2) % 100:02d},{code}|{pack}*6\n")
    return "".join(out)


class Seller(threading.Thread):
    """Commits a sale every ``every`` seconds; records each commit's wall time (ms)."""

    def __init__(self, app: App, items: list[Item], every: float) -> None:
        super().__init__(name="seller", daemon=True)
        self.app, self.items, self.every = app, items, every
        self.user = app.users.system_user().id
        self.times: list[float] = []
        self.errors: list[BaseException] = []
        self.stop = threading.Event()

    def sale(self) -> float:
        cart = Cart()
        for i in self.items:
            cart.add(i)
        t0 = time.perf_counter()
        self.app.checkout.complete_sale(cart, [Tender(TenderKind.CASH)], self.user)
        return (time.perf_counter() - t0) * 1000

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.times.append(self.sale())
            except BaseException as exc:  # every failed sale is reported
                self.errors.append(exc)
            self.stop.wait(self.every)


def cpu_s() -> float:
    """CPU seconds of this process and its finished children (the import's reader)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed_import(app: App, f: Path, items: list[Item], every: float
                 ) -> tuple[float, float, Seller]:
    seller = Seller(app, items, every)
    seller.start()
    time.sleep(every)  # the till is selling before the import starts
    c0, t0 = cpu_s(), time.perf_counter()
    result = app.catalog.import_csv(f)
    took, cpu = time.perf_counter() - t0, cpu_s() - c0
    seller.stop.set()
    seller.join()
    times = seller.times or [0.0]
    print(f"# {f.name}: {result.summary()} in {took:.2f} s ({cpu:.2f} CPU s with the sales); "
          f"{len(seller.times)} sales meanwhile, commit p50 {percentile(times, 50):.1f} ms, "
          f"max {max(times):.1f} ms", flush=True)
    return took, cpu, seller


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=50_000)
    ap.add_argument("--every-ms", type=float, default=50)
    ap.add_argument("--baseline-s", type=float, default=15)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-import-"))
    try:
        app = init_register(root / "r", config.new_settings("B1", "R1", "EUR"))
        demo.seed(app)
        with app.ctx.read() as conn:
            codes = [p["barcodes"][0]["code"] for p in app.catalog.products(limit=5)]
            items = [resolve(conn, c) for c in codes]
        full, one = root / "catalog.csv", root / "catalog-one-changed.csv"
        full.write_text(catalog(args.rows), encoding="utf-8")
        one.write_text(catalog(args.rows, changed=args.rows // 2), encoding="utf-8")
        every = args.every_ms / 1000
        idle = Seller(app, items, 0)
        idle_times = [idle.sale() for _ in range(40)][10:]
        baseline = Seller(app, items, every)  # the same selling, no import
        baseline.start()
        time.sleep(args.baseline_s)
        baseline.stop.set()
        baseline.join()
        waits: list[float] = []
        errors: list[BaseException] = []
        names = ("import_50k_s", "reimport_unchanged_50k_s", "reimport_one_changed_50k_s")
        took, cpu = {}, {}
        for name, f in zip(names, (full, full, one), strict=True):
            took[name], cpu[name], seller = timed_import(app, f, items, every)
            waits += seller.times
            errors += seller.errors
        app.close()
        print(f"rows={args.rows}")
        for name in names:
            figure(name, took[name], 2)
        for name in names:  # what the machine's load does not change much
            figure(name.replace("_s", "_cpu_s"), cpu[name], 2)
        figure("sale_commit_idle_p50_ms", percentile(idle_times, 50), 1)
        figure("sale_commit_noimport_p99_ms", percentile(baseline.times, 99), 1)
        figure("sale_commit_noimport_max_ms", max(baseline.times), 1)
        figure("sale_commit_wait_p99_ms", percentile(waits, 99), 1)
        figure("sale_commit_wait_max_ms", max(waits), 1)
        print(f"sales_during_imports={len(waits)}")
        print(f"sales_failed={len(errors)}")
        for exc in errors[:3]:
            print(f"# failed sale: {exc}")
        if errors:
            raise SystemExit(1)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
