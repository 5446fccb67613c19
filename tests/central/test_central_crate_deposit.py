"""A pack barcode's own deposit (the crate) at the central: import, catalog page, list."""

from __future__ import annotations

from central_helpers import World

from pos_protocol import wire

CRATE_FILE = {
    "deposits": [{"code": "PET25", "name": "Deposit PET", "amount": 25},
                 {"code": "CRATE", "name": "Deposit crate", "amount": 150}],
    "products": [{"sku": "100001", "deposit": "PET25",
                  "barcodes": [{"code": "24037674097180", "deposit": "CRATE"}]}],
}


def test_crate_deposit_on_the_pack_barcode_reaches_the_register(world: World) -> None:
    c = world["S1/R1"].client
    v0 = c.get("/catalog").json()["version"]
    r = world.admin.post("/admin/promotions", json=CRATE_FILE)
    assert r.status_code == 200, r.text
    raw = c.get("/catalog", params={"since": v0}).json()
    (prod,) = [p for p in raw["products"] if p["sku"] == "100001"]
    by_code = {b["code"]: b for b in prod["barcodes"]}
    assert by_code["24037674097180"]["deposit"] == "CRATE"
    assert all("deposit" not in b for code, b in by_code.items() if code != "24037674097180")
    page = wire.parse_catalog_page(raw)
    (p,) = [p for p in page.products if p.sku == "100001"]
    assert {b.code: b.deposit for b in p.barcodes}["24037674097180"] == "CRATE"
    listed = world.admin.get("/admin/promotions").json()["products"]
    assert {"sku": "100001", "barcodes": [{"code": "24037674097180", "deposit": "CRATE"}]} \
        in listed
    # the same file again changes nothing; null removes the crate
    assert world.admin.post("/admin/promotions", json=CRATE_FILE).json()["products"] == 0
    off = {"products": [{"sku": "100001", "deposit": "PET25",
                         "barcodes": [{"code": "24037674097180", "deposit": None}]}]}
    assert world.admin.post("/admin/promotions", json=off).json()["products"] == 1


def test_a_crate_on_a_barcode_of_another_product_is_refused(world: World) -> None:
    bad = {"deposits": CRATE_FILE["deposits"],
           "products": [{"sku": "100002", "barcodes": [{"code": "24037674097180",
                                                         "deposit": "CRATE"}]}]}
    r = world.admin.post("/admin/promotions", json=bad)
    assert r.status_code == 422 and "not one of its barcodes" in r.json()["error"]
