"""Central ingest: the service's ingest path against PostgreSQL, in-process (no HTTP), vs. bare
psycopg writing the same rows.

The service side is exactly what ``POST /events`` runs after reading the body: ``json.loads``
of the batch, then ``pos_central.services.ingest.ingest`` (per-event validation, events and
movements ``INSERT … ON CONFLICT DO NOTHING RETURNING``, on-hand upsert, unknown-SKU check,
register bookkeeping, one transaction). The bare side writes the same event and movement rows
into an identically migrated database with psycopg alone — COPY into a temporary staging table,
then ``INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING``, then the on-hand upsert — with
rows built beforehand, one transaction per batch. Batches are interleaved so both see the same
disk.

Events are ~300-byte sales (one line, a tenth two) of a 2,000-product catalog; about 10 % of each
batch repeats events already sent (redelivery). Figures count every event sent, repeats
included.

    python bench/central_ingest.py [--pg URL] [--events 100000] [--batch 500] [--dup 0.1]

``--pg`` (default ``$POS_TEST_PG_URL``) names the server; a fresh database is created and
dropped for each side. Prints ``events_per_s`` (goal ≥ 25,000), ``bare_copy_events_per_s`` and
``ratio`` (median service batch time over median bare batch time), one per line.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import psycopg
from sqlalchemy import Engine

from _common import figure, median, percentile
from pos_central import jsonio
from pos_central.db.migrate import open_database
from pos_central.services import accounts, ingest
from pos_central.testing import pg_database
from pos_protocol import wire

PRODUCTS = 2000


def catalog_csv() -> str:
    rows = [f"B{i:06d},Product {i},STD,{1 + i % 20}.{i % 100:02d}" for i in range(PRODUCTS)]
    return "sku,name,tax_class,price\n" + "\n".join(rows) + "\n"


def make_events(n: int, rng: random.Random) -> list[dict[str, Any]]:
    out = []
    base = 1_764_000_000
    for i in range(n):
        at = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(base + i)) + ".123Z"
        lines = 1 if rng.random() < 0.9 else 2
        moves = [{"id": str(uuid.uuid4()), "sku": f"B{rng.randrange(PRODUCTS):06d}",
                  "quantity": -rng.randint(1, 3), "kind": "sale", "occurred_at": at,
                  "seq": 2 * i + j + 1} for j in range(lines)]
        out.append({"event_id": str(uuid.uuid4()), "seq": i + 1, "type": "sale.completed",
                    "occurred_at": at, "payload": {"receipt": f"{i + 1:08d}",
                                                   "movements": moves}})
    return out


def batches(events: list[dict[str, Any]], total: int, size: int, dup: float,
            rng: random.Random) -> list[list[dict[str, Any]]]:
    """``total`` events in batches of ``size``, ``dup`` of each a repeat of one sent before."""
    out: list[list[dict[str, Any]]] = []
    fresh = iter(events)
    sent: list[dict[str, Any]] = []
    posted = 0
    while posted < total:
        n = min(size, total - posted)
        repeats = int(n * dup) if sent else 0
        batch = [next(fresh) for _ in range(n - repeats)]
        batch += rng.sample(sent, min(repeats, len(sent)))
        rng.shuffle(batch)
        sent += batch
        out.append(batch)
        posted += len(batch)
    return out


@contextmanager
def database(server: str) -> Iterator[tuple[str, Engine, int]]:
    """A migrated database with store S1, register R1 and the catalog."""
    from pos_central.services import catalog

    with pg_database(server) as url:
        engine = open_database(url)
        try:
            accounts.create_store(engine, "S1", "Bench")
            code = accounts.make_enrollment_code(engine, "S1", "R1").code
            accounts.enroll(engine, code)
            catalog.import_csv(engine, catalog_csv())
            with engine.connect() as conn:
                rid = conn.exec_driver_sql("SELECT id FROM registers").scalar_one()
            yield url, engine, int(rid)
        finally:
            engine.dispose()


# -- the bare baseline ------------------------------------------------------------------------
STAGING = """
CREATE TEMP TABLE stage_events (event_id varchar(36), store varchar(16), register_id int,
  seq bigint, type varchar(40), occurred_at timestamptz, received_at timestamptz,
  payload text) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE stage_movements (movement_id varchar(36), event_id varchar(36),
  store varchar(16), register_id int, sku varchar(64), quantity bigint, kind varchar(20),
  reason varchar(200), reference varchar(200), unit_cost bigint, occurred_at varchar(40),
  seq bigint, hash varchar(64)) ON COMMIT DELETE ROWS;
"""
EVENT_COLS = "event_id, store, register_id, seq, type, occurred_at, received_at, payload"
MOVE_COLS = ("movement_id, event_id, store, register_id, sku, quantity, kind, reason, "
             "reference, unit_cost, occurred_at, seq, hash")


def bare_rows(batch: list[dict[str, Any]], rid: int) -> tuple[list[tuple], dict[str, list]]:
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    events, moves = [], {}
    for e in batch:
        events.append((e["event_id"], "S1", rid, e["seq"], e["type"],
                       datetime.fromisoformat(e["occurred_at"]), now,
                       json.dumps(e["payload"], separators=(",", ":"))))
        moves[e["event_id"]] = [
            (m["id"], e["event_id"], "S1", rid, m["sku"], m["quantity"], m["kind"], "", "",
             None, m["occurred_at"], m.get("seq"), None) for m in e["payload"]["movements"]]
    return events, moves


def bare_batch(conn: psycopg.Connection, events: list[tuple], moves: dict[str, list]) -> None:
    with conn.transaction(), conn.cursor() as cur:
        with cur.copy(f"COPY stage_events ({EVENT_COLS}) FROM STDIN") as cp:
            for row in events:
                cp.write_row(row)
        cur.execute(f"INSERT INTO events ({EVENT_COLS}) SELECT {EVENT_COLS} FROM stage_events "
                    "ON CONFLICT (event_id) DO NOTHING RETURNING event_id")
        new = [r[0] for r in cur.fetchall()]
        with cur.copy(f"COPY stage_movements ({MOVE_COLS}) FROM STDIN") as cp:
            for eid in new:
                for row in moves[eid]:
                    cp.write_row(row)
        cur.execute(f"INSERT INTO movements ({MOVE_COLS}) SELECT {MOVE_COLS} FROM "
                    "stage_movements ON CONFLICT (movement_id) DO NOTHING "
                    "RETURNING sku, quantity")
        deltas: dict[str, int] = defaultdict(int)
        for sku, qty in cur.fetchall():
            deltas[sku] += qty
        cur.executemany(
            "INSERT INTO stock_levels (store, sku, on_hand) VALUES ('S1', %s, %s) "
            "ON CONFLICT (store, sku) DO UPDATE SET on_hand = stock_levels.on_hand + "
            "EXCLUDED.on_hand", sorted(deltas.items()))


def libpq_url(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://", 1)


# -- run --------------------------------------------------------------------------------------
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pg", default=os.environ.get("POS_TEST_PG_URL"),
                    help="PostgreSQL server URL (default $POS_TEST_PG_URL)")
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=wire.MAX_BATCH_EVENTS)
    ap.add_argument("--dup", type=float, default=0.10, help="share of repeats per batch")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    if not args.pg:
        print("central_ingest: needs PostgreSQL: set POS_TEST_PG_URL or pass --pg URL",
              file=sys.stderr)
        return 2
    rng = random.Random(args.seed)
    plan = batches(make_events(args.events, rng), args.events, args.batch, args.dup, rng)
    unique = len({e["event_id"] for b in plan for e in b})
    bodies = [json.dumps({"events": b}, separators=(",", ":")).encode() for b in plan]
    sent = sum(len(b) for b in plan)
    event_bytes = sum(len(json.dumps(e, separators=(",", ":"))) for b in plan for e in b) / sent
    gc.collect()
    gc.freeze()  # the pre-built batches are the bench's, not the service's: keep them out of
    # the cyclic collector's scans (a long-running server freezes its start-up objects too)

    with database(args.pg) as (_, engine, rid), database(args.pg) as (bare_url, _, bare_rid):
        source = ingest.Source("S1", rid)
        bare = psycopg.connect(libpq_url(bare_url), autocommit=True)
        bare.execute(STAGING)
        svc_times: list[float] = []
        bare_times: list[float] = []
        for body, batch in zip(bodies, plan, strict=True):
            t0 = time.perf_counter()
            raw = jsonio.loads(body)  # as POST /events decodes the body
            result = ingest.ingest(engine, source, raw["events"])
            svc_times.append(time.perf_counter() - t0)
            assert not result.rejected, result.rejected[:1]

            rows, moves = bare_rows(batch, bare_rid)  # built outside the timing
            t0 = time.perf_counter()
            bare_batch(bare, rows, moves)
            bare_times.append(time.perf_counter() - t0)
        with engine.connect() as conn:
            held = conn.exec_driver_sql("SELECT count(*) FROM events").scalar_one()
            moved = conn.exec_driver_sql("SELECT -sum(on_hand) FROM stock_levels").scalar_one()
        want = sum(-m["quantity"] for e in {e["event_id"]: e for b in plan for e in b}.values()
                   for m in e["payload"]["movements"])
        bare_held = bare.execute("SELECT count(*) FROM events").fetchone()
        bare.close()
    assert held == unique and moved == want, (held, unique, moved, want)
    assert bare_held is not None and bare_held[0] == unique

    figure("events_sent", sent, 0)
    figure("events_unique", unique, 0)
    figure("event_bytes", event_bytes, 0)
    figure("batch_p50_ms", percentile(svc_times, 50) * 1000)
    figure("batch_p99_ms", percentile(svc_times, 99) * 1000)
    figure("bare_batch_p50_ms", percentile(bare_times, 50) * 1000)
    figure("events_per_s", sent / sum(svc_times), 0)
    figure("bare_copy_events_per_s", sent / sum(bare_times), 0)
    figure("ratio", median(svc_times) / median(bare_times), 2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
