"""Whole-request rejections: 401, 403, 413, 415 and 422, each with its field, and nothing
stored on any of them."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable

import httpx
import pytest
from central_helpers import World, client, counts, enroll, sale

from pos_protocol import wire


@pytest.fixture
def world(shared_world: World) -> World:
    """Every test here compares before and after, so they share one central (faster)."""
    return shared_world


def _rejected(world: World, send: Callable[[], httpx.Response], status: int,
              field: str | None = None, words: str = "") -> dict:
    before = counts(world.central)
    r = send()
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) >= {"error", "field"}
    assert body["field"] == field
    assert words in body["error"]
    assert "\n" not in body["error"]
    assert counts(world.central) == before  # nothing stored
    return body


# -- 401 --------------------------------------------------------------------------------------
def test_401_without_a_token(world: World) -> None:
    with client(world.central) as c:
        r = _rejected(world, lambda: c.post("/events", json={"events": [sale()]}), 401,
                      words="missing token")
    assert r["field"] is None


def test_401_with_an_unknown_token(world: World) -> None:
    with client(world.central, "pcr_not-a-token") as c:
        _rejected(world, lambda: c.post("/events", json={"events": [sale()]}), 401,
                  words="unknown token")
        _rejected(world, lambda: c.get("/movements"), 401)


def test_401_with_a_malformed_header(world: World) -> None:
    with httpx.Client(base_url=world.central.api, trust_env=False,
                      headers={"Authorization": "Basic dXNlcjpwdw=="}) as c:
        r = c.post("/events", json={"events": [sale()]})
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"


def test_401_with_a_revoked_token(world: World) -> None:
    till = enroll(world.central, "S1", "R9")
    world.central.revoke("S1", "R9")
    _rejected(world, lambda: till.post([sale()]), 401, words="revoked")
    _rejected(world, lambda: till.client.get("/catalog"), 401, words="revoked")
    assert world["S1/R2"].client.get("/status").status_code == 200  # only that register
    till.client.close()


# -- 403 --------------------------------------------------------------------------------------
def test_403_register_token_on_admin_routes(world: World) -> None:
    c = world["S1/R1"].client
    _rejected(world, lambda: c.get("/admin/registers"), 403, words="admin token")
    _rejected(world, lambda: c.post("/admin/catalog", content=b"sku,name,tax_class,price\n"),
              403)
    _rejected(world, lambda: c.put("/admin/products/100001/price", json={"price": 1}), 403)


def test_403_another_stores_data(world: World) -> None:
    c = world["S1/R1"].client
    assert c.get("/stores/S1/stock/100001").status_code == 200
    _rejected(world, lambda: c.get("/stores/S2/stock/100001"), 403, words="store S2")
    assert world.admin.get("/stores/S2/stock/100001").status_code == 200


def test_403_admin_token_cannot_post_events(world: World) -> None:
    _rejected(world, lambda: world.admin.post("/events", json={"events": [sale()]}), 403,
              words="for registers")


# -- 413 --------------------------------------------------------------------------------------
def test_413_too_many_events(world: World) -> None:
    events = [sale() for _ in range(wire.MAX_BATCH_EVENTS + 1)]
    _rejected(world, lambda: world["S1/R1"].post(events), 413, "events", "more than")


def test_413_too_many_bytes(world: World) -> None:
    e = sale()
    e["payload"]["note"] = "x" * (wire.MAX_BATCH_BYTES + 10)
    _rejected(world, lambda: world["S1/R1"].post([e]), 413, "body")


def test_413_gzip_bomb(world: World) -> None:
    # 2 MiB of zeros inside a JSON string compress to a few KiB but expand past the limit
    body = b'{"events": [], "pad": "' + b"0" * (wire.MAX_BATCH_BYTES + 1) + b'"}'
    bomb = gzip.compress(body, compresslevel=9)
    assert len(bomb) < 100_000
    _rejected(world, lambda: world["S1/R1"].client.post(
        "/events", content=bomb, headers={"Content-Encoding": "gzip"}), 413, "body",
        "uncompressed")


# -- 415 / 422 --------------------------------------------------------------------------------
def test_415_unknown_encoding(world: World) -> None:
    _rejected(world, lambda: world["S1/R1"].client.post(
        "/events", content=b"{}", headers={"Content-Encoding": "br"}), 415,
        "content-encoding")


@pytest.mark.parametrize(("content", "field"), [
    (b"not json", "body"),
    (b"[1, 2]", "events"),
    (b'{"events": {"a": 1}}', "events"),
    (b'{"batch": []}', "events"),
    (b"[" * 100_000 + b"]" * 100_000, "body"),
    (json.dumps({"events": [], "pending": -1}).encode(), "pending"),
])
def test_422_malformed_batch(world: World, content: bytes, field: str) -> None:
    _rejected(world, lambda: world["S1/R1"].client.post(
        "/events", content=content, headers={"Content-Type": "application/json"}), 422, field)


def test_422_broken_gzip(world: World) -> None:
    raw = gzip.compress(json.dumps({"events": [sale()]}).encode())
    _rejected(world, lambda: world["S1/R1"].client.post(
        "/events", content=raw[:-8], headers={"Content-Encoding": "gzip"}), 422, "body")
    _rejected(world, lambda: world["S1/R1"].client.post(
        "/events", content=b"plain", headers={"Content-Encoding": "gzip"}), 422, "body")


def test_422_bad_query_values(world: World) -> None:
    c = world["S1/R1"].client
    _rejected(world, lambda: c.get("/catalog", params={"since": "yesterday"}), 422, "since")
    _rejected(world, lambda: c.get("/movements", params={"since": -1}), 422, "since")
    _rejected(world, lambda: c.get("/movements", params={"limit": 10**6}), 422, "limit")


def test_422_bad_price(world: World) -> None:
    _rejected(world, lambda: world.admin.put("/admin/products/100001/price",
                                             json={"price": 1.5}), 422, "price")


def test_unknown_route_is_404_json(world: World) -> None:
    r = world["S1/R1"].client.get("/nothing-here")
    assert r.status_code == 404
    assert r.json() == {"error": "Not Found", "field": None}
