"""Barcode look-up and on-hand read on a register of 1,000,000 products and 10,000,000 ledger rows.

What it measures (random keys drawn across the whole catalog with a seeded RNG, a warm-up first,
then ``--samples`` timed calls of each, interleaved so all see the same machine state):

- ``lookup``: ``pos_terminal.db.catalog.item_by_key(conn, key)`` (the scan path's indexed read
  joined with the product and its tax rate) on a connection of the app's engine, inside one read
  transaction, i.e. the query and its Core overhead.
- ``on_hand``: ``pos_terminal.db.ledger.on_hand(conn, product_id)`` on the same connection.
- ``sale_scan``: what a scan at the till costs end to end: ``app.ctx.read()`` (pool checkout,
  BEGIN, COMMIT) around ``pos_terminal.services.catalog.resolve(conn, code)`` (biip parsing of the
  printed code, then the look-up).
- ``bare_lookup`` / ``bare_on_hand``: plain sqlite3 running the very same SQL text (compiled
  from the Core statements) under the same pragmas in one read transaction: the baseline, so the
  overhead of the code path is visible (``lookup_ratio`` is median over median).

The database is a real register built with the project's own code: ``init_register``, then
``services.demo.seed(app, products=N)`` (demo catalog, users, N products with barcodes and their
opening-stock ledger rows through ``db.ledger.append``), then the ledger is topped up to M rows
with bare sqlite3 ``executemany`` in 500k-row transactions: sales, returns, deliveries and
adjustments across the whole catalog, hash-chained with ``domain.ledger.movement_hash`` exactly
as ``db.ledger.append`` does (so ``pos-terminal verify`` passes), stock levels kept by the
ledger's AFTER INSERT trigger. Only ledger rows are added (no sales/outbox rows behind them).
The top-up connection uses a large page cache and no rollback journal or fsync (build-time
settings, not stored in the file; WAL is switched back on at the end): 184 s instead of 303 s
for the 9 M rows of the full size.

The built register is cached in ``${POS_BENCH_CACHE:-/tmp/pos-bench}/lookup-<N>-<M>/`` (a
``complete.json`` marker is written last) and reused by later runs; ``--rebuild`` forces a build.

    python bench/lookup.py                                          # 1 M products, 10 M rows
    python bench/lookup.py --products 20000 --ledger-rows 200000    # quick check
    python bench/lookup.py --rebuild --verify                       # fresh build, prove the chain

Prints ``name=value`` lines: products, ledger_rows, build_s (when built this run), db_mb, and
p50/p99 in ms of each measure. Goal: lookup_p99_ms and on_hand_p99_ms ≤ 1.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import queue
import random
import shutil
import sqlite3
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, func, select

sys.path.insert(0, str(Path(__file__).parent))
from _common import figure, median, percentile
from pos_terminal import config
from pos_terminal.bootstrap import App, init_register, open_register
from pos_terminal.clock import utc_now
from pos_terminal.db import ledger
from pos_terminal.db import tables as t
from pos_terminal.db.catalog import _ITEM_BY_KEY, item_by_key
from pos_terminal.db.engine import BUSY_TIMEOUT_MS
from pos_terminal.db.fast import insert_sql
from pos_terminal.domain.ledger import GENESIS, AdjustReason, Movement, MovementKind, movement_hash
from pos_terminal.services import demo
from pos_terminal.services.catalog import resolve

MARKER = "complete.json"
TOPUP_BATCH = 500_000
BUILD_CACHE_KIB = 2_000_000  # page cache of the build connection only (random UUID index)
PRAGMAS = ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON",
           f"busy_timeout={BUSY_TIMEOUT_MS}")
MOVEMENT_COLUMNS = (
    "seq", "id", "product_id", "quantity", "kind", "reason", "reference", "unit_cost",
    "occurred_at", "user_id", "terminal", "prev_hash", "hash",
)
INSERT_MOVEMENT = insert_sql(t.stock_movements, MOVEMENT_COLUMNS)
HEAD_SQL = (
    "SELECT (SELECT max(seq) FROM stock_movements), "
    "(SELECT hash FROM stock_movements WHERE terminal = ? ORDER BY seq DESC LIMIT 1)"
)
ON_HAND_SQL = select(t.stock_levels.c.on_hand).where(
    t.stock_levels.c.product_id == bindparam("product_id")
)

Row = tuple[Any, ...]


# --- building the register -------------------------------------------------------------------

def short(n: int) -> str:
    if n and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def connect(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection with the app's pragmas, transactions handled explicitly."""
    con = sqlite3.connect(path, isolation_level=None)
    for pragma in PRAGMAS:
        con.execute(f"PRAGMA {pragma}")
    return con


def seed_catalog(app: App, products: int) -> str:
    """Seed through ``demo.seed`` (the demo catalog, users and N synthetic products)."""
    demo.seed(app, products=products)
    return "demo.seed"


class _Clock:
    """ISO-8601 UTC timestamps with milliseconds, one millisecond apart, formatted cheaply."""

    def __init__(self, start_ms: int) -> None:
        self.ms = start_ms
        self._sec = -1
        self._prefix = ""

    def tick(self) -> str:
        self.ms += 1
        sec, ms = divmod(self.ms, 1000)
        if sec != self._sec:
            self._sec = sec
            self._prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec))
        return f"{self._prefix}.{ms:03d}Z"


def history(
    rng: random.Random, n: int, seq: int, prev: str, terminal: str, max_pid: int,
    users: list[int], batch: int,
) -> Iterator[list[Row]]:
    """``n`` plausible movements after ``seq``, hash-chained from ``prev``, in batches."""
    clock = _Clock(int(time.time() * 1000))
    reasons = [str(r) for r in AdjustReason]
    rows: list[Row] = []
    made = 0

    def uid() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    while made < n:
        roll = rng.random()
        user = rng.choice(users)
        reason = ""
        if roll < 0.88:  # a sale of 1-4 lines
            kind, lines, reference = MovementKind.SALE, rng.randint(1, 4), uid()
        elif roll < 0.91:
            kind, lines, reference = MovementKind.RETURN, 1, uid()
        elif roll < 0.97:  # a delivery
            kind, lines, reference = MovementKind.RECEIVE, rng.randint(5, 20), uid()
        else:
            kind, lines, reference = MovementKind.ADJUST, 1, ""
            reason = rng.choice(reasons)
        at = clock.tick()
        for _ in range(min(lines, n - made)):
            pid = rng.randint(1, max_pid)
            if kind is MovementKind.SALE:
                qty = -1 if rng.random() < 0.85 else -rng.randint(2, 3)
            elif kind is MovementKind.RECEIVE:
                qty = rng.choice((6, 12, 24))
            elif kind is MovementKind.RETURN:
                qty = 1
            else:
                qty = -1
            cost = 60 + pid % 500
            m = Movement(uid(), pid, qty, kind, reason, reference, cost, at, user, terminal)
            seq += 1
            h = movement_hash(prev, seq, m)
            rows.append((seq, m.id, pid, qty, kind.value, reason, reference, cost, at, user,
                         terminal, prev, h))
            prev = h
            made += 1
            if len(rows) == batch:
                yield rows
                rows = []
    if rows:
        yield rows


def top_up(db: Path, terminal: str, target: int, seed: int) -> int:
    """Append movements with bare sqlite3 until the ledger holds ``target`` rows."""
    con = connect(db)
    # Build-time settings of this connection only: a big page cache for the random UUID index,
    # and no rollback journal or fsync while the rows go in (about twice as fast as WAL, which
    # writes every page twice). The rows, indexes and trigger work are the same; a crash
    # mid-build can spoil the file, but then no marker is written and the next run rebuilds.
    # WAL is switched back on at the end, as the app's engine expects.
    con.execute(f"PRAGMA cache_size=-{BUILD_CACHE_KIB}")
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    try:
        have = con.execute("SELECT count(*) FROM stock_movements").fetchone()[0]
        need = target - have
        if need < 0:
            raise SystemExit(f"lookup: the seed wrote {have} ledger rows, more than "
                             f"--ledger-rows {target}")
        if need == 0:
            return 0
        last_seq, prev = con.execute(HEAD_SQL, (terminal,)).fetchone()
        max_pid = con.execute("SELECT max(id) FROM products").fetchone()[0]
        users = [r[0] for r in con.execute("SELECT id FROM users ORDER BY id")]
        # Rows are made (and hashed) in a second thread while this one inserts: sqlite3 releases
        # the GIL while it steps, so both cores work.
        batches: queue.Queue[list[Row] | BaseException | None] = queue.Queue(maxsize=2)

        def produce() -> None:
            try:
                rng = random.Random(seed)
                for b in history(rng, need, last_seq or 0, prev or GENESIS, terminal, max_pid,
                                 users, TOPUP_BATCH):
                    batches.put(b)
                batches.put(None)
            except BaseException as exc:  # handed to the writer, which re-raises it
                batches.put(exc)

        producer = threading.Thread(target=produce, daemon=True)
        producer.start()
        written = 0
        while (b := batches.get()) is not None:
            if isinstance(b, BaseException):
                raise b
            con.execute("BEGIN IMMEDIATE")
            con.executemany(INSERT_MOVEMENT, b)
            con.execute("COMMIT")
            written += len(b)
            print(f"  ledger: {have + written:,} rows", file=sys.stderr, flush=True)
        producer.join()
        return written
    finally:
        if not con.in_transaction:  # after a failure the build is abandoned anyway
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()


def build(root: Path, products: int, ledger_rows: int, seed: int) -> tuple[App, dict[str, Any]]:
    if root.exists():
        shutil.rmtree(root)
    t0 = time.perf_counter()
    app = init_register(root, config.new_settings("B1", "R1", "EUR"))
    t1 = time.perf_counter()
    path = seed_catalog(app, products)
    t2 = time.perf_counter()
    print(f"  seeded {products:,} products in {t2 - t1:.1f} s ({path})", file=sys.stderr,
          flush=True)
    with app.ctx.read() as conn:
        seeded_rows = conn.execute(select(func.count()).select_from(t.stock_movements)).scalar()
    app.close()  # idle pooled connections would only hold file handles during the top-up
    top_up(app.paths.database, app.settings.terminal, ledger_rows, seed)
    t3 = time.perf_counter()
    info = {
        "products": products, "ledger_rows": ledger_rows, "seed_path": path,
        "seeded_ledger_rows": seeded_rows, "init_s": round(t1 - t0, 3),
        "seed_s": round(t2 - t1, 3), "topup_s": round(t3 - t2, 3),
        "build_s": round(t3 - t0, 3), "built_at": utc_now(),
    }
    tmp = root / (MARKER + ".tmp")
    tmp.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, root / MARKER)
    return open_register(root), info


def cached(root: Path, products: int, ledger_rows: int) -> dict[str, Any] | None:
    try:
        info = json.loads((root / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (info.get("products"), info.get("ledger_rows")) != (products, ledger_rows):
        return None
    if not (root / config.DB_NAME).exists():
        return None
    return info


# --- measuring -------------------------------------------------------------------------------

def sample_barcodes(con: sqlite3.Connection, rng: random.Random, n: int) -> list[tuple[str, str]]:
    """``n`` (key, printed code) pairs of barcodes drawn uniformly across the catalog."""
    top = con.execute("SELECT max(id) FROM barcodes").fetchone()[0]
    out: list[tuple[str, str]] = []
    while len(out) < n:
        ids = [rng.randint(1, top) for _ in range(n - len(out))]
        got = dict((i, (k, c)) for i, k, c in con.execute(
            "SELECT id, key, code FROM barcodes WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(ids),),
        ))
        out.extend(got[i] for i in ids if i in got)
    return out


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter_ns()
    if fn() is None:
        raise AssertionError("a look-up found nothing")
    return (time.perf_counter_ns() - t0) / 1e6


def measure(app: App, samples: int, warmup: int, seed: int) -> dict[str, list[float]]:
    total = samples + warmup
    rng = random.Random(seed)
    bare = connect(app.paths.database)
    max_pid = bare.execute("SELECT max(id) FROM products").fetchone()[0]
    lookup_keys = [k for k, _ in sample_barcodes(bare, rng, total)]
    bare_keys = [k for k, _ in sample_barcodes(bare, rng, total)]
    scan_codes = [c for _, c in sample_barcodes(bare, rng, total)]
    on_hand_ids = [rng.randint(1, max_pid) for _ in range(total)]
    bare_ids = [rng.randint(1, max_pid) for _ in range(total)]
    dialect = app.engine.dialect
    item_sql = str(_ITEM_BY_KEY.compile(dialect=dialect))
    on_hand_sql = str(ON_HAND_SQL.compile(dialect=dialect))
    names = ("lookup", "on_hand", "sale_scan", "bare_lookup", "bare_on_hand")
    out: dict[str, list[float]] = {n: [] for n in names}
    gc.collect()
    try:
        bare.execute("BEGIN")
        with app.ctx.read() as conn:
            for k in range(total):
                key, pid, code = lookup_keys[k], on_hand_ids[k], scan_codes[k]
                bkey, bpid = bare_keys[k], bare_ids[k]

                def scan(code: str = code) -> object:
                    with app.ctx.read() as c:
                        return resolve(c, code)

                figures = (
                    timed(lambda key=key: item_by_key(conn, key)),
                    timed(lambda pid=pid: ledger.on_hand(conn, pid)),
                    timed(scan),
                    timed(lambda bkey=bkey: bare.execute(item_sql, (bkey,)).fetchone()),
                    timed(lambda bpid=bpid: bare.execute(on_hand_sql, (bpid,)).fetchone()),
                )
                if k >= warmup:
                    for name, ms in zip(names, figures, strict=True):
                        out[name].append(ms)
        bare.execute("COMMIT")
    finally:
        bare.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--products", type=int, default=1_000_000, help="catalog size (total)")
    ap.add_argument("--ledger-rows", type=int, default=10_000_000, help="ledger size (total)")
    ap.add_argument("--samples", type=int, default=20_000, help="timed calls of each measure")
    ap.add_argument("--warmup", type=int, default=2_000, help="untimed calls first")
    ap.add_argument("--seed", type=int, default=1, help="RNG seed (build and samples)")
    ap.add_argument("--rebuild", action="store_true", help="build even if a cached copy exists")
    ap.add_argument("--verify", action="store_true",
                    help="run db.ledger.verify (hash chain, levels = ledger) before measuring")
    args = ap.parse_args()
    if args.products < 1_000:
        ap.error("--products must be at least 1000 (the demo catalog alone has ~200)")
    if args.ledger_rows < args.products:
        ap.error("--ledger-rows must be at least --products (the seed writes one per product)")
    if args.samples < 100 or args.warmup < 0:
        ap.error("--samples must be at least 100 and --warmup not negative")

    cache = Path(os.environ.get("POS_BENCH_CACHE") or "/tmp/pos-bench")
    root = cache / f"lookup-{short(args.products)}-{short(args.ledger_rows)}"
    info = None if args.rebuild else cached(root, args.products, args.ledger_rows)
    built = info is None
    if info is None:
        print(f"building {root} ...", file=sys.stderr, flush=True)
        app, info = build(root, args.products, args.ledger_rows, args.seed)
    else:
        print(f"reusing {root} (built {info['built_at']})", file=sys.stderr, flush=True)
        app = open_register(root)
    try:
        with app.ctx.read() as conn:
            products = conn.execute(select(func.count()).select_from(t.products)).scalar_one()
            rows = conn.execute(select(func.count()).select_from(t.stock_movements)).scalar_one()
        verify_s = None
        if args.verify:
            t0 = time.perf_counter()
            with app.ctx.read() as conn:
                report = ledger.verify(conn)
            verify_s = time.perf_counter() - t0
            if not report.ok:
                raise SystemExit(f"lookup: verify failed: {report.problem}")
        got = measure(app, args.samples, args.warmup, args.seed)
    finally:
        app.close()
    db = app.paths.database
    size = sum(p.stat().st_size for p in (db, db.with_name(db.name + "-wal")) if p.exists())

    print(f"products={products}")
    print(f"ledger_rows={rows}")
    if built:
        figure("build_s", info["build_s"], 1)
        figure("seed_s", info["seed_s"], 1)
        figure("topup_s", info["topup_s"], 1)
    if verify_s is not None:
        figure("verify_s", verify_s, 1)
    figure("db_mb", size / 1e6, 0)
    print(f"samples={args.samples}")
    for name in ("lookup", "on_hand", "sale_scan", "bare_lookup", "bare_on_hand"):
        figure(f"{name}_p50_ms", percentile(got[name], 50))
        figure(f"{name}_p99_ms", percentile(got[name], 99))
    figure("lookup_ratio", median(got["lookup"]) / median(got["bare_lookup"]), 2)


if __name__ == "__main__":
    main()
