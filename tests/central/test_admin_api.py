"""The admin API: stores, enrollment codes, registers, proposals (admin token only)."""

from __future__ import annotations

import httpx
from central_helpers import World, client, event, sale

from pos_protocol import wire


def test_store_and_enrollment_code_through_the_api(world: World) -> None:
    r = world.admin.post("/admin/stores", json={"store": "S3", "name": "Airport",
                                                "currency": "chf"})
    assert r.status_code == 201 and r.json() == {"store": "S3", "name": "Airport",
                                                 "currency": "CHF"}
    assert world.admin.post("/admin/stores", json={"store": "S3", "name": "x"}).status_code == 409
    bad = world.admin.post("/admin/stores", json={"store": "S 4", "name": "x"})
    assert bad.status_code == 422 and bad.json()["field"] == "store"
    r = world.admin.post("/admin/enrollment-codes", json={"store": "S3", "register": "R1",
                                                          "ttl_hours": 2})
    assert r.status_code == 201, r.text
    code = r.json()["code"]
    with client(world.central) as c:
        got = wire.parse_enrollment(c.post("/enroll", json={"code": code}).json())
    assert (got.store, got.register) == ("S3", "R1")
    missing = world.admin.post("/admin/enrollment-codes", json={"store": "S9", "register": "R1"})
    assert missing.status_code == 404 and missing.json()["field"] == "store"


def test_registers_list_and_revoke(world: World) -> None:
    world["S1/R1"].post([sale()], pending=3)
    regs = world.admin.get("/admin/registers").json()["registers"]
    assert [(r["store"], r["register"], r["state"]) for r in regs] == [
        ("S1", "R1", "enrolled"), ("S1", "R2", "enrolled"), ("S2", "R1", "enrolled")]
    assert regs[0]["last_contact_at"] is not None and regs[0]["pending"] == 3
    r = world.admin.post("/admin/registers/S2/R1/revoke")
    assert r.status_code == 200
    assert world["S2/R1"].client.get("/status").status_code == 401
    assert world.admin.post("/admin/registers/S2/R7/revoke").status_code == 404


def test_reject_a_proposal(world: World) -> None:
    product = {"sku": "P-1", "name": "Odd thing", "tax_class": "STD", "price": 100}
    world["S1/R1"].post([event(type_="product.proposed", product=product)])
    (p,) = world.admin.get("/admin/proposals").json()["proposals"]
    r = world.admin.post(f"/admin/proposals/{p['id']}/reject", json={"note": "duplicate"})
    assert r.json() == {"id": p["id"], "status": "rejected"}
    assert world.admin.get("/admin/proposals").json()["proposals"] == []
    (done,) = world.admin.get("/admin/proposals", params={"status": "all"}).json()["proposals"]
    assert (done["status"], done["note"]) == ("rejected", "duplicate")
    assert world.admin.post(f"/admin/proposals/{p['id']}/accept").status_code == 409
    assert world.admin.post("/admin/proposals/999/accept").status_code == 404


def test_importing_a_proposed_product_supersedes_the_proposal(world: World) -> None:
    product = {"sku": "P-2", "name": "Thing", "tax_class": "STD", "price": 100}
    world["S1/R1"].post([event(type_="product.proposed", product=product)])
    world.central.import_catalog_csv("sku,name,tax_class,price\nP-2,Thing (central),STD,1.10\n")
    (p,) = world.admin.get("/admin/proposals", params={"status": "all"}).json()["proposals"]
    assert p["status"] == "superseded"


def test_health_needs_no_token(world: World) -> None:
    r = httpx.get(world.central.api + "/health", trust_env=False)
    assert r.json() == {"ok": True, "protocol": wire.PROTOCOL_VERSION}
