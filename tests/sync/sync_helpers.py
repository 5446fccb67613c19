"""Helpers for the sync tests: registers made with ``init`` + a catalog import, the CLI in
process, an in-memory fake central for ``httpx.MockTransport``, and register/central checks."""

from __future__ import annotations

import gzip
import json
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from pos_protocol import wire

# the CLI in process, importable from here as before
from support import ok as ok
from support import pt as pt

CATALOG = """sku,name,variant,department,tax_class,unit,price,price_per,cost,barcodes
100001,Still Water,0.5 l,Beverages,RED,each,0.59,1,0.34,4037674097186|24037674097180*6=2.99
100002,Cola,0.33 l,Beverages,STD,each,1.19,1,0.60,5449000000996
100003,Crisps,Salted,Snacks,STD,each,1.49,1,0.70,4001686301265
"""
# A product only register S1-R2 knows at first (the central learns it later).
EXTRA = """sku,name,variant,department,tax_class,unit,price,price_per,cost,barcodes
100009,Local Honey,250 g,Deli,RED,each,5.99,1,3.10,4000000000006
"""
WATER, COLA, CRISPS, HONEY = "4037674097186", "5449000000996", "4001686301265", "4000000000006"
Registers = Callable[..., Path]  # the ``register`` fixture: register("S1", "R2") -> data dir
SKU = {WATER: "100001", COLA: "100002", CRISPS: "100003", HONEY: "100009"}


def make_register(root: Path, store: str, register: str, extra: bool = False) -> Path:
    d = root / f"{store}-{register}"
    ok(d, "init", "--store", store, "--register", register)
    cat = root / f"catalog-{store}-{register}.csv"
    cat.write_text(CATALOG + (EXTRA.split("\n", 1)[1] if extra else ""))
    ok(d, "import-catalog", str(cat))
    return d


def db_rows(data_dir: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(data_dir / "register.db")
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def local_on_hand(data_dir: Path, sku: str) -> int:
    rows = db_rows(data_dir, "SELECT coalesce(l.on_hand, 0) FROM products p LEFT JOIN "
                             "stock_levels l ON l.product_id = p.id WHERE p.sku = ?", sku)
    return rows[0][0] if rows else 0


def own_sum(data_dir: Path, sku: str) -> int:
    rows = db_rows(data_dir, "SELECT coalesce(sum(m.quantity), 0) FROM stock_movements m "
                             "JOIN products p ON p.id = m.product_id WHERE p.sku = ?", sku)
    return rows[0][0]


def outbox_status(data_dir: Path) -> dict[str, int]:
    return dict(db_rows(data_dir, "SELECT status, count(*) FROM outbox GROUP BY status"))


def movement_ids(data_dir: Path) -> set[str]:
    return {r[0] for r in db_rows(data_dir, "SELECT id FROM stock_movements")}


# -- a fake central for MockTransport ---------------------------------------------------------
@dataclass
class FakeCentral:
    """The protocol's register side of /events, /catalog, /movements, /status in memory.

    ``script`` is a queue of canned answers for /events (``(status, body)``) used before the
    normal handling; ``reject`` decides per event (return a reason to reject it).
    """

    token: str = "tok-1"
    held: dict[str, dict[str, Any]] = field(default_factory=dict)
    script: list[tuple[int, Any]] = field(default_factory=list)
    reject: Callable[[dict[str, Any]], str | None] | None = None
    batch_rule: Callable[[list[dict[str, Any]]], tuple[int, Any] | None] | None = None
    max_events: int = wire.MAX_BATCH_EVENTS
    products: list[dict[str, Any]] = field(default_factory=list)
    siblings: list[dict[str, Any]] = field(default_factory=list)
    batches: list[int] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.requests.append(request)
            path = request.url.path.removeprefix(wire.API_PREFIX)
            if path == "/health":
                return httpx.Response(200, json={"ok": True, "protocol": 1})
            if request.headers.get("authorization") != f"Bearer {self.token}":
                return httpx.Response(401, json={"error": "unknown token", "field": None})
            if path == "/events":
                return self._events(request)
            if path == "/catalog":
                since = int(request.url.params.get("since", 0))
                new = [p for p in self.products if p["version"] > since]
                top = max([since, *(p["version"] for p in self.products)])
                return httpx.Response(200, json={"version": top, "products": new,
                                                 "more": False})
            if path == "/movements":
                since = int(request.url.params.get("since", 0))
                new = [s for s in self.siblings if s["cursor"] > since]
                top = max([since, *(s["cursor"] for s in self.siblings)])
                return httpx.Response(200, json={"cursor": top, "movements": new,
                                                 "more": False})
            return httpx.Response(404, json={"error": "no such route", "field": None})

    def _events(self, request: httpx.Request) -> httpx.Response:
        raw = request.content
        if request.headers.get("content-encoding") == "gzip":
            raw = gzip.decompress(raw)
        body = json.loads(raw)
        events = body["events"]
        if self.script:
            status, answer = self.script.pop(0)
            if status != 200 or answer is not None:
                return httpx.Response(status, json=answer)
        if self.batch_rule is not None:
            got = self.batch_rule(events)
            if got is not None:
                return httpx.Response(got[0], json=got[1])
        if len(events) > self.max_events:
            return httpx.Response(413, json={"error": "too many", "field": "events"})
        self.batches.append(len(events))
        held, rejected = [], []
        for i, ev in enumerate(events):
            why = None
            try:
                wire.parse_event(ev, f"events[{i}]")
            except wire.WireError as exc:
                why = (exc.field, exc.reason)
            if why is None and self.reject is not None:
                r = self.reject(ev)
                why = (f"events[{i}].payload", r) if r else None
            if why is not None:
                rejected.append({"event_id": wire.event_id_of(ev), "field": why[0],
                                 "reason": why[1]})
                continue
            self.held.setdefault(ev["event_id"], ev)
            held.append(ev["event_id"])
        return httpx.Response(200, json={"held": held, "rejected": rejected})


def product_json(sku: str, name: str, price: int, version: int, barcodes: list[str],
                 tax_class: str = "STD", **kw: Any) -> dict[str, Any]:
    return {"sku": sku, "name": name, "tax_class": tax_class, "price": price,
            "version": version, "barcodes": [{"code": c} for c in barcodes], **kw}


def sibling_json(cursor: int, sku: str, quantity: int, register: str = "R2",
                 movement_id: str | None = None) -> dict[str, Any]:
    import uuid

    return {"cursor": cursor, "register": register, "movement": {
        "id": movement_id or str(uuid.uuid4()), "sku": sku, "quantity": quantity,
        "kind": "sale", "occurred_at": "2026-11-24T10:00:00.000Z", "reason": "",
        "reference": "s", "unit_cost": None, "seq": cursor, "hash": None}}


# -- central-side checks ------------------------------------------------------------------------
def central_events(handle: Any) -> dict[str, list[str]]:
    """``"STORE-REG" -> [event_id, ...]`` as the central stores them."""
    from sqlalchemy import select

    from pos_central.db import tables as ct

    e, r = ct.events, ct.registers
    out: dict[str, list[str]] = {}
    with handle.engine.connect() as conn:
        for store, code, eid in conn.execute(
                select(r.c.store, r.c.code, e.c.event_id).join(r, r.c.id == e.c.register_id)):
            out.setdefault(f"{store}-{code}", []).append(eid)
    return out


def central_movement_ids(handle: Any) -> list[str]:
    from sqlalchemy import select

    from pos_central.db import tables as ct

    with handle.engine.connect() as conn:
        return list(conn.execute(select(ct.movements.c.movement_id)).scalars())


def outbox_ids(data_dir: Path) -> list[str]:
    return [r[0] for r in db_rows(data_dir, "SELECT event_id FROM outbox ORDER BY seq")]


def assert_converged(handle: Any, registers: dict[str, Path], skus: list[str]) -> None:
    """Nothing lost, nothing twice, and every register's on-hand = its store's at the central.

    ``registers`` maps "STORE-REG" to data dirs; all of them must be fully synced.
    """
    held = central_events(handle)
    for name, d in registers.items():
        ids = outbox_ids(d)
        assert sorted(held.get(name, [])) == sorted(ids), f"{name}: events lost or extra"
        assert outbox_status(d) == {"sent": len(ids)}, f"{name}: {outbox_status(d)}"
    moves = central_movement_ids(handle)
    assert len(moves) == len(set(moves))
    local_moves: set[str] = set()
    for d in registers.values():
        local_moves |= movement_ids(d)
    assert set(moves) == local_moves, "movements lost or invented"
    for sku in skus:
        stock = handle.stock(sku)
        for name, d in registers.items():
            store = name.split("-")[0]
            want = sum(own_sum(x, sku) for n, x in registers.items() if n.startswith(store + "-"))
            assert stock.get(store, 0) == want, f"central {store} {sku}: {stock} != {want}"
            assert local_on_hand(d, sku) == want, f"{name} {sku}: local on-hand != {want}"
    for d in registers.values():
        assert ok(d, "verify").startswith("verify ok")
