"""Promotions: re-price the whole cart after each scan, with 10,000 active promotions.

A synthetic convenience/liquor catalog of 10,000 products in 20 departments and a realistic mix
of promotions: mostly single-product multi-buys (3 for 2, 2 for a price, 6 for a price), some
mix-and-match groups within a department, a few meal-deal bundles and department deals, about a
tenth of them outside their time window at the moment priced. Each cart is built one scan at a
time (mostly single units, some multiples and weighed lines); after every scan the whole cart is
priced again, as the register does.

    python bench/promotions.py [--promotions N] [--lines K] [--carts C]

Prints ``reprice_p50_ms`` and ``reprice_p99_ms`` through ``PromotionIndex`` (goal p99 ≤ 5 ms
for 100 lines), ``no_index_reprice_p50_ms`` for the same carts looking at every promotion, and
``ratio`` (no index over index, median over median). The index remembers the solution of each
independent part of the cart, so a re-price after a scan solves only the part the new line
touched; ``uncached_reprice_p50_ms``/``uncached_reprice_p99_ms`` price every part afresh.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, datetime
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _common import figure, median, percentile
from pos_terminal.domain.promotions import (
    Bundle,
    DepartmentDeal,
    EngineLine,
    Match,
    MultiBuy,
    Promotion,
    PromotionIndex,
    Window,
    price_cart,
)

PRODUCTS = 10_000
DEPARTMENTS = [f"D{i:02d}" for i in range(20)]
AT = datetime(2024, 5, 3, 18, 30)  # a Friday, happy hour
INACTIVE = [
    Window(end_date=date(2024, 4, 30)),  # expired
    Window(start_date=date(2024, 6, 1)),  # not started
    Window(weekdays=frozenset({0, 1})),  # Monday and Tuesday only
    Window(start_time=clock(7), end_time=clock(9)),  # breakfast
]
ACTIVE = [Window(), Window(start_time=clock(17), end_time=clock(19)),
          Window(start_date=date(2024, 5, 1), end_date=date(2024, 5, 31))]


def catalog(rnd: random.Random) -> list[tuple[int, str, int, bool]]:
    """(product id, department, price, weighed)."""
    return [
        (pid, DEPARTMENTS[pid % 20], rnd.randint(50, 3000), rnd.random() < 0.03)
        for pid in range(1, PRODUCTS + 1)
    ]


def promotions(rnd: random.Random, n: int, cat: list[tuple[int, str, int, bool]]
               ) -> list[Promotion]:
    out: list[Promotion] = []
    by_dept = {d: [pid for pid in range(1, PRODUCTS + 1) if DEPARTMENTS[pid % 20] == d]
               for d in DEPARTMENTS}
    snacks = {d: [pid for pid, dept, price, weighed in cat
                  if dept == d and price <= 400 and not weighed] for d in DEPARTMENTS}
    n_dept, n_bundle, n_mix = max(1, n // 200), max(1, n // 500), n // 20
    for i in range(n):
        pid = f"P{i:05d}"
        window = rnd.choice(INACTIVE) if rnd.random() < 0.1 else rnd.choice(ACTIVE)
        if i < n_dept:
            d = DEPARTMENTS[i % 20]
            if rnd.random() < 0.5:
                out.append(DepartmentDeal(pid, f"10 % off {d}", d, percent_ppm=100_000,
                                          window=window))
            else:
                out.append(DepartmentDeal(pid, f"€0.20 off {d}", d, amount_off=20, window=window))
        elif i < n_dept + n_bundle:
            # a meal deal: one of 25 items (≤ 4.00 each) per slot, for 2.50 to 3.50 a slot
            k = rnd.randint(2, 3)
            slots = tuple(Match.of(*rnd.sample(snacks[rnd.choice(DEPARTMENTS)], 25))
                          for _ in range(k))
            out.append(Bundle(pid, "Meal deal", slots, rnd.randint(250, 350) * k, window=window))
        elif i < n_dept + n_bundle + n_mix:
            items = Match.of(*rnd.sample(by_dept[rnd.choice(DEPARTMENTS)], rnd.randint(3, 8)))
            k = rnd.choice([2, 3, 4])
            if rnd.random() < 0.5:
                out.append(MultiBuy(pid, f"Any {k} for {k - 1}", items, k, pay_for=k - 1,
                                    window=window))
            else:
                out.append(MultiBuy(pid, f"Any {k} deal", items, k,
                                    price=rnd.randint(100, 400) * k, window=window))
        else:
            item = Match.of(rnd.randint(1, PRODUCTS))
            kind = rnd.random()
            if kind < 0.4:
                out.append(MultiBuy(pid, "3 for 2", item, 3, pay_for=2, window=window))
            elif kind < 0.8:
                out.append(MultiBuy(pid, "2 for a price", item, 2, price=rnd.randint(100, 4000),
                                    window=window))
            else:
                out.append(MultiBuy(pid, "6 for a price", item, 6,
                                    price=rnd.randint(300, 12000), window=window))
    return out


def scans(rnd: random.Random, cat: list[tuple[int, str, int, bool]], lines: int
          ) -> list[EngineLine]:
    out: list[EngineLine] = []
    for no in range(1, lines + 1):
        pid, dept, price, weighed = cat[rnd.randrange(len(cat))]
        if weighed:
            out.append(EngineLine(no, pid, f"{pid:06d}", dept, rnd.randint(100, 1500), price,
                                  "g", 1000))
        else:
            qty = 1 if rnd.random() < 0.7 else rnd.choice([2, 3, 4, 6, 12])
            out.append(EngineLine(no, pid, f"{pid:06d}", dept, qty, price))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--promotions", type=int, default=10_000)
    ap.add_argument("--lines", type=int, default=100)
    ap.add_argument("--carts", type=int, default=30)
    ap.add_argument("--baseline-carts", type=int, default=5)
    args = ap.parse_args()
    rnd = random.Random(20240503)
    cat = catalog(rnd)
    promos = promotions(rnd, args.promotions, cat)
    t0 = time.perf_counter()
    index = PromotionIndex.build(promos)
    build_ms = (time.perf_counter() - t0) * 1000
    carts = [scans(rnd, cat, args.lines) for _ in range(args.carts)]

    indexed: list[float] = []
    inexact = 0
    for cart in carts:
        for k in range(1, len(cart) + 1):
            t = time.perf_counter()
            p = index.price(cart[:k], AT)
            indexed.append((time.perf_counter() - t) * 1000)
            inexact += not p.exact
    cold: list[float] = []  # every part solved afresh (no remembered solutions)
    for cart in carts:
        for k in range(1, len(cart) + 1):
            index.clear_cache()
            t = time.perf_counter()
            index.price(cart[:k], AT)
            cold.append((time.perf_counter() - t) * 1000)
    scanned: list[float] = []
    for cart in carts[: args.baseline_carts]:
        for k in range(1, len(cart) + 1):
            t = time.perf_counter()
            q = price_cart(cart[:k], promos, AT)
            scanned.append((time.perf_counter() - t) * 1000)
        assert q == index.price(cart, AT)

    figure("promotions", len(promos), 0)
    figure("cart_lines", args.lines, 0)
    figure("index_build_ms", build_ms)
    figure("reprice_p50_ms", percentile(indexed, 50))
    figure("reprice_p99_ms", percentile(indexed, 99))
    figure("reprice_max_ms", max(indexed))
    figure("uncached_reprice_p50_ms", percentile(cold, 50))
    figure("uncached_reprice_p99_ms", percentile(cold, 99))
    if scanned:
        figure("no_index_reprice_p50_ms", percentile(scanned, 50))
        figure("ratio", median(scanned) / median(cold), 1)  # the index alone: both uncached
    figure("inexact_pricings", inexact, 0)


if __name__ == "__main__":
    main()
