"""Helpers for the central's tests: an enrolled register over HTTP, event builders, row counts
(imported by the tests; the fixtures live in conftest.py)."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import func, select

from pos_central.db import tables as t
from pos_central.testing import CentralHandle

CATALOG = """sku,name,variant,department,tax_class,unit,price,price_per,cost,barcodes
100001,Still Water,0.5 l,Beverages,RED,each,0.59,1,0.34,4037674097186|24037674097180*6=2.99
100002,Cola,0.33 l,Beverages,STD,each,1.19,1,0.60,5449000000996
100003,Apples,,Produce,RED,g,2.99,1000,,
"""
WHEN = "2026-11-24T10:00:00.000Z"
_seq = itertools.count(1)


@dataclass
class Till:
    """An enrolled register talking to the central over HTTP."""

    store: str
    register: str
    token: str
    client: httpx.Client

    def post(self, events: list[dict[str, Any]], **kw: Any) -> httpx.Response:
        return self.client.post("/events", json={"events": events, **kw})


@dataclass
class World:
    central: CentralHandle
    tills: dict[str, Till]
    admin: httpx.Client

    def __getitem__(self, key: str) -> Till:
        return self.tills[key]


def client(central: CentralHandle, token: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=central.api, headers=headers, timeout=30, trust_env=False)


def enroll(central: CentralHandle, store: str, register: str) -> Till:
    code = central.enroll_code(store, register)
    with client(central) as c:
        r = c.post("/enroll", json={"code": code})
    assert r.status_code == 200, r.text
    token = r.json()["token"]
    return Till(store, register, token, client(central, token))


@contextmanager
def build_world(central: CentralHandle) -> Iterator[World]:
    central.create_store("S1", "Main Street")
    central.create_store("S2", "Harbour")
    central.import_catalog_csv(CATALOG)
    tills = {f"{s}/{r}": enroll(central, s, r) for s, r in (("S1", "R1"), ("S1", "R2"),
                                                             ("S2", "R1"))}
    admin = client(central, central.admin_token())
    try:
        yield World(central, tills, admin)
    finally:
        for till in tills.values():
            till.client.close()
        admin.close()


def movement(sku: str, qty: int, kind: str = "sale", **extra: Any) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "sku": sku, "quantity": qty, "kind": kind,
            "occurred_at": WHEN, **extra}


def event(*moves: dict[str, Any], type_: str = "sale.completed", seq: int | None = None,
          event_id: str | None = None, **payload: Any) -> dict[str, Any]:
    return {"event_id": event_id or str(uuid.uuid4()), "seq": seq or next(_seq), "type": type_,
            "occurred_at": WHEN, "payload": {"movements": list(moves), **payload}}


def sale(sku: str = "100001", qty: int = 1) -> dict[str, Any]:
    return event(movement(sku, -qty), receipt=f"R-{uuid.uuid4().hex[:6]}")


def counts(central: CentralHandle) -> dict[str, int]:
    """Rows in the tables ingest writes, and the sum of on-hand: 'nothing stored' checks."""
    with central.engine.connect() as conn:
        got = {tb.name: conn.execute(select(func.count()).select_from(tb)).scalar_one()
               for tb in (t.events, t.movements, t.stock_levels, t.unknown_skus,
                          t.product_proposals)}
        got["on_hand"] = int(conn.execute(
            select(func.coalesce(func.sum(t.stock_levels.c.on_hand), 0))).scalar_one())
    return got
