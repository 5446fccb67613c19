"""Drain 100,000 queued outbox events to a real central on PostgreSQL over loopback, with the
real sync worker, while a Qt GUI thread ticks; how fast, and does the GUI stall?

Setup (not timed): a fresh PostgreSQL database (``pos_central.testing.pg_database`` on
``$POS_TEST_PG_URL`` or ``--pg``), ``pos-central serve`` in its own process (as on a real
central: its work does not share this process's GIL), a store, an enrollment code; a register
made with ``pos-terminal init`` + a catalog import + ``provision``; then ``--events`` outbox
events written straight into the register's outbox in one transaction: ``sale.completed``
events like checkout writes (2 lines, 2 movements with hashes, ~900 bytes of JSON each).

Measured: a ``QApplication`` (offscreen) runs a ``QTimer`` every 5 ms on the main thread while
``SyncWorker`` (a plain thread, as in the GUI) drains the outbox; ``gui_stall_max_ms`` is the
longest gap between two ticks beyond the 5 ms period. A second helper thread runs a tiny
``BEGIN IMMEDIATE`` write every 20 ms (a sale's lock) and reports the longest wait for the
register's SQLite write lock (``db_write_max_ms``). ``events_per_s`` = events / seconds from
the worker's start until the outbox is empty (every event marked sent after the central's
answer). Afterwards the central's event count is checked.

    POS_TEST_PG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        python bench/sync_drain.py [--events 100000] [--batch 1000]

Goals: events_per_s ≥ 10000, gui_stall_max_ms ≤ 50.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from _common import figure, percentile

CATALOG = """sku,name,variant,department,tax_class,unit,price,price_per,cost,barcodes
100001,Still Water,0.5 l,Beverages,RED,each,0.59,1,0.34,4037674097186
100002,Cola,0.33 l,Beverages,STD,each,1.19,1,0.60,5449000000996
100003,Crisps,Salted,Snacks,STD,each,1.49,1,0.70,4001686301265
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pg", help="PostgreSQL server URL (default: $POS_TEST_PG_URL)")
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=1000, help="events per push (≤ 1000)")
    args = ap.parse_args()
    pg = args.pg or os.environ.get("POS_TEST_PG_URL")
    if not pg:
        print("sync_drain needs PostgreSQL: set POS_TEST_PG_URL or pass --pg URL",
              file=sys.stderr)
        return 2
    from pos_central.testing import pg_database

    with pg_database(pg) as db_url, tempfile.TemporaryDirectory(prefix="sync-drain-") as tmp:
        return run(db_url, Path(tmp), args.events, args.batch)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _central_cli(db_url: str, *args: str) -> str:
    exe = Path(sys.executable).with_name("pos-central")
    out = subprocess.run([str(exe), "--db", db_url, *args], capture_output=True, text=True,
                         check=True)
    return out.stdout


def run(db_url: str, tmp: Path, events: int, batch: int) -> int:
    from pos_terminal import cli

    port = _free_port()
    exe = Path(sys.executable).with_name("pos-central")
    server = subprocess.Popen([str(exe), "serve", "--db", db_url, "--host", "127.0.0.1",
                               "--port", str(port), "--log-level", "warning"])
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("pos-central serve did not start") from None
                time.sleep(0.1)
        _central_cli(db_url, "create-store", "B1", "--name", "Bench Store")
        (tmp / "catalog.csv").write_text(CATALOG)
        _central_cli(db_url, "import-catalog", str(tmp / "catalog.csv"))
        code = _central_cli(db_url, "enroll-code", "B1", "R1").strip().splitlines()[-1].strip()
        reg = tmp / "register"
        for argv in (["init", "--store", "B1", "--register", "R1"],
                     ["import-catalog", str(tmp / "catalog.csv")],
                     ["provision", "--central", f"http://127.0.0.1:{port}", "--code", code]):
            if cli.main(["--data-dir", str(reg), *argv]) != 0:
                raise SystemExit(f"pos-terminal {argv[0]} failed")
        queue_events(reg, events)
        return drain(reg, db_url, events, batch)
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


def queue_events(reg: Path, n: int) -> None:
    """``n`` sale.completed events in the outbox, shaped as checkout writes them."""
    import sqlite3

    from pos_terminal.clock import new_id, utc_now

    con = sqlite3.connect(reg / "register.db", isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    rows = []
    for i in range(n):
        now = utc_now()
        sale = str(uuid.uuid4())
        moves = [{"id": new_id(), "seq": 2 * i + k + 1, "sku": sku, "quantity": -q,
                  "kind": "sale", "reason": "", "reference": sale, "unit_cost": cost,
                  "occurred_at": now, "hash": os.urandom(32).hex()}
                 for k, (sku, q, cost) in enumerate((("100001", 2, 34), ("100002", 1, 60)))]
        payload = {"sale_id": sale, "receipt_no": f"B1-R1-{i + 1:06d}", "currency": "EUR",
                   "total": 237, "tax": 27, "discount": 0,
                   "lines": [{"line_no": 1, "sku": "100001", "qty": 2, "amount": 118, "tax": 8,
                              "total": 118},
                             {"line_no": 2, "sku": "100002", "qty": 1, "amount": 119,
                              "tax": 19, "total": 119}],
                   "payments": [{"kind": "cash", "amount": 237}], "movements": moves}
        rows.append((new_id(), "sale.completed", now,
                     json.dumps(payload, separators=(",", ":"), ensure_ascii=False)))
    con.executemany("INSERT INTO outbox (event_id, type, occurred_at, payload) "
                    "VALUES (?, ?, ?, ?)", rows)
    con.execute("COMMIT")
    con.close()


def drain(reg: Path, db_url: str, events: int, batch: int) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from pos_terminal.bootstrap import open_register
    from pos_terminal.db.uow import transaction
    from pos_terminal.services.sync import SyncService, build_worker

    qapp = QApplication.instance() or QApplication([])
    app = open_register(reg)
    svc = SyncService(app.ctx)
    pending_start = svc.pending_count()
    done = threading.Event()

    def on_status(status: object) -> None:
        if getattr(status, "pending", 1) == 0:
            done.set()

    worker = build_worker(app.ctx, app.paths, on_status=on_status, batch_events=batch,
                          pull_every=3600.0, poll=0.05, status_every=0.25)
    if worker is None:
        raise SystemExit("the register is not provisioned")

    gaps: list[float] = []
    last = [time.perf_counter()]
    period_ms = 5

    def tick() -> None:
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1000 - period_ms)
        last[0] = now
        if done.is_set():
            qapp.quit()

    writes: list[float] = []
    stop_writes = threading.Event()

    def writer() -> None:  # a sale's write lock, every 20 ms
        while not stop_writes.wait(0.02):
            t0 = time.perf_counter()
            with transaction(app.engine) as conn:
                conn.exec_driver_sql("UPDATE counters SET value = value WHERE name = 'x'")
            writes.append((time.perf_counter() - t0) * 1000)

    timer = QTimer()
    timer.setInterval(period_ms)
    timer.timeout.connect(tick)
    # settle the event loop before the clock starts
    QTimer.singleShot(0, lambda: None)
    qapp.processEvents()
    timer.start()
    wthread = threading.Thread(target=writer, daemon=True)
    started = time.perf_counter()
    last[0] = started
    worker.start()
    wthread.start()
    safety = QTimer()
    safety.setSingleShot(True)
    safety.timeout.connect(qapp.quit)
    safety.start(600_000)
    qapp.exec()
    elapsed = time.perf_counter() - started
    timer.stop()
    stop_writes.set()
    wthread.join(5)
    worker.stop()
    left = svc.pending_count()
    app.close()
    from sqlalchemy import create_engine, text

    eng = create_engine(db_url)
    with eng.connect() as conn:
        held = conn.execute(text("SELECT count(*) FROM events")).scalar_one()
    eng.dispose()
    if left or held != pending_start:
        print(f"drain incomplete: {left} left at the register, {held} of {pending_start} "
              "held at the central", file=sys.stderr)
        return 1
    figure("events", events, 0)
    figure("batch_events", batch, 0)
    figure("drain_s", elapsed, 2)
    figure("events_per_s", events / elapsed, 0)
    figure("gui_ticks", len(gaps), 0)
    figure("gui_stall_max_ms", max(gaps) if gaps else float("nan"), 1)
    figure("gui_stall_p99_ms", percentile(gaps, 99), 2)
    figure("db_write_max_ms", max(writes) if writes else float("nan"), 1)
    figure("db_write_p99_ms", percentile(writes, 99), 2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
