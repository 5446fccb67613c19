"""POST /enroll: a one-time, expiring code for a register token."""

from __future__ import annotations

from datetime import timedelta

import pytest
from central_helpers import client, counts, enroll, sale

from pos_central.services import accounts
from pos_central.testing import CentralHandle
from pos_protocol import wire


@pytest.fixture
def store(central: CentralHandle) -> CentralHandle:
    central.create_store("S1", "Main Street")
    return central


def test_code_gives_a_token_once(store: CentralHandle) -> None:
    code = store.enroll_code("S1", "R1")
    with client(store) as c:
        first = c.post("/enroll", json={"code": code})
        assert first.status_code == 200, first.text
        got = wire.parse_enrollment(first.json())
        assert (got.store, got.register) == ("S1", "R1")
        again = c.post("/enroll", json={"code": code})
    assert again.status_code == 403
    assert "already used" in again.json()["error"]
    assert again.json()["field"] == "code"
    with client(store, got.token) as till:
        assert till.get("/status").status_code == 200


def test_a_code_for_another_register_is_refused_unspent(store: CentralHandle) -> None:
    code = store.enroll_code("S1", "R1")
    with client(store) as c:
        wrong = c.post("/enroll", json={"code": code, "store": "S1", "register": "R2"})
        assert wrong.status_code == 409
        assert "register R1 of store S1" in wrong.json()["error"]
        assert c.post("/enroll", json={"code": code, "store": 5}).status_code == 422
        right = c.post("/enroll", json={"code": code, "store": "S1", "register": "R1"})
    assert right.status_code == 200, right.text


def test_code_is_typed_loosely(store: CentralHandle) -> None:
    code = store.enroll_code("S1", "R1")
    with client(store) as c:
        r = c.post("/enroll", json={"code": f"  {code.lower().replace('-', ' ')} "})
    assert r.status_code == 200


def test_expired_code(store: CentralHandle) -> None:
    code = store.enroll_code("S1", "R1", ttl=timedelta(minutes=1))
    from sqlalchemy import update

    from pos_central.clock import utc_now
    from pos_central.db import tables as t

    with store.engine.begin() as conn:  # a minute later
        conn.execute(update(t.enrollment_codes).values(expires_at=utc_now()))
    with client(store) as c:
        r = c.post("/enroll", json={"code": code})
    assert r.status_code == 403
    assert "expired" in r.json()["error"]


def test_unknown_or_malformed_code(store: CentralHandle) -> None:
    with client(store) as c:
        r = c.post("/enroll", json={"code": "AAAA-BBBB-CCCC-DDDD"})
        assert r.status_code == 401
        assert "unknown enrollment code" in r.json()["error"]
        assert c.post("/enroll", json={"nope": 1}).status_code == 422
        assert c.post("/enroll", content=b"{").status_code == 422


def test_a_new_code_ends_the_older_one(store: CentralHandle) -> None:
    old = store.enroll_code("S1", "R1")
    new = store.enroll_code("S1", "R1")
    with client(store) as c:
        assert c.post("/enroll", json={"code": old}).status_code == 403
        assert c.post("/enroll", json={"code": new}).status_code == 200


def test_enrolling_again_replaces_the_token(store: CentralHandle) -> None:
    first = enroll(store, "S1", "R1")
    second = enroll(store, "S1", "R1")  # the till was replaced
    assert first.post([sale()]).status_code == 401
    assert second.post([sale()]).status_code == 200
    assert counts(store)["events"] == 1
    first.client.close()
    second.client.close()


def test_enroll_code_needs_a_known_store(central: CentralHandle) -> None:
    from pos_central.errors import NotFound

    with pytest.raises(NotFound, match="unknown store S9"):
        central.enroll_code("S9", "R1")


def test_revoked_register_can_enroll_again(store: CentralHandle) -> None:
    till = enroll(store, "S1", "R1")
    store.revoke("S1", "R1")
    assert till.client.get("/status").status_code == 401
    again = enroll(store, "S1", "R1")
    assert again.client.get("/status").status_code == 200
    states = {r["register"]: r["state"] for r in accounts.list_registers(store.engine)}
    assert states == {"R1": "enrolled"}
    till.client.close()
    again.client.close()
